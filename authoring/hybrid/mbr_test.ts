import assert from "node:assert/strict";
import fc from "fast-check";
import { FormatError } from "../../image/errors.ts";
import { hex } from "../iso9660/_hex.ts";
import {
  chsFromLba,
  decodeMasterBootRecord,
  decodeMbrPartitionRecord,
  EMPTY_MBR_PARTITION_RECORD,
  encodeMasterBootRecord,
  encodeMbrPartitionRecord,
  MBR_SIGNATURE,
  type MbrPartitionRecord,
  mbrPartitionRecordFor,
} from "./mbr.ts";

const xorriso = { headsPerCylinder: 64, sectorsPerHead: 32 };

Deno.test("MBR partition records of xorriso's classic hybrid (isohybrid.md §9, hybrid.iso)", () => {
  // 000001c0: 0100 003f 200c 0000 0000 0068 0000 00fe / 000001d0: ffff effe ffff ec00 0000 0040 0000 ...
  const iso: MbrPartitionRecord = {
    bootIndicator: 0x80,
    startingChs: chsFromLba(0, xorriso, "count"),
    osType: 0x00,
    endingChs: chsFromLba(26623, xorriso, "count"),
    startingLba: 0,
    sizeInLba: 26624,
  };
  assert.deepEqual(
    encodeMbrPartitionRecord(iso),
    hex(`
      80 # active
      00 01 00 # start CHS: head 0, sector 1, cylinder 0
      00 # type 0x00: the whole ISO, with EFI partitions nested
      3f 20 0c # end CHS: head 63, sector 32, cylinder 12 (13 MiB = 13 cylinders)
      00000000 # start 0
      00680000 # 26624 sectors
    `),
  );
  const efi: MbrPartitionRecord = {
    bootIndicator: 0,
    startingChs: { head: 0xfe, sector: 0x3f, cylinder: 0x3ff },
    osType: 0xef,
    endingChs: { head: 0xfe, sector: 0x3f, cylinder: 0x3ff },
    startingLba: 236,
    sizeInLba: 16384,
  };
  assert.deepEqual(encodeMbrPartitionRecord(efi), hex("00 feffff ef feffff ec000000 00400000"));
  assert.deepEqual(decodeMbrPartitionRecord(encodeMbrPartitionRecord(efi), 0), efi);
});

Deno.test("MBR partition records: protective 0xEE (C.iso) and an appended ESP (isohybrid.md §4.3, §9)", () => {
  // C.iso: 00 000200 ee 141809 00000001 00004a97 → start 1, N-1 = 19095 sectors
  const protective = mbrPartitionRecordFor({
    osType: 0xee,
    startingLba: 1,
    sizeInLba: 19095,
    geometry: xorriso,
  });
  assert.deepEqual(encodeMbrPartitionRecord(protective), hex("00 000200 ee 141809 01000000 974a0000"));
  // partition 2 = 00 | 00 01 01 | EF | end CHS | 2048 | 16384
  const esp = mbrPartitionRecordFor({ osType: 0xef, startingLba: 2048, sizeInLba: 16384, geometry: xorriso });
  assert.deepEqual(encodeMbrPartitionRecord(esp), hex("00 000101 ef 3f2008 00080000 00400000"));
});

Deno.test("CHS: 1 MiB image ends at 3F 20 00; overflow past cylinder 1023 (isohybrid.md §1, §4.1)", () => {
  assert.deepEqual(chsFromLba(2047, xorriso), { cylinder: 0, head: 63, sector: 32 });
  const big = 1024 * 64 * 32;
  assert.deepEqual(chsFromLba(big, xorriso), { cylinder: 1023, head: 63, sector: 32 });
  assert.deepEqual(chsFromLba(big, xorriso, "count"), { cylinder: 1023, head: 64, sector: 32 });
  assert.deepEqual(chsFromLba(big - 1, xorriso), { cylinder: 1023, head: 63, sector: 32 });
  const bytes = encodeMbrPartitionRecord({
    ...EMPTY_MBR_PARTITION_RECORD,
    endingChs: { cylinder: 1023, head: 254, sector: 63 },
  });
  assert.deepEqual(bytes.subarray(5, 8), hex("fe ff ff"));
  assert.throws(() => chsFromLba(0, { headsPerCylinder: 256, sectorsPerHead: 32 }), RangeError);
});

Deno.test("MBR: the whole sector, with isohdpfx's boot image address at 432 (isohybrid.md §9)", () => {
  const bootCode = new Uint8Array(440);
  bootCode.set([0x33, 0xed]);
  new DataView(bootCode.buffer).setBigUint64(432, 4155n * 4n, true);
  const mbr = {
    bootCode,
    uniqueMbrDiskSignature: 0x30e69e93,
    unknown: 0,
    partitionRecords: [
      {
        ...EMPTY_MBR_PARTITION_RECORD,
        bootIndicator: 0x80,
        startingChs: { cylinder: 0, head: 0, sector: 1 },
      },
      EMPTY_MBR_PARTITION_RECORD,
      EMPTY_MBR_PARTITION_RECORD,
      EMPTY_MBR_PARTITION_RECORD,
    ],
    signature: MBR_SIGNATURE,
  };
  const sector = encodeMasterBootRecord(mbr);
  assert.deepEqual(sector.subarray(0x1b0, 0x1c2), hex("ec40 0000 0000 0000 939e e630 0000 8000 0100"));
  assert.deepEqual(sector.subarray(510), hex("55 aa"));
  assert.deepEqual(decodeMasterBootRecord(sector, 0, { strict: true }), mbr);
});

Deno.test("MBR: a sector without 55 AA is a policy problem; short input a FormatError", () => {
  assert.throws(() => decodeMasterBootRecord(new Uint8Array(512), 0, { strict: true }), FormatError);
  const diagnostics: string[] = [];
  decodeMasterBootRecord(new Uint8Array(512), 0, { diagnostics });
  assert.equal(diagnostics.length, 1);
  assert.throws(() => decodeMasterBootRecord(new Uint8Array(511), 0), FormatError);
});

Deno.test("MBR partition record: encode → decode round trip (property); fuzzed decode", () => {
  const chs = fc.record({
    cylinder: fc.nat({ max: 1023 }),
    head: fc.nat({ max: 255 }),
    sector: fc.nat({ max: 63 }),
  });
  fc.assert(
    fc.property(
      fc.record({
        bootIndicator: fc.nat({ max: 255 }),
        startingChs: chs,
        osType: fc.nat({ max: 255 }),
        endingChs: chs,
        startingLba: fc.nat({ max: 0xffffffff }),
        sizeInLba: fc.nat({ max: 0xffffffff }),
      }),
      (record) =>
        assert.deepEqual(decodeMbrPartitionRecord(encodeMbrPartitionRecord(record), 0), {
          ...record,
          startingChs: { ...record.startingChs },
          endingChs: { ...record.endingChs },
        }),
    ),
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), fc.boolean(), (bytes, strict) => {
      try {
        const mbr = decodeMasterBootRecord(bytes, 0, { strict });
        assert.deepEqual(encodeMasterBootRecord(mbr), bytes.subarray(0, 512));
      } catch (error) {
        assert.ok(error instanceof FormatError, String(error));
      }
    }),
  );
});
