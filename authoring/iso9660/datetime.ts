/**
 * ECMA-119 date and time forms: the 17-byte "dec-datetime" of volume descriptors (§8.4.26.1) and
 * the 7-byte "recording date and time" of directory records and Rock Ridge TF (§9.1.5).
 * discwright always writes UTC (offset 0), as xorriso does by default.
 * @module
 */

/** Bytes of a §8.4.26.1 volume descriptor date. */
export const DEC_DATETIME_BYTES = 17;
/** Bytes of a §9.1.5 directory record date. */
export const RECORDING_DATETIME_BYTES = 7;

/**
 * Encodes a §8.4.26.1 date: 16 ASCII digits (YYYYMMDDhhmmsscc) and a GMT offset in 15-minute
 * units. `undefined` encodes "not specified" (sixteen "0" and a zero offset).
 *
 * @example
 * ```ts
 * encodeDecDatetime(new Date(Date.UTC(2026, 10, 23, 19, 38, 27))); // "2026112319382700" + 0x00
 * ```
 */
export function encodeDecDatetime(date: Date | undefined): Uint8Array {
  const out = new Uint8Array(DEC_DATETIME_BYTES);
  if (date === undefined) {
    out.fill(0x30, 0, 16); // 0: sixteen "0" digits = not specified
    return out; // 16: offset 0
  }
  const year = date.getUTCFullYear();
  if (year < 1 || year > 9999) throw new RangeError(`Cannot encode date: year ${year} is outside 1..9999`);
  const digits = pad(year, 4) + pad(date.getUTCMonth() + 1, 2) + pad(date.getUTCDate(), 2) +
    pad(date.getUTCHours(), 2) + pad(date.getUTCMinutes(), 2) + pad(date.getUTCSeconds(), 2) +
    pad(Math.floor(date.getUTCMilliseconds() / 10), 2);
  for (let i = 0; i < 16; i++) out[i] = digits.charCodeAt(i); // 0..15: YYYYMMDDhhmmsscc
  out[16] = 0; // 16: GMT offset, 15-minute units (UTC)
  return out;
}

/** Decodes a §8.4.26.1 date; "not specified" (or unparsable digits) decodes to `undefined`. */
export function decodeDecDatetime(bytes: Uint8Array, at: number): Date | undefined {
  let digits = "";
  for (let i = 0; i < 16; i++) digits += String.fromCharCode(bytes[at + i]);
  if (digits === "0000000000000000") return undefined;
  return parseDecDigits(digits, ((bytes[at + 16] << 24) >> 24) * 15);
}

/**
 * Parses the 16 digits YYYYMMDDhhmmsscc of a §8.4.26.1 date (also the form of
 * `--modification-date=`), given as local time at `offsetMinutes` from UTC.
 *
 * @example
 * ```ts
 * parseDecDigits("2024010203040500")?.toISOString(); // "2024-01-02T03:04:05.000Z"
 * ```
 */
export function parseDecDigits(digits: string, offsetMinutes = 0): Date | undefined {
  if (!/^\d{16}$/.test(digits)) return undefined;
  const utc = Date.UTC(
    Number(digits.slice(0, 4)),
    Number(digits.slice(4, 6)) - 1,
    Number(digits.slice(6, 8)),
    Number(digits.slice(8, 10)),
    Number(digits.slice(10, 12)),
    Number(digits.slice(12, 14)),
    Number(digits.slice(14, 16)) * 10,
  );
  return new Date(utc - offsetMinutes * 60_000);
}

/**
 * Encodes a §9.1.5 date (years since 1900, month, day, hour, minute, second, GMT offset) in UTC.
 * Years before 1900 or after 2155 are clamped to the representable range.
 *
 * @example
 * ```ts
 * encodeRecordingDatetime(new Date(Date.UTC(2026, 10, 23, 19, 38, 27))); // 7e 0b 17 13 26 1b 00
 * ```
 */
export function encodeRecordingDatetime(date: Date): Uint8Array {
  return recordingDatetimeBytes(date).slice();
}

/** Like {@link encodeRecordingDatetime} but returns a shared, cached array: copy it, never change it. */
export function recordingDatetimeBytes(date: Date): Uint8Array {
  // The same instant (a file's three times, files made together) is asked for many times in a row.
  const ms = date.getTime();
  if (ms === lastRecording.ms) return lastRecording.encoded;
  // Keyed by whole second (the field's resolution): files made in one burst share one entry.
  const time = Math.floor(Math.min(Math.max(ms, EARLIEST_RECORDING_MS), LATEST_RECORDING_MS) / 1000) * 1000;
  let encoded = recordingCache.get(time);
  if (!encoded) {
    encoded = new Uint8Array(RECORDING_DATETIME_BYTES);
    const d = new Date(time);
    encoded[0] = d.getUTCFullYear() - 1900; // 0: years since 1900
    encoded[1] = d.getUTCMonth() + 1; // 1: month 1..12
    encoded[2] = d.getUTCDate(); // 2: day 1..31
    encoded[3] = d.getUTCHours(); // 3: hour
    encoded[4] = d.getUTCMinutes(); // 4: minute
    encoded[5] = d.getUTCSeconds(); // 5: second
    encoded[6] = 0; // 6: GMT offset in 15-minute units (UTC)
    if (recordingCache.size > 4096) recordingCache.clear();
    recordingCache.set(time, encoded);
  }
  lastRecording = { ms, encoded };
  return encoded;
}

let lastRecording: { ms: number; encoded: Uint8Array } = {
  ms: Number.NaN,
  encoded: new Uint8Array(RECORDING_DATETIME_BYTES),
};

const EARLIEST_RECORDING_MS = Date.UTC(1900, 0, 1);
const LATEST_RECORDING_MS = Date.UTC(2155, 11, 31, 23, 59, 59);
/** Trees share few distinct time stamps; encoding each once keeps planning cheap. */
const recordingCache = new Map<number, Uint8Array>();

/** Decodes a §9.1.5 date; all zeros decode to `undefined`. */
export function decodeRecordingDatetime(bytes: Uint8Array, at: number): Date | undefined {
  if (bytes.subarray(at, at + 7).every((b) => b === 0)) return undefined;
  const offsetMinutes = ((bytes[at + 6] << 24) >> 24) * 15;
  const utc = Date.UTC(
    1900 + bytes[at],
    bytes[at + 1] - 1,
    bytes[at + 2],
    bytes[at + 3],
    bytes[at + 4],
    bytes[at + 5],
  );
  return new Date(utc - offsetMinutes * 60_000);
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, "0");
}
