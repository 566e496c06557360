import assert from "node:assert/strict";
import fc from "fast-check";
import { hex } from "../iso9660/_hex.ts";
import { FAT_ENTRY, fatByteLength, FatTable, readFatEntry } from "./fat_table.ts";

Deno.test("FAT12: the chain example of fat.md §5 (2, 3 end; 4→5→6→7→8…)", () => {
  const fat = new FatTable(12, 0xf8, 9);
  fat.addChain(2, 1);
  fat.addChain(3, 1);
  fat.addChain(4, 5);
  assert.deepEqual(
    fat.bytes.subarray(0, 12),
    hex(`
      f8 ff ff   # entries 0, 1: media F8, end of chain
      ff ff ff   # entries 2, 3: end of chain
      05 60 00   # entries 4, 5: 5, 6
      07 80 00   # entries 6, 7: 7, 8
    `),
  );
  assert.equal(fat.get(8), 0xfff);
});

Deno.test("FAT starts as mkfs.fat writes them (fat.md §5)", () => {
  assert.deepEqual(new FatTable(12, 0xf0, 2).bytes, hex("f0 ff ff"));
  assert.deepEqual(new FatTable(16, 0xf8, 2).bytes, hex("f8 ff ff ff"));
  const fat32 = new FatTable(32, 0xf8, 3);
  fat32.addChain(2, 1);
  assert.deepEqual(fat32.bytes, hex("f8 ff ff 0f  ff ff ff 0f  ff ff ff 0f"));
});

Deno.test("FAT32: the top 4 bits of an entry are kept when it is rewritten", () => {
  const fat = new FatTable(32, 0xf8, 4);
  new DataView(fat.bytes.buffer).setUint32(12, 0xa0000000, true);
  fat.set(3, 0x0fffffff);
  assert.deepEqual(fat.bytes.subarray(12, 16), hex("ff ff ff af"));
  assert.equal(fat.get(3), FAT_ENTRY[32].endOfChain);
});

Deno.test("FAT12: setting one entry never disturbs its neighbours (property)", () => {
  fc.assert(fc.property(
    fc.array(fc.tuple(fc.integer({ min: 2, max: 40 }), fc.integer({ min: 0, max: 0xfff })), {
      maxLength: 60,
    }),
    (writes) => {
      const fat = new FatTable(12, 0xf0, 41);
      const expected = new Map<number, number>();
      for (const [cluster, value] of writes) {
        fat.set(cluster, value);
        expected.set(cluster, value);
      }
      for (let cluster = 2; cluster < 41; cluster++) {
        assert.equal(readFatEntry(fat.bytes, 12, cluster), expected.get(cluster) ?? 0);
      }
      assert.equal(fat.get(0), 0xff0);
    },
  ));
});

Deno.test("FAT sizes: 1.5, 2 or 4 bytes per entry", () => {
  assert.equal(fatByteLength(12, 2849), 4274); // 1.44 MB floppy: fits 9 sectors
  assert.equal(fatByteLength(16, 8169), 16338);
  assert.equal(fatByteLength(32, 129024), 516096);
  assert.throws(() => new FatTable(16, 0xf8, 10, 8), RangeError);
  assert.throws(() => new FatTable(16, 0xf8, 10).set(10, 1), RangeError);
});
