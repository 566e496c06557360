import assert from "node:assert/strict";
import { FormatError } from "../../image/errors.ts";
import { hex } from "./_hex.ts";
import { FILE_FLAGS, IDENTIFIER_SELF } from "./directory_record.ts";
import {
  decodeVolumeDescriptor,
  encodeTerminator,
  encodeVolumeDescriptor,
  isJoliet,
  JOLIET_ESCAPES,
  type VolumeDescriptor,
} from "./volume_descriptor.ts";

const time = new Date(Date.UTC(2026, 10, 23, 19, 38, 27));

function pvd(overrides: Partial<VolumeDescriptor> = {}): VolumeDescriptor {
  return {
    type: 1,
    version: 1,
    volumeFlags: 0,
    systemIdentifier: "",
    volumeIdentifier: "TESTVOL",
    volumeSpaceBlockCount: 6656,
    escapeSequences: new Uint8Array(32),
    volumeSetSize: 1,
    volumeSequenceNumber: 1,
    logicalBlockByteLength: 2048,
    pathTableByteLength: 172,
    typeLPathTableLba: 37,
    optionalTypeLPathTableLba: 0,
    typeMPathTableLba: 38,
    optionalTypeMPathTableLba: 0,
    rootDirectoryRecord: {
      extendedAttributeRecordLength: 0,
      extentLba: 20,
      dataByteLength: 2048,
      recorded: time,
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
    applicationIdentifier: "",
    copyrightFileIdentifier: "",
    abstractFileIdentifier: "",
    bibliographicFileIdentifier: "",
    creation: time,
    modification: time,
    expiration: undefined,
    effective: undefined,
    fileStructureVersion: 1,
    applicationUse: new Uint8Array(512).fill(0x20),
    ...overrides,
  };
}

Deno.test("PVD: the first 0xc0 bytes match xorriso's TESTVOL image (iso9660.md §11)", () => {
  const sector = encodeVolumeDescriptor(pvd());
  assert.equal(sector.byteLength, 2048);
  // Rows of `xxd -s 0x8000` of xorriso's image at their offsets from the sector start.
  const rows: [number, string][] = [
    [0x00, "0143 4430 3031 0100 2020 2020 2020 2020"], // type 1, "CD001", version 1, system id spaces
    [0x20, "2020 2020 2020 2020 5445 5354 564f 4c20"], // volume identifier "TESTVOL" at 40
    [0x50, "001a 0000 0000 1a00 0000 0000 0000 0000"], // 80: volume space size 6656, both-endian
    [0x70, "0000 0000 0000 0000 0100 0001 0100 0001"], // 120: set size 1, 124: sequence 1
    [0x80, "0008 0800 ac00 0000 0000 00ac 2500 0000"], // 128: block 2048, 132: PT size 172, 140: L PT 37
    [0x90, "0000 0000 0000 0026 0000 0000 2200 1400"], // 144: optional L 0, 148: M PT 38 (BE), 156: root DR
    [0xa0, "0000 0000 0014 0008 0000 0000 0800 7e0b"], // root extent 20, length 2048, date...
    [0xb0, "1713 261b 0002 0000 0100 0001 0100 2020"], // ...19:38:27 GMT, flags 02, seq 1, LEN_FI 1, 0x00
  ];
  for (const [at, row] of rows) {
    assert.deepEqual(sector.subarray(at, at + 16), hex(row), `row 0x${at.toString(16)}`);
  }
  assert.deepEqual(
    [...sector.subarray(813, 830)].map((b) => String.fromCharCode(b)).join(""),
    "2026112319382700\0",
  );
  assert.equal(sector[881], 1);
});

Deno.test("PVD: encode → decode keeps every field", () => {
  const d = pvd({ publisherIdentifier: "PUB", applicationIdentifier: "APP", volumeSetIdentifier: "SET" });
  const decoded = decodeVolumeDescriptor(encodeVolumeDescriptor(d), 16);
  assert.deepEqual({ ...decoded, escapeSequences: undefined }, { ...d, escapeSequences: undefined });
});

Deno.test("Joliet SVD: identifiers are UCS-2BE padded with 00 20; escape %/E at 88", () => {
  const d = pvd({
    type: 2,
    escapeSequences: Uint8Array.from([...JOLIET_ESCAPES.level3, ...new Uint8Array(29)]),
  });
  assert.ok(isJoliet(d));
  const sector = encodeVolumeDescriptor(d);
  assert.deepEqual(sector.subarray(0, 8), hex("02 43 44 30 30 31 01 00"));
  assert.deepEqual(sector.subarray(40, 50), hex("0054 0045 0053 0054 0056")); // "TESTV"
  assert.deepEqual(sector.subarray(70, 72), hex("0020"));
  assert.deepEqual(sector.subarray(88, 92), hex("252f4500"));
  assert.equal(sector[738], 0); // 18 UCS-2 characters + one 0x00 in the 37-byte file id field
  const decoded = decodeVolumeDescriptor(sector, 17);
  assert.equal(decoded.volumeIdentifier, "TESTVOL");
});

Deno.test("terminator: FF CD001 01 then zeros", () => {
  const t = encodeTerminator();
  assert.deepEqual(t.subarray(0, 7), hex("ff 43 44 30 30 31 01"));
  assert.ok(t.subarray(7).every((b) => b === 0));
});

Deno.test("volume descriptor: a sector without CD001 is a FormatError naming the LBA", () => {
  assert.throws(() => decodeVolumeDescriptor(new Uint8Array(2048), 16), (e: unknown) => {
    assert.ok(e instanceof FormatError);
    assert.equal(e.location.lba, 16);
    return true;
  });
});
