/**
 * CHAP for iSCSI login (RFC 7143 §12.1.3, RFC 1994): the response is MD5 over the one-byte
 * identifier, the secret and the challenge. Binary values travel as `0x…` hex or `0b…` base64.
 * @module
 */

import { createHash } from "node:crypto";

/**
 * MD5(id ‖ secret ‖ challenge).
 *
 * @example
 * ```ts
 * chapResponse(42, "secretsecret", challenge); // 16 bytes
 * ```
 */
export function chapResponse(id: number, secret: string, challenge: Uint8Array): Uint8Array {
  const hash = createHash("md5");
  hash.update(Uint8Array.of(id & 0xff));
  hash.update(new TextEncoder().encode(secret));
  hash.update(challenge);
  return new Uint8Array(hash.digest());
}

/**
 * Decodes a CHAP binary value (`0x` hex, either case, or `0b` base64); undefined when malformed.
 *
 * @example
 * ```ts
 * parseChapBinary("0x99A6"); // Uint8Array [0x99, 0xa6]
 * ```
 */
export function parseChapBinary(text: string): Uint8Array | undefined {
  if (/^0[xX]([0-9a-fA-F]{2})+$/.test(text)) {
    return Uint8Array.from(text.slice(2).match(/../g)!.map((h) => parseInt(h, 16)));
  }
  if (/^0[bB][A-Za-z0-9+/]+=*$/.test(text)) {
    try {
      return Uint8Array.from(atob(text.slice(2)), (ch) => ch.charCodeAt(0));
    } catch {
      return undefined;
    }
  }
  return undefined;
}
