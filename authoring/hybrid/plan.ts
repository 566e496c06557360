/**
 * ISOHybrid on top of the ISO planner: {@link planSystemArea} decides, once the file data is
 * placed, what follows it (cylinder alignment, appended partitions, `-pad`, the GPT backup) and
 * what LBA 0–15 hold (MBR, APM, primary GPT). This module turns that into the planner's tail and
 * into the system-area overlay.
 * @module
 */

import { UsageError } from "../../image/errors.ts";
import { overlay, type Region, type RegionList } from "../../image/regions.ts";
import type { IsoTail, PlacedExtent } from "../iso9660/planner.ts";
import { SECTOR_BYTES } from "../iso9660/volume_descriptor.ts";
import type { MkisofsOptions } from "../mkisofs/options.ts";
import { normalizeIsoPath } from "../source_tree.ts";
import {
  gptDiskGuidFromVolumeUuid,
  mbrIdFromVolumeUuid,
  planSystemArea,
  type SystemAreaOptions,
  type SystemAreaPlan,
} from "./layout.ts";

/** What the hybrid layout needs besides the placed files. */
export interface HybridRequest {
  readonly options: SystemAreaOptions;
  /** First 32 KiB of `-isohybrid-mbr` / `--grub2-mbr` / `-G`. */
  readonly template?: Uint8Array;
  /** Parallel to `options.appendedPartitions`: host file and its size when scanned. */
  readonly appendedFiles: readonly { readonly hostPath: string; readonly byteLength: number }[];
  readonly gptDiskGuid: string;
  readonly mbrId: number;
  /** `-efi-boot-part HOST_FILE`: its size when scanned. */
  readonly efiBootPartByteLength?: number;
}

/** Bytes of the system area (LBA 0–15). */
const SYSTEM_AREA_BYTES = 16 * SECTOR_BYTES;

/**
 * True when the options put anything into the system area or after the ISO volume.
 *
 * @example
 * ```ts
 * wantsSystemArea(parseMkisofsArgs(["-isohybrid-mbr", "isohdpfx.bin", "-o", "x.iso", "t"])); // true
 * ```
 */
export function wantsSystemArea(o: MkisofsOptions): boolean {
  return o.isohybridMbr !== undefined || o.grub2Mbr !== undefined || o.systemAreaFile !== undefined ||
    o.protectiveMsdosLabel || o.appendedPartitions.length > 0 || o.isohybridGptBasdat ||
    o.isohybridGptHfsplus ||
    o.isohybridApmHfsplus || o.efiBootPart !== undefined || o.partitionOffsetLba > 0;
}

/**
 * Reads what the layout needs from the host (template, appended files) and derives the MBR id and
 * GPT disk GUID: from `--modification-date`, else from SOURCE_DATE_EPOCH (so two builds are the
 * same bytes), else random — as xorriso derives them from its volume UUID.
 *
 * @example
 * ```ts
 * const hybrid = hybridRequest(options, { sourceDateEpoch: Deno.env.get("SOURCE_DATE_EPOCH") });
 * ```
 */
export function hybridRequest(o: MkisofsOptions, env: { readonly sourceDateEpoch?: string }): HybridRequest {
  let efiBootPartByteLength: number | undefined;
  if (o.efiBootPart?.kind === "file") {
    try {
      efiBootPartByteLength = Deno.statSync(o.efiBootPart.hostPath).size;
    } catch (error) {
      throw new UsageError(
        `Cannot read the file of -efi-boot-part: "${o.efiBootPart.hostPath}" (${reason(error)})`,
      );
    }
  }
  const templatePath = o.isohybridMbr ?? o.grub2Mbr ?? o.systemAreaFile;
  const templateOption = o.isohybridMbr ? "-isohybrid-mbr" : o.grub2Mbr ? "--grub2-mbr" : "-G";
  let template: Uint8Array | undefined;
  if (templatePath !== undefined) {
    try {
      template = Deno.readFileSync(templatePath).subarray(0, SYSTEM_AREA_BYTES);
    } catch (error) {
      throw new UsageError(
        `Cannot read the system area file of ${templateOption}: "${templatePath}" (${reason(error)})`,
      );
    }
  }
  const appendedFiles = o.appendedPartitions.map((p) => {
    try {
      const info = Deno.statSync(p.hostPath);
      if (!info.isFile) throw new Error("not a regular file");
      return { hostPath: p.hostPath, byteLength: info.size };
    } catch (error) {
      throw new UsageError(
        `Cannot read the file of -append_partition ${p.partitionNumber}: "${p.hostPath}" (${reason(error)})`,
      );
    }
  });
  const epoch = env.sourceDateEpoch && /^\d+$/.test(env.sourceDateEpoch)
    ? new Date(Number(env.sourceDateEpoch) * 1000)
    : undefined;
  const volumeUuid = o.modificationDate ?? (epoch ? volumeUuidOf(epoch) : undefined);
  const gptDiskGuid = o.gptDiskGuid?.kind === "guid"
    ? o.gptDiskGuid.guid
    : volumeUuid && (o.gptDiskGuid?.kind === "modificationDate" || epoch)
    ? gptDiskGuidFromVolumeUuid(volumeUuid)
    : randomGuid();
  const mbrId = volumeUuid ? mbrIdFromVolumeUuid(volumeUuid) : crypto.getRandomValues(new Uint32Array(1))[0];
  return { options: o, template, appendedFiles, gptDiskGuid, mbrId, efiBootPartByteLength };
}

/**
 * The planner tail for a hybrid image. `result.plan` holds the system-area plan once the planner
 * has called the tail (the El Torito catalog reads appended partitions' LBAs from it).
 */
export function hybridTail(
  request: HybridRequest,
  bootIsoPaths: readonly (string | undefined)[],
  result: { plan?: SystemAreaPlan },
  efiBootPartPath?: string,
): (dataEndLba: number, placed: ReadonlyMap<string, PlacedExtent>) => IsoTail {
  return (dataEndLba, placed) => {
    const plan = planSystemArea({
      options: request.options,
      dataEndLba,
      bootImages: bootIsoPaths.map((path) =>
        path === undefined ? undefined : placed.get(normalizeIsoPath(path))
      ),
      appendedPartitionByteLengths: request.appendedFiles.map((f) => f.byteLength),
      efiBootPartition: efiBootPartPath === undefined ? undefined : placed.get(efiBootPartPath),
      template: request.template,
      gptDiskGuid: request.gptDiskGuid,
      mbrId: request.mbrId,
    });
    result.plan = plan;
    const regions: Region[] = [];
    let lba = dataEndLba;
    for (const tail of plan.tailRegions) {
      if (tail.kind === "zeros") {
        regions.push({ kind: "zero", label: tail.purpose, byteLength: tail.blockCount * SECTOR_BYTES });
        lba += tail.blockCount;
      } else if (tail.kind === "appendedPartition") {
        const p = tail.partition;
        const index = request.options.appendedPartitions.findIndex((a) =>
          a.partitionNumber === p.partitionNumber
        );
        const file = request.appendedFiles[index];
        regions.push({
          kind: "file",
          label: `appended partition ${p.partitionNumber}`,
          path: file.hostPath,
          fileByteOffset: 0,
          byteLength: file.byteLength,
          fileByteLength: file.byteLength,
        });
        regions.push({
          kind: "zero",
          label: "partition fill",
          byteLength: p.blockCount * SECTOR_BYTES - file.byteLength,
        });
        lba += p.blockCount;
      } else {
        regions.push({ kind: "bytes", label: "GPT backup", bytes: tail.bytes });
        lba += tail.bytes.byteLength / SECTOR_BYTES;
      }
    }
    if (lba !== plan.totalBlockCount) {
      throw new UsageError(
        `Cannot lay out the image tail: it ends at block ${lba}, planned ${plan.totalBlockCount}`,
      );
    }
    return {
      primaryVolumeSpaceBlockCount: plan.primaryVolumeSpaceBlockCount,
      supplementaryVolumeSpaceBlockCount: plan.volumeSpaceBlockCount,
      regions,
      partitionVolumeSpaceBlockCount: plan.partitionDescriptorSet?.volumeSpaceBlockCount,
    };
  };
}

/** Lays the planned system area (MBR, APM, primary GPT) over LBA 0–15. */
export function applySystemArea(regions: RegionList, plan: SystemAreaPlan): RegionList {
  return overlay(regions, 0, plan.systemArea, "system area (MBR/GPT)");
}

function volumeUuidOf(date: Date): string {
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  return `${pad(date.getUTCFullYear(), 4)}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}` +
    `${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}00`;
}

function randomGuid(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, "0")).join("").toUpperCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function reason(error: unknown): string {
  if (error instanceof Deno.errors.NotFound) return "no such file";
  return error instanceof Error ? error.message : String(error);
}
