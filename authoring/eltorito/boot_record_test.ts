import assert from "node:assert/strict";
import fc from "fast-check";
import { FormatError } from "../../image/errors.ts";
import { hex } from "../iso9660/_hex.ts";
import {
  type BootRecordVolumeDescriptor,
  decodeBootRecordVolumeDescriptor,
  EL_TORITO_BOOT_SYSTEM_IDENTIFIER,
  encodeBootRecordVolumeDescriptor,
} from "./boot_record.ts";

const record: BootRecordVolumeDescriptor = {
  bootSystemIdentifier: EL_TORITO_BOOT_SYSTEM_IDENTIFIER,
  bootIdentifier: new Uint8Array(32),
  bootCatalogLba: 58,
};

Deno.test("boot record: xorriso's LBA 17 (el-torito.md §9)", () => {
  const sector = encodeBootRecordVolumeDescriptor(record);
  assert.equal(sector.byteLength, 2048);
  // `xxd -s $((17*2048)) -l 80 hybrid.iso`
  assert.deepEqual(
    sector.subarray(0x00, 0x20),
    hex(`
      00 # 0: type 0 = Boot Record
      43 44 30 30 31 # 1: "CD001"
      01 # 6: version 1
      45 4c 20 54 4f 52 49 54 4f 20 53 50 45 43 49 46 49 43 41 54 49 4f 4e # 7: "EL TORITO SPECIFICATION"
      00 00 # 30: zero padding (SeaBIOS compares up to here)
    `),
  );
  assert.deepEqual(sector.subarray(0x20, 0x47), new Uint8Array(0x27)); // rest of the identifier, boot identifier
  assert.deepEqual(sector.subarray(0x47, 0x4b), hex("3a 00 00 00")); // 71: catalog LBA 58, uint32 LE
  assert.ok(sector.subarray(0x4b).every((b) => b === 0));
  assert.deepEqual(decodeBootRecordVolumeDescriptor(sector, 0, { strict: true }), record);
});

Deno.test("boot record: decodes at an offset inside a larger buffer", () => {
  const buffer = new Uint8Array(3 * 2048);
  buffer.set(encodeBootRecordVolumeDescriptor({ ...record, bootCatalogLba: 0x01020304 }), 2048);
  assert.equal(decodeBootRecordVolumeDescriptor(buffer, 2048).bootCatalogLba, 0x01020304);
});

Deno.test("boot record: a PVD is not a boot record (FormatError); a foreign identifier is policy", () => {
  const pvd = new Uint8Array(2048);
  pvd.set([1, 0x43, 0x44, 0x30, 0x30, 0x31, 1]);
  assert.throws(() => decodeBootRecordVolumeDescriptor(pvd, 0), FormatError);
  const other = encodeBootRecordVolumeDescriptor({ ...record, bootSystemIdentifier: "APPLE BOOT" });
  assert.throws(() => decodeBootRecordVolumeDescriptor(other, 0, { strict: true }), FormatError);
  const diagnostics: string[] = [];
  assert.equal(
    decodeBootRecordVolumeDescriptor(other, 0, { diagnostics }).bootSystemIdentifier,
    "APPLE BOOT",
  );
  assert.equal(diagnostics.length, 1);
  assert.match(diagnostics[0], /^Cannot verify boot record: boot system identifier/);
});

Deno.test("boot record: encoder refuses what does not fit", () => {
  assert.throws(() => encodeBootRecordVolumeDescriptor({ ...record, bootCatalogLba: -1 }), RangeError);
  assert.throws(
    () => encodeBootRecordVolumeDescriptor({ ...record, bootSystemIdentifier: "x".repeat(33) }),
    RangeError,
  );
  assert.throws(
    () => encodeBootRecordVolumeDescriptor({ ...record, bootIdentifier: new Uint8Array(33) }),
    RangeError,
  );
});

Deno.test("boot record: encode → strict decode round trip (property)", () => {
  fc.assert(
    fc.property(
      fc.string({ unit: fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _"), maxLength: 32 }),
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.nat({ max: 0xffffffff }),
      (id, bootIdentifier, bootCatalogLba) => {
        const value = { bootSystemIdentifier: id.replace(/ +$/, "") || "X", bootIdentifier, bootCatalogLba };
        const decoded = decodeBootRecordVolumeDescriptor(encodeBootRecordVolumeDescriptor(value), 0);
        assert.equal(decoded.bootCatalogLba, bootCatalogLba);
        assert.deepEqual(decoded.bootIdentifier, bootIdentifier);
      },
    ),
  );
});

Deno.test("boot record: fuzzed sectors decode or throw FormatError only", () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 2100 }), fc.boolean(), (bytes, strict) => {
      if (bytes.byteLength > 6) bytes.set([0, 0x43, 0x44, 0x30, 0x30, 0x31].slice(0, 6), 0);
      try {
        decodeBootRecordVolumeDescriptor(bytes, 0, { strict });
      } catch (error) {
        assert.ok(error instanceof FormatError, String(error));
      }
    }),
  );
});
