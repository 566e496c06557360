/**
 * Turns a region list (an ISO file, a CUE image's data track, a raw disk image, or an ISO
 * planned on the fly) into an {@link NbdExport}. Reads are served one at a time per image,
 * because reads of one host file share its file position.
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
  let queue: Promise<unknown> = Promise.resolve();
  return {
    ...options,
    byteLength: regions.byteLength,
    read(byteOffset: number, byteLength: number): Promise<Uint8Array> {
      const result = queue.then(() => regions.read(byteOffset, byteLength));
      queue = result.catch(() => {});
      return result;
    },
  };
}
