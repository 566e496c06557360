import assert from "node:assert/strict";
import { FileBlockDevice, MemoryBlockDevice } from "../../image/block_device.ts";
import { makeInteropTree } from "../../tests/_fixtures.ts";
import { run, tempDir, toolTest } from "../../tests/_tools.ts";
import { describeIso, formatIsoInfo, type IsoInfo } from "./info.ts";
import { encodeDirectoryRecord, FILE_FLAGS, IDENTIFIER_PARENT, IDENTIFIER_SELF } from "./directory_record.ts";
import { latin1 } from "./numbers.ts";
import { encodePathTable } from "./path_table.ts";
import { openIso } from "./reader.ts";
import { encodeTerminator, encodeVolumeDescriptor } from "./volume_descriptor.ts";

/** `isoinfo -d` as key → value ("Volume id" → "BOOT"). */
async function isoinfoFields(path: string): Promise<Map<string, string>> {
  const { stdout } = await run("isoinfo", ["-d", "-i", path]);
  const fields = new Map<string, string>();
  for (const line of stdout.split("\n")) {
    const match = /^([A-Za-z ]+?)(?: is)?: ?(.*)$/.exec(line);
    if (match) fields.set(match[1], match[2]);
  }
  return fields;
}

/** Only strings, numbers, booleans, undefined, arrays and plain objects: JSON keeps all of it. */
function assertJsonable(info: IsoInfo): void {
  const visit = (value: unknown, path: string): void => {
    if (value === undefined || ["string", "number", "boolean"].includes(typeof value)) return;
    if (Array.isArray(value)) return value.forEach((v, i) => visit(v, `${path}[${i}]`));
    assert.ok(value !== null && Object.getPrototypeOf(value) === Object.prototype, `${path} is plain data`);
    for (const [key, v] of Object.entries(value as object)) visit(v, `${path}.${key}`);
  };
  visit(info, "info");
}

toolTest("info: bootable xorriso image agrees with isoinfo -d", ["xorriso", "isoinfo"], async () => {
  await using tmp = await tempDir("discwright-info-");
  const tree = `${tmp.path}/tree`;
  await Deno.mkdir(`${tree}/boot/sub`, { recursive: true });
  const loader = new Uint8Array(2048);
  loader.set(latin1("loader"));
  await Deno.writeFile(`${tree}/boot/loader.bin`, loader);
  await Deno.writeTextFile(`${tree}/readme.txt`, "hello\n");
  await Deno.symlink("readme.txt", `${tree}/link`);
  const iso = `${tmp.path}/b.iso`;
  await run("xorriso", [
    "-as",
    "mkisofs",
    "-quiet",
    "-o",
    iso,
    "-R",
    "-J",
    "-V",
    "INFOVOL",
    "-publisher",
    "DISCWRIGHT TESTS",
    "-b",
    "boot/loader.bin",
    "-c",
    "boot/boot.cat",
    "-no-emul-boot",
    tree,
  ]);
  using device = await FileBlockDevice.open(iso);
  const info = await describeIso(await openIso(device));
  assertJsonable(info);
  const oracle = await isoinfoFields(iso);

  assert.equal(info.volumeIdentifier, "INFOVOL");
  assert.equal(oracle.get("Volume id"), "INFOVOL");
  assert.equal(info.volumeSpace.blockCount, Number(oracle.get("Volume size")));
  assert.equal(info.volumeSpace.byteLength, info.volumeSpace.blockCount * 2048);
  assert.equal(info.imageByteLength, (await Deno.stat(iso)).size);
  const primary = info.volumeDescriptors.find((d) => d.type === "primary")!;
  assert.equal(primary.publisherIdentifier, oracle.get("Publisher id"));
  assert.equal(primary.dataPreparerIdentifier, oracle.get("Data preparer id"));
  assert.equal(primary.logicalBlockByteLength, 2048);
  assert.match(primary.creation ?? "", /^\d{4}-\d\d-\d\dT/);
  assert.equal(primary.expiration, undefined);

  const catalog = /boot catalog is in sector (\d+)/.exec((await run("isoinfo", ["-d", "-i", iso])).stdout);
  assert.deepEqual(info.extensions.elTorito, { present: true, catalogLba: Number(catalog?.[1]) });
  assert.deepEqual(info.extensions.joliet, { present: true, level: 3 });
  assert.match((await run("isoinfo", ["-d", "-i", iso])).stdout, /Joliet with UCS level 3 found/);
  assert.deepEqual(info.extensions.rockRidge, { present: true, identifier: "RRIP_1991A" });
  assert.equal(info.extensions.isoLevel, 1);
  assert.deepEqual(info.volumeDescriptors.map((d) => [d.lba, d.type]), [
    [16, "primary"],
    [17, "boot record"],
    [18, "joliet"],
    [19, "terminator"],
  ]);
  // root, boot, boot/sub; loader.bin, boot.cat, readme.txt; link
  assert.deepEqual(info.counts, {
    view: "rockridge",
    files: 3,
    directories: 3,
    symlinks: 1,
    other: 0,
    fileByteLength: 2048 + 2048 + 6,
  });

  const text = formatIsoInfo(info);
  const lines = text.split("\n");
  assert.match(text, /^Volume id: +INFOVOL$/m);
  assert.match(text, /^Rock Ridge: +yes \(RRIP_1991A\)$/m);
  assert.match(text, /^Joliet: +yes \(UCS-2 level 3\)$/m);
  assert.match(text, new RegExp(`^El Torito: +yes \\(catalog at LBA ${catalog?.[1]}\\)$`, "m"));
  assert.match(text, new RegExp(`^Volume space: +${info.volumeSpace.blockCount} blocks`, "m"));
  // Aligned: every value starts in the same column.
  const columns = new Set(lines.filter((l) => !/: *$/.test(l)).map((l) => l.search(/(?<=: +)\S/)));
  assert.equal(columns.size, 1, text);
});

toolTest(
  "info: plain genisoimage image, and a level-2 xorriso image without Rock Ridge",
  ["genisoimage", "xorriso"],
  async () => {
    await using tmp = await tempDir("discwright-info-");
    await Deno.mkdir(`${tmp.path}/tree`);
    const tree = await makeInteropTree(`${tmp.path}/tree`);
    await run("genisoimage", ["-quiet", "-o", `${tmp.path}/g.iso`, "-V", "PLAIN", tree.root]);
    {
      using device = await FileBlockDevice.open(`${tmp.path}/g.iso`);
      const info = await describeIso(await openIso(device));
      assertJsonable(info);
      assert.deepEqual(info.extensions.rockRidge, { present: false, identifier: undefined });
      assert.deepEqual(info.extensions.joliet, { present: false, level: undefined });
      assert.equal(info.extensions.elTorito.present, false);
      assert.equal(info.extensions.isoLevel, 1);
      assert.equal(info.counts.view, "iso9660");
      assert.equal(info.pathTables.jolietByteLength, undefined);
      assert.match(formatIsoInfo(info), /^Joliet: +no$/m);
    }
    await run("xorriso", [
      "-as",
      "mkisofs",
      "-quiet",
      "-o",
      `${tmp.path}/x.iso`,
      "-iso-level",
      "2",
      "--norock",
      "-J",
      tree.root,
    ]);
    {
      using device = await FileBlockDevice.open(`${tmp.path}/x.iso`);
      const info = await describeIso(await openIso(device));
      assert.equal(info.extensions.isoLevel, 2);
      assert.equal(info.counts.view, "joliet");
      assert.ok(info.pathTables.jolietByteLength! > 0);
    }
  },
);

Deno.test("info: describeIso on a minimal in-memory image", async () => {
  // Volume descriptors only: a PVD whose root is an empty directory.
  const dirRecord = (identifier: Uint8Array) =>
    encodeDirectoryRecord({
      extendedAttributeRecordLength: 0,
      extentLba: 20,
      dataByteLength: 2048,
      recorded: undefined,
      fileFlags: FILE_FLAGS.directory,
      fileUnitSize: 0,
      interleaveGapSize: 0,
      volumeSequenceNumber: 1,
      identifier,
      systemUse: new Uint8Array(),
    });
  const table = encodePathTable(
    [{
      extendedAttributeRecordLength: 0,
      extentLba: 20,
      parentDirectoryNumber: 1,
      identifier: IDENTIFIER_SELF,
    }],
    true,
  );
  const bytes = new Uint8Array(21 * 2048);
  bytes.set(
    encodeVolumeDescriptor({
      type: 1,
      version: 1,
      volumeFlags: 0,
      systemIdentifier: "SYS",
      volumeIdentifier: "EMPTY",
      volumeSpaceBlockCount: 21,
      escapeSequences: new Uint8Array(32),
      volumeSetSize: 1,
      volumeSequenceNumber: 1,
      logicalBlockByteLength: 2048,
      pathTableByteLength: table.byteLength,
      typeLPathTableLba: 18,
      optionalTypeLPathTableLba: 0,
      typeMPathTableLba: 19,
      optionalTypeMPathTableLba: 0,
      rootDirectoryRecord: {
        extendedAttributeRecordLength: 0,
        extentLba: 20,
        dataByteLength: 2048,
        recorded: undefined,
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
      applicationIdentifier: "APP",
      copyrightFileIdentifier: "",
      abstractFileIdentifier: "",
      bibliographicFileIdentifier: "",
      creation: new Date(Date.UTC(2024, 4, 5, 6, 7, 8)),
      modification: undefined,
      expiration: undefined,
      effective: undefined,
      fileStructureVersion: 1,
      applicationUse: new Uint8Array(512),
    }),
    16 * 2048,
  );
  bytes.set(encodeTerminator(), 17 * 2048);
  bytes.set(table, 18 * 2048);
  bytes.set(dirRecord(IDENTIFIER_SELF), 20 * 2048);
  bytes.set(dirRecord(IDENTIFIER_PARENT), 20 * 2048 + 34);
  const info = await describeIso(await openIso(new MemoryBlockDevice(bytes)));
  assertJsonable(info);
  assert.equal(info.volumeIdentifier, "EMPTY");
  assert.equal(info.volumeDescriptors[0].creation, "2024-05-05T06:07:08.000Z");
  assert.equal(info.volumeDescriptors[0].modification, undefined);
  assert.equal(info.volumeDescriptors[0].applicationIdentifier, "APP");
  assert.deepEqual(info.counts, {
    view: "iso9660",
    files: 0,
    directories: 1,
    symlinks: 0,
    other: 0,
    fileByteLength: 0,
  });
  const text = formatIsoInfo(info);
  assert.match(text, /^System id: +SYS$/m);
  assert.match(text, /^Modification date: +not specified$/m);
  assert.match(text, /^Volume descriptors: +16 primary, 17 terminator$/m);
});
