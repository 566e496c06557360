import assert from "node:assert/strict";
import { MemoryBlockDevice } from "../../image/block_device.ts";
import { makeInteropTree } from "../../tests/_fixtures.ts";
import { run, tempDir, toolTest } from "../../tests/_tools.ts";
import { latin1 } from "./numbers.ts";
import { decodePathTable, encodePathTable } from "./path_table.ts";
import { type IsoView, openIso, parseDirectoryRecords } from "./reader.ts";
import {
  compareFileIdentifiers,
  comparePadded,
  compareUnits,
  inferIsoLevel,
  verifyIso,
  type VerifyReport,
} from "./verify.ts";

// ------------------------------------------------------------------ helpers

async function xorriso(args: string[]): Promise<void> {
  await run("xorriso", ["-as", "mkisofs", "-quiet", ...args]);
}

async function genisoimage(args: string[]): Promise<void> {
  await run("genisoimage", ["-quiet", ...args]);
}

async function verifyBytes(bytes: Uint8Array): Promise<VerifyReport> {
  return await verifyIso(new MemoryBlockDevice(bytes));
}

function errors(report: VerifyReport): string[] {
  return report.problems.filter((p) => p.severity === "error").map((p) =>
    `LBA ${p.lba} ${p.structure}: ${p.message}`
  );
}

/** Asserts that an error matching `pattern` (and `lba` if given) was reported. */
function assertError(report: VerifyReport, pattern: RegExp, lba?: number): void {
  const found = report.problems.find((p) =>
    p.severity === "error" && pattern.test(`${p.structure}: ${p.message}`) &&
    (lba === undefined || p.lba === lba)
  );
  assert.ok(
    found,
    `expected an error ${pattern}${lba === undefined ? "" : ` at LBA ${lba}`}, got:\n${
      errors(report).join("\n")
    }`,
  );
}

function setBoth32(bytes: Uint8Array, at: number, value: number): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  view.setUint32(at, value, true);
  view.setUint32(at + 4, value, false);
}

/** Image byte offsets of the records of the directory at `path` (`view`), "." and ".." included. */
async function recordsOf(bytes: Uint8Array, path: string, view: IsoView = "iso9660") {
  const image = await openIso(new MemoryBlockDevice(bytes));
  const directory = (await image.lookup(path, view))!;
  const { lba, byteLength } = directory.extents[0];
  return parseDirectoryRecords(bytes.subarray(lba * 2048, lba * 2048 + byteLength), lba, () => {}).map((
    r,
  ) => ({
    ...r,
    at: lba * 2048 + r.byteOffset,
    name: latin1Text(r.record.identifier),
  }));
}

function latin1Text(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes);
}

// ------------------------------------------------------------------ tool output is clean

toolTest("verify: xorriso and genisoimage images have no errors", ["xorriso", "genisoimage"], async (t) => {
  await using tmp = await tempDir("discwright-verify-");
  await Deno.mkdir(`${tmp.path}/tree`);
  const tree = await makeInteropTree(`${tmp.path}/tree`);
  const cases: [string, () => Promise<void>][] = [
    [
      "xorriso -R -J -joliet-long",
      () => xorriso(["-o", `${tmp.path}/1.iso`, "-R", "-J", "-joliet-long", tree.root]),
    ],
    ["xorriso plain", () => xorriso(["-o", `${tmp.path}/2.iso`, tree.root])],
    [
      "xorriso -iso-level 2 -r -J",
      () => xorriso(["-o", `${tmp.path}/3.iso`, "-iso-level", "2", "-r", "-J", tree.root]),
    ],
    [
      "genisoimage -R -J -joliet-long",
      () => genisoimage(["-o", `${tmp.path}/4.iso`, "-R", "-J", "-joliet-long", tree.root]),
    ],
    ["genisoimage -r -D -l", () => genisoimage(["-o", `${tmp.path}/5.iso`, "-r", "-D", "-l", tree.root])],
  ];
  for (const [index, [name, build]] of cases.entries()) {
    await t.step(name, async () => {
      await build();
      const report = await verifyBytes(await Deno.readFile(`${tmp.path}/${index + 1}.iso`));
      assert.deepEqual(errors(report), []);
      assert.equal(report.summary.ok, true);
      assert.ok(report.summary.fileCount > 60, String(report.summary.fileCount));
      assert.ok(report.summary.lastUsedLba < report.summary.volumeSpaceBlockCount);
    });
  }
  await t.step("levels and extensions in the summary", async () => {
    const one = (await verifyBytes(await Deno.readFile(`${tmp.path}/1.iso`))).summary;
    assert.equal(one.isoLevel, 1);
    assert.equal(one.hasJoliet, true);
    assert.equal(one.jolietLevel, 3);
    assert.equal(one.hasRockRidge, true);
    assert.equal(one.rockRidgeIdentifier, "RRIP_1991A");
    assert.equal(one.directoryCount, 19); // root + 18
    const three = await verifyBytes(await Deno.readFile(`${tmp.path}/3.iso`));
    assert.equal(three.summary.isoLevel, 2);
    const five = await verifyBytes(await Deno.readFile(`${tmp.path}/5.iso`));
    assert.equal(five.summary.isoLevel, 2);
    assert.equal(five.summary.hasJoliet, false);
    // xorriso's Joliet ".." quirk is noted, not an error; deep trees and long Joliet names warn.
    const report = await verifyBytes(await Deno.readFile(`${tmp.path}/1.iso`));
    assert.ok(report.problems.some((p) => p.severity === "info" && /Joliet "\.\."/.test(p.message)));
    assert.ok(report.problems.some((p) => p.severity === "warning" && /deeper than the 8/.test(p.message)));
    assert.ok(report.problems.some((p) => p.severity === "warning" && /UCS-2 units/.test(p.message)));
  });
});

toolTest(
  "verify: bootable images (El Torito, isohybrid, appended partition)",
  ["xorriso", "genisoimage"],
  async (t) => {
    const isolinux = "/usr/lib/ISOLINUX/isolinux.bin";
    await using tmp = await tempDir("discwright-verify-boot-");
    const tree = `${tmp.path}/tree`;
    await Deno.mkdir(`${tree}/isolinux`, { recursive: true });
    const haveIsolinux = await Deno.stat(isolinux).then(() => true, () => false);
    const loader = new Uint8Array(4096);
    loader.set(latin1("boot"), 0);
    await Deno.writeFile(
      `${tree}/isolinux/isolinux.bin`,
      haveIsolinux ? await Deno.readFile(isolinux) : loader,
    );
    await Deno.writeFile(`${tree}/efiboot.img`, new Uint8Array(64 * 1024));
    await Deno.writeTextFile(`${tree}/hello.txt`, "hi\n");
    const bios = [
      "-b",
      "isolinux/isolinux.bin",
      "-c",
      "isolinux/boot.cat",
      "-no-emul-boot",
      "-boot-load-size",
      "4",
    ];
    await t.step("xorriso BIOS + EFI, isohybrid", async () => {
      const hybrid = haveIsolinux
        ? ["-isohybrid-mbr", "/usr/lib/ISOLINUX/isohdpfx.bin", "-isohybrid-gpt-basdat"]
        : [];
      await xorriso([
        "-o",
        `${tmp.path}/b1.iso`,
        "-R",
        "-J",
        ...bios,
        "-boot-info-table",
        "-eltorito-alt-boot",
        "-e",
        "efiboot.img",
        "-no-emul-boot",
        ...hybrid,
        tree,
      ]);
      const report = await verifyBytes(await Deno.readFile(`${tmp.path}/b1.iso`));
      assert.deepEqual(errors(report), []);
      assert.equal(report.summary.elTorito, true);
    });
    await t.step("genisoimage BIOS", async () => {
      await genisoimage(["-o", `${tmp.path}/b2.iso`, "-R", "-J", ...bios, "-boot-info-table", tree]);
      const report = await verifyBytes(await Deno.readFile(`${tmp.path}/b2.iso`));
      assert.deepEqual(errors(report), []);
      assert.equal(report.summary.elTorito, true);
    });
    await t.step("xorriso EFI image in an appended partition: info, not error", async () => {
      await Deno.writeFile(`${tmp.path}/esp.img`, new Uint8Array(1024 * 1024));
      await xorriso([
        "-o",
        `${tmp.path}/b3.iso`,
        "-R",
        "-append_partition",
        "2",
        "0xef",
        `${tmp.path}/esp.img`,
        "-e",
        "--interval:appended_partition_2:all::",
        "-no-emul-boot",
        tree,
      ]);
      const report = await verifyBytes(await Deno.readFile(`${tmp.path}/b3.iso`));
      assert.deepEqual(errors(report), []);
      assert.ok(
        report.problems.some((p) => p.severity === "info" && /outside the ISO volume/.test(p.message)),
      );
      assert.ok(report.summary.imageBlockCount > report.summary.volumeSpaceBlockCount);
    });
  },
);

// ------------------------------------------------------------------ mutated images are caught

toolTest("verify: mutated images name the problem and its LBA", ["xorriso"], async (t) => {
  await using tmp = await tempDir("discwright-verify-mut-");
  await Deno.mkdir(`${tmp.path}/tree`);
  const tree = await makeInteropTree(`${tmp.path}/tree`);
  await xorriso(["-o", `${tmp.path}/x.iso`, "-R", "-J", tree.root]);
  const original = await Deno.readFile(`${tmp.path}/x.iso`);
  const image = await openIso(new MemoryBlockDevice(original));
  const pvd = image.descriptors.primary;
  const rootLba = pvd.rootDirectoryRecord.extentLba;

  await t.step("a both-endian half of the Volume Space Size", async () => {
    const bytes = original.slice();
    bytes[16 * 2048 + 84 + 3] ^= 0x01; // 84..87: big-endian half
    assertError(await verifyBytes(bytes), /Volume Space Size \(offset 80\): both-endian halves differ/, 16);
  });

  await t.step("a both-endian half of a directory record's extent", async () => {
    const bytes = original.slice();
    const hello = (await recordsOf(bytes, "")).find((r) => r.name === "HELLO.TXT;1")!;
    bytes[hello.at + 6 + 3] ^= 0x40; // 6..9: big-endian half of Location of Extent
    assertError(await verifyBytes(bytes), /Location of Extent halves differ/, hello.lba);
  });

  await t.step("a both-endian half of a Rock Ridge PX field", async () => {
    const bytes = original.slice();
    const hello = (await recordsOf(bytes, "")).find((r) => r.name === "HELLO.TXT;1")!;
    const su = bytes.subarray(hello.at, hello.at + bytes[hello.at]);
    const px = su.findIndex((_, i) => su[i] === 0x50 && su[i + 1] === 0x58 && su[i + 3] === 1);
    bytes[hello.at + px + 8 + 3] ^= 0x01; // PX st_mode big-endian half
    assertError(await verifyBytes(bytes), /PX entry: 733 field at entry offset 4/, hello.lba);
  });

  await t.step("the M path table disagrees with the L table", async () => {
    const bytes = original.slice();
    bytes[pvd.typeMPathTableLba * 2048 + 12 + 5] ^= 0x01; // record 2's extent (BE)
    assertError(
      await verifyBytes(bytes),
      /Type M Path Table: differs from the Type L Path Table at record 2/,
      pvd.typeMPathTableLba,
    );
  });

  await t.step("both path tables point a record at the wrong extent", async () => {
    const bytes = original.slice();
    const view = new DataView(bytes.buffer);
    view.setUint32(pvd.typeLPathTableLba * 2048 + 12, 9999, true); // record 2 (after the 10-byte root record)
    view.setUint32(pvd.typeMPathTableLba * 2048 + 12, 9999, false);
    assertError(await verifyBytes(bytes), /record 2 points at LBA 9999/, pvd.typeLPathTableLba);
  });

  await t.step("the path table order (§6.9.1)", async () => {
    const bytes = original.slice();
    // Swap two neighbours of one parent whose identifiers have the same length.
    const records = decodePathTable(
      bytes.subarray(pvd.typeLPathTableLba * 2048, pvd.typeLPathTableLba * 2048 + pvd.pathTableByteLength),
      true,
      pvd.typeLPathTableLba,
    );
    const i = records.findIndex((r, k) =>
      k > 0 && records[k + 1] && r.identifier.byteLength === records[k + 1].identifier.byteLength &&
      r.parentDirectoryNumber === records[k + 1].parentDirectoryNumber
    );
    assert.ok(i > 0);
    const swapped = [...records];
    [swapped[i], swapped[i + 1]] = [swapped[i + 1], swapped[i]];
    bytes.set(encodePathTable(swapped, true), pvd.typeLPathTableLba * 2048);
    bytes.set(encodePathTable(swapped, false), pvd.typeMPathTableLba * 2048);
    assertError(await verifyBytes(bytes), /out of §6\.9\.1 order/, pvd.typeLPathTableLba);
  });

  await t.step('"." and ".." of the ISO tree', async () => {
    const bytes = original.slice();
    const docs = await recordsOf(bytes, "DOCS");
    setBoth32(bytes, docs[0].at + 2, rootLba); // "." of DOCS points at the root
    setBoth32(bytes, docs[1].at + 2, docs[0].lba); // ".." of DOCS points at DOCS
    const report = await verifyBytes(bytes);
    assertError(report, /"DOCS": "\." describes LBA/, docs[0].lba);
    const other = original.slice();
    const bin = await recordsOf(other, "BIN");
    setBoth32(other, bin[1].at + 2, docs[0].lba); // ".." of BIN points at DOCS
    assertError(await verifyBytes(other), /"BIN": "\.\." points at LBA \d+, not the parent/, bin[0].lba);
  });

  await t.step("a record crossing a sector boundary", async () => {
    const bytes = original.slice();
    const collide = await recordsOf(bytes, "COLLIDE");
    const victim = collide.find((r) => (r.byteOffset % 2048) + 254 > 2048 && r.byteOffset < 2048)!;
    assert.ok(victim, "COLLIDE spans two sectors");
    bytes[victim.at] = 254;
    assertError(await verifyBytes(bytes), /cross the sector boundary/, victim.lba);
  });

  await t.step("the §9.3 order of records", async () => {
    const bytes = original.slice();
    const collide = await recordsOf(bytes, "COLLIDE");
    const files = collide.filter((r) => /^FILE_N\d\d\.TXT;1$/.test(r.name));
    const [a, b] = files.filter((r) => bytes[r.at] === bytes[files[0].at]).slice(0, 2);
    const first = bytes.slice(a.at, a.at + bytes[a.at]);
    bytes.copyWithin(a.at, b.at, b.at + bytes[b.at]);
    bytes.set(first, b.at);
    assertError(await verifyBytes(bytes), /out of order \(§9\.3\)/);
  });

  await t.step("two different files sharing blocks", async () => {
    const bytes = original.slice();
    const data = await recordsOf(bytes, "DATA");
    const one = data.find((r) => r.name.startsWith("RANDOM_1"))!;
    const eight = data.find((r) => r.name.startsWith("RANDOM_8"))!;
    setBoth32(bytes, one.at + 2, eight.record.extentLba + 1);
    assertError(await verifyBytes(bytes), /overlaps/);
    // Hard links (same extent and size) are fine: the unmodified image has one pair.
    assert.deepEqual(errors(await verifyBytes(original)), []);
  });

  await t.step("extents beyond the Volume Space Size", async () => {
    const bytes = original.slice();
    const report0 = await verifyBytes(bytes);
    setBoth32(bytes, 16 * 2048 + 80, report0.summary.lastUsedLba); // one block short
    const report = await verifyBytes(bytes);
    assertError(report, /beyond the Volume Space Size/);
    assertError(report, /does not cover the last used block/, 16);
  });

  await t.step("a directory Data Length that is not a multiple of 2048", async () => {
    const bytes = original.slice();
    const root = await recordsOf(bytes, "");
    const docs = root.find((r) => r.name === "DOCS")!;
    setBoth32(bytes, docs.at + 10, 2000);
    assertError(await verifyBytes(bytes), /not a multiple of 2048/);
  });

  await t.step("a directory loop", async () => {
    const bytes = original.slice();
    const docs = (await recordsOf(bytes, "")).find((r) => r.name === "DOCS")!;
    setBoth32(bytes, docs.at + 2, rootLba);
    assertError(await verifyBytes(bytes), /already used by another directory/);
  });

  await t.step("a CE area crossing its block", async () => {
    const bytes = original.slice();
    const dot = (await recordsOf(bytes, ""))[0];
    const su = bytes.subarray(dot.at, dot.at + bytes[dot.at]);
    const ce = su.findIndex((_, i) => su[i] === 0x43 && su[i + 1] === 0x45 && su[i + 2] === 28);
    setBoth32(bytes, dot.at + ce + 12, 2000);
    assertError(await verifyBytes(bytes), /crosses the block boundary/, rootLba);
  });

  await t.step("a truncated image", async () => {
    const report = await verifyBytes(original.slice(0, 40 * 2048));
    assertError(report, /truncated/, 16);
    assert.equal(report.summary.ok, false);
  });

  await t.step("no volume descriptors at all", async () => {
    const report = await verifyBytes(new Uint8Array(20 * 2048));
    assertError(report, /standard identifier/, 16);
  });
});

// ------------------------------------------------------------------ pure helpers

Deno.test("verify: §9.3 identifier order", () => {
  const order = (a: string, b: string) => Math.sign(compareFileIdentifiers(latin1(a), latin1(b)));
  assert.equal(order("EFI", "EFIBOOT.IMG;1"), -1); // 0x20 < "B"
  assert.equal(order("AA", "DOCS"), -1);
  assert.equal(order("HELLO.TXT;1", "ISOLINUX"), -1);
  assert.equal(order("A.B;2", "A.B;1"), -1); // versions descend
  assert.equal(order("AB.C;1", "AB_C;1"), -1); // name "AB" < "AB_C"
  assert.equal(order("X.TXT;1", "X.TXT;1"), 0);
  assert.equal(Math.sign(comparePadded(latin1("AB"), latin1("AB "))), 0);
  const units = (s: string) => new Uint8Array([...s].flatMap((c) => [0, c.charCodeAt(0)]));
  assert.ok(compareUnits(units("ab"), units("ab-")) < 0);
  assert.ok(compareUnits(units("ab-"), units("ab.c")) < 0);
  assert.ok(compareUnits(units("Zz"), units("aa")) < 0);
});

Deno.test("verify: ISO level inference", () => {
  const file = (identifier: string, sectionCount = 1) => ({ identifier, directory: false, sectionCount });
  const dir = (identifier: string) => ({ identifier, directory: true, sectionCount: 1 });
  assert.deepEqual(inferIsoLevel([file("HELLO.TXT;1"), dir("DOCS")]), { level: 1, relaxed: false });
  assert.deepEqual(inferIsoLevel([file("LONGERNAME.TXT;1")]), { level: 2, relaxed: false });
  assert.deepEqual(inferIsoLevel([file("A.HTML;1")]), { level: 2, relaxed: false });
  assert.deepEqual(inferIsoLevel([dir("AB.D")]), { level: 2, relaxed: false });
  assert.deepEqual(inferIsoLevel([file("BIG.BIN;1", 2)]), { level: 3, relaxed: false });
  assert.deepEqual(inferIsoLevel([file(`${"N".repeat(40)}.TXT;1`)]), { level: 2, relaxed: true });
  assert.deepEqual(inferIsoLevel([]), { level: 1, relaxed: false });
});
