/**
 * Nero NRG images (../shared/specs/image-formats.md §2): track data first, then a chain of chunks
 * (CUEX/CUES cue entries, DAOX/DAOI track layout for disc-at-once, ETN2/ETNF for track-at-once,
 * SINF, CDTX, MTYP, END!) and a footer pointing at the chain: `NER5` + u64 (v2) or `NERO` + u32
 * (v1). All integers big-endian. {@link loadNrgDisc} turns one into a {@link Disc} whose tracks
 * read straight from the .nrg file.
 * @module
 */

import {
  type Disc,
  type DiscSession,
  type DiscTrack,
  NO_TRACK_FLAGS,
  SECTOR_FORMAT_BYTES,
  SectorFormat,
  sessionTypeOf,
  TRACK1_PREGAP_SECTORS,
  TrackMode,
} from "./disc.ts";
import { FormatError, SourceError } from "./errors.ts";
import { describeOsError, RegionList } from "./regions.ts";
import { fromBcd } from "./cd/msf.ts";

/** Footer of a v2 (Nero ≥ 5.5) image: "NER5" + u64be chain offset. */
export const NRG_V2_FOOTER_BYTES = 12;
/** Footer of a v1 image: "NERO" + u32be chain offset. */
export const NRG_V1_FOOTER_BYTES = 8;
/** Largest chunk chain read (a real one is a few KiB). */
const MAX_CHAIN_BYTES = 16 * 1024 * 1024;

/** What a DAO/TAO mode code says about a track's stored sectors. */
export interface NrgModeCode {
  readonly mode: TrackMode;
  readonly format: SectorFormat;
}

/**
 * Mode codes (the byte the DAOX/ETN2 entries carry) and their layout; the writer uses the same
 * table.
 */
export const NRG_MODE_CODES: ReadonlyMap<number, NrgModeCode> = new Map([
  [0x00, { mode: TrackMode.mode1, format: SectorFormat.userData2048 }],
  [0x02, { mode: TrackMode.mode2Xa, format: SectorFormat.userData2048 }],
  [0x03, { mode: TrackMode.mode2Xa, format: SectorFormat.mode2After2336 }],
  [0x05, { mode: TrackMode.mode1, format: SectorFormat.raw }],
  [0x06, { mode: TrackMode.mode2Xa, format: SectorFormat.raw }],
  [0x07, { mode: TrackMode.audio, format: SectorFormat.raw }],
  [0x08, { mode: TrackMode.audio, format: SectorFormat.raw }],
  [0x0f, { mode: TrackMode.mode1, format: SectorFormat.rawWithSubchannel }],
  [0x10, { mode: TrackMode.audio, format: SectorFormat.rawWithSubchannel }],
  [0x11, { mode: TrackMode.mode2Xa, format: SectorFormat.rawWithSubchannel }],
]);

/** One chunk of the chain. */
export interface NrgChunk {
  readonly id: string;
  /** Where its payload starts in the file. */
  readonly payloadOffset: number;
  readonly payload: Uint8Array;
}

/**
 * True when the file ends in an NRG footer (v1 or v2) pointing inside the file.
 *
 * @example
 * ```ts
 * if (isNrgFile("disc.nrg")) disc = loadNrgDisc("disc.nrg");
 * ```
 */
export function isNrgFile(path: string): boolean {
  try {
    return readFooter(path) !== undefined;
  } catch {
    return false;
  }
}

function readAt(file: Deno.FsFile, offset: number, length: number, path: string): Uint8Array {
  const out = new Uint8Array(length);
  file.seekSync(offset, Deno.SeekMode.Start);
  let done = 0;
  while (done < length) {
    const n = file.readSync(out.subarray(done));
    if (n === null || n === 0) {
      throw new FormatError(`"${path}" ends at byte ${offset + done}, inside the NRG chunk chain`, {
        structure: "NRG chunk chain",
      });
    }
    done += n;
  }
  return out;
}

/** The footer: version and chain offset, or undefined. */
function readFooter(
  path: string,
): { version: 1 | 2; chainOffset: number; footerOffset: number; size: number } | undefined {
  using file = Deno.openSync(path);
  const size = file.statSync().size;
  if (size >= NRG_V2_FOOTER_BYTES) {
    const tail = readAt(file, size - NRG_V2_FOOTER_BYTES, NRG_V2_FOOTER_BYTES, path);
    const view = new DataView(tail.buffer);
    if (String.fromCharCode(...tail.subarray(0, 4)) === "NER5") {
      const chainOffset = Number(view.getBigUint64(4));
      if (chainOffset < size - NRG_V2_FOOTER_BYTES) {
        return { version: 2, chainOffset, footerOffset: size - NRG_V2_FOOTER_BYTES, size };
      }
    }
    if (String.fromCharCode(...tail.subarray(4, 8)) === "NERO") {
      const chainOffset = view.getUint32(8);
      if (chainOffset < size - NRG_V1_FOOTER_BYTES) {
        return { version: 1, chainOffset, footerOffset: size - NRG_V1_FOOTER_BYTES, size };
      }
    }
  }
  return undefined;
}

/**
 * The chunk chain of an NRG file, in order (END! excluded).
 *
 * @throws {FormatError} no footer, a chunk running past the chain, a chain that is too long.
 */
export function readNrgChunks(path: string): { version: 1 | 2; chunks: NrgChunk[]; fileByteLength: number } {
  let footer;
  try {
    footer = readFooter(path);
  } catch (error) {
    throw new SourceError(`Cannot open image: ${describeOsError(error)}`, path);
  }
  if (!footer) {
    throw new FormatError(`"${path}" is not an NRG image: no NER5/NERO footer at its end`, {
      structure: "NRG footer",
    });
  }
  const chainBytes = footer.footerOffset - footer.chainOffset;
  if (chainBytes > MAX_CHAIN_BYTES) {
    throw new FormatError(`"${path}": the NRG chunk chain would be ${chainBytes} bytes long`, {
      structure: "NRG footer",
      field: "chain offset",
    });
  }
  using file = Deno.openSync(path);
  const chain = readAt(file, footer.chainOffset, chainBytes, path);
  const view = new DataView(chain.buffer);
  const chunks: NrgChunk[] = [];
  let at = 0;
  while (at + 8 <= chain.byteLength) {
    const id = String.fromCharCode(...chain.subarray(at, at + 4));
    const size = view.getUint32(at + 4);
    if (id === "END!") break;
    if (!/^[A-Z0-9!]{4}$/.test(id)) {
      throw new FormatError(`"${path}": no NRG chunk at byte ${footer.chainOffset + at} (found "${id}")`, {
        structure: "NRG chunk",
        field: "id",
      });
    }
    if (at + 8 + size > chain.byteLength) {
      throw new FormatError(
        `"${path}": NRG chunk ${id} at byte ${footer.chainOffset + at} claims ${size} bytes, past the footer`,
        { structure: `NRG ${id} chunk`, field: "size" },
      );
    }
    chunks.push({
      id,
      payloadOffset: footer.chainOffset + at + 8,
      payload: chain.subarray(at + 8, at + 8 + size),
    });
    at += 8 + size;
  }
  return { version: footer.version, chunks, fileByteLength: footer.size };
}

/** One cue entry: track (0 lead-in, 0xAA lead-out), index, LBA, CONTROL. */
interface CueEntry {
  readonly track: number;
  readonly index: number;
  readonly lba: number;
  readonly control: number;
}

function decodeCues(chunk: NrgChunk, version: 1 | 2, path: string): CueEntry[] {
  if (chunk.payload.byteLength % 8 !== 0) {
    throw new FormatError(
      `"${path}": ${chunk.id} is ${chunk.payload.byteLength} bytes, not whole 8-byte entries`,
      {
        structure: `NRG ${chunk.id} chunk`,
      },
    );
  }
  const view = new DataView(chunk.payload.buffer, chunk.payload.byteOffset, chunk.payload.byteLength);
  const entries: CueEntry[] = [];
  for (let at = 0; at < chunk.payload.byteLength; at += 8) {
    const trackByte = chunk.payload[at + 1];
    const lba = version === 2
      ? view.getInt32(at + 4) // 4: i32be LBA
      : chunk.payload[at + 5] * 4500 + chunk.payload[at + 6] * 75 + chunk.payload[at + 7] - 150; // 5–7: MSF
    entries.push({
      control: chunk.payload[at] >> 4, // 0: CONTROL (high nibble) | ADR
      track: trackByte === 0xaa ? 0xaa : fromBcd(trackByte), // 1: track, BCD
      index: fromBcd(chunk.payload[at + 2]), // 2: index, BCD
      lba,
    });
  }
  return entries;
}

/** A track's layout from a DAOX/DAOI entry. */
interface DaoEntry {
  readonly isrc?: string;
  readonly sectorBytes: number;
  readonly modeCode: number;
  readonly pregapOffset: number;
  readonly startOffset: number;
  readonly endOffset: number;
}

function decodeDao(
  chunk: NrgChunk,
  version: 1 | 2,
  path: string,
): { mcn?: string; first: number; entries: DaoEntry[] } {
  const p = chunk.payload;
  const entryBytes = version === 2 ? 42 : 30;
  if (p.byteLength < 22 || (p.byteLength - 22) % entryBytes !== 0) {
    throw new FormatError(
      `"${path}": ${chunk.id} is ${p.byteLength} bytes: not a 22-byte header + ${entryBytes}-byte entries`,
      {
        structure: `NRG ${chunk.id} chunk`,
      },
    );
  }
  const view = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const mcnBytes = p.subarray(4, 17); // 4: MCN, 13 ASCII digits
  const mcn = mcnBytes[0] ? String.fromCharCode(...mcnBytes).replace(/\0.*$/, "") : undefined;
  const entries: DaoEntry[] = [];
  for (let at = 22; at < p.byteLength; at += entryBytes) {
    const isrcBytes = p.subarray(at, at + 12); // 0: ISRC
    const offsets = version === 2
      ? [
        Number(view.getBigUint64(at + 18)),
        Number(view.getBigUint64(at + 26)),
        Number(view.getBigUint64(at + 34)),
      ]
      : [view.getUint32(at + 18), view.getUint32(at + 22), view.getUint32(at + 26)];
    entries.push({
      isrc: isrcBytes[0] ? String.fromCharCode(...isrcBytes) : undefined,
      sectorBytes: view.getUint16(at + 12), // 12: sector size
      modeCode: p[at + 14], // 14: mode code
      pregapOffset: offsets[0], // 18: index 0 offset
      startOffset: offsets[1], // index 1 offset
      endOffset: offsets[2], // end offset
    });
  }
  return { mcn, first: p[20], entries };
}

function modeOf(code: number, sectorBytes: number, where: string): NrgModeCode {
  let known = NRG_MODE_CODES.get(code);
  // MagicISO writes 2352-byte sectors under the cooked codes: trust the size.
  if (known && sectorBytes === 2352 && known.format === SectorFormat.userData2048) {
    known = { mode: known.mode, format: SectorFormat.raw };
  }
  if (!known || SECTOR_FORMAT_BYTES[known.format] !== sectorBytes) {
    throw new FormatError(
      `${where}: mode code 0x${code.toString(16)} with ${sectorBytes}-byte sectors is not a known NRG layout`,
      {
        structure: "NRG track entry",
        field: "mode code",
      },
    );
  }
  return known;
}

function fileSlice(
  path: string,
  offset: number,
  byteLength: number,
  fileByteLength: number,
  label: string,
): RegionList {
  return new RegionList([{ kind: "file", label, path, fileByteOffset: offset, byteLength, fileByteLength }]);
}

/**
 * Reads an NRG image (v1 or v2; disc-at-once or track-at-once; one or more sessions) into a Disc.
 *
 * @throws {FormatError} naming the chunk and field when the image is damaged.
 * @example
 * ```ts
 * const disc = loadNrgDisc("game.nrg");
 * ```
 */
export function loadNrgDisc(path: string): Disc {
  const { version, chunks, fileByteLength } = readNrgChunks(path);
  const named = (...ids: string[]) => chunks.filter((c) => ids.includes(c.id));
  const cues = named("CUEX", "CUES");
  const daos = named("DAOX", "DAOI");
  const etns = named("ETN2", "ETNF");
  const sessions: DiscSession[] = [];
  let catalog: string | undefined;
  const checkOffsets = (from: number, to: number, where: string) => {
    if (!(from <= to && to <= fileByteLength)) {
      throw new FormatError(`${where}: bytes ${from}..${to} are not inside the ${fileByteLength}-byte file`, {
        structure: "NRG track entry",
        field: "offset",
      });
    }
  };
  if (daos.length > 0) {
    if (cues.length !== daos.length) {
      throw new FormatError(`"${path}": ${daos.length} DAO chunks but ${cues.length} cue chunks`, {
        structure: "NRG chunk chain",
      });
    }
    let trackNumber = 0;
    daos.forEach((daoChunk, s) => {
      const dao = decodeDao(daoChunk, version, path);
      catalog ??= dao.mcn;
      const entries = decodeCues(cues[s], version, path);
      const tracks: DiscTrack[] = [];
      dao.entries.forEach((entry, i) => {
        const number = (dao.first || trackNumber + 1) + i;
        const where = `"${path}": track ${number}`;
        const { mode, format } = modeOf(entry.modeCode, entry.sectorBytes, where);
        checkOffsets(entry.pregapOffset, entry.startOffset, where);
        checkOffsets(entry.startOffset, entry.endOffset, where);
        const pregapSectors = Math.floor((entry.startOffset - entry.pregapOffset) / entry.sectorBytes);
        const sectors = Math.floor((entry.endOffset - entry.startOffset) / entry.sectorBytes);
        const index1 = entries.find((e) => e.track === number && e.index === 1);
        if (!index1) {
          throw new FormatError(`${where} has no index 01 in the cue chunk`, {
            structure: `NRG ${cues[s].id} chunk`,
          });
        }
        const startLba = index1.lba;
        const pregapLba = startLba - pregapSectors;
        const extra = entries.filter((e) => e.track === number && e.index >= 2).map((e) => e.lba);
        const stored = pregapSectors + sectors;
        tracks.push({
          number,
          session: s + 1,
          mode,
          pregapLba: number === 1 && pregapSectors === 0 ? -TRACK1_PREGAP_SECTORS : pregapLba,
          startLba,
          extraIndexLbas: extra,
          endLba: startLba + sectors,
          postgapSectorCount: 0,
          flags: {
            ...NO_TRACK_FLAGS,
            copyPermitted: (index1.control & 0x2) !== 0,
            preEmphasis: (index1.control & 0x1) !== 0 && mode === TrackMode.audio,
          },
          isrc: entry.isrc && /^[A-Z0-9]{12}$/.test(entry.isrc) ? entry.isrc : undefined,
          storage: {
            format,
            firstLba: pregapLba,
            sectorCount: stored,
            regions: fileSlice(
              path,
              entry.pregapOffset,
              stored * entry.sectorBytes,
              fileByteLength,
              `${where}`,
            ),
          },
        });
      });
      trackNumber += dao.entries.length;
      const leadOut = entries.find((e) => e.track === 0xaa);
      const leadOutLba = leadOut?.lba ?? tracks.at(-1)!.endLba;
      sessions.push({ number: s + 1, type: sessionTypeOf(tracks), tracks, leadOutLba });
    });
  } else if (etns.length > 0) {
    // Track-at-once: no pregaps stored; tracks follow each other with a 150-sector pregap each.
    let lba = 0;
    let trackNumber = 0;
    etns.forEach((chunk, s) => {
      const entryBytes = version === 2 ? 32 : 20;
      if (chunk.payload.byteLength % entryBytes !== 0) {
        throw new FormatError(`"${path}": ${chunk.id} is not whole ${entryBytes}-byte entries`, {
          structure: `NRG ${chunk.id} chunk`,
        });
      }
      const view = new DataView(chunk.payload.buffer, chunk.payload.byteOffset, chunk.payload.byteLength);
      const tracks: DiscTrack[] = [];
      for (let at = 0; at < chunk.payload.byteLength; at += entryBytes) {
        const number = ++trackNumber;
        const where = `"${path}": track ${number}`;
        const offset = version === 2 ? Number(view.getBigUint64(at)) : view.getUint32(at);
        const length = version === 2 ? Number(view.getBigUint64(at + 8)) : view.getUint32(at + 4);
        const code = chunk.payload[at + (version === 2 ? 19 : 11)];
        const known = NRG_MODE_CODES.get(code);
        if (!known) {
          throw new FormatError(`${where}: unknown mode code 0x${code.toString(16)}`, {
            structure: "NRG track entry",
            field: "mode code",
          });
        }
        const sectorBytes = SECTOR_FORMAT_BYTES[known.format];
        checkOffsets(offset, offset + length, where);
        const sectors = Math.floor(length / sectorBytes);
        const pregapLba = number === 1 ? -TRACK1_PREGAP_SECTORS : lba;
        const startLba = number === 1 ? 0 : lba + TRACK1_PREGAP_SECTORS;
        tracks.push({
          number,
          session: s + 1,
          mode: known.mode,
          pregapLba,
          startLba,
          extraIndexLbas: [],
          endLba: startLba + sectors,
          postgapSectorCount: 0,
          flags: NO_TRACK_FLAGS,
          storage: {
            format: known.format,
            firstLba: startLba,
            sectorCount: sectors,
            regions: fileSlice(path, offset, sectors * sectorBytes, fileByteLength, where),
          },
        });
        lba = startLba + sectors;
      }
      sessions.push({ number: s + 1, type: sessionTypeOf(tracks), tracks, leadOutLba: lba });
    });
  } else {
    throw new FormatError(`"${path}": the NRG chunk chain has no DAOX/DAOI or ETN2/ETNF chunk (no tracks)`, {
      structure: "NRG chunk chain",
    });
  }
  return { sessions, catalog: catalog && /^\d{13}$/.test(catalog) ? catalog : undefined };
}
