/**
 * ECMA-119 §9.1 Directory Record: one entry of a directory extent (and the root record embedded
 * in a volume descriptor at offset 156).
 * @module
 */

import { FormatError } from "../../image/errors.ts";
import { decodeRecordingDatetime, recordingDatetimeBytes } from "./datetime.ts";
import { getUint16Both, getUint32Both, putUint16Both, putUint32Both, viewOf } from "./numbers.ts";
import { type SuspEntry, suspEntryByteLength, writeSuspEntries } from "./susp.ts";

function entriesByteLength(entries: readonly SuspEntry[]): number {
  let total = 0;
  for (const e of entries) total += suspEntryByteLength(e);
  return total;
}

/** §9.1.6 File Flags bits. */
export const FILE_FLAGS = {
  /** bit 0: the file need not be shown to the user ("hidden"). */
  existence: 0x01,
  /** bit 1: the record describes a directory. */
  directory: 0x02,
  /** bit 2: associated file. */
  associatedFile: 0x04,
  /** bit 3: record format in the extended attribute record. */
  record: 0x08,
  /** bit 4: protection in the extended attribute record. */
  protection: 0x10,
  /** bit 7: this is not the final directory record of the file (multi-extent). */
  multiExtent: 0x80,
} as const;

/** Bytes of a directory record without its identifier and System Use field. */
export const DIRECTORY_RECORD_BASE_BYTES = 33;
/** The largest LEN_DR: the field is 8 bits and must be even. */
export const DIRECTORY_RECORD_MAX_BYTES = 254;
/** §7.6.2 identifier of a directory's own record ("."). */
export const IDENTIFIER_SELF = new Uint8Array([0x00]);
/** §7.6.2 identifier of the parent record (".."). */
export const IDENTIFIER_PARENT = new Uint8Array([0x01]);

/** One §9.1 Directory Record. */
export interface DirectoryRecord {
  /** §9.1.2 Extended Attribute Record Length (always 0 when written by discwright). */
  readonly extendedAttributeRecordLength: number;
  /** §9.1.3 Location of Extent. */
  readonly extentLba: number;
  /** §9.1.4 Data Length in bytes. */
  readonly dataByteLength: number;
  /** §9.1.5 Recording Date and Time (`undefined` = not specified). */
  readonly recorded: Date | undefined;
  /** §9.1.6 File Flags, see {@link FILE_FLAGS}. */
  readonly fileFlags: number;
  /** §9.1.7 File Unit Size (interleaving; 0). */
  readonly fileUnitSize: number;
  /** §9.1.8 Interleave Gap Size (0). */
  readonly interleaveGapSize: number;
  /** §9.1.9 Volume Sequence Number. */
  readonly volumeSequenceNumber: number;
  /** §9.1.11 File Identifier bytes (d-characters, UCS-2BE for Joliet, or 0x00 / 0x01). */
  readonly identifier: Uint8Array;
  /** §9.1.13 System Use bytes (SUSP entries), without the trailing pad byte. */
  readonly systemUse: Uint8Array;
}

/** LEN_DR for an identifier and System Use of the given sizes (§9.1.1, §9.1.12, even). */
export function directoryRecordByteLength(identifierByteLength: number, systemUseByteLength: number): number {
  const base = DIRECTORY_RECORD_BASE_BYTES + identifierByteLength + (identifierByteLength % 2 === 0 ? 1 : 0);
  const total = base + systemUseByteLength;
  return total + (total % 2);
}

/**
 * Encodes a directory record; LEN_DR over 254 is a RangeError.
 *
 * @example
 * ```ts
 * const root = encodeDirectoryRecord({
 *   extendedAttributeRecordLength: 0, extentLba: 20, dataByteLength: 2048, recorded: undefined,
 *   fileFlags: FILE_FLAGS.directory, fileUnitSize: 0, interleaveGapSize: 0,
 *   volumeSequenceNumber: 1, identifier: IDENTIFIER_SELF, systemUse: new Uint8Array(),
 * }); // 34 bytes: 22 00 14000000 00000014 00080000 00000800 ...
 * ```
 */
export function encodeDirectoryRecord(record: DirectoryRecord): Uint8Array {
  const out = new Uint8Array(
    directoryRecordByteLength(record.identifier.byteLength, record.systemUse.byteLength),
  );
  writeDirectoryRecord(out, 0, record, record.systemUse);
  return out;
}

/**
 * Writes a directory record into `target` at `at` and returns LEN_DR. The System Use field is
 * given as bytes or as SUSP entries (written in place, no intermediate buffer).
 */
export function writeDirectoryRecord(
  target: Uint8Array,
  at: number,
  record: Omit<DirectoryRecord, "systemUse">,
  systemUse: Uint8Array | readonly SuspEntry[],
): number {
  const idLength = record.identifier.byteLength;
  const systemUseLength = systemUse instanceof Uint8Array
    ? systemUse.byteLength
    : entriesByteLength(systemUse);
  const length = writeDirectoryRecordHeader(target, at, record, idLength, systemUseLength);
  const identifier = record.identifier; // 33: File Identifier (§9.1.11)
  for (let i = 0; i < idLength; i++) target[at + 33 + i] = identifier[i];
  // System Use (§9.1.13), then one 0x00 if needed to make LEN_DR even.
  const systemUseAt = systemUseOffset(idLength);
  if (systemUse instanceof Uint8Array) target.set(systemUse, at + systemUseAt);
  else writeSuspEntries(target, at + systemUseAt, systemUse);
  return length;
}

/** The fixed fields of a directory record: all but the identifier bytes and the System Use field. */
export type DirectoryRecordHeader = Omit<DirectoryRecord, "identifier" | "systemUse">;

/**
 * Writes everything of a record but its identifier and System Use bytes, for an identifier of
 * `identifierByteLength` bytes (written at `at + 33`) and `systemUseByteLength` bytes of System Use
 * (written at `at + systemUseOffset(identifierByteLength)`): the record's bytes are zeroed first.
 * Returns LEN_DR. A planner writing thousands of records writes the two fields itself.
 */
export function writeDirectoryRecordHeader(
  target: Uint8Array,
  at: number,
  record: DirectoryRecordHeader,
  identifierByteLength: number,
  systemUseByteLength: number,
): number {
  const length = directoryRecordByteLength(identifierByteLength, systemUseByteLength);
  if (length > DIRECTORY_RECORD_MAX_BYTES) {
    throw new RangeError(
      `Cannot encode directory record: ${length} bytes exceed ${DIRECTORY_RECORD_MAX_BYTES}`,
    );
  }
  target.fill(0, at, at + length);
  target[at] = length; // 0: Length of Directory Record (§9.1.1)
  target[at + 1] = record.extendedAttributeRecordLength; // 1: Extended Attribute Record Length (§9.1.2)
  putUint32Both(target, at + 2, record.extentLba); // 2: Location of Extent, 733 (§9.1.3)
  putUint32Both(target, at + 10, record.dataByteLength); // 10: Data Length, 733 (§9.1.4)
  if (record.recorded) {
    const recorded = recordingDatetimeBytes(record.recorded); // 18: Recording Date and Time (§9.1.5)
    for (let i = 0; i < recorded.byteLength; i++) target[at + 18 + i] = recorded[i];
  }
  target[at + 25] = record.fileFlags; // 25: File Flags (§9.1.6)
  target[at + 26] = record.fileUnitSize; // 26: File Unit Size (§9.1.7)
  target[at + 27] = record.interleaveGapSize; // 27: Interleave Gap Size (§9.1.8)
  putUint16Both(target, at + 28, record.volumeSequenceNumber); // 28: Volume Sequence Number, 723 (§9.1.9)
  target[at + 32] = identifierByteLength; // 32: Length of File Identifier (§9.1.10)
  return length;
}

/** Offset of the System Use field in a record: after the identifier and its padding byte (§9.1.12). */
export function systemUseOffset(identifierByteLength: number): number {
  return 33 + identifierByteLength + (identifierByteLength % 2 === 0 ? 1 : 0); // padding byte iff LEN_FI even
}

/**
 * Decodes the directory record at `at` in `bytes` (a directory extent or a volume descriptor).
 * `lba` only labels errors. LEN_DR 0 is the caller's business (it means "next sector").
 */
export function decodeDirectoryRecord(bytes: Uint8Array, at: number, lba?: number): DirectoryRecord {
  const length = bytes[at];
  const where = { structure: "Directory Record", lba, byteOffset: at };
  if (length < DIRECTORY_RECORD_BASE_BYTES + 1 || at + length > bytes.byteLength) {
    throw new FormatError(`Cannot read directory record: length ${length} is invalid here`, {
      ...where,
      field: "Length of Directory Record",
    });
  }
  const idLength = bytes[at + 32];
  const systemUseAt = 33 + idLength + (idLength % 2 === 0 ? 1 : 0);
  if (idLength === 0 || 33 + idLength > length) {
    throw new FormatError(
      `Cannot read directory record: identifier length ${idLength} does not fit in ${length}`,
      {
        ...where,
        field: "Length of File Identifier",
      },
    );
  }
  const view = viewOf(bytes.subarray(at, at + length));
  return {
    extendedAttributeRecordLength: bytes[at + 1],
    extentLba: getUint32Both(view, 2),
    dataByteLength: getUint32Both(view, 10),
    recorded: decodeRecordingDatetime(bytes, at + 18),
    fileFlags: bytes[at + 25],
    fileUnitSize: bytes[at + 26],
    interleaveGapSize: bytes[at + 27],
    volumeSequenceNumber: getUint16Both(view, 28),
    identifier: bytes.slice(at + 33, at + 33 + idLength),
    systemUse: systemUseAt < length ? bytes.slice(at + systemUseAt, at + length) : new Uint8Array(),
  };
}
