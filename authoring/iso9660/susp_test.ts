import assert from "node:assert/strict";
import fc from "fast-check";
import { FormatError } from "../../image/errors.ts";
import { ascii, concat, hex } from "./_hex.ts";
import { nameEntries, symlinkEntries } from "./rock_ridge.ts";
import { decodeSuspEntries, encodeSuspEntries, encodeSuspEntry, RRIP_1991A, type SuspEntry } from "./susp.ts";

const time = new Date(Date.UTC(2026, 10, 23, 19, 38, 27));

Deno.test("SUSP: the root '.' entries xorriso writes (joliet-rockridge.md §4)", () => {
  const entries: SuspEntry[] = [
    { signature: "SP", skipByteLength: 0 },
    { signature: "PX", mode: 0o40755, linkCount: 1, uid: 0, gid: 0 },
    { signature: "CE", blockLba: 21, byteOffset: 0, byteLength: 237 },
  ];
  assert.deepEqual(
    encodeSuspEntries(entries),
    hex(`
      53 50 07 01 be ef 00                                   # SP: check bytes BE EF, LEN_SKP 0
      50 58 24 01 ed410000 000041ed 01000000 00000001        # PX 36: mode 040755, nlink 1
                  00000000 00000000 00000000 00000000        #   uid 0, gid 0
      43 45 1c 01 15000000 00000015 00000000 00000000        # CE: block 21, offset 0
                  ed000000 000000ed                          #   length 237
    `),
  );
});

Deno.test("SUSP: RRIP_1991A ER is 237 bytes", () => {
  const bytes = encodeSuspEntry(RRIP_1991A);
  assert.equal(bytes.byteLength, 237);
  assert.deepEqual(bytes.subarray(0, 8), hex("45 52 ed 01 0a 54 87 01")); // ER, LEN 237, v1, 10/84/135, ext 1
  assert.deepEqual(bytes.subarray(8, 18), ascii("RRIP_1991A"));
});

Deno.test("Rock Ridge: SL for ../hello.txt and an absolute link (xorriso bytes)", () => {
  assert.deepEqual(
    encodeSuspEntries(symlinkEntries("../hello.txt")),
    concat(hex("53 4c 12 01 00 | 04 00 | 00 09"), ascii("hello.txt")), // SL LEN 18: PARENT, "hello.txt"
  );
  assert.deepEqual(
    encodeSuspEntries(symlinkEntries("/usr/share/doc/some/target")),
    concat(
      hex("53 4c 26 01 00 | 08 00"), // SL LEN 38, ROOT
      hex("00 03"),
      ascii("usr"),
      hex("00 05"),
      ascii("share"),
      hex("00 03"),
      ascii("doc"),
      hex("00 04"),
      ascii("some"),
      hex("00 06"),
      ascii("target"),
    ),
  );
});

Deno.test("Rock Ridge: TF with modify/access/attributes in 7-byte form is 26 bytes", () => {
  const bytes = encodeSuspEntry({ signature: "TF", flags: 0x0e, times: [time, time, time] });
  assert.deepEqual(bytes, hex("54 46 1a 01 0e 7e0b1713261b00 7e0b1713261b00 7e0b1713261b00"));
});

Deno.test("Rock Ridge: a 300-byte name becomes two NM entries, the first with CONTINUE", () => {
  const entries = nameEntries("x".repeat(300));
  assert.equal(entries.length, 2);
  assert.equal((entries[0] as { flags: number }).flags, 1);
  assert.equal((entries[1] as { flags: number }).flags, 0);
});

Deno.test("SUSP: decode stops at ST and at padding; a LEN_SUE past the end is a FormatError", () => {
  const bytes = concat(
    encodeSuspEntry({ signature: "RE" }),
    hex("53 54 04 01"),
    encodeSuspEntry({ signature: "RE" }),
  );
  assert.deepEqual(decodeSuspEntries(bytes).map((e) => e.signature), ["RE", "ST"]);
  assert.deepEqual(
    decodeSuspEntries(concat(encodeSuspEntry({ signature: "RE" }), new Uint8Array(3))).length,
    1,
  );
  assert.throws(() => decodeSuspEntries(hex("4e 4d 40 01 00"), 20), FormatError);
});

Deno.test("SUSP: entries round-trip (fast-check)", () => {
  const bytesArb = (max: number) => fc.uint8Array({ maxLength: max });
  const entryArb: fc.Arbitrary<SuspEntry> = fc.oneof(
    fc.record({ signature: fc.constant("SP" as const), skipByteLength: fc.integer({ min: 0, max: 255 }) }),
    fc.record({
      signature: fc.constant("CE" as const),
      blockLba: fc.nat({ max: 0xffffffff }),
      byteOffset: fc.nat({ max: 2047 }),
      byteLength: fc.nat({ max: 2048 }),
    }),
    fc.record({
      signature: fc.constant("PX" as const),
      mode: fc.nat({ max: 0xffff }),
      linkCount: fc.nat({ max: 1000 }),
      uid: fc.nat({ max: 0xffffffff }),
      gid: fc.nat({ max: 0xffffffff }),
    }).map((px) => ({ ...px, serialNumber: undefined })),
    fc.record({
      signature: fc.constant("NM" as const),
      flags: fc.integer({ min: 0, max: 7 }),
      name: bytesArb(250),
    }),
    fc.record({ signature: fc.constant("CL" as const), childLba: fc.nat({ max: 0xffffffff }) }),
    fc.record({ signature: fc.constant("PL" as const), parentLba: fc.nat({ max: 0xffffffff }) }),
    fc.constant({ signature: "RE" as const }),
    fc.string({ minLength: 1, maxLength: 200 }).map((t) => symlinkEntries(t.replace(/\0/g, ""))[0]),
  );
  fc.assert(fc.property(fc.array(entryArb, { maxLength: 6 }), (entries) => {
    const decoded = decodeSuspEntries(encodeSuspEntries(entries));
    assert.deepEqual(decoded, entries.map((e) => ({ ...e })));
  }));
});

Deno.test("SUSP: decoding random bytes gives entries or a FormatError, nothing else (fast-check)", () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
    try {
      decodeSuspEntries(bytes);
    } catch (error) {
      assert.ok(error instanceof FormatError, String(error));
    }
  }));
});
