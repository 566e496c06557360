import assert from "node:assert/strict";
import fc from "fast-check";
import { FormatError } from "../../image/errors.ts";
import { hex } from "../iso9660/_hex.ts";
import {
  APM_STATUS,
  type ApmPartitionMapEntry,
  decodeApmPartitionMapEntry,
  decodeDriverDescriptorRecord,
  encodeApmPartitionMapEntry,
  encodeDriverDescriptorRecord,
} from "./apm.ts";

const map: ApmPartitionMapEntry = {
  mapEntryCount: 2,
  startBlock: 1,
  blockCount: 2,
  name: "Apple",
  type: "Apple_partition_map",
  dataStartBlock: 0,
  dataBlockCount: 2,
  status: APM_STATUS.valid | APM_STATUS.allocated,
  bootStartBlock: 0,
  bootByteLength: 0,
  bootLoadAddress: 0,
  bootEntryPoint: 0,
  bootChecksum: 0,
  processor: "",
};

Deno.test("APM block 0: xorriso's isohybrid head over the MBR (ER, 2048-byte blocks, x86 NOPs)", () => {
  const record = {
    blockByteLength: 2048,
    blockCount: 0x9090,
    deviceType: 0,
    deviceId: 0,
    data: 0,
    driverCount: 0,
  };
  const bytes = encodeDriverDescriptorRecord(record);
  assert.deepEqual(bytes, hex("4552 0800 00009090 0000 0000 00000000 0000"));
  assert.deepEqual(decodeDriverDescriptorRecord(bytes, 0), record);
  assert.throws(() => decodeDriverDescriptorRecord(new Uint8Array(18), 0), FormatError);
});

Deno.test("APM entries of xorriso -isohybrid-apm-hfsplus (2048-byte blocks 1 and 2)", () => {
  // xxd -s 2048 of a Debian-style image: the map's own entry
  assert.deepEqual(
    encodeApmPartitionMapEntry(map).subarray(0, 0x5c),
    hex(`
      504d 0000 # "PM", pad
      00000002 # 2 entries in the map
      00000001 00000002 # blocks 1-2
      4170706c65 ${"00".repeat(27)} # "Apple"
      4170706c655f706172746974696f6e5f6d6170 ${"00".repeat(13)} # "Apple_partition_map"
      00000000 00000002 # data 0, 2 blocks
      00000003 # valid + allocated
    `),
  );
  // the EFI image, HFS+-typed: start 37, 720 blocks, status 0x40000013
  const efi = {
    ...map,
    startBlock: 37,
    blockCount: 720,
    name: "EFI",
    type: "Apple_HFS",
    dataBlockCount: 720,
    status: 0x40000013,
  };
  const bytes = encodeApmPartitionMapEntry(efi);
  assert.deepEqual(bytes.subarray(8, 16), hex("00000025 000002d0"));
  assert.deepEqual(bytes.subarray(0x54, 0x5c), hex("000002d0 40000013"));
  assert.deepEqual(decodeApmPartitionMapEntry(bytes, 0), efi);
});

Deno.test("APM entry: round trip (property); fuzzed decode", () => {
  const text = (n: number) =>
    fc.string({ unit: fc.integer({ min: 1, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: n });
  const u32 = fc.nat({ max: 0xffffffff });
  fc.assert(
    fc.property(
      fc.record({
        mapEntryCount: u32,
        startBlock: u32,
        blockCount: u32,
        name: text(32),
        type: text(32),
        dataStartBlock: u32,
        dataBlockCount: u32,
        status: u32,
        bootStartBlock: u32,
        bootByteLength: u32,
        bootLoadAddress: u32,
        bootEntryPoint: u32,
        bootChecksum: u32,
        processor: text(16),
      }),
      (entry) =>
        assert.deepEqual(decodeApmPartitionMapEntry(encodeApmPartitionMapEntry(entry), 0), { ...entry }),
    ),
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      if (bytes.byteLength >= 2) bytes.set([0x50, 0x4d]);
      try {
        decodeApmPartitionMapEntry(bytes, 0);
      } catch (error) {
        assert.ok(error instanceof FormatError, String(error));
      }
    }),
  );
  assert.throws(() => encodeApmPartitionMapEntry({ ...map, name: "x".repeat(33) }), RangeError);
});
