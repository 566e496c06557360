/**
 * The whole ISO build as a library call: scan the sources, plan, write.
 * @module
 */

import { type ProgressCallback, writeRegionsToFile } from "../image/region_writer.ts";
import { planElToritoIso } from "./eltorito/plan.ts";
import type { SystemAreaPlan } from "./hybrid/layout.ts";
import { applySystemArea, hybridTail } from "./hybrid/plan.ts";
import { type IsoPlan, planIso } from "./iso9660/planner.ts";
import type { IsoBuildRequest } from "./mkisofs/request.ts";
import { scanSources } from "./source_tree.ts";

/**
 * Scans the request's sources and plans the image (no file is opened for reading data).
 *
 * @example
 * ```ts
 * const plan = planIsoBuild(request);
 * console.log(plan.volumeSpaceBlockCount, plan.diagnostics);
 * ```
 */
export function planIsoBuild(request: IsoBuildRequest): IsoPlan {
  const tree = scanSources(request.pathspecs, request.scan);
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
