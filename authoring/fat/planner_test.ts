import assert from "node:assert/strict";
import { hex } from "../iso9660/_hex.ts";
import { decodeFatBootSector, decodeFatFsInfo, fatGeometryOf } from "./boot_sector.ts";
import { fatTreeFromEntries } from "./build.ts";
import {
  decodeFatDirectoryEntry,
  decodeFatLongNameEntry,
  FAT_ATTRIBUTE,
  type FatDirectoryEntry,
  isLongNameEntry,
  longNameOf,
} from "./directory_entry.ts";
import { readFatEntry } from "./fat_table.ts";
import {
  DEFAULT_FIT_MARGIN_BYTES,
  type FatPlan,
  type FatTreeDirectory,
  type FatTreeNode,
  planFat,
} from "./planner.ts";

const T = new Date(Date.UTC(2024, 0, 2, 3, 4, 6));
const efiBinary = Uint8Array.from({ length: 3000 }, (_, i) => (i * 7) & 0xff);

interface ListedEntry {
  readonly longName: string | undefined;
  readonly entry: FatDirectoryEntry;
}

/** Reads a directory's entries (long names joined) until the 0x00 end marker. */
function listDirectory(image: Uint8Array, byteOffset: number, byteLength: number): ListedEntry[] {
  const out: ListedEntry[] = [];
  let pending: ReturnType<typeof decodeFatLongNameEntry>[] = [];
  for (let at = byteOffset; at < byteOffset + byteLength && image[at] !== 0; at += 32) {
    if (isLongNameEntry(image, at)) pending.push(decodeFatLongNameEntry(image, at));
    else {
      out.push({
        longName: pending.length ? longNameOf(pending) : undefined,
        entry: decodeFatDirectoryEntry(image, at),
      });
      pending = [];
    }
  }
  return out;
}

async function imageOf(plan: FatPlan): Promise<Uint8Array> {
  return await plan.regions.read(0, plan.regions.byteLength);
}

function clusterOffset(plan: FatPlan, cluster: number): number {
  return (plan.layout.firstDataSector + (cluster - 2) * plan.layout.sectorsPerCluster) * 512;
}

Deno.test("plan: an EFI tree on a 1.44 MB floppy, structure by structure", async () => {
  const tree = fatTreeFromEntries({ "EFI/BOOT/BOOTX64.EFI": efiBinary });
  const plan = planFat(tree, { size: "1440k", volumeLabel: "esp", volumeSerial: 0x12345678, timestamp: T });
  assert.equal(plan.fatType, 12);
  assert.equal(plan.sectorCount, 2880);
  assert.equal(plan.regions.byteLength, 1474560);
  const image = await imageOf(plan);

  const bs = decodeFatBootSector(image, 0);
  assert.deepEqual(image.subarray(0, 3), hex("eb 3c 90"));
  assert.equal(bs.oemName, "MSWIN4.1");
  assert.equal(bs.mediaDescriptor, 0xf0);
  assert.equal(bs.driveNumber, 0x00);
  assert.equal(bs.volumeLabel, "ESP        ");
  assert.equal(bs.volumeSerial, 0x12345678);
  assert.deepEqual(fatGeometryOf(bs), {
    fatType: 12,
    rootDirSectorCount: 14,
    firstDataSector: 33,
    clusterCount: 2847,
  });

  // Both FATs: EFI at 2, BOOT at 3, the file at 4…9 (3000 bytes in 512-byte clusters).
  const fat1 = image.subarray(512, 512 + 9 * 512);
  const fat2 = image.subarray(512 + 9 * 512, 512 + 18 * 512);
  assert.deepEqual(fat1, fat2);
  assert.deepEqual(
    fat1.subarray(0, 15),
    hex("f0 ff ff  ff ff ff  05 60 00  07 80 00  09 f0 ff"), // 0,1 | 2,3 end | 4→5, 5→6 | 6→7, 7→8 | 8→9, 9 end
  );
  assert.ok(fat1.subarray(15).every((b) => b === 0));
  assert.equal(plan.freeClusterCount, 2847 - 8);

  const root = listDirectory(image, 19 * 512, 14 * 512);
  assert.deepEqual(root.map((e) => [e.entry.name, e.entry.attributes, e.entry.firstCluster]), [
    ["ESP        ", FAT_ATTRIBUTE.volumeId, 0],
    ["EFI        ", FAT_ATTRIBUTE.directory, 2],
  ]);
  assert.deepEqual([root[1].entry.writeDate, root[1].entry.writeTime], [0x5822, 0x1883]); // 2024-01-02 03:04:06
  const efi = listDirectory(image, clusterOffset(plan, 2), 512);
  assert.deepEqual(efi.map((e) => [e.entry.name, e.entry.firstCluster]), [
    [".          ", 2],
    ["..         ", 0], // the parent is the root
    ["BOOT       ", 3],
  ]);
  const boot = listDirectory(image, clusterOffset(plan, 3), 512);
  assert.deepEqual(
    boot.map((e) => [e.entry.name, e.entry.attributes, e.entry.firstCluster, e.entry.fileByteLength]),
    [
      [".          ", FAT_ATTRIBUTE.directory, 3, 0],
      ["..         ", FAT_ATTRIBUTE.directory, 2, 0],
      ["BOOTX64 EFI", FAT_ATTRIBUTE.archive, 4, 3000],
    ],
  );
  assert.deepEqual(image.subarray(clusterOffset(plan, 4), clusterOffset(plan, 4) + 3000), efiBinary);
  assert.deepEqual(plan.files, new Map([["/EFI/BOOT/BOOTX64.EFI", 4]]));
  assert.deepEqual(plan.directories, new Map([["/", 0], ["/EFI", 2], ["/EFI/BOOT", 3]]));
  assert.equal(plan.shortNames.get("/EFI/BOOT/BOOTX64.EFI"), "BOOTX64.EFI");
});

Deno.test("plan: FAT32 keeps the root in cluster 2 and writes FSInfo and the backups", async () => {
  const tree = fatTreeFromEntries({
    "EFI/BOOT/BOOTX64.EFI": efiBinary,
    "startup.nsh": new TextEncoder().encode("fs0:\n"),
  });
  const plan = planFat(tree, { fatType: 32, volumeSerial: 0x1234abcd, timestamp: T });
  assert.equal(plan.fatType, 32);
  assert.ok(plan.clusterCount >= 65525);
  const image = await imageOf(plan);
  const bs = decodeFatBootSector(image, 0);
  assert.deepEqual(image.subarray(0, 3), hex("eb 58 90"));
  assert.equal(bs.fat32?.rootCluster, 2);
  assert.equal(bs.rootEntryCount, 0);
  assert.equal(bs.driveNumber, 0x80);
  assert.equal(bs.volumeLabel, "NO NAME    ");
  assert.deepEqual(image.subarray(6 * 512, 7 * 512), image.subarray(0, 512)); // backup boot sector
  assert.deepEqual(image.subarray(7 * 512, 8 * 512), image.subarray(512, 1024)); // backup FSInfo
  // Root 2, EFI 3, BOOT 4, startup.nsh 5, BOOTX64.EFI 6…11 (files after directories).
  assert.deepEqual(decodeFatFsInfo(image, 512), {
    freeClusterCount: plan.clusterCount - 10,
    nextFreeCluster: 12,
  });
  const fat = image.subarray(plan.layout.reservedSectorCount * 512);
  assert.deepEqual(fat.subarray(0, 12), hex("f8 ff ff 0f  ff ff ff 0f  ff ff ff 0f"));
  assert.equal(readFatEntry(fat, 32, 6), 7);
  assert.equal(readFatEntry(fat, 32, 11), 0x0fffffff);
  assert.equal(readFatEntry(fat, 32, 12), 0);
  const root = listDirectory(image, clusterOffset(plan, 2), 512);
  assert.deepEqual(root.map((e) => [e.entry.name, e.entry.caseFlags, e.entry.firstCluster]), [
    ["EFI        ", 0, 3],
    ["STARTUP NSH", 0x18, 5], // all lower case: NT case bits, no long name
  ]);
  const efi = listDirectory(image, clusterOffset(plan, 3), 512);
  assert.deepEqual(efi.map((e) => e.entry.firstCluster), [3, 0, 4]); // ".." of a root child is 0 on FAT32 too
  const boot = listDirectory(image, clusterOffset(plan, 4), 512);
  assert.deepEqual(boot.map((e) => e.entry.firstCluster), [4, 3, 6]);
});

Deno.test("plan: long and unicode names get LFN entries, in directory order", async () => {
  const tree = fatTreeFromEntries({
    "A long name.text": Uint8Array.of(1, 2),
    "Ünïcödé файл 😀.txt": Uint8Array.of(3),
    "Mixed.Txt": Uint8Array.of(4),
    "lower.txt": Uint8Array.of(5),
  });
  const plan = planFat(tree, { size: "1440k", timestamp: T });
  const image = await imageOf(plan);
  const root = listDirectory(image, 19 * 512, 14 * 512);
  assert.deepEqual(root.map((e) => [e.longName, e.entry.name, e.entry.caseFlags]), [
    ["A long name.text", "ALONGN~1TEX", 0],
    ["Ünïcödé файл 😀.txt", "_N_C_D~1TXT", 0],
    ["Mixed.Txt", "MIXED   TXT", 0],
    [undefined, "LOWER   TXT", 0x18],
  ]);
  assert.equal(plan.shortNames.get("/lower.txt"), "lower.txt");
});

Deno.test("plan: file data stays in host files; a multi-GB FAT32 holds only used FAT entries in memory", () => {
  const host = (name: string, byteLength: number): FatTreeNode => ({
    kind: "file",
    name,
    hostPath: `/nonexistent/${name}`, // never opened while planning
    byteLength,
    mtime: T,
  });
  const tree: FatTreeDirectory = {
    kind: "directory",
    name: "",
    children: [host("install.wim", 0xffffffff), host("empty.txt", 0), { kind: "symlink", name: "link" }],
  };
  const plan = planFat(tree, { size: { byteLength: 8 * 1024 ** 3 }, timestamp: T });
  assert.equal(plan.fatType, 32);
  assert.equal(plan.clusterByteLength, 4096); // fatgen103: ≤ 8 GiB → 4 KiB
  const regions = plan.regions.regions;
  const files = regions.filter((r) => r.kind === "file");
  assert.deepEqual(files.map((r) => [r.path, r.byteLength]), [
    ["/nonexistent/install.wim", 0xffffffff],
    ["/nonexistent/empty.txt", 0], // checked when writing, contributes nothing
  ]);
  const inMemory = new Set(regions.flatMap((r) => (r.kind === "bytes" ? [r.bytes.buffer] : [])));
  const memoryBytes = [...inMemory].reduce((sum, b) => sum + b.byteLength, 0);
  assert.ok(memoryBytes < 5 * 1024 * 1024, `${memoryBytes} bytes in memory`); // ~4 MiB of FAT for 1M clusters
  assert.ok(regions.some((r) => r.kind === "zero" && r.byteLength > 3 * 1024 ** 3)); // free space
  assert.equal(plan.regions.byteLength, 8 * 1024 ** 3);
  assert.equal(plan.files.get("/empty.txt"), 0);
  assert.deepEqual(plan.diagnostics, ['"/link" is a symlink: FAT cannot hold it, left out']);
});

Deno.test("plan: what cannot be stored is a RangeError naming the file", () => {
  const big = fatTreeFromEntries({ "EFI/BOOT/BOOTX64.EFI": new Uint8Array(1_500_000) });
  assert.throws(
    () => planFat(big, { size: "1440k" }),
    (e: unknown) =>
      e instanceof RangeError &&
      e.message.startsWith('Cannot add "/EFI/BOOT/BOOTX64.EFI": it needs 2930 cluster(s)'),
  );
  const longName = fatTreeFromEntries({ ["n".repeat(256)]: new Uint8Array(1) });
  assert.throws(() => planFat(longName), /Cannot add "\/n+": its name is 256 UTF-16 units/);
  const colon = fatTreeFromEntries({ "dir/a:b": new Uint8Array(1) });
  assert.throws(() => planFat(colon), /Cannot add "\/dir\/a:b": it contains ":"/);
  const twice = fatTreeFromEntries({ "EFI/boot/a": new Uint8Array(1), "EFI/BOOT/b": new Uint8Array(1) });
  assert.throws(
    () => planFat(twice),
    /Cannot add "\/EFI\/BOOT": "\/EFI\/boot" is there already \(FAT names ignore case\)/,
  );
  const manyRoot = fatTreeFromEntries(
    Object.fromEntries(Array.from({ length: 225 }, (_, i) => [`f${i}`, new Uint8Array(0)])),
  );
  assert.throws(
    () => planFat(manyRoot, { size: "1440k" }),
    /Cannot add "\/f224": the FAT12 root directory holds 224 entries and this name needs entries 225…225/,
  );
  assert.doesNotThrow(() => planFat(manyRoot)); // "fit" grows the root directory
  assert.throws(() => planFat(big, { size: "1440k", fatType: 16 }), /FAT16 volume of 2880 sectors/);
  assert.throws(() => planFat(big, { volumeLabel: "my:label" }), /Cannot use volume label "my:label"/);
  assert.throws(() => planFat(big, { volumeLabel: "twelve chars" }), /more than 11 characters/);
  assert.throws(() => planFat(big, { size: { byteLength: 1000 } }), /not a whole number of 512-byte sectors/);
  assert.throws(() => planFat(big, { volumeSerial: 2 ** 32 }), /volumeSerial/);
});

Deno.test("plan: a directory holds at most 65,536 entries", () => {
  // 22,000 names of 14 characters: two long-name entries and a short entry each.
  const children: FatTreeNode[] = Array.from({ length: 22000 }, (_, i) => ({
    kind: "bytes" as const,
    name: `file-${String(i).padStart(5, "0")}.bin`,
    bytes: new Uint8Array(0),
  }));
  assert.throws(
    () => planFat({ kind: "directory", name: "", children: [{ kind: "directory", name: "many", children }] }),
    /Cannot add "\/many\/file-21844.bin": directory "\/many" would need 65537 entries/, // ".", ".." + 21,845 × 3
  );
});

Deno.test("plan: 20,000 files are planned quickly (per-directory Sets, no quadratic search)", () => {
  const children: FatTreeNode[] = Array.from({ length: 20000 }, (_, i) => ({
    kind: "file" as const,
    name: `Some File ${i}.data`,
    hostPath: `/nonexistent/${i}`,
    byteLength: 100 + i,
  }));
  const start = performance.now();
  const plan = planFat({
    kind: "directory",
    name: "",
    children: [{ kind: "directory", name: "big", children }],
  }, {
    timestamp: T,
  });
  const ms = performance.now() - start;
  assert.equal(plan.files.size, 20000);
  assert.equal(new Set(plan.shortNames.values()).size, 20001);
  assert.ok(ms < 3000, `planning took ${ms} ms`);
});

Deno.test("plan: same tree, time and serial → the same bytes; the serial follows the time", async () => {
  const entries = { "EFI/BOOT/BOOTX64.EFI": efiBinary, "Long File Name.txt": Uint8Array.of(9) };
  const a = await imageOf(planFat(fatTreeFromEntries(entries), { timestamp: T, volumeLabel: "A" }));
  const b = await imageOf(planFat(fatTreeFromEntries(entries), { timestamp: T, volumeLabel: "A" }));
  assert.deepEqual(a, b);
  const later = planFat(fatTreeFromEntries(entries), {
    timestamp: new Date(T.getTime() + 2000),
    volumeLabel: "A",
  });
  assert.notDeepEqual(await imageOf(later), a);
  assert.equal(decodeFatBootSector(a).volumeSerial, T.getTime() / 1000); // SOURCE_DATE_EPOCH seconds
  // Without a time, the serial hashes the tree: stable for one tree, different for another.
  const withMtimes = (bytes: Uint8Array) => fatTreeFromEntries({ "a.bin": bytes }, T);
  const s1 = planFat(withMtimes(Uint8Array.of(1))).volumeSerial;
  assert.equal(planFat(withMtimes(Uint8Array.of(1))).volumeSerial, s1);
  assert.notEqual(planFat(withMtimes(Uint8Array.of(1, 2))).volumeSerial, s1);
});

Deno.test("plan: 'fit' is the smallest 64 KiB step that holds the content and the margin", () => {
  for (
    const entries of [
      { "EFI/BOOT/BOOTX64.EFI": new Uint8Array(900_000) },
      Object.fromEntries(
        Array.from({ length: 300 }, (_, i) => [`d${i % 7}/file ${i}.txt`, new Uint8Array(i * 37)]),
      ),
    ]
  ) {
    const plan = planFat(fatTreeFromEntries(entries), { timestamp: T });
    assert.equal(plan.sectorCount % 128, 0);
    assert.ok(plan.freeClusterCount * plan.clusterByteLength >= DEFAULT_FIT_MARGIN_BYTES);
    let smaller: FatPlan | undefined;
    try {
      smaller = planFat(fatTreeFromEntries(entries), {
        timestamp: T,
        size: { sectorCount: plan.sectorCount - 128 },
      });
    } catch (error) {
      assert.ok(error instanceof RangeError);
    }
    if (smaller) assert.ok(smaller.freeClusterCount * smaller.clusterByteLength < DEFAULT_FIT_MARGIN_BYTES);
  }
  const fat32 = planFat(fatTreeFromEntries({ "x.bin": new Uint8Array(10) }), { fatType: 32, timestamp: T });
  assert.equal(fat32.fatType, 32);
  assert.ok(fat32.sectorCount < 70000, `${fat32.sectorCount} sectors`); // just above the 65,525-cluster minimum
});

Deno.test("plan: an empty tree is a valid empty volume", async () => {
  const plan = planFat(fatTreeFromEntries({}), { size: "720k", timestamp: T, volumeLabel: "EMPTY" });
  const image = await imageOf(plan);
  assert.equal(image.byteLength, 737280);
  assert.equal(decodeFatBootSector(image).mediaDescriptor, 0xf9);
  assert.equal(plan.freeClusterCount, plan.clusterCount);
});
