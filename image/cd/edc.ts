/**
 * The CD-ROM Error Detection Code (ECMA-130 sector clause, cd-sectors.md §3): a 32-bit CRC with
 * P(x) = (x^16 + x^15 + x^2 + 1)(x^16 + x^2 + x + 1), least significant bit first (reflected
 * constant 0xD8018001), initial value 0, no final XOR, stored little-endian.
 * @module
 */

/** The reflected generator polynomial. */
export const EDC_POLYNOMIAL_REFLECTED = 0xd8018001;

/**
 * Slice-by-8 tables: TABLES[0] is the classic byte table, TABLES[t] advances t more zero bytes
 * (also loaded into the WebAssembly encoder).
 */
export const EDC_SLICE_TABLES: readonly Uint32Array[] = (() => {
  const tables = Array.from({ length: 8 }, () => new Uint32Array(256));
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ ((c & 1) ? EDC_POLYNOMIAL_REFLECTED : 0);
    tables[0][i] = c >>> 0;
  }
  for (let i = 0; i < 256; i++) {
    for (let t = 1; t < 8; t++) {
      const prev = tables[t - 1][i];
      tables[t][i] = ((prev >>> 8) ^ tables[0][prev & 0xff]) >>> 0;
    }
  }
  return tables;
})();

/** The byte table (for tests and readers that want it). */
export const EDC_TABLE: Uint32Array = EDC_SLICE_TABLES[0];

const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/**
 * The EDC of `bytes[start .. end)`. Eight bytes a step (two 32-bit little-endian loads) when the
 * range is 4-byte aligned, as raw sectors in a buffer are; byte by byte otherwise.
 *
 * @example
 * ```ts
 * computeEdc(new TextEncoder().encode("123456789"), 0, 9); // 0x6EC2EDC4
 * ```
 */
export function computeEdc(bytes: Uint8Array, start: number, end: number): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = EDC_SLICE_TABLES;
  let crc = 0;
  let i = start;
  if (LITTLE_ENDIAN && ((bytes.byteOffset + start) & 3) === 0 && end - start >= 8) {
    const steps = (end - start) >> 3;
    const words = new Uint32Array(bytes.buffer, bytes.byteOffset + start, steps * 2);
    for (let k = 0; k < words.length; k += 2) {
      const a = crc ^ words[k];
      const b = words[k + 1];
      crc = t7[a & 0xff] ^ t6[(a >>> 8) & 0xff] ^ t5[(a >>> 16) & 0xff] ^ t4[a >>> 24] ^
        t3[b & 0xff] ^ t2[(b >>> 8) & 0xff] ^ t1[(b >>> 16) & 0xff] ^ t0[b >>> 24];
    }
    i = start + steps * 8;
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

/**
 * The EDC register after `zeroBytes` more zero bytes, as four 256-entry tables (one per byte of
 * the register, XORed together): with them the EDCs of consecutive pieces combine,
 * EDC(A‖B) = shift_|B|(EDC(A)) ⊕ EDC(B) (the EDC has no initial value and no final XOR).
 *
 * @example
 * ```ts
 * const s = edcShiftTables(4);
 * const shifted = s[crc & 0xff] ^ s[256 + ((crc >>> 8) & 0xff)] ^ s[512 + ((crc >>> 16) & 0xff)] ^ s[768 + (crc >>> 24)];
 * ```
 */
export function edcShiftTables(zeroBytes: number): Uint32Array {
  const t0 = EDC_SLICE_TABLES[0];
  const shift = (register: number) => {
    let c = register;
    for (let i = 0; i < zeroBytes; i++) c = (c >>> 8) ^ t0[c & 0xff];
    return c >>> 0;
  };
  // Linear in the register: the 32 single-bit registers suffice.
  const basis = Array.from({ length: 32 }, (_, bit) => shift((1 << bit) >>> 0));
  const tables = new Uint32Array(4 * 256);
  for (let byte = 0; byte < 4; byte++) {
    for (let v = 0; v < 256; v++) {
      let out = 0;
      for (let b = 0; b < 8; b++) if (v & (1 << b)) out ^= basis[8 * byte + b];
      tables[256 * byte + v] = out >>> 0;
    }
  }
  return tables;
}
