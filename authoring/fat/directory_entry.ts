/**
 * FAT directory entries: the 32-byte short entry (fatgen103 "FAT Directory Structure"), the VFAT
 * long-name entry (fatgen103 "FAT Long Directory Entries"), the short-name checksum, and DOS
 * date/time stamps. Digest: `shared/specs/fat.md` §7–§8.
 *
 * Time stamps: FAT stores local time without a zone, with 2-second resolution (creation time adds
 * 10 ms units). discwright writes **UTC** wall-clock time, so an image is the same wherever it is
 * built (Linux mounts with `tz=UTC` or mtools with `TZ=UTC` show the original times).
 * @module
 */

import { FormatError } from "../../image/errors.ts";

/** Bytes per directory entry (short or long). */
export const DIRECTORY_ENTRY_BYTES = 32;

/** DIR_Attr bits (fatgen103). 0x0F marks a long-name entry. */
export const FAT_ATTRIBUTE = {
  readOnly: 0x01,
  hidden: 0x02,
  system: 0x04,
  volumeId: 0x08,
  directory: 0x10,
  archive: 0x20,
  longName: 0x0f,
} as const;

/** DIR_NTRes bits (Windows NT, Linux, mtools): the 8.3 name is shown in lower case. */
export const FAT_CASE = {
  /** The base name (first 8 characters) is lower case. */
  lowerBase: 0x08,
  /** The extension (last 3 characters) is lower case. */
  lowerExtension: 0x10,
} as const;

/** DIR_Name[0] markers. */
export const DIR_NAME_MARK = {
  /** Free entry, and every following entry is free too (scanning stops). */
  endOfDirectory: 0x00,
  /** Deleted / free entry. */
  deleted: 0xe5,
  /** The name really starts with byte 0xE5. */
  escapedE5: 0x05,
} as const;

/** LDIR_Ord flag on the physically first (logically last) long-name entry. */
export const LAST_LONG_ENTRY = 0x40;
/** UTF-16 code units per long-name entry. */
export const LONG_NAME_UNITS_PER_ENTRY = 13;
/** Longest long name, in UTF-16 code units. */
export const LONG_NAME_MAX_UNITS = 255;

/** A 32-byte short directory entry (DIR_*). */
export interface FatDirectoryEntry {
  /** DIR_Name: 11 characters, one per byte (8-character base + 3-character extension, space padded). */
  readonly name: string;
  /** DIR_Attr: {@link FAT_ATTRIBUTE} bits. */
  readonly attributes: number;
  /** DIR_NTRes: {@link FAT_CASE} bits. */
  readonly caseFlags: number;
  /** DIR_CrtTimeTenth: 0…199, units of 10 ms added to DIR_CrtTime. */
  readonly creationTimeTenths: number;
  /** DIR_CrtTime (DOS time). */
  readonly creationTime: number;
  /** DIR_CrtDate (DOS date). */
  readonly creationDate: number;
  /** DIR_LstAccDate (DOS date). */
  readonly lastAccessDate: number;
  /** DIR_FstClusHI << 16 | DIR_FstClusLO; 0 for empty files and the volume label. */
  readonly firstCluster: number;
  /** DIR_WrtTime (DOS time). */
  readonly writeTime: number;
  /** DIR_WrtDate (DOS date). */
  readonly writeDate: number;
  /** DIR_FileSize (0 for directories). */
  readonly fileByteLength: number;
}

/** A VFAT long-name entry (LDIR_*). */
export interface FatLongNameEntry {
  /** LDIR_Ord without the 0x40 flag: 1…20. */
  readonly sequenceNumber: number;
  /** LDIR_Ord has the 0x40 flag: the entry holding the end of the name. */
  readonly isLast: boolean;
  /** The 13 UTF-16 code units as stored (after the name: one 0x0000, then 0xFFFF). */
  readonly nameUnits: readonly number[];
  /** LDIR_Chksum: {@link shortNameChecksum} of the short entry that follows. */
  readonly checksum: number;
}

/**
 * Writes a short entry into `target` at `at` (32 bytes).
 *
 * @example
 * ```ts
 * const dir = new Uint8Array(512);
 * writeFatDirectoryEntry(entry, dir, 64); // the third slot
 * ```
 */
export function writeFatDirectoryEntry(entry: FatDirectoryEntry, target: Uint8Array, at: number): void {
  if (entry.name.length !== 11 || /[^\x20-\xff]/.test(entry.name)) {
    throw new RangeError(`Cannot encode directory entry: DIR_Name "${entry.name}" is not 11 bytes`);
  }
  const view = new DataView(target.buffer, target.byteOffset + at, DIRECTORY_ENTRY_BYTES);
  for (let i = 0; i < 11; i++) view.setUint8(i, entry.name.charCodeAt(i)); // 0: DIR_Name (fatgen103)
  view.setUint8(11, entry.attributes); // 11: DIR_Attr (fatgen103)
  view.setUint8(12, entry.caseFlags); // 12: DIR_NTRes (fatgen103; case bits as Windows NT)
  view.setUint8(13, entry.creationTimeTenths); // 13: DIR_CrtTimeTenth (fatgen103)
  view.setUint16(14, entry.creationTime, true); // 14: DIR_CrtTime (fatgen103)
  view.setUint16(16, entry.creationDate, true); // 16: DIR_CrtDate (fatgen103)
  view.setUint16(18, entry.lastAccessDate, true); // 18: DIR_LstAccDate (fatgen103)
  view.setUint16(20, entry.firstCluster >>> 16, true); // 20: DIR_FstClusHI (fatgen103)
  view.setUint16(22, entry.writeTime, true); // 22: DIR_WrtTime (fatgen103)
  view.setUint16(24, entry.writeDate, true); // 24: DIR_WrtDate (fatgen103)
  view.setUint16(26, entry.firstCluster & 0xffff, true); // 26: DIR_FstClusLO (fatgen103)
  view.setUint32(28, entry.fileByteLength, true); // 28: DIR_FileSize (fatgen103)
}

/**
 * Encodes a short entry (32 bytes).
 *
 * @example
 * ```ts
 * encodeFatDirectoryEntry({ ...entry, name: "BOOTX64 EFI" });
 * ```
 */
export function encodeFatDirectoryEntry(entry: FatDirectoryEntry): Uint8Array {
  const out = new Uint8Array(DIRECTORY_ENTRY_BYTES);
  writeFatDirectoryEntry(entry, out, 0);
  return out;
}

/**
 * Decodes a short entry. A long-name entry (attributes 0x0F) here is a FormatError: check
 * {@link isLongNameEntry} first.
 *
 * @example
 * ```ts
 * const entry = decodeFatDirectoryEntry(directoryBytes, 32 * 3);
 * ```
 */
export function decodeFatDirectoryEntry(bytes: Uint8Array, at: number): FatDirectoryEntry {
  const view = entryView(bytes, at, "FAT Directory Entry");
  const attributes = view.getUint8(11);
  if ((attributes & 0x3f) === FAT_ATTRIBUTE.longName) {
    throw new FormatError("Cannot read directory entry: it is a long-name entry", {
      structure: "FAT Directory Entry",
      field: "DIR_Attr",
      byteOffset: at + 11,
    });
  }
  return {
    name: String.fromCharCode(...bytes.subarray(at, at + 11)),
    attributes,
    caseFlags: view.getUint8(12),
    creationTimeTenths: view.getUint8(13),
    creationTime: view.getUint16(14, true),
    creationDate: view.getUint16(16, true),
    lastAccessDate: view.getUint16(18, true),
    firstCluster: (view.getUint16(20, true) << 16 | view.getUint16(26, true)) >>> 0,
    writeTime: view.getUint16(22, true),
    writeDate: view.getUint16(24, true),
    fileByteLength: view.getUint32(28, true),
  };
}

/**
 * Whether the 32 bytes at `at` are a long-name entry (DIR_Attr & 0x3F == 0x0F, name not free).
 *
 * @example
 * ```ts
 * if (isLongNameEntry(dir, at)) decodeFatLongNameEntry(dir, at);
 * ```
 */
export function isLongNameEntry(bytes: Uint8Array, at: number): boolean {
  return bytes[at] !== DIR_NAME_MARK.endOfDirectory && bytes[at] !== DIR_NAME_MARK.deleted &&
    (bytes[at + 11] & 0x3f) === FAT_ATTRIBUTE.longName;
}

/** Byte offsets of the 13 name units in a long-name entry: LDIR_Name1 (5), LDIR_Name2 (6), LDIR_Name3 (2). */
const LONG_NAME_UNIT_OFFSETS = [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30] as const;

/**
 * Writes a long-name entry into `target` at `at` (32 bytes).
 *
 * @example
 * ```ts
 * longNameEntriesFor("A long name.text", "ALONGN~1TEX").forEach((e, i) => writeFatLongNameEntry(e, dir, 32 * i));
 * ```
 */
export function writeFatLongNameEntry(entry: FatLongNameEntry, target: Uint8Array, at: number): void {
  if (entry.sequenceNumber < 1 || entry.sequenceNumber > 20 || entry.nameUnits.length !== 13) {
    throw new RangeError(
      `Cannot encode long-name entry: sequence number ${entry.sequenceNumber}, ${entry.nameUnits.length} name units`,
    );
  }
  const view = new DataView(target.buffer, target.byteOffset + at, DIRECTORY_ENTRY_BYTES);
  view.setUint8(0, entry.sequenceNumber | (entry.isLast ? LAST_LONG_ENTRY : 0)); // 0: LDIR_Ord (fatgen103)
  LONG_NAME_UNIT_OFFSETS.forEach((offset, i) => view.setUint16(offset, entry.nameUnits[i], true)); // 1, 14, 28: LDIR_Name1/2/3
  view.setUint8(11, FAT_ATTRIBUTE.longName); // 11: LDIR_Attr = 0x0F (fatgen103)
  view.setUint8(12, 0); // 12: LDIR_Type = 0 (fatgen103)
  view.setUint8(13, entry.checksum); // 13: LDIR_Chksum (fatgen103)
  view.setUint16(26, 0, true); // 26: LDIR_FstClusLO = 0 (fatgen103)
}

/**
 * Encodes a long-name entry (32 bytes).
 *
 * @example
 * ```ts
 * const [first] = longNameEntriesFor("A long name.text", "ALONGN~1TEX");
 * encodeFatLongNameEntry(first)[0]; // 0x42
 * ```
 */
export function encodeFatLongNameEntry(entry: FatLongNameEntry): Uint8Array {
  const out = new Uint8Array(DIRECTORY_ENTRY_BYTES);
  writeFatLongNameEntry(entry, out, 0);
  return out;
}

/**
 * Decodes a long-name entry (strict: attributes must be 0x0F, type 0, cluster 0, order 1…20).
 *
 * @example
 * ```ts
 * decodeFatLongNameEntry(dir, 0).sequenceNumber; // 2
 * ```
 */
export function decodeFatLongNameEntry(bytes: Uint8Array, at: number): FatLongNameEntry {
  const view = entryView(bytes, at, "FAT Long Directory Entry");
  const fail = (field: string, offset: number, reason: string): never => {
    throw new FormatError(`Cannot read long-name entry: ${reason}`, {
      structure: "FAT Long Directory Entry",
      field,
      byteOffset: at + offset,
    });
  };
  const order = view.getUint8(0);
  const sequenceNumber = order & ~LAST_LONG_ENTRY;
  if (sequenceNumber < 1 || sequenceNumber > 20) fail("LDIR_Ord", 0, `sequence number ${sequenceNumber}`);
  if (view.getUint8(11) !== FAT_ATTRIBUTE.longName) fail("LDIR_Attr", 11, "attributes are not 0x0F");
  if (view.getUint8(12) !== 0) fail("LDIR_Type", 12, "type is not 0");
  if (view.getUint16(26, true) !== 0) fail("LDIR_FstClusLO", 26, "cluster is not 0");
  return {
    sequenceNumber,
    isLast: (order & LAST_LONG_ENTRY) !== 0,
    nameUnits: LONG_NAME_UNIT_OFFSETS.map((offset) => view.getUint16(offset, true)),
    checksum: view.getUint8(13),
  };
}

/**
 * The long-name entries for `longName` in **physical order** (the 0x40 entry first), each
 * carrying the checksum of `shortName` (11 characters).
 *
 * @example
 * ```ts
 * longNameEntriesFor("A long name.text", "ALONGN~1TEX").map((e) => e.sequenceNumber); // [2, 1]
 * ```
 */
export function longNameEntriesFor(longName: string, shortName: string): FatLongNameEntry[] {
  const count = longNameEntryCount(longName);
  if (count === 0 || longName.length > LONG_NAME_MAX_UNITS) {
    throw new RangeError(
      `Cannot encode long name "${longName}": it has ${longName.length} UTF-16 units (1…255)`,
    );
  }
  const checksum = shortNameChecksum(shortName);
  const entries: FatLongNameEntry[] = [];
  for (let sequence = count; sequence >= 1; sequence--) {
    const units: number[] = [];
    for (let i = 0; i < LONG_NAME_UNITS_PER_ENTRY; i++) {
      const index = (sequence - 1) * LONG_NAME_UNITS_PER_ENTRY + i;
      units.push(
        index < longName.length ? longName.charCodeAt(index) : index === longName.length ? 0 : 0xffff,
      );
    }
    entries.push({ sequenceNumber: sequence, isLast: sequence === count, nameUnits: units, checksum });
  }
  return entries;
}

/**
 * Long-name entries a name needs: ceil(UTF-16 units / 13).
 *
 * @example
 * ```ts
 * longNameEntryCount("A long name.text"); // 2
 * ```
 */
export function longNameEntryCount(longName: string): number {
  return Math.ceil(longName.length / LONG_NAME_UNITS_PER_ENTRY);
}

/**
 * The long name stored in entries given in physical order (up to the 0x0000 terminator).
 *
 * @example
 * ```ts
 * longNameOf(longNameEntriesFor("Hello.txt", "HELLO   TXT")); // "Hello.txt"
 * ```
 */
export function longNameOf(entries: readonly FatLongNameEntry[]): string {
  const units: number[] = [];
  for (let i = entries.length - 1; i >= 0; i--) units.push(...entries[i].nameUnits);
  const end = units.indexOf(0);
  return String.fromCharCode(...(end < 0 ? units : units.slice(0, end)));
}

/**
 * LDIR_Chksum: rotate right by one bit and add the next byte, over the 11 bytes of DIR_Name.
 *
 * @example
 * ```ts
 * shortNameChecksum("ALONGN~1TEX"); // 0xbd
 * ```
 */
export function shortNameChecksum(shortName: string | Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < 11; i++) {
    const byte = typeof shortName === "string" ? shortName.charCodeAt(i) : shortName[i];
    sum = (((sum & 1) << 7) + (sum >> 1) + byte) & 0xff;
  }
  return sum;
}

/** A DOS date/time stamp. */
export interface FatDateTime {
  /** Bits 0–4 day, 5–8 month, 9–15 years since 1980. */
  readonly date: number;
  /** Bits 0–4 seconds / 2, 5–10 minutes, 11–15 hours. */
  readonly time: number;
  /** 10 ms units beyond the 2-second step, 0…199 (DIR_CrtTimeTenth). */
  readonly tenths: number;
}

/** Earliest and latest instants a DOS stamp can hold. */
export const FAT_TIME_RANGE = {
  earliest: new Date(Date.UTC(1980, 0, 1, 0, 0, 0)),
  latest: new Date(Date.UTC(2107, 11, 31, 23, 59, 59, 990)),
} as const;

/**
 * A Date as a DOS stamp in **UTC**, clamped to 1980-01-01 … 2107-12-31.
 *
 * @example
 * ```ts
 * encodeFatDateTime(new Date(Date.UTC(2026, 10, 23, 19, 54, 54))); // { date: 0x5d77, time: 0x9edb, tenths: 0 }
 * ```
 */
export function encodeFatDateTime(when: Date): FatDateTime {
  const ms = Math.min(
    Math.max(when.getTime(), FAT_TIME_RANGE.earliest.getTime()),
    FAT_TIME_RANGE.latest.getTime(),
  );
  const d = new Date(ms);
  const seconds = d.getUTCSeconds();
  return {
    date: ((d.getUTCFullYear() - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | (seconds >> 1),
    tenths: (seconds & 1) * 100 + Math.floor(d.getUTCMilliseconds() / 10),
  };
}

/**
 * A DOS stamp (read as UTC) as a Date; an impossible date is a RangeError.
 *
 * @example
 * ```ts
 * decodeFatDateTime(0x5d77, 0x9edb).toISOString(); // "2026-11-23T19:54:54.000Z"
 * ```
 */
export function decodeFatDateTime(date: number, time: number, tenths = 0): Date {
  const day = date & 0x1f;
  const month = (date >> 5) & 0x0f;
  const year = 1980 + (date >> 9);
  const seconds = (time & 0x1f) * 2;
  const minutes = (time >> 5) & 0x3f;
  const hours = time >> 11;
  if (day < 1 || month < 1 || month > 12 || seconds > 59 || minutes > 59 || hours > 23 || tenths > 199) {
    throw new RangeError(`Cannot decode DOS date 0x${date.toString(16)} time 0x${time.toString(16)}`);
  }
  return new Date(Date.UTC(year, month - 1, day, hours, minutes, seconds, tenths * 10));
}

function entryView(bytes: Uint8Array, at: number, structure: string): DataView {
  if (at < 0 || at + DIRECTORY_ENTRY_BYTES > bytes.byteLength) {
    throw new FormatError("Cannot read directory entry: fewer than 32 bytes", { structure, byteOffset: at });
  }
  return new DataView(bytes.buffer, bytes.byteOffset + at, DIRECTORY_ENTRY_BYTES);
}
