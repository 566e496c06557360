import assert from "node:assert/strict";
import fc from "fast-check";
import { FormatError } from "../../image/errors.ts";
import { ascii, concat, hex } from "./_hex.ts";
import {
  decodeDirectoryRecord,
  type DirectoryRecord,
  directoryRecordByteLength,
  encodeDirectoryRecord,
  FILE_FLAGS,
  IDENTIFIER_SELF,
} from "./directory_record.ts";

const xorrisoRootTime = new Date(Date.UTC(2026, 10, 23, 19, 38, 27));

Deno.test("directory record: the root record xorriso writes (iso9660.md §11)", () => {
  const record: DirectoryRecord = {
    extendedAttributeRecordLength: 0,
    extentLba: 20,
    dataByteLength: 2048,
    recorded: xorrisoRootTime,
    fileFlags: FILE_FLAGS.directory,
    fileUnitSize: 0,
    interleaveGapSize: 0,
    volumeSequenceNumber: 1,
    identifier: IDENTIFIER_SELF,
    systemUse: new Uint8Array(),
  };
  const expected = hex(`
    22 00 # LEN_DR 34, EAR length 0
    14000000 00000014 # extent LBA 20, both-endian
    00080000 00000800 # data length 2048, both-endian
    7e 0b 17 13 26 1b 00 # 2026-11-23 19:38:27 GMT
    02 00 00 # flags directory, unit size, gap
    0100 0001 # volume sequence number 1
    01 00 # LEN_FI 1, identifier 0x00 (no pad: LEN_FI odd)
  `);
  assert.deepEqual(encodeDirectoryRecord(record), expected);
  assert.deepEqual(decodeDirectoryRecord(expected, 0), record);
});

Deno.test("directory record: a plain file with an odd identifier length has no padding byte", () => {
  // genisoimage's A_B_C.D;1 record, but in UTC.
  const bytes = encodeDirectoryRecord({
    extendedAttributeRecordLength: 0,
    extentLba: 26,
    dataByteLength: 2,
    recorded: undefined,
    fileFlags: 0,
    fileUnitSize: 0,
    interleaveGapSize: 0,
    volumeSequenceNumber: 1,
    identifier: ascii("A_B_C.D;1"),
    systemUse: new Uint8Array(),
  });
  assert.deepEqual(
    bytes,
    concat(
      hex("2a 00 1a000000 0000001a 02000000 00000002 00000000000000 00 00 00 01000001 09"),
      ascii("A_B_C.D;1"),
    ),
  );
});

Deno.test("directory record: LEN_DR is even and a pad byte follows an even identifier", () => {
  assert.equal(directoryRecordByteLength(1, 0), 34);
  assert.equal(directoryRecordByteLength(2, 0), 36); // 33 + 2 + pad
  assert.equal(directoryRecordByteLength(9, 0), 42);
  assert.equal(directoryRecordByteLength(1, 7), 42); // 34 + 7 = 41 → 42
});

Deno.test("directory record: more than 254 bytes is refused", () => {
  assert.throws(
    () =>
      encodeDirectoryRecord({
        extendedAttributeRecordLength: 0,
        extentLba: 0,
        dataByteLength: 0,
        recorded: undefined,
        fileFlags: 0,
        fileUnitSize: 0,
        interleaveGapSize: 0,
        volumeSequenceNumber: 1,
        identifier: ascii("X"),
        systemUse: new Uint8Array(221),
      }),
    RangeError,
  );
});

Deno.test("directory record: a length running past the buffer is a FormatError", () => {
  const bytes = hex("40 00 14000000 00000014 00080000 00000800 00000000000000 02 00 00 01000001 01 00");
  assert.throws(() => decodeDirectoryRecord(bytes, 0, 20), FormatError);
});

Deno.test("directory record: encode → decode round trip (fast-check)", () => {
  const recordArb = fc.record({
    extendedAttributeRecordLength: fc.constant(0),
    extentLba: fc.nat({ max: 0xffffffff }),
    dataByteLength: fc.nat({ max: 0xffffffff }),
    recorded: fc.option(
      fc.date({ min: new Date(Date.UTC(1900, 0, 1)), max: new Date(Date.UTC(2155, 11, 31)) })
        .map((d) => new Date(Math.floor(d.getTime() / 1000) * 1000)),
      { nil: undefined },
    ),
    fileFlags: fc.integer({ min: 0, max: 255 }),
    fileUnitSize: fc.constant(0),
    interleaveGapSize: fc.constant(0),
    volumeSequenceNumber: fc.integer({ min: 1, max: 0xffff }),
    identifier: fc.uint8Array({ minLength: 1, maxLength: 100 }),
    systemUse: fc.uint8Array({ minLength: 0, maxLength: 100 }),
  });
  fc.assert(fc.property(recordArb, (record) => {
    fc.pre(!Number.isNaN(record.recorded?.getTime() ?? 0));
    const bytes = encodeDirectoryRecord(record);
    const decoded = decodeDirectoryRecord(bytes, 0);
    assert.equal(bytes.byteLength % 2, 0);
    assert.deepEqual(decoded.identifier, record.identifier);
    assert.equal(decoded.extentLba, record.extentLba);
    assert.equal(decoded.dataByteLength, record.dataByteLength);
    assert.equal(decoded.fileFlags, record.fileFlags);
    assert.equal(decoded.recorded?.getTime(), record.recorded?.getTime());
    // The decoder returns System Use up to LEN_DR, which may include the one even-making pad byte.
    assert.deepEqual(decoded.systemUse.subarray(0, record.systemUse.byteLength), record.systemUse);
  }));
});
