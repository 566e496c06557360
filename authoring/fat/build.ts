/**
 * Building FAT images in one call: from a host directory (the CLI's `--efi-boot-dir DIR`), and
 * in-memory trees from a path → bytes map.
 * @module
 */

import { type ProgressCallback, writeRegionsToFile } from "../../image/region_writer.ts";
import { scanSources } from "../source_tree.ts";
import {
  type FatBytesFile,
  type FatPlan,
  type FatPlanOptions,
  type FatTreeDirectory,
  type FatTreeNode,
  planFat,
} from "./planner.ts";

/** Options of {@link buildFatImageFromDirectory}: the plan options plus scanning and progress. */
export interface FatBuildOptions extends FatPlanOptions {
  /** Follow symbolic links while scanning (default true: FAT cannot hold links). */
  readonly followLinks?: boolean;
  /** Glob patterns (names or host paths) left out, as mkisofs `-m`. */
  readonly exclude?: readonly string[];
  /** Called as the image is written. */
  readonly onProgress?: ProgressCallback;
}

/**
 * Scans `hostDir`, plans a FAT volume holding its contents (the directory itself becomes the
 * root), and writes it to `outPath` (through a temporary file, renamed on success). Returns the
 * plan; its diagnostics include the scan's.
 *
 * @example
 * ```ts
 * const plan = await buildFatImageFromDirectory("esp", "efiboot.img", {
 *   volumeLabel: "ESP",
 *   timestamp: new Date(Number(Deno.env.get("SOURCE_DATE_EPOCH")) * 1000),
 * });
 * console.log(plan.fatType, plan.sectorCount);
 * ```
 */
export async function buildFatImageFromDirectory(
  hostDir: string,
  outPath: string,
  options: FatBuildOptions = {},
): Promise<FatPlan> {
  const tree = scanSources([{ hostPath: hostDir }], {
    followLinks: options.followLinks ?? true,
    exclude: options.exclude,
  });
  const plan = planFat(tree.root, options);
  await writeRegionsToFile(plan.regions, outPath, options.onProgress);
  return { ...plan, diagnostics: [...tree.diagnostics, ...plan.diagnostics] };
}

/**
 * An in-memory tree from image paths: `"EFI/BOOT/BOOTX64.EFI"` → bytes creates the directories on
 * the way; a path ending in "/" is an empty directory. Every node gets `mtime` (if given).
 *
 * @example
 * ```ts
 * const tree = fatTreeFromEntries({ "EFI/BOOT/BOOTX64.EFI": efiBinary, "startup.nsh": nsh });
 * const plan = planFat(tree, { size: "fit", timestamp: new Date(0) });
 * ```
 */
export function fatTreeFromEntries(
  entries: Readonly<Record<string, Uint8Array | null>> | ReadonlyMap<string, Uint8Array | null>,
  mtime?: Date,
): FatTreeDirectory {
  type MutableDirectory = { kind: "directory"; name: string; children: FatTreeNode[]; mtime?: Date };
  const root: MutableDirectory = { kind: "directory", name: "", children: [], mtime };
  const directories = new Map<string, MutableDirectory>([["", root]]);
  const directory = (path: string): MutableDirectory => {
    let dir = directories.get(path);
    if (dir) return dir;
    const slash = path.lastIndexOf("/");
    const parent = directory(slash < 0 ? "" : path.slice(0, slash));
    dir = { kind: "directory", name: path.slice(slash + 1), children: [], mtime };
    if (parent.children.some((c) => c.name === dir!.name)) {
      throw new RangeError(`Cannot add "/${path}": a file of that name is there already`);
    }
    parent.children.push(dir);
    directories.set(path, dir);
    return dir;
  };
  const list: [string, Uint8Array | null][] = entries instanceof Map
    ? [...(entries as ReadonlyMap<string, Uint8Array | null>)]
    : Object.entries(entries as Readonly<Record<string, Uint8Array | null>>);
  for (const [rawPath, bytes] of list) {
    const parts = rawPath.split("/").filter((p) => p !== "" && p !== ".");
    if (parts.length === 0) continue;
    const path = parts.join("/");
    if (rawPath.endsWith("/") || bytes === null) {
      directory(path);
      continue;
    }
    const parent = directory(parts.slice(0, -1).join("/"));
    const name = parts[parts.length - 1];
    if (parent.children.some((c) => c.name === name)) {
      throw new RangeError(`Cannot add "/${path}": it is given twice`);
    }
    const file: FatBytesFile = { kind: "bytes", name, bytes, mtime };
    parent.children.push(file);
  }
  return root;
}
