/**
 * The GUID Partition Table (UEFI 2.x §5.3): the GPT Header (Table 5-5, 92 bytes in a 512-byte
 * sector, CRC-32 over the header and over the partition entry array) and GPT Partition Entries
 * (Table 5-6, 128 bytes each). LBAs are 512-byte sectors. GUIDs are held as RFC 4122 text and
 * stored mixed-endian (UEFI Appendix A: the first three fields little-endian).
 * @module
 */

import { FormatError } from "../../image/errors.ts";
import { type DecodePolicy, reportProblem } from "../eltorito/decode_policy.ts";
import { guidToBytes } from "../mkisofs/options.ts";
import { crc32 } from "./crc32.ts";

export { guidToBytes };

/** Bytes of one logical block holding a GPT header. */
export const GPT_HEADER_SECTOR_BYTES = 512;
/** HeaderSize of UEFI 2.x headers. */
export const GPT_HEADER_BYTES = 92;
/** SizeOfPartitionEntry xorriso (and nearly everyone) writes. */
export const GPT_PARTITION_ENTRY_BYTES = 128;
/** Signature "EFI PART". */
export const GPT_SIGNATURE = "EFI PART";
/** Revision 1.0 (bytes 00 00 01 00). */
export const GPT_REVISION = 0x00010000;
/** The all-zero GUID (unused partition entry). */
export const NIL_GUID = "00000000-0000-0000-0000-000000000000";

/**
 * Partition attribute bits (UEFI Table 5-7, and Microsoft's bits 60–63 for Basic Data).
 *
 * @example
 * ```ts
 * const xorrisoIso = GPT_ATTRIBUTE.requiredPartition | GPT_ATTRIBUTE.readOnly; // 0x1000000000000001n
 * ```
 */
export const GPT_ATTRIBUTE = {
  requiredPartition: 1n,
  noBlockIoProtocol: 1n << 1n,
  legacyBiosBootable: 1n << 2n,
  readOnly: 1n << 60n,
  hidden: 1n << 62n,
  noDriveLetter: 1n << 63n,
} as const;

/**
 * A GPT Header (UEFI Table 5-5). Signature, HeaderSize and HeaderCRC32 are implied: the encoder
 * computes the CRC, the decoder checks it.
 *
 * @example
 * ```ts
 * const primary: GptHeader = {
 *   revision: GPT_REVISION, myLba: 1, alternateLba: 26623, firstUsableLba: 64, lastUsableLba: 26560,
 *   diskGuid: "2E946617-D296-406C-9639-93BA606EEE81", partitionEntryLba: 2,
 *   numberOfPartitionEntries: 248, sizeOfPartitionEntry: 128, partitionEntryArrayCrc32: 0x4762d029,
 * };
 * ```
 */
export interface GptHeader {
  readonly revision: number;
  /** LBA of this header (1 for the primary). */
  readonly myLba: number;
  /** LBA of the other header. */
  readonly alternateLba: number;
  readonly firstUsableLba: number;
  readonly lastUsableLba: number;
  /** RFC 4122 text. */
  readonly diskGuid: string;
  /** First LBA of this header's partition entry array. */
  readonly partitionEntryLba: number;
  readonly numberOfPartitionEntries: number;
  readonly sizeOfPartitionEntry: number;
  /** CRC-32 of the whole array (NumberOfPartitionEntries × SizeOfPartitionEntry bytes). */
  readonly partitionEntryArrayCrc32: number;
}

/**
 * A GPT Partition Entry (UEFI Table 5-6). An entry whose type GUID is {@link NIL_GUID} is unused.
 *
 * @example
 * ```ts
 * const esp: GptPartitionEntry = {
 *   partitionTypeGuid: "C12A7328-F81F-11D2-BA4B-00A0C93EC93B",
 *   uniquePartitionGuid: "2E946617-D296-406C-963B-93BA606EEE81",
 *   startingLba: 2048, endingLba: 18431, attributes: 0n, partitionName: "Appended2",
 * };
 * ```
 */
export interface GptPartitionEntry {
  readonly partitionTypeGuid: string;
  readonly uniquePartitionGuid: string;
  readonly startingLba: number;
  /** Inclusive. */
  readonly endingLba: number;
  /** 64 bits ({@link GPT_ATTRIBUTE}). */
  readonly attributes: bigint;
  /** Up to 36 UTF-16 code units. */
  readonly partitionName: string;
}

/**
 * RFC 4122 text (upper case) of the 16 mixed-endian bytes at `at`.
 *
 * @example
 * ```ts
 * guidFromBytes(hex("28732ac11ff8d211ba4b00a0c93ec93b"), 0); // "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"
 * ```
 */
export function guidFromBytes(bytes: Uint8Array, at: number): string {
  const h = (i: number) => bytes[at + i].toString(16).padStart(2, "0");
  const field = (indexes: number[]) => indexes.map(h).join("");
  return [field([3, 2, 1, 0]), field([5, 4]), field([7, 6]), field([8, 9]), field([10, 11, 12, 13, 14, 15])]
    .join("-").toUpperCase();
}

function setUint64(view: DataView, at: number, value: number, what: string, structure: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`Cannot encode ${structure}: ${what} ${value} is not a non-negative safe integer`);
  }
  view.setBigUint64(at, BigInt(value), true);
}

function getUint64(view: DataView, at: number, field: string, structure: string, byteOffset: number): number {
  const value = view.getBigUint64(at, true);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new FormatError(`Cannot read ${structure}: ${field} ${value} is beyond 2^53`, {
      structure,
      field,
      byteOffset,
    });
  }
  return Number(value);
}

function checkUint32(value: number, what: string, structure: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new RangeError(`Cannot encode ${structure}: ${what} ${value} is not a uint32`);
  }
  return value;
}

/**
 * Encodes a GPT header into a 512-byte sector (92 bytes, then zeros), HeaderCRC32 computed.
 *
 * @example
 * ```ts
 * systemArea.set(encodeGptHeader(primary), 512);
 * ```
 */
export function encodeGptHeader(header: GptHeader): Uint8Array {
  const structure = "GPT header";
  const out = new Uint8Array(GPT_HEADER_SECTOR_BYTES);
  const view = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) out[i] = GPT_SIGNATURE.charCodeAt(i); // 0: Signature "EFI PART" (UEFI Table 5-5)
  view.setUint32(8, checkUint32(header.revision, "revision", structure), true); // 8: Revision, uint32 LE
  view.setUint32(12, GPT_HEADER_BYTES, true); // 12: HeaderSize 92, uint32 LE
  // 16: HeaderCRC32, filled below; 20: Reserved, 0
  setUint64(view, 24, header.myLba, "MyLBA", structure); // 24: MyLBA, uint64 LE
  setUint64(view, 32, header.alternateLba, "AlternateLBA", structure); // 32: AlternateLBA, uint64 LE
  setUint64(view, 40, header.firstUsableLba, "FirstUsableLBA", structure); // 40: FirstUsableLBA, uint64 LE
  setUint64(view, 48, header.lastUsableLba, "LastUsableLBA", structure); // 48: LastUsableLBA, uint64 LE
  out.set(guidToBytes(header.diskGuid), 56); // 56: DiskGUID, 16 bytes mixed-endian
  setUint64(view, 72, header.partitionEntryLba, "PartitionEntryLBA", structure); // 72: PartitionEntryLBA, uint64 LE
  view.setUint32(80, checkUint32(header.numberOfPartitionEntries, "entry count", structure), true); // 80: NumberOfPartitionEntries
  view.setUint32(84, checkUint32(header.sizeOfPartitionEntry, "entry size", structure), true); // 84: SizeOfPartitionEntry
  view.setUint32(88, checkUint32(header.partitionEntryArrayCrc32, "array CRC", structure), true); // 88: PartitionEntryArrayCRC32
  view.setUint32(16, crc32(out.subarray(0, GPT_HEADER_BYTES)), true); // 16: HeaderCRC32 over bytes 0-91 with this field 0
  return out; // 92..511: Reserved, zeros
}

/**
 * Decodes a GPT header at `at`. A wrong signature or a HeaderSize outside 92–512 is a
 * {@link FormatError}; a wrong HeaderCRC32 or non-zero reserved bytes are problems for the policy.
 *
 * @example
 * ```ts
 * const primary = decodeGptHeader(systemArea, 512, { strict: true });
 * ```
 */
export function decodeGptHeader(bytes: Uint8Array, at: number, policy: DecodePolicy = {}): GptHeader {
  const structure = "GPT Header";
  if (at < 0 || bytes.byteLength - at < GPT_HEADER_SECTOR_BYTES) {
    throw new FormatError(`Cannot read GPT header: 512 bytes needed at ${at}`, { structure, byteOffset: at });
  }
  const s = bytes.subarray(at, at + GPT_HEADER_SECTOR_BYTES);
  const view = new DataView(s.buffer, s.byteOffset, s.byteLength);
  if (String.fromCharCode(...s.subarray(0, 8)) !== GPT_SIGNATURE) {
    throw new FormatError(`Cannot read GPT header: signature is not "EFI PART"`, {
      structure,
      field: "Signature",
      byteOffset: at,
    });
  }
  const headerSize = view.getUint32(12, true);
  if (headerSize < GPT_HEADER_BYTES || headerSize > GPT_HEADER_SECTOR_BYTES) {
    throw new FormatError(`Cannot read GPT header: HeaderSize ${headerSize} is outside 92...512`, {
      structure,
      field: "HeaderSize",
      byteOffset: at + 12,
    });
  }
  const copy = s.slice(0, headerSize);
  copy.fill(0, 16, 20);
  const stored = view.getUint32(16, true);
  const computed = crc32(copy);
  if (stored !== computed) {
    reportProblem(
      policy,
      `Cannot verify GPT header: HeaderCRC32 is 0x${stored.toString(16)}, computed 0x${
        computed.toString(16)
      }`,
      { structure, field: "HeaderCRC32", byteOffset: at + 16 },
    );
  }
  if (view.getUint32(20, true) !== 0 || s.subarray(headerSize).some((b) => b !== 0)) {
    reportProblem(policy, "Cannot verify GPT header: reserved bytes are not zero", {
      structure,
      field: "Reserved",
      byteOffset: at + 20,
    });
  }
  return {
    revision: view.getUint32(8, true),
    myLba: getUint64(view, 24, "MyLBA", structure, at + 24),
    alternateLba: getUint64(view, 32, "AlternateLBA", structure, at + 32),
    firstUsableLba: getUint64(view, 40, "FirstUsableLBA", structure, at + 40),
    lastUsableLba: getUint64(view, 48, "LastUsableLBA", structure, at + 48),
    diskGuid: guidFromBytes(s, 56),
    partitionEntryLba: getUint64(view, 72, "PartitionEntryLBA", structure, at + 72),
    numberOfPartitionEntries: view.getUint32(80, true),
    sizeOfPartitionEntry: view.getUint32(84, true),
    partitionEntryArrayCrc32: view.getUint32(88, true),
  };
}

/**
 * Encodes one 128-byte partition entry (name as UTF-16LE, zero padded).
 *
 * @example
 * ```ts
 * encodeGptPartitionEntry(esp); // 28 73 2a c1 ... 41 00 70 00 70 00 ...
 * ```
 */
export function encodeGptPartitionEntry(entry: GptPartitionEntry): Uint8Array {
  const structure = "GPT partition entry";
  if (entry.partitionName.length > 36) {
    throw new RangeError(
      `Cannot encode ${structure}: name ${
        JSON.stringify(entry.partitionName)
      } is longer than 36 UTF-16 units`,
    );
  }
  if (entry.attributes < 0n || entry.attributes > 0xffffffffffffffffn) {
    throw new RangeError(`Cannot encode ${structure}: attributes ${entry.attributes} are not 64 bits`);
  }
  const out = new Uint8Array(GPT_PARTITION_ENTRY_BYTES);
  const view = new DataView(out.buffer);
  out.set(guidToBytes(entry.partitionTypeGuid), 0); // 0: PartitionTypeGUID (UEFI Table 5-6)
  out.set(guidToBytes(entry.uniquePartitionGuid), 16); // 16: UniquePartitionGUID
  setUint64(view, 32, entry.startingLba, "StartingLBA", structure); // 32: StartingLBA, uint64 LE
  setUint64(view, 40, entry.endingLba, "EndingLBA", structure); // 40: EndingLBA (inclusive), uint64 LE
  view.setBigUint64(48, entry.attributes, true); // 48: Attributes, 64 bits LE
  for (let i = 0; i < entry.partitionName.length; i++) {
    view.setUint16(56 + 2 * i, entry.partitionName.charCodeAt(i), true); // 56: PartitionName, 72 bytes UTF-16LE
  }
  return out;
}

/**
 * Decodes one partition entry at `at` (the name ends at the first zero code unit).
 *
 * @example
 * ```ts
 * const first = decodeGptPartitionEntry(systemArea, 1024);
 * ```
 */
export function decodeGptPartitionEntry(bytes: Uint8Array, at: number): GptPartitionEntry {
  const structure = "GPT Partition Entry";
  if (at < 0 || bytes.byteLength - at < GPT_PARTITION_ENTRY_BYTES) {
    throw new FormatError(`Cannot read GPT partition entry: 128 bytes needed at ${at}`, {
      structure,
      byteOffset: at,
    });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, GPT_PARTITION_ENTRY_BYTES);
  let name = "";
  for (let i = 0; i < 36; i++) {
    const unit = view.getUint16(56 + 2 * i, true);
    if (unit === 0) break;
    name += String.fromCharCode(unit);
  }
  return {
    partitionTypeGuid: guidFromBytes(bytes, at),
    uniquePartitionGuid: guidFromBytes(bytes, at + 16),
    startingLba: getUint64(view, 32, "StartingLBA", structure, at + 32),
    endingLba: getUint64(view, 40, "EndingLBA", structure, at + 40),
    attributes: view.getBigUint64(48, true),
    partitionName: name,
  };
}

/**
 * Encodes a partition entry array of `numberOfPartitionEntries` × 128 bytes: the given entries
 * first, zeros after.
 *
 * @example
 * ```ts
 * const array = encodeGptPartitionArray([iso, esp], 248); // 31 744 bytes
 * const arrayCrc = crc32(array);
 * ```
 */
export function encodeGptPartitionArray(
  entries: readonly GptPartitionEntry[],
  numberOfPartitionEntries: number,
): Uint8Array {
  if (entries.length > numberOfPartitionEntries) {
    throw new RangeError(
      `Cannot encode GPT partition array: ${entries.length} entries, room for ${numberOfPartitionEntries}`,
    );
  }
  const out = new Uint8Array(numberOfPartitionEntries * GPT_PARTITION_ENTRY_BYTES);
  entries.forEach((entry, i) => out.set(encodeGptPartitionEntry(entry), i * GPT_PARTITION_ENTRY_BYTES));
  return out;
}

/**
 * Decodes the `header`'s entry array from `bytes` at `at` (where its PartitionEntryLBA lies) and
 * checks PartitionEntryArrayCRC32 (a mismatch is a problem for the policy). Returns every entry,
 * unused ones (type {@link NIL_GUID}) included, so indexes are partition numbers − 1.
 *
 * @example
 * ```ts
 * const entries = decodeGptPartitionArray(systemArea, 1024, primary).filter((e) => e.partitionTypeGuid !== NIL_GUID);
 * ```
 */
export function decodeGptPartitionArray(
  bytes: Uint8Array,
  at: number,
  header: Pick<GptHeader, "numberOfPartitionEntries" | "sizeOfPartitionEntry" | "partitionEntryArrayCrc32">,
  policy: DecodePolicy = {},
): GptPartitionEntry[] {
  const structure = "GPT Partition Entry Array";
  const size = header.sizeOfPartitionEntry;
  if (size < GPT_PARTITION_ENTRY_BYTES || size % GPT_PARTITION_ENTRY_BYTES !== 0) {
    throw new FormatError(`Cannot read GPT partition array: SizeOfPartitionEntry ${size} is not 128 × 2^n`, {
      structure,
      field: "SizeOfPartitionEntry",
    });
  }
  const byteLength = header.numberOfPartitionEntries * size;
  if (at < 0 || bytes.byteLength - at < byteLength) {
    throw new FormatError(`Cannot read GPT partition array: ${byteLength} bytes needed at ${at}`, {
      structure,
      byteOffset: at,
    });
  }
  const computed = crc32(bytes.subarray(at, at + byteLength));
  if (computed !== header.partitionEntryArrayCrc32) {
    reportProblem(
      policy,
      `Cannot verify GPT partition array: CRC32 is 0x${computed.toString(16)}, header says 0x${
        header.partitionEntryArrayCrc32.toString(16)
      }`,
      { structure, field: "PartitionEntryArrayCRC32", byteOffset: at },
    );
  }
  const entries: GptPartitionEntry[] = [];
  for (let i = 0; i < header.numberOfPartitionEntries; i++) {
    entries.push(decodeGptPartitionEntry(bytes, at + i * size));
  }
  return entries;
}
