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

/** B[x·(α ⊕ 1)] = x (the WebAssembly encoder computes it from nibble tables taken from here). */
export const ECC_PARITY_TABLE: Uint8Array = B;

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

/** Q codeword pairs as 16-bit word indexes (26 pairs × 43 minors), relative to offset 12. */
export const Q_WORD_INDEX: Uint16Array = (() => {
  const table = new Uint16Array(26 * 43);
  for (let pair = 0; pair < 26; pair++) {
    let index = pair * 86; // majors 2·pair and 2·pair + 1 are the two bytes of one word
    for (let minor = 0; minor < 43; minor++) {
      table[pair * 43 + minor] = index >> 1;
      index += 88;
      if (index >= 52 * 43) index -= 52 * 43;
    }
  }
  return table;
})();

/**
 * Writes P and then Q parity of the sector at `sectorOffset` in `bytes` (the header, data and
 * EDC must already be in place; for Form 1 the caller zeroes the header first).
 *
 * The two byte planes of ECMA-130 are the two bytes of each 16-bit word, and they are coded with
 * the same rules, so both are computed at once on a little-endian Uint16Array view when the
 * sector is 2-byte aligned (byte-at-a-time otherwise); two codeword pairs share one 32-bit number,
 * so each step works on four codewords.
 *
 * @example
 * ```ts
 * writeEcc(sector, 0);
 * ```
 */
export function writeEcc(bytes: Uint8Array, sectorOffset: number): void {
  if ((bytes.byteOffset + sectorOffset) % 2 !== 0 || !LITTLE_ENDIAN) {
    writeEccBytewise(bytes, sectorOffset);
    return;
  }
  const words = new Uint16Array(bytes.buffer, bytes.byteOffset + sectorOffset + ECC_SOURCE_OFFSET, 1170);
  // P: codeword pair j takes words j + 43·minor (minor 0..23); parity at words 1032 + j, 1075 + j.
  // Two pairs a step (j and j + 22 in one 32-bit number: four codewords), pair 21 alone.
  for (let j = 0; j < 21; j++) {
    let a = 0, b = 0;
    for (let k = j, end = j + 24 * 43; k < end; k += 43) {
      const t = words[k] | (words[k + 22] << 16);
      a = xtime4(a ^ t);
      b ^= t;
    }
    writeParityPair(words, 1032 + j, 1075 + j, a & 0xffff, b & 0xffff);
    writeParityPair(words, 1054 + j, 1097 + j, a >>> 16, b >>> 16);
  }
  {
    let a = 0, b = 0;
    for (let k = 21, end = 21 + 24 * 43; k < end; k += 43) {
      const t = words[k];
      a = xtime4(a ^ t);
      b ^= t;
    }
    writeParityPair(words, 1053, 1096, a, b);
  }
  // Q: 26 codeword pairs along diagonals through data and P; parity at words 1118 + j, 1144 + j.
  // Two pairs a step: j and j + 13.
  for (let j = 0; j < 13; j++) {
    let a = 0, b = 0;
    for (let k = j * 43, other = (j + 13) * 43, end = k + 43; k < end; k++, other++) {
      const t = words[Q_WORD_INDEX[k]] | (words[Q_WORD_INDEX[other]] << 16);
      a = xtime4(a ^ t);
      b ^= t;
    }
    writeParityPair(words, 1118 + j, 1144 + j, a & 0xffff, b & 0xffff);
    writeParityPair(words, 1131 + j, 1157 + j, a >>> 16, b >>> 16);
  }
}

/** Multiplies each of the four bytes of a 32-bit number by α in GF(2^8) (0x11D). */
function xtime4(a: number): number {
  return ((a & 0x7f7f7f7f) << 1) ^ (((a >>> 7) & 0x01010101) * 0x1d);
}

/**
 * The two parity words of a codeword pair from its Horner sum `a` (Σ t·α^i) and plain sum `b`
 * (both planes in one 16-bit word): first parity B[F[a] ⊕ b], second first ⊕ b, per byte.
 */
function writeParityPair(words: Uint16Array, first: number, second: number, a: number, b: number): void {
  const b0 = b & 0xff, b1 = b >> 8;
  const p0 = B[F[a & 0xff] ^ b0], p1 = B[F[a >> 8] ^ b1];
  words[first] = p0 | (p1 << 8);
  words[second] = (p0 ^ b0) | ((p1 ^ b1) << 8);
}

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** The byte-oriented form (cd-sectors.md §4), for unaligned sectors. */
export function writeEccBytewise(bytes: Uint8Array, sectorOffset: number): void {
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
