/**
 * The Apple Partition Map (Inside Macintosh: Devices, "Driver Descriptor Record" and "Partition
 * Map Entry"): block 0 starts with the Driver Descriptor Record (signature "ER"), blocks 1… hold one
 * Partition Map Entry (signature "PM") each. All numbers are big-endian. xorriso writes 2048-byte
 * APM blocks next to a GPT (`-isohybrid-apm-hfsplus`), so block N starts at byte N × 2048 of the
 * image, and block 0 shares its first bytes with the MBR boot code.
 * @module
 */

import { FormatError } from "../../image/errors.ts";

/** Bytes of the Driver Descriptor Record fields this codec reads and writes. */
export const DRIVER_DESCRIPTOR_RECORD_BYTES = 18;
/** Bytes of the Partition Map Entry fields (the rest of the block is zeros). */
export const APM_ENTRY_BYTES = 136;
/** Driver Descriptor Record signature "ER". */
export const DRIVER_DESCRIPTOR_SIGNATURE = 0x4552;
/** Partition Map Entry signature "PM". */
export const APM_ENTRY_SIGNATURE = 0x504d;

/**
 * Partition status bits (pmPartStatus).
 *
 * @example
 * ```ts
 * const xorrisoHfs = APM_STATUS.valid | APM_STATUS.allocated | APM_STATUS.readable | APM_STATUS.automount; // 0x40000013
 * ```
 */
export const APM_STATUS = {
  valid: 0x1,
  allocated: 0x2,
  inUse: 0x4,
  bootable: 0x8,
  readable: 0x10,
  writable: 0x20,
  automount: 0x40000000,
} as const;

/**
 * Driver Descriptor Record (block 0), the fields up to sbDrvrCount.
 *
 * @example
 * ```ts
 * // What xorriso's isohybrid APM head writes over the MBR's first 8 bytes: 45 52 08 00 00 00 90 90
 * const head: DriverDescriptorRecord = { blockByteLength: 2048, blockCount: 0x9090, deviceType: 0, deviceId: 0, data: 0, driverCount: 0 };
 * ```
 */
export interface DriverDescriptorRecord {
  /** sbBlkSize: bytes per block (512 or 2048). */
  readonly blockByteLength: number;
  /** sbBlkCount: blocks on the device (xorriso leaves x86 code bytes here). */
  readonly blockCount: number;
  /** sbDevType. */
  readonly deviceType: number;
  /** sbDevId. */
  readonly deviceId: number;
  /** sbData. */
  readonly data: number;
  /** sbDrvrCount. */
  readonly driverCount: number;
}

/**
 * Partition Map Entry.
 *
 * @example
 * ```ts
 * const efi: ApmPartitionMapEntry = {
 *   mapEntryCount: 2, startBlock: 37, blockCount: 720, name: "EFI", type: "Apple_HFS",
 *   dataStartBlock: 0, dataBlockCount: 720, status: 0x40000013,
 *   bootStartBlock: 0, bootByteLength: 0, bootLoadAddress: 0, bootEntryPoint: 0, bootChecksum: 0, processor: "",
 * };
 * ```
 */
export interface ApmPartitionMapEntry {
  /** pmMapBlkCnt: number of blocks (entries) in the partition map. */
  readonly mapEntryCount: number;
  /** pmPyPartStart: first physical block of the partition. */
  readonly startBlock: number;
  /** pmPartBlkCnt: blocks in the partition. */
  readonly blockCount: number;
  /** pmPartName, up to 32 characters (Latin-1). */
  readonly name: string;
  /** pmParType, up to 32 characters ("Apple_partition_map", "Apple_HFS", ...). */
  readonly type: string;
  /** pmLgDataStart: first logical block of the data area. */
  readonly dataStartBlock: number;
  /** pmDataCnt: blocks in the data area. */
  readonly dataBlockCount: number;
  /** pmPartStatus ({@link APM_STATUS}). */
  readonly status: number;
  /** pmLgBootStart. */
  readonly bootStartBlock: number;
  /** pmBootSize. */
  readonly bootByteLength: number;
  /** pmBootAddr. */
  readonly bootLoadAddress: number;
  /** pmBootEntry. */
  readonly bootEntryPoint: number;
  /** pmBootCksum. */
  readonly bootChecksum: number;
  /** pmProcessor, up to 16 characters. */
  readonly processor: string;
}

function checkUint(value: number, max: number, what: string, structure: string): number {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`Cannot encode ${structure}: ${what} ${value} is outside 0...${max}`);
  }
  return value;
}

function setText(out: Uint8Array, at: number, byteLength: number, text: string, what: string): void {
  if (text.length > byteLength || [...text].some((c) => c.charCodeAt(0) > 0xff)) {
    throw new RangeError(
      `Cannot encode APM entry: ${what} ${JSON.stringify(text)} is not 0-${byteLength} Latin-1 characters`,
    );
  }
  for (let i = 0; i < text.length; i++) out[at + i] = text.charCodeAt(i);
}

function getText(bytes: Uint8Array, at: number, byteLength: number): string {
  let end = at;
  while (end < at + byteLength && bytes[end] !== 0) end++;
  return String.fromCharCode(...bytes.subarray(at, end));
}

/**
 * Encodes the 18 bytes of a Driver Descriptor Record.
 *
 * @example
 * ```ts
 * encodeDriverDescriptorRecord({ blockByteLength: 2048, blockCount: 0x9090, deviceType: 0, deviceId: 0, data: 0, driverCount: 0 });
 * // 45 52 08 00 00 00 90 90 00 ...
 * ```
 */
export function encodeDriverDescriptorRecord(record: DriverDescriptorRecord): Uint8Array {
  const structure = "Driver Descriptor Record";
  const out = new Uint8Array(DRIVER_DESCRIPTOR_RECORD_BYTES);
  const view = new DataView(out.buffer);
  view.setUint16(0, DRIVER_DESCRIPTOR_SIGNATURE); // 0: sbSig "ER", BE
  view.setUint16(2, checkUint(record.blockByteLength, 0xffff, "block size", structure)); // 2: sbBlkSize, BE
  view.setUint32(4, checkUint(record.blockCount, 0xffffffff, "block count", structure)); // 4: sbBlkCount, BE
  view.setUint16(8, checkUint(record.deviceType, 0xffff, "device type", structure)); // 8: sbDevType, BE
  view.setUint16(10, checkUint(record.deviceId, 0xffff, "device id", structure)); // 10: sbDevId, BE
  view.setUint32(12, checkUint(record.data, 0xffffffff, "data", structure)); // 12: sbData, BE
  view.setUint16(16, checkUint(record.driverCount, 0xffff, "driver count", structure)); // 16: sbDrvrCount, BE
  return out;
}

/**
 * Decodes a Driver Descriptor Record at `at` ("ER" required).
 *
 * @example
 * ```ts
 * const block0 = decodeDriverDescriptorRecord(systemArea, 0); // blockByteLength 2048 on xorriso hybrids
 * ```
 */
export function decodeDriverDescriptorRecord(bytes: Uint8Array, at: number): DriverDescriptorRecord {
  const structure = "Driver Descriptor Record";
  if (at < 0 || bytes.byteLength - at < DRIVER_DESCRIPTOR_RECORD_BYTES) {
    throw new FormatError(`Cannot read APM block 0: 18 bytes needed at ${at}`, { structure, byteOffset: at });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, DRIVER_DESCRIPTOR_RECORD_BYTES);
  if (view.getUint16(0) !== DRIVER_DESCRIPTOR_SIGNATURE) {
    throw new FormatError(`Cannot read APM block 0: signature is not "ER"`, {
      structure,
      field: "sbSig",
      byteOffset: at,
    });
  }
  return {
    blockByteLength: view.getUint16(2),
    blockCount: view.getUint32(4),
    deviceType: view.getUint16(8),
    deviceId: view.getUint16(10),
    data: view.getUint32(12),
    driverCount: view.getUint16(16),
  };
}

/**
 * Encodes the 136 bytes of a Partition Map Entry (the rest of its block is zeros).
 *
 * @example
 * ```ts
 * systemArea.set(encodeApmPartitionMapEntry(efi), 2 * 2048);
 * ```
 */
export function encodeApmPartitionMapEntry(entry: ApmPartitionMapEntry): Uint8Array {
  const structure = "APM entry";
  const u32 = (value: number, what: string) => checkUint(value, 0xffffffff, what, structure);
  const out = new Uint8Array(APM_ENTRY_BYTES);
  const view = new DataView(out.buffer);
  view.setUint16(0, APM_ENTRY_SIGNATURE); // 0: pmSig "PM", BE
  // 2: pmSigPad, 0
  view.setUint32(4, u32(entry.mapEntryCount, "map entry count")); // 4: pmMapBlkCnt, BE
  view.setUint32(8, u32(entry.startBlock, "start block")); // 8: pmPyPartStart, BE
  view.setUint32(12, u32(entry.blockCount, "block count")); // 12: pmPartBlkCnt, BE
  setText(out, 16, 32, entry.name, "name"); // 16: pmPartName, 32 bytes
  setText(out, 48, 32, entry.type, "type"); // 48: pmParType, 32 bytes
  view.setUint32(80, u32(entry.dataStartBlock, "data start")); // 80: pmLgDataStart, BE
  view.setUint32(84, u32(entry.dataBlockCount, "data block count")); // 84: pmDataCnt, BE
  view.setUint32(88, u32(entry.status, "status")); // 88: pmPartStatus, BE
  view.setUint32(92, u32(entry.bootStartBlock, "boot start")); // 92: pmLgBootStart, BE
  view.setUint32(96, u32(entry.bootByteLength, "boot size")); // 96: pmBootSize, BE
  view.setUint32(100, u32(entry.bootLoadAddress, "boot address")); // 100: pmBootAddr (pmBootAddr2 at 104 stays 0)
  view.setUint32(108, u32(entry.bootEntryPoint, "boot entry")); // 108: pmBootEntry (pmBootEntry2 at 112 stays 0)
  view.setUint32(116, u32(entry.bootChecksum, "boot checksum")); // 116: pmBootCksum, BE
  setText(out, 120, 16, entry.processor, "processor"); // 120: pmProcessor, 16 bytes
  return out;
}

/**
 * Decodes a Partition Map Entry at `at` ("PM" required).
 *
 * @example
 * ```ts
 * const map = decodeApmPartitionMapEntry(systemArea, 2048); // the map's own entry
 * ```
 */
export function decodeApmPartitionMapEntry(bytes: Uint8Array, at: number): ApmPartitionMapEntry {
  const structure = "APM Partition Map Entry";
  if (at < 0 || bytes.byteLength - at < APM_ENTRY_BYTES) {
    throw new FormatError(`Cannot read APM entry: 136 bytes needed at ${at}`, { structure, byteOffset: at });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, APM_ENTRY_BYTES);
  if (view.getUint16(0) !== APM_ENTRY_SIGNATURE) {
    throw new FormatError(`Cannot read APM entry: signature is not "PM"`, {
      structure,
      field: "pmSig",
      byteOffset: at,
    });
  }
  return {
    mapEntryCount: view.getUint32(4),
    startBlock: view.getUint32(8),
    blockCount: view.getUint32(12),
    name: getText(bytes, at + 16, 32),
    type: getText(bytes, at + 48, 32),
    dataStartBlock: view.getUint32(80),
    dataBlockCount: view.getUint32(84),
    status: view.getUint32(88),
    bootStartBlock: view.getUint32(92),
    bootByteLength: view.getUint32(96),
    bootLoadAddress: view.getUint32(100),
    bootEntryPoint: view.getUint32(108),
    bootChecksum: view.getUint32(116),
    processor: getText(bytes, at + 120, 16),
  };
}
