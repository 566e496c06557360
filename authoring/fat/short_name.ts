/**
 * Long names → 8.3 short names, as Linux's vfat driver (with Windows NT case bits) and Windows
 * create them:
 *
 * - A name that is already a valid 8.3 name once upper-cased keeps that short name and needs no
 *   long-name entries when each part is all upper case or all lower case; an all-lower-case base or
 *   extension sets DIR_NTRes 0x08 / 0x10 (`readme.txt` → `README  TXT`, flags 0x18). A part with
 *   mixed case (`Readme.txt`) keeps the short name `README  TXT` and gets long-name entries.
 * - Any other name gets a basis name (fatgen103 "basis-name generation": upper case, spaces and
 *   embedded periods dropped, characters that are not allowed → `_`, base ≤ 8 and extension ≤ 3
 *   characters, the extension taken after the last period) with a numeric tail `~1`, `~2`, …
 *   (fatgen103 "numeric-tail generation"; Linux switches to a time-based hash after `~4`, which is
 *   not reproducible, so discwright keeps counting up to `~999999`), plus long-name entries.
 *
 * Characters outside ASCII become `_` in short names (no OEM code page is assumed): the long name
 * keeps them. Collisions are found with one Set per directory, so naming is linear in the number
 * of entries.
 * @module
 */

import { LONG_NAME_MAX_UNITS } from "./directory_entry.ts";

/** The short name chosen for one long name. */
export interface ShortName {
  /** DIR_Name: 11 characters, base and extension space padded. */
  readonly name: string;
  /** DIR_NTRes case bits (0x08 base lower case, 0x10 extension lower case). */
  readonly caseFlags: number;
  /** Whether long-name entries must precede the short entry. */
  readonly needsLongName: boolean;
}

/** Characters, besides A–Z and 0–9, allowed in a short name (fat.md §7). */
const SHORT_NAME_SPECIALS = "$%'-_@~`!(){}^#&";
/** Characters no FAT name may contain (besides control characters). */
const FORBIDDEN_IN_LONG_NAMES = '"*/:<>?\\|';

/**
 * Why `longName` cannot be stored as a FAT long name, or undefined when it can.
 *
 * @example
 * ```ts
 * longNameProblem("a:b"); // 'it contains ":" (not allowed in FAT names)'
 * ```
 */
export function longNameProblem(longName: string): string | undefined {
  if (longName === "" || longName === "." || longName === "..") return `"${longName}" is not a file name`;
  if (longName.length > LONG_NAME_MAX_UNITS) {
    return `its name is ${longName.length} UTF-16 units, FAT long names hold at most ${LONG_NAME_MAX_UNITS}`;
  }
  for (const ch of longName) {
    const code = ch.codePointAt(0)!;
    if (code < 0x20 || code === 0x7f) {
      return `it contains the control character U+${code.toString(16).padStart(4, "0").toUpperCase()}`;
    }
    if (FORBIDDEN_IN_LONG_NAMES.includes(ch)) return `it contains "${ch}" (not allowed in FAT names)`;
    if (code >= 0xd800 && code <= 0xdfff) return "it contains an unpaired UTF-16 surrogate";
  }
  if (longName.endsWith(".") || longName.endsWith(" ")) {
    return "it ends with a period or a space (FAT drivers strip those)";
  }
  return undefined;
}

/**
 * The case-insensitive key FAT drivers compare long names with (each UTF-16 unit upper-cased on
 * its own, as Windows' up-case table does; `ß` stays `ß`).
 *
 * @example
 * ```ts
 * nameKey("Boot.efi") === nameKey("BOOT.EFI"); // true
 * ```
 */
export function nameKey(longName: string): string {
  let key = "";
  for (let i = 0; i < longName.length; i++) {
    const ch = longName[i];
    const upper = ch.toUpperCase();
    key += upper.length === 1 ? upper : ch;
  }
  return key;
}

function isShortNameChar(upper: string): boolean {
  return (upper >= "A" && upper <= "Z") || (upper >= "0" && upper <= "9") ||
    SHORT_NAME_SPECIALS.includes(upper);
}

/** "upper", "lower", "none" (no letters) or "mixed". */
function letterCase(part: string): "upper" | "lower" | "none" | "mixed" {
  const hasUpper = /[A-Z]/.test(part);
  const hasLower = /[a-z]/.test(part);
  return hasUpper && hasLower ? "mixed" : hasUpper ? "upper" : hasLower ? "lower" : "none";
}

/**
 * The short name of a long name that is already a valid 8.3 name once upper-cased (no tail
 * needed), or undefined.
 *
 * @example
 * ```ts
 * exactShortName("bootx64.efi"); // { name: "BOOTX64 EFI", caseFlags: 0x18, needsLongName: false }
 * exactShortName("A long name.text"); // undefined
 * ```
 */
export function exactShortName(longName: string): ShortName | undefined {
  const dot = longName.indexOf(".");
  if (dot !== longName.lastIndexOf(".")) return undefined;
  const base = dot < 0 ? longName : longName.slice(0, dot);
  const extension = dot < 0 ? "" : longName.slice(dot + 1);
  if (base.length < 1 || base.length > 8 || extension.length > 3 || (dot >= 0 && extension.length === 0)) {
    return undefined;
  }
  for (const ch of base + extension) {
    if (ch.charCodeAt(0) >= 0x80 || !isShortNameChar(ch.toUpperCase())) return undefined;
  }
  const baseCase = letterCase(base);
  const extensionCase = letterCase(extension);
  const mixed = baseCase === "mixed" || extensionCase === "mixed";
  const caseFlags = mixed ? 0 : (baseCase === "lower" ? 0x08 : 0) | (extensionCase === "lower" ? 0x10 : 0);
  return {
    name: base.toUpperCase().padEnd(8, " ") + extension.toUpperCase().padEnd(3, " "),
    caseFlags,
    needsLongName: mixed,
  };
}

/** A basis name: the upper-cased, filtered base (up to 8) and extension (up to 3). */
export interface BasisName {
  /** 1…8 characters. */
  readonly base: string;
  /** 0…3 characters. */
  readonly extension: string;
}

/**
 * fatgen103's basis name: upper case, spaces and periods (but the last) dropped, characters not
 * allowed in short names → `_`, base cut to 8 and extension to 3 characters. A leading period does
 * not start an extension (`.bashrc` → base `BASHRC`).
 *
 * @example
 * ```ts
 * basisName("A long name.text"); // { base: "ALONGNAM", extension: "TEX" }
 * ```
 */
export function basisName(longName: string): BasisName {
  const lastDot = longName.lastIndexOf(".");
  const hasExtension = lastDot > 0 && /[^. ]/.test(longName.slice(0, lastDot));
  const basePart = hasExtension ? longName.slice(0, lastDot) : longName;
  const extensionPart = hasExtension ? longName.slice(lastDot + 1) : "";
  const convert = (part: string, max: number): string => {
    let out = "";
    for (const ch of part) {
      if (out.length >= max) break;
      if (ch === " " || ch === ".") continue;
      const upper = ch.toUpperCase();
      if (ch.charCodeAt(0) < 0x80 && upper.length === 1 && isShortNameChar(upper)) out += upper;
      else out += "_"; // + , ; = [ ] and anything outside ASCII
    }
    return out;
  };
  const base = convert(basePart, 8);
  return { base: base === "" ? "_" : base, extension: convert(extensionPart, 3) };
}

/** Largest numeric tail tried (fatgen103: `~1` … `~999999`). */
export const MAX_NUMERIC_TAIL = 999999;

/**
 * Assigns short names to the entries of one directory. Call {@link reserve} for every name that
 * is exact (see {@link exactShortName}) first, then {@link generate} for the others, in directory
 * order: exact names always keep their own short name, and generated ones skip everything taken.
 *
 * @example
 * ```ts
 * const names = new ShortNameAllocator();
 * names.reserve("README  TXT");
 * names.generate("A long name.text").name; // "ALONGN~1TEX"
 * ```
 */
export class ShortNameAllocator {
  readonly #used = new Set<string>();
  /** Next tail to try for each basis name (so 1000 similar names cost 1000 tries, not 500,000). */
  readonly #nextTail = new Map<string, number>();

  /** Marks an 11-character short name as taken; false if it already was. */
  reserve(name: string): boolean {
    if (this.#used.has(name)) return false;
    this.#used.add(name);
    return true;
  }

  /** Whether an 11-character short name is taken. */
  has(name: string): boolean {
    return this.#used.has(name);
  }

  /**
   * A free `BASIS~N` short name for a long name that needs one; RangeError when all 999,999 tails
   * are taken.
   */
  generate(longName: string): ShortName {
    const { base, extension } = basisName(longName);
    const key = `${base}.${extension}`;
    const paddedExtension = extension.padEnd(3, " ");
    for (let tail = this.#nextTail.get(key) ?? 1; tail <= MAX_NUMERIC_TAIL; tail++) {
      const suffix = `~${tail}`;
      const name = (base.slice(0, 8 - suffix.length) + suffix).padEnd(8, " ") + paddedExtension;
      if (this.#used.has(name)) continue;
      this.#used.add(name);
      this.#nextTail.set(key, tail + 1);
      return { name, caseFlags: 0, needsLongName: true };
    }
    throw new RangeError(`Cannot name "${longName}": every short name ${base}~N.${extension} is taken`);
  }
}

/**
 * Short names for every long name of one directory (in the given order). The names must be valid
 * ({@link longNameProblem}) and distinct ignoring case ({@link nameKey}).
 *
 * @example
 * ```ts
 * assignShortNames(["EFI", "a b", "a+b"]).map((s) => s.name); // ["EFI        ", "AB~1       ", "A_B~1      "]
 * ```
 */
export function assignShortNames(longNames: readonly string[]): ShortName[] {
  const allocator = new ShortNameAllocator();
  const out: (ShortName | undefined)[] = longNames.map((longName) => {
    const exact = exactShortName(longName);
    if (exact && allocator.reserve(exact.name)) return exact;
    return undefined;
  });
  return out.map((name, i) => name ?? allocator.generate(longNames[i]));
}

/**
 * An 11-character DIR_Name as people write it: `BOOTX64 EFI` → `BOOTX64.EFI`, with the case bits
 * applied (`README  TXT`, 0x18 → `readme.txt`).
 *
 * @example
 * ```ts
 * displayShortName("ALONGN~1TEX"); // "ALONGN~1.TEX"
 * ```
 */
export function displayShortName(name: string, caseFlags = 0): string {
  let base = name.slice(0, 8).trimEnd();
  let extension = name.slice(8, 11).trimEnd();
  if (caseFlags & 0x08) base = base.toLowerCase();
  if (caseFlags & 0x10) extension = extension.toLowerCase();
  return extension ? `${base}.${extension}` : base;
}
