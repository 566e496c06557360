import assert from "node:assert/strict";
import fc from "fast-check";
import {
  assignIsoNames,
  assignJolietNames,
  compareIsoNames,
  compareJolietNames,
  DEFAULT_ISO_NAMING,
  isoNameFor,
  type IsoNamingRules,
  jolietNameFor,
} from "./names.ts";

const level3: IsoNamingRules = { ...DEFAULT_ISO_NAMING, level: 3 };
const show = (n: { base: string; extension: string }) => `${n.base}.${n.extension}`;

Deno.test("ISO names at level 1 match xorriso's observed mangling (iso9660.md §2)", () => {
  assert.equal(show(isoNameFor("a.b.c.d", false, DEFAULT_ISO_NAMING)), "A_B_C.D");
  assert.equal(show(isoNameFor(".hidden", false, DEFAULT_ISO_NAMING)), "_HIDDEN.");
  assert.equal(show(isoNameFor("NOEXT", false, DEFAULT_ISO_NAMING)), "NOEXT.");
  assert.equal(show(isoNameFor("lower case+plus~tilde.tar.gz", false, DEFAULT_ISO_NAMING)), "LOWER_CA.GZ");
  assert.equal(isoNameFor("some.dir", true, DEFAULT_ISO_NAMING).base, "SOME_DIR");
});

Deno.test("ISO names: 60 colliding names get FILE_N00..FILE_N59 as xorriso writes", () => {
  const names = assignIsoNames(
    Array.from({ length: 60 }, (_, i) => ({ name: `file_number_${i}.txt`, isDirectory: false })),
    DEFAULT_ISO_NAMING,
  );
  assert.deepEqual(
    names.map(show),
    Array.from({ length: 60 }, (_, i) => `FILE_N${String(i).padStart(2, "0")}.TXT`),
  );
});

Deno.test("ISO names: level 3 keeps 30 characters (NAME + EXT)", () => {
  const n = isoNameFor("a_very_long_file_name_that_goes_on_and_on.iso", false, level3);
  assert.equal(n.base.length + n.extension.length, 30);
  assert.equal(n.extension, "ISO");
});

Deno.test("ISO names: assigned names are unique and within limits (fast-check)", () => {
  const nameArb = fc.string({ minLength: 1, maxLength: 40 }).filter((s) =>
    !s.includes("/") && s !== "." && s !== ".."
  );
  fc.assert(
    fc.property(
      fc.uniqueArray(nameArb, { maxLength: 50 }),
      fc.constantFrom(1, 2, 3) as fc.Arbitrary<1 | 2 | 3>,
      (names, level) => {
        const rules = { ...DEFAULT_ISO_NAMING, level };
        const assigned = assignIsoNames(names.map((name) => ({ name, isDirectory: false })), rules);
        assert.equal(new Set(assigned.map(show)).size, assigned.length);
        for (const n of assigned) {
          assert.match(n.base + n.extension, /^[A-Z0-9_]*$/);
          if (level === 1) assert.ok(n.base.length <= 8 && n.extension.length <= 3, show(n));
          else assert.ok(n.base.length + n.extension.length <= 30, show(n));
        }
      },
    ),
  );
});

Deno.test("ISO order: NAME padded with spaces, then EXT (EFI < EFIBOOT.IMG)", () => {
  assert.ok(compareIsoNames({ base: "EFI", extension: "" }, { base: "EFIBOOT", extension: "IMG" }) < 0);
  assert.ok(compareIsoNames({ base: "A", extension: "Z" }, { base: "A", extension: "ZZ" }) < 0);
});

Deno.test("Joliet: forbidden and non-BMP characters, order, length limit", () => {
  assert.deepEqual(jolietNameFor("emoji_😀.txt", 64), { name: "emoji___.txt", truncated: false });
  assert.deepEqual(jolietNameFor("a:b*c?.txt", 64).name, "a_b_c_.txt");
  const long = jolietNameFor("x".repeat(120) + ".txt", 64);
  assert.equal(long.name.length, 64);
  assert.ok(long.name.endsWith(".txt") && long.truncated);
  const sorted = ["ab.d", "ab", "ab.c1", "ab-", "ab.c"].sort(compareJolietNames);
  assert.deepEqual(sorted, ["ab", "ab-", "ab.c", "ab.c1", "ab.d"]); // joliet-rockridge.md §1.3
  const assigned = assignJolietNames([{ name: "x".repeat(70) + "1" }, { name: "x".repeat(70) + "2" }], 64);
  assert.equal(new Set(assigned).size, 2);
  assert.ok(assigned.every((n) => n.length <= 64));
});

Deno.test("ISO names: 500 names in five colliding groups stay unique (FILE_000..FILE_499)", () => {
  const children = Array.from({ length: 500 }, (_, i) => ({
    name: `file_${String(i).padStart(5, "0")}.dat`,
    isDirectory: false,
  }));
  const names = assignIsoNames(children, DEFAULT_ISO_NAMING).map(show);
  assert.equal(new Set(names).size, 500);
  assert.deepEqual(names.slice(0, 2), ["FILE_000.DAT", "FILE_001.DAT"]);
  assert.equal(names[499], "FILE_499.DAT");
});

// The character mapping written the plain way (one code point at a time), as an oracle for the
// table-driven one in names.ts.
function referenceMapChars(text: string, rules: IsoNamingRules): string {
  let out = "";
  for (const ch of text) {
    if (ch.length !== 1) out += "_";
    else if (rules.untranslated || rules.relaxedFilenames) {
      const code = ch.charCodeAt(0);
      if (code < 0x20 || code > 0x7e || ch === "/" || ch === ";") out += "_";
      else out += !rules.allowLowercase && !rules.untranslated ? ch.toUpperCase() : ch;
    } else if (rules.allowLowercase && /[a-z]/.test(ch)) out += ch;
    else out += /^[A-Z0-9_]$/.test(ch.toUpperCase()) ? ch.toUpperCase() : "_";
  }
  return out;
}

Deno.test("ISO names: the character mapping equals the per-code-point reference for any text and rules (fast-check)", () => {
  const rules = fc.record({
    level: fc.constantFrom(1 as const, 2 as const, 3 as const, 4 as const),
    fullFilenames: fc.boolean(),
    omitVersion: fc.boolean(),
    relaxedFilenames: fc.boolean(),
    allowLowercase: fc.boolean(),
    untranslated: fc.boolean(),
    allowMultidot: fc.boolean(),
    allowLeadingDots: fc.boolean(),
  });
  // Full Unicode plus lone surrogates and characters whose upper case is ASCII: every branch.
  const unit = fc.oneof(
    fc.constantFrom("ı", "ſ", "ß", ".", "a", "\ud800", "\udc00"),
    fc.string({ unit: "binary" }),
  );
  const text = fc.array(unit, { maxLength: 12 }).map((parts) => parts.join(""));
  fc.assert(
    fc.property(text, rules, (name, r) => {
      // A directory's identifier is the mapped text (leading dot and dots handled as in names.ts).
      const leadingDot = name.startsWith(".") && name.length > 1;
      let base = referenceMapChars(leadingDot ? name.slice(1) : name, r);
      if (!r.untranslated && !r.relaxedFilenames) base = base.replace(/\./g, "_");
      const max = r.untranslated ? 37 : r.level === 1 && !r.fullFilenames ? 8 : 31;
      base = ((leadingDot ? (r.allowLeadingDots ? "." : "_") : "") + base).slice(0, max) || "_";
      assert.equal(isoNameFor(name, true, r).base, base);
    }),
    { numRuns: 3000 },
  );
});

Deno.test("Joliet: the fast path (nothing to replace) equals the character-by-character one", () => {
  fc.assert(
    fc.property(fc.string({ unit: "binary" }), fc.constantFrom(64, 103), (name, max) => {
      const got = jolietNameFor(name, max);
      let replaced = "";
      for (let i = 0; i < name.length; i++) {
        const c = name.charCodeAt(i);
        const bad = c < 0x20 || "*/:;?\\".includes(name[i]) || (c >= 0xd800 && c <= 0xdfff);
        replaced += bad ? "_" : name[i];
      }
      if (replaced.length <= max) assert.deepEqual(got, { name: replaced, truncated: false });
      else assert.equal(got.truncated, true);
    }),
    { numRuns: 2000 },
  );
});
