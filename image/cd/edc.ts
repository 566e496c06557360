/**
 * The CD-ROM Error Detection Code (ECMA-130 sector clause, cd-sectors.md §3): a 32-bit CRC with
 * P(x) = (x^16 + x^15 + x^2 + 1)(x^16 + x^2 + x + 1), least significant bit first (reflected
 * constant 0xD8018001), initial value 0, no final XOR, stored little-endian.
 * @module
 */

/** The reflected generator polynomial. */
export const EDC_POLYNOMIAL_REFLECTED = 0xd8018001;

/** Slice-by-4 tables: TABLES[0] is the classic byte table. */
const TABLES: Uint32Array[] = (() => {
  const tables = Array.from({ length: 4 }, () => new Uint32Array(256));
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ ((c & 1) ? EDC_POLYNOMIAL_REFLECTED : 0);
    tables[0][i] = c >>> 0;
  }
  for (let i = 0; i < 256; i++) {
    for (let t = 1; t < 4; t++) {
      const prev = tables[t - 1][i];
      tables[t][i] = ((prev >>> 8) ^ tables[0][prev & 0xff]) >>> 0;
    }
  }
  return tables;
})();

/** The byte table (for tests and readers that want it). */
export const EDC_TABLE: Uint32Array = TABLES[0];

/**
 * The EDC of `bytes[start .. end)`.
 *
 * @example
 * ```ts
 * computeEdc(new TextEncoder().encode("123456789"), 0, 9); // 0x6EC2EDC4
 * ```
 */
export function computeEdc(bytes: Uint8Array, start: number, end: number): number {
  const [t0, t1, t2, t3] = TABLES;
  let crc = 0;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    crc ^= bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    crc = t3[crc & 0xff] ^ t2[(crc >>> 8) & 0xff] ^ t1[(crc >>> 16) & 0xff] ^ t0[crc >>> 24];
  }
  for (; i < end; i++) crc = (crc >>> 8) ^ t0[(crc ^ bytes[i]) & 0xff];
  return crc >>> 0;
}

/**
 * Computes the EDC of `bytes[start .. end)` and writes it little-endian at `at`.
 *
 * @example
 * ```ts
 * writeEdc(sector, 0, 2064, 2064); // Mode 1: over sync + header + data, stored at 2064
 * ```
 */
export function writeEdc(bytes: Uint8Array, start: number, end: number, at: number): void {
  const edc = computeEdc(bytes, start, end);
  bytes[at] = edc & 0xff; // little-endian (ECMA-130: LSB at the lowest address)
  bytes[at + 1] = (edc >>> 8) & 0xff;
  bytes[at + 2] = (edc >>> 16) & 0xff;
  bytes[at + 3] = edc >>> 24;
}
