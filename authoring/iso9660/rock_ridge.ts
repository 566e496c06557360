/**
 * Rock Ridge entries for one directory record, and their split between the record's System Use
 * field and SUSP continuation areas (CE). Pure: the continuation area's location is filled in
 * once the planner has placed it.
 * @module
 */

import { utf8 } from "./numbers.ts";
import {
  CE_ENTRY_BYTES,
  NM_FLAGS,
  POSIX_FILE_TYPE,
  SL_COMPONENT_FLAGS,
  type SlComponent,
  type SuspEntry,
  suspEntryByteLength,
  TF_FLAGS,
  writeNmEntry,
  writePxEntry,
  writeTfEntry,
} from "./susp.ts";

/** POSIX attributes written into PX and TF. */
export interface RockRidgeAttributes {
  readonly mode: number;
  readonly linkCount: number;
  readonly uid: number;
  readonly gid: number;
  readonly mtime: Date;
  readonly atime: Date;
  readonly ctime: Date;
}

/** Bytes of NM / SL data that fit in one entry (LEN_SUE is 8 bits). */
const MAX_ENTRY_DATA_BYTES = 250;

/** The times TF carries: modify, access, attributes (7-byte form). */
const ATTRIBUTE_TF_FLAGS = TF_FLAGS.modify | TF_FLAGS.access | TF_FLAGS.attributes;

/** PX and TF (modify, access, attributes; 7-byte form) as xorriso writes them. */
export function attributeEntries(a: RockRidgeAttributes): SuspEntry[] {
  return [
    { signature: "PX", mode: a.mode, linkCount: a.linkCount, uid: a.uid, gid: a.gid },
    { signature: "TF", flags: ATTRIBUTE_TF_FLAGS, times: [a.mtime, a.atime, a.ctime] },
  ];
}

/**
 * Writes what {@link attributeEntries} makes, straight into `target` at `at` (no entry objects);
 * returns the bytes written ({@link ATTRIBUTE_ENTRIES_BYTES}).
 */
export function writeAttributeEntries(target: Uint8Array, at: number, a: RockRidgeAttributes): number {
  const px = writePxEntry(target, at, a.mode, a.linkCount, a.uid, a.gid);
  return px + writeTfEntry(target, at + px, ATTRIBUTE_TF_FLAGS, [a.mtime, a.atime, a.ctime]);
}

/** Bytes of {@link attributeEntries} (the same for every node: PX 36 + TF 26). */
export const ATTRIBUTE_ENTRIES_BYTES = entriesByteLength(attributeEntries({
  mode: 0,
  linkCount: 1,
  uid: 0,
  gid: 0,
  mtime: new Date(0),
  atime: new Date(0),
  ctime: new Date(0),
}));

/** Longest name (UTF-8 bytes) that fits one NM entry. */
export const MAX_SINGLE_NM_BYTES = MAX_ENTRY_DATA_BYTES;

/**
 * Writes the {@link nameEntries} of a name of at most {@link MAX_SINGLE_NM_BYTES} UTF-8 bytes
 * (one NM entry) straight into `target` at `at`; returns the bytes written.
 */
export function writeSingleNameEntry(target: Uint8Array, at: number, name: string): number {
  return writeNmEntry(target, at, 0, name);
}

/** Bytes of the {@link nameEntries} of a name of `nameByteLength` UTF-8 bytes. */
export function nameEntriesByteLength(nameByteLength: number): number {
  const pieces = Math.max(1, Math.ceil(nameByteLength / MAX_ENTRY_DATA_BYTES));
  return 5 * pieces + nameByteLength; // 5: each NM entry's header and flags
}

/**
 * NM entries for a name, split into CONTINUE pieces of at most 250 bytes.
 *
 * @example
 * ```ts
 * nameEntries("hello.txt"); // [{ signature: "NM", flags: 0, name: "hello.txt" bytes }]
 * ```
 */
export function nameEntries(name: string | Uint8Array): SuspEntry[] {
  const bytes = typeof name === "string" ? utf8(name) : name;
  const entries: SuspEntry[] = [];
  for (let at = 0; at < bytes.byteLength || entries.length === 0; at += MAX_ENTRY_DATA_BYTES) {
    const piece = bytes.subarray(at, at + MAX_ENTRY_DATA_BYTES);
    const last = at + MAX_ENTRY_DATA_BYTES >= bytes.byteLength;
    entries.push({ signature: "NM", flags: last ? 0 : NM_FLAGS.continue, name: piece });
  }
  return entries;
}

/**
 * SL entries for a symbolic link target: "/" → ROOT, "." → CURRENT, ".." → PARENT, other
 * components as text (split with the component CONTINUE flag when longer than an entry allows),
 * entries chained with the SL CONTINUE flag.
 *
 * @example
 * ```ts
 * symlinkEntries("../hello.txt"); // SL flags 0: [04 00] [00 09 "hello.txt"]
 * ```
 */
export function symlinkEntries(target: string): SuspEntry[] {
  const components: SlComponent[] = [];
  const parts = target.split("/");
  if (target.startsWith("/")) {
    components.push({ flags: SL_COMPONENT_FLAGS.root, content: new Uint8Array() });
    parts.shift();
  }
  for (const part of parts) {
    if (part === "") continue;
    if (part === ".") components.push({ flags: SL_COMPONENT_FLAGS.current, content: new Uint8Array() });
    else if (part === "..") components.push({ flags: SL_COMPONENT_FLAGS.parent, content: new Uint8Array() });
    else {
      const bytes = utf8(part);
      for (let at = 0; at < bytes.byteLength; at += 240) {
        const more = at + 240 < bytes.byteLength;
        components.push({
          flags: more ? SL_COMPONENT_FLAGS.continue : 0,
          content: bytes.subarray(at, at + 240),
        });
      }
    }
  }
  // Pack components into SL entries of at most 255 bytes (5 header + components).
  const entries: { components: SlComponent[] }[] = [{ components: [] }];
  let used = 5;
  for (const c of components) {
    const size = 2 + c.content.byteLength;
    if (used + size > 255) {
      entries.push({ components: [] });
      used = 5;
    }
    entries[entries.length - 1].components.push(c);
    used += size;
  }
  return entries.map((e, i) => ({
    signature: "SL",
    flags: i < entries.length - 1 ? 0x01 : 0,
    components: e.components,
  }));
}

/** The POSIX device number split as xorriso writes PN: high 0, low = the host number. */
export function deviceEntry(rdev: number): SuspEntry {
  return { signature: "PN", deviceHigh: Math.floor(rdev / 2 ** 32), deviceLow: rdev >>> 0 };
}

/** How one record's entries are split. */
export interface SystemUseLayout {
  /** Entries inside the directory record (a CE last when `continuation` is not empty). */
  readonly inRecord: readonly SuspEntry[];
  /**
   * Continuation areas in chain order, each ≤ 2048 bytes including the CE that links to the next
   * one. The CE entries carry placeholder locations until {@link placeContinuation} runs.
   */
  readonly continuation: readonly (readonly SuspEntry[])[];
}

/** Bytes of a list of entries. */
export function entriesByteLength(entries: readonly SuspEntry[]): number {
  return entries.reduce((sum, e) => sum + suspEntryByteLength(e), 0);
}

const PLACEHOLDER_CE: SuspEntry = { signature: "CE", blockLba: 0, byteOffset: 0, byteLength: 0 };

/**
 * Splits `entries` so that the record's System Use field stays within `budgetBytes`; the rest
 * goes to continuation areas of at most `areaMaxBytes` each (a CE closes every area but the last).
 *
 * @example
 * ```ts
 * const layout = layoutSystemUse(entries, 254 - 34);
 * ```
 */
export function layoutSystemUse(
  allEntries: readonly SuspEntry[],
  budgetBytes: number,
  areaMaxBytes = 2048,
): SystemUseLayout {
  let entries = allEntries;
  if (entriesByteLength(entries) <= budgetBytes) return { inRecord: entries, continuation: [] };
  const inRecord: SuspEntry[] = [];
  let used = 0;
  let i = 0;
  // Keep entries in order in the record while there is room for them and for the CE.
  while (i < entries.length && used + suspEntryByteLength(entries[i]) + CE_ENTRY_BYTES <= budgetBytes) {
    used += suspEntryByteLength(entries[i]);
    inRecord.push(entries[i]);
    i++;
  }
  // A name that does not fit starts in the record (NM with CONTINUE) and ends in the continuation
  // area, as xorriso and genisoimage write it: readers that ignore CE still see most of the name.
  const rest = [...entries.slice(i)];
  const room = budgetBytes - used - CE_ENTRY_BYTES - 5;
  const first = rest[0];
  if (first?.signature === "NM" && room >= 8) {
    inRecord.push({
      signature: "NM",
      flags: first.flags | NM_FLAGS.continue,
      name: first.name.subarray(0, room),
    });
    rest[0] = { signature: "NM", flags: first.flags, name: first.name.subarray(room) };
  }
  inRecord.push(PLACEHOLDER_CE);
  entries = rest;
  i = 0;
  const areas: SuspEntry[][] = [];
  let area: SuspEntry[] = [];
  let areaUsed = 0;
  for (; i < entries.length; i++) {
    const size = suspEntryByteLength(entries[i]);
    const restFits = entriesByteLength(entries.slice(i)) + areaUsed <= areaMaxBytes;
    if (!restFits && areaUsed + size + CE_ENTRY_BYTES > areaMaxBytes) {
      area.push(PLACEHOLDER_CE);
      areas.push(area);
      area = [];
      areaUsed = 0;
    }
    area.push(entries[i]);
    areaUsed += size;
  }
  areas.push(area);
  return { inRecord, continuation: areas };
}

/** Where one continuation area was placed. */
export interface ContinuationPlace {
  readonly blockLba: number;
  readonly byteOffset: number;
  readonly byteLength: number;
}

/**
 * Fills in the CE entries of a layout given where each of its continuation areas was placed.
 * Returns the record's entries and each area's entries, ready to encode.
 */
export function placeContinuation(
  layout: SystemUseLayout,
  places: readonly ContinuationPlace[],
): { inRecord: SuspEntry[]; areas: SuspEntry[][] } {
  const fill = (entries: readonly SuspEntry[], next: ContinuationPlace | undefined): SuspEntry[] =>
    entries.map((e) => e === PLACEHOLDER_CE ? { signature: "CE", ...next! } : e);
  return {
    inRecord: fill(layout.inRecord, places[0]),
    areas: layout.continuation.map((area, i) => fill(area, places[i + 1])),
  };
}

/**
 * Applies `-r` (rational Rock Ridge): owner and group 0, read for everyone, execute for everyone
 * if anyone may execute (always for directories), no write bits, no set-id bits. Symbolic links
 * too (0o120777 → 0o120555), as xorriso does.
 *
 * @example
 * ```ts
 * rationalizeMode(0o100750); // 0o100555
 * ```
 */
export function rationalizeMode(mode: number): number {
  const type = mode & POSIX_FILE_TYPE.mask;
  const anyExecute = (mode & 0o111) !== 0 || type === POSIX_FILE_TYPE.directory;
  return type | 0o444 | (anyExecute ? 0o111 : 0);
}
