/**
 * SUSP 1.12 (IEEE P1281) System Use entries and the Rock Ridge (RRIP 1.12, IEEE P1282) entries
 * that travel in them, as tagged objects with a pure encoder and decoder.
 * Every entry: 0 signature (2 ASCII), 2 LEN_SUE, 3 version (1), 4.. data (SUSP §4.1).
 * @module
 */

import { FormatError } from "../../image/errors.ts";
import {
  decodeDecDatetime,
  decodeRecordingDatetime,
  encodeDecDatetime,
  recordingDatetimeBytes,
} from "./datetime.ts";
import { getUint32Both, latin1, putUint32Both, viewOf, writeUtf8 } from "./numbers.ts";

/** SUSP §5.3 "SP": SUSP is in use; first entry of the root's "." record. */
export interface SpEntry {
  readonly signature: "SP";
  /** Bytes to skip at the start of every other System Use field. */
  readonly skipByteLength: number;
}
/** SUSP §5.1 "CE": the System Use area continues at `blockLba` + `byteOffset`. */
export interface CeEntry {
  readonly signature: "CE";
  readonly blockLba: number;
  readonly byteOffset: number;
  readonly byteLength: number;
}
/** SUSP §5.5 "ER": declares an extension (Rock Ridge). */
export interface ErEntry {
  readonly signature: "ER";
  readonly identifier: string;
  readonly descriptor: string;
  readonly source: string;
  readonly extensionVersion: number;
}
/** SUSP §5.4 "ST": ends the entries of this area. */
export interface StEntry {
  readonly signature: "ST";
}
/** RRIP §4.1.1 "PX": POSIX mode, links, owner, group (and serial number in the 44-byte form). */
export interface PxEntry {
  readonly signature: "PX";
  readonly mode: number;
  readonly linkCount: number;
  readonly uid: number;
  readonly gid: number;
  readonly serialNumber?: number;
}
/** RRIP §4.1.2 "PN": device number of a character or block device. */
export interface PnEntry {
  readonly signature: "PN";
  readonly deviceHigh: number;
  readonly deviceLow: number;
}
/** One RRIP §4.1.3.1 component record of a symbolic link. */
export interface SlComponent {
  /** {@link SL_COMPONENT_FLAGS} bits. */
  readonly flags: number;
  readonly content: Uint8Array;
}
/** RRIP §4.1.3 "SL": (part of) a symbolic link's target. */
export interface SlEntry {
  readonly signature: "SL";
  /** bit 0: the target continues in the next SL entry. */
  readonly flags: number;
  readonly components: readonly SlComponent[];
}
/** RRIP §4.1.4 "NM": (part of) the POSIX name. */
export interface NmEntry {
  readonly signature: "NM";
  /** {@link NM_FLAGS} bits. */
  readonly flags: number;
  readonly name: Uint8Array;
}
/** RRIP §4.1.6 "TF": time stamps, one per set flag bit, in bit order. */
export interface TfEntry {
  readonly signature: "TF";
  /** {@link TF_FLAGS} bits (bit 7 = 17-byte long form). */
  readonly flags: number;
  readonly times: readonly (Date | undefined)[];
}
/** RRIP §4.1.5.1 "CL": this placeholder stands for a relocated directory at `childLba`. */
export interface ClEntry {
  readonly signature: "CL";
  readonly childLba: number;
}
/** RRIP §4.1.5.2 "PL": the relocated directory's real parent is at `parentLba`. */
export interface PlEntry {
  readonly signature: "PL";
  readonly parentLba: number;
}
/** RRIP §4.1.5.3 "RE": this entry is a relocated directory (hide it). */
export interface ReEntry {
  readonly signature: "RE";
}
/** Any entry this module does not interpret (kept for round trips). */
export interface UnknownEntry {
  readonly signature: "unknown";
  readonly name: string;
  readonly version: number;
  readonly data: Uint8Array;
}

/** A System Use entry. */
export type SuspEntry =
  | SpEntry
  | CeEntry
  | ErEntry
  | StEntry
  | PxEntry
  | PnEntry
  | SlEntry
  | NmEntry
  | TfEntry
  | ClEntry
  | PlEntry
  | ReEntry
  | UnknownEntry;

/** RRIP §4.1.3.1 component flags. */
export const SL_COMPONENT_FLAGS = { continue: 0x01, current: 0x02, parent: 0x04, root: 0x08 } as const;
/** RRIP §4.1.4 NM flags. */
export const NM_FLAGS = { continue: 0x01, current: 0x02, parent: 0x04 } as const;
/** RRIP §4.1.6 TF flags. */
export const TF_FLAGS = {
  creation: 0x01,
  modify: 0x02,
  access: 0x04,
  attributes: 0x08,
  backup: 0x10,
  expiration: 0x20,
  effective: 0x40,
  longForm: 0x80,
} as const;
/** POSIX file type bits of PX st_mode. */
export const POSIX_FILE_TYPE = {
  mask: 0o170000,
  socket: 0o140000,
  symlink: 0o120000,
  regular: 0o100000,
  blockDevice: 0o060000,
  directory: 0o040000,
  charDevice: 0o020000,
  fifo: 0o010000,
} as const;

/** The RRIP 1.10 "ER" entry xorriso and genisoimage write (237 bytes). */
export const RRIP_1991A: ErEntry = {
  signature: "ER",
  identifier: "RRIP_1991A",
  descriptor: "THE ROCK RIDGE INTERCHANGE PROTOCOL PROVIDES SUPPORT FOR POSIX FILE SYSTEM SEMANTICS",
  source:
    "PLEASE CONTACT DISC PUBLISHER FOR SPECIFICATION SOURCE.  SEE PUBLISHER IDENTIFIER IN PRIMARY VOLUME DESCRIPTOR FOR CONTACT INFORMATION.",
  extensionVersion: 1,
};

/** Bytes of a CE entry (a writer reserves this much before deciding to continue). */
export const CE_ENTRY_BYTES = 28;

/** Bytes `entry` takes when encoded. */
export function suspEntryByteLength(entry: SuspEntry): number {
  switch (entry.signature) {
    case "SP":
      return 7;
    case "CE":
      return 28;
    case "ER":
      return 8 + entry.identifier.length + entry.descriptor.length + entry.source.length;
    case "ST":
    case "RE":
      return 4;
    case "PX":
      return entry.serialNumber === undefined ? 36 : 44;
    case "PN":
      return 20;
    case "SL":
      return 5 + entry.components.reduce((sum, c) => sum + 2 + c.content.byteLength, 0);
    case "NM":
      return 5 + entry.name.byteLength;
    case "TF":
      return 5 + entry.times.length * ((entry.flags & TF_FLAGS.longForm) ? 17 : 7);
    case "CL":
    case "PL":
      return 12;
    case "unknown":
      return 4 + entry.data.byteLength;
  }
}

/**
 * Encodes one entry (header + data). Entries longer than 255 bytes are a RangeError.
 *
 * @example
 * ```ts
 * encodeSuspEntry({ signature: "SP", skipByteLength: 0 }); // 53 50 07 01 be ef 00
 * ```
 */
export function encodeSuspEntry(entry: SuspEntry): Uint8Array {
  const out = new Uint8Array(suspEntryByteLength(entry));
  writeSuspEntry(out, 0, entry);
  return out;
}

/** Writes one entry into `target` at `at`; returns the bytes written (LEN_SUE). */
export function writeSuspEntry(target: Uint8Array, at: number, entry: SuspEntry): number {
  // Offsets below are from the entry's start (`at`); writing in place, without a subarray per
  // entry, keeps encoding 40,000 directory records cheap.
  const length = suspEntryByteLength(entry);
  if (length > 255) {
    throw new RangeError(`Cannot encode ${entry.signature} entry: ${length} bytes exceed 255`);
  }
  if (at + length > target.byteLength) {
    throw new RangeError(`Cannot encode ${entry.signature} entry: ${length} bytes do not fit at byte ${at}`);
  }
  const out = target;
  const name = entry.signature === "unknown" ? entry.name : entry.signature;
  out[at] = name.charCodeAt(0); // 0: signature word
  out[at + 1] = name.charCodeAt(1);
  out[at + 2] = length; // 2: LEN_SUE
  out[at + 3] = entry.signature === "unknown" ? entry.version : 1; // 3: entry version
  switch (entry.signature) {
    case "SP":
      out[at + 4] = 0xbe; // 4: check bytes BE EF (SUSP §5.3)
      out[at + 5] = 0xef;
      out[at + 6] = entry.skipByteLength; // 6: LEN_SKP
      break;
    case "CE":
      putUint32Both(out, at + 4, entry.blockLba); // 4: block location of continuation area, 733
      putUint32Both(out, at + 12, entry.byteOffset); // 12: offset within that block, 733
      putUint32Both(out, at + 20, entry.byteLength); // 20: length of continuation area, 733
      break;
    case "ER": {
      out[at + 4] = entry.identifier.length; // 4: LEN_ID
      out[at + 5] = entry.descriptor.length; // 5: LEN_DES
      out[at + 6] = entry.source.length; // 6: LEN_SRC
      out[at + 7] = entry.extensionVersion; // 7: EXT_VER
      const text = latin1(entry.identifier + entry.descriptor + entry.source);
      out.set(text, at + 8); // 8: identifier, descriptor, source
      break;
    }
    case "ST":
    case "RE":
      break;
    case "PX":
      writePxEntry(out, at, entry.mode, entry.linkCount, entry.uid, entry.gid, entry.serialNumber);
      break;
    case "PN":
      putUint32Both(out, at + 4, entry.deviceHigh); // 4: dev_t high, 733
      putUint32Both(out, at + 12, entry.deviceLow); // 12: dev_t low, 733
      break;
    case "SL": {
      out[at + 4] = entry.flags; // 4: flags (bit 0 CONTINUE)
      let componentAt = at + 5; // 5: component records: flags, length, content
      for (const c of entry.components) {
        out[componentAt] = c.flags;
        out[componentAt + 1] = c.content.byteLength;
        out.set(c.content, componentAt + 2);
        componentAt += 2 + c.content.byteLength;
      }
      break;
    }
    case "NM":
      writeNmEntry(out, at, entry.flags, entry.name);
      break;
    case "TF":
      writeTfEntry(out, at, entry.flags, entry.times);
      break;
    case "CL":
      putUint32Both(out, at + 4, entry.childLba); // 4: location of child directory, 733
      break;
    case "PL":
      putUint32Both(out, at + 4, entry.parentLba); // 4: location of parent directory, 733
      break;
    case "unknown":
      out.set(entry.data, at + 4);
      break;
  }
  return length;
}

/**
 * Writes a PX entry (RRIP §4.1.1) at `at`: 36 bytes, or 44 with a serial number. Returns its length.
 * The entry writers below are what {@link writeSuspEntry} uses; a planner writing thousands of
 * records calls them directly, without making entry objects.
 */
export function writePxEntry(
  out: Uint8Array,
  at: number,
  mode: number,
  linkCount: number,
  uid: number,
  gid: number,
  serialNumber?: number,
): number {
  const length = serialNumber === undefined ? 36 : 44;
  writeEntryHeader(out, at, 0x50, 0x58, length); // "PX"
  putUint32Both(out, at + 4, mode); // 4: st_mode, 733
  putUint32Both(out, at + 12, linkCount); // 12: st_nlink, 733
  putUint32Both(out, at + 20, uid); // 20: st_uid, 733
  putUint32Both(out, at + 28, gid); // 28: st_gid, 733
  if (serialNumber !== undefined) putUint32Both(out, at + 36, serialNumber); // 36: st_ino (RRIP 1.12)
  return length;
}

/** Writes a TF entry (RRIP §4.1.6) at `at`: one time stamp per set flag bit, 7 or 17 bytes each. */
export function writeTfEntry(
  out: Uint8Array,
  at: number,
  flags: number,
  times: readonly (Date | undefined)[],
): number {
  const long = (flags & TF_FLAGS.longForm) !== 0;
  const length = 5 + times.length * (long ? 17 : 7);
  writeEntryHeader(out, at, 0x54, 0x46, length); // "TF"
  out[at + 4] = flags; // 4: flags; 5..: one time stamp per set bit
  for (let i = 0; i < times.length; i++) {
    const time = times[i];
    if (long) out.set(encodeDecDatetime(time), at + 5 + 17 * i);
    else if (time) {
      const stamp = recordingDatetimeBytes(time);
      for (let k = 0; k < stamp.byteLength; k++) out[at + 5 + 7 * i + k] = stamp[k];
    }
  }
  return length;
}

/** Writes an NM entry (RRIP §4.1.4) at `at` with `name` (bytes, or text written as UTF-8). */
export function writeNmEntry(out: Uint8Array, at: number, flags: number, name: Uint8Array | string): number {
  const nameByteLength = typeof name === "string" ? writeUtf8(out, at + 5, name) : name.byteLength;
  if (typeof name !== "string") { for (let i = 0; i < name.byteLength; i++) out[at + 5 + i] = name[i]; // 5: name content
   }
  const length = 5 + nameByteLength;
  if (length > 255) throw new RangeError(`Cannot encode NM entry: ${length} bytes exceed 255`);
  writeEntryHeader(out, at, 0x4e, 0x4d, length); // "NM"
  out[at + 4] = flags; // 4: flags
  return length;
}

/** 0: signature word, 2: LEN_SUE, 3: entry version 1 (SUSP §4.1). */
function writeEntryHeader(out: Uint8Array, at: number, first: number, second: number, length: number): void {
  out[at] = first;
  out[at + 1] = second;
  out[at + 2] = length;
  out[at + 3] = 1;
}

/** Encodes a sequence of entries back to back. */
export function encodeSuspEntries(entries: readonly SuspEntry[]): Uint8Array {
  const out = new Uint8Array(entries.reduce((sum, e) => sum + suspEntryByteLength(e), 0));
  writeSuspEntries(out, 0, entries);
  return out;
}

/** Writes entries back to back into `target` from `at`; returns the bytes written. */
export function writeSuspEntries(target: Uint8Array, at: number, entries: readonly SuspEntry[]): number {
  let written = 0;
  for (const entry of entries) written += writeSuspEntry(target, at + written, entry);
  return written;
}

/**
 * Decodes the entries of a System Use field or continuation area. Parsing stops at an "ST", at
 * fewer than 4 bytes left, or at padding (a zero LEN_SUE); a LEN_SUE running past the area is a
 * FormatError. `lba` labels errors.
 */
export function decodeSuspEntries(bytes: Uint8Array, lba?: number): SuspEntry[] {
  const entries: SuspEntry[] = [];
  let at = 0;
  while (at + 4 <= bytes.byteLength) {
    const length = bytes[at + 2];
    if (bytes[at] === 0 || length === 0) break; // padding
    if (length < 4 || at + length > bytes.byteLength) {
      throw new FormatError(`Cannot read System Use entry: LEN_SUE ${length} runs past the area`, {
        structure: "System Use Entry",
        field: "LEN_SUE",
        lba,
      });
    }
    const entry = decodeSuspEntry(bytes.subarray(at, at + length), lba);
    entries.push(entry);
    if (entry.signature === "ST") break;
    at += length;
  }
  return entries;
}

function decodeSuspEntry(e: Uint8Array, lba: number | undefined): SuspEntry {
  const name = String.fromCharCode(e[0], e[1]);
  const view = viewOf(e);
  const need = (bytes: number): boolean => e.byteLength >= bytes;
  const bad = (): never => {
    throw new FormatError(`Cannot read ${name} entry: ${e.byteLength} bytes is too short`, {
      structure: `${name} entry`,
      field: "LEN_SUE",
      lba,
    });
  };
  switch (name) {
    case "SP":
      return need(7) ? { signature: "SP", skipByteLength: e[6] } : bad();
    case "CE":
      return need(28)
        ? {
          signature: "CE",
          blockLba: getUint32Both(view, 4),
          byteOffset: getUint32Both(view, 12),
          byteLength: getUint32Both(view, 20),
        }
        : bad();
    case "ER": {
      if (!need(8) || 8 + e[4] + e[5] + e[6] > e.byteLength) return bad();
      const text = String.fromCharCode(...e.subarray(8, 8 + e[4] + e[5] + e[6]));
      return {
        signature: "ER",
        identifier: text.slice(0, e[4]),
        descriptor: text.slice(e[4], e[4] + e[5]),
        source: text.slice(e[4] + e[5]),
        extensionVersion: e[7],
      };
    }
    case "ST":
      return { signature: "ST" };
    case "RE":
      return { signature: "RE" };
    case "PX":
      return need(36)
        ? {
          signature: "PX",
          mode: getUint32Both(view, 4),
          linkCount: getUint32Both(view, 12),
          uid: getUint32Both(view, 20),
          gid: getUint32Both(view, 28),
          serialNumber: need(44) ? getUint32Both(view, 36) : undefined,
        }
        : bad();
    case "PN":
      return need(20)
        ? { signature: "PN", deviceHigh: getUint32Both(view, 4), deviceLow: getUint32Both(view, 12) }
        : bad();
    case "SL": {
      if (!need(5)) return bad();
      const components: SlComponent[] = [];
      let at = 5;
      while (at + 2 <= e.byteLength) {
        const length = e[at + 1];
        if (at + 2 + length > e.byteLength) return bad();
        components.push({ flags: e[at], content: e.slice(at + 2, at + 2 + length) });
        at += 2 + length;
      }
      return { signature: "SL", flags: e[4], components };
    }
    case "NM":
      return need(5) ? { signature: "NM", flags: e[4], name: e.slice(5) } : bad();
    case "TF": {
      if (!need(5)) return bad();
      const flags = e[4];
      const size = (flags & TF_FLAGS.longForm) ? 17 : 7;
      const times: (Date | undefined)[] = [];
      for (let bit = 0; bit < 7; bit++) {
        if (!(flags & (1 << bit))) continue;
        const at = 5 + times.length * size;
        if (at + size > e.byteLength) return bad();
        times.push(size === 17 ? decodeDecDatetime(e, at) : decodeRecordingDatetime(e, at));
      }
      return { signature: "TF", flags, times };
    }
    case "CL":
      return need(12) ? { signature: "CL", childLba: getUint32Both(view, 4) } : bad();
    case "PL":
      return need(12) ? { signature: "PL", parentLba: getUint32Both(view, 4) } : bad();
    default:
      return { signature: "unknown", name, version: e[3], data: e.slice(4) };
  }
}
