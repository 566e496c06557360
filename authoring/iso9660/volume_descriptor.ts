/**
 * ECMA-119 §8 volume descriptors: Primary (§8.4), Supplementary (§8.5, Joliet), Boot Record
 * (§8.2) and the Set Terminator (§8.3). Each is one 2048-byte sector from LBA 16 on.
 * @module
 */

import { FormatError } from "../../image/errors.ts";
import { DEC_DATETIME_BYTES, decodeDecDatetime, encodeDecDatetime } from "./datetime.ts";
import { decodeDirectoryRecord, type DirectoryRecord, encodeDirectoryRecord } from "./directory_record.ts";
import {
  getTrimmedAscii,
  getTrimmedUcs2,
  getUint16Both,
  getUint32Both,
  setPaddedAscii,
  setPaddedUcs2,
  setUint16Both,
  setUint32Both,
  viewOf,
} from "./numbers.ts";

/** Bytes of one logical sector. */
export const SECTOR_BYTES = 2048;
/** LBA of the first volume descriptor (§6.2.1: the system area is LBA 0–15). */
export const FIRST_VOLUME_DESCRIPTOR_LBA = 16;
/** §8.1.2 standard identifier. */
export const STANDARD_IDENTIFIER = "CD001";

/** §8.1.1 Volume Descriptor Type values. */
export const VOLUME_DESCRIPTOR_TYPE = {
  bootRecord: 0,
  primary: 1,
  supplementary: 2,
  partition: 3,
  terminator: 255,
} as const;

/** Joliet escape sequences (§8.5.6 field), UCS-2 levels 1, 2 and 3. */
export const JOLIET_ESCAPES = {
  level1: new Uint8Array([0x25, 0x2f, 0x40]),
  level2: new Uint8Array([0x25, 0x2f, 0x43]),
  level3: new Uint8Array([0x25, 0x2f, 0x45]),
} as const;

/** A Primary (§8.4) or Supplementary (§8.5) Volume Descriptor. */
export interface VolumeDescriptor {
  /** 1 = primary, 2 = supplementary (Joliet when the escapes say UCS-2). */
  readonly type: 1 | 2;
  /** §8.4.3 version: 1 (2 = ISO 9660:1999 Enhanced Volume Descriptor, with `type` 2). */
  readonly version: number;
  /** §8.5.3 Volume Flags (SVD only; 0). */
  readonly volumeFlags: number;
  readonly systemIdentifier: string;
  readonly volumeIdentifier: string;
  /** §8.4.8 Volume Space Size in 2048-byte blocks. */
  readonly volumeSpaceBlockCount: number;
  /** §8.5.6 Escape Sequences (32 bytes; zeros in a PVD). */
  readonly escapeSequences: Uint8Array;
  readonly volumeSetSize: number;
  readonly volumeSequenceNumber: number;
  readonly logicalBlockByteLength: number;
  /** §8.4.13 byte length of one path table. */
  readonly pathTableByteLength: number;
  readonly typeLPathTableLba: number;
  readonly optionalTypeLPathTableLba: number;
  readonly typeMPathTableLba: number;
  readonly optionalTypeMPathTableLba: number;
  readonly rootDirectoryRecord: DirectoryRecord;
  readonly volumeSetIdentifier: string;
  readonly publisherIdentifier: string;
  readonly dataPreparerIdentifier: string;
  readonly applicationIdentifier: string;
  readonly copyrightFileIdentifier: string;
  readonly abstractFileIdentifier: string;
  readonly bibliographicFileIdentifier: string;
  readonly creation: Date | undefined;
  readonly modification: Date | undefined;
  readonly expiration: Date | undefined;
  readonly effective: Date | undefined;
  /** §8.4.30 File Structure Version: 1 (2 for an Enhanced Volume Descriptor). */
  readonly fileStructureVersion: number;
  /** §8.4.32 Application Use (512 bytes). */
  readonly applicationUse: Uint8Array;
}

/** True when a descriptor's escape sequences select Joliet UCS-2. */
export function isJoliet(descriptor: Pick<VolumeDescriptor, "type" | "escapeSequences">): boolean {
  if (descriptor.type !== 2) return false;
  const e = descriptor.escapeSequences;
  return e[0] === 0x25 && e[1] === 0x2f && (e[2] === 0x40 || e[2] === 0x43 || e[2] === 0x45);
}

/**
 * Encodes a PVD or SVD sector. Identifier fields are UCS-2BE when the descriptor is Joliet.
 *
 * @example
 * ```ts
 * const sector = encodeVolumeDescriptor(pvd); // 2048 bytes: 01 "CD001" 01 00 ...
 * ```
 */
export function encodeVolumeDescriptor(d: VolumeDescriptor): Uint8Array {
  const out = new Uint8Array(SECTOR_BYTES);
  const view = viewOf(out);
  const ucs2 = isJoliet(d);
  const text = (at: number, bytes: number, value: string, field: string) =>
    ucs2 ? setPaddedUcs2(out, at, bytes, value, field) : setPaddedAscii(out, at, bytes, value, field);
  const fileId = (at: number, value: string, field: string) => {
    // 37-byte file identifier fields: Joliet writes 18 UCS-2 characters and one 0x00 (both tools)
    if (ucs2) setPaddedUcs2(out, at, 36, value, field);
    else setPaddedAscii(out, at, 37, value, field);
  };
  out[0] = d.type; // 0: Volume Descriptor Type (§8.4.1)
  out.set([0x43, 0x44, 0x30, 0x30, 0x31], 1); // 1: Standard Identifier "CD001" (§8.4.2)
  out[6] = d.version; // 6: Volume Descriptor Version (§8.4.3)
  out[7] = d.type === 2 ? d.volumeFlags : 0; // 7: Volume Flags (§8.5.3) / unused (§8.4.4)
  text(8, 32, d.systemIdentifier, "System Identifier"); // 8: System Identifier (§8.4.5)
  text(40, 32, d.volumeIdentifier, "Volume Identifier"); // 40: Volume Identifier (§8.4.6)
  setUint32Both(view, 80, d.volumeSpaceBlockCount); // 80: Volume Space Size, 733 (§8.4.8)
  if (d.type === 2) out.set(d.escapeSequences.subarray(0, 32), 88); // 88: Escape Sequences (§8.5.6)
  setUint16Both(view, 120, d.volumeSetSize); // 120: Volume Set Size, 723 (§8.4.10)
  setUint16Both(view, 124, d.volumeSequenceNumber); // 124: Volume Sequence Number, 723 (§8.4.11)
  setUint16Both(view, 128, d.logicalBlockByteLength); // 128: Logical Block Size, 723 (§8.4.12)
  setUint32Both(view, 132, d.pathTableByteLength); // 132: Path Table Size, 733 (§8.4.13)
  view.setUint32(140, d.typeLPathTableLba, true); // 140: Type L Path Table, 731 (§8.4.14)
  view.setUint32(144, d.optionalTypeLPathTableLba, true); // 144: Optional Type L Path Table, 731 (§8.4.15)
  view.setUint32(148, d.typeMPathTableLba, false); // 148: Type M Path Table, 732 (§8.4.16)
  view.setUint32(152, d.optionalTypeMPathTableLba, false); // 152: Optional Type M Path Table, 732 (§8.4.17)
  const root = encodeDirectoryRecord({ ...d.rootDirectoryRecord, systemUse: new Uint8Array() });
  out.set(root, 156); // 156: Directory Record for Root Directory, 34 bytes (§8.4.18)
  text(190, 128, d.volumeSetIdentifier, "Volume Set Identifier"); // 190 (§8.4.19)
  text(318, 128, d.publisherIdentifier, "Publisher Identifier"); // 318 (§8.4.20)
  text(446, 128, d.dataPreparerIdentifier, "Data Preparer Identifier"); // 446 (§8.4.21)
  text(574, 128, d.applicationIdentifier, "Application Identifier"); // 574 (§8.4.22)
  fileId(702, d.copyrightFileIdentifier, "Copyright File Identifier"); // 702 (§8.4.23)
  fileId(739, d.abstractFileIdentifier, "Abstract File Identifier"); // 739 (§8.4.24)
  fileId(776, d.bibliographicFileIdentifier, "Bibliographic File Identifier"); // 776 (§8.4.25)
  out.set(encodeDecDatetime(d.creation), 813); // 813: Volume Creation Date and Time (§8.4.26)
  out.set(encodeDecDatetime(d.modification), 830); // 830: Volume Modification Date and Time (§8.4.27)
  out.set(encodeDecDatetime(d.expiration), 847); // 847: Volume Expiration Date and Time (§8.4.28)
  out.set(encodeDecDatetime(d.effective), 864); // 864: Volume Effective Date and Time (§8.4.29)
  out[881] = d.fileStructureVersion; // 881: File Structure Version (§8.4.30)
  out.set(d.applicationUse.subarray(0, 512), 883); // 883: Application Use, 512 bytes (§8.4.32)
  return out;
}

/** Decodes a PVD/SVD sector read from `lba`. */
export function decodeVolumeDescriptor(sector: Uint8Array, lba: number): VolumeDescriptor {
  checkHeader(sector, lba);
  const type = sector[0];
  if (type !== 1 && type !== 2) {
    throw new FormatError(`Cannot read volume descriptor: type ${type} is not primary or supplementary`, {
      structure: "Volume Descriptor",
      field: "Volume Descriptor Type",
      lba,
    });
  }
  const view = viewOf(sector);
  const escapeSequences = type === 2 ? sector.slice(88, 120) : new Uint8Array(32);
  const ucs2 = isJoliet({ type, escapeSequences });
  const text = (at: number, bytes: number) =>
    ucs2 ? getTrimmedUcs2(sector, at, bytes) : getTrimmedAscii(sector, at, bytes);
  return {
    type,
    version: sector[6],
    volumeFlags: type === 2 ? sector[7] : 0,
    systemIdentifier: text(8, 32),
    volumeIdentifier: text(40, 32),
    volumeSpaceBlockCount: getUint32Both(view, 80),
    escapeSequences,
    volumeSetSize: getUint16Both(view, 120),
    volumeSequenceNumber: getUint16Both(view, 124),
    logicalBlockByteLength: getUint16Both(view, 128),
    pathTableByteLength: getUint32Both(view, 132),
    typeLPathTableLba: view.getUint32(140, true),
    optionalTypeLPathTableLba: view.getUint32(144, true),
    typeMPathTableLba: view.getUint32(148, false),
    optionalTypeMPathTableLba: view.getUint32(152, false),
    rootDirectoryRecord: decodeDirectoryRecord(sector, 156, lba),
    volumeSetIdentifier: text(190, 128),
    publisherIdentifier: text(318, 128),
    dataPreparerIdentifier: text(446, 128),
    applicationIdentifier: text(574, 128),
    copyrightFileIdentifier: text(702, ucs2 ? 36 : 37),
    abstractFileIdentifier: text(739, ucs2 ? 36 : 37),
    bibliographicFileIdentifier: text(776, ucs2 ? 36 : 37),
    creation: decodeDecDatetime(sector, 813),
    modification: decodeDecDatetime(sector, 830),
    expiration: decodeDecDatetime(sector, 847),
    effective: decodeDecDatetime(sector, 864),
    fileStructureVersion: sector[881],
    applicationUse: sector.slice(883, 883 + 512),
  };
}

/** Encodes the §8.3 Volume Descriptor Set Terminator: FF "CD001" 01 and zeros. */
export function encodeTerminator(): Uint8Array {
  const out = new Uint8Array(SECTOR_BYTES);
  out[0] = VOLUME_DESCRIPTOR_TYPE.terminator; // 0: type 255 (§8.3.1)
  out.set([0x43, 0x44, 0x30, 0x30, 0x31], 1); // 1: "CD001"
  out[6] = 1; // 6: version 1
  return out;
}

/** Checks the §8.1 header common to every descriptor ("CD001" at 1..5). */
export function checkHeader(sector: Uint8Array, lba: number): void {
  if (
    sector.byteLength < SECTOR_BYTES || sector[1] !== 0x43 || sector[2] !== 0x44 || sector[3] !== 0x30 ||
    sector[4] !== 0x30 || sector[5] !== 0x31
  ) {
    throw new FormatError(`Cannot read volume descriptor: standard identifier is not "CD001"`, {
      structure: "Volume Descriptor",
      field: "Standard Identifier",
      lba,
      byteOffset: lba * SECTOR_BYTES + 1,
    });
  }
}

/** The date-field byte length, re-exported for tests. */
export const VOLUME_DATE_BYTES = DEC_DATETIME_BYTES;
