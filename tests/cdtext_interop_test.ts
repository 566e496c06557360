/**
 * CD-TEXT against libburn (the library behind cdrskin and xorriso), called through Deno FFI since no
 * installed command reads `.cdt` files without a drive:
 * - `burn_cdtext_from_packfile` loads our `.cdt` file (header checked against the file size), and
 *   `burn_make_input_sheet_v07t` turns the packs into a Sony Input Sheet 0.7T text: it must list
 *   our strings.
 * - `burn_cdtext_from_session` encodes the same text on a libburn session: its packs must equal
 *   ours byte for byte (libburn writes TAB for repeated track strings: we compare with useTab).
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  CD_TEXT_PACK_BYTES,
  type CdTextInput,
  encodeCdTextFile,
  encodeCdTextPacks,
} from "../image/cdtext.ts";
import type { CdTextFields } from "../image/disc.ts";
import { tempDir, toolTest } from "./_tools.ts";

const LIBBURN = "/usr/lib/x86_64-linux-gnu/libburn.so.4";

const SYMBOLS = {
  burn_initialize: { parameters: [], result: "i32" },
  burn_msgs_set_severities: { parameters: ["buffer", "buffer", "buffer"], result: "i32" },
  burn_cdtext_from_packfile: { parameters: ["buffer", "buffer", "buffer", "i32"], result: "i32" },
  burn_make_input_sheet_v07t: {
    parameters: ["pointer", "i32", "i32", "i32", "buffer", "buffer", "i32"],
    result: "i32",
  },
  burn_session_create: { parameters: [], result: "pointer" },
  burn_track_create: { parameters: [], result: "pointer" },
  burn_session_add_track: { parameters: ["pointer", "pointer", "u32"], result: "i32" },
  burn_session_set_cdtext: {
    parameters: ["pointer", "i32", "i32", "buffer", "buffer", "i32", "i32"],
    result: "i32",
  },
  burn_track_set_cdtext: {
    parameters: ["pointer", "i32", "i32", "buffer", "buffer", "i32", "i32"],
    result: "i32",
  },
  burn_session_set_cdtext_par: {
    parameters: ["pointer", "buffer", "buffer", "buffer", "i32"],
    result: "i32",
  },
  burn_session_set_start_tno: { parameters: ["pointer", "i32", "i32"], result: "i32" },
  burn_cdtext_from_session: { parameters: ["pointer", "buffer", "buffer", "i32"], result: "i32" },
} as const;

type Libburn = Deno.DynamicLibrary<typeof SYMBOLS>;

let opened: Libburn | undefined;
function libburn(): Libburn {
  if (!opened) {
    opened = Deno.dlopen(LIBBURN, SYMBOLS);
    assert.equal(opened.symbols.burn_initialize(), 1);
    opened.symbols.burn_msgs_set_severities(cstr("NEVER"), cstr("SORRY"), cstr("libburn: "));
  }
  return opened;
}

const cstr = (text: string) => new TextEncoder().encode(text + "\0");
const latin1z = (text: string) => Uint8Array.from([...text].map((c) => c.charCodeAt(0)).concat(0));

/** Packs libburn loads from a `.cdt` file. */
function loadPackfile(path: string): Uint8Array {
  const lib = libburn();
  const packsOut = new BigUint64Array(1);
  const countOut = new Int32Array(1);
  const ret = lib.symbols.burn_cdtext_from_packfile(cstr(path), packsOut, countOut, 0);
  assert.ok(ret > 0, `burn_cdtext_from_packfile returned ${ret}`);
  const view = new Deno.UnsafePointerView(Deno.UnsafePointer.create(packsOut[0])!);
  return new Uint8Array(view.getArrayBuffer(countOut[0] * CD_TEXT_PACK_BYTES)).slice();
}

/** libburn's v07t report of a pack array. */
function inputSheet(packs: Uint8Array, firstTrack: number, trackCount: number): string {
  const lib = libburn();
  const resultOut = new BigUint64Array(1);
  const charCode = new Int32Array(1);
  const packsCopy = packs.slice();
  const ret = lib.symbols.burn_make_input_sheet_v07t(
    Deno.UnsafePointer.of(packsCopy),
    packs.length / CD_TEXT_PACK_BYTES,
    firstTrack,
    trackCount,
    resultOut,
    charCode,
    0,
  );
  assert.ok(ret > 0, `burn_make_input_sheet_v07t returned ${ret}`);
  const view = new Deno.UnsafePointerView(Deno.UnsafePointer.create(resultOut[0])!);
  return new TextDecoder("latin1").decode(new Uint8Array(view.getArrayBuffer(ret))); // ISO-8859-1 text
}

const TEXT_TYPES: [number, keyof CdTextFields][] = [
  [0x80, "title"],
  [0x81, "performer"],
  [0x82, "songwriter"],
  [0x83, "composer"],
  [0x84, "arranger"],
  [0x85, "message"],
];

/** libburn's encoding of the same text (as cdrskin would write it into the lead-in). */
function libburnPacks(disc: CdTextInput): Uint8Array {
  const lib = libburn();
  const session = lib.symbols.burn_session_create();
  const tracks = disc.tracks.map(() => lib.symbols.burn_track_create());
  for (const track of tracks) assert.equal(lib.symbols.burn_session_add_track(session, track, 100), 1);
  assert.equal(lib.symbols.burn_session_set_start_tno(session, disc.tracks[0].number, 0), 1);
  const setDisc = (type: number, payload: Uint8Array) =>
    assert.ok(lib.symbols.burn_session_set_cdtext(session, 0, type, null, payload, payload.length, 0) > 0);
  const trackValue = (i: number, field: keyof CdTextFields) =>
    field === "upcIsrc"
      ? disc.tracks[i].cdText?.upcIsrc ?? disc.tracks[i].isrc
      : disc.tracks[i].cdText?.[field];
  for (const [type, field] of [...TEXT_TYPES, [0x8e, "upcIsrc"] as [number, keyof CdTextFields]]) {
    const discValue = field === "upcIsrc" ? disc.cdText?.upcIsrc ?? disc.catalog : disc.cdText?.[field];
    const values = disc.tracks.map((_, i) => trackValue(i, field));
    if (!discValue && !values.some(Boolean)) continue;
    setDisc(type, latin1z(discValue ?? ""));
    values.forEach((value, i) => {
      if (!value) return;
      const payload = latin1z(value);
      assert.ok(lib.symbols.burn_track_set_cdtext(tracks[i], 0, type, null, payload, payload.length, 0) > 0);
    });
  }
  if (disc.cdText?.discId) setDisc(0x86, latin1z(disc.cdText.discId));
  if (disc.cdText?.genre) throw new Error("genre: pass its code explicitly in this helper");
  const languages = new Int32Array(8);
  languages[0] = 0x09;
  assert.equal(
    lib.symbols.burn_session_set_cdtext_par(session, new Int32Array(8), new Int32Array(8), languages, 0),
    1,
  );
  const packsOut = new BigUint64Array(1);
  const countOut = new Int32Array(1);
  assert.equal(lib.symbols.burn_cdtext_from_session(session, packsOut, countOut, 0), 1);
  if (countOut[0] === 0) return new Uint8Array(0);
  const view = new Deno.UnsafePointerView(Deno.UnsafePointer.create(packsOut[0])!);
  return new Uint8Array(view.getArrayBuffer(countOut[0] * CD_TEXT_PACK_BYTES)).slice();
}

const ALBUM: CdTextInput = {
  cdText: {
    title: "Album Title",
    performer: "The Band",
    songwriter: "Writer",
    message: "Hello",
    discId: "XY123",
  },
  catalog: "0123456789012",
  tracks: [
    { number: 1, cdText: { title: "First Song, a long one", performer: "The Band" }, isrc: "USABC9912345" },
    {
      number: 2,
      cdText: { title: "Second", performer: "The Band", composer: "Élodie" },
      isrc: "USABC9912346",
    },
    { number: 3, cdText: { title: "Third" } },
  ],
};

toolTest("libburn loads our .cdt file and reports our strings (v07t sheet)", [LIBBURN], async () => {
  await using tmp = await tempDir("cdtext-");
  const path = `${tmp.path}/album.cdt`;
  const file = encodeCdTextFile({ ...ALBUM, cdText: { ...ALBUM.cdText, genre: "Rock Music" } });
  await Deno.writeFile(path, file);
  const packs = loadPackfile(path);
  assert.deepEqual(packs, file.subarray(4)); // header recognised and removed, packs untouched
  const sheet = inputSheet(packs, 1, 3);
  const expected = [
    /Text Code\s+= 8859/,
    /Language Code\s+= English/,
    /Album Title\s+= Album Title/,
    /Artist Name\s+= The Band/,
    /Songwriter\s+= Writer/,
    /Album Message\s+= Hello/,
    /Catalog Number\s+= XY123/, // libburn's name for DISC_ID (0x86)
    /Genre Code\s+= Rock Music/,
    /Genre Information\s+= Rock Music/,
    /UPC \/ EAN\s+= 0123456789012/,
    /First Track Number\s+= 1/,
    /Last Track Number\s+= 3/,
    /Track 01 Title\s+= First Song, a long one/,
    /Track 02 Composer\s+= \u00c9lodie/,
    /ISRC 01\s+= USABC9912345/,
    /ISRC 02\s+= USABC9912346/,
    /Track 03 Title\s+= Third/,
  ];
  for (const pattern of expected) assert.match(sheet, pattern, sheet);
});

toolTest("libburn encodes the same text to the same packs, byte for byte", [LIBBURN], () => {
  const ours = encodeCdTextPacks(ALBUM, { useTab: true });
  assert.deepEqual(ours, libburnPacks(ALBUM));
  return Promise.resolve();
});

toolTest("libburn and ours agree on random text (property)", [LIBBURN], () => {
  const text = fc.array(
    fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0xa0, max: 0xff })),
    {
      minLength: 1,
      maxLength: 30,
    },
  ).map((codes) => String.fromCharCode(...codes)).filter((s) => s !== "\t");
  const fields = fc.record({
    title: fc.option(text, { nil: undefined }),
    performer: fc.option(fc.constantFrom("A", "Same", "Other artist"), { nil: undefined }),
    message: fc.option(text, { nil: undefined }),
    upcIsrc: fc.option(text, { nil: undefined }),
  }, { requiredKeys: [] });
  fc.assert(
    fc.property(
      fields,
      fc.option(text, { nil: undefined }),
      fc.integer({ min: 1, max: 80 }),
      fc.array(fields, { minLength: 1, maxLength: 12 }),
      (discFields, discId, first, trackFields) => {
        const disc: CdTextInput = {
          cdText: { ...discFields, discId },
          tracks: trackFields.map((cdText, i) => ({ number: first + i, cdText })),
        };
        let ours: Uint8Array;
        try {
          ours = encodeCdTextPacks(disc, { useTab: true });
        } catch (error) {
          if (error instanceof RangeError && /packs/.test(error.message)) return;
          throw error;
        }
        assert.deepEqual(ours, libburnPacks(disc));
      },
    ),
    { numRuns: 200 },
  );
  return Promise.resolve();
});
