import assert from "node:assert/strict";
import { hex } from "../iso9660/_hex.ts";
import { parseMkisofsArgs } from "../mkisofs/options.ts";
import { decodeGptHeader, decodeGptPartitionArray, guidToBytes, NIL_GUID } from "./gpt.ts";
import {
  gptDiskGuidFromVolumeUuid,
  gptPartitionGuid,
  mbrIdFromVolumeUuid,
  planSystemArea,
  type SystemAreaInput,
} from "./layout.ts";

/** A stand-in for isohdpfx.bin: its APM-ready first 32 bytes, then zeros up to 432. */
const TEMPLATE = Uint8Array.from([0x33, 0xed, ...new Array(30).fill(0x90), ...new Array(400).fill(0)]);
const EFI_GUID = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B";

function uint32(bytes: Uint8Array, at: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset).getUint32(at, true);
}

Deno.test("planSystemArea: xorriso's classic hybrid.iso (isohybrid.md §4.2, §9)", () => {
  const options = parseMkisofsArgs([
    "-o",
    "hybrid.iso",
    "-R",
    "-J",
    "-V",
    "TESTVOL",
    "-b",
    "isolinux/isolinux.bin",
    "-c",
    "isolinux/boot.cat",
    "-no-emul-boot",
    "-boot-load-size",
    "4",
    "-boot-info-table",
    "-eltorito-alt-boot",
    "-e",
    "efiboot.img",
    "-no-emul-boot",
    "-isohybrid-gpt-basdat",
    "-isohybrid-mbr",
    "/usr/lib/ISOLINUX/isohdpfx.bin",
    "tree",
  ]);
  const plan = planSystemArea({
    options,
    dataEndLba: 6400,
    bootImages: [{ lba: 4155, byteLength: 38912 }, { lba: 59, byteLength: 8 * 1024 * 1024 }],
    appendedPartitionByteLengths: [],
    template: TEMPLATE,
    gptDiskGuid: "2E946617-D296-406C-9639-93BA606EEE81",
    mbrId: 0x30e69e93,
  });
  assert.equal(plan.totalBlockCount, 6656); // 13 MiB = 26 624 sectors
  assert.equal(plan.alignmentBlockCount, 6656 - 6400 - 150 - 16);
  const sa = plan.systemArea;
  assert.deepEqual(
    sa.subarray(0x1b0, 0x200),
    hex(`
      ec40 0000 0000 0000 # 432: isolinux.bin at LBA512 16620 = 4155 × 4
      939e e630 # 440: MBR id 0x30E69E93
      0000 # 444
      80 000100 00 3f200c 00000000 00680000 # part 1: active, type 0, the whole 26 624 sectors
      00 feffff ef feffff ec000000 00400000 # part 2: the EFI image, 236 = 59 × 4, 16 384 sectors
      ${"00".repeat(32)} # parts 3, 4
      55aa
    `),
  );
  const primary = decodeGptHeader(sa, 512, { strict: true });
  assert.deepEqual(sa.subarray(0x210, 0x214), hex("340c 5064")); // header CRC 0x64500C34 as observed
  assert.equal(primary.partitionEntryArrayCrc32, 0x4762d029);
  assert.deepEqual(
    [
      primary.myLba,
      primary.alternateLba,
      primary.firstUsableLba,
      primary.lastUsableLba,
      primary.partitionEntryLba,
    ],
    [1, 26623, 64, 26560, 2],
  );
  const entries = decodeGptPartitionArray(sa, 1024, primary, { strict: true }).filter((e) =>
    e.partitionTypeGuid !== NIL_GUID
  );
  assert.deepEqual(entries.map((e) => [e.partitionName, e.startingLba, e.endingLba, e.uniquePartitionGuid]), [
    ["ISOHybrid", 0, 26559, "2E946617-D296-406C-9638-93BA606EEE81"],
    ["ISOHybrid1", 236, 16619, "2E946617-D296-406C-963B-93BA606EEE81"],
  ]);
  // Backup: header at sector 26623, entries at 26561, CRC 0xA886A793.
  assert.equal(plan.gptBackup?.lba, 6640);
  const backup = plan.gptBackup!.bytes;
  assert.equal(backup.byteLength, 16 * 2048);
  const backupHeader = decodeGptHeader(backup, backup.byteLength - 512, { strict: true });
  assert.deepEqual([backupHeader.myLba, backupHeader.alternateLba, backupHeader.partitionEntryLba], [
    26623,
    1,
    26561,
  ]);
  assert.equal(uint32(backup, backup.byteLength - 512 + 16), 0xa886a793);
  assert.deepEqual(
    backup.subarray((26561 - 26560) * 512, (26561 - 26560) * 512 + 248 * 128),
    sa.subarray(1024, 1024 + 248 * 128),
  );
  assert.equal(plan.primaryVolumeSpaceBlockCount, 6656);
  assert.equal(plan.volumeSpaceBlockCount, 6656);
  assert.deepEqual(plan.tailRegions.map((r) => r.kind === "zeros" ? r.purpose : r.kind), [
    "cylinder alignment",
    "padding",
    "gptBackup",
  ]);
});

Deno.test("planSystemArea: protective MBR + appended ESP as GPT (isohybrid.md §4.3, §9 C.iso)", () => {
  const options = parseMkisofsArgs([
    "-o",
    "C.iso",
    "-R",
    "-J",
    "-V",
    "C",
    "-b",
    "isolinux/isolinux.bin",
    "-c",
    "isolinux/boot.cat",
    "-no-emul-boot",
    "-boot-load-size",
    "4",
    "-boot-info-table",
    "-isohybrid-mbr",
    "/usr/lib/ISOLINUX/isohdpfx.bin",
    "-append_partition",
    "2",
    EFI_GUID,
    "efiboot.img",
    "-appended_part_as_gpt",
    "-eltorito-alt-boot",
    "-e",
    "--interval:appended_partition_2:all::",
    "-no-emul-boot",
    "small",
  ]);
  const plan = planSystemArea({
    options,
    dataEndLba: 300,
    bootImages: [{ lba: 34, byteLength: 38912 }, undefined],
    appendedPartitionByteLengths: [8 * 1024 * 1024],
    template: TEMPLATE,
    gptDiskGuid: "00000000-0000-4000-8000-000000000001",
    mbrId: 0x29e45037,
  });
  assert.equal(plan.totalBlockCount * 4, 19096);
  assert.deepEqual(plan.appendedPartitions, [
    { partitionNumber: 2, lba: 512, blockCount: 4096, prepadBlockCount: 0, byteLength: 8 * 1024 * 1024 },
  ]);
  assert.equal(plan.alignedEndLba, 512); // the ISO is padded to 1 MiB, the ESP starts at LBA512 2048
  assert.equal(plan.volumeSpaceBlockCount, 512);
  assert.equal(plan.primaryVolumeSpaceBlockCount, 512);
  assert.deepEqual(
    plan.systemArea.subarray(0x1b0, 0x1ce),
    hex(`
      8800 0000 0000 0000 # 432: isolinux at ISO LBA 34
      3750 e429 0000 # 440: MBR id
      00 000200 ee 141809 01000000 974a0000 # protective: start 1, N − 1 = 19095 sectors
    `),
  );
  const primary = decodeGptHeader(plan.systemArea, 512, { strict: true });
  assert.deepEqual([primary.alternateLba, primary.firstUsableLba, primary.lastUsableLba], [19095, 64, 19032]);
  const entries = decodeGptPartitionArray(plan.systemArea, 1024, primary).filter((e) =>
    e.partitionTypeGuid !== NIL_GUID
  );
  assert.deepEqual(
    entries.map((
      e,
    ) => [
      e.partitionName,
      e.partitionTypeGuid,
      e.startingLba,
      e.endingLba - e.startingLba + 1,
      e.attributes,
    ]),
    [
      ["Gap0", "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7", 64, 1984, 0x1000000000000001n],
      ["Appended2", EFI_GUID, 2048, 16384, 0n],
      ["Gap1", "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7", 18432, 600, 0x1000000000000001n],
    ],
  );
  assert.deepEqual(plan.tailRegions.map((r) => r.kind === "zeros" ? r.purpose : r.kind), [
    "cylinder alignment",
    "appendedPartition",
    "padding",
    "gptBackup",
  ]);
});

Deno.test("planSystemArea: -partition_offset 16 asks for a second descriptor set at LBA 32", () => {
  const options = parseMkisofsArgs([
    "-b",
    "isolinux.bin",
    "-no-emul-boot",
    "-isohybrid-mbr",
    "isohdpfx.bin",
    "-partition_offset",
    "16",
    "-append_partition",
    "2",
    "0xef",
    "efi.img",
    "tree",
  ]);
  const plan = planSystemArea({
    options,
    dataEndLba: 822,
    bootImages: [{ lba: 67, byteLength: 38912 }],
    appendedPartitionByteLengths: [1474560],
    template: TEMPLATE,
    gptDiskGuid: NIL_GUID,
    mbrId: 1,
  });
  assert.deepEqual(plan.partitionDescriptorSet, {
    lba: 32,
    partitionOffsetLba: 16,
    volumeSpaceBlockCount: 1008,
  });
  assert.equal(plan.primaryVolumeSpaceBlockCount, plan.totalBlockCount);
  assert.equal(plan.volumeSpaceBlockCount, 1024);
  // partition 1 starts at the offset: 64 + 4032 sectors
  assert.deepEqual(plan.systemArea.subarray(446, 462), hex("80 020100 17 3f2001 40000000 c00f0000"));
});

Deno.test("planSystemArea: big images get more heads, huge ones are not aligned (libisofs try_sph)", () => {
  const options = parseMkisofsArgs([
    "-b",
    "isolinux.bin",
    "-no-emul-boot",
    "-isohybrid-mbr",
    "isohdpfx.bin",
    "tree",
  ]);
  const base = {
    options,
    bootImages: [{ lba: 37, byteLength: 38912 }],
    appendedPartitionByteLengths: [],
    template: TEMPLATE,
    gptDiskGuid: NIL_GUID,
    mbrId: 0,
  };
  const twoGiB = planSystemArea({ ...base, dataEndLba: 1024 * 1024 - 150 });
  assert.deepEqual(twoGiB.geometry, { headsPerCylinder: 128, sectorsPerHead: 32 });
  assert.deepEqual(twoGiB.diagnostics, ["Automatically adjusted MBR geometry to 1024/128/32"]);
  assert.equal(twoGiB.totalBlockCount, 1024 * 1024);
  const nineGB = planSystemArea({ ...base, dataEndLba: Math.floor(9_000_000_000 / 2048) });
  assert.deepEqual(nineGB.geometry, { headsPerCylinder: 255, sectorsPerHead: 63 });
  assert.equal(nineGB.alignmentBlockCount, 0);
  assert.match(nineGB.diagnostics.join("\n"), /exceeds 1024 cylinders/);
  // end CHS beyond cylinder 1023: isohybrid writes head = head count (255), sector 63
  assert.deepEqual(nineGB.systemArea.subarray(451, 454), hex("ff ff ff"));
});

Deno.test("xorriso's ids from --modification-date", () => {
  assert.equal(mbrIdFromVolumeUuid("2026112319382700"), 0x43e8880c);
  const guid = gptDiskGuidFromVolumeUuid("2026112319382700");
  assert.deepEqual(guidToBytes(guid), hex("32 30 32 36 31 31 32 43 b1 30 30 39 33 38 32 37"));
  assert.equal(
    gptPartitionGuid("2E946617-D296-406C-9639-93BA606EEE81", 2),
    "2E946617-D296-406C-963B-93BA606EEE81",
  );
  assert.equal(
    gptPartitionGuid("2E946617-D296-406C-9639-93BA606EEE81", 0x0100),
    "2E946617-D296-406C-9639-92BA606EEE81",
  );
  assert.throws(() => mbrIdFromVolumeUuid("2026"), TypeError);
});

Deno.test("planSystemArea: refusals name the reason", () => {
  const input = (args: string[], extra: Partial<SystemAreaInput> = {}): SystemAreaInput => {
    const options = parseMkisofsArgs([...args, "tree"]);
    return {
      options,
      dataEndLba: 100,
      bootImages: options.boot.map((e) =>
        e.image.kind === "isoPath" ? { lba: 40, byteLength: 2048 } : undefined
      ),
      appendedPartitionByteLengths: options.appendedPartitions.map(() => 4096),
      template: TEMPLATE,
      gptDiskGuid: NIL_GUID,
      mbrId: 0,
      ...extra,
    };
  };
  assert.throws(
    () => planSystemArea(input(["-isohybrid-mbr", "x.bin"])),
    /^RangeError: Cannot plan system area: -isohybrid-mbr needs a first El Torito boot image that is a file/,
  );
  assert.throws(
    () => planSystemArea(input(["-b", "a.bin", "-isohybrid-mbr", "x.bin"], { template: undefined })),
    /^TypeError: Cannot plan system area: the system area file's bytes were not given/,
  );
  assert.throws(
    () => planSystemArea(input(["-append_partition", "5", "0xef", "e.img"])),
    /appended partition number 5 is out of range \[1 - 4\]/,
  );
  assert.throws(
    () =>
      planSystemArea(
        input([
          "-b",
          "a.bin",
          "-eltorito-alt-boot",
          "-e",
          "e.img",
          "-isohybrid-mbr",
          "x.bin",
          "-efi-boot-part",
          "--efi-boot-image",
        ]),
      ),
    /cannot be combined with -efi-boot-part/,
  );
  const apm = input(["-b", "a.bin", "-isohybrid-mbr", "x.bin", "-isohybrid-apm-hfsplus"], {
    template: new Uint8Array(432),
  });
  assert.throws(() => planSystemArea(apm), /not prepared for an Apple Partition Map/);
});
