/**
 * The whole ISO build as a library call: scan the sources, plan, write.
 * @module
 */

import { type ProgressCallback, SMALL_FILE_BYTES, writeRegionsToFile } from "../image/region_writer.ts";
import { planElToritoIso } from "./eltorito/plan.ts";
import type { SystemAreaPlan } from "./hybrid/layout.ts";
import { applySystemArea, hybridTail } from "./hybrid/plan.ts";
import { type IsoPlan, planIso } from "./iso9660/planner.ts";
import type { IsoBuildRequest } from "./mkisofs/request.ts";
import { addVirtualFile, scanSources, type SourceDirectory, type SourceTree } from "./source_tree.ts";
import { planFat } from "./fat/planner.ts";

/**
 * Scans the request's sources and plans the image (no file is opened for reading data).
 * `afterScan` sees the scanned tree before planning starts (e.g. to start reader threads).
 *
 * @example
 * ```ts
 * const plan = planIsoBuild(request);
 * console.log(plan.volumeSpaceBlockCount, plan.diagnostics);
 * ```
 */
export function planIsoBuild(
  request: IsoBuildRequest,
  options: { readonly afterScan?: (tree: SourceTree) => void } = {},
): IsoPlan {
  const tree = scanSources(request.pathspecs, request.scan);
  options.afterScan?.(tree);
  if (request.efiBootDir) addEfiBootImage(tree, request);
  if (request.elTorito) return planElToritoIso(tree, request.plan, request.elTorito, request.hybrid);
  if (!request.hybrid) return planIso(tree, request.plan);
  // A system area (or appended partitions) without El Torito.
  const systemArea: { plan?: SystemAreaPlan } = {};
  const plan = planIso(tree, { ...request.plan, tail: hybridTail(request.hybrid, [], systemArea) });
  return { ...plan, regions: applySystemArea(plan.regions, systemArea.plan!) };
}

/**
 * Plans and writes an image to `request.outputPath` (temporary file renamed on success; "-" is
 * standard output). Returns the plan.
 *
 * @example
 * ```ts
 * const plan = await buildIso(request, (done, total) => console.error(done, total));
 * ```
 */
export async function buildIso(request: IsoBuildRequest, onProgress?: ProgressCallback): Promise<IsoPlan> {
  if (request.outputPath === undefined) throw new TypeError("Cannot build: the request has no output path");
  const plan = planIsoBuild(request);
  await writeRegionsToFile(plan.regions, request.outputPath, onProgress);
  return plan;
}

/**
 * `--efi-boot-dir`: plans a FAT image of the folder (the smallest that fits, as `mkfs.fat` would
 * lay it out; serial and times from SOURCE_DATE_EPOCH when set) and adds it to the tree.
 */
function addEfiBootImage(tree: SourceTree, request: IsoBuildRequest): void {
  const dir = request.efiBootDir!;
  const source = scanSources([{ hostPath: dir.hostPath }], { followLinks: true });
  const time = request.plan.fileTimeOverride;
  const fat = planFat(source.root, {
    size: "fit",
    volumeLabel: "EFIBOOT",
    timestamp: time,
  });
  addVirtualFile(tree, {
    isoPath: dir.isoPath,
    contents: fat.regions.regions,
    time: time ?? request.plan.volumeTime,
  });
}

/**
 * Regular files of a scanned tree small enough to be read whole (what the writer's reader threads
 * would read): a build with many of them starts the threads while it plans.
 *
 * @example
 * ```ts
 * if (countSmallFiles(tree) >= READ_AHEAD_MIN_FILES) prestartFileReaders();
 * ```
 */
export function countSmallFiles(tree: SourceTree): number {
  let count = 0;
  const visit = (dir: SourceDirectory) => {
    for (const child of dir.children) {
      if (child.kind === "directory") visit(child);
      else if (child.kind === "file" && !child.contents && child.byteLength <= SMALL_FILE_BYTES) count++;
    }
  };
  visit(tree.root);
  return count;
}
