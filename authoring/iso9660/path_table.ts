/**
 * ECMA-119 §9.4 Path Table Record and §6.9 path tables (Type L little-endian, Type M big-endian).
 * @module
 */

import { FormatError } from "../../image/errors.ts";

/** One §9.4 Path Table Record. */
export interface PathTableRecord {
  /** §9.4.2 Extended Attribute Record Length (0). */
  readonly extendedAttributeRecordLength: number;
  /** §9.4.3 Location of Extent of the directory. */
  readonly extentLba: number;
  /** §9.4.4 Parent Directory Number (1-based record number; the root's parent is 1). */
  readonly parentDirectoryNumber: number;
  /** §9.4.5 Directory Identifier bytes (0x00 for the root). */
  readonly identifier: Uint8Array;
}

/** Byte length of a record: 8 + LEN_DI, plus one pad byte iff LEN_DI is odd (§9.4.6). */
export function pathTableRecordByteLength(identifierByteLength: number): number {
  return 8 + identifierByteLength + (identifierByteLength % 2);
}

/**
 * Encodes a whole path table (records in §6.9.1 order) as Type L (`littleEndian`) or Type M.
 *
 * @example
 * ```ts
 * encodePathTable([{ extendedAttributeRecordLength: 0, extentLba: 20, parentDirectoryNumber: 1,
 *   identifier: new Uint8Array([0]) }], true); // 01 00 14000000 0100 00 00
 * ```
 */
export function encodePathTable(records: readonly PathTableRecord[], littleEndian: boolean): Uint8Array {
  let length = 0;
  for (const r of records) length += pathTableRecordByteLength(r.identifier.byteLength);
  const out = new Uint8Array(length);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const r of records) {
    out[at] = r.identifier.byteLength; // 0: Length of Directory Identifier (§9.4.1)
    out[at + 1] = r.extendedAttributeRecordLength; // 1: Extended Attribute Record Length (§9.4.2)
    view.setUint32(at + 2, r.extentLba, littleEndian); // 2: Location of Extent, 731 or 732 (§9.4.3)
    view.setUint16(at + 6, r.parentDirectoryNumber, littleEndian); // 6: Parent Directory Number, 721/722 (§9.4.4)
    out.set(r.identifier, at + 8); // 8: Directory Identifier (§9.4.5), then pad iff odd (§9.4.6)
    at += pathTableRecordByteLength(r.identifier.byteLength);
  }
  return out;
}

/** Decodes a path table of `byteLength` bytes; `lba` labels errors. */
export function decodePathTable(bytes: Uint8Array, littleEndian: boolean, lba: number): PathTableRecord[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: PathTableRecord[] = [];
  let at = 0;
  while (at < bytes.byteLength) {
    const idLength = bytes[at];
    const length = pathTableRecordByteLength(idLength);
    if (idLength === 0 || at + length > bytes.byteLength) {
      throw new FormatError(`Cannot read path table: record ${records.length + 1} is malformed`, {
        structure: littleEndian ? "Type L Path Table" : "Type M Path Table",
        field: "Length of Directory Identifier",
        lba,
        byteOffset: lba * 2048 + at,
      });
    }
    records.push({
      extendedAttributeRecordLength: bytes[at + 1],
      extentLba: view.getUint32(at + 2, littleEndian),
      parentDirectoryNumber: view.getUint16(at + 6, littleEndian),
      identifier: bytes.slice(at + 8, at + 8 + idLength),
    });
    at += length;
  }
  return records;
}
