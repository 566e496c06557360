/**
 * Interop: the same awkward tree (tests/_fixtures.ts) is built by our `cli/build.ts` and by
 * `xorriso -as mkisofs` (the oracle), with two option sets, and each image is read back by independent
 * readers: pycdlib (Rock Ridge, Joliet and ISO 9660 trees), `xorriso -osirrox` extraction + `diff -r`,
 * `7z x`, `isoinfo -d/-l` and libcdio's `iso-info -l`. Every check must pass on xorriso's image too.
 *
 * Facts observed on this machine with xorriso 1.5.4 (asserted below, so ours must match them):
 * - `-R` keeps real modes, owners and link counts; `-r` makes uid/gid 0 and modes "read for all,
 *   write for none, execute for all if anyone may execute": files 0444 (0555 if executable),
 *   directories 0555 and symlinks 0555 (0o120555).
 * - symlinks are left out of the Joliet tree (genisoimage lists them as empty files: both accepted).
 * - Joliet names: 64 UCS-2 units, 103 with `-joliet-long` (xorriso does not count the dot of an
 *   extension, so a cut name may be one unit longer); a character outside the BMP is replaced.
 * - hard links share one data extent and carry st_nlink 2 in PX.
 * - 7-Zip 26.02 extracts the Joliet tree when there is one (it reads Rock Ridge names only without
 *   Joliet, and then ignores NM continuation areas).
 * - libcdio's iso-info ignores NM continuation areas: a very long Rock Ridge name shows cut (~96
 *   bytes); isoinfo -J prints Joliet names in ISO 8859-1, with "_" for other characters.
 * @module
 */

import assert from "node:assert/strict";
import { makeInteropTree, type TreeEntry } from "./_fixtures.ts";
import {
  type Builder,
  BUILDERS,
  buildWithDiscwright,
  buildWithXorriso,
  pycdlibPython,
  run,
  sha256,
  sha256File,
  tempDir,
  toolTest,
} from "./_tools.ts";

// ---------------------------------------------------------------------------------------------------
// Option sets and expectations

interface OptionSet {
  readonly label: string;
  readonly args: readonly string[];
  readonly isoLevel: 1 | 2 | 3;
  /** `-r`: rationalised modes and owners. */
  readonly rational: boolean;
  /** Joliet name limit in UCS-2 units. */
  readonly jolietMaxUnits: number;
  readonly volumeId: string;
}

const OPTION_SETS: readonly OptionSet[] = [
  {
    label: "-R -J -joliet-long -iso-level 3 -V INTEROP",
    args: ["-R", "-J", "-joliet-long", "-iso-level", "3", "-V", "INTEROP"],
    isoLevel: 3,
    rational: false,
    jolietMaxUnits: 103,
    volumeId: "INTEROP",
  },
  {
    // Default level (1) and default volume id: xorriso -as mkisofs writes "ISOIMAGE".
    label: "-r -J",
    args: ["-r", "-J"],
    isoLevel: 1,
    rational: true,
    jolietMaxUnits: 64,
    volumeId: "ISOIMAGE",
  },
];

const TYPE_BITS = { file: 0o100000, dir: 0o040000, symlink: 0o120000 } as const;
type Kind = keyof typeof TYPE_BITS;

/** What a reader should see for one source entry. */
interface Expected {
  readonly path: string;
  readonly kind: Kind;
  readonly byteLength: number;
  /** Full st_mode (type + permissions) as Rock Ridge should record it. */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly nlink: number;
  readonly linkTarget?: string;
  readonly sha256?: string;
  readonly hardLinkOf?: string;
}

/** mkisofs `-r` as xorriso applies it (observed): r for all, w for none, x for all if any x. */
function rationalisedPermissions(perm: number): number {
  let p = (perm | 0o444) & ~0o222 & 0o777;
  if (perm & 0o111) p |= 0o111;
  return p;
}

interface SourceTree {
  readonly root: string;
  readonly entries: readonly TreeEntry[];
  readonly expectedFor: (set: OptionSet) => Expected[];
}

// ---------------------------------------------------------------------------------------------------
// Shared state: one tree and one image per (builder, option set), made lazily, removed at unload.

const WORK = Deno.makeTempDirSync({ prefix: "discwright-interop-" });
globalThis.addEventListener("unload", () => {
  try {
    Deno.removeSync(WORK, { recursive: true });
  } catch {
    // best effort
  }
});

let treePromise: Promise<SourceTree> | undefined;

function sourceTree(): Promise<SourceTree> {
  treePromise ??= (async () => {
    const root = `${WORK}/tree`;
    await Deno.mkdir(root);
    const info = await makeInteropTree(root);
    const raw = await Promise.all(info.entries.map(async (e) => {
      const st = await Deno.lstat(`${root}/${e.path}`);
      const digest = e.kind === "file" ? sha256(await Deno.readFile(`${root}/${e.path}`)) : undefined;
      return { e, st, digest };
    }));
    return {
      root,
      entries: info.entries,
      expectedFor: (set) =>
        raw.map(({ e, st, digest }) => {
          const perm = (st.mode ?? 0) & 0o7777;
          return {
            path: e.path,
            kind: e.kind,
            byteLength: e.byteLength,
            mode: TYPE_BITS[e.kind] | (set.rational ? rationalisedPermissions(perm) : perm),
            uid: set.rational ? 0 : st.uid ?? 0,
            gid: set.rational ? 0 : st.gid ?? 0,
            nlink: st.nlink ?? 1,
            linkTarget: e.linkTarget,
            sha256: digest,
            hardLinkOf: e.hardLinkOf,
          };
        }),
    };
  })();
  return treePromise;
}

const images = new Map<string, Promise<string>>();

/** Builds (once) the image of the interop tree with a builder and an option set; returns its path. */
function imageOf(builder: Builder, set: OptionSet): Promise<string> {
  const key = `${builder.name} ${set.label}`;
  let image = images.get(key);
  if (!image) {
    image = (async () => {
      const tree = await sourceTree();
      const dir = await Deno.makeTempDir({ dir: WORK, prefix: `img-${builder.name}-` });
      const out = `${dir}/interop.iso`;
      const result = await builder.build([...set.args, "-o", out, tree.root]);
      if (result.code !== 0) {
        throw new Error(
          `${key}: build exited with ${result.code}:\n${
            result.stderr.trimEnd().split("\n").slice(-15).join("\n")
          }`,
        );
      }
      return out;
    })();
    images.set(key, image);
  }
  return image;
}

// ---------------------------------------------------------------------------------------------------
// Views of an image as listed by a reader, and comparisons

/** One entry as a reader lists it (path relative to the image root, no leading slash). */
interface Listed {
  readonly path: string;
  readonly kind: Kind | "other";
  readonly byteLength?: number;
  readonly mode?: number;
  readonly uid?: number;
  readonly gid?: number;
  readonly nlink?: number;
  readonly linkTarget?: string;
  readonly sha256?: string;
  readonly extent?: number;
}

const parentOf = (path: string) => path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "";
const baseName = (path: string) => path.slice(path.lastIndexOf("/") + 1);
const byPath = <T extends { path: string }>(items: readonly T[]) =>
  [...items].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

/** Directories a Rock Ridge relocation may add at the root (genisoimage style); ignored by every view. */
const isRelocationDir = (path: string) => /^\.?rr_moved(\/|$)/i.test(path);

/** Drops repeated paths (pycdlib lists a relocated directory twice). */
function dedupe(listed: readonly Listed[]): Listed[] {
  const seen = new Set<string>();
  return listed.filter((l) => !seen.has(l.path) && seen.add(l.path));
}

/**
 * Deep directories may be relocated (RRIP CL/PL/RE: the directory lives in /rr_moved, a placeholder
 * with CL stays at its real place) or written in place (xorriso). Readers that do not follow CL
 * (pycdlib, isoinfo, iso-info) show the relocated layout: move each rr_moved/NAME subtree back over its
 * placeholder (same name, case-insensitively, at depth 8 or more) so both layouts compare alike.
 */
function undoRelocation(listedRaw: readonly Listed[]): Listed[] {
  const listed = dedupe(listedRaw);
  let result = listed.filter((l) => !isRelocationDir(l.path));
  for (const moved of listed.filter((l) => /^\.?rr_moved\/[^/]+$/i.test(l.path))) {
    const name = baseName(moved.path).toLowerCase();
    const placeholder = result.find((l) =>
      baseName(l.path).toLowerCase() === name && l.path.split("/").length >= 8
    );
    if (!placeholder) continue;
    const prefix = `${moved.path}/`;
    result = result.filter((l) => l !== placeholder);
    result.push({ ...moved, path: placeholder.path });
    for (const l of listed) {
      if (l.path.startsWith(prefix)) {
        result.push({ ...l, path: `${placeholder.path}/${l.path.slice(prefix.length)}` });
      }
    }
  }
  return result;
}

const utf8Length = (text: string) => new TextEncoder().encode(text).byteLength;

/**
 * Compares a Rock Ridge view with the source. `fields` says what the reader can tell; `cutNames` is for
 * readers that ignore continuation areas: a listed name may be a prefix (≥ 60 characters) of the real
 * one, and the mode/owner of entries with names over 90 bytes are not compared (PX may sit in the CE).
 */
function assertRockRidgeView(
  what: string,
  listedRaw: readonly Listed[],
  expected: readonly Expected[],
  fields: {
    mode?: boolean;
    permissionsOnly?: boolean;
    owner?: boolean;
    nlink?: boolean;
    content?: boolean;
    linkTarget?: boolean;
    cutNames?: boolean;
  },
): void {
  const listed = undoRelocation(listedRaw);
  const expectedPaths = new Set(expected.map((e) => e.path));
  const renamed = listed.map((l) => {
    if (!fields.cutNames || expectedPaths.has(l.path)) return l;
    const name = baseName(l.path);
    const full = expected.find((e) =>
      parentOf(e.path) === parentOf(l.path) && name.length >= 60 && baseName(e.path).startsWith(name)
    );
    return full ? { ...l, path: full.path } : l;
  });
  const pick = (x: Listed | Expected) => {
    const o: Record<string, unknown> = { kind: x.kind };
    if (x.kind === "file") o.byteLength = x.byteLength;
    // Host symlinks always show 0777 (Linux ignores their modes): compare them only inside the image.
    // A reader that ignores continuation areas misses PX when a long NM pushed it there.
    const attributesMayHide = fields.cutNames && utf8Length(baseName(x.path)) > 90;
    if (
      fields.mode && x.mode !== undefined && !(fields.permissionsOnly && x.kind === "symlink") &&
      !attributesMayHide
    ) {
      o.mode = fields.permissionsOnly ? `0o${(x.mode & 0o7777).toString(8)}` : `0o${x.mode.toString(8)}`;
    }
    if (fields.owner && !attributesMayHide) o.owner = `${x.uid}:${x.gid}`;
    if (fields.nlink && x.kind === "file") o.nlink = x.nlink;
    if (fields.content && x.kind === "file") o.sha256 = x.sha256;
    if (fields.linkTarget && x.kind === "symlink") o.linkTarget = x.linkTarget;
    return o;
  };
  const actual = Object.fromEntries(byPath(renamed).map((l) => [l.path, pick(l)]));
  const wanted = Object.fromEntries(byPath(expected).map((e) => [e.path, pick(e)]));
  assert.deepEqual(actual, wanted, `${what}: Rock Ridge view differs from the source tree`);
}

const JOLIET_FORBIDDEN = new Set(["*", "/", ":", ";", "?", "\\"]);

/** Index (UTF-16 units) of the first character Joliet cannot hold, or the name's length. */
function firstUnrepresentable(name: string): number {
  let i = 0;
  for (const ch of name) {
    const cp = ch.codePointAt(0)!;
    if (cp > 0xffff || cp < 0x20 || JOLIET_FORBIDDEN.has(ch)) return i;
    i += ch.length;
  }
  return name.length;
}

const commonPrefixLength = (a: string, b: string) => {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
};

/**
 * Matches a Joliet view with the source tree, directory by directory: names Joliet can hold must be
 * there exactly (after `transform`, which models how a reader prints them); other names (too long, or
 * with characters outside UCS-2) must be cut/replaced plausibly: at most `maxUnits + 1` units, at least
 * `maxUnits` when the name was too long, and agreeing with the source up to the first unrepresentable
 * character (or 60 units). Symlinks may be absent (xorriso) or empty files (genisoimage).
 * Returns source path → listed entry.
 */
function matchJoliet(
  what: string,
  listedRaw: readonly Listed[],
  expected: readonly Expected[],
  maxUnits: number,
  transform: (name: string) => string = (name) => name,
): Map<string, Listed> {
  const listed = listedRaw.filter((l) => !isRelocationDir(l.path));
  const children = new Map<string, Listed[]>();
  for (const l of listed) {
    const parent = parentOf(l.path);
    children.set(parent, [...(children.get(parent) ?? []), l]);
  }
  const result = new Map<string, Listed>();
  const problems: string[] = [];
  const walk = (sourceDir: string, listedDir: string) => {
    const kids = [...(children.get(listedDir) ?? [])];
    const take = (accept: (name: string) => boolean) => {
      const i = kids.findIndex((k) => accept(baseName(k.path)));
      return i < 0 ? undefined : kids.splice(i, 1)[0];
    };
    const sources = expected.filter((e) => parentOf(e.path) === sourceDir);
    const pending: Expected[] = [];
    for (const s of sources) {
      const name = baseName(s.path);
      if (name.length <= maxUnits && firstUnrepresentable(name) === name.length) {
        const hit = take((n) => n === transform(name));
        if (hit) result.set(s.path, hit);
        else if (s.kind !== "symlink") problems.push(`missing ${JSON.stringify(s.path)}`);
      } else {
        pending.push(s);
      }
    }
    for (const s of pending) {
      const name = baseName(s.path);
      const shown = transform(name);
      const need = Math.min(firstUnrepresentable(name), 60);
      const hit = take((n) =>
        n.length <= maxUnits + 1 && (name.length <= maxUnits || n.length >= maxUnits) &&
        commonPrefixLength(shown, n) >= need
      );
      if (hit) result.set(s.path, hit);
      else if (s.kind !== "symlink") problems.push(`no acceptable Joliet name for ${JSON.stringify(s.path)}`);
    }
    for (const k of kids) problems.push(`unexpected ${JSON.stringify(k.path)}`);
    for (const s of sources) {
      const hit = result.get(s.path);
      if (s.kind === "dir" && hit) walk(s.path, hit.path);
    }
  };
  walk("", "");
  assert.deepEqual(problems, [], `${what}: Joliet names do not match the source tree`);
  return result;
}

/** Joliet view: kinds, sizes and (optionally) contents of matched entries. */
function assertJolietView(
  what: string,
  listed: readonly Listed[],
  expected: readonly Expected[],
  maxUnits: number,
  opts: { content?: boolean; transform?: (name: string) => string } = {},
): void {
  const matched = matchJoliet(what, listed, expected, maxUnits, opts.transform);
  const actual: Record<string, unknown> = {};
  const wanted: Record<string, unknown> = {};
  for (const e of byPath(expected)) {
    const l = matched.get(e.path);
    if (!l && e.kind === "symlink") continue; // left out of Joliet (xorriso)
    const shape = (kind: string, byteLength: number | undefined, digest: string | undefined) => ({
      kind,
      ...(kind === "file" ? { byteLength } : {}),
      ...(opts.content && kind === "file" ? { sha256: digest } : {}),
    });
    actual[e.path] = l ? shape(l.kind, l.byteLength, l.sha256) : undefined;
    // A symlink that is listed must be an empty file (genisoimage style).
    wanted[e.path] = e.kind === "symlink"
      ? shape("file", 0, sha256(new Uint8Array(0)))
      : shape(e.kind, e.byteLength, e.sha256);
  }
  assert.deepEqual(actual, wanted, `${what}: Joliet entries differ from the source tree`);
}

/** ISO 9660 identifiers: valid d-characters, within the level's limits, unique per directory. */
function assertIso9660Names(
  what: string,
  listed: readonly Listed[],
  expected: readonly Expected[],
  level: number,
) {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const l of listed) {
    const name = baseName(l.path);
    if (seen.has(l.path)) problems.push(`duplicate ${l.path}`);
    seen.add(l.path);
    if (l.kind === "dir") {
      if (!/^[A-Z0-9_]+$/.test(name)) problems.push(`bad directory identifier ${JSON.stringify(l.path)}`);
      if (name.length > (level === 1 ? 8 : 31)) {
        problems.push(`directory identifier too long ${JSON.stringify(l.path)}`);
      }
    } else {
      const m = /^([A-Z0-9_]*)\.([A-Z0-9_]*);1$/.exec(name);
      if (!m || m[1].length + m[2].length === 0) {
        problems.push(`bad file identifier ${JSON.stringify(l.path)}`);
        continue;
      }
      const tooLong = level === 1 ? m[1].length > 8 || m[2].length > 3 : m[1].length + m[2].length > 30;
      if (tooLong) problems.push(`file identifier too long for level ${level}: ${JSON.stringify(l.path)}`);
    }
  }
  assert.deepEqual(problems, [], `${what}: ISO 9660 identifiers`);
  const files = listed.filter((l) => l.kind !== "dir").length;
  const wanted = expected.filter((e) => e.kind !== "dir").length;
  assert.equal(files, wanted, `${what}: number of ISO 9660 file records (files + symlinks)`);
}

// ---------------------------------------------------------------------------------------------------
// Readers

const PYCDLIB_WALK = String.raw`
import sys, json, hashlib, re, pycdlib
iso = pycdlib.PyCdlib()
iso.open(sys.argv[1])
def digest(key, p):
    h = hashlib.sha256()
    with iso.open_file_from_iso(**{key: p}) as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                break
            h.update(b)
    return h.hexdigest()
def entry(key, p):
    rec = iso.get_record(**{key: p})
    symlink = key == "rr_path" and rec.is_symlink()
    kind = "dir" if rec.is_dir() else ("symlink" if symlink else "file")
    name = p.lstrip("/")
    if key == "joliet_path":
        name = re.sub(r";\d+$", "", name)
    d = {"path": name, "kind": kind, "byteLength": rec.get_data_length(), "extent": rec.extent_location()}
    rr = rec.rock_ridge
    if key == "rr_path" and rr is not None:
        px = rr.dr_entries.px_record or rr.ce_entries.px_record
        if px is not None:
            d.update(mode=px.posix_file_mode, nlink=px.posix_file_links, uid=px.posix_user_id, gid=px.posix_group_id)
        if symlink:
            d["linkTarget"] = rr.symlink_path().decode("utf-8")
    if kind == "file":
        d["sha256"] = digest(key, p)
    return d
def walk(key):
    out = []
    for dirpath, dirs, files in iso.walk(**{key: "/"}):
        for name in dirs + files:
            out.append(entry(key, dirpath.rstrip("/") + "/" + name))
    return out
rock = iso.has_rock_ridge()
json.dump({
    "volumeId": iso.pvd.volume_identifier.decode("ascii", "replace").rstrip(),
    "rockRidge": rock,
    "joliet": iso.has_joliet(),
    "rrTree": walk("rr_path") if rock else None,
    "jolietTree": walk("joliet_path") if iso.has_joliet() else None,
    "isoTree": walk("iso_path"),
}, sys.stdout)
`;

interface PycdlibView {
  readonly volumeId: string;
  readonly rockRidge: string | null;
  readonly joliet: boolean;
  readonly rrTree: Listed[] | null;
  readonly jolietTree: Listed[] | null;
  readonly isoTree: Listed[];
}

const pycdlibViews = new Map<string, Promise<PycdlibView>>();

function readWithPycdlib(image: string): Promise<PycdlibView> {
  let view = pycdlibViews.get(image);
  if (!view) {
    view = run(pycdlibPython() ?? "python3", ["-c", PYCDLIB_WALK, image]).then((r) => JSON.parse(r.stdout));
    pycdlibViews.set(image, view);
  }
  return view;
}

/** Parses "rwxr-xr-x" (the 9 permission characters of ls -l style output). */
function parsePermissions(text: string): number {
  let mode = 0;
  for (let i = 0; i < 9; i++) if (!"-ST".includes(text[i])) mode |= 1 << (8 - i); // S/T: special bit without x
  if ("sS".includes(text[2])) mode |= 0o4000;
  if ("sS".includes(text[5])) mode |= 0o2000;
  if ("tT".includes(text[8])) mode |= 0o1000;
  return mode;
}

const KIND_OF_TYPE_CHAR: Record<string, Kind | "other"> = { "-": "file", d: "dir", l: "symlink" };

/** Parses `isoinfo -l [-R|-J]` output. */
function parseIsoinfoListing(text: string): Listed[] {
  const out: Listed[] = [];
  let dir = "";
  const line =
    /^([-dlcbps])([-rwxsStT]{9})\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+\w{3}\s+\d+\s+\d{4}\s+\[\s*(\d+)\s+[0-9A-Fa-f]+\]?\s\s(.*)$/;
  for (const raw of text.split("\n")) {
    const header = /^Directory listing of (\/.*)$/.exec(raw);
    if (header) {
      dir = header[1].replace(/^\/+|\/+$/g, "");
      continue;
    }
    const m = line.exec(raw);
    if (!m) continue;
    let name = m[8].replace(/ $/, "");
    let linkTarget: string | undefined;
    const kind = KIND_OF_TYPE_CHAR[m[1]] ?? "other";
    if (kind === "symlink" && name.includes(" -> ")) {
      linkTarget = name.slice(name.indexOf(" -> ") + 4);
      name = name.slice(0, name.indexOf(" -> "));
    }
    if (name === "." || name === "..") continue;
    name = name.replace(/;\d+$/, "");
    out.push({
      path: dir ? `${dir}/${name}` : name,
      kind,
      mode: (kind === "other" ? 0 : TYPE_BITS[kind]) | parsePermissions(m[2]),
      nlink: Number(m[3]),
      uid: Number(m[4]),
      gid: Number(m[5]),
      byteLength: Number(m[6]),
      extent: Number(m[7]),
      linkTarget,
    });
  }
  return out;
}

/** Parses libcdio `iso-info --no-header -l` output (with or without permission columns). */
function parseIsoInfoListing(text: string): Listed[] {
  const out: Listed[] = [];
  let dir = "";
  const line =
    /^\s+([-dlcbps])([-rwxsStT]{9})?\s+(?:(\d+)\s+(\d+)\s+(\d+)\s+)?\[LSN\s+(\d+)\]\s+(\d+)\s+\w{3}\s+\d+\s+\d{4}\s+[\d:]+\s\s(.*)$/;
  for (const raw of text.split("\n")) {
    const header = /^(\/.*):$/.exec(raw);
    if (header) {
      dir = header[1].replace(/^\/+|\/+$/g, "");
      continue;
    }
    const m = line.exec(raw);
    if (!m) continue;
    let name = m[8];
    let linkTarget: string | undefined;
    const kind = KIND_OF_TYPE_CHAR[m[1]] ?? "other";
    if (kind === "symlink" && name.includes(" -> ")) {
      linkTarget = name.slice(name.indexOf(" -> ") + 4);
      name = name.slice(0, name.indexOf(" -> "));
    }
    if (name === "." || name === "..") continue;
    name = name.replace(/;\d+$/, "");
    out.push({
      path: dir ? `${dir}/${name}` : name,
      kind,
      mode: m[2] ? (kind === "other" ? 0 : TYPE_BITS[kind]) | parsePermissions(m[2]) : undefined,
      nlink: m[3] ? Number(m[3]) : undefined,
      uid: m[4] ? Number(m[4]) : undefined,
      gid: m[5] ? Number(m[5]) : undefined,
      extent: Number(m[6]),
      byteLength: Number(m[7]),
      linkTarget,
    });
  }
  return out;
}

/** Lists an extracted host directory (lstat; sha256 of files). */
async function listHostTree(root: string): Promise<Listed[]> {
  const out: Listed[] = [];
  const walk = async (rel: string) => {
    for await (const entry of Deno.readDir(rel ? `${root}/${rel}` : root)) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      const st = await Deno.lstat(`${root}/${path}`);
      const kind: Kind | "other" = st.isSymlink
        ? "symlink"
        : st.isDirectory
        ? "dir"
        : st.isFile
        ? "file"
        : "other";
      out.push({
        path,
        kind,
        byteLength: kind === "file" ? st.size : undefined,
        mode: st.mode ?? undefined,
        uid: st.uid ?? undefined,
        gid: st.gid ?? undefined,
        nlink: st.nlink ?? undefined,
        linkTarget: kind === "symlink" ? await Deno.readLink(`${root}/${path}`) : undefined,
        sha256: kind === "file" ? await sha256File(`${root}/${path}`) : undefined,
      });
      if (kind === "dir") await walk(path);
    }
  };
  await walk("");
  return out;
}

// ---------------------------------------------------------------------------------------------------
// The checks, for every builder and option set

for (const builder of BUILDERS) {
  for (const set of OPTION_SETS) {
    const title = `interop ${builder.name} [${set.label}]`;
    const needs = (...tools: string[]) => [...builder.tools, ...tools];

    toolTest(`${title}: builds a whole number of 2048-byte sectors, no stray files`, needs(), async () => {
      const image = await imageOf(builder, set);
      const st = await Deno.stat(image);
      assert.ok(
        st.size > 0 && st.size % 2048 === 0,
        `image size ${st.size} is not a positive multiple of 2048`,
      );
      const left = [];
      for await (const e of Deno.readDir(parentOf(image))) left.push(e.name);
      assert.deepEqual(left, ["interop.iso"], "only the image is left in the output directory");
    });

    toolTest(
      `${title}: pycdlib reads the Rock Ridge tree (names, sizes, modes, owners, links, data)`,
      needs("pycdlib"),
      async () => {
        const tree = await sourceTree();
        const expected = tree.expectedFor(set);
        const view = await readWithPycdlib(await imageOf(builder, set));
        assert.ok(view.rockRidge, "pycdlib finds Rock Ridge");
        assert.ok(view.rrTree);
        assertRockRidgeView(`${title} pycdlib`, view.rrTree, expected, {
          mode: true,
          owner: true,
          nlink: true,
          content: true,
          linkTarget: true,
        });
        // Hard links: one data extent shared by both names.
        const rr = new Map(view.rrTree.map((l) => [l.path, l]));
        for (const e of expected.filter((x) => x.hardLinkOf)) {
          assert.equal(
            rr.get(e.path)?.extent,
            rr.get(e.hardLinkOf!)?.extent,
            `${e.path} shares the extent of ${e.hardLinkOf}`,
          );
        }
      },
    );

    toolTest(`${title}: pycdlib reads the Joliet tree (names, sizes, data)`, needs("pycdlib"), async () => {
      const expected = (await sourceTree()).expectedFor(set);
      const view = await readWithPycdlib(await imageOf(builder, set));
      assert.ok(view.joliet, "pycdlib finds Joliet");
      assert.ok(view.jolietTree);
      assertJolietView(`${title} pycdlib`, view.jolietTree, expected, set.jolietMaxUnits, { content: true });
      const long = view.jolietTree.filter((l) => l.path.startsWith("long/"));
      assert.ok(
        long.every((l) => baseName(l.path).length >= set.jolietMaxUnits),
        `long names use the full Joliet length (${set.jolietMaxUnits}): ${
          long.map((l) => baseName(l.path).length)
        }`,
      );
    });

    toolTest(
      `${title}: pycdlib reads the ISO 9660 tree (level ${set.isoLevel} identifiers, unique)`,
      needs("pycdlib"),
      async () => {
        const expected = (await sourceTree()).expectedFor(set);
        const view = await readWithPycdlib(await imageOf(builder, set));
        assert.equal(view.volumeId, set.volumeId, "volume id");
        assertIso9660Names(`${title} pycdlib`, dedupe(view.isoTree), expected, set.isoLevel);
      },
    );

    toolTest(
      `${title}: xorriso -osirrox extract equals the source (diff -r, modes)`,
      needs("xorriso", "diff"),
      async () => {
        const tree = await sourceTree();
        const expected = tree.expectedFor(set);
        await using tmp = await tempDir("interop-osirrox-");
        const dest = `${tmp.path}/x`;
        await run("xorriso", [
          "-osirrox",
          "on",
          "-indev",
          await imageOf(builder, set),
          "-extract",
          "/",
          dest,
        ]);
        const diff = await run("diff", [
          "-r",
          "--no-dereference",
          "-x",
          "rr_moved",
          "-x",
          ".rr_moved",
          tree.root,
          dest,
        ], {
          allowFail: true,
        });
        assert.equal(
          diff.code,
          0,
          `diff -r --no-dereference found differences:\n${diff.stdout}${diff.stderr}`,
        );
        assertRockRidgeView(`${title} xorriso -extract`, await listHostTree(dest), expected, {
          mode: true,
          permissionsOnly: true,
          content: true,
          linkTarget: true,
        });
      },
    );

    toolTest(
      `${title}: 7z x extracts the Joliet tree with the right names and data`,
      needs("7z"),
      async () => {
        const expected = (await sourceTree()).expectedFor(set);
        await using tmp = await tempDir("interop-7z-");
        const dest = `${tmp.path}/x`;
        await run("7z", ["x", "-y", `-o${dest}`, await imageOf(builder, set)]);
        assertJolietView(`${title} 7z`, await listHostTree(dest), expected, set.jolietMaxUnits, {
          content: true,
        });
      },
    );

    toolTest(`${title}: isoinfo -d / -l -R / -J -l`, needs("isoinfo"), async () => {
      const expected = (await sourceTree()).expectedFor(set);
      const image = await imageOf(builder, set);
      const d = (await run("isoinfo", ["-d", "-i", image])).stdout;
      assert.match(d, new RegExp(`^Volume id: ${set.volumeId}$`, "m"));
      assert.match(d, /^Logical block size is: 2048$/m);
      assert.match(d, /^Joliet with UCS level 3 found$/m);
      assert.match(d, /^Rock Ridge signatures version \d+ found$/m);
      const sectors = Number(/^Volume size is: (\d+)$/m.exec(d)?.[1]);
      assert.equal(sectors * 2048, (await Deno.stat(image)).size, "volume space size × 2048 = image size");

      const rr = parseIsoinfoListing((await run("isoinfo", ["-l", "-R", "-i", image])).stdout);
      assertRockRidgeView(`${title} isoinfo -l -R`, rr, expected, {
        mode: true,
        owner: true,
        nlink: true,
        linkTarget: true,
      });

      // isoinfo -J prints ISO 8859-1; other characters become "_".
      const latin1 = new TextDecoder("latin1").decode(
        (await run("isoinfo", ["-J", "-l", "-i", image])).stdoutBytes,
      );
      const asIsoinfoShows = (name: string) => name.replace(/[\u0100-\uffff]/g, "_");
      assertJolietView(`${title} isoinfo -J -l`, parseIsoinfoListing(latin1), expected, set.jolietMaxUnits, {
        transform: asIsoinfoShows,
      });
    });

    toolTest(`${title}: iso-info -l (Joliet view and Rock Ridge view)`, needs("iso-info"), async () => {
      const expected = (await sourceTree()).expectedFor(set);
      const image = await imageOf(builder, set);
      const header = (await run("iso-info", ["-i", image])).stdout;
      assert.match(header, new RegExp(`^Volume\\s*: ${set.volumeId}$`, "m"));
      assert.match(header, /^Joliet Level: 3$/m);
      const joliet = parseIsoInfoListing((await run("iso-info", ["--no-header", "-l", image])).stdout);
      assertJolietView(`${title} iso-info -l`, joliet, expected, set.jolietMaxUnits);
      const rr = parseIsoInfoListing(
        (await run("iso-info", ["--no-header", "--no-joliet", "-l", image])).stdout,
      );
      assertRockRidgeView(`${title} iso-info --no-joliet -l`, rr, expected, {
        mode: true,
        owner: true,
        linkTarget: true,
        cutNames: true,
      });
    });
  }
}

// ---------------------------------------------------------------------------------------------------
// Reproducibility

const REPRO_ARGS = ["-R", "-J", "-joliet-long", "-iso-level", "3", "-V", "INTEROP"];
const REPRO_ENV = { SOURCE_DATE_EPOCH: "1700000000" };

async function buildTwice(build: typeof buildWithDiscwright, dir: string): Promise<[string, string]> {
  const tree = await sourceTree();
  const digests: string[] = [];
  for (const n of [1, 2]) {
    const out = `${dir}/repro${n}.iso`;
    const r = await build([...REPRO_ARGS, "-o", out, tree.root], { env: REPRO_ENV });
    assert.equal(
      r.code,
      0,
      `build ${n} exited with ${r.code}: ${r.stderr.trimEnd().split("\n").slice(-5).join("\n")}`,
    );
    digests.push(await sha256File(out));
    if (n === 1) await new Promise((resolve) => setTimeout(resolve, 1100)); // let the clock move
  }
  return [digests[0], digests[1]];
}

toolTest("reproducible: two discwright builds with SOURCE_DATE_EPOCH are identical bytes", [], async () => {
  await using tmp = await tempDir("interop-repro-");
  const [a, b] = await buildTwice(buildWithDiscwright, tmp.path);
  assert.equal(a, b, "sha256 of the two images");
});

toolTest("reproducible: xorriso with SOURCE_DATE_EPOCH (report only)", ["xorriso"], async () => {
  await using tmp = await tempDir("interop-repro-x-");
  const [a, b] = await buildTwice(buildWithXorriso, tmp.path);
  console.log(
    `xorriso: two builds with SOURCE_DATE_EPOCH are ${a === b ? "identical" : "different"} (${
      a.slice(0, 16)
    }…)`,
  );
});

// ---------------------------------------------------------------------------------------------------
// Bad input (ours only): exit 1, one line naming the file, no output file; unknown option: exit 2.

/** Lines of stderr that are ours (not Deno's own download/initialise notes). */
function ourLines(stderr: string): string[] {
  return stderr.split("\n").map((l) => l.trimEnd()).filter((l) =>
    l !== "" && !/^(Download|Initialize) /.test(l)
  );
}

async function listDir(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) names.push(e.name);
  return names.sort();
}

toolTest(
  "bad input: a missing source path fails with exit 1, one line naming it, no output",
  [],
  async () => {
    await using tmp = await tempDir("interop-bad-");
    await Deno.mkdir(`${tmp.path}/out`);
    const missing = `${tmp.path}/no-such-dir/missing.txt`;
    const r = await buildWithDiscwright(["-R", "-J", "-o", `${tmp.path}/out/bad.iso`, missing]);
    assert.equal(r.code, 1, `exit code (stderr: ${r.stderr})`);
    const lines = ourLines(r.stderr);
    assert.equal(lines.length, 1, `exactly one line on stderr, got:\n${r.stderr}`);
    assert.ok(lines[0].includes(missing), `the line names the path: ${lines[0]}`);
    assert.deepEqual(await listDir(`${tmp.path}/out`), [], "no output file (nor temporary file) is left");
  },
);

/**
 * How to make a file that stat()s as a readable-looking regular file but cannot be read:
 * - not root: a file with mode 000;
 * - root (CAP_DAC_OVERRIDE ignores modes): a write-only sysfs attribute such as /sys/bus/pci/rescan
 *   (mode 0200, size 4096; open(O_RDONLY) fails with EACCES even for root because the attribute has
 *   no show method). It is passed as a second source path, so it lands in the image root.
 */
function unreadableSource(): { kind: "chmod" } | { kind: "sysfs"; path: string } | {
  kind: "none";
  reason: string;
} {
  if (Deno.uid() !== 0) return { kind: "chmod" };
  const candidates = ["/sys/bus/pci/rescan"];
  try {
    for (const bus of Deno.readDirSync("/sys/bus")) {
      candidates.push(`/sys/bus/${bus.name}/drivers_probe`, `/sys/bus/${bus.name}/uevent`);
    }
  } catch {
    // no sysfs
  }
  for (const path of candidates) {
    try {
      const st = Deno.statSync(path);
      if (!st.isFile || st.size === 0) continue;
      Deno.openSync(path, { read: true }).close();
    } catch (error) {
      if (error instanceof Deno.errors.PermissionDenied) return { kind: "sysfs", path };
    }
  }
  return {
    kind: "none",
    reason: "running as root and no write-only sysfs attribute to stand for an unreadable file",
  };
}

const UNREADABLE = unreadableSource();

toolTest(
  "bad input: an unreadable file fails with exit 1, one line naming it, no output",
  [],
  async () => {
    await using tmp = await tempDir("interop-bad-");
    await Deno.mkdir(`${tmp.path}/out`);
    await Deno.mkdir(`${tmp.path}/src`);
    await Deno.writeTextFile(`${tmp.path}/src/hello.txt`, "hello\n");
    const sources = [`${tmp.path}/src`];
    let culprit: string;
    if (UNREADABLE.kind === "chmod") {
      culprit = `${tmp.path}/src/secret.bin`;
      await Deno.writeFile(culprit, new Uint8Array(4096));
      await Deno.chmod(culprit, 0o000);
    } else if (UNREADABLE.kind === "sysfs") {
      culprit = UNREADABLE.path;
      sources.push(culprit);
    } else {
      throw new Error("unreachable");
    }
    const r = await buildWithDiscwright(["-R", "-J", "-o", `${tmp.path}/out/bad.iso`, ...sources]);
    assert.equal(r.code, 1, `exit code (stderr: ${r.stderr})`);
    const lines = ourLines(r.stderr);
    assert.equal(lines.length, 1, `exactly one line on stderr, got:\n${r.stderr}`);
    assert.ok(lines[0].includes(culprit), `the line names the file: ${lines[0]}`);
    assert.deepEqual(await listDir(`${tmp.path}/out`), [], "no output file (nor temporary file) is left");
  },
  { skipReason: UNREADABLE.kind === "none" ? UNREADABLE.reason : undefined },
);

toolTest("bad input: an unknown option is refused by name with exit 2", [], async () => {
  await using tmp = await tempDir("interop-bad-");
  await Deno.mkdir(`${tmp.path}/out`);
  await Deno.mkdir(`${tmp.path}/src`);
  const r = await buildWithDiscwright([
    "-R",
    "--no-such-option",
    "-o",
    `${tmp.path}/out/bad.iso`,
    `${tmp.path}/src`,
  ]);
  assert.equal(r.code, 2, `exit code (stderr: ${r.stderr})`);
  assert.ok(r.stderr.includes("--no-such-option"), `stderr names the option: ${r.stderr}`);
  assert.deepEqual(await listDir(`${tmp.path}/out`), [], "no output file is left");
});
