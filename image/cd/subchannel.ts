/**
 * Sub-channel Q (position, ADR 1) and the raw interleaved P–W block of a sector
 * (../shared/specs/cd-sectors.md §6): what a drive returns from READ CD with sub-channel 010b
 * (formatted Q) or 001b (raw P–W), synthesised when the image stores no sub-channel.
 * @module
 */

import { lbaToMsf, toBcd } from "./msf.ts";

/** Bytes of the Q channel of one sector (10 data + 2 CRC). */
export const Q_BYTES = 12;
/** Bytes of raw interleaved P–W sub-channel per sector. */
export const SUBCHANNEL_BYTES = 96;

/**
 * CRC-16-CCITT (0x1021, MSB first, init 0) of Q bytes 0–9, inverted, as stored in bytes 10–11.
 *
 * @example
 * ```ts
 * qCrc(Uint8Array.of(0x41, 1, 1, 0, 0, 0, 0, 0, 2, 0)); // 0x2832
 * ```
 */
export function qCrc(q: Uint8Array): number {
  let crc = 0;
  for (let i = 0; i < 10; i++) {
    crc ^= q[i] << 8;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
  }
  return ~crc & 0xffff;
}

/** What a Q position frame says (ADR 1). */
export interface QPosition {
  /** CONTROL nibble (0x4 data, 0x0 audio, +0x2 copy permitted, …). */
  readonly control: number;
  /** Track number (0xAA in the lead-out). */
  readonly track: number;
  /** Index (0 in a pregap). */
  readonly index: number;
  /** Sectors from index 01 of the track: negative in the pregap (counts down to 0). */
  readonly relativeSectors: number;
  /** The sector's LBA. */
  readonly lba: number;
}

/**
 * The 12 Q bytes of a position frame: CONTROL|ADR, TNO, INDEX, relative MSF, 0, absolute MSF
 * (all BCD), CRC.
 *
 * @example
 * ```ts
 * encodeQPosition({ control: 4, track: 1, index: 1, relativeSectors: 0, lba: 0 }); // 41 01 01 00 00 00 00 00 02 00 28 32
 * ```
 */
export function encodeQPosition(position: QPosition): Uint8Array {
  const q = new Uint8Array(Q_BYTES);
  const relative = Math.abs(position.relativeSectors);
  const absolute = lbaToMsf(position.lba);
  q[0] = (position.control << 4) | 0x1; // 0: CONTROL | ADR 1
  q[1] = position.track === 0xaa ? 0xaa : toBcd(position.track); // 1: TNO
  q[2] = toBcd(position.index); // 2: INDEX
  q[3] = toBcd(Math.floor(relative / 4500)); // 3–5: relative MIN SEC FRAME
  q[4] = toBcd(Math.floor(relative / 75) % 60);
  q[5] = toBcd(relative % 75);
  q[6] = 0; // 6: ZERO
  q[7] = toBcd(absolute.minute); // 7–9: absolute MIN SEC FRAME (LBA + 150)
  q[8] = toBcd(absolute.second);
  q[9] = toBcd(absolute.frame);
  const crc = qCrc(q);
  q[10] = crc >> 8; // 10–11: CRC, big-endian, inverted
  q[11] = crc & 0xff;
  return q;
}

/**
 * The 96-byte raw interleaved P–W block carrying `q` (12 bytes) in bit 6 and P in bit 7; R–W
 * are zero.
 *
 * @example
 * ```ts
 * const raw = interleaveSubchannel(q, false); // raw[0] bit 6 = q[0] bit 7
 * ```
 */
export function interleaveSubchannel(
  q: Uint8Array,
  pause: boolean,
  out: Uint8Array = new Uint8Array(SUBCHANNEL_BYTES),
): Uint8Array {
  for (let i = 0; i < SUBCHANNEL_BYTES; i++) {
    const qBit = (q[i >> 3] >> (7 - (i & 7))) & 1;
    out[i] = (pause ? 0x80 : 0) | (qBit << 6);
  }
  return out;
}

/**
 * Channel Q (12 bytes) from a raw interleaved P–W block.
 *
 * @example
 * ```ts
 * const q = deinterleaveQ(raw); // the inverse of interleaveSubchannel
 * ```
 */
export function deinterleaveQ(raw: Uint8Array, at = 0): Uint8Array {
  return linearSubchannel(raw.subarray(at, at + SUBCHANNEL_BYTES)).slice(12, 24); // channel Q: bytes 12–23
}

/**
 * One 96-byte block with the channels one after the other (P[12] Q[12] … W[12], CloneCD .sub)
 * → raw interleaved (byte i: bit 7 P … bit 0 W, bit i of each channel), written at `out[at]`.
 *
 * @example
 * ```ts
 * interleavePw(linear, raw, 0);
 * ```
 */
export function interleavePw(linear: Uint8Array, out: Uint8Array, at = 0): void {
  for (let i = 0; i < SUBCHANNEL_BYTES; i++) {
    let byte = 0;
    for (let channel = 0; channel < 8; channel++) {
      byte |= ((linear[channel * 12 + (i >> 3)] >> (7 - (i & 7))) & 1) << (7 - channel);
    }
    out[at + i] = byte;
  }
}

/**
 * Raw interleaved blocks (any number of 96-byte blocks) → channels one after the other, the
 * inverse of {@link interleavePw}.
 *
 * @example
 * ```ts
 * const sub = linearSubchannel(raw); // what a CloneCD .sub holds
 * ```
 */
export function linearSubchannel(raw: Uint8Array): Uint8Array {
  const out = new Uint8Array(raw.byteLength);
  for (let block = 0; block < raw.byteLength; block += SUBCHANNEL_BYTES) {
    for (let i = 0; i < SUBCHANNEL_BYTES; i++) {
      for (let channel = 0; channel < 8; channel++) {
        out[block + channel * 12 + (i >> 3)] |= ((raw[block + i] >> (7 - channel)) & 1) << (7 - (i & 7));
      }
    }
  }
  return out;
}
