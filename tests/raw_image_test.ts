/**
 * `disc info` on raw images: a floppy by its size and boot sector, a USB stick image by its MBR
 * or GPT partition and the FAT32 in it, a hybrid ISO by its volume and its partitions.
 */
import assert from "node:assert/strict";
import { biosBootImage } from "../examples/boot_payload.ts";
import { makeDataIso } from "./_disc_fixtures.ts";
import { buildWithDiscwright, run, runDisc, tempDir, toolTest } from "./_tools.ts";

toolTest("disc info on raw images: floppy, MBR and GPT sticks, a hybrid ISO", ["mkfs.fat"], async () => {
  await using tmp = await tempDir("raw-info-");
  await run("mkfs.fat", ["-C", "-n", "FLOPPY", `${tmp.path}/floppy.img`, "1440"]);
  const floppy = await runDisc(["info", `${tmp.path}/floppy.img`]);
  assert.equal(floppy.code, 0, floppy.stderr);
  assert.match(floppy.stdout, /floppy: 1\.44 MiB 3\.5" HD/);
  assert.match(floppy.stdout, /File system at its start: FAT12 \(label "FLOPPY"\)/);
  assert.match(floppy.stdout, /Partition table: none/);

  await Deno.mkdir(`${tmp.path}/tree`);
  await Deno.writeTextFile(`${tmp.path}/tree/a.txt`, "a\n");
  const iso = `${tmp.path}/a.iso`;
  assert.equal(
    (await buildWithDiscwright(["-quiet", "-R", "-V", "RAWTEST", "-o", iso, `${tmp.path}/tree`])).code,
    0,
  );
  for (const table of ["mbr", "gpt"]) {
    const stick = `${tmp.path}/${table}.img`;
    assert.equal((await runDisc(["usb", iso, "-o", stick, "--size", "64M", "--table", table])).code, 0);
    const info = await runDisc(["info", stick, "--json"]);
    const parsed = JSON.parse(info.stdout);
    assert.equal(parsed.table, table);
    assert.equal(parsed.partitions.length, 1);
    assert.equal(parsed.partitions[0].startSector, 2048);
    assert.match(parsed.partitions[0].fileSystem, /^FAT32 \(label "RAWTEST"\)$/);
  }

  await run("mkfs.fat", ["-C", `${tmp.path}/esp.img`, "1440"]);
  await Deno.writeFile(`${tmp.path}/mbr.bin`, biosBootImage().subarray(0, 512));
  const hybrid = `${tmp.path}/hybrid.iso`;
  const built = await buildWithDiscwright([
    "-quiet",
    "-V",
    "HYBRID",
    "-G",
    `${tmp.path}/mbr.bin`,
    "-append_partition",
    "2",
    "0xef",
    `${tmp.path}/esp.img`,
    "-o",
    hybrid,
    `${tmp.path}/tree`,
  ]);
  assert.equal(built.code, 0, built.stderr);
  const info = await runDisc(["info", hybrid]);
  assert.match(info.stdout, /Volume id: +HYBRID/);
  assert.match(info.stdout, /Partition table: MBR/);
  assert.match(info.stdout, /\n {2}2 +0xef .* FAT12/);
});

Deno.test("disc convert between IMG and ISO where they are the same bytes; a stick image has no ISO to give", async () => {
  await using tmp = await tempDir("raw-convert-");
  const iso = await makeDataIso(tmp.path);
  const isoBytes = await Deno.readFile(iso);
  assert.equal((await runDisc(["convert", iso, "-o", `${tmp.path}/a.img`])).code, 0);
  assert.deepEqual(await Deno.readFile(`${tmp.path}/a.img`), isoBytes);
  assert.equal((await runDisc(["convert", `${tmp.path}/a.img`, "-o", `${tmp.path}/back.iso`])).code, 0);
  assert.deepEqual(await Deno.readFile(`${tmp.path}/back.iso`), isoBytes);

  assert.equal((await runDisc(["usb", iso, "-o", `${tmp.path}/stick.img`, "--size", "64M"])).code, 0);
  const refused = await runDisc(["convert", `${tmp.path}/stick.img`, "-o", `${tmp.path}/stick.iso`]);
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(refused.stderr, /no ISO 9660 file system/);
  assert.equal(await Deno.stat(`${tmp.path}/stick.iso`).then(() => true, () => false), false);
});
