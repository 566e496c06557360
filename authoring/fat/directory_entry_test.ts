import assert from "node:assert/strict";
import fc from "fast-check";
import { FormatError } from "../../image/errors.ts";
import { concat, hex } from "../iso9660/_hex.ts";
import {
  decodeFatDateTime,
  decodeFatDirectoryEntry,
  decodeFatLongNameEntry,
  encodeFatDateTime,
  encodeFatDirectoryEntry,
  encodeFatLongNameEntry,
  FAT_ATTRIBUTE,
  type FatDirectoryEntry,
  isLongNameEntry,
  longNameEntriesFor,
  longNameEntryCount,
  longNameOf,
  shortNameChecksum,
} from "./directory_entry.ts";

/** The three entries mtools wrote for "A long name.text" (fat.md §8). */
const mtoolsEntries = hex(`
  42 65 00 78 00 74 00 00 00 ff ff  # 0: LDIR_Ord 0x42 (last, 2); "ext", 0x0000, 0xFFFF
  0f 00 bd                          # 11: LDIR_Attr 0x0F, LDIR_Type 0, LDIR_Chksum 0xBD
  ff ff ff ff ff ff ff ff ff ff ff ff  # 14: LDIR_Name2, all padding
  00 00                             # 26: LDIR_FstClusLO 0
  ff ff ff ff                       # 28: LDIR_Name3, padding
  01 41 00 20 00 6c 00 6f 00 6e 00  # 0: LDIR_Ord 1; "A lon"
  0f 00 bd                          # 11: attr, type, checksum
  67 00 20 00 6e 00 61 00 6d 00 65 00  # 14: "g name"
  00 00                             # 26: cluster 0
  2e 00 74 00                       # 28: ".t"
  41 4c 4f 4e 47 4e 7e 31 54 45 58  # 0: DIR_Name "ALONGN~1TEX"
  20 00 00                          # 11: DIR_Attr archive, DIR_NTRes 0, DIR_CrtTimeTenth 0
  db 9e 77 5d                       # 14: DIR_CrtTime 19:54:54, DIR_CrtDate 2026-11-23
  77 5d 00 00                       # 18: DIR_LstAccDate, DIR_FstClusHI 0
  db 9e 77 5d                       # 22: DIR_WrtTime, DIR_WrtDate
  02 00 02 00 00 00                 # 26: DIR_FstClusLO 2, DIR_FileSize 2
`);

const shortEntry: FatDirectoryEntry = {
  name: "ALONGN~1TEX",
  attributes: FAT_ATTRIBUTE.archive,
  caseFlags: 0,
  creationTimeTenths: 0,
  creationTime: 0x9edb,
  creationDate: 0x5d77,
  lastAccessDate: 0x5d77,
  firstCluster: 2,
  writeTime: 0x9edb,
  writeDate: 0x5d77,
  fileByteLength: 2,
};

Deno.test("long name entries: 'A long name.text' exactly as mtools writes it (fat.md §8)", () => {
  assert.equal(shortNameChecksum("ALONGN~1TEX"), 0xbd);
  const entries = longNameEntriesFor("A long name.text", "ALONGN~1TEX");
  assert.deepEqual(entries.map((e) => [e.sequenceNumber, e.isLast]), [[2, true], [1, false]]);
  const bytes = concat(...entries.map(encodeFatLongNameEntry), encodeFatDirectoryEntry(shortEntry));
  assert.deepEqual(bytes, mtoolsEntries);
  assert.ok(isLongNameEntry(bytes, 0) && isLongNameEntry(bytes, 32) && !isLongNameEntry(bytes, 64));
  assert.deepEqual([decodeFatLongNameEntry(bytes, 0), decodeFatLongNameEntry(bytes, 32)], entries);
  assert.equal(longNameOf(entries), "A long name.text");
  assert.deepEqual(decodeFatDirectoryEntry(bytes, 64), shortEntry);
});

Deno.test("long name entries: a name of exactly 13 units has no terminator and no padding", () => {
  const [only] = longNameEntriesFor("thirteen.char", "THIRTE~1CHA");
  assert.equal(longNameEntryCount("thirteen.char"), 1);
  assert.deepEqual(only.nameUnits, [..."thirteen.char"].map((c) => c.charCodeAt(0)));
  assert.ok(only.isLast);
  const [second] = longNameEntriesFor("fourteen.chars", "FOURTE~1CHA");
  assert.deepEqual(second.nameUnits, [0x73, 0, ...new Array(11).fill(0xffff)]);
});

Deno.test("long name entries: 255 UTF-16 units is the limit", () => {
  assert.equal(longNameEntriesFor("x".repeat(255), "X~1        ").length, 20);
  assert.throws(() => longNameEntriesFor("x".repeat(256), "X~1        "), RangeError);
  assert.throws(() => longNameEntriesFor("", "X~1        "), RangeError);
});

Deno.test("long name entries: any name round-trips, surrogate pairs included (property)", () => {
  fc.assert(fc.property(fc.string({ unit: "grapheme", minLength: 1, maxLength: 120 }), (name) => {
    fc.pre(name.length <= 255);
    const entries = longNameEntriesFor(name, "NAME~1     ");
    const bytes = concat(...entries.map(encodeFatLongNameEntry));
    const decoded = entries.map((_, i) => decodeFatLongNameEntry(bytes, 32 * i));
    assert.equal(longNameOf(decoded), name);
    assert.ok(decoded.every((e) => e.checksum === shortNameChecksum("NAME~1     ")));
  }));
});

Deno.test("directory entry: cluster numbers above 16 bits go to DIR_FstClusHI", () => {
  const entry = { ...shortEntry, name: "BIG     BIN", firstCluster: 0x0123abcd, fileByteLength: 0xffffffff };
  const bytes = encodeFatDirectoryEntry(entry);
  assert.deepEqual(bytes.subarray(20, 22), hex("23 01")); // 20: DIR_FstClusHI
  assert.deepEqual(bytes.subarray(26, 32), hex("cd ab ff ff ff ff")); // 26: DIR_FstClusLO, 28: DIR_FileSize
  assert.deepEqual(decodeFatDirectoryEntry(bytes, 0), entry);
});

Deno.test("directory entry: encode → decode round trip (property)", () => {
  const word = fc.integer({ min: 0, max: 0xffff });
  fc.assert(fc.property(
    fc.record({
      name: fc.string({ unit: fc.constantFrom(..."ABC~1 _$"), minLength: 11, maxLength: 11 }),
      attributes: fc.constantFrom(0x10, 0x20, 0x21, 0x08, 0x27),
      caseFlags: fc.constantFrom(0, 0x08, 0x10, 0x18),
      creationTimeTenths: fc.integer({ min: 0, max: 199 }),
      creationTime: word,
      creationDate: word,
      lastAccessDate: word,
      firstCluster: fc.integer({ min: 0, max: 0x0fffffff }),
      writeTime: word,
      writeDate: word,
      fileByteLength: fc.integer({ min: 0, max: 0xffffffff }),
    }),
    (entry) => assert.deepEqual(decodeFatDirectoryEntry(encodeFatDirectoryEntry(entry), 0), { ...entry }),
  ));
});

Deno.test("directory entry: decoding checks its structure", () => {
  assert.throws(
    () => decodeFatDirectoryEntry(mtoolsEntries, 0),
    (e: unknown) => e instanceof FormatError && e.location.field === "DIR_Attr",
  );
  assert.throws(() => decodeFatDirectoryEntry(mtoolsEntries, 80), FormatError); // fewer than 32 bytes left
  const badOrder = mtoolsEntries.slice(0, 32);
  badOrder[0] = 0x55; // sequence number 21
  assert.throws(
    () => decodeFatLongNameEntry(badOrder, 0),
    (e: unknown) => e instanceof FormatError && e.location.field === "LDIR_Ord",
  );
  assert.throws(() => encodeFatDirectoryEntry({ ...shortEntry, name: "SHORT" }), RangeError);
});

Deno.test("DOS time: UTC, 2-second steps, tenths for the odd second and milliseconds", () => {
  assert.deepEqual(encodeFatDateTime(new Date(Date.UTC(2026, 10, 23, 19, 54, 54))), {
    date: 0x5d77,
    time: 0x9edb,
    tenths: 0,
  });
  assert.deepEqual(encodeFatDateTime(new Date(Date.UTC(2026, 10, 23, 19, 54, 55, 370))), {
    date: 0x5d77,
    time: 0x9edb,
    tenths: 137,
  });
  assert.equal(decodeFatDateTime(0x5d77, 0x9edb, 137).toISOString(), "2026-11-23T19:54:55.370Z");
  assert.deepEqual(encodeFatDateTime(new Date(0)), { date: 0x0021, time: 0, tenths: 0 }); // clamped to 1980-01-01
  assert.equal(
    decodeFatDateTime(encodeFatDateTime(new Date(Date.UTC(2200, 0, 1))).date, 0xbf7d).getUTCFullYear(),
    2107,
  );
  assert.throws(() => decodeFatDateTime(0x0000, 0), RangeError); // day 0
});

Deno.test("DOS time: every instant in range round-trips to 10 ms (property)", () => {
  fc.assert(fc.property(
    fc.integer({ min: Date.UTC(1980, 0, 1), max: Date.UTC(2107, 11, 31, 23, 59, 59, 999) }),
    (ms) => {
      const { date, time, tenths } = encodeFatDateTime(new Date(ms));
      assert.equal(decodeFatDateTime(date, time, tenths).getTime(), ms - (ms % 10));
    },
  ));
});
