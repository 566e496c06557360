/**
 * What xorriso writes into the system area (LBA 0–15, 32 KiB) and behind the ISO filesystem
 * (cylinder padding, appended partitions, `-pad`, GPT backup) for the x86 family of
 * `xorriso -as mkisofs` options: `-isohybrid-mbr` (+ `-isohybrid-gpt-basdat`/`-hfsplus`,
 * `-isohybrid-apm-hfsplus`), `--grub2-mbr`, `-G`, `--protective-msdos-label`, `-efi-boot-part`,
 * `-append_partition` (+ `-appended_part_as_gpt`), `-iso_mbr_part_type`, `--mbr-force-bootable`,
 * `-partition_offset`, `-partition_cyl_align`, `-partition_hd_cyl`, `-partition_sec_hd`.
 *
 * The rules follow libisofs 1.5.x (`system_area.c`, `make_isohybrid_mbr.c`, `ecma119.c`) as
 * xorriso 1.5.4 applies them, checked byte for byte against xorriso images
 * (`layout_xorriso_test.ts`). {@link planSystemArea} is pure: random numbers (MBR id, GPT GUIDs)
 * are inputs; {@link mbrIdFromVolumeUuid} and {@link gptDiskGuidFromVolumeUuid} derive them from
 * `--modification-date` the way xorriso does.
 *
 * Order of what follows the ISO filesystem's data (libisofs writers): cylinder-alignment zeros,
 * appended partitions (each optionally preceded by alignment zeros), `-pad` (150 blocks), the
 * GPT backup (when there is a GPT). Without appended partitions all of it belongs to the ISO
 * volume; with them the volume ends after the alignment zeros.
 * @module
 */

import type { MkisofsOptions, PartitionType } from "../mkisofs/options.ts";
import { PARTITION_TYPE_GUID } from "../mkisofs/options.ts";
import { encodeApmPartitionMapEntry, encodeDriverDescriptorRecord } from "./apm.ts";
import { crc32 } from "./crc32.ts";
import {
  encodeGptHeader,
  encodeGptPartitionArray,
  GPT_ATTRIBUTE,
  GPT_REVISION,
  type GptPartitionEntry,
  guidFromBytes,
  guidToBytes,
} from "./gpt.ts";
import {
  chsFromLba,
  type DiskGeometry,
  encodeMbrPartitionRecord,
  MBR_BOOT_INDICATOR,
  MBR_PARTITION_TYPE,
  mbrPartitionRecordFor,
} from "./mbr.ts";

/** Bytes of the system area (LBA 0–15). */
export const SYSTEM_AREA_BYTES = 16 * 2048;
/** Blocks xorriso's `-pad` (the default) appends: 300 KiB. */
export const PAD_BLOCK_COUNT = 150;
/** The geometry xorriso starts from: 64 heads × 32 sectors (1 MiB cylinders). */
export const DEFAULT_GEOMETRY: DiskGeometry = { headsPerCylinder: 64, sectorsPerHead: 32 };

/**
 * The options {@link planSystemArea} reads (a {@link MkisofsOptions} fits as is).
 *
 * @example
 * ```ts
 * const options: SystemAreaOptions = parseMkisofsArgs(args);
 * ```
 */
export type SystemAreaOptions = Pick<
  MkisofsOptions,
  | "boot"
  | "appendedPartitions"
  | "systemAreaFile"
  | "isohybridMbr"
  | "grub2Mbr"
  | "protectiveMsdosLabel"
  | "mbrForceBootable"
  | "partitionOffsetLba"
  | "partitionHeadsPerCylinder"
  | "partitionSectorsPerHead"
  | "partitionCylAlign"
  | "appendedPartAsGpt"
  | "appendedPartAsApm"
  | "isoMbrPartType"
  | "partLikeIsohybrid"
  | "efiBootPart"
  | "prepBootPart"
  | "chrpBootPart"
  | "pad"
>;

/**
 * Where a boot image file (or another file the tables describe) lies in the image.
 *
 * @example
 * ```ts
 * const isolinux: FileExtent = { lba: 4155, byteLength: 38912 };
 * ```
 */
export interface FileExtent {
  /** 2048-byte LBA of the file's (first and only) extent. */
  readonly lba: number;
  readonly byteLength: number;
}

/**
 * Everything {@link planSystemArea} needs: options, where the planner put things, and the
 * deterministic stand-ins for xorriso's random numbers.
 *
 * @example
 * ```ts
 * const input: SystemAreaInput = {
 *   options,
 *   dataEndLba: 792,
 *   bootImages: [{ lba: 757, byteLength: 38912 }, { lba: 37, byteLength: 1474560 }],
 *   appendedPartitionByteLengths: [],
 *   template: isohdpfxBytes,
 *   gptDiskGuid: "342CE9AF-002E-43B6-AC2F-0583D181C5CF",
 *   mbrId: 0x0c3c8ba9,
 * };
 * ```
 */
export interface SystemAreaInput {
  readonly options: SystemAreaOptions;
  /**
   * The first block after the ISO filesystem's data: where libisofs' file writer stopped (end of
   * the last file extent, or of the directories/catalog when they come last). Absolute LBA.
   */
  readonly dataEndLba: number;
  /**
   * Parallel to `options.boot`: the extent of each boot image that is a file in the ISO tree;
   * undefined for images that are appended partitions.
   */
  readonly bootImages: readonly (FileExtent | undefined)[];
  /** Parallel to `options.appendedPartitions`: the byte length of each partition's host file. */
  readonly appendedPartitionByteLengths: readonly number[];
  /**
   * `-efi-boot-part HOST_FILE`: where the planner placed the file's data (libisofs puts it after
   * the directory trees, before the file data). For `--efi-boot-image` the first 0xEF file image
   * of `bootImages` is used and this may be left out.
   */
  readonly efiBootPartition?: FileExtent;
  /** The system area file (`-isohybrid-mbr`, `--grub2-mbr`, `-G`): its first 32 KiB suffice. */
  readonly template?: Uint8Array;
  /**
   * GPT disk GUID (RFC 4122 text). Partition GUIDs are derived from it as xorriso derives them:
   * the on-disk bytes with the 1-based entry number XORed into bytes 9–12 (little-endian).
   */
  readonly gptDiskGuid: string;
  /** MBR disk signature (offset 440) xorriso writes into isohybrid MBRs. */
  readonly mbrId: number;
}

/**
 * An appended partition as placed.
 *
 * @example
 * ```ts
 * const esp: PlannedAppendedPartition = { partitionNumber: 2, lba: 1024, blockCount: 720, prepadBlockCount: 0, byteLength: 1474560 };
 * ```
 */
export interface PlannedAppendedPartition {
  readonly partitionNumber: number;
  /** First 2048-byte block of the partition. */
  readonly lba: number;
  /** Blocks of the partition: the file rounded up (to whole cylinders with `-partition_cyl_align all`). */
  readonly blockCount: number;
  /** Zero blocks written before the partition (cylinder alignment with `all`). */
  readonly prepadBlockCount: number;
  /** Bytes of the host file; the rest of the partition is zeros. */
  readonly byteLength: number;
}

/**
 * One region behind the ISO filesystem's data, in writing order.
 *
 * @example
 * ```ts
 * for (const r of plan.tailRegions) if (r.kind === "zeros") regions.zeros(r.purpose, r.blockCount * 2048);
 * ```
 */
export type TailRegion =
  | {
    readonly kind: "zeros";
    readonly purpose: "cylinder alignment" | "partition alignment" | "padding";
    readonly lba: number;
    readonly blockCount: number;
  }
  | { readonly kind: "appendedPartition"; readonly partition: PlannedAppendedPartition }
  | { readonly kind: "gptBackup"; readonly lba: number; readonly bytes: Uint8Array };

/**
 * With `-partition_offset`: the second volume descriptor set the planner must write (see the
 * report in this module's tests and the lead's notes): PVD, Joliet SVD (if any) and a terminator
 * from `lba` on, every LBA in them and in their directory trees and path tables relative to
 * `partitionOffsetLba`.
 *
 * @example
 * ```ts
 * const set: PartitionDescriptorSet = { lba: 32, partitionOffsetLba: 16, volumeSpaceBlockCount: 1008 };
 * ```
 */
export interface PartitionDescriptorSet {
  /** Absolute LBA of the second PVD: partition offset + 16. */
  readonly lba: number;
  readonly partitionOffsetLba: number;
  /** Volume Space Size of the second PVD and SVD: the ISO volume minus the offset. */
  readonly volumeSpaceBlockCount: number;
}

/**
 * What {@link planSystemArea} decided.
 *
 * @example
 * ```ts
 * const plan = planSystemArea(input);
 * image.set(plan.systemArea, 0);
 * ```
 */
export interface SystemAreaPlan {
  /** The 32 768 bytes of LBA 0–15 (template, MBR, APM, primary GPT). */
  readonly systemArea: Uint8Array;
  /** The geometry the CHS fields use (xorriso may enlarge the head count for big images). */
  readonly geometry: DiskGeometry;
  /** Zero blocks right after `dataEndLba` (cylinder alignment). */
  readonly alignmentBlockCount: number;
  /** First block after the alignment zeros (the ISO volume's end when partitions are appended). */
  readonly alignedEndLba: number;
  readonly appendedPartitions: readonly PlannedAppendedPartition[];
  /** `-pad` zeros (150 blocks, or 0 with `-no-pad`), after the appended partitions. */
  readonly padBlockCount: number;
  /** The GPT backup (entry array + header in its last 512 bytes), the very end of the image. */
  readonly gptBackup?: { readonly lba: number; readonly bytes: Uint8Array };
  /** Blocks of the whole image file. */
  readonly totalBlockCount: number;
  /**
   * Volume Space Size of the (first) PVD: the whole image with `-partition_offset` or
   * `--protective-msdos-label`, else {@link SystemAreaPlan.volumeSpaceBlockCount}.
   */
  readonly primaryVolumeSpaceBlockCount: number;
  /**
   * The ISO volume: up to `alignedEndLba` when partitions are appended, else the whole image
   * (padding and GPT backup included). Volume Space Size of the Joliet SVD.
   */
  readonly volumeSpaceBlockCount: number;
  /** With `-partition_offset`: the second descriptor set to write. */
  readonly partitionDescriptorSet?: PartitionDescriptorSet;
  /** Everything after `dataEndLba`, in order. */
  readonly tailRegions: readonly TailRegion[];
  /** xorriso's notes and warnings ("Automatically adjusted MBR geometry ...", ...). */
  readonly diagnostics: readonly string[];
}

// ---------------------------------------------------------------------------------------------
// xorriso's deterministic ids
// ---------------------------------------------------------------------------------------------

/**
 * The MBR id xorriso writes when `--modification-date` (the volume "uuid") is set: the CRC-32 of
 * its 16 ASCII digits.
 *
 * @example
 * ```ts
 * mbrIdFromVolumeUuid("2026112319382700"); // 0x43e8880c
 * ```
 */
export function mbrIdFromVolumeUuid(volumeUuid: string): number {
  return crc32(volumeUuidBytes(volumeUuid));
}

/**
 * The GPT disk GUID of `--gpt_disk_guid modification-date`: the 16 digits as bytes, the
 * centiseconds moved to bytes 9–10, marked as version 4 / variant 10 (bytes 7 and 8).
 *
 * @example
 * ```ts
 * gptDiskGuidFromVolumeUuid("2026112319382700"); // "36323032-3131-4332-B130-303933383237"
 * ```
 */
export function gptDiskGuidFromVolumeUuid(volumeUuid: string): string {
  const uuid = volumeUuidBytes(volumeUuid);
  const bytes = new Uint8Array(16);
  bytes.set(uuid.subarray(0, 9), 0);
  bytes.set(uuid.subarray(14, 16), 9);
  bytes.set(uuid.subarray(9, 14), 11);
  bytes[7] = (bytes[7] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  return guidFromBytes(bytes, 0);
}

function volumeUuidBytes(volumeUuid: string): Uint8Array {
  if (!/^[0-9]{16}$/.test(volumeUuid)) {
    throw new TypeError(
      `Cannot derive id: volume uuid must be 16 digits YYYYMMDDhhmmsscc, got ${JSON.stringify(volumeUuid)}`,
    );
  }
  return Uint8Array.from(volumeUuid, (c) => c.charCodeAt(0));
}

/**
 * The GUID xorriso gives the `n`-th GPT partition entry it writes (1-based): the disk GUID's
 * on-disk bytes with `n` XORed into bytes 9–12, little-endian.
 *
 * @example
 * ```ts
 * gptPartitionGuid("2E946617-D296-406C-9639-93BA606EEE81", 1); // "2E946617-D296-406C-9638-93BA606EEE81"
 * ```
 */
export function gptPartitionGuid(diskGuid: string, n: number): string {
  const bytes = guidToBytes(diskGuid);
  bytes[9] ^= n & 0xff;
  bytes[10] ^= (n >>> 8) & 0xff;
  bytes[11] ^= (n >>> 16) & 0xff;
  bytes[12] ^= (n >>> 24) & 0xff;
  return guidFromBytes(bytes, 0);
}

// ---------------------------------------------------------------------------------------------
// The planner
// ---------------------------------------------------------------------------------------------

const PREFIX = "Cannot plan system area";
const ISO_ATTRIBUTES = GPT_ATTRIBUTE.requiredPartition | GPT_ATTRIBUTE.readOnly;
/** The block count libisofs gives the open-ended "ISOHybrid" GPT request (later truncated). */
const OPEN_ENDED_SECTOR_COUNT = 4 * 0xffffffff;
/** The first 32 bytes of isohdpfx.bin that an APM head may replace. */
const APM_READY_MBR_START = Uint8Array.from([0x33, 0xed, ...new Array(30).fill(0x90)]);
/** What xorriso writes over them for `-isohybrid-apm-hfsplus`: "ER", 2048-byte blocks, x86 NOPs. */
const ISOHYBRID_APM_HEAD = (() => {
  const head = new Uint8Array(32);
  head.set(
    encodeDriverDescriptorRecord({
      blockByteLength: 2048,
      blockCount: 0x9090,
      deviceType: 0,
      deviceId: 0,
      data: 0,
      driverCount: 0,
    }),
  );
  return head;
})();

interface GptRequest {
  readonly startLba: number;
  readonly sectorCount: number;
  readonly typeGuid: string;
  readonly attributes: bigint;
  readonly name: string;
}

interface ApmRequest {
  startBlock: number;
  blockCount: number;
  readonly name: string;
  readonly type: string;
}

interface MbrRequest {
  readonly startLba: number;
  sectorCount: number;
  readonly type: number;
  readonly status: number;
}

interface BootImage {
  readonly platformId: number;
  readonly file?: FileExtent;
  readonly appended?: PlannedAppendedPartition;
  readonly appendedNumber?: number;
  readonly isohybridGpt?: "basicData" | "hfsplus";
  readonly isohybridApmHfsplus: boolean;
}

function fail(reason: string): never {
  throw new RangeError(`${PREFIX}: ${reason}`);
}

function checkBlock(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${PREFIX}: ${what} ${value} is not a block number`);
  }
}

/** The MBR type byte of an appended partition or of `-iso_mbr_part_type` (GUIDs map as xorriso maps them). */
function mbrTypeOf(type: PartitionType): number {
  if (type.kind === "mbr") return type.code;
  return type.guid === PARTITION_TYPE_GUID.efiSystem
    ? MBR_PARTITION_TYPE.efiSystem
    : MBR_PARTITION_TYPE.linux;
}

/** Stable sort by start, larger first on equal starts (libisofs `cmp_partition_request`). */
function sortRequests<T extends { readonly startLba: number; readonly sectorCount: number }>(
  list: T[],
): void {
  list.sort((a, b) => a.startLba - b.startLba || b.sectorCount - a.sectorCount);
}

/**
 * Plans the system area and the image tail as xorriso would write them. Throws a RangeError for
 * combinations xorriso refuses (and for the few discwright does not support: PReP/CHRP,
 * `-part_like_isohybrid`, `-appended_part_as_apm`, appended partitions 5–8).
 *
 * @example
 * ```ts
 * const plan = planSystemArea({
 *   options: parseMkisofsArgs(["-b", "isolinux/isolinux.bin", "-no-emul-boot", "-isohybrid-mbr", "isohdpfx.bin", "tree"]),
 *   dataEndLba: 792,
 *   bootImages: [{ lba: 37, byteLength: 38912 }],
 *   appendedPartitionByteLengths: [],
 *   template: await Deno.readFile("/usr/lib/ISOLINUX/isohdpfx.bin"),
 *   gptDiskGuid: gptDiskGuidFromVolumeUuid("2026112319382700"),
 *   mbrId: mbrIdFromVolumeUuid("2026112319382700"),
 * });
 * plan.totalBlockCount; // 1024: padded to whole 1 MiB cylinders
 * ```
 */
export function planSystemArea(input: SystemAreaInput): SystemAreaPlan {
  const o = input.options;
  const diagnostics: string[] = [];
  if (o.prepBootPart !== undefined || o.chrpBootPart) fail("PReP and CHRP partitions are not supported");
  if (o.partLikeIsohybrid) fail('"-part_like_isohybrid" is not supported');
  if (o.appendedPartAsApm) fail('"-appended_part_as_apm" is not supported');
  checkBlock(input.dataEndLba, "data end LBA");
  if (input.bootImages.length !== o.boot.length) {
    throw new TypeError(
      `${PREFIX}: ${input.bootImages.length} boot image extents for ${o.boot.length} boot entries`,
    );
  }
  if (input.appendedPartitionByteLengths.length !== o.appendedPartitions.length) {
    throw new TypeError(
      `${PREFIX}: byte lengths for ${input.appendedPartitionByteLengths.length} of ${o.appendedPartitions.length} appended partitions`,
    );
  }
  if (!Number.isInteger(input.mbrId) || input.mbrId < 0 || input.mbrId > 0xffffffff) {
    throw new RangeError(`${PREFIX}: MBR id ${input.mbrId} is not a uint32`);
  }
  const isohybrid = o.isohybridMbr !== undefined;
  const grub2 = o.grub2Mbr !== undefined;
  const protective = o.protectiveMsdosLabel;
  if ((isohybrid || grub2 || o.systemAreaFile !== undefined) && input.template === undefined) {
    throw new TypeError(`${PREFIX}: the system area file's bytes were not given`);
  }
  const offset = o.partitionOffsetLba;
  if (offset !== 0 && (offset < 16 || !Number.isInteger(offset))) {
    fail(`partition offset ${offset} is neither 0 nor 16 or more`);
  }
  const isoMbrCode = o.isoMbrPartType === undefined ? undefined : mbrTypeOf(o.isoMbrPartType);
  const isoGptTypeGuid = o.isoMbrPartType?.kind === "gpt" ? o.isoMbrPartType.guid : undefined;
  const padBlockCount = o.pad ? PAD_BLOCK_COUNT : 0;
  let geometry: DiskGeometry = {
    headsPerCylinder: o.partitionHeadsPerCylinder || DEFAULT_GEOMETRY.headsPerCylinder,
    sectorsPerHead: o.partitionSectorsPerHead || DEFAULT_GEOMETRY.sectorsPerHead,
  };

  // Appended partitions, in partition number order.
  const appendedInput = o.appendedPartitions.map((p, i) => ({
    ...p,
    byteLength: input.appendedPartitionByteLengths[i],
  }))
    .sort((a, b) => a.partitionNumber - b.partitionNumber);
  for (const p of appendedInput) {
    if (p.partitionNumber < 1 || p.partitionNumber > 4) {
      fail(`appended partition number ${p.partitionNumber} is out of range [1 - 4]`);
    }
    const blocks = Math.ceil(p.byteLength / 2048);
    if (!Number.isSafeInteger(p.byteLength) || blocks === 0 || blocks > 0x3fffffff) {
      fail(`appended partition ${p.partitionNumber} has ${p.byteLength} bytes (1 byte ... 2 TiB allowed)`);
    }
  }
  const hasAppended = appendedInput.length > 0;
  const appendedAsGpt = o.appendedPartAsGpt && hasAppended;
  const backupOutside = hasAppended;

  // Boot images.
  const planned = new Map<number, PlannedAppendedPartition>();
  const bootImages = (): BootImage[] =>
    o.boot.map((entry, i) => ({
      platformId: entry.platformId,
      file: input.bootImages[i],
      appendedNumber: entry.image.kind === "appendedPartition" ? entry.image.partitionNumber : undefined,
      appended: entry.image.kind === "appendedPartition"
        ? planned.get(entry.image.partitionNumber)
        : undefined,
      isohybridGpt: entry.isohybridGpt,
      isohybridApmHfsplus: entry.isohybridApmHfsplus,
    }));
  o.boot.forEach((entry, i) => {
    if (entry.image.kind === "isoPath" && input.bootImages[i] === undefined) {
      throw new TypeError(
        `${PREFIX}: the extent of boot image ${i + 1} (${entry.image.isoPath}) was not given`,
      );
    }
    if (entry.image.kind === "appendedPartition") {
      const n = entry.image.partitionNumber;
      if (!appendedInput.some((p) => p.partitionNumber === n)) {
        fail(`boot image ${i + 1} is appended partition ${n}, which does not exist`);
      }
    }
  });
  const firstBoot = o.boot.length > 0 ? input.bootImages[0] : undefined;
  if ((isohybrid || grub2) && firstBoot === undefined) {
    fail(
      `${
        isohybrid ? "-isohybrid-mbr" : "--grub2-mbr"
      } needs a first El Torito boot image that is a file in the ISO`,
    );
  }

  // -efi-boot-part: libisofs' partition prepend writer asks for a GPT entry and a 0xEE MBR entry.
  const gptRequests: GptRequest[] = [];
  const mbrRequests: MbrRequest[] = [];
  if (o.efiBootPart !== undefined) {
    let extent = input.efiBootPartition;
    if (o.efiBootPart.kind === "firstEfiBootImage" && extent === undefined) {
      const index = o.boot.findIndex((e, i) => e.platformId === 0xef && input.bootImages[i] !== undefined);
      if (index < 0) fail("-efi-boot-part --efi-boot-image needs an El Torito EFI boot image that is a file");
      extent = input.bootImages[index];
    }
    if (extent === undefined) {
      throw new TypeError(`${PREFIX}: the extent of the -efi-boot-part file was not given`);
    }
    gptRequests.push({
      startLba: extent.lba * 4,
      sectorCount: Math.ceil(extent.byteLength / 2048) * 4,
      typeGuid: PARTITION_TYPE_GUID.efiSystem,
      attributes: ISO_ATTRIBUTES,
      name: "EFI boot partition",
    });
    mbrRequests.push({ startLba: 1, sectorCount: 0, type: MBR_PARTITION_TYPE.gptProtective, status: 0 });
  }
  if (isohybrid && mbrRequests.length > 0) fail("-isohybrid-mbr cannot be combined with -efi-boot-part");

  // libisofs precompute_gpt(): isohybrid GPT/APM requests, appended partitions, APM, GPT size.
  const apmRequests: ApmRequest[] = [];
  let isohybridGptCount = 0; // gpt_count of make_isolinux_mbr: images + the overall entry
  const isohybridGptImages: number[] = [];
  let isohybridApmCount = 0;
  let allowGptOverlap = false;
  let gpt: { partStart: number; maxEntries: number; backupBlockCount: number } | undefined;
  const precompute = () => {
    const images = bootImages();
    if (isohybrid) {
      if (
        gptRequests.length > 0 && images.some((b) => b.isohybridGpt && !(b.appendedNumber && appendedAsGpt))
      ) {
        fail("isohybrid GPT entries collide with other GPT partitions");
      }
      let count = 0;
      images.forEach((image, i) => {
        if (image.isohybridGpt && !(image.appendedNumber !== undefined && appendedAsGpt)) {
          count++;
          isohybridGptImages.push(i);
          const extent = image.appended
            ? { startLba: image.appended.lba * 4, sectorCount: image.appended.blockCount * 4 }
            : image.file
            ? { startLba: image.file.lba * 4, sectorCount: Math.floor(image.file.byteLength / 2048) * 4 }
            : undefined;
          if (extent) {
            gptRequests.push({
              ...extent,
              typeGuid: image.isohybridGpt === "hfsplus"
                ? PARTITION_TYPE_GUID.appleHfsPlus
                : PARTITION_TYPE_GUID.basicData,
              attributes: ISO_ATTRIBUTES,
              name: `ISOHybrid${count}`,
            });
          }
        }
        if (image.isohybridApmHfsplus) {
          isohybridApmCount++;
          const extent = image.appended
            ? { startBlock: image.appended.lba, blockCount: image.appended.blockCount }
            : image.file
            ? { startBlock: image.file.lba, blockCount: Math.floor(image.file.byteLength / 2048) }
            : undefined;
          if (extent) apmRequests.push({ ...extent, name: "EFI", type: "Apple_HFS" });
        }
      });
      if (count > 0) {
        isohybridGptCount = count + 1;
        gptRequests.push({
          startLba: offset * 4,
          sectorCount: OPEN_ENDED_SECTOR_COUNT,
          typeGuid: PARTITION_TYPE_GUID.basicData,
          attributes: ISO_ATTRIBUTES,
          name: "ISOHybrid",
        });
        allowGptOverlap = true;
      }
    }
    if (backupOutside && (gptRequests.length > 0 || appendedAsGpt)) {
      for (const p of plannedAppended) {
        const startLba = p.lba * 4;
        const sectorCount = p.blockCount * 4;
        if (gptRequests.some((r) => r.startLba === startLba && r.sectorCount === sectorCount)) continue;
        const type = appendedInput.find((a) => a.partitionNumber === p.partitionNumber)!.type;
        gptRequests.push({
          startLba,
          sectorCount,
          typeGuid: type.kind === "gpt"
            ? type.guid
            : type.code === MBR_PARTITION_TYPE.efiSystem
            ? PARTITION_TYPE_GUID.efiSystem
            : PARTITION_TYPE_GUID.basicData,
          attributes: 0n,
          name: `Appended${p.partitionNumber}`,
        });
      }
    }
    if (apmRequests.length > 0) {
      // rectify_apm(): the map describes itself from block 1; isohybrid APM fills no gaps.
      if (!apmRequests.some((r) => r.startBlock <= 1)) {
        apmRequests.push({ startBlock: 1, blockCount: 0, name: "Apple", type: "Apple_partition_map" });
      }
      apmRequests.sort((a, b) => a.startBlock - b.startBlock || b.blockCount - a.blockCount);
    }
    if (gptRequests.length > 0) {
      let partStart = apmRequests.length > 0 ? (apmRequests.length + 1) * 4 : 2;
      if (partStart < 2) partStart = 2;
      if (partStart >= 64) fail("too many APM entries leave no room for a GPT");
      const maxEntries = (64 - partStart) * 4;
      gpt = { partStart, maxEntries, backupBlockCount: Math.ceil(((maxEntries / 4 + 1) * 512) / 2048) };
    }
  };
  let plannedAppended: PlannedAppendedPartition[] = [];
  if (!backupOutside) precompute();

  // iso_align_isohybrid(): geometry and cylinder alignment of the ISO part.
  const alignMode = o.partitionCylAlign;
  const alignedBlocks = input.dataEndLba + (hasAppended ? 0 : padBlockCount + (gpt?.backupBlockCount ?? 0));
  const imageBytes = alignedBlocks * 2048;
  if (
    !appendedAsGpt && (isohybrid || protective || alignMode !== "auto") &&
    geometry.headsPerCylinder * geometry.sectorsPerHead * 1024 * 512 < imageBytes
  ) {
    const heads32 = headsForSectors(imageBytes, 32);
    if (heads32 !== undefined) geometry = { headsPerCylinder: heads32, sectorsPerHead: 32 };
    else geometry = { headsPerCylinder: headsForSectors(imageBytes, 63) ?? 255, sectorsPerHead: 63 };
    const cylinderBytes = geometry.headsPerCylinder * geometry.sectorsPerHead * 512;
    diagnostics.push(
      `Automatically adjusted MBR geometry to ${
        Math.ceil(imageBytes / cylinderBytes)
      }/${geometry.headsPerCylinder}/${geometry.sectorsPerHead}`,
    );
  }
  let alignmentBlockCount = 0;
  let postPadBytes = 0; // libisofs post_iso_part_pad
  if (alignMode !== "off" && (isohybrid || alignMode === "on" || alignMode === "all")) {
    const cylinderBytes = geometry.headsPerCylinder * geometry.sectorsPerHead * 512;
    if (imageBytes / cylinderBytes > 1024) {
      diagnostics.push("Image size exceeds 1024 cylinders. Cannot align partition.");
      diagnostics.push("There are said to be BIOSes which will not boot this via MBR.");
    } else {
      const frac = imageBytes % cylinderBytes;
      const extra = frac > 0 ? cylinderBytes - frac : 0;
      if (extra > 0) {
        if (extra % 2048) {
          postPadBytes = 2048 - (extra % 2048);
          diagnostics.push(
            `Cylinder aligned image size is not divisible by 2048. Have to add ${postPadBytes} bytes.`,
          );
        }
        alignmentBlockCount = Math.ceil(extra / 2048);
        diagnostics.push(`Aligned image size to cylinder size by ${alignmentBlockCount} blocks`);
      }
    }
  }
  const alignedEndLba = input.dataEndLba + alignmentBlockCount;

  // iso_compute_append_partitions(): appended partitions after the aligned ISO.
  const tailRegions: TailRegion[] = [];
  if (alignmentBlockCount > 0) {
    tailRegions.push({
      kind: "zeros",
      purpose: "cylinder alignment",
      lba: input.dataEndLba,
      blockCount: alignmentBlockCount,
    });
  }
  const cylinderSectors = geometry.headsPerCylinder * geometry.sectorsPerHead;
  const cylinderBlocks = alignMode === "all" && cylinderSectors % 4 === 0 ? cylinderSectors / 4 : 0;
  let position = alignedEndLba;
  plannedAppended = appendedInput.map((p) => {
    const prepad = cylinderBlocks > 0 && position % cylinderBlocks
      ? cylinderBlocks - (position % cylinderBlocks)
      : 0;
    let blockCount = Math.ceil(p.byteLength / 2048);
    if (cylinderBlocks > 0 && blockCount % cylinderBlocks) {
      blockCount += cylinderBlocks - (blockCount % cylinderBlocks);
    }
    const partition: PlannedAppendedPartition = {
      partitionNumber: p.partitionNumber,
      lba: position + prepad,
      blockCount,
      prepadBlockCount: prepad,
      byteLength: p.byteLength,
    };
    if (prepad > 0) {
      tailRegions.push({ kind: "zeros", purpose: "partition alignment", lba: position, blockCount: prepad });
    }
    tailRegions.push({ kind: "appendedPartition", partition });
    position += prepad + blockCount;
    planned.set(p.partitionNumber, partition);
    return partition;
  });
  if (padBlockCount > 0) {
    tailRegions.push({ kind: "zeros", purpose: "padding", lba: position, blockCount: padBlockCount });
  }
  position += padBlockCount;
  if (backupOutside) precompute();
  const gptBackupLba = position;
  if (gpt) position += gpt.backupBlockCount;
  const totalBlockCount = position;
  const volumeSpaceBlockCount = hasAppended ? alignedEndLba : totalBlockCount;
  const images = bootImages();

  // iso_write_system_area()
  const sa = new Uint8Array(SYSTEM_AREA_BYTES);
  if (input.template) sa.set(input.template.subarray(0, SYSTEM_AREA_BYTES));
  const view = new DataView(sa.buffer);
  const imgBlocks = volumeSpaceBlockCount;
  const setRecord = (slot: number, bytes: Uint8Array) => sa.set(bytes, 446 + 16 * slot);
  const setSignature = () => {
    sa[510] = 0x55; // 510: MBR signature 55 AA (UEFI Table 5-1)
    sa[511] = 0xaa;
  };

  // APM (isohybrid: 2048-byte blocks from block 1; block 0 comes with the MBR head below).
  if (apmRequests.length > 0) {
    if ((apmRequests.length + 1) * 2048 > SYSTEM_AREA_BYTES) fail("too many APM entries");
    apmRequests[0].startBlock = 1;
    apmRequests[0].blockCount = apmRequests.length;
    apmRequests.forEach((r, i) => {
      const status = i === 0 ? 3 : 0x13 | (r.type === "Apple_HFS" ? 0x40000000 : 0);
      sa.set(
        encodeApmPartitionMapEntry({
          mapEntryCount: apmRequests.length,
          startBlock: r.startBlock,
          blockCount: r.blockCount,
          name: r.name,
          type: r.type,
          dataStartBlock: 0,
          dataBlockCount: r.blockCount,
          status,
          bootStartBlock: 0,
          bootByteLength: 0,
          bootLoadAddress: 0,
          bootEntryPoint: 0,
          bootChecksum: 0,
          processor: "",
        }),
        (i + 1) * 2048, // APM block i+1 (2048-byte blocks)
      );
    });
  }

  // MBR entries requested by -efi-boot-part (iso_write_mbr()).
  let riskOfEe = false;
  if (mbrRequests.length > 0) {
    mbrRequests.forEach((r, i) => {
      if (r.sectorCount !== 0) return;
      r.sectorCount = i < mbrRequests.length - 1
        ? mbrRequests[i + 1].startLba - r.startLba
        : imgBlocks * 4 - r.startLba;
    });
    for (let slot = 0; slot < 4; slot++) sa.fill(0, 446 + 16 * slot, 462 + 16 * slot);
    mbrRequests.forEach((r, slot) => {
      if (r.sectorCount === 0) return;
      setRecord(
        slot,
        encodeMbrPartitionRecord(
          mbrPartitionRecordFor({
            ...r,
            osType: r.type,
            startingLba: r.startLba,
            sizeInLba: r.sectorCount,
            geometry,
            bootIndicator: r.status,
          }),
        ),
      );
      setSignature();
    });
    riskOfEe = true;
  }

  // GPT (iso_write_gpt()).
  const gptBlocks = totalBlockCount;
  let gptEntries: GptPartitionEntry[] = [];
  if (gpt) {
    const backupStartLba512 = (totalBlockCount - gpt.backupBlockCount) * 4;
    for (const a of apmRequests) {
      if (a.type !== "Apple_HFS") continue;
      const start = a.startBlock * 4;
      const end = (a.startBlock + a.blockCount - 1) * 4;
      const overlaps = gptRequests.some((g) =>
        intervalsOverlap(start, end, g.startLba, g.startLba + g.sectorCount - 1)
      );
      if (!overlaps) {
        const n = gptRequests.filter((g) => g.name.startsWith("HFSPLUS")).length + 1;
        gptRequests.push({
          startLba: start,
          sectorCount: a.blockCount * 4,
          typeGuid: PARTITION_TYPE_GUID.appleHfsPlus,
          attributes: ISO_ATTRIBUTES,
          name: n > 1 ? `HFSPLUS_${n}` : "HFSPLUS",
        });
      }
    }
    sortRequests(gptRequests);
    const originals = gptRequests.slice();
    let partEnd = 0;
    let gapCounter = 0;
    for (let i = 0; i <= originals.length; i++) {
      const goal = i < originals.length ? originals[i].startLba : Math.min(gptBlocks * 4, backupStartLba512);
      let nextEnd: number;
      if (i === 0) {
        if (goal <= 64) continue;
        nextEnd = 64;
      } else {
        nextEnd = originals[i - 1].startLba + originals[i - 1].sectorCount;
      }
      if (nextEnd > partEnd) partEnd = nextEnd;
      if (partEnd > goal) {
        if (!allowGptOverlap) fail(`GPT partitions overlap by ${partEnd - goal} sectors`);
      } else if (partEnd < goal) {
        const isIso = goal === volumeSpaceBlockCount * 4 && partEnd === offset * 4;
        gptRequests.push({
          startLba: partEnd,
          sectorCount: goal - partEnd,
          typeGuid: isIso && isoGptTypeGuid ? isoGptTypeGuid : PARTITION_TYPE_GUID.basicData,
          attributes: ISO_ATTRIBUTES,
          name: isIso ? "ISO9660" : `Gap${gapCounter}`,
        });
        gapCounter++;
      }
    }
    sortRequests(gptRequests);
    if (gptRequests.length > gpt.maxEntries) {
      fail(`${gptRequests.length} GPT entries, room for ${gpt.maxEntries}`);
    }
    gptEntries = gptRequests.map((r, i) => {
      let end = r.startLba + r.sectorCount;
      if (r.startLba === offset * 4 && r.sectorCount === OPEN_ENDED_SECTOR_COUNT) {
        end = volumeSpaceBlockCount * 4;
      }
      if (end > backupStartLba512) end = backupStartLba512;
      return {
        partitionTypeGuid: r.typeGuid,
        uniquePartitionGuid: gptPartitionGuid(input.gptDiskGuid, i + 1),
        startingLba: r.startLba,
        endingLba: end - 1,
        attributes: r.attributes,
        partitionName: r.name,
      };
    });
    const array = encodeGptPartitionArray(gptEntries, gpt.maxEntries);
    sa.set(array, gpt.partStart * 512); // partition entry array from LBA512 PartitionEntryLBA
    const alternateLba = totalBlockCount * 4 - 1;
    sa.set(
      encodeGptHeader({
        revision: GPT_REVISION,
        myLba: 1,
        alternateLba,
        firstUsableLba: gpt.partStart + gpt.maxEntries / 4,
        lastUsableLba: alternateLba - gpt.maxEntries / 4 - 1,
        diskGuid: input.gptDiskGuid,
        partitionEntryLba: gpt.partStart,
        numberOfPartitionEntries: gpt.maxEntries,
        sizeOfPartitionEntry: 128,
        partitionEntryArrayCrc32: crc32(array),
      }),
      512, // primary GPT header at LBA512 1
    );
  }

  // The MBR partition table proper.
  let partType = 0;
  if (protective) {
    if (mbrRequests.length === 0) {
      let labelBlocks: number;
      if (gpt) {
        partType = MBR_PARTITION_TYPE.gptProtective;
        labelBlocks = gptBlocks;
      } else {
        partType = isoMbrCode ?? MBR_PARTITION_TYPE.isoGrub;
        labelBlocks = imgBlocks;
      }
      writeGrubMsdosLabel(sa, labelBlocks, geometry, partType, true);
      riskOfEe = true;
    }
  } else if (isohybrid) {
    partType = isohybridGptCount > 0 || isohybridApmCount > 0
      ? MBR_PARTITION_TYPE.empty
      : isoMbrCode ?? MBR_PARTITION_TYPE.hiddenIfs;
    let mbrBlocks = imgBlocks;
    let noBoot = false;
    if (appendedAsGpt) {
      partType = MBR_PARTITION_TYPE.gptProtective;
      riskOfEe = true;
      mbrBlocks = gptBlocks;
      noBoot = true;
    }
    // make_isolinux_mbr()
    if (isohybridApmCount > 0) {
      const start = sa.subarray(0, 32);
      const ready = start.every((b, i) => b === APM_READY_MBR_START[i]) ||
        start.every((b, i) => b === ISOHYBRID_APM_HEAD[i]);
      if (!ready) {
        fail(
          "the MBR template file is not prepared for an Apple Partition Map (it must start with 33 ED and 30 × 90)",
        );
      }
      sa.set(ISOHYBRID_APM_HEAD, 0); // 0: APM block 0 head "ER", 2048-byte blocks (libisofs insert_apm_head)
    }
    const sectors = mbrBlocks * 4 - postPadBytes / 512;
    const partOffset = noBoot ? 1 : 0;
    view.setBigUint64(432, BigInt(firstBoot!.lba) * 4n, true); // 432: boot image LBA512, uint64 LE (isohybrid.md §3)
    view.setUint32(440, input.mbrId, true); // 440: MBR id / disk signature, uint32 LE (UEFI Table 5-1)
    view.setUint16(444, 0, true); // 444: 0
    let cursor = 0;
    const gptIndexes = [...isohybridGptImages, -1];
    for (let slot = 0; slot < 4; slot++) {
      if (slot !== 0) {
        sa.fill(0, 446 + 16 * slot, 462 + 16 * slot);
        if (cursor < isohybridGptCount) {
          const index = gptIndexes[cursor++];
          const file = index >= 0 ? images[index].file : undefined;
          if (index >= 0 && file) {
            setRecord(
              slot,
              encodeMbrPartitionRecord({
                bootIndicator: 0,
                startingChs: { head: 0xfe, sector: 0x3f, cylinder: 0x3ff }, // FE FF FF
                osType: images[index].isohybridGpt === "hfsplus"
                  ? MBR_PARTITION_TYPE.empty
                  : MBR_PARTITION_TYPE.efiSystem,
                endingChs: { head: 0xfe, sector: 0x3f, cylinder: 0x3ff },
                startingLba: (file.lba * 4) >>> 0,
                sizeInLba: Math.ceil(file.byteLength / 512) >>> 0,
              }),
            );
          }
        }
        continue;
      }
      setRecord(
        slot,
        encodeMbrPartitionRecord({
          bootIndicator: noBoot ? 0 : MBR_BOOT_INDICATOR.active,
          startingChs: chsFromLba(partOffset, geometry, "count"),
          osType: partType,
          endingChs: chsFromLba(sectors - 1, geometry, "count"),
          startingLba: partOffset,
          sizeInLba: Math.min(sectors - partOffset, 0xffffffff),
        }),
      );
    }
    setSignature();
  } else if ((offset > 0 || hasAppended) && mbrRequests.length === 0) {
    partType = isoMbrCode ?? MBR_PARTITION_TYPE.isoGrub;
    writeGrubMsdosLabel(sa, imgBlocks, geometry, partType, false);
    riskOfEe = true;
    if (appendedAsGpt) {
      partType = MBR_PARTITION_TYPE.gptProtective;
      setRecord(
        0,
        encodeMbrPartitionRecord(
          mbrPartitionRecordFor({ osType: partType, startingLba: 1, sizeInLba: gptBlocks * 4 - 1, geometry }),
        ),
      );
    } else if (offset === 0) {
      partType = isoMbrCode ?? MBR_PARTITION_TYPE.linux;
      setRecord(
        0,
        encodeMbrPartitionRecord(
          mbrPartitionRecordFor({
            osType: partType,
            startingLba: 0,
            sizeInLba: imgBlocks * 4 - postPadBytes / 512,
            geometry,
          }),
        ),
      );
    }
  }

  // A protective entry requested by -efi-boot-part covers the whole GPT disk.
  if (
    gpt && mbrRequests.length === 1 && mbrRequests[0].type === MBR_PARTITION_TYPE.gptProtective &&
    sa[450] === 0xee
  ) {
    partType = MBR_PARTITION_TYPE.gptProtective;
    riskOfEe = true;
    setRecord(
      0,
      encodeMbrPartitionRecord(
        mbrPartitionRecordFor({ osType: partType, startingLba: 1, sizeInLba: gptBlocks * 4 - 1, geometry }),
      ),
    );
  }

  // -partition_offset: partition 1 starts at the offset (or is the protective entry).
  if (offset > 0 && mbrRequests.length === 0) {
    const protectiveEntry = partType === MBR_PARTITION_TYPE.gptProtective && gpt !== undefined;
    const blocks = protectiveEntry ? totalBlockCount : imgBlocks;
    const endSector = Math.min(blocks * 4 - postPadBytes / 512, 0xfffffffc) - 1;
    const startLba = protectiveEntry ? 1 : Math.min(offset * 4, 0xfffffffc);
    const status = sa[446] === 0 || sa[446] === 0x80 ? sa[446] : 0;
    setRecord(
      0,
      encodeMbrPartitionRecord({
        bootIndicator: status,
        startingChs: protectiveEntry ? { cylinder: 0, head: 0, sector: 2 } : chsFromLba(startLba, geometry),
        osType: sa[450],
        endingChs: chsFromLba(endSector, geometry),
        startingLba: startLba,
        sizeInLba: (endSector - startLba + 1) >>> 0,
      }),
    );
    if (protectiveEntry) sa.fill(0, 462, 510);
  }

  // Appended partitions in the MBR (unless they went to the GPT).
  if (!appendedAsGpt) {
    for (const p of plannedAppended) {
      if (p.partitionNumber - 1 < mbrRequests.length) {
        fail(`appended partition ${p.partitionNumber} collides with an MBR partition`);
      }
      const type = appendedInput.find((a) => a.partitionNumber === p.partitionNumber)!.type;
      setRecord(
        p.partitionNumber - 1,
        encodeMbrPartitionRecord(mbrPartitionRecordFor({
          osType: mbrTypeOf(type),
          startingLba: p.lba * 4,
          sizeInLba: p.blockCount * 4,
          geometry,
        })),
      );
      setSignature();
    }
  }

  // --grub2-mbr: the boot image address + 4 at 432.
  if (grub2 && !isohybrid) {
    view.setBigUint64(432, BigInt(firstBoot!.lba) * 4n + 4n, true); // 432: boot image LBA512 + 4, uint64 LE (el-torito.md §5)
  }

  // No 0xEE entry without a GPT.
  if ((isohybrid || protective || riskOfEe) && !gpt && isoMbrCode !== MBR_PARTITION_TYPE.gptProtective) {
    for (let slot = 0; slot < 4; slot++) {
      if (sa[446 + 16 * slot + 4] === MBR_PARTITION_TYPE.gptProtective) {
        diagnostics.push("Prevented partition type 0xEE in MBR without GPT");
        sa[446 + 16 * slot + 4] = isoMbrCode ?? MBR_PARTITION_TYPE.isoGrub;
      }
    }
  }

  // An active partition for BIOSes that want one.
  if (isohybrid || protective || grub2 || o.mbrForceBootable) {
    const slots = [0, 1, 2, 3].map((slot) => 446 + 16 * slot);
    if (!slots.some((at) => sa[at] & 0x80)) {
      const candidate = slots.find((at) =>
        sa.subarray(at, at + 16).some((b) => b !== 0) && sa[at + 4] !== MBR_PARTITION_TYPE.gptProtective &&
        sa[at + 4] !== MBR_PARTITION_TYPE.efiSystem
      );
      if (candidate !== undefined) sa[candidate] |= 0x80;
      else if (o.mbrForceBootable) addDummyBootablePartition(sa);
    }
  }

  // The GPT backup: entries, then the header in the last 512 bytes.
  let gptBackup: SystemAreaPlan["gptBackup"];
  if (gpt) {
    const bytes = new Uint8Array(gpt.backupBlockCount * 2048);
    const headerAt = bytes.byteLength - 512;
    const array = sa.subarray(gpt.partStart * 512, gpt.partStart * 512 + gpt.maxEntries * 128);
    bytes.set(array, headerAt - array.byteLength);
    const alternateLba = totalBlockCount * 4 - 1;
    bytes.set(
      encodeGptHeader({
        revision: GPT_REVISION,
        myLba: alternateLba,
        alternateLba: 1,
        firstUsableLba: gpt.partStart + gpt.maxEntries / 4,
        lastUsableLba: alternateLba - gpt.maxEntries / 4 - 1,
        diskGuid: input.gptDiskGuid,
        partitionEntryLba: alternateLba - gpt.maxEntries / 4,
        numberOfPartitionEntries: gpt.maxEntries,
        sizeOfPartitionEntry: 128,
        partitionEntryArrayCrc32: crc32(array),
      }),
      headerAt,
    );
    gptBackup = { lba: gptBackupLba, bytes };
    tailRegions.push({ kind: "gptBackup", lba: gptBackupLba, bytes });
  }

  const wholeImageInPvd = (protective && !isohybrid) || offset > 0;
  return {
    systemArea: sa,
    geometry,
    alignmentBlockCount,
    alignedEndLba,
    appendedPartitions: plannedAppended,
    padBlockCount,
    ...(gptBackup ? { gptBackup } : {}),
    totalBlockCount,
    primaryVolumeSpaceBlockCount: wholeImageInPvd ? totalBlockCount : volumeSpaceBlockCount,
    volumeSpaceBlockCount,
    ...(offset > 0
      ? {
        partitionDescriptorSet: {
          lba: offset + 16,
          partitionOffsetLba: offset,
          volumeSpaceBlockCount: volumeSpaceBlockCount - offset,
        },
      }
      : {}),
    tailRegions,
    diagnostics,
  };
}

/** libisofs try_sph(): the smallest head count so that 1024 cylinders hold the image. */
function headsForSectors(imageBytes: number, sectorsPerHead: number): number | undefined {
  const sectors = Math.floor(imageBytes / 512);
  let heads = Math.floor(Math.floor(sectors / sectorsPerHead) / 1024);
  if (heads * sectorsPerHead * 1024 < sectors) heads++;
  if (sectorsPerHead % 4 === 0) {
    // cylinder already divisible by 4 sectors
  } else if (sectorsPerHead % 2 === 0) {
    heads += heads % 2;
  } else if (heads % 4) {
    heads += 4 - (heads % 4);
  }
  return heads > 255 ? undefined : heads;
}

function intervalsOverlap(start1: number, end1: number, start2: number, end2: number): boolean {
  return (start1 >= start2 && start1 <= end2) || (end1 >= start2 && end1 <= end2) ||
    (start2 >= start1 && start2 <= end1) || (end2 >= start1 && end2 <= end1);
}

/**
 * libisofs make_grub_msdos_label(): entries 1–4 cleared, entry 1 = `[80] 00 02 00 type endCHS 1
 * (blocks × 4 − 1)`, 55 AA. Active unless `bootable` is false or the type is 0xEE/0xEF.
 */
function writeGrubMsdosLabel(
  sa: Uint8Array,
  blocks: number,
  geometry: DiskGeometry,
  type: number,
  bootable: boolean,
): void {
  const lastSector = Math.min(blocks * 4, 0xfffffffc) - 1;
  sa.fill(0, 446, 510);
  sa[510] = 0x55; // 510: MBR signature 55 AA
  sa[511] = 0xaa;
  sa.set(
    encodeMbrPartitionRecord({
      bootIndicator:
        bootable && type !== MBR_PARTITION_TYPE.gptProtective && type !== MBR_PARTITION_TYPE.efiSystem
          ? MBR_BOOT_INDICATOR.active
          : MBR_BOOT_INDICATOR.inactive,
      startingChs: { cylinder: 0, head: 0, sector: 2 },
      osType: type,
      endingChs: chsFromLba(lastSector, geometry),
      startingLba: 1,
      sizeInLba: lastSector,
    }),
    446,
  );
}

/** libisofs iso_dummy_mbr_partition(): `--mbr-force-bootable` with no candidate entry. */
function addDummyBootablePartition(sa: Uint8Array): void {
  const dummy = Uint8Array.of(
    0x80,
    0x00,
    0x01,
    0x00,
    0x00,
    0x00,
    0x01,
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
    0x01,
    0,
    0,
    0,
  );
  for (let slot = 0; slot < 4; slot++) {
    const at = 446 + 16 * slot;
    if (sa.subarray(at, at + 16).every((b) => b === 0)) {
      sa.set(dummy, at);
      return;
    }
  }
  for (let slot = 0; slot < 4; slot++) {
    const at = 446 + 16 * slot;
    if (sa[at + 4] !== MBR_PARTITION_TYPE.efiSystem) {
      sa[at] |= 0x80;
      return;
    }
  }
  sa[446 + 48] |= 0x80;
}
