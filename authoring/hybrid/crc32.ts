/**
 * CRC-32 as GPT uses it (UEFI 2.x §5.3.2; the IEEE 802.3 / zlib CRC): reflected polynomial
 * 0xEDB88320, initial value and final XOR 0xFFFFFFFF. Check value of "123456789": 0xCBF43926.
 * @module
 */

const TABLE = new Uint32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  TABLE[n] = c >>> 0;
}

/**
 * The CRC-32 of `bytes`; pass the CRC of the preceding bytes as `previous` to continue a running
 * checksum over several chunks.
 *
 * @example
 * ```ts
 * crc32(new TextEncoder().encode("123456789")); // 0xCBF43926
 * crc32(b, crc32(a)) === crc32(concat(a, b)); // true
 * ```
 */
export function crc32(bytes: Uint8Array, previous = 0): number {
  let c = (previous ^ 0xffffffff) >>> 0;
  for (let i = 0; i < bytes.byteLength; i++) c = TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
