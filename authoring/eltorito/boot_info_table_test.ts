import assert from "node:assert/strict";
import fc from "fast-check";
import { FormatError } from "../../image/errors.ts";
import { hex } from "../iso9660/_hex.ts";
import {
  BOOT_INFO_TABLE_BYTE_OFFSET,
  bootImagePatchOverlays,
  BootInfoChecksum,
  bootInfoChecksum,
  decodeBootInfoTable,
  encodeBootInfoTable,
  encodeGrub2BootInfo,
  GRUB2_BOOT_INFO_BYTE_OFFSET,
  inspectBootImage,
  patchBootImage,
} from "./boot_info_table.ts";

Deno.test("boot info table: isolinux.bin 6.04 at LBA 4155 (el-torito.md §4)", () => {
  const table = {
    primaryVolumeDescriptorLba: 16,
    bootFileLba: 4155,
    bootFileByteLength: 38912,
    checksum: 0x8811c780,
  };
  const bytes = encodeBootInfoTable(table);
  assert.deepEqual(
    bytes,
    hex(`
      10 00 00 00 # 8: PVD at LBA 16
      3b 10 00 00 # 12: boot file at LBA 4155
      00 98 00 00 # 16: 38912 bytes
      80 c7 11 88 # 20: checksum 0x8811C780
      ${"00 ".repeat(40)} # 24..63: reserved
    `),
  );
  assert.deepEqual(decodeBootInfoTable(bytes, 0), table);
});

Deno.test("boot info table: the checksum sums uint32 LE words from byte 64, a partial last word zero padded", () => {
  const file = new Uint8Array(64 + 4 + 3);
  file.set([1, 0, 0, 0], 64); // word 1
  file.set([0xff, 0xff, 0x01], 68); // partial word 0x01ffff
  file.fill(0xee, 0, 64); // not summed
  assert.equal(bootInfoChecksum(file), 1 + 0x01ffff);
  const wrap = new Uint8Array(72).fill(0xff);
  assert.equal(bootInfoChecksum(wrap), 0xfffffffe); // 2 × 0xFFFFFFFF mod 2³²
});

Deno.test("boot info table: streamed chunks give the one-shot checksum (property)", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 0, maxLength: 3000 }),
      fc.array(fc.nat({ max: 400 }), { maxLength: 20 }),
      (file, cuts) => {
        const sum = new BootInfoChecksum();
        let at = 0;
        for (const cut of cuts) {
          sum.update(file.subarray(at, Math.min(file.byteLength, at + cut)));
          at = Math.min(file.byteLength, at + cut);
        }
        sum.update(file.subarray(at));
        assert.equal(sum.digest(), bootInfoChecksum(file));
        assert.equal(sum.byteLength, file.byteLength);
      },
    ),
  );
});

Deno.test("GRUB2 boot info: LBA 2972 → 11893 at 2548 (el-torito.md §5)", () => {
  assert.deepEqual(encodeGrub2BootInfo(2972), hex("75 2e 00 00 00 00 00 00"));
  assert.equal(GRUB2_BOOT_INFO_BYTE_OFFSET, 0x9f4);
});

Deno.test("patchBootImage: GRUB2 first, then the table whose checksum covers it; overlays agree", () => {
  const file = Uint8Array.from({ length: 29541 }, (_, i) => (i * 7) & 0xff);
  const patch = {
    primaryVolumeDescriptorLba: 16,
    bootFileLba: 2972,
    bootInfoTable: true,
    grub2BootInfo: true,
  };
  const patched = patchBootImage(file, patch);
  assert.deepEqual(patched.subarray(2548, 2556), encodeGrub2BootInfo(2972));
  const table = decodeBootInfoTable(patched, BOOT_INFO_TABLE_BYTE_OFFSET);
  assert.equal(table.bootFileByteLength, 29541);
  assert.equal(table.checksum, bootInfoChecksum(patched));
  assert.notEqual(table.checksum, bootInfoChecksum(file));
  assert.deepEqual(file.subarray(0, 8), patched.subarray(0, 8)); // the loader's first bytes stay
  assert.ok(patched.subarray(24, 64).every((b) => b === 0));
  assert.deepEqual(inspectBootImage(patched, 2972), {
    bootInfoTable: true,
    isohybridSuitable: false,
    grub2BootInfo: true,
  });

  const streamed = new BootInfoChecksum({ grub2BootFileLba: 2972 }).update(file);
  const overlaid = file.slice();
  for (
    const o of bootImagePatchOverlays({
      ...patch,
      bootFileByteLength: streamed.byteLength,
      checksum: streamed.digest(),
    })
  ) {
    overlaid.set(o.bytes, o.byteOffset);
  }
  assert.deepEqual(overlaid, patched);
});

Deno.test("patchBootImage: files too small to patch are RangeErrors; the original is not modified", () => {
  assert.throws(
    () =>
      patchBootImage(new Uint8Array(63), {
        primaryVolumeDescriptorLba: 16,
        bootFileLba: 1,
        bootInfoTable: true,
        grub2BootInfo: false,
      }),
    RangeError,
  );
  assert.throws(
    () =>
      patchBootImage(new Uint8Array(2555), {
        primaryVolumeDescriptorLba: 16,
        bootFileLba: 1,
        bootInfoTable: false,
        grub2BootInfo: true,
      }),
    RangeError,
  );
  const file = new Uint8Array(100);
  patchBootImage(file, {
    primaryVolumeDescriptorLba: 16,
    bootFileLba: 1,
    bootInfoTable: true,
    grub2BootInfo: false,
  });
  assert.ok(file.every((b) => b === 0));
});

Deno.test("inspectBootImage: the isohybrid signature counts only behind a matching table", () => {
  const file = new Uint8Array(2048);
  file.set([0xfb, 0xc0, 0x78, 0x70], 64);
  assert.deepEqual(inspectBootImage(file, 35), {
    bootInfoTable: false,
    isohybridSuitable: false,
    grub2BootInfo: false,
  });
  const patched = patchBootImage(file, {
    primaryVolumeDescriptorLba: 16,
    bootFileLba: 35,
    bootInfoTable: true,
    grub2BootInfo: false,
  });
  assert.deepEqual(inspectBootImage(patched, 35), {
    bootInfoTable: true,
    isohybridSuitable: true,
    grub2BootInfo: false,
  });
  assert.equal(inspectBootImage(patched, 36).bootInfoTable, false);
});

Deno.test("boot info table: decoding past the end is a FormatError", () => {
  assert.throws(() => decodeBootInfoTable(new Uint8Array(20), 8), FormatError);
});

Deno.test("boot info table: the installed isolinux.bin 6.04 sums to 0x8811C780 (el-torito.md §4)", {
  ignore: (() => {
    try {
      return Deno.statSync("/usr/lib/ISOLINUX/isolinux.bin").size !== 38912;
    } catch {
      return true;
    }
  })(),
}, async () => {
  const file = await Deno.readFile("/usr/lib/ISOLINUX/isolinux.bin");
  assert.equal(bootInfoChecksum(file), 0x8811c780);
});
