/**
 * RSPC error correction of Mode 1 and Mode 2 Form 1 sectors (ECMA-130 Annex A, cd-sectors.md §4):
 * P parity (86 codewords of (26,24)) then Q parity (52 codewords of (45,43)) over GF(2^8) with
 * x^8 + x^4 + x^3 + x^2 + 1, computed on the 2340 bytes from the header (offset 12).
 * @module
 */

/** Sector offset where the RSPC-covered bytes start (the header). */
export const ECC_SOURCE_OFFSET = 12;
/** Sector offset of the 172 P parity bytes. */
export const P_PARITY_OFFSET = 2076;
/** Sector offset of the 104 Q parity bytes. */
export const Q_PARITY_OFFSET = 2248;

/** F[x] = x·α, B[x·(α ⊕ 1)] = x. */
const F = new Uint8Array(256);
const B = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  const f = ((i << 1) ^ (i & 0x80 ? 0x11d : 0)) & 0xff;
  F[i] = f;
  B[i ^ f] = i;
}

/** Q codeword source indexes (52 majors × 43 minors), relative to offset 12. */
const Q_INDEX = (() => {
  const table = new Uint16Array(52 * 43);
  const size = 52 * 43;
  for (let major = 0; major < 52; major++) {
    let index = (major >> 1) * 86 + (major & 1);
    for (let minor = 0; minor < 43; minor++) {
      table[major * 43 + minor] = index;
      index += 88;
      if (index >= size) index -= size;
    }
  }
  return table;
})();

/**
 * Writes P and then Q parity of the sector at `sectorOffset` in `bytes` (the header, data and
 * EDC must already be in place; for Form 1 the caller zeroes the header first).
 *
 * @example
 * ```ts
 * writeEcc(sector, 0);
 * ```
 */
export function writeEcc(bytes: Uint8Array, sectorOffset: number): void {
  const src = sectorOffset + ECC_SOURCE_OFFSET;
  // P: 86 codewords; codeword `major` takes bytes major + 86·minor (minor 0..23).
  const p = sectorOffset + P_PARITY_OFFSET;
  for (let major = 0; major < 86; major++) {
    let a = 0, b = 0;
    for (let index = src + major, end = index + 24 * 86; index < end; index += 86) {
      const t = bytes[index];
      a = F[a ^ t];
      b ^= t;
    }
    a = B[F[a] ^ b];
    bytes[p + major] = a;
    bytes[p + major + 86] = a ^ b;
  }
  // Q: 52 codewords along diagonals through the data and P parity.
  const q = sectorOffset + Q_PARITY_OFFSET;
  for (let major = 0, k = 0; major < 52; major++) {
    let a = 0, b = 0;
    for (const end = k + 43; k < end; k++) {
      const t = bytes[src + Q_INDEX[k]];
      a = F[a ^ t];
      b ^= t;
    }
    a = B[F[a] ^ b];
    bytes[q + major] = a;
    bytes[q + major + 52] = a ^ b;
  }
}
