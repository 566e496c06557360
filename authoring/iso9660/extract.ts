/**
 * Extracts an ISO 9660 image (or one subtree of it) into a host directory: files (streamed),
 * directories, symbolic links (recreated with their target text, never followed), Rock Ridge
 * permission bits and modification times.
 *
 * Safety: names that would leave the destination ("", ".", "..", names holding "/" or NUL) are a
 * {@link FormatError} naming the entry; nothing is ever written through a symbolic link or into a
 * place this extraction did not create itself as a directory (files are created with
 * `createNew`, which refuses to follow an existing link). Two entries of one name: directories
 * merge, a second file is skipped with a diagnostic, any other pair (a symlink and a directory —
 * the classic way to write through a link) is a FormatError. Device nodes, FIFOs and sockets are
 * skipped with a diagnostic, so no privileges are needed. Hard links come out as separate copies.
 * @module
 */

import { FormatError } from "../../image/errors.ts";
import type { IsoEntry, IsoImage, IsoView } from "./reader.ts";

/** Options of {@link extractIso}. */
export interface ExtractOptions {
  /** Which tree and names to extract (default: the image's best view). */
  readonly view?: IsoView;
  /** Extract only this directory (its contents land in `destDir`) or this single file. */
  readonly path?: string;
  /** Called before each entry is written; returning `false` skips it (and, for a directory, its contents). */
  readonly onEntry?: (entry: IsoEntry) => boolean | void;
}

/**
 * Extracts `image` into `destDir` (created if missing) and returns diagnostics for what was
 * skipped (devices, FIFOs, sockets, duplicate names, attributes that could not be set).
 *
 * @example
 * ```ts
 * using device = await FileBlockDevice.open("disc.iso");
 * const image = await openIso(device);
 * const diagnostics = await extractIso(image, "./out", { view: "rockridge" });
 * for (const line of diagnostics) console.warn(line);
 * ```
 */
export async function extractIso(
  image: IsoImage,
  destDir: string,
  options: ExtractOptions = {},
): Promise<readonly string[]> {
  const view = options.view ?? image.defaultView;
  const basePath = (options.path ?? "").split("/").filter((part) => part !== "").join("/");
  const start = await image.lookup(basePath, view);
  if (!start) throw new RangeError(`Cannot extract: "${basePath}" does not exist in the ${view} view`);
  await Deno.mkdir(destDir, { recursive: true });
  const root = await Deno.realPath(destDir);
  const diagnostics: string[] = [];
  /** What this extraction created, by relative host path. */
  const created = new Map<string, IsoEntry["kind"]>();
  created.set("", "directory");
  /** Directories whose attributes are set at the end (after their contents are written). */
  const directories: { hostPath: string; entry: IsoEntry }[] = [];
  const skipped: string[] = []; // path prefixes skipped by onEntry

  const write = async (entry: IsoEntry, relative: string) => {
    checkRelativePath(entry, relative);
    if (skipped.some((prefix) => relative === prefix || relative.startsWith(prefix + "/"))) return;
    if (options.onEntry?.(entry) === false) {
      skipped.push(relative);
      return;
    }
    const parts = relative.split("/");
    const parent = parts.slice(0, -1).join("/");
    const parentKind = created.get(parent);
    if (parentKind !== "directory") {
      throw new FormatError(
        `Cannot extract "${entry.path}": its parent "${parent}" is ${
          parentKind === undefined ? "not a directory this extraction created" : `a ${parentKind}`
        }`,
        { structure: "Directory Record", field: "File Identifier", lba: entry.recordLba },
      );
    }
    const hostPath = `${root}/${relative}`;
    const existing = created.get(relative);
    if (existing !== undefined) {
      if (existing === "directory" && entry.kind === "directory") return; // merge a repeated directory
      if (existing === "file" && entry.kind === "file") {
        diagnostics.push(`Skipped "${entry.path}": a file of that name was already extracted`);
        return;
      }
      // A symlink and a directory (or file) of one name: the classic way to write through a link.
      throw new FormatError(
        `Cannot extract "${entry.path}" (${entry.kind}): a ${existing} of that name was already extracted`,
        { structure: "Directory Record", field: "File Identifier", lba: entry.recordLba },
      );
    }
    switch (entry.kind) {
      case "directory":
        await Deno.mkdir(hostPath, { mode: 0o700 });
        created.set(relative, "directory");
        directories.push({ hostPath, entry });
        return;
      case "symlink":
        await Deno.symlink(entry.linkTarget ?? "", hostPath);
        created.set(relative, "symlink");
        return;
      case "file": {
        created.set(relative, "file");
        await writeFile(image, entry, hostPath);
        await setAttributes(entry, hostPath, diagnostics);
        return;
      }
      default:
        diagnostics.push(`Skipped "${entry.path}": ${entry.kind} entries are not extracted`);
        return;
    }
  };

  if (start.kind === "directory") {
    const prefix = start.path === "" ? "" : start.path + "/";
    for await (const entry of image.walk(view, start.path)) {
      if (!entry.path.startsWith(prefix)) {
        throw new FormatError(`Cannot extract "${entry.path}": it is not below "${start.path}"`, {
          structure: "Directory Record",
          lba: entry.recordLba,
        });
      }
      await write(entry, entry.path.slice(prefix.length));
    }
  } else {
    await write(start, start.name);
  }
  // Deepest first, so a read-only directory is closed only after its contents exist.
  for (const { hostPath, entry } of directories.reverse()) await setAttributes(entry, hostPath, diagnostics);
  return diagnostics;
}

/** Throws unless every component of `relative` is a plain name (no "", ".", "..", "/" or NUL). */
function checkRelativePath(entry: IsoEntry, relative: string): void {
  const bad = (reason: string): never => {
    throw new FormatError(`Cannot extract "${entry.path}": ${reason}`, {
      structure: "Directory Record",
      field: "File Identifier",
      lba: entry.recordLba,
    });
  };
  if (entry.name === "" || entry.name === "." || entry.name === "..") {
    bad(`the name "${entry.name}" is reserved`);
  }
  if (entry.name.includes("/")) bad(`the name "${entry.name}" contains "/"`);
  if (entry.name.includes("\0")) bad(`the name contains NUL`);
  if (Deno.build.os === "windows" && /[\\:]/.test(entry.name)) {
    bad(`the name "${entry.name}" contains "\\" or ":"`);
  }
  if (relative.startsWith("/")) bad("the path is absolute");
  for (const part of relative.split("/")) {
    if (part === "" || part === "." || part === ".." || part.includes("\0")) {
      bad(`the path component "${part}" would leave the destination`);
    }
  }
}

/** Streams a file's extents into a new host file (never through an existing path or link). */
async function writeFile(image: IsoImage, entry: IsoEntry, hostPath: string): Promise<void> {
  const file = await Deno.open(hostPath, { write: true, createNew: true, mode: 0o600 });
  try {
    for await (const chunk of image.readFile(entry)) {
      let done = 0;
      while (done < chunk.byteLength) done += await file.write(chunk.subarray(done));
    }
  } finally {
    file.close();
  }
}

/** Applies Rock Ridge permission bits (setuid/setgid/sticky dropped) and the modification time. */
async function setAttributes(entry: IsoEntry, hostPath: string, diagnostics: string[]): Promise<void> {
  const mode = entry.mode !== undefined ? entry.mode & 0o777 : entry.kind === "directory" ? 0o755 : 0o644;
  try {
    await Deno.chmod(hostPath, mode);
  } catch (error) {
    diagnostics.push(`Could not set the mode of "${entry.path}": ${(error as Error).message}`);
  }
  if (entry.mtime) {
    try {
      await Deno.utime(hostPath, entry.atime ?? entry.mtime, entry.mtime);
    } catch (error) {
      diagnostics.push(`Could not set the time of "${entry.path}": ${(error as Error).message}`);
    }
  }
}
