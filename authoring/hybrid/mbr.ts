/**
 * The Master Boot Record (UEFI 2.x §5.2.1 "Legacy MBR", Table 5-1/5-2): 440 bytes of boot code, the
 * disk signature at 440, four 16-byte partition records at 446 and 55 AA at 510. Addresses are
 * 512-byte sectors ("LBA512" = ISO LBA × 4); CHS addresses use a chosen disk geometry.
 *
 * Hybrid ISO templates keep their own fields in the boot code area: ISOLINUX's isohdpfx.bin and
 * GRUB2's boot_hybrid.img read the boot image's 512-byte address from the uint64 LE at 432
 * (isohybrid.md §3, §4.4).
 * @module
 */

import { FormatError } from "../../image/errors.ts";
import { type DecodePolicy, reportProblem } from "../eltorito/decode_policy.ts";

/** Bytes of the MBR sector. */
export const MBR_BYTES = 512;
/** Byte offset of the boot code's boot image address (uint64 LE) in isohybrid and GRUB2 templates. */
export const HYBRID_BOOT_IMAGE_ADDRESS_BYTE_OFFSET = 432;
/** Byte offset of the Unique MBR Disk Signature. */
export const MBR_DISK_SIGNATURE_BYTE_OFFSET = 440;
/** Byte offset of the first partition record. */
export const MBR_PARTITION_TABLE_BYTE_OFFSET = 446;
/** Bytes of one partition record. */
export const MBR_PARTITION_RECORD_BYTES = 16;
/** The MBR signature word at 510 (bytes 55 AA). */
export const MBR_SIGNATURE = 0xaa55;

/**
 * Boot Indicator values of a partition record.
 *
 * @example
 * ```ts
 * const active = record.bootIndicator === MBR_BOOT_INDICATOR.active;
 * ```
 */
export const MBR_BOOT_INDICATOR = { inactive: 0x00, active: 0x80 } as const;

/**
 * Partition type bytes hybrid images use (UEFI §5.2.2 and common usage).
 *
 * @example
 * ```ts
 * const protective = record.osType === MBR_PARTITION_TYPE.gptProtective;
 * ```
 */
export const MBR_PARTITION_TYPE = {
  empty: 0x00,
  fat12: 0x01,
  fat16: 0x06,
  hiddenIfs: 0x17,
  linux: 0x83,
  isoGrub: 0xcd,
  gptProtective: 0xee,
  efiSystem: 0xef,
} as const;

/**
 * A cylinder/head/sector address as stored (sector 1-based).
 *
 * @example
 * ```ts
 * const tooLarge: ChsAddress = { cylinder: 1023, head: 254, sector: 63 }; // bytes FE FF FF
 * ```
 */
export interface ChsAddress {
  /** 0...1023. */
  readonly cylinder: number;
  /** 0...255. */
  readonly head: number;
  /** 1...63 (0 in an empty record). */
  readonly sector: number;
}

/**
 * The geometry CHS addresses are computed with.
 *
 * @example
 * ```ts
 * const xorrisoDefault: DiskGeometry = { headsPerCylinder: 64, sectorsPerHead: 32 }; // 1 MiB cylinders
 * ```
 */
export interface DiskGeometry {
  /** Heads per cylinder, 1...255. */
  readonly headsPerCylinder: number;
  /** Sectors per head (track), 1...63. */
  readonly sectorsPerHead: number;
}

/**
 * One partition record (UEFI Table 5-2).
 *
 * @example
 * ```ts
 * const isoPartition: MbrPartitionRecord = {
 *   bootIndicator: 0x80,
 *   startingChs: { cylinder: 0, head: 0, sector: 1 },
 *   osType: 0x17,
 *   endingChs: { cylinder: 0, head: 63, sector: 32 },
 *   startingLba: 0,
 *   sizeInLba: 2048,
 * };
 * ```
 */
export interface MbrPartitionRecord {
  /** 0x80 active, 0x00 inactive. */
  readonly bootIndicator: number;
  readonly startingChs: ChsAddress;
  /** Partition type ({@link MBR_PARTITION_TYPE}). */
  readonly osType: number;
  readonly endingChs: ChsAddress;
  /** First 512-byte sector. */
  readonly startingLba: number;
  /** Number of 512-byte sectors. */
  readonly sizeInLba: number;
}

/**
 * The whole MBR sector.
 *
 * @example
 * ```ts
 * const mbr = decodeMasterBootRecord(imageStart, 0);
 * const bootImageLba512 = new DataView(mbr.bootCode.buffer).getUint32(432, true);
 * ```
 */
export interface MasterBootRecord {
  /** Bytes 0–439 (boot code, including the hybrid templates' field at 432). */
  readonly bootCode: Uint8Array;
  /** Unique MBR Disk Signature at 440, uint32 LE (Linux "Disk identifier"). */
  readonly uniqueMbrDiskSignature: number;
  /** Bytes 444–445, uint16 LE ("unknown", zero). */
  readonly unknown: number;
  /** The four partition records. */
  readonly partitionRecords: readonly MbrPartitionRecord[];
  /** Word at 510: 0xAA55. */
  readonly signature: number;
}

/** An all-zero partition record (unused slot). */
export const EMPTY_MBR_PARTITION_RECORD: MbrPartitionRecord = {
  bootIndicator: 0,
  startingChs: { cylinder: 0, head: 0, sector: 0 },
  osType: 0,
  endingChs: { cylinder: 0, head: 0, sector: 0 },
  startingLba: 0,
  sizeInLba: 0,
};

/**
 * CHS address of a 512-byte sector: `sector = lba % S + 1`, `head = (lba / S) % H`,
 * `cylinder = lba / S / H`. Beyond cylinder 1023 the address is clamped to cylinder 1023, sector
 * S, and head H − 1 (`overflowHead: "last"`, libisofs' partition entries) or H (`"count"`, its
 * isohybrid MBR, after syslinux' isohybrid).
 *
 * @example
 * ```ts
 * chsFromLba(2047, { headsPerCylinder: 64, sectorsPerHead: 32 }); // { cylinder: 0, head: 63, sector: 32 }
 * ```
 */
export function chsFromLba(
  lba: number,
  geometry: DiskGeometry,
  overflowHead: "last" | "count" = "last",
): ChsAddress {
  checkGeometry(geometry);
  const { headsPerCylinder: h, sectorsPerHead: s } = geometry;
  const track = Math.floor(lba / s);
  const cylinder = Math.floor(track / h);
  if (cylinder >= 1024) {
    return { cylinder: 1023, head: overflowHead === "last" ? h - 1 : h, sector: s };
  }
  return { cylinder, head: track % h, sector: (lba % s) + 1 };
}

function checkGeometry(geometry: DiskGeometry): void {
  const { headsPerCylinder: h, sectorsPerHead: s } = geometry;
  if (!Number.isInteger(h) || h < 1 || h > 255 || !Number.isInteger(s) || s < 1 || s > 63) {
    throw new RangeError(
      `Cannot compute CHS address: geometry ${h} heads × ${s} sectors is outside 1-255 × 1-63`,
    );
  }
}

/**
 * The partition record libisofs writes for `sectorCount` sectors from `startingLba` (its
 * `write_mbr_partition_entry`): CHS of the first and last sector with the given geometry,
 * addresses clamped below 2³² − 3 as libisofs clamps them.
 *
 * @example
 * ```ts
 * mbrPartitionRecordFor({ osType: 0xef, startingLba: 2048, sizeInLba: 16384, geometry: { headsPerCylinder: 64, sectorsPerHead: 32 } });
 * // 00 | 00 01 01 | ef | 3f 20 08 | 00080000 | 00400000
 * ```
 */
export function mbrPartitionRecordFor(request: {
  readonly osType: number;
  readonly startingLba: number;
  readonly sizeInLba: number;
  readonly geometry: DiskGeometry;
  readonly bootIndicator?: number;
}): MbrPartitionRecord {
  const clamp = (sector: number) => Math.min(sector, 0xfffffffc);
  const start = clamp(request.startingLba);
  const afterEnd = (request.startingLba + request.sizeInLba) >>> 0; // libisofs computes it in uint32
  const end = clamp(afterEnd) - 1;
  return {
    bootIndicator: request.bootIndicator ?? MBR_BOOT_INDICATOR.inactive,
    startingChs: chsFromLba(start, request.geometry),
    osType: request.osType,
    endingChs: chsFromLba(end, request.geometry),
    startingLba: start,
    sizeInLba: (end - start + 1) >>> 0,
  };
}

function encodeChs(out: Uint8Array, at: number, chs: ChsAddress, what: string): void {
  const { cylinder, head, sector } = chs;
  if (
    !Number.isInteger(cylinder) || cylinder < 0 || cylinder > 1023 || !Number.isInteger(head) || head < 0 ||
    head > 255 || !Number.isInteger(sector) || sector < 0 || sector > 63
  ) {
    throw new RangeError(
      `Cannot encode MBR partition record: ${what} ${cylinder}/${head}/${sector} is not a CHS address`,
    );
  }
  out[at] = head; // head
  out[at + 1] = sector | ((cylinder >> 2) & 0xc0); // sector bits 0-5, cylinder bits 8-9 in bits 6-7
  out[at + 2] = cylinder & 0xff; // cylinder bits 0-7
}

function decodeChs(bytes: Uint8Array, at: number): ChsAddress {
  return {
    head: bytes[at],
    sector: bytes[at + 1] & 0x3f,
    cylinder: bytes[at + 2] | ((bytes[at + 1] & 0xc0) << 2),
  };
}

function checkUint(value: number, max: number, what: string, structure: string): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`Cannot encode ${structure}: ${what} ${value} is outside 0...${max}`);
  }
}

/**
 * Encodes one 16-byte partition record.
 *
 * @example
 * ```ts
 * encodeMbrPartitionRecord(EMPTY_MBR_PARTITION_RECORD); // 16 zero bytes
 * ```
 */
export function encodeMbrPartitionRecord(record: MbrPartitionRecord): Uint8Array {
  const structure = "MBR partition record";
  checkUint(record.bootIndicator, 0xff, "boot indicator", structure);
  checkUint(record.osType, 0xff, "OS type", structure);
  checkUint(record.startingLba, 0xffffffff, "starting LBA", structure);
  checkUint(record.sizeInLba, 0xffffffff, "size in LBA", structure);
  const out = new Uint8Array(MBR_PARTITION_RECORD_BYTES);
  const view = new DataView(out.buffer);
  out[0] = record.bootIndicator; // 0: BootIndicator 80/00 (UEFI Table 5-2)
  encodeChs(out, 1, record.startingChs, "starting CHS"); // 1: StartingCHS, 3 bytes (Table 5-2)
  out[4] = record.osType; // 4: OSType (Table 5-2)
  encodeChs(out, 5, record.endingChs, "ending CHS"); // 5: EndingCHS, 3 bytes (Table 5-2)
  view.setUint32(8, record.startingLba, true); // 8: StartingLBA, uint32 LE (Table 5-2)
  view.setUint32(12, record.sizeInLba, true); // 12: SizeInLBA, uint32 LE (Table 5-2)
  return out;
}

/**
 * Decodes one partition record at `at`.
 *
 * @example
 * ```ts
 * const first = decodeMbrPartitionRecord(sector0, 446);
 * ```
 */
export function decodeMbrPartitionRecord(bytes: Uint8Array, at: number): MbrPartitionRecord {
  if (at < 0 || bytes.byteLength - at < MBR_PARTITION_RECORD_BYTES) {
    throw new FormatError(`Cannot read MBR partition record: 16 bytes needed at ${at}`, {
      structure: "MBR Partition Record",
      byteOffset: at,
    });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, MBR_PARTITION_RECORD_BYTES);
  return {
    bootIndicator: bytes[at],
    startingChs: decodeChs(bytes, at + 1),
    osType: bytes[at + 4],
    endingChs: decodeChs(bytes, at + 5),
    startingLba: view.getUint32(8, true),
    sizeInLba: view.getUint32(12, true),
  };
}

/**
 * Encodes the 512-byte MBR.
 *
 * @example
 * ```ts
 * const sector = encodeMasterBootRecord({
 *   bootCode: isohdpfx.subarray(0, 440), uniqueMbrDiskSignature: 0x30e69e93, unknown: 0,
 *   partitionRecords: [isoPartition, EMPTY_MBR_PARTITION_RECORD, EMPTY_MBR_PARTITION_RECORD, EMPTY_MBR_PARTITION_RECORD],
 *   signature: MBR_SIGNATURE,
 * });
 * ```
 */
export function encodeMasterBootRecord(mbr: MasterBootRecord): Uint8Array {
  const structure = "MBR";
  if (mbr.bootCode.byteLength > MBR_DISK_SIGNATURE_BYTE_OFFSET) {
    throw new RangeError(
      `Cannot encode MBR: boot code has ${mbr.bootCode.byteLength} bytes, at most 440 fit`,
    );
  }
  if (mbr.partitionRecords.length > 4) {
    throw new RangeError(
      `Cannot encode MBR: ${mbr.partitionRecords.length} partition records, at most 4 fit`,
    );
  }
  checkUint(mbr.uniqueMbrDiskSignature, 0xffffffff, "disk signature", structure);
  checkUint(mbr.unknown, 0xffff, "bytes 444-445", structure);
  checkUint(mbr.signature, 0xffff, "signature", structure);
  const out = new Uint8Array(MBR_BYTES);
  const view = new DataView(out.buffer);
  out.set(mbr.bootCode, 0); // 0: BootCode, 440 bytes (UEFI Table 5-1)
  view.setUint32(440, mbr.uniqueMbrDiskSignature, true); // 440: UniqueMBRDiskSignature, uint32 LE (Table 5-1)
  view.setUint16(444, mbr.unknown, true); // 444: Unknown, 2 bytes (Table 5-1)
  mbr.partitionRecords.forEach((record, i) => out.set(encodeMbrPartitionRecord(record), 446 + 16 * i)); // 446: PartitionRecord × 4 (Table 5-1)
  view.setUint16(510, mbr.signature, true); // 510: Signature 0xAA55, bytes 55 AA (Table 5-1)
  return out;
}

/**
 * Decodes the MBR at `at`. A missing 55 AA signature is a problem for the policy (the caller
 * decides whether a sector without it is an MBR at all).
 *
 * @example
 * ```ts
 * const mbr = decodeMasterBootRecord(systemArea, 0, { strict: true });
 * ```
 */
export function decodeMasterBootRecord(
  bytes: Uint8Array,
  at: number,
  policy: DecodePolicy = {},
): MasterBootRecord {
  if (at < 0 || bytes.byteLength - at < MBR_BYTES) {
    throw new FormatError(`Cannot read MBR: 512 bytes needed at ${at}`, { structure: "MBR", byteOffset: at });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, MBR_BYTES);
  const signature = view.getUint16(510, true);
  if (signature !== MBR_SIGNATURE) {
    reportProblem(policy, `Cannot verify MBR: signature is 0x${signature.toString(16)}, expected 0xaa55`, {
      structure: "MBR",
      field: "Signature",
      byteOffset: at + 510,
    });
  }
  return {
    bootCode: bytes.slice(at, at + 440),
    uniqueMbrDiskSignature: view.getUint32(440, true),
    unknown: view.getUint16(444, true),
    partitionRecords: [0, 1, 2, 3].map((i) => decodeMbrPartitionRecord(bytes, at + 446 + 16 * i)),
    signature,
  };
}
