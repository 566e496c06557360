import assert from "node:assert/strict";
import fc from "fast-check";
import {
  assignShortNames,
  basisName,
  displayShortName,
  exactShortName,
  longNameProblem,
  nameKey,
  ShortNameAllocator,
} from "./short_name.ts";

Deno.test("short names: valid 8.3 names keep their name; all-lower parts set the NT case bits", () => {
  const cases: [string, string, number, boolean][] = [
    // long name, DIR_Name, DIR_NTRes, needs long-name entries
    ["BOOTX64.EFI", "BOOTX64 EFI", 0x00, false],
    ["bootx64.efi", "BOOTX64 EFI", 0x18, false],
    ["README.txt", "README  TXT", 0x10, false],
    ["readme.TXT", "README  TXT", 0x08, false],
    ["EFI", "EFI        ", 0x00, false],
    ["boot", "BOOT       ", 0x08, false],
    ["1234.567", "1234    567", 0x00, false],
    ["x-y_z$.{}", "X-Y_Z$  {} ", 0x08, false],
    ["Readme.txt", "README  TXT", 0x00, true], // mixed case: long name, but no tail (as Linux and Windows)
    ["grubX64.efi", "GRUBX64 EFI", 0x00, true],
  ];
  for (const [longName, name, caseFlags, needsLongName] of cases) {
    assert.deepEqual(exactShortName(longName), { name, caseFlags, needsLongName }, longName);
  }
  for (
    const notExact of [
      "A long name.text",
      "toolongname.txt",
      "a.b.c",
      ".bashrc",
      "a+b.txt",
      "ümlaut.txt",
      "x.html",
    ]
  ) {
    assert.equal(exactShortName(notExact), undefined, notExact);
  }
});

Deno.test("short names: basis names per fatgen103 (upper case, spaces and dots dropped, _ for the rest)", () => {
  assert.deepEqual(basisName("A long name.text"), { base: "ALONGNAM", extension: "TEX" });
  assert.deepEqual(basisName("foo.bar.txt"), { base: "FOOBAR", extension: "TXT" });
  assert.deepEqual(basisName(".bashrc"), { base: "BASHRC", extension: "" });
  assert.deepEqual(basisName("a+b,c;d=e[f]g.htm"), { base: "A_B_C_D_", extension: "HTM" });
  assert.deepEqual(basisName("Ünïcödé файл.txt"), { base: "_N_C_D__", extension: "TXT" });
  assert.deepEqual(basisName("😀.png"), { base: "_", extension: "PNG" });
});

Deno.test("short names: numeric tails ~1, ~2, … and exact names win over generated ones", () => {
  const names = assignShortNames([
    "A long name.text",
    "A long name.textile",
    "ALONGN~1.TEX", // an exact 8.3 name that a tail would otherwise produce
    "Program Files",
    "Program Files (x86)",
  ]);
  assert.deepEqual(names.map((n) => n.name), [
    "ALONGN~2TEX",
    "ALONGN~3TEX",
    "ALONGN~1TEX",
    "PROGRA~1   ",
    "PROGRA~2   ",
  ]);
  assert.deepEqual(names.map((n) => n.needsLongName), [true, true, false, true, true]);
});

Deno.test("short names: tails eat into the base as they grow (~10, ~100, …)", () => {
  const allocator = new ShortNameAllocator();
  const names = Array.from({ length: 1000 }, () => allocator.generate("same long name.txt").name);
  assert.equal(names[0], "SAMELO~1TXT");
  assert.equal(names[9], "SAMEL~10TXT");
  assert.equal(names[99], "SAME~100TXT");
  assert.equal(names[999], "SAM~1000TXT");
  assert.equal(new Set(names).size, 1000);
});

Deno.test("short names: 20,000 similar names are named in linear time", () => {
  const longNames = Array.from({ length: 20000 }, (_, i) => `file number ${i}.data`);
  const start = performance.now();
  const names = assignShortNames(longNames);
  const ms = performance.now() - start;
  assert.equal(new Set(names.map((n) => n.name)).size, 20000);
  assert.ok(ms < 1000, `took ${ms} ms`);
});

Deno.test("short names: every directory gets distinct, valid 11-byte names (property)", () => {
  const char = fc.constantFrom(..."aAbB.~ +_-é1😀");
  fc.assert(fc.property(
    fc.uniqueArray(fc.string({ unit: char, minLength: 1, maxLength: 14 }), {
      selector: nameKey,
      maxLength: 40,
    }),
    (raw) => {
      const longNames = raw.filter((n) => longNameProblem(n) === undefined);
      const names = assignShortNames(longNames);
      assert.equal(new Set(names.map((n) => n.name)).size, names.length);
      for (const [i, { name, caseFlags, needsLongName }] of names.entries()) {
        assert.match(name, /^[A-Z0-9$%'\-_@~`!(){}^#&][A-Z0-9$%'\-_@~`!(){}^#& ]{10}$/);
        assert.match(name.slice(0, 8), /^[^ ]+ *$/); // no embedded spaces
        // Without long-name entries, the 8.3 name (with its case bits) must say the long name exactly.
        if (!needsLongName) assert.equal(displayShortName(name, caseFlags), longNames[i]);
      }
    },
  ));
});

Deno.test("long names: what FAT cannot store is named", () => {
  assert.equal(longNameProblem("BOOTX64.EFI"), undefined);
  assert.equal(longNameProblem("with space and ünïcode 😀.txt"), undefined);
  assert.match(longNameProblem("x".repeat(256))!, /256 UTF-16 units/);
  assert.equal(longNameProblem("😀".repeat(127)), undefined); // 254 units
  assert.match(longNameProblem("😀".repeat(128))!, /256 UTF-16 units/);
  assert.match(longNameProblem("a:b")!, /":"/);
  assert.match(longNameProblem("a\\b")!, /"\\"/);
  assert.match(longNameProblem("tab\there")!, /U\+0009/);
  assert.match(longNameProblem("trailing.")!, /ends with a period/);
  assert.match(longNameProblem("..")!, /not a file name/);
});

Deno.test("long names: compared ignoring case, one UTF-16 unit at a time", () => {
  assert.equal(nameKey("Boot.efi"), nameKey("BOOT.EFI"));
  assert.equal(nameKey("ümlaut"), nameKey("ÜMLAUT"));
  assert.notEqual(nameKey("straße"), nameKey("STRASSE"));
});

Deno.test("short names: shown as DOS shows them", () => {
  assert.equal(displayShortName("BOOTX64 EFI"), "BOOTX64.EFI");
  assert.equal(displayShortName("README  TXT", 0x18), "readme.txt");
  assert.equal(displayShortName("EFI        "), "EFI");
});
