/**
 * Plans a mixed-mode or CD-Extra disc: places every track (Red Book / Yellow Book gap rules),
 * lays out the one raw BIN as a region list (data sectors encoded lazily with sync, header,
 * EDC and ECC; audio straight from the WAV's data chunk), and builds the `Disc` that the CUE,
 * TOC and CD-TEXT writers describe. Pure: the inputs are already inspected.
 *
 * Layout (cd-sectors.md §7, cue-sheet.md §3):
 * - Track 1 index 01 is LBA 0; its 150-sector pregap is never stored.
 * - A data track followed by audio ends with a 150-sector post-gap (zero data sectors of its
 *   mode, stored); the audio track after it starts with a 150-sector pause (silence, stored as
 *   INDEX 00). Between audio tracks the pause is what the spec asks (default none).
 * - CD-Extra: the audio tracks form session 1; the data track opens session 2, whose index 01 is
 *   session 1's lead-out + 11400. The gap is not stored in the BIN (as in CloneCD and redump images).
 * - Every track lasts at least 4 s (300 sectors): shorter audio is padded with silence and a
 *   short data track with zero sectors (a note says so).
 * @module
 */

import {
  type CdTextFields,
  checkDisc,
  type Disc,
  type DiscSession,
  type DiscTrack,
  SECTOR_FORMAT_BYTES,
  SectorFormat,
  SESSION1_GAP_SECTORS,
  sessionTypeOf,
  TRACK1_PREGAP_SECTORS,
  TrackMode,
} from "../../image/disc.ts";
import { LayoutError } from "../../image/errors.ts";
import { type Region, RegionList } from "../../image/regions.ts";
import { generatedDataSectors, mode1RawRegions, mode2Form1RawRegions } from "../../image/cd/raw_track.ts";
import type { CdRequest, CdTrackRequest } from "./request.ts";

/** Bytes per raw sector. */
export const RAW_SECTOR_BYTES = 2352;
/** Red Book minimum track length: 4 seconds. */
export const MIN_TRACK_SECTORS = 300;
/** Pause between a data track and the audio after it (and the data track's post-gap). */
export const DATA_AUDIO_GAP_SECTORS = 150;
/** 80 minutes, counted from MSF 00:00:00 (so LBA + 150). */
export const MAX_CD_SECTORS = 80 * 60 * 75;
/** 99:59:74, the largest MSF: the limit with `--overburn`. */
export const MAX_OVERBURN_SECTORS = 100 * 60 * 75 - 1;
/** The most tracks a disc can have. */
export const MAX_TRACKS = 99;

/** An audio input, inspected: where its 16-bit 44.1 kHz stereo little-endian PCM lies. */
export interface AudioInput {
  readonly path: string;
  readonly fileByteLength: number;
  /** Offset of the PCM in the file (the WAV data chunk; 0 for raw PCM). */
  readonly pcmByteOffset: number;
  readonly pcmByteLength: number;
}

/** The inspected inputs of a request. */
export interface CdInputs {
  /** Audio inputs by path. */
  readonly audio: ReadonlyMap<string, AudioInput>;
  /**
   * The data track's user data (2048-byte sectors) for an ISO whose LBAs start at `startLba`
   * (0 in a mixed disc, the second session's start in CD-Extra).
   */
  readonly dataTrack?: (startLba: number) => RegionList;
}

/** The planned disc and its files. */
export interface CdPlan {
  /** The disc as a drive would report it; each track's storage is its slice of the BIN. */
  readonly disc: Disc;
  /** The raw BIN: every stored sector, track 1 index 01 to the last lead-out, gaps between sessions left out. */
  readonly bin: RegionList;
  /** With `--cooked`: the data track as 2048-byte sectors (then `bin` holds only the audio). */
  readonly cooked?: RegionList;
  /** Things the user should know (padding of short tracks, …). */
  readonly notes: readonly string[];
}

/**
 * Places the requested tracks and lays out the BIN.
 *
 * @example
 * ```ts
 * const plan = planCd(request, { audio, dataTrack: (lba) => isoRegions });
 * console.log(plan.disc.sessions[0].leadOutLba);
 * ```
 */
export function planCd(request: CdRequest, inputs: CdInputs): CdPlan {
  if (request.tracks.length > MAX_TRACKS) {
    throw new RangeError(
      `Cannot plan the CD: ${request.tracks.length} tracks, a CD holds at most ${MAX_TRACKS}`,
    );
  }
  const notes: string[] = [];
  const sessions: DiscSession[] = [];
  let sessionTracks: DiscTrack[] = [];
  const binRegions: Region[] = [];
  let cooked: RegionList | undefined;
  let lba = 0;

  const closeSession = () => {
    sessions.push({
      number: sessions.length + 1,
      type: sessionTypeOf(sessionTracks),
      tracks: sessionTracks,
      leadOutLba: lba,
    });
    sessionTracks = [];
  };

  request.tracks.forEach((t, i) => {
    const number = i + 1;
    const previous = request.tracks[i - 1];
    const next = request.tracks[i + 1];
    let pregapLba: number;
    const stored: Region[] = [];
    const storedFirstLba = (() => {
      if (i === 0) {
        pregapLba = -TRACK1_PREGAP_SECTORS;
        return 0;
      }
      if (t.kind === "data" && request.layout === "cd-extra") {
        closeSession();
        lba += SESSION1_GAP_SECTORS;
        pregapLba = lba - TRACK1_PREGAP_SECTORS; // generated, as every session's first track
        return lba;
      }
      const pause = t.kind === "audio"
        ? t.pregapSectors ?? (previous?.kind === "data" ? DATA_AUDIO_GAP_SECTORS : 0)
        : DATA_AUDIO_GAP_SECTORS;
      if (t.kind === "audio" && previous?.kind === "data" && pause < DATA_AUDIO_GAP_SECTORS) {
        throw new RangeError(
          `Cannot plan track ${number}: an audio track after a data track needs a pause of at least 2 s (00:02:00)`,
        );
      }
      pregapLba = lba;
      if (pause > 0) stored.push(zeros(`track ${number} pause`, pause));
      lba += pause;
      return pregapLba;
    })();
    if (
      i === 0 && t.kind === "audio" && t.pregapSectors !== undefined &&
      t.pregapSectors !== TRACK1_PREGAP_SECTORS
    ) {
      notes.push(
        "track 1's pregap is always 2 s (00:02:00) and is not stored; the spec's pregap was not used",
      );
    }
    const session = sessions.length + 1;
    const startLba = lba;
    let bodySectors: number;
    let postgapSectors = 0;
    let mode: TrackMode;
    let cdText: CdTextFields | undefined;
    let isrc: string | undefined;
    let extraIndexLbas: number[] = [];

    if (t.kind === "data") {
      if (!inputs.dataTrack) throw new LayoutError("Cannot plan the data track: no data input was prepared");
      const user = inputs.dataTrack(startLba);
      const userSectors = Math.ceil(user.byteLength / 2048);
      if (user.byteLength % 2048 !== 0) {
        throw new LayoutError(
          `Cannot plan the data track: ${user.byteLength} bytes is not whole 2048-byte sectors`,
        );
      }
      mode = t.mode === "mode1" ? TrackMode.mode1 : TrackMode.mode2Xa;
      const minimum = Math.max(
        userSectors,
        MIN_TRACK_SECTORS - (next?.kind === "audio" ? DATA_AUDIO_GAP_SECTORS : 0),
      );
      bodySectors = minimum;
      if (minimum > userSectors) {
        notes.push(
          `track ${number}: the data track is ${userSectors} sectors; padded with ${
            minimum - userSectors
          } zero sectors to the 4 s minimum`,
        );
      }
      if (request.cooked) {
        const padding = (minimum - userSectors) * 2048;
        cooked = new RegionList([
          ...user.regions,
          ...(padding > 0 ? [zeroBytes("data track padding", padding)] : []),
        ]);
      } else {
        const raw = t.mode === "mode1"
          ? mode1RawRegions(user, startLba, "data track")
          : mode2Form1RawRegions(user, startLba, "data track");
        stored.push(...raw.regions);
        if (minimum > userSectors) {
          stored.push(...generatedDataSectors(mode, startLba + userSectors, minimum - userSectors).regions);
        }
      }
      postgapSectors = next?.kind === "audio" ? DATA_AUDIO_GAP_SECTORS : 0;
      if (postgapSectors > 0 && !request.cooked) {
        stored.push(...generatedDataSectors(mode, startLba + bodySectors, postgapSectors).regions);
      }
      cdText = t.cdText;
    } else {
      const audio = inputs.audio.get(t.path);
      if (!audio) throw new LayoutError(`Cannot plan track ${number}: "${t.path}" was not inspected`);
      mode = TrackMode.audio;
      const pcmSectors = Math.ceil(audio.pcmByteLength / RAW_SECTOR_BYTES);
      bodySectors = Math.max(pcmSectors, MIN_TRACK_SECTORS);
      if (audio.pcmByteLength > 0) {
        stored.push({
          kind: "file",
          label: `track ${number} audio "${audio.path}"`,
          path: audio.path,
          fileByteOffset: audio.pcmByteOffset,
          byteLength: audio.pcmByteLength,
          fileByteLength: audio.fileByteLength,
        });
      }
      const padBytes = bodySectors * RAW_SECTOR_BYTES - audio.pcmByteLength;
      if (padBytes > 0) stored.push(zeroBytes(`track ${number} silence to a whole sector`, padBytes));
      if (bodySectors > pcmSectors) {
        notes.push(
          `track ${number}: "${t.path}" lasts ${pcmSectors} sectors; padded with silence to the 4 s minimum`,
        );
      }
      for (const offset of t.indexOffsetsSectors) {
        if (offset >= bodySectors) {
          throw new RangeError(
            `Cannot plan track ${number}: an index point at ${offset} sectors is past its end`,
          );
        }
      }
      extraIndexLbas = t.indexOffsetsSectors.map((offset) => startLba + offset);
      cdText = t.cdText;
      isrc = t.isrc;
    }
    lba = startLba + bodySectors + postgapSectors;
    const storedBytes = stored.reduce((sum, r) => sum + regionBytes(r), 0);
    const storedSectors = storedBytes / RAW_SECTOR_BYTES;
    if (!Number.isInteger(storedSectors)) {
      throw new LayoutError(`Cannot plan track ${number}: ${storedBytes} stored bytes are not whole sectors`);
    }
    binRegions.push(...stored);
    sessionTracks.push({
      number,
      session,
      mode,
      pregapLba: pregapLba!,
      startLba,
      extraIndexLbas,
      endLba: lba,
      postgapSectorCount: postgapSectors,
      flags: t.flags,
      isrc,
      cdText,
      storage: storedSectors === 0 ? undefined : {
        format: SectorFormat.raw,
        firstLba: storedFirstLba,
        sectorCount: storedSectors,
        regions: new RegionList(stored),
      },
    });
  });
  closeSession();

  if (cooked) {
    // The data track lives in its own 2048-byte file; its post-gap is generated (CUE POSTGAP).
    const data = sessions[0].tracks[0];
    const sectorCount = cooked.byteLength / SECTOR_FORMAT_BYTES[SectorFormat.userData2048];
    const tracks = [
      { ...data, storage: { format: SectorFormat.userData2048, firstLba: 0, sectorCount, regions: cooked } },
      ...sessions[0].tracks.slice(1),
    ];
    sessions[0] = { ...sessions[0], tracks };
  }
  const disc: Disc = { sessions, catalog: request.catalog, cdText: request.cdText };
  const problems = checkDisc(disc);
  if (problems.length) throw new LayoutError(`Cannot plan the CD: ${problems.join("; ")}`);
  checkLength(request, disc);
  return { disc, bin: new RegionList(binRegions), cooked, notes };
}

function checkLength(request: CdRequest, disc: Disc): void {
  const leadOut = disc.sessions.at(-1)!.leadOutLba;
  const total = leadOut + TRACK1_PREGAP_SECTORS;
  const limit = request.overburn ? MAX_OVERBURN_SECTORS : MAX_CD_SECTORS;
  if (total > limit) {
    const minutes = (total / 4500).toFixed(2);
    throw new RangeError(
      request.overburn
        ? `Cannot plan the CD: ${minutes} minutes is past 99:59:74, the largest CD address`
        : `Cannot plan the CD: ${minutes} minutes is longer than an 80-minute CD (use --overburn to go on)`,
    );
  }
}

function regionBytes(region: Region): number {
  return region.kind === "bytes" ? region.bytes.byteLength : region.byteLength;
}

function zeros(label: string, sectorCount: number): Region {
  return zeroBytes(label, sectorCount * RAW_SECTOR_BYTES);
}

function zeroBytes(label: string, byteLength: number): Region {
  return { kind: "zero", label, byteLength };
}

/** The request's audio tracks, for callers that inspect the inputs. */
export function audioTracksOf(request: CdRequest): Extract<CdTrackRequest, { kind: "audio" }>[] {
  return request.tracks.filter((t): t is Extract<CdTrackRequest, { kind: "audio" }> => t.kind === "audio");
}
