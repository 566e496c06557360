import assert from "node:assert/strict";
import fc from "fast-check";
import { chooseFatLayout, FAT_CLUSTER_LIMITS, FLOPPY_FORMATS } from "./layout.ts";
import { fatByteLength } from "./fat_table.ts";

// `mkfs.fat -C -v t.img <KiB>` (dosfstools 4.2): FAT type, sectors/cluster, sectors/FAT, clusters,
// reserved sectors, sectors/track, heads.
const MKFS_FAT: [number, number, number, number, number, number, number, number][] = [
  [4096, 12, 4, 6, 2036, 1, 32, 2],
  [8000, 12, 4, 12, 3985, 4, 32, 2],
  [8192, 12, 4, 12, 4081, 4, 32, 2],
  [16384, 16, 4, 32, 8167, 4, 32, 2],
  [32768, 16, 4, 64, 16343, 4, 32, 4],
  [65536, 16, 4, 128, 32695, 4, 32, 8],
  [131072, 16, 4, 256, 65399, 4, 32, 8],
  [262144, 16, 8, 256, 65467, 8, 32, 16],
];

Deno.test("layout: the same choices as mkfs.fat 4.2 for hard-disk sizes", () => {
  for (const [kib, fatType, spc, spf, clusters, reserved, spt, heads] of MKFS_FAT) {
    const layout = chooseFatLayout({ sectorCount: kib * 2, fatType: "auto" });
    assert.deepEqual(
      [
        layout.fatType,
        layout.sectorsPerCluster,
        layout.sectorsPerFat,
        layout.clusterCount,
        layout.reservedSectorCount,
      ],
      [fatType, spc, spf, clusters, reserved],
      `${kib} KiB`,
    );
    assert.deepEqual([layout.sectorsPerTrack, layout.headCount, layout.rootEntryCount], [spt, heads, 512]);
  }
});

Deno.test("layout: floppy formats match fat.md §9", () => {
  const expected = {
    "360k": [2, 354],
    "720k": [3, 713],
    "1200k": [7, 2371],
    "1440k": [9, 2847],
    "2880k": [9, 2863],
  };
  for (const [name, format] of Object.entries(FLOPPY_FORMATS)) {
    const layout = chooseFatLayout({
      sectorCount: format.sectorCount,
      fatType: "auto",
      initialSectorsPerCluster: format.sectorsPerCluster,
      rootEntryCount: format.rootEntryCount,
      mediaDescriptor: format.mediaDescriptor,
      sectorsPerTrack: format.sectorsPerTrack,
      headCount: format.headCount,
    });
    assert.equal(layout.fatType, 12, name);
    assert.equal(layout.reservedSectorCount, 1, name);
    assert.equal(layout.sectorsPerCluster, format.sectorsPerCluster, name);
    assert.deepEqual(
      [layout.sectorsPerFat, layout.clusterCount],
      expected[name as keyof typeof expected],
      name,
    );
  }
});

Deno.test("layout: FAT32 — fatgen103's cluster sizes, automatic from 512 MiB", () => {
  const esp = chooseFatLayout({ sectorCount: 131072, fatType: 32 }); // mkfs.fat -F 32, 64 MiB
  assert.deepEqual([esp.sectorsPerCluster, esp.sectorsPerFat, esp.clusterCount, esp.reservedSectorCount], [
    1,
    1009,
    129022,
    32,
  ]);
  assert.equal(esp.rootEntryCount, 0);
  const half = chooseFatLayout({ sectorCount: 1048576, fatType: "auto" });
  assert.deepEqual([half.fatType, half.sectorsPerCluster, half.sectorsPerFat], [32, 8, 1024]);
  assert.deepEqual([half.sectorsPerTrack, half.headCount], [63, 32]);
  const big = chooseFatLayout({ sectorCount: 64 * 1024 * 2048, fatType: "auto" }); // 64 GiB
  assert.deepEqual([big.fatType, big.sectorsPerCluster, big.headCount], [32, 64, 255]);
});

Deno.test("layout: sizes no cluster size can make into the asked type are RangeErrors", () => {
  assert.throws(() => chooseFatLayout({ sectorCount: 2880, fatType: 16 }), /FAT16 needs at least 4087/);
  assert.throws(() => chooseFatLayout({ sectorCount: 40000, fatType: 32 }), /FAT32 needs at least 65525/);
  assert.throws(() => chooseFatLayout({ sectorCount: 20, fatType: "auto" }), RangeError);
  assert.throws(
    () => chooseFatLayout({ sectorCount: 2880, fatType: 12, sectorsPerCluster: 3 }),
    /power of two/,
  );
  assert.throws(() => chooseFatLayout({ sectorCount: 2 ** 32, fatType: 32 }), RangeError);
});

Deno.test("layout: every layout is consistent (property)", () => {
  fc.assert(fc.property(
    fc.integer({ min: 64, max: 16 * 1024 * 1024 }),
    fc.constantFrom("auto" as const, 12 as const, 16 as const, 32 as const),
    (sectorCount, fatType) => {
      let layout;
      try {
        layout = chooseFatLayout({ sectorCount, fatType });
      } catch (error) {
        assert.ok(error instanceof RangeError);
        return;
      }
      const dataSectors = sectorCount - layout.firstDataSector;
      // A reader derives the same cluster count and type from the BPB fields (fatgen103 §3) …
      assert.equal(Math.floor(dataSectors / layout.sectorsPerCluster), layout.clusterCount);
      const derived = layout.clusterCount < 4085 ? 12 : layout.clusterCount < 65525 ? 16 : 32;
      assert.equal(derived, layout.fatType);
      if (fatType !== "auto") assert.equal(layout.fatType, fatType);
      // … each FAT can describe every cluster …
      assert.ok(fatByteLength(layout.fatType, layout.clusterCount + 2) <= layout.sectorsPerFat * 512);
      // … and the cluster count keeps clear of the ambiguous edges.
      assert.ok(layout.fatType !== 12 || layout.clusterCount <= FAT_CLUSTER_LIMITS.fat12Max);
      assert.ok(layout.fatType !== 16 || layout.clusterCount >= FAT_CLUSTER_LIMITS.fat16Min);
    },
  ));
});
