/**
 * USB stick images from an ISO (`disc usb`), planned as regions:
 * - **dd mode**: the ISO's bytes as they are (a hybrid ISO carries its own MBR/GPT), optionally
 *   padded to the stick size;
 * - **ISO mode** (as Rufus does): one FAT32 partition filling the stick, holding the ISO's files,
 *   behind an MBR (type 0x0C, active) or a GPT (EFI System partition when the ISO has
 *   EFI/BOOT/BOOTX64.EFI, else Microsoft basic data). UEFI firmware boots such a stick through
 *   \EFI\BOOT\BOOTX64.EFI.
 * The partition starts at 1 MiB (LBA 2048), as partitioning tools align it.
 * @module
 */

import { type Region, RegionList } from "../../image/regions.ts";
import { LayoutError } from "../../image/errors.ts";
import { crc32 } from "../hybrid/crc32.ts";
import {
  encodeGptHeader,
  encodeGptPartitionArray,
  GPT_PARTITION_ENTRY_BYTES,
  GPT_REVISION,
  type GptPartitionEntry,
} from "../hybrid/gpt.ts";
import {
  EMPTY_MBR_PARTITION_RECORD,
  encodeMasterBootRecord,
  MBR_BOOT_INDICATOR,
  MBR_PARTITION_TYPE,
  MBR_SIGNATURE,
  mbrPartitionRecordFor,
} from "../hybrid/mbr.ts";
import { type FatPlan, type FatTreeDirectory, planFat } from "../fat/planner.ts";

/** Sectors of the disk (512 bytes). */
export const USB_SECTOR_BYTES = 512;
/** The FAT partition starts here (1 MiB). */
export const USB_PARTITION_START_LBA = 2048;
/** GPT entries (128 × 128 bytes = 32 sectors). */
const GPT_ENTRY_COUNT = 128;
const GPT_ARRAY_SECTORS = (GPT_ENTRY_COUNT * GPT_PARTITION_ENTRY_BYTES) / USB_SECTOR_BYTES;
/** MBR type of a FAT32 partition addressed by LBA. */
export const MBR_TYPE_FAT32_LBA = 0x0c;
/** GPT type GUIDs. */
export const GPT_TYPE = {
  efiSystem: "C12A7328-F81F-11D2-BA4B-00A0C93EC93B",
  basicData: "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7",
} as const;
/** FAT32 needs at least 65,525 clusters; with 512-byte clusters that is about 33 MiB. */
export const USB_MIN_ISO_MODE_BYTES = 64 * 1024 * 1024;

/** What {@link planUsbIsoMode} needs. */
export interface UsbIsoModeRequest {
  /** The files to copy (the ISO's tree). */
  readonly root: FatTreeDirectory;
  /** Size of the stick image in bytes (a multiple of 512). */
  readonly diskByteLength: number;
  readonly table: "mbr" | "gpt";
  /** Volume label (11 characters at most), e.g. the ISO's volume id. */
  readonly volumeLabel?: string;
  /** For reproducible images: disk signature, GUIDs and FAT serial come from it. */
  readonly seed: number;
  /** One time for every FAT entry (SOURCE_DATE_EPOCH). */
  readonly timestamp?: Date;
  /** True when the ISO has EFI/BOOT/BOOTX64.EFI (GPT type: EFI System). */
  readonly uefiBootable: boolean;
  /**
   * BIOS boot: 440 bytes of MBR boot code (SYSLINUX's mbr.bin, or gptmbr.bin for GPT, whose
   * partition then gets the "legacy BIOS bootable" attribute). Default: none (zeros).
   */
  readonly biosBootCode?: Uint8Array;
}

/** The planned stick. */
export interface UsbPlan {
  readonly regions: RegionList;
  readonly fat: FatPlan;
  readonly partitionStartLba: number;
  readonly partitionSectorCount: number;
}

/** GPT partition attribute bit 2: "legacy BIOS bootable" (UEFI spec 5.3.3). */
export const GPT_LEGACY_BIOS_BOOTABLE = 1n << 2n;

/** A deterministic GUID (version 4 layout) from a seed and a salt. */
function guidFrom(seed: number, salt: number): string {
  const bytes = new Uint8Array(16);
  let x = (seed ^ Math.imul(salt, 0x9e3779b1)) >>> 0;
  for (let i = 0; i < 16; i++) {
    x = (Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    bytes[i] = x >>> 24;
  }
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("").toUpperCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Plans an ISO-mode stick: partition table, one FAT32 partition with the files, and for GPT the
 * backup header at the end.
 *
 * @throws {LayoutError} the size is too small for FAT32 or for the files.
 * @example
 * ```ts
 * const plan = planUsbIsoMode({ root, diskByteLength: 8 * 2 ** 30, table: "gpt", seed: 1, uefiBootable: true });
 * await writeRegionsToFile(plan.regions, "stick.img");
 * ```
 */
export function planUsbIsoMode(request: UsbIsoModeRequest): UsbPlan {
  const totalSectors = Math.floor(request.diskByteLength / USB_SECTOR_BYTES);
  if (request.diskByteLength < USB_MIN_ISO_MODE_BYTES) {
    throw new LayoutError(
      `Cannot make an ISO-mode stick of ${request.diskByteLength} bytes: FAT32 needs at least ${
        USB_MIN_ISO_MODE_BYTES / 1024 / 1024
      } MiB (give --size)`,
    );
  }
  const gpt = request.table === "gpt";
  const start = USB_PARTITION_START_LBA;
  // GPT keeps its backup array and header in the last 33 sectors.
  const end = gpt ? totalSectors - 1 - GPT_ARRAY_SECTORS : totalSectors; // exclusive
  const partitionSectors = end - start;
  const fat = planFat(request.root, {
    fatType: 32,
    size: { sectorCount: partitionSectors },
    volumeLabel: request.volumeLabel,
    volumeSerial: request.seed >>> 0,
    hiddenSectorCount: start,
    timestamp: request.timestamp,
  });
  if (fat.sectorCount !== partitionSectors) {
    throw new LayoutError(`FAT32 plan has ${fat.sectorCount} sectors, the partition ${partitionSectors}`);
  }
  const regions: Region[] = [];
  const head = new Uint8Array(start * USB_SECTOR_BYTES);
  const geometry = { headsPerCylinder: 255, sectorsPerHead: 63 };
  let tail: Uint8Array | undefined;
  if (!gpt) {
    const record = mbrPartitionRecordFor({
      osType: MBR_TYPE_FAT32_LBA,
      startingLba: start,
      sizeInLba: partitionSectors,
      geometry,
      bootIndicator: MBR_BOOT_INDICATOR.active,
    });
    head.set(
      encodeMasterBootRecord({
        bootCode: request.biosBootCode ?? new Uint8Array(440),
        uniqueMbrDiskSignature: request.seed >>> 0,
        unknown: 0,
        partitionRecords: [
          record,
          EMPTY_MBR_PARTITION_RECORD,
          EMPTY_MBR_PARTITION_RECORD,
          EMPTY_MBR_PARTITION_RECORD,
        ],
        signature: MBR_SIGNATURE,
      }),
      0,
    ); // LBA 0: MBR
  } else {
    const protective = mbrPartitionRecordFor({
      osType: MBR_PARTITION_TYPE.gptProtective,
      startingLba: 1,
      sizeInLba: Math.min(totalSectors - 1, 0xffffffff),
      geometry,
    });
    head.set(
      encodeMasterBootRecord({
        bootCode: request.biosBootCode ?? new Uint8Array(440),
        uniqueMbrDiskSignature: 0,
        unknown: 0,
        partitionRecords: [
          protective,
          EMPTY_MBR_PARTITION_RECORD,
          EMPTY_MBR_PARTITION_RECORD,
          EMPTY_MBR_PARTITION_RECORD,
        ],
        signature: MBR_SIGNATURE,
      }),
      0,
    ); // LBA 0: protective MBR
    const entry: GptPartitionEntry = {
      partitionTypeGuid: request.uefiBootable ? GPT_TYPE.efiSystem : GPT_TYPE.basicData,
      uniquePartitionGuid: guidFrom(request.seed, 2),
      startingLba: start,
      endingLba: end - 1,
      attributes: request.biosBootCode ? GPT_LEGACY_BIOS_BOOTABLE : 0n, // gptmbr.bin boots the one with bit 2
      partitionName: request.uefiBootable ? "EFI System" : "Basic data",
    };
    const array = encodeGptPartitionArray([entry], GPT_ENTRY_COUNT);
    const arrayCrc = crc32(array);
    const header = (myLba: number, alternateLba: number, partitionEntryLba: number) =>
      encodeGptHeader({
        revision: GPT_REVISION,
        myLba,
        alternateLba,
        firstUsableLba: 2 + GPT_ARRAY_SECTORS,
        lastUsableLba: totalSectors - 2 - GPT_ARRAY_SECTORS,
        diskGuid: guidFrom(request.seed, 1),
        partitionEntryLba,
        numberOfPartitionEntries: GPT_ENTRY_COUNT,
        sizeOfPartitionEntry: GPT_PARTITION_ENTRY_BYTES,
        partitionEntryArrayCrc32: arrayCrc,
      });
    head.set(header(1, totalSectors - 1, 2), USB_SECTOR_BYTES); // LBA 1: primary header
    head.set(array, 2 * USB_SECTOR_BYTES); // LBA 2–33: entries
    tail = new Uint8Array((GPT_ARRAY_SECTORS + 1) * USB_SECTOR_BYTES);
    tail.set(array, 0); // backup entries, then the backup header in the last sector
    tail.set(
      header(totalSectors - 1, 1, totalSectors - 1 - GPT_ARRAY_SECTORS),
      GPT_ARRAY_SECTORS * USB_SECTOR_BYTES,
    );
  }
  regions.push({ kind: "bytes", label: gpt ? "protective MBR + GPT" : "MBR", bytes: head });
  regions.push(...fat.regions.regions);
  if (tail) regions.push({ kind: "bytes", label: "backup GPT", bytes: tail });
  const list = new RegionList(regions);
  if (list.byteLength !== totalSectors * USB_SECTOR_BYTES) {
    throw new LayoutError(
      `USB image is ${list.byteLength} bytes, planned ${totalSectors * USB_SECTOR_BYTES}`,
    );
  }
  return { regions: list, fat, partitionStartLba: start, partitionSectorCount: partitionSectors };
}

/**
 * True when the first sector of an image carries an MBR partition table (55 AA and a non-empty
 * record): a hybrid ISO that boots when copied to a stick.
 *
 * @example
 * ```ts
 * if (!isHybridImage(firstSector)) console.warn("not a hybrid ISO: it will not boot from USB");
 * ```
 */
export function isHybridImage(firstSector: Uint8Array): boolean {
  if (firstSector.byteLength < 512 || firstSector[510] !== 0x55 || firstSector[511] !== 0xaa) return false;
  for (let i = 0; i < 4; i++) if (firstSector[446 + 16 * i + 4] !== 0) return true;
  return false;
}

/**
 * dd mode: the image's bytes, padded with zeros to `diskByteLength` when given.
 *
 * @throws {LayoutError} the stick is smaller than the image.
 * @example
 * ```ts
 * const regions = planUsbDdMode(isoRegions, 8 * 2 ** 30);
 * ```
 */
export function planUsbDdMode(image: RegionList, diskByteLength?: number): RegionList {
  if (diskByteLength === undefined) return image;
  if (diskByteLength < image.byteLength) {
    throw new LayoutError(`Cannot copy a ${image.byteLength}-byte image to a ${diskByteLength}-byte stick`);
  }
  const rest = diskByteLength - image.byteLength;
  if (rest === 0) return image;
  return new RegionList([...image.regions, { kind: "zero", label: "rest of the stick", byteLength: rest }]);
}
