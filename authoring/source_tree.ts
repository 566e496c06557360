/**
 * The source tree of a build: host files and directories, already stat'ed, merged from several
 * pathspecs (mkisofs semantics: a directory's contents merge into the target directory; with
 * graft points `dest=src` places `src` at `dest`). Scanning is the only part of planning that
 * touches the disk; the planner then works on this tree without opening any file.
 * @module
 */

import { SourceError } from "../image/errors.ts";
import { utf8ByteLength } from "./iso9660/numbers.ts";
import { describeOsError, type Region, regionByteLength } from "../image/regions.ts";
import {
  type HostDirectory,
  type HostFs,
  hostFs,
  type HostStat,
  S_IFBLK,
  S_IFCHR,
  S_IFDIR,
  S_IFIFO,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
  S_IFSOCK,
} from "../image/host_fs.ts";

interface SourceCommon {
  /** Name in the image (the last path component), as UTF-8 text. */
  readonly name: string;
  /** Host path it was scanned from (undefined for directories made by graft points). */
  readonly hostPath: string | undefined;
  /** POSIX mode including the file type bits. */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  /**
   * Modification, access and attribute-change times, in whole seconds for scanned nodes (every
   * format written from the tree records seconds or coarser). Nodes of one scan with the same time
   * share one `Date` (20,000 files need a few hundred, not 60,000): never change one.
   */
  readonly mtime: Date;
  readonly atime: Date;
  readonly ctime: Date;
  /** Left out of the ISO 9660 / Rock Ridge tree (`-hide`). */
  hiddenIso: boolean;
  /** Left out of the Joliet tree (`-hide-joliet`). */
  hiddenJoliet: boolean;
  /** `--sort-weight`: higher weights are placed first in the data area. */
  sortWeight: number;
}

/** A regular file. */
export interface SourceFile extends SourceCommon {
  readonly kind: "file";
  /** Size when scanned. */
  readonly byteLength: number;
  /** "dev:ino" for files with more than one link (data is written once per key). */
  readonly inodeKey: string | undefined;
  /**
   * Contents given as regions instead of a host file (a FAT image planned on the fly, the boot
   * catalog): `byteLength` bytes in total. `hostPath` is then only a label.
   */
  readonly contents?: readonly Region[];
}

/** A directory and its children (sorted by name). */
export interface SourceDirectory extends SourceCommon {
  readonly kind: "directory";
  readonly children: SourceNode[];
}

/** A symbolic link, kept as a link (or followed at scan time with `-f`). */
export interface SourceSymlink extends SourceCommon {
  readonly kind: "symlink";
  readonly target: string;
}

/** A device, FIFO or socket (Rock Ridge only). */
export interface SourceSpecial extends SourceCommon {
  readonly kind: "charDevice" | "blockDevice" | "fifo" | "socket";
  /** Device number (major/minor as the host encodes it). */
  readonly rdev: number;
}

/** Any node of the source tree. */
export type SourceNode = SourceFile | SourceDirectory | SourceSymlink | SourceSpecial;

/** One source argument: a host path, optionally grafted at an image path. */
export interface Pathspec {
  /** Image path (graft point); undefined merges a directory's contents into the root. */
  readonly isoPath?: string;
  /** Host file or directory to add. */
  readonly hostPath: string;
}

/** Scanning options (the mkisofs names in brackets). */
export interface ScanOptions {
  /** [-f] follow symbolic links. */
  readonly followLinks?: boolean;
  /** [-m] glob patterns matched against names and host paths; matches are left out. */
  readonly exclude?: readonly string[];
  /** [-hide] glob patterns (names, image paths or host paths) left out of the ISO/RR tree. */
  readonly hide?: readonly string[];
  /** [-hide-joliet] likewise for the Joliet tree. */
  readonly hideJoliet?: readonly string[];
  /** [--sort-weight] weights by image path (a directory's weight applies below it). */
  readonly sortWeights?: readonly { readonly weight: number; readonly isoPath: string }[];
  /** [-sort FILE] weights by host path (globs allowed); a directory's weight applies below it. */
  readonly hostSortWeights?: readonly { readonly weight: number; readonly hostPath: string }[];
  /** How host files are listed and stat'ed (default: {@link hostFs}, the fastest here). */
  readonly hostFs?: HostFs;
}

/** The result of a scan. */
export interface SourceTree {
  readonly root: SourceDirectory;
  /** Warnings (e.g. a file given twice: the later one wins). */
  readonly diagnostics: string[];
}

/** Longest name, in UTF-8 bytes, that discwright accepts (POSIX NAME_MAX). */
export const MAX_NAME_BYTES = 255;

/**
 * Scans the pathspecs into one merged tree (synchronous: many small stats are faster that way).
 *
 * @example
 * ```ts
 * const tree = scanSources([{ hostPath: "examples/tree" }], { exclude: ["*.tmp"] });
 * console.log(tree.root.children.map((c) => c.name));
 * ```
 */
export function scanSources(pathspecs: readonly Pathspec[], options: ScanOptions = {}): SourceTree {
  const diagnostics: string[] = [];
  const now = new Date();
  const root = virtualDirectory("", now);
  const exclude = (options.exclude ?? []).map(globToRegExp);
  const scanner = new Scanner(options, exclude, diagnostics);
  for (const spec of pathspecs) {
    const hostPath = spec.hostPath;
    const info = scanner.stat(hostPath, hostPath);
    const isDirectory = (info.mode & S_IFMT) === S_IFDIR;
    const isoPath = spec.isoPath === undefined ? undefined : normalizeIsoPath(spec.isoPath);
    if (isoPath === undefined || isoPath === "") {
      // Plain pathspec: a directory merges into the root, anything else lands in the root by name.
      if (isDirectory) {
        mergeInto(root, scanner.scanDirectory(hostPath, baseName(hostPath), info), diagnostics, "");
      } else addChild(root, scanner.scanNode(hostPath, baseName(hostPath), info), diagnostics, "");
      continue;
    }
    const parts = isoPath.split("/");
    let target = root;
    let targetPath = "";
    const leafIsDirectoryOnly = spec.isoPath!.endsWith("/") && !isDirectory;
    const dirParts = leafIsDirectoryOnly ? parts : parts.slice(0, -1);
    for (const part of dirParts) {
      targetPath += "/" + part;
      target = ensureDirectory(target, part, now, targetPath);
    }
    if (isDirectory) {
      const leaf = parts[parts.length - 1];
      const dir = ensureDirectory(target, leaf, now, `${targetPath}/${leaf}`);
      mergeInto(dir, scanner.scanDirectory(hostPath, leaf, info), diagnostics, `${targetPath}/${leaf}`);
    } else {
      const leaf = leafIsDirectoryOnly ? baseName(hostPath) : parts[parts.length - 1];
      addChild(target, scanner.scanNode(hostPath, leaf, info), diagnostics, targetPath);
    }
  }
  sortTree(root);
  applyFlags(root, "", options);
  return { root, diagnostics };
}

class Scanner {
  /** Directories on the current path ("dev:ino"), to stop `-f` loops. */
  #onPath = new Set<string>();
  readonly #fs: HostFs;
  readonly #followLinks: boolean;
  /** One Date per whole second seen in this scan. */
  readonly #dates = new Map<number, Date>();
  constructor(
    readonly options: ScanOptions,
    readonly exclude: readonly RegExp[],
    readonly diagnostics: string[],
  ) {
    this.#fs = options.hostFs ?? hostFs();
    this.#followLinks = options.followLinks ?? false;
  }

  stat(hostPath: string, shownPath: string): HostStat {
    try {
      return this.#fs.stat(hostPath, this.#followLinks);
    } catch (error) {
      throw cannotAdd(error, shownPath);
    }
  }

  /** The attributes every node has, from a stat result. */
  commonFields(name: string, hostPath: string, info: HostStat) {
    return {
      name,
      hostPath,
      mode: info.mode,
      uid: info.uid,
      gid: info.gid,
      mtime: this.wholeSecond(info.mtimeMs),
      atime: this.wholeSecond(info.atimeMs),
      ctime: this.wholeSecond(info.ctimeMs),
      hiddenIso: false,
      hiddenJoliet: false,
      sortWeight: 0,
    };
  }

  /** The (shared) Date of the whole second `ms` falls in. */
  wholeSecond(ms: number): Date {
    const seconds = Math.floor(ms / 1000);
    let date = this.#dates.get(seconds);
    if (!date) this.#dates.set(seconds, date = new Date(seconds * 1000));
    return date;
  }

  excluded(name: string, hostPath: string): boolean {
    return this.exclude.some((re) => re.test(name) || re.test(hostPath));
  }

  scanNode(hostPath: string, name: string, info: HostStat): SourceNode {
    checkName(name, hostPath);
    const type = info.mode & S_IFMT;
    if (type === S_IFDIR) return this.scanDirectory(hostPath, name, info);
    const common = this.commonFields(name, hostPath, info);
    if (type === S_IFREG) {
      return {
        ...common,
        kind: "file",
        byteLength: info.byteLength,
        inodeKey: info.nlink > 1 ? `${info.dev}:${info.ino}` : undefined,
      };
    }
    if (type === S_IFLNK) {
      let target: string;
      try {
        target = Deno.readLinkSync(hostPath);
      } catch (error) {
        throw new SourceError(`Cannot read symbolic link: ${describeOsError(error)}`, hostPath, {
          cause: error,
        });
      }
      return { ...common, kind: "symlink", target };
    }
    const kind = type === S_IFCHR
      ? "charDevice"
      : type === S_IFBLK
      ? "blockDevice"
      : type === S_IFIFO
      ? "fifo"
      : type === S_IFSOCK
      ? "socket"
      : undefined;
    if (!kind) throw new SourceError("Cannot add source: unknown file type", hostPath);
    return { ...common, kind, rdev: info.rdev };
  }

  scanDirectory(hostPath: string, name: string, info: HostStat): SourceDirectory {
    const key = `${info.dev}:${info.ino}`;
    if (this.#onPath.has(key)) {
      throw new SourceError("Cannot add source: directory loop through a followed symbolic link", hostPath);
    }
    this.#onPath.add(key);
    const children: SourceNode[] = [];
    let directory: HostDirectory;
    try {
      directory = this.#fs.openDirectory(hostPath);
    } catch (error) {
      throw new SourceError(`Cannot read directory: ${describeOsError(error)}`, hostPath, { cause: error });
    }
    try {
      const prefix = hostPath.replace(/\/+$/, "");
      for (const entryName of directory.names) {
        const childPath = `${prefix}/${entryName}`;
        if (this.excluded(entryName, childPath)) continue;
        checkName(entryName, childPath); // before stat: a name that is not UTF-8 cannot be stat'ed by it
        let childInfo: HostStat;
        try {
          childInfo = directory.stat(entryName, this.#followLinks);
        } catch (error) {
          throw cannotAdd(error, childPath);
        }
        children.push(this.scanNode(childPath, entryName, childInfo));
      }
    } finally {
      directory.close();
    }
    this.#onPath.delete(key);
    return {
      ...this.commonFields(name, hostPath, info),
      kind: "directory",
      children,
    };
  }
}

/** The error for a source that could not be stat'ed. */
function cannotAdd(error: unknown, path: string): SourceError {
  return new SourceError(`Cannot add source: ${describeOsError(error)}`, path, { cause: error });
}

function checkName(name: string, hostPath: string): void {
  if (name.includes("\uFFFD")) {
    throw new SourceError(
      "Cannot add source: its name is not valid UTF-8 (only -input-charset utf-8 is supported)",
      hostPath,
    );
  }
  const bytes = utf8ByteLength(name);
  if (bytes > MAX_NAME_BYTES) {
    throw new SourceError(
      `Cannot add source: its name is ${bytes} bytes, more than ${MAX_NAME_BYTES}`,
      hostPath,
    );
  }
}

function virtualDirectory(name: string, time: Date): SourceDirectory {
  return {
    kind: "directory",
    name,
    hostPath: undefined,
    mode: 0o040755,
    uid: 0,
    gid: 0,
    mtime: time,
    atime: time,
    ctime: time,
    hiddenIso: false,
    hiddenJoliet: false,
    sortWeight: 0,
    children: [],
  };
}

function ensureDirectory(
  parent: SourceDirectory,
  name: string,
  time: Date,
  isoPath: string,
): SourceDirectory {
  checkName(name, isoPath);
  const existing = parent.children.find((c) => c.name === name);
  if (existing?.kind === "directory") return existing;
  const dir = virtualDirectory(name, time);
  if (existing) parent.children.splice(parent.children.indexOf(existing), 1, dir);
  else parent.children.push(dir);
  return dir;
}

function addChild(
  parent: SourceDirectory,
  node: SourceNode,
  diagnostics: string[],
  parentPath: string,
): void {
  const index = parent.children.findIndex((c) => c.name === node.name);
  if (index < 0) {
    parent.children.push(node);
    return;
  }
  const existing = parent.children[index];
  if (existing.kind === "directory" && node.kind === "directory") {
    mergeInto(existing, node, diagnostics, `${parentPath}/${node.name}`);
    return;
  }
  diagnostics.push(
    `"${parentPath}/${node.name}" is given twice ("${existing.hostPath}" and "${node.hostPath}"): the later one is used`,
  );
  parent.children[index] = node;
}

function mergeInto(
  target: SourceDirectory,
  source: SourceDirectory,
  diagnostics: string[],
  path: string,
): void {
  for (const child of source.children) addChild(target, child, diagnostics, path);
}

function sortTree(dir: SourceDirectory): void {
  dir.children.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const child of dir.children) if (child.kind === "directory") sortTree(child);
}

function applyFlags(dir: SourceDirectory, path: string, options: ScanOptions): void {
  const none = (list: readonly unknown[] | undefined) => list === undefined || list.length === 0;
  // Nodes are made with no flags and weight 0: without options there is nothing to walk for.
  if (
    none(options.hide) && none(options.hideJoliet) && none(options.sortWeights) &&
    none(options.hostSortWeights)
  ) {
    return;
  }
  const hide = (options.hide ?? []).map(globToRegExp);
  const hideJoliet = (options.hideJoliet ?? []).map(globToRegExp);
  const weights = (options.sortWeights ?? []).map((w) => ({
    weight: w.weight,
    isoPath: normalizeIsoPath(w.isoPath),
  }));
  const hostWeights = (options.hostSortWeights ?? []).map((w) => ({
    weight: w.weight,
    pattern: globToRegExp(w.hostPath.replace(/^\.\//, "").replace(/\/+$/, "")),
  }));
  const walk = (d: SourceDirectory, dPath: string, inheritedWeight: number) => {
    for (const child of d.children) {
      const childPath = `${dPath}/${child.name}`;
      const matches = (re: RegExp) =>
        re.test(child.name) || re.test(childPath) || re.test(childPath.slice(1)) ||
        (child.hostPath !== undefined && re.test(child.hostPath));
      child.hiddenIso = hide.some(matches);
      child.hiddenJoliet = hideJoliet.some(matches);
      const own = weights.filter((w) => w.isoPath === childPath.slice(1));
      const byHost = child.hostPath === undefined
        ? []
        : hostWeights.filter((w) => w.pattern.test(child.hostPath!));
      child.sortWeight = own.length > 0
        ? own[own.length - 1].weight
        : byHost.length > 0
        ? byHost[byHost.length - 1].weight
        : inheritedWeight;
      if (child.kind === "directory") walk(child, childPath, child.sortWeight);
    }
  };
  const rootWeight = weights.filter((w) => w.isoPath === "");
  walk(dir, path, rootWeight.length > 0 ? rootWeight[rootWeight.length - 1].weight : 0);
}

/** What {@link addVirtualFile} needs. */
export interface VirtualFile {
  /** Image path, "dir/name" ("/" separated; missing directories are made). */
  readonly isoPath: string;
  readonly contents: readonly Region[];
  /** Modification time (and access and change time). */
  readonly time: Date;
  readonly mode?: number;
  readonly hiddenIso?: boolean;
  readonly hiddenJoliet?: boolean;
  /** Higher weights are placed earlier in the data area (boot images go first). */
  readonly sortWeight?: number;
}

/**
 * Adds a file whose bytes come from regions (not from a host file) to a scanned tree, replacing
 * any entry of that path. Returns the new node.
 *
 * @example
 * ```ts
 * addVirtualFile(tree, { isoPath: "boot/efi.img", contents: fatPlan.regions.regions, time: new Date(0) });
 * ```
 */
export function addVirtualFile(tree: SourceTree, file: VirtualFile): SourceFile {
  const parts = normalizeIsoPath(file.isoPath).split("/");
  const name = parts.pop()!;
  let dir = tree.root;
  let path = "";
  for (const part of parts) {
    path += `/${part}`;
    dir = ensureDirectory(dir, part, file.time, path);
  }
  checkName(name, file.isoPath);
  const node: SourceFile = {
    kind: "file",
    name,
    hostPath: `(${file.isoPath})`,
    mode: file.mode ?? 0o100644,
    uid: 0,
    gid: 0,
    mtime: file.time,
    atime: file.time,
    ctime: file.time,
    hiddenIso: file.hiddenIso ?? false,
    hiddenJoliet: file.hiddenJoliet ?? false,
    sortWeight: file.sortWeight ?? 0,
    byteLength: file.contents.reduce((sum, r) => sum + regionByteLength(r), 0),
    inodeKey: undefined,
    contents: file.contents,
  };
  const index = dir.children.findIndex((c) => c.name === name);
  if (index >= 0) dir.children[index] = node;
  else {
    dir.children.push(node);
    sortTree(dir);
  }
  return node;
}

/** UTF-8 length of a string, without encoding it. */
/** "/a//b/" → "a/b". */
export function normalizeIsoPath(path: string): string {
  return path.split("/").filter((p) => p !== "" && p !== ".").join("/");
}

function baseName(path: string): string {
  const parts = path.replace(/\/+$/, "").split("/");
  return parts[parts.length - 1] || "/";
}

/**
 * A shell glob (`*`, `?`, `[...]`) as an anchored regular expression.
 *
 * @example
 * ```ts
 * globToRegExp("*.tmp").test("a.tmp"); // true
 * ```
 */
export function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i];
    if (ch === "*") re += ".*";
    else if (ch === "?") re += ".";
    else if (ch === "[") {
      const close = glob.indexOf("]", i + 1);
      if (close < 0) re += "\\[";
      else {
        re += "[" + glob.slice(i + 1, close).replace(/^!/, "^").replace(/\\/g, "\\\\") + "]";
        i = close;
      }
    } else re += ch.replace(/[.+^${}()|\\/]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}
