import assert from "node:assert/strict";
import fc from "fast-check";
import type { CdTextFields } from "./disc.ts";
import {
  cdTextCrc,
  type CdTextDecoded,
  type CdTextInput,
  decodeCdTextPacks,
  encodeCdTextFile,
  encodeCdTextPacks,
} from "./cdtext.ts";
import { FormatError } from "./errors.ts";

/** Disc title "Hi", track 1 title "A": one TITLE pack and the three SIZE_INFO packs. */
const SMALL_PACKS = Uint8Array.of(
  // pack 0: TITLE (0x80), track 0, seq 0, block 0 / char pos 0; "Hi\0" (disc) "A\0" (track 1), zero fill; CRC
  0x80,
  0x00,
  0x00,
  0x00,
  0x48,
  0x69,
  0x00,
  0x41,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x11,
  0xf4,
  // pack 1: SIZE_INFO (0x8F) part 0: charset 0x00 ISO-8859-1, first track 1, last track 1, copyright 0,
  //         pack counts of types 0x80..0x87: 1 TITLE pack, none of the others
  0x8f,
  0x00,
  0x01,
  0x00,
  0x00,
  0x01,
  0x01,
  0x00,
  0x01,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x05,
  0x2a,
  // pack 2: SIZE_INFO part 1: counts of 0x88..0x8E (0), 3 SIZE_INFO packs, last seq of block 0 = 3, blocks 1..3: 0
  0x8f,
  0x01,
  0x02,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x03,
  0x03,
  0x00,
  0x00,
  0x00,
  0xa3,
  0xa4,
  // pack 3: SIZE_INFO part 2: last seq of blocks 4..7 (0), language of block 0 = 0x09 English, blocks 1..7: 0
  0x8f,
  0x02,
  0x03,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x09,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x17,
  0xe7,
);
const SMALL_DISC: CdTextInput = { cdText: { title: "Hi" }, tracks: [{ number: 1, cdText: { title: "A" } }] };

Deno.test("cdTextCrc: CRC-16/XMODEM inverted (XMODEM('123456789') = 0x31C3)", () => {
  assert.equal(cdTextCrc(new TextEncoder().encode("123456789")), 0x31c3 ^ 0xffff);
  for (let i = 0; i < SMALL_PACKS.length; i += 18) {
    assert.equal(
      cdTextCrc(SMALL_PACKS.subarray(i, i + 16)),
      (SMALL_PACKS[i + 16] << 8) | SMALL_PACKS[i + 17],
    );
  }
});

Deno.test("encodeCdTextPacks: the hand-written vector", () => {
  assert.deepEqual(encodeCdTextPacks(SMALL_DISC), SMALL_PACKS);
  const decoded = decodeCdTextPacks(SMALL_PACKS, "small", { strict: true });
  assert.deepEqual(decoded.cdText, { title: "Hi" });
  assert.deepEqual(decoded.tracks, [{ number: 1, cdText: { title: "A" } }]);
  assert.equal(decoded.languageCode, 0x09);
  assert.equal(decoded.characterCode, 0x00);
});

Deno.test("encodeCdTextFile: 4-byte header (length = packs + 2), then the packs", () => {
  const file = encodeCdTextFile(SMALL_DISC);
  assert.deepEqual([...file.subarray(0, 4)], [0x00, 4 * 18 + 2, 0x00, 0x00]);
  assert.deepEqual(file.subarray(4), SMALL_PACKS);
  assert.equal(encodeCdTextFile({ tracks: [{ number: 1, isrc: "USABC9912345" }] }).length, 0);
});

Deno.test("encodeCdTextPacks: strings span packs with track numbers and character positions", () => {
  const packs = encodeCdTextPacks({
    cdText: { title: "Album" },
    tracks: [{ number: 1, cdText: { title: "Song One is long" } }, { number: 2, cdText: { title: "Two" } }],
  });
  // "Album\0Song O" | "ne is long\0T" | "wo\0"
  assert.deepEqual([...packs.subarray(18, 22)], [0x80, 0x01, 0x01, 0x06]); // track 1, char position 6
  assert.deepEqual([...packs.subarray(36, 40)], [0x80, 0x02, 0x02, 0x01]); // track 2, char position 1
  assert.equal(String.fromCharCode(...packs.subarray(22, 34)), "ne is long\0T");
});

Deno.test("encodeCdTextPacks: character position saturates at 15", () => {
  const packs = encodeCdTextPacks({ cdText: { title: "x".repeat(40) }, tracks: [{ number: 1 }] });
  assert.deepEqual([packs[3], packs[18 + 3], packs[36 + 3], packs[54 + 3]], [0, 12, 15, 15]);
});

Deno.test("encodeCdTextPacks: GENRE as code + text, catalog and ISRC in 0x8E, DISC_ID", () => {
  const packs = encodeCdTextPacks({
    cdText: { genre: "jazz", discId: "860A640B" },
    catalog: "0123456789012",
    tracks: [{ number: 3, isrc: "USABC9912345" }],
  });
  const types = [];
  for (let i = 0; i < packs.length; i += 18) types.push(packs[i]);
  assert.deepEqual(types, [0x86, 0x87, 0x8e, 0x8e, 0x8e, 0x8f, 0x8f, 0x8f]); // 0x8E: 14 + 13 bytes
  assert.deepEqual([...packs.subarray(18 + 4, 18 + 10)], [0x00, 14, 0x6a, 0x61, 0x7a, 0x7a]); // code 14 Jazz, "jazz"
  const decoded = decodeCdTextPacks(packs, "g", { strict: true });
  assert.equal(decoded.genreCode, 14);
  assert.deepEqual(decoded.cdText, { genre: "jazz", discId: "860A640B", upcIsrc: "0123456789012" });
  assert.deepEqual(decoded.tracks, [{ number: 3, cdText: { upcIsrc: "USABC9912345" } }]);
  assert.equal(decoded.firstTrack, 3);
  // an unknown genre is code 1 "Not Defined" with the text
  const other = encodeCdTextPacks({ cdText: { genre: "Synthwave" }, tracks: [{ number: 1 }] });
  assert.deepEqual([other[4], other[5]], [0x00, 0x01]);
});

Deno.test("encodeCdTextPacks: TAB for a repeated track string (option), decoded back", () => {
  const disc: CdTextInput = {
    cdText: { performer: "Band" },
    tracks: [1, 2, 3].map((number) => ({ number, cdText: { performer: "Same Artist" } })),
  };
  const plain = encodeCdTextPacks(disc);
  const tabbed = encodeCdTextPacks(disc, { useTab: true });
  assert.ok(tabbed.length < plain.length);
  let data = "";
  for (let i = 0; i < tabbed.length; i += 18) {
    if (tabbed[i] === 0x81) data += String.fromCharCode(...tabbed.subarray(i + 4, i + 16));
  }
  assert.ok(data.startsWith("Band\0Same Artist\0\t\0\t\0"), JSON.stringify(data));
  for (const bytes of [plain, tabbed]) {
    const decoded = decodeCdTextPacks(bytes, "tab", { strict: true });
    assert.deepEqual(decoded.tracks.map((t) => t.cdText?.performer), [
      "Same Artist",
      "Same Artist",
      "Same Artist",
    ]);
  }
});

Deno.test("encodeCdTextPacks: refusals name the field", () => {
  assert.throws(
    () => encodeCdTextPacks({ tracks: [{ number: 1 }, { number: 2, cdText: { title: "Café €" } }] }),
    (e: unknown) => e instanceof RangeError && /track 2 TITLE "Café €".*U\+20AC.*ISO-8859-1/.test(e.message),
  );
  assert.throws(
    () => encodeCdTextPacks({ cdText: { performer: "a\nb" }, tracks: [{ number: 1 }] }),
    (e: unknown) => e instanceof RangeError && /disc PERFORMER/.test(e.message),
  );
  assert.throws(
    () => encodeCdTextPacks({ tracks: [{ number: 1, cdText: { genre: "Rock" } }] }),
    (e: unknown) => e instanceof RangeError && /track 1 has GENRE "Rock".*disc only/.test(e.message),
  );
  assert.throws(
    () => encodeCdTextPacks({ tracks: [{ number: 1 }, { number: 3, cdText: { title: "x" } }] }),
    RangeError,
  );
  assert.throws(() => encodeCdTextPacks({ tracks: [] }), RangeError);
  assert.throws(
    () => encodeCdTextPacks({ cdText: { message: "m".repeat(4000) }, tracks: [{ number: 1 }] }),
    (e: unknown) => e instanceof RangeError && /256/.test(e.message),
  );
  // Latin-1 letters are fine
  const packs = encodeCdTextPacks({ cdText: { title: "Déjà vu ÿ" }, tracks: [{ number: 1 }] });
  assert.equal(decodeCdTextPacks(packs, "l", { strict: true }).cdText?.title, "Déjà vu ÿ");
});

Deno.test("decodeCdTextPacks: header, trailing 0x00, and bad lengths", () => {
  const file = encodeCdTextFile(SMALL_DISC);
  for (const bytes of [SMALL_PACKS, file, Uint8Array.of(...file, 0), Uint8Array.of(...SMALL_PACKS, 0)]) {
    assert.equal(decodeCdTextPacks(bytes, "f", { strict: true }).cdText?.title, "Hi");
  }
  // READ TOC answers count the trailing byte in the header's length too
  const withNul = Uint8Array.of(...file, 0);
  withNul[1]++;
  assert.equal(decodeCdTextPacks(withNul, "f", { strict: true }).packCount, 4);
  assert.throws(() => decodeCdTextPacks(SMALL_PACKS.subarray(0, 20), "bad.cdt", {}), /"bad\.cdt": 20 bytes/);
  assert.throws(() => decodeCdTextPacks(new Uint8Array(0), "e.cdt"), FormatError);
  const wrongHeader = file.slice();
  wrongHeader[1] = 9;
  assert.throws(() => decodeCdTextPacks(wrongHeader, "h", { strict: true }), /header says 9 bytes/);
  const diagnostics: string[] = [];
  assert.equal(decodeCdTextPacks(wrongHeader, "h", { diagnostics }).cdText?.title, "Hi");
  assert.equal(diagnostics.length, 1);
});

Deno.test("decodeCdTextPacks: CRC errors name the pack (strict) or are reported (lenient)", () => {
  const bad = SMALL_PACKS.slice();
  bad[18 + 16] ^= 0xff; // pack 1's CRC
  assert.throws(
    () => decodeCdTextPacks(bad, "c.cdt", { strict: true }),
    (e: unknown) => e instanceof FormatError && /"c\.cdt": pack 1 \(type 0x8f\) has CRC/.test(e.message),
  );
  const diagnostics: string[] = [];
  const decoded = decodeCdTextPacks(bad, "c.cdt", { diagnostics });
  assert.equal(decoded.cdText?.title, "Hi");
  assert.equal(diagnostics.length, 1);
  assert.match(diagnostics[0], /pack 1/);
  // all CRCs zero: some writers leave them out; lenient reads with one note
  const zero = SMALL_PACKS.slice();
  for (let i = 0; i < zero.length; i += 18) zero[i + 16] = zero[i + 17] = 0;
  const notes: string[] = [];
  assert.equal(decodeCdTextPacks(zero, "z", { diagnostics: notes }).tracks[0].cdText?.title, "A");
  assert.equal(notes.length, 1);
  assert.throws(() => decodeCdTextPacks(zero, "z", { strict: true }), FormatError);
});

Deno.test("decodeCdTextPacks: SIZE_INFO missing or inconsistent", () => {
  const noSize = SMALL_PACKS.subarray(0, 18);
  assert.throws(() => decodeCdTextPacks(noSize, "n", { strict: true }), /0 SIZE_INFO/);
  const diagnostics: string[] = [];
  const decoded = decodeCdTextPacks(noSize, "n", { diagnostics });
  assert.deepEqual(decoded.tracks, [{ number: 1, cdText: { title: "A" } }]);
  assert.equal(diagnostics.length, 1);
});

Deno.test("decodeCdTextPacks: other blocks are skipped", () => {
  const packs = SMALL_PACKS.slice();
  // move everything to block 1 except the first pack, then fix CRCs
  const copy = Uint8Array.of(...packs, ...packs.subarray(0, 18));
  copy[72 + 3] = 0x10;
  const crc = cdTextCrc(copy.subarray(72, 88));
  copy[88] = crc >> 8;
  copy[89] = crc & 0xff;
  const diagnostics: string[] = [];
  assert.equal(decodeCdTextPacks(copy, "b", { strict: true, diagnostics }).cdText?.title, "Hi");
  assert.match(diagnostics[0], /blocks 1/);
});

const latin1Text = fc.array(
  fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0xa0, max: 0xff })),
  { minLength: 1, maxLength: 40 },
).map((codes) => String.fromCharCode(...codes)).filter((s) => s !== "\t");
const optionalText = fc.option(latin1Text, { nil: undefined });
const trackFields = fc.record({
  title: optionalText,
  performer: optionalText,
  songwriter: optionalText,
  composer: optionalText,
  arranger: optionalText,
  message: optionalText,
  upcIsrc: optionalText,
}, { requiredKeys: [] });
const discArb = fc.record({
  cdText: fc.record({
    title: optionalText,
    performer: optionalText,
    message: optionalText,
    discId: optionalText,
    genre: optionalText,
    upcIsrc: optionalText,
  }, { requiredKeys: [] }),
  first: fc.integer({ min: 1, max: 90 }),
  tracks: fc.array(trackFields, { minLength: 1, maxLength: 9 }),
  useTab: fc.boolean(),
});

function clean(fields: CdTextFields | undefined): CdTextFields | undefined {
  const entries = Object.entries(fields ?? {}).filter(([, v]) => v !== undefined);
  return entries.length ? Object.fromEntries(entries) : undefined;
}

Deno.test("CD-TEXT round trip (property): encode → decode gives the fields back", () => {
  fc.assert(
    fc.property(discArb, ({ cdText, first, tracks, useTab }) => {
      const disc: CdTextInput = {
        cdText,
        tracks: tracks.map((t, i) => ({ number: first + i, cdText: t })),
      };
      let packs: Uint8Array;
      try {
        packs = encodeCdTextFile(disc, { useTab });
      } catch (error) {
        if (error instanceof RangeError && /packs/.test(error.message)) return; // too much text
        throw error;
      }
      const anyText = clean(cdText) || tracks.some(clean);
      if (!anyText) return assert.equal(packs.length, 0);
      const decoded: CdTextDecoded = decodeCdTextPacks(packs, "p", { strict: true });
      assert.deepEqual(decoded.cdText, clean(cdText));
      assert.deepEqual(
        decoded.tracks,
        disc.tracks.map((t) => ({ number: t.number, cdText: clean(t.cdText) })),
      );
      assert.equal(decoded.firstTrack, first);
      assert.equal(decoded.lastTrack, first + tracks.length - 1);
    }),
    { numRuns: 300 },
  );
});

Deno.test("decodeCdTextPacks fuzz: only FormatError escapes (strict and lenient)", () => {
  const valid = encodeCdTextFile({
    cdText: { title: "Album", performer: "Band", genre: "Rock Music" },
    catalog: "0123456789012",
    tracks: [{ number: 1, cdText: { title: "One" }, isrc: "USABC9912345" }, {
      number: 2,
      cdText: { title: "Two" },
    }],
  });
  const mutated = fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), {
    maxLength: 8,
  })
    .map((edits) => {
      const bytes = valid.slice();
      for (const [at, value] of edits) bytes[at] = value;
      return bytes;
    });
  const arb = fc.oneof(
    mutated,
    fc.uint8Array({ maxLength: 200 }),
    fc.uint8Array({ maxLength: 200 }).map((b) => {
      // random packs with valid CRCs
      const bytes = b.subarray(0, b.length - (b.length % 18)).slice();
      for (let i = 0; i < bytes.length; i += 18) {
        bytes[i] = 0x80 | (bytes[i] & 0x0f);
        const crc = cdTextCrc(bytes.subarray(i, i + 16));
        bytes[i + 16] = crc >> 8;
        bytes[i + 17] = crc & 0xff;
      }
      return bytes;
    }),
  );
  fc.assert(
    fc.property(arb, fc.boolean(), (bytes, strict) => {
      try {
        decodeCdTextPacks(bytes, "fuzz", { strict, diagnostics: [] });
      } catch (error) {
        if (!(error instanceof FormatError)) throw error;
      }
    }),
    { numRuns: 2000 },
  );
});
