/**
 * Turns a region list (an ISO file, a CUE image's data track, a raw disk image, or an ISO
 * planned on the fly) into an {@link NbdExport}. Concurrent reads are safe: each read of a host
 * file holds its own handle (RegionList).
 * @module
 */

import type { RegionList } from "../../image/regions.ts";
import type { NbdExport } from "./server.ts";

/** What {@link regionExport} needs besides the bytes. */
export interface RegionExportOptions {
  readonly name: string;
  readonly description: string;
  /** 2048 for CD images, 512 for disks. */
  readonly preferredBlockBytes: number;
  readonly writableOverlay?: boolean;
}

/**
 * An export reading `regions` at random.
 *
 * @example
 * ```ts
 * const disc = regionExport(plan.regions, { name: "disc", description: "tree/", preferredBlockBytes: 2048 });
 * ```
 */
export function regionExport(regions: RegionList, options: RegionExportOptions): NbdExport {
  return {
    ...options,
    byteLength: regions.byteLength,
    read: (byteOffset: number, byteLength: number) => regions.read(byteOffset, byteLength),
  };
}
