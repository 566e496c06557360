/**
 * Identifiers for the three directory trees an image can carry:
 * - the ISO 9660 tree (ECMA-119 §7.5, §7.6, §10): d-characters, NAME.EXT;1, level limits, with
 *   collisions resolved by overwriting the tail of NAME with a counter (as xorriso does);
 * - the Joliet tree: UCS-2BE, at most 64 units (103 with `-joliet-long`), no version;
 * - the ISO 9660:1999 tree (`-iso-level 4`): up to 207 bytes, no version, names kept.
 * And the §9.3 / Joliet sort orders. All pure.
 * @module
 */

/** How ISO 9660 (primary tree) names are made. */
export interface IsoNamingRules {
  /** Interchange level 1..4 (4 = primary tree like level 3). */
  readonly level: 1 | 2 | 3 | 4;
  /** `-l`: allow 31-character file names even at level 1. */
  readonly fullFilenames: boolean;
  /** `-N` / `-omit-version-number`: no ";1". */
  readonly omitVersion: boolean;
  /** `-relaxed-filenames`: allow all 7-bit printable ASCII except "/" and "*"... (as mkisofs). */
  readonly relaxedFilenames: boolean;
  /** `-allow-lowercase`: keep lower case letters. */
  readonly allowLowercase: boolean;
  /** `-U` / `-untranslated-filenames`: keep names as given (implies relaxed, lowercase, multidot). */
  readonly untranslated: boolean;
  /** `-allow-multidot`: keep every dot (the last one still separates the extension). */
  readonly allowMultidot: boolean;
  /** `-L` / `-allow-leading-dots`: keep a leading dot. */
  readonly allowLeadingDots: boolean;
}

/** Default rules of `xorriso -as mkisofs` with no naming options: level 1. */
export const DEFAULT_ISO_NAMING: IsoNamingRules = {
  level: 1,
  fullFilenames: false,
  omitVersion: false,
  relaxedFilenames: false,
  allowLowercase: false,
  untranslated: false,
  allowMultidot: false,
  allowLeadingDots: false,
};

/** An ISO 9660 file identifier split at SEPARATOR 1 (version added when encoding). */
export interface IsoName {
  /** NAME (for a directory, the whole identifier). */
  readonly base: string;
  /** EXT (empty for directories and files without one). */
  readonly extension: string;
}

/** Limits of an identifier under the rules. */
function isoLimits(
  rules: IsoNamingRules,
  isDirectory: boolean,
): { total: number; base: number; ext: number } {
  if (rules.untranslated) return { total: isDirectory ? 37 : 37, base: 37, ext: 37 };
  if (rules.level === 1 && !rules.fullFilenames) {
    return isDirectory ? { total: 8, base: 8, ext: 0 } : { total: 11, base: 8, ext: 3 };
  }
  // Level 2 and up, or -l: NAME + EXT <= 30 for files (§7.5.2), 31 for directories (§7.6.3).
  return isDirectory ? { total: 31, base: 31, ext: 0 } : { total: 30, base: 30, ext: 30 };
}

function mapChar(ch: string, rules: IsoNamingRules): string {
  if (rules.untranslated || rules.relaxedFilenames) {
    const code = ch.charCodeAt(0);
    if (code < 0x20 || code > 0x7e || ch === "/" || ch === ";") return "_";
    if (!rules.allowLowercase && !rules.untranslated) return ch.toUpperCase();
    return ch;
  }
  if (rules.allowLowercase && /[a-z]/.test(ch)) return ch;
  const upper = ch.toUpperCase();
  return /^[A-Z0-9_]$/.test(upper) ? upper : "_";
}

/** {@link mapChar} of every ASCII character, per rules object (names map thousands of times). */
const asciiTables = new WeakMap<IsoNamingRules, readonly string[]>();

function asciiTable(rules: IsoNamingRules): readonly string[] {
  let table = asciiTables.get(rules);
  if (!table) {
    table = Array.from({ length: 128 }, (_, code) => mapChar(String.fromCharCode(code), rules));
    asciiTables.set(rules, table);
  }
  return table;
}

function mapChars(text: string, rules: IsoNamingRules): string {
  const ascii = asciiTable(rules);
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) out += ascii[code];
    else if (code >= 0xd800 && code <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      // One "_" per character outside the set: a non-BMP character (a surrogate pair) is one.
      out += "_";
      i++;
    } else out += mapChar(text[i], rules);
  }
  return out;
}

/**
 * The ISO 9660 identifier a host name gets before collision handling.
 *
 * @example
 * ```ts
 * isoNameFor("a.b.c.d", false, DEFAULT_ISO_NAMING);            // { base: "A_B_C", extension: "D" }
 * isoNameFor("lower case+plus~tilde.tar.gz", false, DEFAULT_ISO_NAMING); // { base: "LOWER_CA", extension: "GZ" }
 * ```
 */
export function isoNameFor(name: string, isDirectory: boolean, rules: IsoNamingRules): IsoName {
  const limits = isoLimits(rules, isDirectory);
  let text = name;
  let leadingDot = false;
  if (text.startsWith(".") && text.length > 1) {
    leadingDot = true;
    text = text.slice(1);
  }
  if (isDirectory) {
    let base = mapChars(text, rules);
    if (!rules.untranslated && !rules.relaxedFilenames) base = base.replace(/\./g, "_");
    base = ((leadingDot ? (rules.allowLeadingDots ? "." : "_") : "") + base).slice(0, limits.base);
    return { base: base || "_", extension: "" };
  }
  const dot = text.lastIndexOf(".");
  let rawBase = dot >= 0 ? text.slice(0, dot) : text;
  let rawExt = dot >= 0 ? text.slice(dot + 1) : "";
  if (rawBase === "" && rawExt !== "" && !leadingDot) {
    rawBase = rawExt;
    rawExt = "";
  }
  let base = mapChars(rawBase, rules);
  if (!rules.allowMultidot && !rules.untranslated) base = base.replace(/\./g, "_");
  base = (leadingDot ? (rules.allowLeadingDots ? "." : "_") : "") + base;
  let extension = mapChars(rawExt, rules).replace(/\./g, "_");
  if (limits.ext < extension.length) extension = extension.slice(0, limits.ext);
  if (rules.level === 1 && !rules.fullFilenames && !rules.untranslated) {
    base = base.slice(0, limits.base);
  } else {
    // NAME + EXT <= 30: keep as much of the extension as fits beside at least one NAME character.
    if (extension.length > limits.total - 1) extension = extension.slice(0, limits.total - 1);
    base = base.slice(0, limits.total - extension.length);
  }
  if (base === "" && extension === "") base = "_";
  return { base, extension };
}

/** The text of an ISO 9660 identifier: "NAME.EXT;1" for files, "NAME" for directories (one byte a character). */
export function isoIdentifierText(name: IsoName, isDirectory: boolean, omitVersion: boolean): string {
  if (isDirectory) return name.base;
  return `${name.base}.${name.extension}${omitVersion ? "" : ";1"}`;
}

/**
 * Assigns collision-free ISO names to the children of one directory (in the given order).
 * Colliding names all get a decimal counter written over the tail of NAME (`FILE_N00`, `FILE_N01`,
 * ...), with as many digits as the group needs; the counter grows until no name collides.
 *
 * @example
 * ```ts
 * assignIsoNames([{ name: "file_number_1.txt", isDirectory: false },
 *   { name: "file_number_2.txt", isDirectory: false }], DEFAULT_ISO_NAMING);
 * // [{ base: "FILE_NU0", extension: "TXT" }, { base: "FILE_NU1", extension: "TXT" }]
 * ```
 */
export function assignIsoNames(
  children: readonly { readonly name: string; readonly isDirectory: boolean }[],
  rules: IsoNamingRules,
): IsoName[] {
  const names = children.map((c) => isoNameFor(c.name, c.isDirectory, rules));
  const key = (n: IsoName, i: number) => children[i].isDirectory ? n.base : `${n.base}.${n.extension}`;
  // Most directories have no collision: one set of keys tells, without groups.
  const keys = new Set<string>();
  names.forEach((n, i) => keys.add(key(n, i)));
  if (keys.size === names.length) return names;
  const groups = new Map<string, number[]>();
  names.forEach((n, i) => {
    const k = key(n, i);
    const group = groups.get(k);
    if (group) group.push(i);
    else groups.set(k, [i]);
  });
  // Names that are unique keep them; every member of a colliding group takes the next counter
  // value whose name nobody uses yet.
  const used = new Set<string>();
  for (const [k, group] of groups) if (group.length === 1) used.add(k);
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    let digits = String(group.length - 1).length;
    let counter = 0;
    for (const i of group) {
      for (;;) {
        if (counter >= 10 ** digits) {
          digits++;
          counter = 0;
        }
        const candidate = withCounter(names[i], counter++, digits, children[i].isDirectory, rules);
        const k = key(candidate, i);
        if (!used.has(k)) {
          used.add(k);
          names[i] = candidate;
          break;
        }
      }
    }
  }
  return names;
}

function withCounter(
  name: IsoName,
  counter: number,
  digits: number,
  isDirectory: boolean,
  rules: IsoNamingRules,
): IsoName {
  const limits = isoLimits(rules, isDirectory);
  const suffix = String(counter).padStart(digits, "0");
  const room = rules.level === 1 && !rules.fullFilenames && !rules.untranslated
    ? limits.base
    : limits.total - name.extension.length;
  const base = name.base.length + suffix.length <= room
    ? name.base + suffix
    : name.base.slice(0, Math.max(0, room - suffix.length)) + suffix;
  return { base, extension: name.extension };
}

/**
 * ECMA-119 §9.3 order of two identifiers: NAME then EXT, each compared byte by byte with the
 * shorter padded with 0x20; version descending is irrelevant (always 1).
 */
export function compareIsoNames(a: IsoName, b: IsoName): number {
  return comparePadded(a.base, b.base) || comparePadded(a.extension, b.extension);
}

function comparePadded(a: string, b: string): number {
  const length = Math.max(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = i < a.length ? a.charCodeAt(i) : 0x20;
    const y = i < b.length ? b.charCodeAt(i) : 0x20;
    if (x !== y) return x - y;
  }
  return 0;
}

/** Characters {@link jolietNameFor} replaces (controls, `* / : ; ? \`, surrogates). */
// deno-lint-ignore no-control-regex -- controls (U+0000–U+001F) are what it looks for
const JOLIET_REPLACED = /[\x00-\x1f*/:;?\\\ud800-\udfff]/;

/** Maximum Joliet identifier length in UCS-2 units. */
export const JOLIET_MAX_UNITS = { standard: 64, long: 103 } as const;

/**
 * The Joliet name of a host name: forbidden characters (controls, `* / : ; ? \`) become "_",
 * characters outside the BMP become one "_" per UTF-16 unit, and names longer than the limit are
 * cut keeping the extension. Returns the name and whether it was cut.
 *
 * @example
 * ```ts
 * jolietNameFor("emoji_😀.txt", 64); // { name: "emoji___.txt", truncated: false }
 * ```
 */
export function jolietNameFor(name: string, maxUnits: number): { name: string; truncated: boolean } {
  if (name.length <= maxUnits && !JOLIET_REPLACED.test(name)) return { name, truncated: false };
  let out = "";
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    const forbidden = code < 0x20 || code === 0x2a || code === 0x2f || code === 0x3a || code === 0x3b ||
      code === 0x3f || code === 0x5c || (code >= 0xd800 && code <= 0xdfff);
    out += forbidden ? "_" : name[i];
  }
  if (out.length <= maxUnits) return { name: out, truncated: false };
  const dot = out.lastIndexOf(".");
  const extension = dot > 0 && out.length - dot <= 16 ? out.slice(dot) : "";
  return { name: out.slice(0, maxUnits - extension.length) + extension, truncated: true };
}

/**
 * Assigns collision-free Joliet names in one directory (names are compared as written; a counter
 * replaces the tail of the base when two cut names meet). `onTruncated` hears of each name cut.
 */
export function assignJolietNames(
  children: readonly { readonly name: string }[],
  maxUnits: number,
  onTruncated?: (index: number) => void,
): string[] {
  const wanted = children.map((c, i) => {
    const joliet = jolietNameFor(c.name, maxUnits);
    if (joliet.truncated) onTruncated?.(i);
    return joliet.name;
  });
  const all = new Set(wanted);
  const used = new Set<string>();
  return wanted.map((name) => {
    if (!used.has(name)) {
      used.add(name);
      return name;
    }
    const dot = name.lastIndexOf(".");
    const extension = dot > 0 ? name.slice(dot) : "";
    const base = dot > 0 ? name.slice(0, dot) : name;
    for (let counter = 0;; counter++) {
      const suffix = String(counter);
      const candidate = base.slice(0, maxUnits - extension.length - suffix.length) + suffix + extension;
      if (!used.has(candidate) && !all.has(candidate)) {
        used.add(candidate);
        return candidate;
      }
    }
  });
}

/** Joliet order: the whole identifier compared unit by unit, a shorter prefix first (xorriso). */
export function compareJolietNames(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const d = a.charCodeAt(i) - b.charCodeAt(i);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** Longest ISO 9660:1999 identifier in bytes (§7.5.1 of ISO 9660:1999: 207). */
export const ISO1999_MAX_BYTES = 207;
