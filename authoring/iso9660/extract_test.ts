import assert from "node:assert/strict";
import { FileBlockDevice, MemoryBlockDevice } from "../../image/block_device.ts";
import { FormatError } from "../../image/errors.ts";
import { makeInteropTree, TREE_MTIME_SECONDS, type TreeInfo } from "../../tests/_fixtures.ts";
import { hasToolSync, run, sha256File, tempDir, toolTest } from "../../tests/_tools.ts";
import { extractIso } from "./extract.ts";
import { latin1 } from "./numbers.ts";
import { type IsoEntry, openIso } from "./reader.ts";

// ------------------------------------------------------------------ helpers

async function xorriso(args: string[]): Promise<void> {
  await run("xorriso", ["-as", "mkisofs", "-quiet", ...args]);
}

interface HostEntry {
  readonly kind: "file" | "dir" | "symlink" | "other";
  readonly byteLength: number;
  readonly mode: number;
  readonly mtimeSeconds?: number;
  readonly linkTarget?: string;
}

/** Every entry below `root` by relative path, never following links. */
async function listHost(root: string, prefix = ""): Promise<Map<string, HostEntry>> {
  const out = new Map<string, HostEntry>();
  for await (const item of Deno.readDir(root + (prefix ? `/${prefix}` : ""))) {
    const path = prefix ? `${prefix}/${item.name}` : item.name;
    const stat = await Deno.lstat(`${root}/${path}`);
    const kind = stat.isSymlink ? "symlink" : stat.isDirectory ? "dir" : stat.isFile ? "file" : "other";
    out.set(path, {
      kind,
      byteLength: kind === "file" ? stat.size : 0,
      mode: (stat.mode ?? 0) & 0o7777,
      mtimeSeconds: stat.mtime ? Math.round(stat.mtime.getTime() / 1000) : undefined,
      linkTarget: kind === "symlink" ? await Deno.readLink(`${root}/${path}`) : undefined,
    });
    if (kind === "dir") { for (const [p, e] of await listHost(root, path)) out.set(p, e); }
  }
  return out;
}

/** The extracted tree equals the source tree: kinds, sizes, content, modes, link targets, mtimes. */
async function assertSameTree(tree: TreeInfo, dest: string, extra: string[] = []): Promise<void> {
  const host = await listHost(dest);
  assert.deepEqual([...host.keys()].sort(), [...tree.entries.map((e) => e.path), ...extra].sort());
  for (const source of tree.entries) {
    const got = host.get(source.path)!;
    assert.equal(got.kind, source.kind, source.path);
    if (source.kind === "symlink") {
      assert.equal(got.linkTarget, source.linkTarget, source.path);
      continue;
    }
    assert.equal(got.mode, source.mode, `mode of ${source.path}`);
    assert.equal(got.mtimeSeconds, TREE_MTIME_SECONDS, `mtime of ${source.path}`);
    if (source.kind === "file") {
      assert.equal(got.byteLength, source.byteLength, source.path);
      assert.equal(
        await sha256File(`${dest}/${source.path}`),
        await sha256File(`${tree.root}/${source.path}`),
        source.path,
      );
    }
  }
}

/** Replaces the Rock Ridge NM name `from` by `to` (same byte length) in the image bytes. */
function patchNm(bytes: Uint8Array, from: string, to: string): Uint8Array {
  assert.equal(from.length, to.length);
  const needle = new Uint8Array([0x4e, 0x4d, 5 + from.length, 1, 0, ...latin1(from)]);
  const copy = bytes.slice();
  let found = 0;
  outer: for (let i = 16 * 2048; i + needle.byteLength <= copy.byteLength; i++) {
    for (let j = 0; j < needle.byteLength; j++) if (copy[i + j] !== needle[j]) continue outer;
    copy.set(latin1(to), i + 5);
    found++;
  }
  assert.equal(found, 1, `exactly one NM "${from}"`);
  return copy;
}

// ------------------------------------------------------------------ round trips

toolTest("extract: xorriso -R -J image recreates the source tree", ["xorriso"], async (t) => {
  await using tmp = await tempDir("discwright-extract-");
  await Deno.mkdir(`${tmp.path}/tree`);
  const tree = await makeInteropTree(`${tmp.path}/tree`);
  await xorriso(["-o", `${tmp.path}/x.iso`, "-R", "-J", "-joliet-long", tree.root]);
  using device = await FileBlockDevice.open(`${tmp.path}/x.iso`);
  const image = await openIso(device);

  await t.step("Rock Ridge: names, content, modes, links, times", async () => {
    const seen: string[] = [];
    const diagnostics = await extractIso(image, `${tmp.path}/rr`, { onEntry: (e) => void seen.push(e.path) });
    assert.deepEqual(diagnostics, []);
    await assertSameTree(tree, `${tmp.path}/rr`);
    assert.equal(seen.length, tree.entries.length);
    // The hard link pair comes out as two files with the same content.
    const a = await Deno.stat(`${tmp.path}/rr/data/hard_a.bin`);
    assert.equal(a.size, 4096);
  });

  await t.step("Joliet: files and directories with default modes", async () => {
    await extractIso(image, `${tmp.path}/joliet`, { view: "joliet" });
    const host = await listHost(`${tmp.path}/joliet`);
    assert.equal(host.get("hello.txt")?.kind, "file");
    assert.equal(host.get("hello.txt")?.mode, 0o644);
    assert.equal(host.get("bin")?.mode, 0o755);
    assert.equal(host.get("docs/link"), undefined, "xorriso leaves symlinks out of Joliet");
    assert.equal(
      await sha256File(`${tmp.path}/joliet/data/random_8k.bin`),
      await sha256File(`${tree.root}/data/random_8k.bin`),
    );
  });

  await t.step("a subtree, a single file, and a filter", async () => {
    await extractIso(image, `${tmp.path}/docs`, { path: "docs" });
    assert.deepEqual([...(await listHost(`${tmp.path}/docs`)).keys()].sort(), [
      "abslink",
      "dangling",
      "link",
      "readme.md",
    ]);
    await extractIso(image, `${tmp.path}/one`, { path: "/data/random_1k.bin" });
    assert.deepEqual([...(await listHost(`${tmp.path}/one`)).keys()], ["random_1k.bin"]);
    await extractIso(image, `${tmp.path}/filtered`, {
      onEntry: (e) => e.path !== "collide" && e.path !== "d1",
    });
    const host = await listHost(`${tmp.path}/filtered`);
    assert.ok(host.has("hello.txt"));
    assert.ok(![...host.keys()].some((p) => p.startsWith("collide") || p.startsWith("d1")));
    await assert.rejects(extractIso(image, `${tmp.path}/none`, { path: "no/such" }), RangeError);
  });
});

toolTest("extract: genisoimage relocated directories land in place", ["genisoimage"], async () => {
  await using tmp = await tempDir("discwright-extract-");
  await Deno.mkdir(`${tmp.path}/tree`);
  const tree = await makeInteropTree(`${tmp.path}/tree`);
  await run("genisoimage", ["-quiet", "-o", `${tmp.path}/g.iso`, "-R", "-J", "-joliet-long", tree.root]);
  using device = await FileBlockDevice.open(`${tmp.path}/g.iso`);
  const diagnostics = await extractIso(await openIso(device), `${tmp.path}/out`);
  assert.deepEqual(diagnostics, []);
  await assertSameTree(tree, `${tmp.path}/out`, ["rr_moved"]);
});

toolTest("extract: FIFOs and devices are skipped with a diagnostic", ["xorriso", "mkfifo"], async () => {
  await using tmp = await tempDir("discwright-extract-");
  await Deno.mkdir(`${tmp.path}/tree`);
  await Deno.writeTextFile(`${tmp.path}/tree/file.txt`, "x");
  await run("mkfifo", [`${tmp.path}/tree/pipe`]);
  const root = Deno.uid() === 0 && hasToolSync("mknod");
  if (root) await run("mknod", [`${tmp.path}/tree/tty`, "c", "4", "5"]);
  await xorriso(["-o", `${tmp.path}/x.iso`, "-R", `${tmp.path}/tree`]);
  using device = await FileBlockDevice.open(`${tmp.path}/x.iso`);
  const image = await openIso(device);
  if (root) assert.deepEqual((await image.lookup("tty"))?.device, { major: 4, minor: 5 });
  const diagnostics = await extractIso(image, `${tmp.path}/out`);
  assert.ok(
    diagnostics.some((d) => /"pipe": fifo entries are not extracted/.test(d)),
    diagnostics.join("\n"),
  );
  if (root) assert.ok(diagnostics.some((d) => /"tty": device entries/.test(d)));
  assert.deepEqual([...(await listHost(`${tmp.path}/out`)).keys()], ["file.txt"]);
});

// ------------------------------------------------------------------ hostile images

toolTest("extract: hostile names never write outside the destination", ["xorriso"], async (t) => {
  await using tmp = await tempDir("discwright-extract-evil-");
  const tree = `${tmp.path}/tree`;
  const outside = `${tmp.path}/outside`;
  await Deno.mkdir(`${tree}/lnl`, { recursive: true });
  await Deno.mkdir(outside);
  await Deno.writeTextFile(`${tree}/lnl/x`, "through the link");
  await Deno.symlink(outside, `${tree}/lnk`);
  for (const name of ["ab", "a_b", "nul", "zetc"]) await Deno.writeTextFile(`${tree}/${name}`, name);
  await xorriso(["-o", `${tmp.path}/x.iso`, "-R", tree]);
  const clean = await Deno.readFile(`${tmp.path}/x.iso`);

  const cases: [string, Uint8Array, RegExp][] = [
    ['".."', patchNm(clean, "ab", ".."), /Cannot extract "\.\.": the name "\.\." is reserved/],
    ['"a/b"', patchNm(clean, "a_b", "a/b"), /contains "\/"/],
    ["NUL", patchNm(clean, "nul", "n\0l"), /NUL/],
    ['"/etc"', patchNm(clean, "zetc", "/etc"), /contains "\/"/],
    [
      "a directory named like an earlier symlink",
      patchNm(clean, "lnl", "lnk"),
      /Cannot extract "lnk" \(directory\): a symlink of that name was already extracted/,
    ],
  ];
  for (const [index, [what, bytes, message]] of cases.entries()) {
    await t.step(`refuses ${what}`, async () => {
      const dest = `${tmp.path}/dest${index}`;
      const image = await openIso(new MemoryBlockDevice(bytes));
      await assert.rejects(extractIso(image, dest), (e) => {
        assert.ok(e instanceof FormatError, String(e));
        assert.match(e.message, message);
        assert.ok(e.location.lba !== undefined);
        return true;
      });
      assert.deepEqual([...(await listHost(outside)).keys()], [], "nothing written through the link");
      const siblings = [...Deno.readDirSync(tmp.path)].map((e) => e.name).sort();
      assert.ok(
        siblings.every((n) => ["tree", "outside", "x.iso"].includes(n) || n.startsWith("dest")),
        siblings.join(),
      );
      assert.ok(!(await Deno.lstat(`${tmp.path}/etc`).then(() => true, () => false)));
    });
  }

  await t.step("an entry below a symlink is refused even if the walk yields it", async () => {
    // A reader bug or a crafted CL could yield "lnk/x" after the symlink "lnk": the parent check stops it.
    const image = await openIso(new MemoryBlockDevice(clean));
    const link = (await image.lookup("lnk"))!;
    const x = (await image.lookup("lnl/x"))!;
    const forged: IsoEntry = { ...x, path: "lnk/x" };
    const fake = {
      ...image,
      views: image.views,
      defaultView: image.defaultView,
      lookup: image.lookup.bind(image),
      readFile: image.readFile.bind(image),
      async *walk() {
        yield link;
        yield forged;
      },
    } as unknown as typeof image;
    await assert.rejects(extractIso(fake, `${tmp.path}/dest-forged`), /its parent "lnk" is a symlink/);
    assert.deepEqual([...(await listHost(outside)).keys()], []);
  });

  await t.step("an existing link in the destination is not written through", async () => {
    const dest = `${tmp.path}/dest-existing`;
    await Deno.mkdir(dest);
    await Deno.symlink(`${outside}/ab`, `${dest}/ab`);
    const image = await openIso(new MemoryBlockDevice(clean));
    await assert.rejects(extractIso(image, dest), Deno.errors.AlreadyExists);
    assert.deepEqual([...(await listHost(outside)).keys()], []);
  });
});
