import assert from "node:assert/strict";
import fc from "fast-check";
import { FormatError } from "../../image/errors.ts";
import { hex } from "../iso9660/_hex.ts";
import { crc32 } from "./crc32.ts";
import {
  decodeGptHeader,
  decodeGptPartitionArray,
  decodeGptPartitionEntry,
  encodeGptHeader,
  encodeGptPartitionArray,
  encodeGptPartitionEntry,
  GPT_ATTRIBUTE,
  GPT_REVISION,
  type GptHeader,
  type GptPartitionEntry,
  guidFromBytes,
  guidToBytes,
  NIL_GUID,
} from "./gpt.ts";

Deno.test("GUIDs: text ↔ mixed-endian bytes (isohybrid.md §2 table)", () => {
  const table: [string, string][] = [
    ["C12A7328-F81F-11D2-BA4B-00A0C93EC93B", "28 73 2A C1 1F F8 D2 11 BA 4B 00 A0 C9 3E C9 3B"],
    ["EBD0A0A2-B9E5-4433-87C0-68B6B72699C7", "A2 A0 D0 EB E5 B9 33 44 87 C0 68 B6 B7 26 99 C7"],
    ["48465300-0000-11AA-AA11-00306543ECAC", "00 53 46 48 00 00 AA 11 AA 11 00 30 65 43 EC AC"],
    ["0FC63DAF-8483-4772-8E79-3D69D8477DE4", "AF 3D C6 0F 83 84 72 47 8E 79 3D 69 D8 47 7D E4"],
    ["21686148-6449-6E6F-744E-656564454649", "48 61 68 21 49 64 6F 6E 74 4E 65 65 64 45 46 49"],
  ];
  for (const [text, bytes] of table) {
    assert.deepEqual(guidToBytes(text), hex(bytes));
    assert.equal(guidFromBytes(hex(bytes), 0), text);
  }
});

// xorriso's classic hybrid.iso (isohybrid.md §9): 26 624 sectors, efiboot.img at ISO LBA 59.
const DISK_GUID = "2E946617-D296-406C-9639-93BA606EEE81";
const entries: GptPartitionEntry[] = [
  {
    partitionTypeGuid: "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7",
    uniquePartitionGuid: "2E946617-D296-406C-9638-93BA606EEE81",
    startingLba: 0,
    endingLba: 26559,
    attributes: GPT_ATTRIBUTE.requiredPartition | GPT_ATTRIBUTE.readOnly,
    partitionName: "ISOHybrid",
  },
  {
    partitionTypeGuid: "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7",
    uniquePartitionGuid: "2E946617-D296-406C-963B-93BA606EEE81",
    startingLba: 236,
    endingLba: 16619,
    attributes: 0x1000000000000001n,
    partitionName: "ISOHybrid1",
  },
];
const primary: GptHeader = {
  revision: GPT_REVISION,
  myLba: 1,
  alternateLba: 26623,
  firstUsableLba: 64,
  lastUsableLba: 26560,
  diskGuid: DISK_GUID,
  partitionEntryLba: 2,
  numberOfPartitionEntries: 248,
  sizeOfPartitionEntry: 128,
  partitionEntryArrayCrc32: 0x4762d029,
};

Deno.test("GPT: xorriso's 248-entry array has CRC 0x4762D029 (isohybrid.md §9)", () => {
  const array = encodeGptPartitionArray(entries, 248);
  assert.equal(array.byteLength, 248 * 128);
  assert.equal(crc32(array), 0x4762d029);
  assert.deepEqual(
    array.subarray(0, 0x80),
    hex(`
      a2a0d0eb e5b93344 87c068b6 b72699c7 # type: Basic Data
      1766942e 96d2 6c40 9638 93ba606eee81 # unique GUID: the disk GUID with byte 9 XOR 1
      0000000000000000 # first 0
      bf67000000000000 # last 26559
      0100000000000010 # attributes 0x1000000000000001: required + read-only
      4900 5300 4f00 4800 7900 6200 7200 6900 6400 # "ISOHybrid", UTF-16LE
      ${"0000 ".repeat(27)}
    `),
  );
  const decoded = decodeGptPartitionArray(array, 0, primary, { strict: true });
  assert.deepEqual(decoded.slice(0, 2), entries);
  assert.ok(decoded.slice(2).every((e) => e.partitionTypeGuid === NIL_GUID));
});

Deno.test("GPT: primary header CRC 0x64500C34, backup 0xA886A793 (isohybrid.md §9)", () => {
  const sector = encodeGptHeader(primary);
  // 00000200: 4546 4920 5041 5254 0000 0100 5c00 0000 / 00000210: 340c 5064 ...
  assert.deepEqual(
    sector.subarray(0, 0x5c),
    hex(`
      4546492050415254 # "EFI PART"
      00000100 # revision 1.0
      5c000000 # header size 92
      340c5064 # header CRC32 0x64500C34
      00000000 # reserved
      0100000000000000 # MyLBA 1
      ff67000000000000 # AlternateLBA 26623
      4000000000000000 # FirstUsableLBA 64
      c067000000000000 # LastUsableLBA 26560
      1766942e96d26c40963993ba606eee81 # disk GUID 2E946617-D296-406C-9639-93BA606EEE81
      0200000000000000 # entries at LBA 2
      f8000000 # 248 entries
      80000000 # of 128 bytes
      29d06247 # array CRC32 0x4762D029
    `),
  );
  assert.ok(sector.subarray(92).every((b) => b === 0));
  assert.deepEqual(decodeGptHeader(sector, 0, { strict: true }), primary);
  const backup = encodeGptHeader({ ...primary, myLba: 26623, alternateLba: 1, partitionEntryLba: 26561 });
  assert.equal(new DataView(backup.buffer).getUint32(16, true), 0xa886a793);
});

Deno.test("GPT: wrong CRCs are policy problems, a wrong signature a FormatError", () => {
  const sector = encodeGptHeader(primary);
  sector[40] ^= 1;
  assert.throws(() => decodeGptHeader(sector, 0, { strict: true }), /HeaderCRC32/);
  const diagnostics: string[] = [];
  assert.equal(decodeGptHeader(sector, 0, { diagnostics }).firstUsableLba, 65);
  assert.equal(diagnostics.length, 1);
  sector[0] = 0;
  assert.throws(() => decodeGptHeader(sector, 0), FormatError);
  const array = encodeGptPartitionArray(entries, 248);
  array[100] ^= 1;
  assert.throws(() => decodeGptPartitionArray(array, 0, primary, { strict: true }), FormatError);
});

Deno.test("GPT: encoders refuse what does not fit", () => {
  assert.throws(() => encodeGptPartitionEntry({ ...entries[0], partitionName: "x".repeat(37) }), RangeError);
  assert.throws(() => encodeGptPartitionEntry({ ...entries[0], startingLba: -1 }), RangeError);
  assert.throws(() => encodeGptPartitionArray(entries, 1), RangeError);
  assert.throws(() => encodeGptHeader({ ...primary, diskGuid: "nope" }), TypeError);
});

Deno.test("GPT: entry and header round trips (property); fuzzed decode", () => {
  const guid = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => guidFromBytes(b, 0));
  fc.assert(
    fc.property(
      fc.record({
        partitionTypeGuid: guid,
        uniquePartitionGuid: guid,
        startingLba: fc.maxSafeNat(),
        endingLba: fc.maxSafeNat(),
        attributes: fc.bigInt({ min: 0n, max: 0xffffffffffffffffn }),
        partitionName: fc.string({
          unit: fc.integer({ min: 1, max: 0xffff }).map((c) => String.fromCharCode(c)),
          maxLength: 36,
        }),
      }),
      (entry) => assert.deepEqual(decodeGptPartitionEntry(encodeGptPartitionEntry(entry), 0), { ...entry }),
    ),
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), fc.boolean(), (bytes, strict) => {
      if (bytes.byteLength >= 16) {
        bytes.set([0x45, 0x46, 0x49, 0x20, 0x50, 0x41, 0x52, 0x54, 0, 0, 1, 0, 92, 0, 0, 0]);
      }
      try {
        decodeGptHeader(bytes, 0, { strict });
      } catch (error) {
        assert.ok(error instanceof FormatError, String(error));
      }
    }),
  );
});
