/**
 * Raw 2352-byte CD sectors (ECMA-130 sector clause; CD-ROM XA for the Mode 2 forms;
 * cd-sectors.md §2, §8): encoding from user data with sync, BCD header, EDC and P/Q parity, and
 * decoding/checking raw sectors.
 * @module
 */

import { computeEdc, writeEdc } from "./edc.ts";
import { P_PARITY_OFFSET, Q_PARITY_OFFSET, writeEcc } from "./ecc.ts";
import { fromBcd, lbaToMsf, msfToLba, toBcd } from "./msf.ts";

/** Bytes of a raw sector. */
export const SECTOR_BYTES = 2352;
/** Bytes of Mode 1 / Form 1 user data. */
export const USER_DATA_BYTES = 2048;
/** Bytes of Form 2 user data. */
export const FORM2_USER_DATA_BYTES = 2324;
/** Bytes of formless Mode 2 user data. */
export const MODE2_USER_DATA_BYTES = 2336;

/** 0: the 12-byte sync pattern 00 FF×10 00. */
export const SYNC: Uint8Array = Uint8Array.of(0x00, ...new Array(10).fill(0xff), 0x00);
/** 12: header (minute, second, frame in BCD, mode). */
export const HEADER_OFFSET = 12;
/** 15: the mode byte. */
export const MODE_OFFSET = 15;
/** 16: Mode 1 user data; Mode 2 sub-header (4 bytes, then a copy at 20). */
export const MODE1_DATA_OFFSET = 16;
export const SUBHEADER_OFFSET = 16;
/** 24: Mode 2 Form 1/2 user data. */
export const FORM_DATA_OFFSET = 24;
/** 2064: Mode 1 EDC (over 0..2063); 2068..2075 intermediate zeros. */
export const MODE1_EDC_OFFSET = 2064;
/** 2072: Form 1 EDC (over 16..2071). */
export const FORM1_EDC_OFFSET = 2072;
/** 2348: Form 2 EDC (over 16..2347). */
export const FORM2_EDC_OFFSET = 2348;
/** Sub-mode bit 5: Form 2. */
export const SUBMODE_FORM2 = 0x20;
/** Sub-mode bit 3: data. */
export const SUBMODE_DATA = 0x08;

/** Default XA sub-header of a Form 1 data sector (file 0, channel 0, Data, coding 0). */
export const FORM1_SUBHEADER: Uint8Array = Uint8Array.of(0x00, 0x00, SUBMODE_DATA, 0x00);
/** Default XA sub-header of a Form 2 sector (Form bit). */
export const FORM2_SUBHEADER: Uint8Array = Uint8Array.of(0x00, 0x00, SUBMODE_FORM2, 0x00);

function writeSyncAndHeader(out: Uint8Array, at: number, lba: number, mode: number): void {
  out.set(SYNC, at); // 0: sync
  const { minute, second, frame } = lbaToMsf(lba);
  out[at + 12] = toBcd(minute); // 12: absolute minute, BCD
  out[at + 13] = toBcd(second); // 13: second, BCD
  out[at + 14] = toBcd(frame); // 14: frame, BCD
  out[at + 15] = mode; // 15: mode
}

/**
 * Writes a Mode 1 sector: sync, header, 2048 bytes of user data, EDC, 8 zero bytes, P and Q.
 * `userData` may be shorter than 2048 bytes (the rest is zero) or undefined (all zero).
 *
 * @example
 * ```ts
 * const sector = new Uint8Array(2352);
 * encodeMode1Sector(16, pvdBytes, sector, 0);
 * ```
 */
export function encodeMode1Sector(
  lba: number,
  userData: Uint8Array | undefined,
  out: Uint8Array,
  at = 0,
): void {
  writeSyncAndHeader(out, at, lba, 0x01);
  const data = at + MODE1_DATA_OFFSET;
  if (userData) {
    out.set(userData.subarray(0, USER_DATA_BYTES), data);
    if (userData.byteLength < USER_DATA_BYTES) {
      out.fill(0, data + userData.byteLength, data + USER_DATA_BYTES);
    }
  } else out.fill(0, data, data + USER_DATA_BYTES);
  writeEdc(out, at, at + MODE1_EDC_OFFSET, at + MODE1_EDC_OFFSET); // 2064: EDC over 0..2063
  out.fill(0, at + 2068, at + P_PARITY_OFFSET); // 2068: intermediate, zero
  writeEcc(out, at); // 2076: P, 2248: Q
}

/**
 * Writes a Mode 2 Form 1 sector: sync, header, sub-header twice, 2048 bytes, EDC, P and Q
 * (computed with the header taken as zero, then the header restored).
 *
 * @example
 * ```ts
 * encodeMode2Form1Sector(16, FORM1_SUBHEADER, pvdBytes, sector, 0);
 * ```
 */
export function encodeMode2Form1Sector(
  lba: number,
  subHeader: Uint8Array,
  userData: Uint8Array | undefined,
  out: Uint8Array,
  at = 0,
): void {
  out.set(SYNC, at);
  out.fill(0, at + HEADER_OFFSET, at + HEADER_OFFSET + 4); // header is zero for the ECC (Form 1 rule)
  out.set(subHeader.subarray(0, 4), at + SUBHEADER_OFFSET); // 16: sub-header
  out.set(subHeader.subarray(0, 4), at + SUBHEADER_OFFSET + 4); // 20: its copy
  const data = at + FORM_DATA_OFFSET;
  if (userData) {
    out.set(userData.subarray(0, USER_DATA_BYTES), data);
    if (userData.byteLength < USER_DATA_BYTES) {
      out.fill(0, data + userData.byteLength, data + USER_DATA_BYTES);
    }
  } else out.fill(0, data, data + USER_DATA_BYTES);
  writeEdc(out, at + SUBHEADER_OFFSET, at + FORM1_EDC_OFFSET, at + FORM1_EDC_OFFSET); // 2072: EDC over 16..2071
  writeEcc(out, at);
  writeSyncAndHeader(out, at, lba, 0x02);
}

/**
 * Writes a Mode 2 Form 2 sector: sync, header, sub-header twice, 2324 bytes, EDC over 16..2347.
 *
 * @example
 * ```ts
 * encodeMode2Form2Sector(300, FORM2_SUBHEADER, videoBytes, sector, 0);
 * ```
 */
export function encodeMode2Form2Sector(
  lba: number,
  subHeader: Uint8Array,
  userData: Uint8Array | undefined,
  out: Uint8Array,
  at = 0,
): void {
  writeSyncAndHeader(out, at, lba, 0x02);
  out.set(subHeader.subarray(0, 4), at + SUBHEADER_OFFSET);
  out.set(subHeader.subarray(0, 4), at + SUBHEADER_OFFSET + 4);
  const data = at + FORM_DATA_OFFSET;
  out.fill(0, data, data + FORM2_USER_DATA_BYTES);
  if (userData) out.set(userData.subarray(0, FORM2_USER_DATA_BYTES), data);
  writeEdc(out, at + SUBHEADER_OFFSET, at + FORM2_EDC_OFFSET, at + FORM2_EDC_OFFSET);
}

/**
 * Writes a formless Mode 2 sector (2336 bytes of user data, no EDC/ECC) or, with no data, a
 * Mode 0 sector (all zero after the header) when `mode` is 0.
 *
 * @example
 * ```ts
 * encodeMode2FormlessSector(0, undefined, sector, 0);
 * ```
 */
export function encodeMode2FormlessSector(
  lba: number,
  userData: Uint8Array | undefined,
  out: Uint8Array,
  at = 0,
  mode: 0 | 2 = 2,
): void {
  writeSyncAndHeader(out, at, lba, mode);
  out.fill(0, at + 16, at + SECTOR_BYTES);
  if (userData && mode === 2) out.set(userData.subarray(0, MODE2_USER_DATA_BYTES), at + 16);
}

/** What a raw 2352-byte block holds. */
export type RawSectorKind = "audio" | "mode0" | "mode1" | "mode2-formless" | "mode2-form1" | "mode2-form2";

/**
 * Classifies a raw block as libmirage and QEMU do: no sync → audio; else the mode byte (low
 * two bits), and for Mode 2 the sub-mode's Form bit. A Mode 2 sector whose two sub-header
 * copies differ is formless.
 *
 * @example
 * ```ts
 * classifyRawSector(sector, 0); // "mode1"
 * ```
 */
export function classifyRawSector(bytes: Uint8Array, at = 0): RawSectorKind {
  for (let i = 0; i < 12; i++) if (bytes[at + i] !== SYNC[i]) return "audio";
  switch (bytes[at + MODE_OFFSET] & 0x03) {
    case 0:
      return "mode0";
    case 1:
      return "mode1";
    case 2: {
      for (let i = 0; i < 4; i++) {
        if (bytes[at + 16 + i] !== bytes[at + 20 + i]) return "mode2-formless";
      }
      return bytes[at + 18] & SUBMODE_FORM2 ? "mode2-form2" : "mode2-form1";
    }
    default:
      return "audio";
  }
}

/**
 * The user data of a raw data sector (a view into `bytes`): 2048 bytes for Mode 1 and Form 1,
 * 2324 for Form 2, 2336 for formless Mode 2 and Mode 0; the whole 2352 for audio.
 *
 * @example
 * ```ts
 * const pvd = userDataOf(rawSector16);
 * ```
 */
export function userDataOf(bytes: Uint8Array, at = 0): Uint8Array {
  switch (classifyRawSector(bytes, at)) {
    case "mode1":
      return bytes.subarray(at + MODE1_DATA_OFFSET, at + MODE1_DATA_OFFSET + USER_DATA_BYTES);
    case "mode2-form1":
      return bytes.subarray(at + FORM_DATA_OFFSET, at + FORM_DATA_OFFSET + USER_DATA_BYTES);
    case "mode2-form2":
      return bytes.subarray(at + FORM_DATA_OFFSET, at + FORM_DATA_OFFSET + FORM2_USER_DATA_BYTES);
    case "mode0":
    case "mode2-formless":
      return bytes.subarray(at + 16, at + 16 + MODE2_USER_DATA_BYTES);
    case "audio":
      return bytes.subarray(at, at + SECTOR_BYTES);
  }
}

/**
 * Checks one raw data sector: sync, header address (when `expectedLba` is given), EDC and P/Q
 * parity. Returns the problems, each named; empty when the sector is sound. Audio blocks have
 * nothing to check.
 *
 * @example
 * ```ts
 * const problems = checkRawSector(bin, 2352 * 16, 16); // []
 * ```
 */
export function checkRawSector(bytes: Uint8Array, at = 0, expectedLba?: number): string[] {
  const kind = classifyRawSector(bytes, at);
  if (kind === "audio") return [];
  const problems: string[] = [];
  if (expectedLba !== undefined) {
    try {
      const lba = msfToLba({
        minute: fromBcd(bytes[at + 12]),
        second: fromBcd(bytes[at + 13]),
        frame: fromBcd(bytes[at + 14]),
      });
      if (lba !== expectedLba) problems.push(`header address is LBA ${lba}, expected ${expectedLba}`);
    } catch {
      problems.push("header address is not a BCD MSF");
    }
  }
  const copy = bytes.slice(at, at + SECTOR_BYTES);
  const sameEdc = (start: number, end: number) => computeEdc(copy, start, end) === readLe32(copy, end);
  if (kind === "mode1") {
    if (!sameEdc(0, MODE1_EDC_OFFSET)) problems.push("EDC does not match");
    for (let i = 2068; i < P_PARITY_OFFSET; i++) {
      if (copy[i] !== 0) {
        problems.push("intermediate bytes 2068..2075 are not zero");
        break;
      }
    }
  } else if (kind === "mode2-form1") {
    if (!sameEdc(16, FORM1_EDC_OFFSET)) problems.push("EDC does not match");
    copy.fill(0, HEADER_OFFSET, HEADER_OFFSET + 4);
  } else if (kind === "mode2-form2") {
    const stored = readLe32(copy, FORM2_EDC_OFFSET);
    if (stored !== 0 && computeEdc(copy, 16, FORM2_EDC_OFFSET) !== stored) {
      problems.push("EDC does not match");
    }
    return problems;
  } else return problems;
  const parity = copy.slice(P_PARITY_OFFSET, SECTOR_BYTES);
  writeEcc(copy, 0);
  const p = parity.subarray(0, Q_PARITY_OFFSET - P_PARITY_OFFSET);
  const q = parity.subarray(Q_PARITY_OFFSET - P_PARITY_OFFSET);
  if (!equal(p, copy.subarray(P_PARITY_OFFSET, Q_PARITY_OFFSET))) problems.push("P parity does not match");
  if (!equal(q, copy.subarray(Q_PARITY_OFFSET, SECTOR_BYTES))) problems.push("Q parity does not match");
  return problems;
}

function readLe32(bytes: Uint8Array, at: number): number {
  return (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}
