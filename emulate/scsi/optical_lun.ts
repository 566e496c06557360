/**
 * An MMC optical drive (PDT 5) with a {@link Disc} in it (../shared/specs/scsi-mmc.md §4): READ
 * TOC/PMA/ATIP formats 0/1/2/5, READ CD and READ CD MSF with every sector type and sub-channel,
 * READ(10/12) refusing audio and Form 2 sectors with 5/64/00, GET CONFIGURATION, GET EVENT STATUS
 * NOTIFICATION, READ DISC/TRACK INFORMATION, READ SUB-CHANNEL, PLAY AUDIO with a moving position,
 * tray and lock (START STOP UNIT, PREVENT ALLOW), MECHANISM STATUS, SET CD SPEED, GET PERFORMANCE,
 * READ DVD STRUCTURE for DVD-sized images, and media change: {@link OpticalLun.eject} and
 * {@link OpticalLun.insert} from the host, reported as UNIT ATTENTION 6/28/00 to every nexus and
 * as a GESN media event.
 *
 * The SPC part (INQUIRY, MODE SENSE, VERIFY, writes refused, …) is a {@link BlockLun} of kind
 * "cd" over the disc's 2048-byte blocks; this class answers the media-dependent commands first.
 * @module
 */

import {
  controlNibble,
  type Disc,
  discLeadOutLba,
  type DiscTrack,
  discTracks,
  TrackMode,
} from "../../image/disc.ts";
import { dataTrackDevice } from "../../image/disc_device.ts";
import { isDvdDisc, makePfi } from "../../image/dvd.ts";
import { discTrackAt, qPositionAt, readRawSectors } from "../../image/disc_sectors.ts";
import { classifyRawSector, SECTOR_BYTES } from "../../image/cd/sector.ts";
import { deinterleaveQ, encodeQPosition, SUBCHANNEL_BYTES } from "../../image/cd/subchannel.ts";
import { encodeCdTextPacks } from "../../image/cdtext.ts";
import type { BlockDevice } from "../../image/block_device.ts";
import { BlockLun, type DataOut } from "./block_lun.ts";
import { CheckCondition, fixedSense, SENSE, type Sense } from "./sense.ts";

/** A disc loaded in the drive. */
export interface OpticalMedia {
  readonly disc: Disc;
  /** What the host calls it (the image path), for logs. */
  readonly name?: string;
}

/** MMC opcodes answered here (the rest go to the SPC/SBC unit). */
export const MmcOp = {
  testUnitReady: 0x00,
  read6: 0x08,
  startStopUnit: 0x1b,
  preventAllow: 0x1e,
  readCapacity10: 0x25,
  read10: 0x28,
  seek10: 0x2b,
  readSubChannel: 0x42,
  readToc: 0x43,
  playAudio10: 0x45,
  getConfiguration: 0x46,
  playAudioMsf: 0x47,
  getEventStatus: 0x4a,
  pauseResume: 0x4b,
  stopPlayScan: 0x4e,
  readDiscInformation: 0x51,
  readTrackInformation: 0x52,
  modeSelect6: 0x15,
  modeSelect10: 0x55,
  serviceActionIn16: 0x9e,
  playAudio12: 0xa5,
  read12: 0xa8,
  getPerformance: 0xac,
  readDvdStructure: 0xad,
  readCdMsf: 0xb9,
  setCdSpeed: 0xbb,
  mechanismStatus: 0xbd,
  readCd: 0xbe,
} as const;

/** MMC profiles (GET CONFIGURATION). */
const PROFILE_CD_ROM = 0x0008;
const PROFILE_DVD_ROM = 0x0010;
/** Reported read speed, kB/s (40× CD). */
const READ_SPEED_KBPS = 7056;

const NOT_READY_TRAY_CLOSED: Sense = { key: 0x2, asc: 0x3a, ascq: 0x01 };
const NOT_READY_TRAY_OPEN: Sense = { key: 0x2, asc: 0x3a, ascq: 0x02 };
const MEDIUM_CHANGED: Sense = { key: 0x6, asc: 0x28, ascq: 0x00 };
const COMMAND_SEQUENCE_ERROR: Sense = { key: 0x5, asc: 0x2c, ascq: 0x00 };
const INCOMPATIBLE_FORMAT: Sense = { key: 0x5, asc: 0x30, ascq: 0x02 };
const REMOVAL_PREVENTED: Sense = { key: 0x5, asc: 0x53, ascq: 0x02 };
const SAVING_NOT_SUPPORTED: Sense = { key: 0x5, asc: 0x39, ascq: 0x00 };

/** GESN media event codes. */
const MediaEvent = { none: 0, newMedia: 2, mediaRemoval: 3 } as const;

/** READ SUB-CHANNEL audio status. */
const AudioStatus = { playing: 0x11, paused: 0x12, completed: 0x13, none: 0x15 } as const;

/** A PLAY AUDIO in progress: a virtual position clock at 75 sectors per second. */
interface Play {
  startLba: number;
  endLba: number;
  /** Position when the clock (re)started, and when that was (ms). */
  fromLba: number;
  sinceMs: number;
  paused: boolean;
}

/** Sector kinds of READ CD's expected-sector-type field (byte 1, bits 4–2). */
const EXPECTED_TYPES = [undefined, "audio", "mode1", "mode2-formless", "mode2-form1", "mode2-form2"] as const;

/**
 * One optical drive.
 *
 * @example
 * ```ts
 * const drive = new OpticalLun({ media: { disc }, serial: "DW000000", targetName: iqn });
 * const toc = await drive.execute(Uint8Array.of(0x43, 0, 0, 0, 0, 0, 0, 0x03, 0x24, 0));
 * drive.eject(); // the guest sees no disc
 * drive.insert({ disc: other }); // … then UNIT ATTENTION 6/28/00 and a new-media event
 * ```
 */
export class OpticalLun {
  readonly kind = "cd" as const;
  readonly pdt = 0x05;
  readonly #serial: string;
  readonly #targetName: string;
  #media: OpticalMedia | undefined;
  #spc: BlockLun;
  #trayOpen = false;
  #locked = false;
  /** Bumped on every insert; a nexus that saw an older one gets 6/28/00 once. */
  #generation = 0;
  readonly #seenGeneration = new Map<number, number>();
  #pendingEvent: number = MediaEvent.none;
  #play: Play | undefined;
  #completedReported = true;
  #lastPositionLba = 0;
  #lastSense: Sense = SENSE.noSense;
  readonly #devices = new Map<DiscTrack, BlockDevice>();
  /** Called on media changes (for the server's log). */
  onMediaChange?: (line: string) => void;

  constructor(options: { media?: OpticalMedia; serial: string; targetName: string }) {
    this.#serial = options.serial;
    this.#targetName = options.targetName;
    this.#media = options.media;
    this.#spc = this.#makeSpc();
  }

  /** The disc in the drive with the tray closed, or undefined. */
  get media(): OpticalMedia | undefined {
    return this.#trayOpen ? undefined : this.#media;
  }

  /** True for a DVD-sized image (DVD-ROM profile, READ DVD STRUCTURE answered). */
  get isDvd(): boolean {
    const disc = this.#media?.disc;
    return disc !== undefined && isDvdDisc(disc);
  }

  /**
   * Takes the disc out (as an operator would): the drive reports no medium until {@link insert}.
   *
   * @example
   * ```ts
   * drive.eject();
   * ```
   */
  eject(): void {
    if (!this.#media) return;
    this.onMediaChange?.(`ejected ${this.#media.name ?? "the disc"}`);
    this.#media = undefined;
    this.#trayOpen = false;
    this.#play = undefined;
    this.#pendingEvent = MediaEvent.mediaRemoval;
    this.#devices.clear();
    this.#spc = this.#makeSpc();
  }

  /**
   * Loads a disc (replacing any): every nexus gets UNIT ATTENTION 6/28/00 once, GESN reports
   * new media.
   *
   * @example
   * ```ts
   * drive.insert({ disc, name: "second.cue" });
   * ```
   */
  insert(media: OpticalMedia): void {
    this.#media = media;
    this.#trayOpen = false;
    this.#play = undefined;
    this.#generation++;
    this.#pendingEvent = MediaEvent.newMedia;
    this.#devices.clear();
    this.#spc = this.#makeSpc();
    this.onMediaChange?.(`inserted ${media.name ?? "a disc"}`);
  }

  /**
   * The UNIT ATTENTION pending for a nexus (cleared by this call), or undefined. GET
   * CONFIGURATION, GET EVENT STATUS NOTIFICATION, INQUIRY and REQUEST SENSE do not see it.
   *
   * @example
   * ```ts
   * const ua = drive.unitAttention(connectionId, cdb[0]);
   * if (ua) throw new CheckCondition(ua);
   * ```
   */
  unitAttention(nexus: number, opcode: number): Sense | undefined {
    if (opcode === 0x12 || opcode === 0x03 || opcode === 0x46 || opcode === 0x4a || opcode === 0xa0) {
      return undefined;
    }
    const seen = this.#seenGeneration.get(nexus);
    this.#seenGeneration.set(nexus, this.#generation);
    if (seen === undefined || seen === this.#generation) return undefined;
    return MEDIUM_CHANGED;
  }

  /** Forgets a nexus (its connection closed). */
  forgetNexus(nexus: number): void {
    this.#seenGeneration.delete(nexus);
  }

  /**
   * Runs a CDB; returns the data-in bytes (undefined for none) or throws CheckCondition.
   *
   * @example
   * ```ts
   * const capacity = await drive.execute(Uint8Array.of(0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0));
   * ```
   */
  async execute(cdb: Uint8Array, dataOut?: DataOut): Promise<Uint8Array | undefined> {
    if (cdb[0] === 0x03) {
      // REQUEST SENSE: the last failure here or in the SPC unit.
      const out = fixedSense(this.#lastSense);
      this.#lastSense = SENSE.noSense;
      return out.subarray(0, Math.min(18, cdb[4] ?? 18));
    }
    try {
      const data = await this.#execute(cdb, dataOut);
      this.#lastSense = SENSE.noSense;
      return data;
    } catch (error) {
      if (error instanceof CheckCondition) this.#lastSense = error.sense;
      throw error;
    }
  }

  #makeSpc(): BlockLun {
    const disc = this.#media?.disc;
    const byteLength = disc ? discLeadOutLba(disc) * 2048 : 0;
    return new BlockLun({
      kind: "cd",
      source: { byteLength, read: (offset, length) => this.#readBlocks(offset / 2048, length / 2048) },
      serial: this.#serial,
      targetName: this.#targetName,
    });
  }

  /** The loaded disc, or NOT READY (tray open / no medium). */
  #disc(): Disc {
    if (this.#trayOpen) throw new CheckCondition(NOT_READY_TRAY_OPEN, "tray open");
    if (!this.#media) throw new CheckCondition(NOT_READY_TRAY_CLOSED, "no disc");
    return this.#media.disc;
  }

  async #execute(cdb: Uint8Array, dataOut?: DataOut): Promise<Uint8Array | undefined> {
    const view = new DataView(cdb.buffer, cdb.byteOffset, cdb.byteLength);
    const need = (n: number) => {
      if (cdb.byteLength < n) {
        throw new CheckCondition(SENSE.invalidFieldInCdb, `CDB of ${cdb.byteLength} bytes`);
      }
    };
    switch (cdb[0]) {
      case MmcOp.testUnitReady:
        this.#disc();
        return undefined;
      case MmcOp.readCapacity10:
      case MmcOp.serviceActionIn16:
        this.#disc();
        return await this.#spc.execute(cdb);
      case MmcOp.read6:
        need(6);
        this.#disc();
        return await this.#readData(((cdb[1] & 0x1f) << 16) | view.getUint16(2), cdb[4] === 0 ? 256 : cdb[4]);
      case MmcOp.read10:
        need(10);
        this.#disc();
        if (cdb[1] & 0xe0) throw new CheckCondition(SENSE.invalidFieldInCdb, "RDPROTECT");
        return await this.#readData(view.getUint32(2), view.getUint16(7));
      case MmcOp.read12:
        need(12);
        this.#disc();
        if (cdb[1] & 0xe0) throw new CheckCondition(SENSE.invalidFieldInCdb, "RDPROTECT");
        return await this.#readData(view.getUint32(2), view.getUint32(6));
      case MmcOp.seek10: {
        need(10);
        const disc = this.#disc();
        if (view.getUint32(2) >= discLeadOutLba(disc)) throw new CheckCondition(SENSE.lbaOutOfRange, "SEEK");
        this.#stopPlay();
        return undefined;
      }
      case MmcOp.startStopUnit:
        need(6);
        return this.#startStop(cdb);
      case MmcOp.preventAllow:
        need(6);
        this.#locked = (cdb[4] & 0x03) !== 0;
        return undefined;
      case MmcOp.modeSelect6:
      case MmcOp.modeSelect10:
        if (cdb[1] & 0x01) throw new CheckCondition(SAVING_NOT_SUPPORTED, "MODE SELECT SP=1");
        return undefined; // parameters accepted and ignored: nothing here is changeable
      case MmcOp.readToc:
        need(10);
        return this.#readToc(cdb, view);
      case MmcOp.readCd:
      case MmcOp.readCdMsf:
        need(12);
        return await this.#readCd(cdb, view);
      case MmcOp.readSubChannel:
        need(10);
        return this.#readSubChannel(cdb, view);
      case MmcOp.playAudio10:
        need(10);
        return this.#playAudio(view.getUint32(2), view.getUint16(7), view.getUint32(2) === 0xffffffff);
      case MmcOp.playAudio12:
        need(12);
        return this.#playAudio(view.getUint32(2), view.getUint32(6), view.getUint32(2) === 0xffffffff);
      case MmcOp.playAudioMsf: {
        need(10);
        const current = cdb[3] === 0xff && cdb[4] === 0xff && cdb[5] === 0xff;
        const start = msfFields(cdb, 3);
        const end = msfFields(cdb, 6);
        if (!current && start > end) throw new CheckCondition(SENSE.invalidFieldInCdb, "start after end");
        const from = current ? this.#position() : start;
        return this.#playAudio(from, Math.max(0, end - from), current);
      }
      case MmcOp.pauseResume: {
        need(10);
        const play = this.#play;
        if (!play || this.#position() >= play.endLba) {
          throw new CheckCondition(COMMAND_SEQUENCE_ERROR, "nothing playing");
        }
        const resume = (cdb[8] & 1) !== 0;
        if (resume && play.paused) Object.assign(play, { paused: false, sinceMs: Date.now() });
        if (!resume && !play.paused) Object.assign(play, { fromLba: this.#position(), paused: true });
        return undefined;
      }
      case MmcOp.stopPlayScan:
        this.#stopPlay();
        return undefined;
      case MmcOp.getConfiguration:
        need(10);
        return this.#getConfiguration(cdb, view);
      case MmcOp.getEventStatus:
        need(10);
        return this.#getEventStatus(cdb, view);
      case MmcOp.readDiscInformation:
        need(10);
        return this.#readDiscInformation(cdb, view);
      case MmcOp.readTrackInformation:
        need(10);
        return this.#readTrackInformation(cdb, view);
      case MmcOp.mechanismStatus: {
        need(12);
        const out = new Uint8Array(8);
        out[1] = (this.#trayOpen ? 0x10 : 0) | (this.#play && !this.#play.paused ? 0x20 : 0); // 1: door open, mechanism state
        out[5] = 1; // 5: number of slots
        return out.subarray(0, Math.min(8, view.getUint16(8)));
      }
      case MmcOp.setCdSpeed:
        return undefined;
      case MmcOp.getPerformance:
        need(12);
        return this.#getPerformance(cdb, view);
      case MmcOp.readDvdStructure:
        need(12);
        return this.#readDvdStructure(cdb, view);
      default:
        return await this.#spc.execute(cdb, dataOut);
    }
  }

  // --- data ------------------------------------------------------------------------------------

  /** READ(6/10/12): 2048-byte blocks of Mode 1 / Form 1 sectors; anything else is 5/64/00. */
  async #readData(lba: number, blocks: number): Promise<Uint8Array> {
    const disc = this.#disc();
    if (lba + blocks > discLeadOutLba(disc)) {
      throw new CheckCondition(SENSE.lbaOutOfRange, `LBA ${lba} + ${blocks}`);
    }
    return await this.#readBlocks(lba, blocks);
  }

  async #readBlocks(lba: number, blocks: number): Promise<Uint8Array> {
    const disc = this.#disc();
    let out: Uint8Array | undefined;
    let done = 0;
    while (done < blocks) {
      const at = lba + done;
      const track = discTrackAt(disc, at);
      if (!track || track.mode === TrackMode.audio || track.mode === TrackMode.mode2Formless) {
        throw new CheckCondition(SENSE.illegalModeForThisTrack, `LBA ${at} is not a 2048-byte data sector`);
      }
      const run = Math.min(blocks - done, track.endLba - at);
      if (track.mode === TrackMode.mode1 && at >= 0) {
        let device = this.#devices.get(track);
        if (!device) this.#devices.set(track, device = dataTrackDevice(disc, track));
        const bytes = await device.read(at, run);
        if (run === blocks) return bytes; // the usual case: one track, no copy
        out ??= new Uint8Array(blocks * 2048);
        out.set(bytes, done * 2048);
      } else {
        // XA tracks: each sector must be Form 1.
        const { main } = await readRawSectors(disc, at, run);
        out ??= new Uint8Array(blocks * 2048);
        for (let i = 0; i < run; i++) {
          const kind = classifyRawSector(main, i * SECTOR_BYTES);
          if (kind !== "mode2-form1" && kind !== "mode1") {
            throw new CheckCondition(SENSE.illegalModeForThisTrack, `LBA ${at + i} is a ${kind} sector`);
          }
          const from = i * SECTOR_BYTES + (kind === "mode1" ? 16 : 24);
          out.set(main.subarray(from, from + 2048), (done + i) * 2048);
        }
      }
      done += run;
    }
    return out ?? new Uint8Array(0);
  }

  /** READ CD (LBA) and READ CD MSF. */
  async #readCd(cdb: Uint8Array, view: DataView): Promise<Uint8Array | undefined> {
    const disc = this.#disc();
    let lba: number;
    let count: number;
    if (cdb[0] === MmcOp.readCd) {
      lba = view.getInt32(2);
      count = (cdb[6] << 16) | (cdb[7] << 8) | cdb[8];
    } else {
      lba = msfFields(cdb, 3);
      const end = msfFields(cdb, 6);
      if (lba > end) throw new CheckCondition(SENSE.invalidFieldInCdb, "start after end");
      count = end - lba;
    }
    const expected = (cdb[1] >> 2) & 0x07;
    if (expected > 5) throw new CheckCondition(SENSE.invalidFieldInCdb, "expected sector type");
    const selection = cdb[9];
    const c2 = (selection >> 1) & 0x03;
    const sub = cdb[10] & 0x07;
    if (c2 === 3) throw new CheckCondition(SENSE.invalidFieldInCdb, "C2 error field 11b");
    if (sub !== 0 && sub !== 1 && sub !== 2) {
      throw new CheckCondition(SENSE.invalidFieldInCdb, "sub-channel selection");
    }
    if (count === 0) return undefined;
    if (lba < -150 || lba + count > discLeadOutLba(disc)) {
      throw new CheckCondition(SENSE.lbaOutOfRange, `LBA ${lba} + ${count}`);
    }
    let raw;
    try {
      raw = await readRawSectors(disc, lba, count, { subchannel: sub !== 0 });
    } catch (error) {
      if (error instanceof RangeError) throw new CheckCondition(SENSE.lbaOutOfRange, error.message);
      throw error;
    }
    const parts: Uint8Array[] = [];
    let firstKindIsAudio: boolean | undefined;
    let track = discTrackAt(disc, lba)!;
    for (let i = 0; i < count; i++) {
      if (lba + i >= track.endLba) track = discTrackAt(disc, lba + i)!;
      const at = i * SECTOR_BYTES;
      const kind = track.mode === TrackMode.audio ? "audio" : classifyRawSector(raw.main, at);
      const expectedKind = EXPECTED_TYPES[expected];
      if (
        expectedKind !== undefined &&
        !(expectedKind === kind || (expectedKind === "mode2-formless" && kind === "mode0"))
      ) {
        throw new CheckCondition(SENSE.illegalModeForThisTrack, `LBA ${lba + i} is a ${kind} sector`);
      }
      // Expected type "any" stops at a data/audio transition.
      firstKindIsAudio ??= kind === "audio";
      if (expected === 0 && firstKindIsAudio !== (kind === "audio")) {
        throw new CheckCondition(
          SENSE.illegalModeForThisTrack,
          `LBA ${lba + i} changes between data and audio`,
        );
      }
      const sector = raw.main.subarray(at, at + SECTOR_BYTES);
      for (const [from, to] of mainChannelRanges(kind, selection)) parts.push(sector.subarray(from, to));
      if (c2 === 1) parts.push(new Uint8Array(294));
      if (c2 === 2) parts.push(new Uint8Array(296));
      if (sub === 1) parts.push(raw.subchannel!.subarray(i * SUBCHANNEL_BYTES, (i + 1) * SUBCHANNEL_BYTES));
      if (sub === 2) {
        const q = new Uint8Array(16);
        const stored = raw.subchannel!.subarray(i * SUBCHANNEL_BYTES, (i + 1) * SUBCHANNEL_BYTES);
        q.set(
          stored.some((b) => b !== 0) ? deinterleaveQ(stored) : encodeQPosition(qPositionAt(disc, lba + i)),
        );
        parts.push(q);
      }
    }
    return concat(parts);
  }

  // --- TOC and disc/track information ----------------------------------------------------------

  #readToc(cdb: Uint8Array, view: DataView): Uint8Array {
    const disc = this.#disc();
    const msf = (cdb[1] & 0x02) !== 0;
    let format = cdb[2] & 0x0f;
    if (format === 0) format = cdb[9] >> 6; // SFF-8020i: the format in the control byte
    const allocation = view.getUint16(7);
    const tracks = discTracks(disc);
    const first = tracks[0].number;
    const last = tracks.at(-1)!.number;
    const leadOut = discLeadOutLba(disc);
    const bytes: number[] = [];
    switch (format) {
      case 0: {
        const from = cdb[6];
        if (from > last && from !== 0xaa) throw new CheckCondition(SENSE.invalidFieldInCdb, `track ${from}`);
        bytes.push(0, 0, first, last);
        for (const t of tracks) {
          if (from === 0xaa || t.number < from) continue;
          bytes.push(0, 0x10 | controlNibble(t), t.number, 0, ...address(t.startLba, msf));
        }
        bytes.push(0, 0x10 | controlNibble(tracks.at(-1)!), 0xaa, 0, ...address(leadOut, msf));
        break;
      }
      case 1: {
        const session = disc.sessions.at(-1)!;
        const t = session.tracks[0];
        bytes.push(
          0,
          0,
          1,
          session.number,
          0,
          0x10 | controlNibble(t),
          t.number,
          0,
          ...address(t.startLba, msf),
        );
        break;
      }
      case 2: {
        bytes.push(0, 0, 1, disc.sessions.at(-1)!.number);
        const point = (
          session: number,
          control: number,
          adr: number,
          p: number,
          pm: number[],
          zero = 0,
          m = [0, 0, 0],
        ) => bytes.push(session, (adr << 4) | control, 0, p, ...m, zero, ...pm);
        disc.sessions.forEach((session, s) => {
          const t0 = session.tracks[0];
          const tn = session.tracks.at(-1)!;
          point(session.number, controlNibble(t0), 1, 0xa0, [t0.number, session.type, 0]);
          point(session.number, controlNibble(tn), 1, 0xa1, [tn.number, 0, 0]);
          point(session.number, controlNibble(tn), 1, 0xa2, msfBytes(session.leadOutLba));
          for (const t of session.tracks) {
            point(session.number, controlNibble(t), 1, t.number, msfBytes(t.startLba));
          }
          const next = disc.sessions[s + 1];
          if (next) {
            // ADR 5, B0: the next program area and the last possible lead-out.
            point(
              session.number,
              controlNibble(tn),
              5,
              0xb0,
              msfBytes(leadOut),
              1,
              msfBytes(next.tracks[0].pregapLba),
            );
          }
        });
        break;
      }
      case 5: {
        let packs: Uint8Array = new Uint8Array(0);
        try {
          packs = encodeCdTextPacks({ cdText: disc.cdText, catalog: disc.catalog, tracks });
        } catch {
          // text that cannot be encoded: report none
        }
        bytes.push(0, 0, 0, 0, ...packs);
        break;
      }
      default:
        throw new CheckCondition(SENSE.invalidFieldInCdb, `READ TOC format ${format}`);
    }
    const out = Uint8Array.from(bytes);
    new DataView(out.buffer).setUint16(0, out.byteLength - 2); // 0–1: data length
    return out.subarray(0, Math.min(out.byteLength, allocation));
  }

  #readDiscInformation(cdb: Uint8Array, view: DataView): Uint8Array {
    if (cdb[1] & 0x07) throw new CheckCondition(SENSE.invalidFieldInCdb, "data type");
    const disc = this.#disc();
    const tracks = discTracks(disc);
    const lastSession = disc.sessions.at(-1)!;
    const out = new Uint8Array(34);
    out[1] = 0x20; // 0–1: length 32
    out[2] = 0x0e; // 2: last session complete, disc finalized
    out[3] = tracks[0].number; // 3: first track on disc
    out[4] = disc.sessions.length; // 4: number of sessions
    out[5] = lastSession.tracks[0].number; // 5: first track in last session
    out[6] = lastSession.tracks.at(-1)!.number; // 6: last track in last session
    out[7] = 0x20; // 7: URU
    out[8] = this.isDvd ? 0xff : disc.sessions[0].type; // 8: disc type
    out.fill(0xff, 16, 24); // 16–23: lead-in / last lead-out start: none (complete disc)
    return out.subarray(0, Math.min(34, view.getUint16(7)));
  }

  #readTrackInformation(cdb: Uint8Array, view: DataView): Uint8Array {
    const disc = this.#disc();
    const value = view.getUint32(2);
    const tracks = discTracks(disc);
    let track: DiscTrack | undefined;
    switch (cdb[1] & 0x03) {
      case 0:
        track = discTrackAt(disc, value | 0);
        break;
      case 1:
        track = tracks.find((t) => t.number === value);
        break;
      case 2:
        track = disc.sessions.find((s) => s.number === value)?.tracks[0];
        break;
    }
    if (!track) throw new CheckCondition(SENSE.invalidFieldInCdb, `track/address ${value}`);
    const out = new Uint8Array(48);
    const data = new DataView(out.buffer);
    data.setUint16(0, 46); // 0–1: length
    out[2] = track.number; // 2: track number
    out[3] = track.session; // 3: session number
    out[5] = controlNibble(track); // 5: track mode (Q CONTROL)
    out[6] = track.mode === TrackMode.mode2Xa || track.mode === TrackMode.mode2Formless ? 0x02 : 0x01; // 6: data mode
    data.setUint32(8, track.startLba); // 8: track start
    data.setUint32(24, track.endLba - track.startLba); // 24: track size
    data.setUint32(28, track.endLba - 1); // 28: last recorded address
    return out.subarray(0, Math.min(48, view.getUint16(7)));
  }

  // --- audio -----------------------------------------------------------------------------------

  #position(): number {
    const play = this.#play;
    if (!play) return this.#lastPositionLba;
    if (play.paused) return play.fromLba;
    const moved = Math.floor(((Date.now() - play.sinceMs) * 75) / 1000);
    return Math.min(play.endLba, play.fromLba + moved);
  }

  #stopPlay(): void {
    if (this.#play) this.#lastPositionLba = this.#position();
    this.#play = undefined;
    this.#completedReported = true;
  }

  #playAudio(start: number, length: number, current: boolean): undefined {
    const disc = this.#disc();
    if (current) start = this.#position();
    if (length === 0) return undefined;
    const leadOut = discLeadOutLba(disc);
    if (start >= leadOut || start + length > leadOut) {
      throw new CheckCondition(SENSE.lbaOutOfRange, `PLAY AUDIO ${start} + ${length}`);
    }
    const track = discTrackAt(disc, start);
    if (!track || track.mode !== TrackMode.audio) {
      throw new CheckCondition(SENSE.illegalModeForThisTrack, `LBA ${start} is not audio`);
    }
    this.#play = {
      startLba: start,
      endLba: start + length,
      fromLba: start,
      sinceMs: Date.now(),
      paused: false,
    };
    this.#completedReported = false;
    return undefined;
  }

  #audioStatus(): number {
    const play = this.#play;
    if (!play) {
      if (this.#completedReported) return AudioStatus.none;
      this.#completedReported = true;
      return AudioStatus.completed;
    }
    if (this.#position() >= play.endLba) {
      this.#lastPositionLba = play.endLba;
      this.#play = undefined;
      this.#completedReported = true;
      return AudioStatus.completed;
    }
    return play.paused ? AudioStatus.paused : AudioStatus.playing;
  }

  #readSubChannel(cdb: Uint8Array, view: DataView): Uint8Array {
    const disc = this.#disc();
    const msf = (cdb[1] & 0x02) !== 0;
    const allocation = view.getUint16(7);
    const format = cdb[3];
    const position = Math.min(this.#position(), discLeadOutLba(disc) - 1);
    const status = this.#audioStatus();
    const bytes: number[] = [0, status, 0, 0];
    if (cdb[2] & 0x40) {
      switch (format) {
        case 1: {
          const q = qPositionAt(disc, position);
          bytes.push(0x01, 0x10 | q.control, q.track, q.index, ...address(position, msf));
          bytes.push(...(msf ? [0, ...msfOf(Math.abs(q.relativeSectors))] : int32(q.relativeSectors)));
          break;
        }
        case 2: {
          const mcn = disc.catalog ?? "";
          bytes.push(0x02, 0, 0, 0, mcn ? 0x80 : 0, ...ascii(mcn, 13), 0, 0);
          break;
        }
        case 3: {
          const track = discTracks(disc).find((t) => t.number === cdb[6]);
          if (!track) throw new CheckCondition(SENSE.invalidFieldInCdb, `track ${cdb[6]}`);
          const isrc = track.isrc ?? "";
          bytes.push(
            0x03,
            0x10 | controlNibble(track),
            track.number,
            0,
            isrc ? 0x80 : 0,
            ...ascii(isrc, 12),
            0,
            0,
            0,
          );
          break;
        }
        default:
          throw new CheckCondition(SENSE.invalidFieldInCdb, `sub-channel format ${format}`);
      }
    }
    const out = Uint8Array.from(bytes);
    new DataView(out.buffer).setUint16(2, out.byteLength - 4); // 2–3: data length
    return out.subarray(0, Math.min(out.byteLength, allocation));
  }

  // --- tray, configuration, events ---------------------------------------------------------------

  #startStop(cdb: Uint8Array): undefined {
    if (cdb[4] >> 4) return undefined; // a power condition: LOEJ and START ignored
    const loej = (cdb[4] & 0x02) !== 0;
    const start = (cdb[4] & 0x01) !== 0;
    if (!loej) {
      if (!start) this.#stopPlay();
      return undefined;
    }
    if (!start) {
      if (this.#locked) throw new CheckCondition(REMOVAL_PREVENTED, "medium removal prevented");
      if (!this.#trayOpen) {
        this.#stopPlay();
        this.#trayOpen = true;
        if (this.#media) this.#pendingEvent = MediaEvent.mediaRemoval;
      }
      return undefined;
    }
    if (this.#trayOpen) {
      this.#trayOpen = false;
      if (this.#media) {
        this.#generation++;
        this.#pendingEvent = MediaEvent.newMedia;
      }
    }
    return undefined;
  }

  #getConfiguration(cdb: Uint8Array, view: DataView): Uint8Array {
    const rt = cdb[1] & 0x03;
    if (rt === 3) throw new CheckCondition(SENSE.invalidFieldInCdb, "RT 11b");
    const startFeature = view.getUint16(2);
    const loaded = this.media !== undefined;
    const dvd = loaded && this.isDvd;
    const cd = loaded && !dvd;
    const feature = (
      code: number,
      version: number,
      persistent: boolean,
      current: boolean,
      data: number[],
    ) => ({
      code,
      current,
      bytes: [
        code >> 8,
        code & 0xff,
        (version << 2) | (persistent ? 2 : 0) | (current ? 1 : 0),
        data.length,
        ...data,
      ],
    });
    const features = [
      feature(0x0000, 0, true, true, [0x00, 0x10, dvd ? 1 : 0, 0, 0x00, 0x08, cd ? 1 : 0, 0]),
      feature(0x0001, 2, true, true, [0, 0, 0, 1, 0, 0, 0, 0]), // Core: SCSI interface
      feature(0x0002, 1, true, true, [0, 0, 0, 0]), // Morphing: polled events only
      feature(0x0003, 0, true, true, [0x29 | (this.#locked ? 0x02 : 0), 0, 0, 0]), // Removable: tray, eject, lock
      feature(0x0010, 0, false, loaded, [0, 0, 0x08, 0, 0, dvd ? 16 : 1, 0, 0]), // Random Readable
      feature(0x001d, 0, false, cd, []), // Multi-Read
      feature(0x001e, 2, false, cd, [0x01, 0, 0, 0]), // CD Read: CD-TEXT
      feature(0x001f, 1, false, dvd, [0, 0, 0, 0]), // DVD Read
      feature(0x0100, 0, true, true, []), // Power Management
      feature(0x0103, 0, false, cd, [0x03, 0, 0x01, 0x00]), // CD External Audio Play: SV, SCM, 256 levels
      feature(0x0107, 3, false, true, [0x08, 0, 0, 0]), // Real Time Streaming: SET CD SPEED
    ];
    const chosen = features.filter((f) =>
      rt === 2 ? f.code === startFeature : f.code >= startFeature && (rt === 0 || f.current)
    );
    const out = Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, ...chosen.flatMap((f) => f.bytes)]);
    const data = new DataView(out.buffer);
    data.setUint32(0, out.byteLength - 4); // 0–3: data length
    data.setUint16(6, dvd ? PROFILE_DVD_ROM : cd ? PROFILE_CD_ROM : 0); // 6–7: current profile
    return out.subarray(0, Math.min(out.byteLength, view.getUint16(7)));
  }

  #getEventStatus(cdb: Uint8Array, view: DataView): Uint8Array {
    if (!(cdb[1] & 0x01)) throw new CheckCondition(SENSE.invalidFieldInCdb, "asynchronous GESN");
    const allocation = view.getUint16(7);
    if (!(cdb[4] & 0x10)) return Uint8Array.of(0, 2, 0x80, 0x10).subarray(0, allocation);
    const event = this.#pendingEvent;
    this.#pendingEvent = MediaEvent.none;
    const status = (this.#trayOpen ? 0x01 : 0) | (this.media ? 0x02 : 0);
    return Uint8Array.of(0, 6, 0x04, 0x10, event, status, 0, 0).subarray(0, allocation);
  }

  #getPerformance(cdb: Uint8Array, view: DataView): Uint8Array {
    const disc = this.#disc();
    const type = cdb[10];
    const maxDescriptors = view.getUint16(8);
    if (type !== 0x00 && type !== 0x03) throw new CheckCondition(SENSE.invalidFieldInCdb, `type ${type}`);
    const lastLba = discLeadOutLba(disc) - 1;
    const out = new Uint8Array(8 + (maxDescriptors > 0 ? 16 : 0));
    const data = new DataView(out.buffer);
    data.setUint32(0, out.byteLength - 4); // 0–3: data length
    if (maxDescriptors > 0) {
      if (type === 0) {
        data.setUint32(8, 0); // start LBA
        data.setUint32(12, READ_SPEED_KBPS); // start performance
        data.setUint32(16, lastLba); // end LBA
        data.setUint32(20, READ_SPEED_KBPS); // end performance
      } else {
        data.setUint32(12, lastLba); // 4–7: end LBA
        data.setUint32(16, READ_SPEED_KBPS); // 8–11: read speed
      }
    }
    return out;
  }

  #readDvdStructure(cdb: Uint8Array, view: DataView): Uint8Array {
    const format = cdb[7];
    const allocation = view.getUint16(8);
    if (!this.media) {
      throw new CheckCondition(this.#trayOpen ? NOT_READY_TRAY_OPEN : SENSE.mediumNotPresent, "no disc");
    }
    if (cdb[1] & 0x0f) throw new CheckCondition(SENSE.invalidFieldInCdb, "media type");
    if (format !== 0xff && !this.isDvd) throw new CheckCondition(INCOMPATIBLE_FORMAT, "not a DVD");
    // The image's own structures (an MDS carries them), else those of a pressed single-layer DVD-ROM.
    const dvd = this.media.disc.dvd;
    const layer = cdb[6]; // 6: layer number
    const layers = dvd?.layers ?? [];
    const layerCount = dvd ? layers.length : 1;
    if ((format === 0x00 || format === 0x01 || format === 0x04) && layer >= layerCount) {
      throw new CheckCondition(SENSE.invalidFieldInCdb, `layer ${layer}`);
    }
    let payload: Uint8Array;
    switch (format) {
      case 0x00:
        payload = layers[layer]?.pfi ?? makePfi(discLeadOutLba(this.media.disc));
        break;
      case 0x01:
        payload = layers[layer]?.copyright ?? new Uint8Array(4); // copyright: no protection, all regions
        break;
      case 0x03:
        if (!dvd?.bca) throw new CheckCondition(SENSE.invalidFieldInCdb, "the disc has no BCA");
        payload = dvd.bca;
        break;
      case 0x04:
        payload = layers[layer]?.dmi ?? new Uint8Array(2048); // disc manufacturing information
        break;
      case 0xff: {
        // 4-byte entries: format code, RDS (readable), length of the structure with its header.
        const entry = (
          code: number,
          byteLength: number,
        ) => [code, 0x40, (byteLength + 4) >> 8, (byteLength + 4) & 0xff];
        const entries = [
          entry(0x00, 2048),
          entry(0x01, 4),
          ...(dvd?.bca ? [entry(0x03, dvd.bca.byteLength)] : []),
          entry(0x04, 2048),
        ];
        entries.push(entry(0xff, 4 * (entries.length + 1))); // this list itself
        payload = Uint8Array.from(entries.flat());
        break;
      }
      default:
        throw new CheckCondition(SENSE.invalidFieldInCdb, `structure format 0x${format.toString(16)}`);
    }
    const out = new Uint8Array(4 + payload.byteLength);
    new DataView(out.buffer).setUint16(0, out.byteLength - 2); // 0–1: data length
    out.set(payload, 4);
    return out.subarray(0, Math.min(out.byteLength, allocation));
  }
}

/** Byte ranges of a raw sector that READ CD's main-channel selection byte picks, in order. */
function mainChannelRanges(kind: string, selection: number): [number, number][] {
  if (kind === "audio") return selection & 0xf8 ? [[0, SECTOR_BYTES]] : [];
  const sync = (selection & 0x80) !== 0;
  const headers = (selection >> 5) & 0x03;
  const user = (selection & 0x10) !== 0;
  const edc = (selection & 0x08) !== 0;
  const ranges: [number, number][] = [];
  const add = (from: number, to: number) => {
    const last = ranges.at(-1);
    if (last && last[1] === from) last[1] = to;
    else ranges.push([from, to]);
  };
  const form = kind === "mode2-form1" || kind === "mode2-form2";
  if (sync) add(0, 12);
  if (headers & 0x01) add(12, 16); // header
  if ((headers & 0x02) && form) add(16, 24); // sub-header
  if (kind === "mode1") {
    if (user) add(16, 2064);
    if (edc) add(2064, SECTOR_BYTES);
  } else if (kind === "mode2-form1") {
    if (user) add(24, 2072);
    if (edc) add(2072, SECTOR_BYTES);
  } else if (kind === "mode2-form2") {
    if (user) add(24, 2348);
    if (edc) add(2348, SECTOR_BYTES);
  } else if (user) add(16, SECTOR_BYTES); // Mode 2 formless, Mode 0
  return ranges;
}

/** An LBA as READ TOC/READ SUB-CHANNEL write it: u32 LBA, or 00 M S F (binary, LBA + 150). */
function address(lba: number, msf: boolean): number[] {
  return msf ? [0, ...msfOf(lba + 150)] : int32(lba);
}

function msfOf(frames: number): number[] {
  return [Math.floor(frames / 4500), Math.floor(frames / 75) % 60, frames % 75];
}

/** Binary M S F of an LBA (three bytes, as in the full TOC). */
function msfBytes(lba: number): number[] {
  return msfOf(lba + 150);
}

function int32(value: number): number[] {
  return [(value >> 24) & 0xff, (value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff];
}

/** An LBA from three binary M S F bytes of a CDB. */
function msfFields(cdb: Uint8Array, at: number): number {
  return cdb[at] * 4500 + cdb[at + 1] * 75 + cdb[at + 2] - 150;
}

function ascii(text: string, length: number): number[] {
  const out = new Array(length).fill(0);
  for (let i = 0; i < Math.min(length, text.length); i++) out[i] = text.charCodeAt(i) & 0x7f;
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}
