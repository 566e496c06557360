/**
 * Alcohol 120% images (../shared/specs/image-formats.md §3): the `.mds` descriptor ("MEDIA
 * DESCRIPTOR" v1.x, little-endian: header, session blocks, 80-byte track blocks, 8-byte extra
 * blocks with pregap and length, a footer naming the data file) and the `.mdf` data (each track's
 * sectors from index 01, pregaps not stored). {@link loadMdsDisc} reads one into a {@link Disc};
 * {@link mdsFilesOf} writes one from a disc (raw 2352-byte sectors; 2048 for a DVD-sized ISO).
 * @module
 */

import {
  controlNibble,
  type Disc,
  discLeadOutLba,
  type DiscSession,
  type DiscTrack,
  NO_TRACK_FLAGS,
  SectorFormat,
  sessionTypeOf,
  TrackMode,
} from "./disc.ts";
import { rawSectorRegions } from "./disc_sectors.ts";
import { dataTrackUserData } from "./disc_convert.ts";
import {
  DVD_COPYRIGHT_BYTES,
  DVD_STRUCTURE_BYTES,
  type DvdLayerStructures,
  type DvdStructures,
  isDvdDisc,
  layerBreakFromPfi,
  makePfi,
  pfiLayerCount,
} from "./dvd.ts";
import { FormatError, SourceError } from "./errors.ts";
import { describeOsError, type Region, RegionList } from "./regions.ts";
import { lbaToMsf } from "./cd/msf.ts";

/** "MEDIA DESCRIPTOR" at byte 0. */
export const MDS_SIGNATURE = "MEDIA DESCRIPTOR";
const HEADER_BYTES = 88;
const SESSION_BYTES = 24;
const TRACK_BYTES = 80;
const EXTRA_BYTES = 8;
const FOOTER_BYTES = 16;

/** Track mode from the low nibble of the mode byte (libmirage's reading). */
function modeOf(byte: number): TrackMode | undefined {
  switch (byte & 0x0f) {
    case 0x9:
    case 0x1:
      return TrackMode.audio;
    case 0xa:
    case 0x2:
      return TrackMode.mode1;
    case 0xb:
    case 0x3:
    case 0x0:
    case 0x7:
    case 0x8:
    case 0xf:
    case 0xc:
    case 0x4:
    case 0xd:
    case 0x5:
      return TrackMode.mode2Xa;
    default:
      return undefined;
  }
}

/**
 * True when the file starts with "MEDIA DESCRIPTOR".
 *
 * @example
 * ```ts
 * isMdsFile("game.mds"); // true
 * ```
 */
export function isMdsFile(path: string): boolean {
  try {
    using file = Deno.openSync(path);
    const head = new Uint8Array(16);
    return file.readSync(head) === 16 && String.fromCharCode(...head) === MDS_SIGNATURE;
  } catch {
    return false;
  }
}

/**
 * Reads an Alcohol .mds (v1.x) and its .mdf into a Disc.
 *
 * @throws {FormatError} naming the block and field; {@link SourceError} for a missing .mdf.
 * @example
 * ```ts
 * const disc = loadMdsDisc("game.mds");
 * ```
 */
export function loadMdsDisc(mdsPath: string): Disc {
  let bytes: Uint8Array;
  try {
    bytes = Deno.readFileSync(mdsPath);
  } catch (error) {
    throw new SourceError(`Cannot open image: ${describeOsError(error)}`, mdsPath);
  }
  const fail = (structure: string, message: string, field?: string): never => {
    throw new FormatError(`${mdsPath}: ${message}`, { structure, field });
  };
  if (bytes.byteLength < HEADER_BYTES || String.fromCharCode(...bytes.subarray(0, 16)) !== MDS_SIGNATURE) {
    fail("MDS header", 'no "MEDIA DESCRIPTOR" signature', "signature");
  }
  if (bytes[16] !== 1) {
    fail("MDS header", `version ${bytes[16]}.${bytes[17]} (only 1.x is readable)`, "version");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const within = (offset: number, length: number, structure: string) => {
    if (offset < 0 || offset + length > bytes.byteLength) {
      fail(structure, `${length} bytes at ${offset} lie past the end of the file`, "offset");
    }
  };
  const sessionCount = view.getUint16(20, true); // 20: number of sessions
  const sessionsAt = view.getUint32(80, true); // 80: session blocks offset
  within(sessionsAt, sessionCount * SESSION_BYTES, "MDS session block");
  if (sessionCount === 0 || sessionCount > 99) fail("MDS header", `${sessionCount} sessions`, "sessions");
  const base = mdsPath.replace(/\.mds$/i, "");
  let dataPath: string | undefined;
  let dataBytes = 0;
  const sessions: DiscSession[] = [];
  for (let s = 0; s < sessionCount; s++) {
    const at = sessionsAt + s * SESSION_BYTES;
    const endLba = view.getInt32(at + 4, true); // 4: session end (lead-out) LBA
    const number = view.getUint16(at + 8, true); // 8: session number
    const blocks = bytes[at + 10]; // 10: all blocks
    const tracksAt = view.getUint32(at + 20, true); // 20: track blocks offset
    within(tracksAt, blocks * TRACK_BYTES, "MDS track block");
    const tracks: DiscTrack[] = [];
    for (let b = 0; b < blocks; b++) {
      const t = tracksAt + b * TRACK_BYTES;
      const point = bytes[t + 4]; // 4: POINT
      if (point < 1 || point > 99) continue; // A0/A1/A2: lead-in pointers
      const where = `track ${point}`;
      const mode = modeOf(bytes[t]) ??
        fail("MDS track block", `${where}: mode byte 0x${bytes[t].toString(16)}`, "mode");
      const sub = bytes[t + 1]; // 1: sub-channel (0x08: 96 bytes P–W interleaved)
      const control = bytes[t + 2] & 0x0f; // 2: ADR | CONTROL
      const extraAt = view.getUint32(t + 12, true); // 12: extra block offset
      const sectorBytes = view.getUint16(t + 16, true); // 16: sector size
      const startLba = view.getUint32(t + 36, true); // 36: track start sector
      const fileOffset = Number(view.getBigUint64(t + 40, true)); // 40: MDF byte offset
      const footerAt = view.getUint32(t + 52, true); // 52: footer offset
      const format = sectorBytes === 2352 && sub === 0
        ? SectorFormat.raw
        : sectorBytes === 2448 && sub === 0x08
        ? SectorFormat.rawWithSubchannel
        : sectorBytes === 2048 && mode === TrackMode.mode1
        ? SectorFormat.userData2048
        : fail(
          "MDS track block",
          `${where}: ${sectorBytes}-byte sectors with sub-channel code ${sub}`,
          "sector size",
        );
      if (!dataPath) {
        within(footerAt, FOOTER_BYTES, "MDS footer");
        const nameAt = view.getUint32(footerAt, true);
        const wide = view.getUint32(footerAt + 4, true) === 1;
        within(nameAt, 2, "MDS file name");
        let name = "";
        for (let i = nameAt; i + (wide ? 1 : 0) < bytes.byteLength; i += wide ? 2 : 1) {
          const code = wide ? view.getUint16(i, true) : bytes[i];
          if (code === 0) break;
          name += String.fromCharCode(code);
        }
        dataPath = /^\*\.mdf$/i.test(name) || name === ""
          ? `${base}.mdf`
          : `${mdsPath.replace(/[^/]*$/, "")}${name}`;
        try {
          dataBytes = Deno.statSync(dataPath).size;
        } catch (error) {
          throw new SourceError(`Cannot open the image's data file: ${describeOsError(error)}`, dataPath);
        }
      }
      let pregap = 0;
      let length: number;
      if (extraAt !== 0 && sectorBytes !== 2048) {
        within(extraAt, EXTRA_BYTES, "MDS extra block");
        pregap = view.getUint32(extraAt, true); // 0: pregap sectors (not stored)
        length = view.getUint32(extraAt + 4, true); // 4: stored sectors
      } else {
        length = extraAt !== 0 ? extraAt : Math.floor((dataBytes - fileOffset) / sectorBytes); // DVD: the field is the length
      }
      if (fileOffset + length * sectorBytes > dataBytes) {
        fail(
          "MDS track block",
          `${where}: ${length} sectors at byte ${fileOffset} run past the ${dataBytes}-byte .mdf`,
          "length",
        );
      }
      tracks.push({
        number: point,
        session: number,
        mode,
        pregapLba: startLba - pregap,
        startLba,
        extraIndexLbas: [],
        endLba: startLba + length,
        postgapSectorCount: 0,
        flags: {
          ...NO_TRACK_FLAGS,
          copyPermitted: (control & 0x2) !== 0,
          preEmphasis: mode === TrackMode.audio && (control & 0x1) !== 0,
        },
        storage: {
          format,
          firstLba: startLba,
          sectorCount: length,
          regions: new RegionList([{
            kind: "file",
            label: `${dataPath}: track ${point}`,
            path: dataPath!,
            fileByteOffset: fileOffset,
            byteLength: length * sectorBytes,
            fileByteLength: dataBytes,
          }]),
        },
      });
    }
    if (tracks.length === 0) fail("MDS session block", `session ${number} has no tracks`, "blocks");
    tracks.sort((a, b) => a.number - b.number);
    sessions.push({
      number,
      type: sessionTypeOf(tracks),
      tracks,
      leadOutLba: Math.max(endLba, tracks.at(-1)!.endLba),
    });
  }
  const dvd = readDvdStructures(bytes, view, within);
  return dvd ? { sessions, dvd } : { sessions };
}

/** Bytes of one layer's structures in an MDS: copyright (4), DMI (2048), PFI (2048). */
const DVD_LAYER_BYTES = DVD_COPYRIGHT_BYTES + 2 * DVD_STRUCTURE_BYTES;

/**
 * The DVD structures of an MDS: per layer copyright, DMI and PFI at the disc-structures offset
 * (a second set when layer 0's PFI says two layers), the BCA, and the layer break from the PFI.
 */
function readDvdStructures(
  bytes: Uint8Array,
  view: DataView,
  within: (offset: number, length: number, structure: string) => void,
): DvdStructures | undefined {
  const structuresAt = view.getUint32(64, true); // 64: disc-structures offset (0: none, a CD)
  const bcaLength = view.getUint16(26, true); // 26: BCA length
  const bcaAt = view.getUint32(36, true); // 36: BCA data offset
  if (structuresAt === 0) return undefined;
  const layerAt = (n: number): DvdLayerStructures => {
    const at = structuresAt + n * DVD_LAYER_BYTES;
    within(at, DVD_LAYER_BYTES, `MDS DVD structures (layer ${n})`);
    return {
      copyright: bytes.slice(at, at + DVD_COPYRIGHT_BYTES), // 0: copyright information
      dmi: bytes.slice(at + DVD_COPYRIGHT_BYTES, at + DVD_COPYRIGHT_BYTES + DVD_STRUCTURE_BYTES), // 4: DMI
      pfi: bytes.slice(at + DVD_COPYRIGHT_BYTES + DVD_STRUCTURE_BYTES, at + DVD_LAYER_BYTES), // 2052: PFI
    };
  };
  const layers = [layerAt(0)];
  if (pfiLayerCount(layers[0].pfi) === 2) layers.push(layerAt(1));
  let bca: Uint8Array | undefined;
  if (bcaLength > 0) {
    within(bcaAt, bcaLength, "MDS BCA");
    bca = bytes.slice(bcaAt, bcaAt + bcaLength);
  }
  const layerBreakSectors = layerBreakFromPfi(layers[0].pfi);
  return {
    layers,
    ...(bca ? { bca } : {}),
    ...(layerBreakSectors !== undefined ? { layerBreakSectors } : {}),
  };
}

/**
 * An Alcohol image of any disc: the .mds bytes (naming "*.mdf") and the .mdf regions.
 *
 * @example
 * ```ts
 * const { mds, mdf } = mdsFilesOf(disc);
 * await writeRegionsToFile(mdf, "game.mdf");
 * ```
 */
export function mdsFilesOf(disc: Disc): { mds: Uint8Array; mdf: RegionList } {
  const allTracks = disc.sessions.flatMap((s) => s.tracks);
  const dvd = allTracks.length === 1 && allTracks[0].mode === TrackMode.mode1 &&
    isDvdDisc(disc);
  const mdf: Region[] = [];
  const blocksPerSession = disc.sessions.map((s) => s.tracks.length + 3);
  const trackBlocksAt = HEADER_BYTES + disc.sessions.length * SESSION_BYTES;
  const extrasAt = trackBlocksAt + blocksPerSession.reduce((a, b) => a + b, 0) * TRACK_BYTES;
  const footerAt = extrasAt + allTracks.length * EXTRA_BYTES;
  const nameAt = footerAt + FOOTER_BYTES;
  // A DVD's structures follow the file name: the disc's own, or those of a pressed DVD-ROM.
  const structures = dvd ? disc.dvd ?? pressedDvdStructures(discLeadOutLba(disc)) : undefined;
  const structuresAt = nameAt + 6;
  const bcaAt = structuresAt + (structures ? structures.layers.length * DVD_LAYER_BYTES : 0);
  const out = new Uint8Array(bcaAt + (structures?.bca?.byteLength ?? 0));
  const view = new DataView(out.buffer);
  if (structures) {
    view.setUint32(64, structuresAt, true); // 64: disc-structures offset
    structures.layers.forEach((layer, n) => {
      const at = structuresAt + n * DVD_LAYER_BYTES;
      out.set(layer.copyright.subarray(0, DVD_COPYRIGHT_BYTES), at); // copyright information
      out.set(layer.dmi.subarray(0, DVD_STRUCTURE_BYTES), at + DVD_COPYRIGHT_BYTES); // DMI
      out.set(layer.pfi.subarray(0, DVD_STRUCTURE_BYTES), at + DVD_COPYRIGHT_BYTES + DVD_STRUCTURE_BYTES); // PFI
    });
    if (structures.bca) {
      view.setUint16(26, structures.bca.byteLength, true); // 26: BCA length
      view.setUint32(36, bcaAt, true); // 36: BCA data offset
      out.set(structures.bca, bcaAt);
    }
  }
  out.set(new TextEncoder().encode(MDS_SIGNATURE), 0); // 0: signature
  out[16] = 1; // 16: version 1.3
  out[17] = 3;
  view.setUint16(18, dvd ? 0x10 : 0x00, true); // 18: medium type (CD-ROM / DVD-ROM)
  view.setUint16(20, disc.sessions.length, true); // 20: sessions
  view.setUint32(80, HEADER_BYTES, true); // 80: session blocks offset
  let block = trackBlocksAt;
  let extra = extrasAt;
  let fileOffset = 0;
  disc.sessions.forEach((session, s) => {
    const at = HEADER_BYTES + s * SESSION_BYTES;
    const first = session.tracks[0], last = session.tracks.at(-1)!;
    view.setInt32(at, first.pregapLba, true); // 0: session start
    view.setInt32(at + 4, session.leadOutLba, true); // 4: session end
    view.setUint16(at + 8, session.number, true); // 8: number
    out[at + 10] = blocksPerSession[s]; // 10: all blocks
    out[at + 11] = 3; // 11: non-track blocks
    view.setUint16(at + 12, first.number, true); // 12: first track
    view.setUint16(at + 14, last.number, true); // 14: last track
    view.setUint32(at + 20, block, true); // 20: track blocks offset
    const pointer = (point: number, control: number, p: number[]) => {
      out[block + 2] = 0x10 | control; // 2: ADR 1 | CONTROL
      out[block + 4] = point; // 4: POINT
      out.set(p, block + 9); // 9: PMIN PSEC PFRAME
      block += TRACK_BYTES;
    };
    const msf = (lba: number) => {
      const m = lbaToMsf(lba);
      return [m.minute, m.second, m.frame];
    };
    pointer(0xa0, controlNibble(first), [first.number, session.type, 0]);
    pointer(0xa1, controlNibble(last), [last.number, 0, 0]);
    pointer(0xa2, controlNibble(last), msf(session.leadOutLba));
    for (const track of session.tracks) {
      const length = track.endLba - track.startLba;
      const sectorBytes = dvd ? 2048 : 2352;
      out[block] = track.mode === TrackMode.audio ? 0xa9 : track.mode === TrackMode.mode1 ? 0xaa : 0xab; // 0: mode
      out[block + 2] = 0x10 | controlNibble(track); // 2: ADR | CONTROL
      out[block + 4] = track.number; // 4: POINT
      out.set(msf(track.startLba), block + 9); // 9: track start MSF
      view.setUint32(block + 12, dvd ? length : extra, true); // 12: extra block offset (DVD: length)
      view.setUint16(block + 16, sectorBytes, true); // 16: sector size
      view.setUint32(block + 36, track.startLba, true); // 36: start sector
      view.setBigUint64(block + 40, BigInt(fileOffset), true); // 40: MDF offset
      view.setUint32(block + 48, 1, true); // 48: data files
      view.setUint32(block + 52, footerAt, true); // 52: footer offset
      view.setUint32(extra, track.startLba - Math.max(track.pregapLba, -150), true); // extra 0: pregap
      view.setUint32(extra + 4, length, true); // extra 4: length
      block += TRACK_BYTES;
      extra += EXTRA_BYTES;
      if (dvd) mdf.push(...dataTrackUserData(track).regions);
      else {
        mdf.push(...rawSectorRegions(disc, track.startLba, track.endLba, `track ${track.number}`));
      }
      fileOffset += length * sectorBytes;
    }
  });
  view.setUint32(footerAt, nameAt, true); // footer 0: file name offset
  out.set(new TextEncoder().encode("*.mdf"), nameAt); // "*.mdf" + NUL: the .mds's own base name
  return { mds: out, mdf: new RegionList(mdf) };
}

/** What a pressed single-layer DVD-ROM of `sectorCount` sectors reports (no protection, no BCA). */
function pressedDvdStructures(sectorCount: number): DvdStructures {
  return {
    layers: [{
      pfi: makePfi(sectorCount),
      copyright: new Uint8Array(DVD_COPYRIGHT_BYTES),
      dmi: new Uint8Array(DVD_STRUCTURE_BYTES),
    }],
  };
}
