import assert from "node:assert/strict";
import fc from "fast-check";
import { type BlockDevice, FileBlockDevice, MemoryBlockDevice } from "../../image/block_device.ts";
import { FormatError } from "../../image/errors.ts";
import { makeInteropTree, NAMES, TREE_MTIME_SECONDS, type TreeInfo } from "../../tests/_fixtures.ts";
import { freeBytes, run, sha256, sha256File, tempDir, toolTest } from "../../tests/_tools.ts";
import { encodeDirectoryRecord, FILE_FLAGS, IDENTIFIER_PARENT, IDENTIFIER_SELF } from "./directory_record.ts";
import { latin1 } from "./numbers.ts";
import { encodePathTable } from "./path_table.ts";
import {
  type IsoEntry,
  type IsoImage,
  type IsoView,
  jolietName,
  openIso,
  parseDirectoryRecords,
  plainName,
  symlinkTarget,
} from "./reader.ts";
import { encodeTerminator, encodeVolumeDescriptor, type VolumeDescriptor } from "./volume_descriptor.ts";
import { verifyIso } from "./verify.ts";

// ------------------------------------------------------------------ helpers

async function collect(image: IsoImage, view: IsoView): Promise<Map<string, IsoEntry>> {
  const out = new Map<string, IsoEntry>();
  for await (const entry of image.walk(view)) out.set(entry.path, entry);
  return out;
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  const out = new Uint8Array(chunks.reduce((sum, c) => sum + c.byteLength, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** Builds an image of `tree` with xorriso -as mkisofs or genisoimage and opens it. */
async function buildIso(tool: "xorriso" | "genisoimage", args: string[], source: string, out: string) {
  const argv = tool === "xorriso" ? ["-as", "mkisofs", "-quiet", "-o", out, ...args, source] : [
    "-quiet",
    "-o",
    out,
    ...args,
    source,
  ];
  await run(tool, argv);
}

/** Checks the Rock Ridge view against the source tree: names, kinds, sizes, modes, links, content. */
async function checkRockRidgeView(image: IsoImage, tree: TreeInfo, extraPaths: string[] = []): Promise<void> {
  const entries = await collect(image, "rockridge");
  const expected = new Set([...tree.entries.map((e) => e.path), ...extraPaths]);
  assert.deepEqual([...entries.keys()].sort(), [...expected].sort());
  for (const source of tree.entries) {
    const entry = entries.get(source.path)!;
    const kind = source.kind === "dir" ? "directory" : source.kind;
    assert.equal(entry.kind, kind, source.path);
    assert.equal(entry.name, source.path.split("/").at(-1));
    assert.equal((entry.mode ?? 0) & 0o7777, source.mode, `mode of ${source.path}`);
    if (source.kind !== "symlink") { // the fixture cannot set a link's own time
      assert.equal(entry.mtime?.getTime(), TREE_MTIME_SECONDS * 1000, `mtime of ${source.path}`);
    }
    if (source.kind === "symlink") assert.equal(entry.linkTarget, source.linkTarget);
    if (source.kind === "file") {
      assert.equal(entry.byteLength, source.byteLength, source.path);
      const bytes = await readAll(image.readFile(entry));
      assert.equal(
        sha256(bytes),
        await sha256File(`${tree.root}/${source.path}`),
        `content of ${source.path}`,
      );
    }
    if (source.hardLinkOf) {
      assert.deepEqual(entry.extents, entries.get(source.hardLinkOf)!.extents, "hard links share the extent");
    }
  }
}

// ------------------------------------------------------------------ images made by the tools

toolTest("reader: xorriso -R -J -joliet-long image of the interop tree", ["xorriso"], async (t) => {
  await using tmp = await tempDir("discwright-reader-");
  await Deno.mkdir(`${tmp.path}/tree`);
  const tree = await makeInteropTree(`${tmp.path}/tree`);
  await buildIso("xorriso", ["-R", "-J", "-joliet-long", "-V", "INTEROP"], tree.root, `${tmp.path}/x.iso`);
  using device = await FileBlockDevice.open(`${tmp.path}/x.iso`);
  const image = await openIso(device, { strict: true });

  await t.step("descriptors and extensions", () => {
    assert.deepEqual(image.views, ["rockridge", "joliet", "iso9660"]);
    assert.equal(image.defaultView, "rockridge");
    assert.equal(image.hasRockRidge, true);
    assert.equal(image.rockRidgeIdentifier, "RRIP_1991A");
    assert.equal(image.descriptors.primary.volumeIdentifier, "INTEROP");
    assert.equal(image.descriptors.primaryLba, 16);
    assert.equal(image.descriptors.jolietLba, 17);
    assert.equal(image.descriptors.jolietLevel, 3);
    assert.equal(image.descriptors.terminatorLba, 18);
    assert.equal(image.descriptors.bootRecord, undefined);
  });

  await t.step(
    "Rock Ridge view equals the source tree (200-char name via CE, 10 levels, links)",
    async () => {
      await checkRockRidgeView(image, tree);
      const long = await image.lookup(`long/${NAMES.long200}`);
      assert.equal(long?.name.length, 200);
    },
  );

  await t.step("Joliet view: UCS-2 names, no ;1, symlinks left out by xorriso", async () => {
    const joliet = await collect(image, "joliet");
    const rock = await collect(image, "rockridge");
    for (const source of tree.entries) {
      const parts = source.path.split("/");
      const jolietSafe = parts.every((p) => p.length <= 64 && !/[\u{10000}-\u{10FFFF}]/u.test(p));
      if (!jolietSafe || source.kind === "symlink") continue;
      const entry = joliet.get(source.path);
      assert.ok(entry, `Joliet has ${source.path}`);
      assert.equal(entry.kind, source.kind === "dir" ? "directory" : "file");
      if (source.kind === "file") assert.deepEqual(entry.extents, rock.get(source.path)!.extents);
      assert.equal(entry.mode, undefined);
    }
    assert.ok(joliet.has("unicode/emoji__.txt"), "xorriso writes one _ per UTF-16 unit");
    for (const entry of joliet.values()) assert.ok(!entry.name.includes(";"), entry.name);
  });

  await t.step("plain ISO 9660 view: upper-case 8.3 names without ;1", async () => {
    const plain = await collect(image, "iso9660");
    assert.equal(plain.size, tree.entries.length);
    for (const entry of plain.values()) {
      assert.match(entry.name, /^[A-Z0-9_.]+$/);
      assert.ok(!entry.name.endsWith("."), entry.name);
    }
    assert.equal(plain.get("HELLO.TXT")?.byteLength, 19);
    assert.equal(plain.get("COLLIDE/NOEXT")?.identifier, "NOEXT.;1");
    assert.ok(plain.has("D1/D2/D3/D4/D5/D6/D7/D8/D9/D10/BOTTOM.TXT"), "xorriso does not relocate");
  });

  await t.step("lookup and readDirectory", async () => {
    assert.equal((await image.lookup("docs/link"))?.kind, "symlink");
    assert.equal((await image.lookup("/docs/link/"))?.linkTarget, "../hello.txt");
    assert.equal(await image.lookup("docs/nothing"), undefined);
    assert.equal(await image.lookup("hello.txt/x"), undefined);
    const names: string[] = [];
    for await (const entry of image.readDirectory("docs")) names.push(entry.name);
    assert.deepEqual(names.sort(), ["abslink", "dangling", "link", "readme.md"]);
    const jolietNames: string[] = [];
    for await (const entry of image.readDirectory("docs", "joliet")) jolietNames.push(entry.name);
    assert.deepEqual(jolietNames, ["readme.md"]);
    await assert.rejects(async () => {
      for await (const _ of image.readDirectory("hello.txt")) { /* nothing */ }
    }, RangeError);
    await assert.rejects(async () => {
      for await (const _ of image.readDirectory("missing")) { /* nothing */ }
    }, RangeError);
    const root = image.root();
    assert.equal(root.kind, "directory");
    assert.equal(root.extents[0].lba, image.descriptors.primary.rootDirectoryRecord.extentLba);
    const under: string[] = [];
    for await (const entry of image.walk("rockridge", "unicode")) under.push(entry.path);
    assert.ok(under.includes("unicode/Ünïcödé_dir/inside.txt"));
    assert.ok(under.every((p) => p.startsWith("unicode/")));
  });

  await t.step("readFile streams in bounded chunks", async () => {
    const entry = (await image.lookup("data/random_5000.bin"))!;
    const sizes: number[] = [];
    for await (const chunk of image.readFile(entry, { chunkByteLength: 2048 })) sizes.push(chunk.byteLength);
    assert.deepEqual(sizes, [2048, 2048, 904]);
    const empty = (await image.lookup("empty_file"))!;
    assert.equal((await readAll(image.readFile(empty))).byteLength, 0);
    assert.throws(() => image.readFile(image.root()), TypeError);
  });

  assert.deepEqual(image.diagnostics, []);
});

toolTest(
  "reader: genisoimage -R -J image (RR_MOVED relocation, CE split names)",
  ["genisoimage"],
  async (t) => {
    await using tmp = await tempDir("discwright-reader-");
    await Deno.mkdir(`${tmp.path}/tree`);
    const tree = await makeInteropTree(`${tmp.path}/tree`);
    await buildIso("genisoimage", ["-R", "-J", "-joliet-long"], tree.root, `${tmp.path}/g.iso`);
    using device = await FileBlockDevice.open(`${tmp.path}/g.iso`);
    const image = await openIso(device, { strict: true });

    await t.step("Rock Ridge view equals the source tree, plus the visible rr_moved", async () => {
      await checkRockRidgeView(image, tree, ["rr_moved"]);
      const rock = await collect(image, "rockridge");
      const d8 = rock.get("d1/d2/d3/d4/d5/d6/d7/d8")!;
      assert.ok(d8.rrRelocated, "d8 is reached through CL");
      assert.equal(d8.extents[0].lba, d8.rrRelocated.directoryLba);
      assert.equal(d8.kind, "directory");
      assert.equal(d8.byteLength, 2048);
      const moved: string[] = [];
      for await (const entry of image.readDirectory("rr_moved")) moved.push(entry.name);
      assert.deepEqual(moved, [], "RE entries are hidden");
    });

    await t.step("plain view shows the relocation as genisoimage wrote it", async () => {
      const plain = await collect(image, "iso9660");
      assert.equal(plain.get("D1/D2/D3/D4/D5/D6/D7/D8")?.kind, "file", "the CL placeholder is a plain file");
      assert.equal(plain.get("RR_MOVED/D8")?.kind, "directory");
      assert.ok(plain.has("RR_MOVED/D8/D9/D10/BOTTOM.TXT"));
    });

    await t.step("Joliet keeps the deep tree in place and lists symlinks as empty files", async () => {
      const joliet = await collect(image, "joliet");
      assert.ok(joliet.has("d1/d2/d3/d4/d5/d6/d7/d8/d9/d10/bottom.txt"));
      assert.equal(joliet.get("docs/link")?.kind, "file");
      assert.equal(joliet.get("docs/link")?.byteLength, 0);
      assert.ok(!joliet.has("rr_moved"));
    });
  },
);

toolTest(
  "reader: a long symlink target split over SL entries and a CE area (xorriso)",
  ["xorriso"],
  async () => {
    // genisoimage 1.1.11 loops forever on a target this long, so only xorriso makes this one.
    await using tmp = await tempDir("discwright-reader-");
    await Deno.mkdir(`${tmp.path}/tree`);
    const target = "/" + "abcdefghij".repeat(20) + "/" +
      Array.from({ length: 60 }, (_, i) => `seg${i}`).join("/") +
      "/../end";
    await Deno.symlink(target, `${tmp.path}/tree/longlink`);
    await Deno.symlink("./rel/../x", `${tmp.path}/tree/dots`);
    await buildIso("xorriso", ["-R"], `${tmp.path}/tree`, `${tmp.path}/l.iso`);
    using device = await FileBlockDevice.open(`${tmp.path}/l.iso`);
    const image = await openIso(device, { strict: true });
    assert.equal((await image.lookup("longlink"))?.linkTarget, target);
    assert.equal((await image.lookup("dots"))?.linkTarget, "./rel/../x");
  },
);

toolTest("reader: plain genisoimage image without extensions", ["genisoimage"], async () => {
  await using tmp = await tempDir("discwright-reader-");
  await Deno.mkdir(`${tmp.path}/tree`);
  await Deno.writeTextFile(`${tmp.path}/tree/readme.txt`, "plain\n");
  await Deno.writeTextFile(`${tmp.path}/tree/noext`, "x");
  await Deno.mkdir(`${tmp.path}/tree/sub.dir`);
  await buildIso("genisoimage", ["-V", "PLAIN"], `${tmp.path}/tree`, `${tmp.path}/p.iso`);
  using device = await FileBlockDevice.open(`${tmp.path}/p.iso`);
  const image = await openIso(device, { strict: true });
  assert.deepEqual(image.views, ["iso9660"]);
  assert.equal(image.hasRockRidge, false);
  const entries = await collect(image, "iso9660");
  assert.deepEqual([...entries.keys()].sort(), ["NOEXT", "README.TXT", "SUB.DIR"]);
  assert.equal(
    new TextDecoder().decode(await readAll(image.readFile(entries.get("README.TXT")!))),
    "plain\n",
  );
  assert.throws(() => image.root("joliet"), RangeError);
});

toolTest(
  "reader: multi-extent file of 4 GiB + 4096 (xorriso -iso-level 3, sparse)",
  ["xorriso", "truncate"],
  async () => {
    await using tmp = await tempDir("discwright-reader-big-");
    if (await freeBytes(tmp.path) < 2 * 1024 ** 3) throw new Error("needs 2 GiB free for the sparse files");
    await Deno.mkdir(`${tmp.path}/tree`);
    const big = `${tmp.path}/tree/big.bin`;
    const size = 4294971392; // 4 GiB + 4096
    const sectionBytes = 0xfffff800; // xorriso's full section
    await run("truncate", ["-s", String(size), big]);
    {
      // Markers on both sides of the section boundary and at the very end.
      using file = await Deno.open(big, { write: true });
      for (
        const [at, text] of [[0, "HEAD"], [sectionBytes - 4, "AAAA"], [sectionBytes, "BBBB"], [
          size - 4,
          "TAIL",
        ]] as const
      ) {
        await file.seek(at, Deno.SeekMode.Start);
        await file.write(latin1(text));
      }
    }
    const iso = `${tmp.path}/big.iso`;
    await buildIso("xorriso", ["-iso-level", "3", "-R", "-J"], `${tmp.path}/tree`, iso);
    using device = await FileBlockDevice.open(iso);
    const image = await openIso(device, { strict: true });
    for (const view of ["rockridge", "joliet", "iso9660"] as const) {
      const entry = (await image.lookup(view === "iso9660" ? "BIG.BIN" : "big.bin", view))!;
      assert.equal(entry.kind, "file");
      assert.equal(entry.byteLength, size, view);
      assert.equal(entry.extents.length, 2, view);
      assert.equal(entry.extents[0].byteLength, sectionBytes);
      assert.equal(entry.extents[1].byteLength, size - sectionBytes);
    }
    const entry = (await image.lookup("big.bin"))!;
    // The bytes around the section boundary, through readFile's concatenation of extents.
    const [first, second] = entry.extents;
    const window: IsoEntry = {
      ...entry,
      byteLength: 2048 + second.byteLength,
      extents: [{ lba: first.lba + sectionBytes / 2048 - 1, byteLength: 2048 }, second],
    };
    const around = await readAll(image.readFile(window));
    assert.equal(new TextDecoder().decode(around.subarray(2044, 2052)), "AAAABBBB");
    assert.equal(new TextDecoder().decode(around.subarray(around.byteLength - 4)), "TAIL");
    // The whole file, streamed: the count and the ends, never held in memory.
    let total = 0;
    let head = "";
    let last: Uint8Array = new Uint8Array();
    for await (const chunk of image.readFile(entry)) {
      if (total === 0) head = new TextDecoder().decode(chunk.subarray(0, 4));
      assert.ok(chunk.byteLength <= 1024 * 1024);
      total += chunk.byteLength;
      last = chunk;
    }
    assert.equal(total, size);
    assert.equal(head, "HEAD");
    assert.equal(new TextDecoder().decode(last.subarray(last.byteLength - 4)), "TAIL");
    const report = await verifyIso(device);
    assert.equal(report.summary.errorCount, 0, JSON.stringify(report.problems));
    assert.equal(report.summary.isoLevel, 3);
  },
);

// ------------------------------------------------------------------ a tiny image made with the codecs

const ROOT_LBA = 20;
const SUB_LBA = 21;
const DATA_LBA = 22;

function record(
  identifier: Uint8Array | string,
  extentLba: number,
  dataByteLength: number,
  fileFlags = 0,
): Uint8Array {
  return encodeDirectoryRecord({
    extendedAttributeRecordLength: 0,
    extentLba,
    dataByteLength,
    recorded: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)),
    fileFlags,
    fileUnitSize: 0,
    interleaveGapSize: 0,
    volumeSequenceNumber: 1,
    identifier: typeof identifier === "string" ? latin1(identifier) : identifier,
    systemUse: new Uint8Array(),
  });
}

/** Packs records into sectors the way writers do (a record never crosses a sector). */
function directoryExtent(records: Uint8Array[], sectorCount = 1): Uint8Array {
  const out = new Uint8Array(sectorCount * 2048);
  let at = 0;
  for (const r of records) {
    if ((at % 2048) + r.byteLength > 2048) at = Math.ceil(at / 2048) * 2048;
    out.set(r, at);
    at += r.byteLength;
  }
  return out;
}

const HELLO = latin1("Hello!");

/**
 * A minimal valid image: 16 PVD, 17 terminator, 18/19 L/M path tables, 20 root, 21 SUB, 22 data.
 * `root` replaces the root extent (it may span several sectors starting at LBA 20; SUB and the
 * data then move along).
 */
function tinyImage(options: { root?: Uint8Array; dataBlocks?: number } = {}): Uint8Array {
  const rootBytes = options.root ??
    directoryExtent([
      record(IDENTIFIER_SELF, ROOT_LBA, 2048, FILE_FLAGS.directory),
      record(IDENTIFIER_PARENT, ROOT_LBA, 2048, FILE_FLAGS.directory),
      record("HELLO.TXT;1", DATA_LBA, HELLO.byteLength),
      record("SUB", SUB_LBA, 2048, FILE_FLAGS.directory),
    ]);
  const rootSectors = rootBytes.byteLength / 2048;
  const subLba = ROOT_LBA + rootSectors;
  const dataLba = subLba + 1;
  const dataBlocks = options.dataBlocks ?? 2;
  const total = dataLba + dataBlocks;
  const image = new Uint8Array(total * 2048);
  const table = [
    {
      extendedAttributeRecordLength: 0,
      extentLba: ROOT_LBA,
      parentDirectoryNumber: 1,
      identifier: IDENTIFIER_SELF,
    },
    {
      extendedAttributeRecordLength: 0,
      extentLba: subLba,
      parentDirectoryNumber: 1,
      identifier: latin1("SUB"),
    },
  ];
  const l = encodePathTable(table, true);
  const pvd: VolumeDescriptor = {
    type: 1,
    version: 1,
    volumeFlags: 0,
    systemIdentifier: "",
    volumeIdentifier: "TINY",
    volumeSpaceBlockCount: total,
    escapeSequences: new Uint8Array(32),
    volumeSetSize: 1,
    volumeSequenceNumber: 1,
    logicalBlockByteLength: 2048,
    pathTableByteLength: l.byteLength,
    typeLPathTableLba: 18,
    optionalTypeLPathTableLba: 0,
    typeMPathTableLba: 19,
    optionalTypeMPathTableLba: 0,
    rootDirectoryRecord: {
      extendedAttributeRecordLength: 0,
      extentLba: ROOT_LBA,
      dataByteLength: rootBytes.byteLength,
      recorded: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)),
      fileFlags: FILE_FLAGS.directory,
      fileUnitSize: 0,
      interleaveGapSize: 0,
      volumeSequenceNumber: 1,
      identifier: IDENTIFIER_SELF,
      systemUse: new Uint8Array(),
    },
    volumeSetIdentifier: "",
    publisherIdentifier: "",
    dataPreparerIdentifier: "",
    applicationIdentifier: "",
    copyrightFileIdentifier: "",
    abstractFileIdentifier: "",
    bibliographicFileIdentifier: "",
    creation: new Date(Date.UTC(2024, 0, 2)),
    modification: new Date(Date.UTC(2024, 0, 2)),
    expiration: undefined,
    effective: undefined,
    fileStructureVersion: 1,
    applicationUse: new Uint8Array(512),
  };
  image.set(encodeVolumeDescriptor(pvd), 16 * 2048);
  image.set(encodeTerminator(), 17 * 2048);
  image.set(l, 18 * 2048);
  image.set(encodePathTable(table, false), 19 * 2048);
  image.set(rootBytes, ROOT_LBA * 2048);
  image.set(
    directoryExtent([
      record(IDENTIFIER_SELF, subLba, 2048, FILE_FLAGS.directory),
      record(IDENTIFIER_PARENT, ROOT_LBA, rootBytes.byteLength, FILE_FLAGS.directory),
    ]),
    subLba * 2048,
  );
  image.set(HELLO, dataLba * 2048);
  return image;
}

function setBoth32(bytes: Uint8Array, at: number, value: number): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  view.setUint32(at, value, true);
  view.setUint32(at + 4, value, false);
}

async function walkAll(image: IsoImage, view?: IsoView): Promise<IsoEntry[]> {
  const out: IsoEntry[] = [];
  for await (const entry of image.walk(view)) out.push(entry);
  return out;
}

Deno.test("reader: tiny codec-made image reads and verifies clean", async () => {
  const bytes = tinyImage();
  const device = new MemoryBlockDevice(bytes);
  const image = await openIso(device, { strict: true });
  assert.deepEqual(image.views, ["iso9660"]);
  const entries = await walkAll(image);
  assert.deepEqual(entries.map((e) => [e.path, e.kind, e.byteLength]), [
    ["HELLO.TXT", "file", 6],
    ["SUB", "directory", 2048],
  ]);
  assert.equal(entries[0].identifier, "HELLO.TXT;1");
  assert.equal(entries[0].mtime?.toISOString(), "2024-01-02T03:04:05.000Z");
  assert.deepEqual(await readAll(image.readFile(entries[0])), HELLO);
  const report = await verifyIso(device);
  assert.deepEqual(report.problems.filter((p) => p.severity === "error"), []);
});

Deno.test("reader: LEN_DR 0 skips to the next sector; names of a multi-sector directory", async () => {
  const root = new Uint8Array(4096);
  root.set(record(IDENTIFIER_SELF, ROOT_LBA, 4096, FILE_FLAGS.directory), 0);
  root.set(record(IDENTIFIER_PARENT, ROOT_LBA, 4096, FILE_FLAGS.directory), 34);
  root.set(record("A.;1", 23, 6), 68);
  root.set(record("B.;1", 23, 6), 2048); // second sector, after zero padding
  const image = await openIso(new MemoryBlockDevice(tinyImage({ root })), { strict: true });
  assert.deepEqual((await walkAll(image)).map((e) => e.name), ["A", "B"]);
});

Deno.test("reader: a record crossing a sector is an error when strict, skipped when lenient", async () => {
  const root = new Uint8Array(4096);
  root.set(record(IDENTIFIER_SELF, ROOT_LBA, 4096, FILE_FLAGS.directory), 0);
  root.set(record(IDENTIFIER_PARENT, ROOT_LBA, 4096, FILE_FLAGS.directory), 34);
  for (let i = 0; i < 49; i++) root.set(record(`F${String(i).padStart(2, "0")}.;1`, 23, 6), 68 + 40 * i); // 40 bytes each
  root.set(record("CROSS.;1", 23, 6), 2028); // 42 bytes starting 20 bytes before the boundary
  root.set(record("OK.;1", 23, 6), 2028 + 42);
  const bytes = tinyImage({ root });
  await assert.rejects(
    async () => await walkAll(await openIso(new MemoryBlockDevice(bytes), { strict: true })),
    (e) => {
      assert.ok(e instanceof FormatError);
      assert.match(e.message, /cross the sector boundary/);
      assert.equal(e.location.lba, ROOT_LBA);
      return true;
    },
  );
  const lenient = await openIso(new MemoryBlockDevice(bytes));
  const names = (await walkAll(lenient)).map((e) => e.name);
  assert.equal(names.length, 50);
  assert.equal(names.at(-1), "OK");
  assert.equal(lenient.diagnostics.length, 1);
  assert.match(lenient.diagnostics[0], /LBA 20/);
});

Deno.test("reader: multi-extent records concatenate; a missing final section is reported", async () => {
  const build = (finalFlags: number) => {
    const root = directoryExtent([
      record(IDENTIFIER_SELF, ROOT_LBA, 2048, FILE_FLAGS.directory),
      record(IDENTIFIER_PARENT, ROOT_LBA, 2048, FILE_FLAGS.directory),
      record("BIG.BIN;1", 22, 2048, FILE_FLAGS.multiExtent),
      record("BIG.BIN;1", 23, 6, finalFlags),
    ]);
    const bytes = tinyImage({ root, dataBlocks: 3 });
    bytes.fill(0x41, 22 * 2048, 23 * 2048);
    bytes.set(HELLO, 23 * 2048);
    return bytes;
  };
  const image = await openIso(new MemoryBlockDevice(build(0)), { strict: true });
  const [big] = await walkAll(image);
  assert.equal(big.name, "BIG.BIN");
  assert.deepEqual(big.extents, [{ lba: 22, byteLength: 2048 }, { lba: 23, byteLength: 6 }]);
  assert.equal(big.byteLength, 2054);
  const content = await readAll(image.readFile(big, { chunkByteLength: 1000 }));
  assert.equal(content.byteLength, 2054);
  assert.ok(content.subarray(0, 2048).every((b) => b === 0x41));
  assert.deepEqual(content.subarray(2048), HELLO);

  const broken = build(FILE_FLAGS.multiExtent);
  await assert.rejects(walkAll(await openIso(new MemoryBlockDevice(broken), { strict: true })), FormatError);
  const lenient = await openIso(new MemoryBlockDevice(broken));
  assert.equal((await walkAll(lenient))[0].extents.length, 2);
  assert.match(lenient.diagnostics.join("\n"), /multi-extent/);
});

Deno.test("reader: a subdirectory pointing at the root is a loop (FormatError)", async () => {
  const root = directoryExtent([
    record(IDENTIFIER_SELF, ROOT_LBA, 2048, FILE_FLAGS.directory),
    record(IDENTIFIER_PARENT, ROOT_LBA, 2048, FILE_FLAGS.directory),
    record("LOOP", ROOT_LBA, 2048, FILE_FLAGS.directory),
  ]);
  const image = await openIso(new MemoryBlockDevice(tinyImage({ root })));
  await assert.rejects(walkAll(image), (e) => {
    assert.ok(e instanceof FormatError);
    assert.match(e.message, /loop/);
    return true;
  });
  await assert.rejects(image.lookup("LOOP/LOOP/LOOP"), FormatError);
});

Deno.test("reader: two directories sharing an extent are refused (no exponential walk)", async () => {
  const root = directoryExtent([
    record(IDENTIFIER_SELF, ROOT_LBA, 2048, FILE_FLAGS.directory),
    record(IDENTIFIER_PARENT, ROOT_LBA, 2048, FILE_FLAGS.directory),
    record("A", SUB_LBA, 2048, FILE_FLAGS.directory),
    record("B", SUB_LBA, 2048, FILE_FLAGS.directory),
  ]);
  const image = await openIso(new MemoryBlockDevice(tinyImage({ root })));
  await assert.rejects(walkAll(image), /already listed/);
});

Deno.test("reader: huge extents and directory sizes are FormatErrors naming the LBA", async () => {
  const hugeFile = tinyImage();
  // HELLO.TXT;1 is the third root record (after two 34-byte records): Data Length at +10.
  setBoth32(hugeFile, ROOT_LBA * 2048 + 68 + 10, 0xfffff000);
  await assert.rejects(walkAll(await openIso(new MemoryBlockDevice(hugeFile))), (e) => {
    assert.ok(e instanceof FormatError);
    assert.match(e.message, /beyond the image/);
    assert.equal(e.location.lba, 22);
    return true;
  });
  const hugeDirectory = tinyImage();
  const subRecordAt = ROOT_LBA * 2048 + 68 + record("HELLO.TXT;1", 0, 0).byteLength;
  setBoth32(hugeDirectory, subRecordAt + 10, 0x7ffff800);
  await assert.rejects(walkAll(await openIso(new MemoryBlockDevice(hugeDirectory))), /exceeds/);
  const farDirectory = tinyImage();
  setBoth32(farDirectory, subRecordAt + 2, 0x10000000);
  await assert.rejects(walkAll(await openIso(new MemoryBlockDevice(farDirectory))), FormatError);
  const farRoot = tinyImage();
  setBoth32(farRoot, 16 * 2048 + 156 + 2, 999_999);
  await assert.rejects(openIso(new MemoryBlockDevice(farRoot)), FormatError);
});

Deno.test("reader: volume descriptor set problems", async () => {
  const noPvd = tinyImage();
  noPvd[16 * 2048] = 2; // now an SVD without Joliet escapes
  await assert.rejects(openIso(new MemoryBlockDevice(noPvd)), /no Primary Volume Descriptor/);
  const notIso = new Uint8Array(40 * 2048);
  await assert.rejects(openIso(new MemoryBlockDevice(notIso)), FormatError);
  await assert.rejects(openIso(new MemoryBlockDevice(new Uint8Array(10 * 2048))), FormatError);
  // 300 boot records and no terminator: the scan stops at 256 descriptors.
  const endless = new Uint8Array(400 * 2048);
  endless.set(tinyImage().subarray(16 * 2048, 17 * 2048), 16 * 2048);
  for (let lba = 17; lba < 400; lba++) endless.set([0, 0x43, 0x44, 0x30, 0x30, 0x31, 1], lba * 2048);
  await assert.rejects(openIso(new MemoryBlockDevice(endless)), /no terminator within 256/);
});

Deno.test("reader: name helpers", () => {
  assert.equal(plainName("HELLO.TXT;1", false), "HELLO.TXT");
  assert.equal(plainName("NOEXT.;1", false), "NOEXT");
  assert.equal(plainName("AB.D", true), "AB.D");
  assert.equal(plainName(";1", false), ";1");
  assert.equal(jolietName("hello.txt"), "hello.txt");
  assert.equal(jolietName("hello.txt;1"), "hello.txt");
  assert.equal(jolietName("noext.;1"), "noext");
  assert.equal(jolietName("trailing."), "trailing.");
  const text = (s: string) => latin1(s);
  assert.equal(
    symlinkTarget([{
      signature: "SL",
      flags: 0,
      components: [{ flags: 8, content: text("") }, { flags: 0, content: text("usr") }, {
        flags: 0,
        content: text("share"),
      }],
    }]),
    "/usr/share",
  );
  assert.equal(
    symlinkTarget([
      {
        signature: "SL",
        flags: 1,
        components: [{ flags: 4, content: text("") }, { flags: 1, content: text("lo") }],
      },
      {
        signature: "SL",
        flags: 0,
        components: [{ flags: 0, content: text("ng") }, { flags: 2, content: text("") }],
      },
    ]),
    "../long/.",
  );
});

// ------------------------------------------------------------------ hostile images made from tool output

/** Finds `needle` in `bytes` from `from`; -1 if absent. */
function indexOf(bytes: Uint8Array, needle: Uint8Array, from = 0): number {
  outer: for (let i = from; i + needle.byteLength <= bytes.byteLength; i++) {
    for (let j = 0; j < needle.byteLength; j++) if (bytes[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

toolTest("reader: hostile edits of tool images end in FormatError", ["xorriso", "genisoimage"], async (t) => {
  await using tmp = await tempDir("discwright-reader-");
  await Deno.mkdir(`${tmp.path}/tree`);
  const tree = await makeInteropTree(`${tmp.path}/tree`);
  await buildIso("xorriso", ["-R", "-J"], tree.root, `${tmp.path}/x.iso`);
  await buildIso("genisoimage", ["-R", "-J", "-joliet-long"], tree.root, `${tmp.path}/g.iso`);
  const xorriso = await Deno.readFile(`${tmp.path}/x.iso`);
  const genisoimage = await Deno.readFile(`${tmp.path}/g.iso`);
  const xImage = await openIso(new MemoryBlockDevice(xorriso));

  /** Byte offset in the image of the directory record of `path` in `view`. */
  const recordOffset = async (bytes: Uint8Array, path: string, view: IsoView) => {
    const image = await openIso(new MemoryBlockDevice(bytes));
    const entry = (await image.lookup(path, view))!;
    const parent = (await image.lookup(path.split("/").slice(0, -1).join("/"), view))!;
    const { lba, byteLength } = parent.extents[0];
    const records = parseDirectoryRecords(bytes.subarray(lba * 2048, lba * 2048 + byteLength), lba, () => {});
    const found = records.find((r) =>
      r.lba === entry.recordLba && r.record.extentLba === entry.extents[0].lba
    )!;
    return lba * 2048 + found.byteOffset;
  };

  for (const view of ["rockridge", "joliet", "iso9660"] as const) {
    await t.step(`a subdirectory record pointing at the root loops (${view})`, async () => {
      const bytes = xorriso.slice();
      const at = await recordOffset(bytes, view === "iso9660" ? "DOCS" : "docs", view);
      const rootLba = xImage.root(view).extents[0].lba;
      setBoth32(bytes, at + 2, rootLba);
      setBoth32(bytes, at + 10, xImage.root(view).byteLength);
      const image = await openIso(new MemoryBlockDevice(bytes));
      await assert.rejects(walkAll(image, view), (e) => {
        assert.ok(e instanceof FormatError, String(e));
        assert.match(e.message, /loop|already listed/);
        return true;
      });
    });
  }

  await t.step("a CL entry pointing at an ancestor is a cycle", async () => {
    const bytes = genisoimage.slice();
    const image = await openIso(new MemoryBlockDevice(bytes));
    const d1 = (await image.lookup("d1"))!;
    const cl = indexOf(bytes, new Uint8Array([0x43, 0x4c, 12, 1]), 16 * 2048);
    assert.ok(cl > 0, "genisoimage wrote a CL entry");
    setBoth32(bytes, cl + 4, d1.extents[0].lba);
    await assert.rejects(walkAll(await openIso(new MemoryBlockDevice(bytes))), /loop/);
  });

  await t.step("a CL entry pointing outside the image", async () => {
    const bytes = genisoimage.slice();
    const cl = indexOf(bytes, new Uint8Array([0x43, 0x4c, 12, 1]), 16 * 2048);
    setBoth32(bytes, cl + 4, 0x7fffffff);
    await assert.rejects(walkAll(await openIso(new MemoryBlockDevice(bytes))), FormatError);
  });

  await t.step("a CE area crossing the block boundary or leaving the image", async () => {
    const rootLba = xImage.root().extents[0].lba;
    const ce = indexOf(xorriso, new Uint8Array([0x43, 0x45, 28, 1]), rootLba * 2048);
    assert.ok(ce > 0);
    const crossing = xorriso.slice();
    setBoth32(crossing, ce + 12, 2000); // offset 2000 + 237 bytes > 2048
    await assert.rejects(openIso(new MemoryBlockDevice(crossing)), /cross the block boundary/);
    const outside = xorriso.slice();
    setBoth32(outside, ce + 4, 0x00ffffff);
    await assert.rejects(openIso(new MemoryBlockDevice(outside)), /beyond the image/);
  });

  await t.step(
    "a malformed System Use entry: FormatError when strict, a diagnostic when lenient",
    async () => {
      const bytes = xorriso.slice();
      const at = await recordOffset(bytes, "hello.txt", "rockridge");
      const su = bytes.subarray(at, at + bytes[at]);
      const nm = su.findIndex((_, i) => su[i] === 0x4e && su[i + 1] === 0x4d && su[i + 3] === 1);
      assert.ok(nm > 0);
      su[nm + 2] = 250; // LEN_SUE runs past the record
      await assert.rejects(walkAll(await openIso(new MemoryBlockDevice(bytes), { strict: true })), /LEN_SUE/);
      const lenient = await openIso(new MemoryBlockDevice(bytes));
      const entries = await walkAll(lenient);
      assert.ok(entries.some((e) => e.path === "HELLO.TXT"), "falls back to the ISO 9660 name");
      assert.match(lenient.diagnostics.join("\n"), /LEN_SUE 250/);
    },
  );

  await t.step("a CE chain that loops", async () => {
    const bytes = xorriso.slice();
    // The 200-character name continues in a CE area; point that area's CE back at itself.
    const long = await recordOffset(bytes, `long/${NAMES.long200}`, "rockridge");
    const ce = indexOf(bytes.subarray(0, long + bytes[long]), new Uint8Array([0x43, 0x45, 28, 1]), long);
    assert.ok(ce > 0, "the long name needs a CE");
    const view = new DataView(bytes.buffer);
    const areaLba = view.getUint32(ce + 4, true);
    const areaOffset = view.getUint32(ce + 12, true);
    // The area becomes one CE pointing at the area itself.
    setBoth32(bytes, ce + 20, 28);
    const loop = new Uint8Array(28);
    loop.set([0x43, 0x45, 28, 1]);
    setBoth32(loop, 4, areaLba);
    setBoth32(loop, 12, areaOffset);
    setBoth32(loop, 20, 28);
    bytes.set(loop, areaLba * 2048 + areaOffset);
    const image = await openIso(new MemoryBlockDevice(bytes));
    await assert.rejects(walkAll(image), /loops/);
  });
});

// ------------------------------------------------------------------ fuzzing

class HangError extends Error {}

/** How fuzzed runs ended (printed with FUZZ_SCALE, to see that mutations reach past openIso). */
const outcomes = { runs: 0, ok: 0, formatError: 0 };
globalThis.addEventListener("unload", () => {
  if (Deno.env.get("FUZZ_SCALE")) console.log("fuzz outcomes", outcomes);
});

/** Fails a run that reads too much or for too long (a loop that would otherwise hang). */
class BudgetDevice implements BlockDevice {
  readonly blockByteLength: number;
  readonly blockCount: number;
  #reads = 0;
  #started = performance.now();
  constructor(readonly inner: BlockDevice, readonly maxReads = 20_000, readonly maxMillis = 3_000) {
    this.blockByteLength = inner.blockByteLength;
    this.blockCount = inner.blockCount;
  }
  read(lba: number, blockCount: number): Promise<Uint8Array> {
    if (++this.#reads > this.maxReads || performance.now() - this.#started > this.maxMillis) {
      throw new HangError(`Cannot finish: more than ${this.maxReads} reads or ${this.maxMillis} ms`);
    }
    return this.inner.read(lba, blockCount);
  }
}

/** Opens, walks every view, reads a few files, verifies: only FormatError may escape. */
async function exercise(bytes: Uint8Array): Promise<void> {
  outcomes.runs++;
  for (const strict of [false, true]) {
    const device = new BudgetDevice(new MemoryBlockDevice(bytes));
    try {
      const image = await openIso(device, { strict });
      for (const view of image.views) {
        let files = 0;
        for await (const entry of image.walk(view)) {
          if (entry.kind === "file" && files++ < 4) {
            await readAll(image.readFile(entry, { chunkByteLength: 4096 }));
          }
        }
      }
      outcomes.ok++;
    } catch (error) {
      if (!(error instanceof FormatError)) throw error;
      outcomes.formatError++;
    }
  }
  await verifyIso(new BudgetDevice(new MemoryBlockDevice(bytes), 50_000));
}

/** `FUZZ_SCALE=20 deno test ...` runs the fuzzers 20 times longer. */
const FUZZ_SCALE = Number(Deno.env.get("FUZZ_SCALE") ?? "1") || 1;

const byteValue = fc.oneof(
  fc.constantFrom(0, 1, 2, 0x22, 0x7f, 0x80, 0xfe, 0xff),
  fc.integer({ min: 0, max: 255 }),
);

function fuzzMetadata(bytes: Uint8Array, lastLba: number, numRuns: number): Promise<void> {
  return fc.assert(
    fc.asyncProperty(
      fc.array(
        fc.record({ at: fc.integer({ min: 16 * 2048, max: (lastLba + 1) * 2048 - 1 }), value: byteValue }),
        {
          minLength: 1,
          maxLength: 24,
        },
      ),
      async (mutations) => {
        const copy = bytes.slice();
        for (const { at, value } of mutations) copy[at] = value;
        await exercise(copy);
      },
    ),
    { numRuns: Math.round(numRuns * FUZZ_SCALE) },
  );
}

Deno.test("reader: fuzzed tiny image ends in FormatError or success", async () => {
  const bytes = tinyImage();
  await exercise(bytes);
  await fuzzMetadata(bytes, 23, 400);
});

toolTest("reader: fuzzed xorriso and genisoimage images end in FormatError or success", [
  "xorriso",
  "genisoimage",
], async () => {
  await using tmp = await tempDir("discwright-reader-fuzz-");
  const root = `${tmp.path}/tree`;
  await Deno.mkdir(`${root}/sub/deeper`, { recursive: true });
  for (let i = 0; i < 5; i++) await Deno.writeTextFile(`${root}/sub/file_${i}.txt`, `file ${i}\n`);
  await Deno.writeTextFile(`${root}/${"n".repeat(200)}`, "long\n");
  await Deno.symlink("../sub/file_1.txt", `${root}/sub/deeper/link`);
  for (let d = 1, p = root; d <= 9; d++) {
    p = `${p}/l${d}`;
    await Deno.mkdir(p);
  }
  await buildIso("xorriso", ["-R", "-J"], root, `${tmp.path}/x.iso`);
  await buildIso("genisoimage", ["-R", "-J", "-joliet-long"], root, `${tmp.path}/g.iso`);
  for (const name of ["x.iso", "g.iso"]) {
    const bytes = await Deno.readFile(`${tmp.path}/${name}`);
    await exercise(bytes);
    await fuzzMetadata(bytes, 60, 150);
  }
});
