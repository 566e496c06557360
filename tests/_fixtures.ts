/**
 * Source trees for interop tests and benchmarks, made on the fly with deterministic content.
 *
 * - {@link makeInteropTree}: a small tree full of awkward entries (unicode, long and colliding names,
 *   a deep chain, empty file/dir, relative/absolute/dangling symlinks, an executable, a hard link pair).
 * - {@link makeSmallFilesTree} / {@link makeBigFilesTree}: bulk trees for `bench/iso_build.ts`.
 * @module
 */

/** One entry of a tree made here, relative to the tree root. */
export interface TreeEntry {
  /** POSIX-style relative path ("docs/link"), never with a leading or trailing slash. */
  readonly path: string;
  readonly kind: "file" | "dir" | "symlink";
  /** File size in bytes (0 for directories and symlinks). */
  readonly byteLength: number;
  /** Permission bits (0o7777 part of st_mode) as set here. */
  readonly mode: number;
  /** Symlink target exactly as written by symlink(2). */
  readonly linkTarget?: string;
  /** For the second name of a hard link pair: the path of the first name. */
  readonly hardLinkOf?: string;
}

/** What {@link makeInteropTree} made. */
export interface TreeInfo {
  /** Absolute host path of the tree root. */
  readonly root: string;
  /** Every entry below the root (directories included), sorted by path. */
  readonly entries: readonly TreeEntry[];
}

/** The mtime given to every file and directory of the interop tree (2023-11-14T22:13:20Z). */
export const TREE_MTIME_SECONDS = 1_700_000_000;

/** Fixed names, exported so tests can refer to them. */
export const NAMES = {
  /** 120-character file name (incl. ".txt"). */
  long120: "long_" + "abcdefghij".repeat(11) + "x.txt",
  /** 200-character file name (no extension). */
  long200: "L".repeat(4) + "_" + "0123456789".repeat(19) + "_end_",
  /** Two names sharing their first 40 characters (collide when cut to 31). */
  collide31a: "collision_at_thirty_one_characters_long_A.txt",
  collide31b: "collision_at_thirty_one_characters_long_B.txt",
  emoji: "emoji_\u{1F600}.txt",
  deepDirs: ["d1", "d2", "d3", "d4", "d5", "d6", "d7", "d8", "d9", "d10"],
} as const;

/**
 * A small deterministic PRNG (xorshift32) so content is reproducible without storing it.
 * @param seed any 32-bit value (0 is mapped to a fixed non-zero seed).
 */
export function prng(seed: number): () => number {
  let x = (seed >>> 0) || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

/** Fills `bytes` with pseudo-random data from `next`. */
function fillRandom(bytes: Uint8Array, next: () => number): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let i = 0;
  for (; i + 4 <= bytes.byteLength; i += 4) view.setUint32(i, next(), true);
  for (; i < bytes.byteLength; i++) bytes[i] = next() & 0xff;
  return bytes;
}

/** Deterministic pseudo-random bytes for a given seed. */
export function randomBytes(seed: number, byteLength: number): Uint8Array {
  return fillRandom(new Uint8Array(byteLength), prng(seed));
}

/** FNV-1a hash of a string, used to seed content by path. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

const encoder = new TextEncoder();

/**
 * Creates the interop tree in `dir` (which must exist and should be empty) and returns what it made.
 *
 * Layout (all directories 0755, files 0644 unless noted, every mtime {@link TREE_MTIME_SECONDS}):
 * ```
 * hello.txt                      "Hello, discwright!\n"
 * empty_file                     0 bytes
 * empty_dir/
 * bin/run.sh                     0755, a shell script
 * unicode/café.txt über.txt 日本語.txt emoji_😀.txt  Ünïcödé_dir/inside.txt
 * long/<120-char name>.txt  long/<200-char name>
 * collide/file_number_0.txt … file_number_39.txt, a.b.c.d, .hidden, NOEXT,
 *         "lower case+plus~tilde.tar.gz", two names equal in their first 40 characters
 * d1/d2/…/d10/bottom.txt         a chain of 10 directories
 * docs/readme.md  docs/link -> ../hello.txt  docs/abslink -> /usr/share/doc/some/target
 * docs/dangling -> no/such/target
 * data/random_1k.bin random_3k.bin random_5000.bin random_8k.bin   pseudo-random content
 * data/hard_a.bin + data/hard_b.bin  one inode, two names
 * ```
 */
export async function makeInteropTree(dir: string): Promise<TreeInfo> {
  const entries: TreeEntry[] = [];
  const dirs: string[] = [];

  const mkdir = async (path: string) => {
    await Deno.mkdir(`${dir}/${path}`);
    await Deno.chmod(`${dir}/${path}`, 0o755);
    entries.push({ path, kind: "dir", byteLength: 0, mode: 0o755 });
    dirs.push(path);
  };
  const file = async (path: string, data: Uint8Array | string, mode = 0o644) => {
    const bytes = typeof data === "string" ? encoder.encode(data) : data;
    await Deno.writeFile(`${dir}/${path}`, bytes);
    await Deno.chmod(`${dir}/${path}`, mode);
    entries.push({ path, kind: "file", byteLength: bytes.byteLength, mode });
  };
  const symlink = async (path: string, target: string) => {
    await Deno.symlink(target, `${dir}/${path}`);
    entries.push({ path, kind: "symlink", byteLength: 0, mode: 0o777, linkTarget: target });
  };

  await file("hello.txt", "Hello, discwright!\n");
  await file("empty_file", new Uint8Array(0));
  await mkdir("empty_dir");

  await mkdir("bin");
  await file("bin/run.sh", "#!/bin/sh\necho 'discwright interop'\n", 0o755);

  await mkdir("unicode");
  await file("unicode/café.txt", "café\n");
  await file("unicode/über.txt", "über\n");
  await file("unicode/日本語.txt", "日本語\n");
  await file(`unicode/${NAMES.emoji}`, "emoji\n");
  await mkdir("unicode/Ünïcödé_dir");
  await file("unicode/Ünïcödé_dir/inside.txt", "inside\n");

  await mkdir("long");
  await file(`long/${NAMES.long120}`, "120\n");
  await file(`long/${NAMES.long200}`, "200\n");

  await mkdir("collide");
  for (let n = 0; n < 40; n++) await file(`collide/file_number_${n}.txt`, `file number ${n}\n`);
  await file("collide/a.b.c.d", "a.b.c.d\n");
  await file("collide/.hidden", "hidden\n");
  await file("collide/NOEXT", "noext\n");
  await file("collide/lower case+plus~tilde.tar.gz", randomBytes(7, 333));
  await file(`collide/${NAMES.collide31a}`, "A\n");
  await file(`collide/${NAMES.collide31b}`, "B\n");

  let deep = "";
  for (const name of NAMES.deepDirs) {
    deep = deep ? `${deep}/${name}` : name;
    await mkdir(deep);
  }
  await file(`${deep}/bottom.txt`, "bottom of a 10-level chain\n");

  await mkdir("docs");
  await file("docs/readme.md", "# docs\n");
  await symlink("docs/link", "../hello.txt");
  await symlink("docs/abslink", "/usr/share/doc/some/target");
  await symlink("docs/dangling", "no/such/target");

  await mkdir("data");
  for (
    const [name, byteLength] of [["random_1k.bin", 1024], ["random_3k.bin", 3072], [
      "random_5000.bin",
      5000,
    ], ["random_8k.bin", 8192]] as const
  ) {
    await file(`data/${name}`, randomBytes(hashString(name), byteLength));
  }
  await file("data/hard_a.bin", randomBytes(42, 4096));
  await Deno.link(`${dir}/data/hard_a.bin`, `${dir}/data/hard_b.bin`);
  entries.push({
    path: "data/hard_b.bin",
    kind: "file",
    byteLength: 4096,
    mode: 0o644,
    hardLinkOf: "data/hard_a.bin",
  });

  // Fixed mtimes (files first, then directories deepest first, so the directory times stick).
  const mtime = new Date(TREE_MTIME_SECONDS * 1000);
  for (const e of entries) if (e.kind === "file") await Deno.utime(`${dir}/${e.path}`, mtime, mtime);
  for (const d of [...dirs].reverse()) await Deno.utime(`${dir}/${d}`, mtime, mtime);
  await Deno.utime(dir, mtime, mtime);

  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { root: dir, entries };
}

/** Size of the chunks {@link makeBigFilesTree} writes. */
const MIB = 1024 * 1024;

/**
 * Creates `count` small files with deterministic content and sizes in [minBytes, maxBytes],
 * spread over subdirectories of at most 1000 files each (`dir/d000/f00000.bin`, ...).
 * @returns the total number of bytes written.
 */
export async function makeSmallFilesTree(
  dir: string,
  count: number,
  minBytes: number,
  maxBytes: number,
): Promise<number> {
  const next = prng(0x5eed);
  const pool = randomBytes(0xc0ffee, maxBytes + 65536);
  let total = 0;
  for (let i = 0; i < count; i++) {
    const sub = `${dir}/d${String(Math.floor(i / 1000)).padStart(3, "0")}`;
    if (i % 1000 === 0) await Deno.mkdir(sub, { recursive: true });
    const byteLength = minBytes + (next() % (maxBytes - minBytes + 1));
    const start = next() % 65536;
    await Deno.writeFile(
      `${sub}/f${String(i).padStart(5, "0")}.bin`,
      pool.subarray(start, start + byteLength),
    );
    total += byteLength;
  }
  return total;
}

/**
 * Creates `count` files of `byteLength` bytes each (`dir/big0.bin`, ...) with deterministic content,
 * written 1 MiB at a time (never the whole file in memory).
 */
export async function makeBigFilesTree(dir: string, count: number, byteLength: number): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  const chunk = new Uint8Array(MIB);
  for (let i = 0; i < count; i++) {
    const next = prng(0xb16 + i);
    using f = await Deno.open(`${dir}/big${i}.bin`, { write: true, create: true, truncate: true });
    let left = byteLength;
    while (left > 0) {
      const n = Math.min(left, MIB);
      fillRandom(chunk.subarray(0, n), next);
      let done = 0;
      while (done < n) done += await f.write(chunk.subarray(done, n));
      left -= n;
    }
  }
}
