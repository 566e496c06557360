/**
 * The effect of each `xorriso -as mkisofs` option issue 2 names, checked on images built by
 * cli/build.ts and read back with our reader (the reader itself is checked against xorriso and
 * genisoimage images in authoring/iso9660/reader_test.ts).
 */
import assert from "node:assert/strict";
import { FileBlockDevice, type IsoImage, type IsoView, openIso } from "../mod.ts";
import { buildWithDiscwright, tempDir } from "./_tools.ts";

async function makeTree(root: string): Promise<void> {
  await Deno.mkdir(`${root}/a/sub`, { recursive: true });
  await Deno.mkdir(`${root}/b`, { recursive: true });
  await Deno.writeTextFile(`${root}/a/one.txt`, "one");
  await Deno.writeTextFile(`${root}/a/sub/two.txt`, "two");
  await Deno.writeTextFile(`${root}/a/skip.tmp`, "tmp");
  await Deno.writeTextFile(`${root}/b/three.txt`, "three");
  await Deno.writeFile(`${root}/b/big.bin`, new Uint8Array(10000));
  await Deno.symlink("one.txt", `${root}/a/link`);
}

async function build(dir: string, args: string[], env?: Record<string, string>): Promise<string> {
  const out = `${dir}/out-${crypto.randomUUID()}.iso`;
  const result = await buildWithDiscwright(["-quiet", ...args.map((a) => a.replace("OUT", out))], { env });
  assert.equal(result.code, 0, result.stderr);
  return out;
}

async function withImage<T>(path: string, fn: (image: IsoImage) => Promise<T>): Promise<T> {
  using device = await FileBlockDevice.open(path);
  return await fn(await openIso(device));
}

async function paths(path: string, view: IsoView): Promise<string[]> {
  return await withImage(path, async (image) => {
    const out: string[] = [];
    for await (const e of image.walk(view)) if (e.path) out.push(e.path);
    return out.sort();
  });
}

Deno.test("options: -m excludes, -hide and -hide-joliet hide from one tree only", async () => {
  await using tmp = await tempDir("options-");
  await makeTree(`${tmp.path}/t`);
  const iso = await build(tmp.path, [
    "-R",
    "-J",
    "-m",
    "*.tmp",
    "-hide",
    "three.txt",
    "-hide-joliet",
    "a/sub",
    "-o",
    "OUT",
    `${tmp.path}/t`,
  ]);
  const rr = await paths(iso, "rockridge");
  const joliet = await paths(iso, "joliet");
  assert.ok(!rr.includes("a/skip.tmp") && !joliet.includes("a/skip.tmp"));
  assert.ok(!rr.includes("b/three.txt") && joliet.includes("b/three.txt"));
  assert.ok(rr.includes("a/sub/two.txt") && !joliet.includes("a/sub"));
});

Deno.test("options: several trees merge; -graft-points places dest=src; -f follows links", async () => {
  await using tmp = await tempDir("options-");
  await makeTree(`${tmp.path}/t`);
  await Deno.mkdir(`${tmp.path}/u/a`, { recursive: true });
  await Deno.writeTextFile(`${tmp.path}/u/a/extra.txt`, "extra");
  const merged = await build(tmp.path, ["-R", "-o", "OUT", `${tmp.path}/t`, `${tmp.path}/u`]);
  const rr = await paths(merged, "rockridge");
  assert.ok(rr.includes("a/extra.txt") && rr.includes("a/one.txt"));
  const grafted = await build(tmp.path, [
    "-R",
    "-graft-points",
    "-o",
    "OUT",
    `docs/x=${tmp.path}/t/a`,
    `/top.txt=${tmp.path}/t/b/three.txt`,
  ]);
  assert.deepEqual(await paths(grafted, "rockridge"), [
    "docs",
    "docs/x",
    "docs/x/link",
    "docs/x/one.txt",
    "docs/x/skip.tmp",
    "docs/x/sub",
    "docs/x/sub/two.txt",
    "top.txt",
  ]);
  const followed = await build(tmp.path, ["-R", "-f", "-o", "OUT", `${tmp.path}/t`]);
  await withImage(followed, async (image) => {
    const link = await image.lookup("a/link", "rockridge");
    assert.equal(link?.kind, "file");
    assert.equal(link?.byteLength, 3);
  });
});

Deno.test("options: --sort-weight puts heavier files first in the data area", async () => {
  await using tmp = await tempDir("options-");
  await makeTree(`${tmp.path}/t`);
  const lbaOf = async (iso: string, path: string) =>
    await withImage(iso, async (image) => (await image.lookup(path, "rockridge"))!.extents[0].lba);
  const plain = await build(tmp.path, ["-R", "-o", "OUT", `${tmp.path}/t`]);
  assert.ok((await lbaOf(plain, "a/one.txt")) < (await lbaOf(plain, "b/big.bin")));
  const weighted = await build(tmp.path, [
    "-R",
    "--sort-weight",
    "10",
    "/b/big.bin",
    "-o",
    "OUT",
    `${tmp.path}/t`,
  ]);
  assert.ok((await lbaOf(weighted, "b/big.bin")) < (await lbaOf(weighted, "a/one.txt")));
  // -sort FILE: host paths with weights
  await Deno.writeTextFile(`${tmp.path}/sort.txt`, `${tmp.path}/t/b 5\n`);
  const sorted = await build(tmp.path, ["-R", "-sort", `${tmp.path}/sort.txt`, "-o", "OUT", `${tmp.path}/t`]);
  assert.ok((await lbaOf(sorted, "b/three.txt")) < (await lbaOf(sorted, "a/one.txt")));
});

Deno.test("options: identifiers, dates, -pad/-no-pad, SOURCE_DATE_EPOCH", async () => {
  await using tmp = await tempDir("options-");
  await makeTree(`${tmp.path}/t`);
  const iso = await build(tmp.path, [
    "-R",
    "-V",
    "MYVOL",
    "-volset",
    "SET",
    "-publisher",
    "PUB",
    "-p",
    "PREP",
    "-A",
    "APP",
    "-sysid",
    "SYS",
    "--modification-date=2024010203040500",
    "-o",
    "OUT",
    `${tmp.path}/t`,
  ]);
  await withImage(iso, (image) => {
    const pvd = image.descriptors.primary;
    assert.deepEqual(
      [pvd.volumeIdentifier, pvd.volumeSetIdentifier, pvd.publisherIdentifier, pvd.dataPreparerIdentifier],
      ["MYVOL", "SET", "PUB", "PREP"],
    );
    assert.deepEqual([pvd.applicationIdentifier, pvd.systemIdentifier], ["APP", "SYS"]);
    assert.equal(pvd.modification?.toISOString(), "2024-01-02T03:04:05.000Z");
    assert.equal(pvd.creation?.toISOString(), "2024-01-02T03:04:05.000Z");
    return Promise.resolve();
  });
  const padded = await build(tmp.path, ["-R", "-o", "OUT", `${tmp.path}/t`]);
  const unpadded = await build(tmp.path, ["-R", "-no-pad", "-o", "OUT", `${tmp.path}/t`]);
  assert.equal((await Deno.stat(padded)).size - (await Deno.stat(unpadded)).size, 150 * 2048);
  const epoch = await build(tmp.path, ["-R", "-o", "OUT", `${tmp.path}/t`], {
    SOURCE_DATE_EPOCH: "1700000000",
  });
  await withImage(epoch, async (image) => {
    assert.equal(image.descriptors.primary.creation?.getTime(), 1700000000_000);
    for await (const e of image.walk("rockridge")) assert.equal(e.mtime?.getTime(), 1700000000_000, e.path);
  });
});

Deno.test("options: -iso-level 1 gives 8.3 names; -r rationalizes modes and owners", async () => {
  await using tmp = await tempDir("options-");
  await makeTree(`${tmp.path}/t`);
  await Deno.writeTextFile(`${tmp.path}/t/a long file name.text`, "x");
  await Deno.chmod(`${tmp.path}/t/a/one.txt`, 0o640);
  const iso = await build(tmp.path, ["-r", "-iso-level", "1", "-o", "OUT", `${tmp.path}/t`]);
  await withImage(iso, async (image) => {
    for await (const e of image.walk("iso9660")) {
      const [base, ext = ""] = e.identifier.replace(/;1$/, "").split(".");
      assert.ok(base.length <= 8 && ext.length <= 3, e.identifier);
    }
    const one = await image.lookup("a/one.txt", "rockridge");
    assert.equal(one?.mode, 0o100444);
    assert.equal(one?.uid, 0);
    const dir = await image.lookup("a", "rockridge");
    assert.equal(dir?.mode, 0o040555);
  });
});
