/**
 * CD addressing: logical block addresses, minute/second/frame (MSF) times and their BCD form
 * (cd-sectors.md §1; MMC-6 CD addressing). 75 frames (sectors) per second; LBA 0 is absolute
 * MSF 00:02:00. Durations and CUE times count frames with no 150 offset.
 * @module
 */

import { FormatError } from "../errors.ts";

/** Sectors (MSF frames) per second. */
export const FRAMES_PER_SECOND = 75;
/** Sectors per minute. */
export const FRAMES_PER_MINUTE = 60 * FRAMES_PER_SECOND;
/** Absolute MSF 00:02:00 is LBA 0. */
export const MSF_LBA_OFFSET = 150;

/** A minute/second/frame triple (binary, not BCD). */
export interface Msf {
  readonly minute: number;
  readonly second: number;
  readonly frame: number;
}

/**
 * The absolute MSF of an LBA; negative LBAs below −150 wrap into the lead-in (minute ≥ 90).
 *
 * @example
 * ```ts
 * lbaToMsf(16); // { minute: 0, second: 2, frame: 16 }
 * ```
 */
export function lbaToMsf(lba: number): Msf {
  if (!Number.isSafeInteger(lba) || lba < -45150 || lba >= 99 * FRAMES_PER_MINUTE + 59 * 75 + 75 - 150) {
    throw new RangeError(`Cannot express LBA ${lba} as MSF: outside -45150..449849`);
  }
  let a = lba + MSF_LBA_OFFSET;
  if (a < 0) a += 450000;
  return { minute: Math.floor(a / FRAMES_PER_MINUTE), second: Math.floor(a / 75) % 60, frame: a % 75 };
}

/**
 * The LBA of an absolute MSF (minutes 90–99 are the lead-in, negative LBAs).
 *
 * @example
 * ```ts
 * msfToLba({ minute: 0, second: 2, frame: 0 }); // 0
 * ```
 */
export function msfToLba(msf: Msf): number {
  checkMsf(msf);
  const frames = msf.minute * FRAMES_PER_MINUTE + msf.second * 75 + msf.frame;
  return msf.minute >= 90 ? frames - 450150 : frames - MSF_LBA_OFFSET;
}

function checkMsf(msf: Msf): void {
  const { minute, second, frame } = msf;
  if (
    !Number.isInteger(minute) || !Number.isInteger(second) || !Number.isInteger(frame) || minute < 0 ||
    minute > 99 || second < 0 || second > 59 || frame < 0 || frame > 74
  ) {
    throw new RangeError(`Cannot use MSF ${minute}:${second}:${frame}: minute 0-99, second 0-59, frame 0-74`);
  }
}

/**
 * A byte's binary-coded decimal (0–99).
 *
 * @example
 * ```ts
 * toBcd(59); // 0x59
 * ```
 */
export function toBcd(value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 99) {
    throw new RangeError(`Cannot write ${value} as BCD`);
  }
  return ((value / 10) << 4) | (value % 10);
}

/**
 * The value of a BCD byte; FormatError for nibbles above 9.
 *
 * @example
 * ```ts
 * fromBcd(0x74); // 74
 * ```
 */
export function fromBcd(byte: number): number {
  const high = byte >> 4, low = byte & 0x0f;
  if (high > 9 || low > 9) {
    throw new FormatError(`Cannot read BCD byte 0x${byte.toString(16).padStart(2, "0")}`, {
      structure: "BCD",
    });
  }
  return high * 10 + low;
}

/**
 * Frames as "mm:ss:ff" (a duration or CUE time: no 150 offset). Minutes may exceed 99.
 *
 * @example
 * ```ts
 * framesToTime(475); // "00:06:25"
 * ```
 */
export function framesToTime(frames: number): string {
  if (!Number.isSafeInteger(frames) || frames < 0) {
    throw new RangeError(`Cannot write ${frames} frames as a time`);
  }
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(Math.floor(frames / FRAMES_PER_MINUTE))}:${two(Math.floor(frames / 75) % 60)}:${
    two(frames % 75)
  }`;
}

/**
 * Parses "mm:ss:ff" (also "ss:ff" and "ff", as cue2toc does) into frames; RangeError naming the
 * text when it is not a time (seconds ≥ 60, frames ≥ 75, not digits).
 *
 * @example
 * ```ts
 * timeToFrames("00:02:00"); // 150
 * ```
 */
export function timeToFrames(text: string): number {
  const parts = text.trim().split(":");
  if (parts.length > 3 || parts.some((p) => !/^\d{1,4}$/.test(p))) {
    throw new RangeError(`Cannot read time "${text}": expected mm:ss:ff`);
  }
  const [ff, ss = 0, mm = 0] = parts.map(Number).reverse();
  if (ff > 74) throw new RangeError(`Cannot read time "${text}": frames ${ff} is over 74`);
  if (parts.length > 1 && ss > 59) {
    throw new RangeError(`Cannot read time "${text}": seconds ${ss} is over 59`);
  }
  return mm * FRAMES_PER_MINUTE + ss * 75 + ff;
}

/**
 * Absolute MSF of an LBA as "mm:ss:ff".
 *
 * @example
 * ```ts
 * lbaToMsfText(0); // "00:02:00"
 * ```
 */
export function lbaToMsfText(lba: number): string {
  const { minute, second, frame } = lbaToMsf(lba);
  return framesToTime(minute * FRAMES_PER_MINUTE + second * 75 + frame);
}
