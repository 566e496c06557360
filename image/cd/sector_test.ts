import assert from "node:assert/strict";
import fc from "fast-check";
import { computeEdc, EDC_TABLE } from "./edc.ts";
import { writeEcc, writeEccBytewise } from "./ecc.ts";
import {
  checkRawSector,
  classifyRawSector,
  encodeMode1Sector,
  encodeMode2Form1Sector,
  encodeMode2Form2Sector,
  FORM1_SUBHEADER,
  FORM2_SUBHEADER,
  userDataOf,
} from "./sector.ts";

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  return hex(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)));
}

Deno.test("EDC: table entries and the check value of cd-sectors.md §3", () => {
  assert.equal(EDC_TABLE[1], 0x90910101);
  assert.equal(EDC_TABLE[2], 0x91210201);
  assert.equal(EDC_TABLE[3], 0x01b00300);
  assert.equal(computeEdc(new TextEncoder().encode("123456789"), 0, 9), 0x6ec2edc4);
});

Deno.test("EDC (eight bytes a step) equals the byte-at-a-time definition at every length and start", () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(8), (bytes, start) => {
    const s = Math.min(start, bytes.byteLength);
    let c = 0;
    for (let i = s; i < bytes.byteLength; i++) c = (c >>> 8) ^ EDC_TABLE[(c ^ bytes[i]) & 0xff];
    assert.equal(computeEdc(bytes, s, bytes.byteLength), c >>> 0);
  }));
});

// cd-sectors.md §9 vectors.
const P0 =
  "00f700f5000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000005235b87d000000000000000000f500f4000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000009726d0560000000000000000";
const Q0 =
  "004100000000000000000000000000000000000000002d172e1bb148b24400000000000000000000000000000000006500c200e600430000000000000000000000000000000000000000453c5375332b256200000000000000000000000000000000009000c10012";
const P16 =
  "00f7eff500000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000d93900e1000000000000000000f5f9f400000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000652e00be0000000000000000";
const Q16 =
  "0041000000000000000000000000000000000000000000f4b7c2c4ad739b000000000000000000000000000000005d65a0c2fde60043000000000000000000000000000000000000000000ab0b341d2a16b500000000000000000000000000000000b29059c1eb12";

Deno.test("Mode 1 vectors: LBA 0 and 16 all zero (full P/Q), LBA 150 with data[i] = i", async () => {
  const s = new Uint8Array(2352);
  encodeMode1Sector(0, undefined, s);
  assert.equal(hex(s.subarray(12, 16)), "00020001");
  assert.equal(hex(s.subarray(2064, 2068)), "c513682b");
  assert.equal(hex(s.subarray(2076, 2248)), P0);
  assert.equal(hex(s.subarray(2248, 2352)), Q0);
  assert.equal(await sha256(s), "b4f18ab66709c9b3fdef2721cc323e031b6728f3ca6c57b7c435c96189222250");

  encodeMode1Sector(16, undefined, s);
  assert.equal(hex(s.subarray(12, 16)), "00021601");
  assert.equal(hex(s.subarray(2064, 2068)), "bc17005f");
  assert.equal(hex(s.subarray(2076, 2248)), P16);
  assert.equal(hex(s.subarray(2248, 2352)), Q16);
  assert.equal(await sha256(s), "835dc0be84939e86244c0573e7d6a7cea535e65917f0a63ff9149610c1d9f674");

  encodeMode1Sector(150, new Uint8Array(2048).map((_, i) => i & 0xff), s);
  assert.equal(hex(s.subarray(12, 16)), "00040001");
  assert.equal(hex(s.subarray(2064, 2068)), "7a9004d2");
  assert.equal(hex(s.subarray(2076, 2084)), "4217c7942172d586");
  assert.equal(hex(s.subarray(2248 + 96, 2352)), "d9d22a7dd0fa6560");
  assert.equal(await sha256(s), "4c74f52b10e93f084c8b06ed203abb3006b245ba80e8cb5d17b7b691f8c6395f");
});

Deno.test("Mode 2 Form 1 and Form 2 vectors", async () => {
  const s = new Uint8Array(2352);
  encodeMode2Form1Sector(0, new Uint8Array(4), undefined, s);
  assert.equal(hex(s.subarray(12, 16)), "00020002");
  assert.equal(await sha256(s), "b135001db6f6413e5058381b96846124b3d25b70fcf788cccdefb58c45ff4eb9");
  encodeMode2Form1Sector(16, FORM1_SUBHEADER, undefined, s);
  assert.equal(hex(s.subarray(2072, 2076)), "0b888194");
  assert.equal(hex(s.subarray(2076, 2084)), "000000000000fb00");
  assert.equal(await sha256(s), "f27131ff9a1153465668337a364a52f5b314cbb2ce0dbd7bab816ab5ee7bdfda");
  encodeMode2Form2Sector(0, FORM2_SUBHEADER, undefined, s);
  assert.equal(hex(s.subarray(2348, 2352)), "3f13b0be");
  assert.equal(await sha256(s), "7642dcde6dc9ef4bb2f5071ba19207bb8f0d56da1b530dfc5205fcd7499322af");
});

Deno.test("encode → classify → user data → check is sound; one flipped byte is caught", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: -150, max: 400_000 }),
      fc.uint8Array({ minLength: 2048, maxLength: 2048 }),
      fc.boolean(),
      fc.integer({ min: 12, max: 2351 }),
      (lba, data, form1, flip) => {
        const s = new Uint8Array(2352);
        if (form1) encodeMode2Form1Sector(lba, FORM1_SUBHEADER, data, s);
        else encodeMode1Sector(lba, data, s);
        assert.equal(classifyRawSector(s), form1 ? "mode2-form1" : "mode1");
        assert.deepEqual(userDataOf(s), data);
        assert.deepEqual(checkRawSector(s, 0, lba), []);
        if (flip === 15) return; // the mode byte: another mode is another (sound) kind of sector
        if (form1 && flip >= 16 && flip < 24) return; // a sub-header copy change makes it formless
        s[flip] ^= 0x01;
        assert.notDeepEqual(checkRawSector(s, 0, lba), [], `flip at ${flip}`);
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("classification: audio without sync, modes by byte 15, form by sub-mode bit 5", () => {
  const s = new Uint8Array(2352).fill(0x55);
  assert.equal(classifyRawSector(s), "audio");
  assert.equal(userDataOf(s).byteLength, 2352);
  assert.deepEqual(checkRawSector(s), []);
  encodeMode2Form2Sector(5, FORM2_SUBHEADER, undefined, s);
  assert.equal(classifyRawSector(s), "mode2-form2");
  assert.equal(userDataOf(s).byteLength, 2324);
  assert.deepEqual(checkRawSector(s, 0, 5), []);
});

Deno.test("ECC: four codewords a step (32-bit) equal the byte-at-a-time definition on any sector (fast-check)", () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 2352, maxLength: 2352 }), fc.nat(3), (sector, shift) => {
      // At offsets 0 and 2 (word-aligned: the fast path) and 1 and 3 (the byte-wise path itself).
      const a = new Uint8Array(2352 + 4), b = new Uint8Array(2352 + 4);
      a.set(sector, shift);
      b.set(sector, shift);
      writeEcc(a, shift);
      writeEccBytewise(b, shift);
      assert.deepEqual(a, b);
    }),
    { numRuns: 300 },
  );
});
