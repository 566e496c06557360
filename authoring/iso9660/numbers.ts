/**
 * ECMA-119 §7.1–§7.3 numeric encodings and §7.4 fixed-width string fields.
 * "Both-byte" fields hold the little-endian value followed by the big-endian one; readers use the
 * little-endian half (see ../../../shared/specs/iso9660.md §1).
 * @module
 */

/** Writes a 7.2.3 both-byte uint16 (4 bytes) at `at`. */
export function setUint16Both(view: DataView, at: number, value: number): void {
  view.setUint16(at, value, true);
  view.setUint16(at + 2, value, false);
}

/** Writes a 7.3.3 both-byte uint32 (8 bytes) at `at`. */
export function setUint32Both(view: DataView, at: number, value: number): void {
  view.setUint32(at, value, true);
  view.setUint32(at + 4, value, false);
}

/** Writes a 7.2.3 both-byte uint16 into `bytes` at `at` without a DataView. */
export function putUint16Both(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value & 0xff;
  bytes[at + 1] = (value >>> 8) & 0xff;
  bytes[at + 2] = (value >>> 8) & 0xff;
  bytes[at + 3] = value & 0xff;
}

/** Writes a 7.3.3 both-byte uint32 into `bytes` at `at` without a DataView. */
export function putUint32Both(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value & 0xff;
  bytes[at + 1] = (value >>> 8) & 0xff;
  bytes[at + 2] = (value >>> 16) & 0xff;
  bytes[at + 3] = (value >>> 24) & 0xff;
  bytes[at + 4] = (value >>> 24) & 0xff;
  bytes[at + 5] = (value >>> 16) & 0xff;
  bytes[at + 6] = (value >>> 8) & 0xff;
  bytes[at + 7] = value & 0xff;
}

/** Reads the little-endian half of a 7.2.3 both-byte uint16. */
export function getUint16Both(view: DataView, at: number): number {
  return view.getUint16(at, true);
}

/** Reads the little-endian half of a 7.3.3 both-byte uint32. */
export function getUint32Both(view: DataView, at: number): number {
  return view.getUint32(at, true);
}

/** True when both halves of a 7.3.3 field agree. */
export function uint32BothAgree(view: DataView, at: number): boolean {
  return view.getUint32(at, true) === view.getUint32(at + 4, false);
}

/** True when both halves of a 7.2.3 field agree. */
export function uint16BothAgree(view: DataView, at: number): boolean {
  return view.getUint16(at, true) === view.getUint16(at + 2, false);
}

/** A DataView over exactly the bytes of `bytes`. */
export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

const encoder = new TextEncoder();

/**
 * Writes `text` as a fixed-width, space-padded (FILLER, §7.4.4) single-byte field.
 * Characters above U+00FF become "_"; text longer than the field is a RangeError.
 */
export function setPaddedAscii(
  bytes: Uint8Array,
  at: number,
  fieldBytes: number,
  text: string,
  field: string,
): void {
  if (text.length > fieldBytes) {
    throw new RangeError(`Cannot write ${field}: "${text}" is longer than ${fieldBytes} characters`);
  }
  for (let i = 0; i < fieldBytes; i++) {
    const code = i < text.length ? text.charCodeAt(i) : 0x20;
    bytes[at + i] = code > 0xff ? 0x5f : code;
  }
}

/** Writes `text` as a fixed-width UCS-2BE field padded with U+0020 (Joliet). */
export function setPaddedUcs2(
  bytes: Uint8Array,
  at: number,
  fieldBytes: number,
  text: string,
  field: string,
): void {
  const units = Math.floor(fieldBytes / 2);
  if (text.length > units) {
    throw new RangeError(`Cannot write ${field}: "${text}" is longer than ${units} UCS-2 characters`);
  }
  for (let i = 0; i < units; i++) {
    const code = i < text.length ? text.charCodeAt(i) : 0x20;
    bytes[at + 2 * i] = code >> 8;
    bytes[at + 2 * i + 1] = code & 0xff;
  }
}

/** Reads a single-byte text field, trimming trailing spaces and NULs. */
export function getTrimmedAscii(bytes: Uint8Array, at: number, fieldBytes: number): string {
  let text = "";
  for (let i = 0; i < fieldBytes; i++) text += String.fromCharCode(bytes[at + i]);
  return text.replace(/[\s\0]+$/, "");
}

/** Reads a UCS-2BE text field, trimming trailing spaces and NULs. */
export function getTrimmedUcs2(bytes: Uint8Array, at: number, fieldBytes: number): string {
  return decodeUcs2(bytes.subarray(at, at + fieldBytes - (fieldBytes % 2))).replace(/[\s\0]+$/, "");
}

/** Decodes UCS-2BE (surrogate pairs some writers emit decode as UTF-16). */
export function decodeUcs2(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i + 1 < bytes.byteLength; i += 2) {
    text += String.fromCharCode((bytes[i] << 8) | bytes[i + 1]);
  }
  return text;
}

/** Encodes a string as UTF-8 bytes (Rock Ridge names and link targets). */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Encodes a string as Latin-1 / ASCII bytes (ISO 9660 identifiers are d-characters already). */
export function latin1(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

/**
 * UTF-8 bytes of `text` (what {@link utf8} would give, counted without encoding: a lone surrogate
 * counts as U+FFFD, 3 bytes).
 */
export function utf8ByteLength(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4; // a surrogate pair is one 4-byte character
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * Writes `text` as UTF-8 into `target` at `at` (as {@link utf8} encodes it: a lone surrogate
 * becomes U+FFFD); returns the bytes written. The caller makes room ({@link utf8ByteLength}).
 */
export function writeUtf8(target: Uint8Array, at: number, text: string): number {
  let out = at;
  for (let i = 0; i < text.length; i++) {
    let code = text.charCodeAt(i);
    if (code < 0x80) {
      target[out++] = code;
      continue;
    }
    if (code >= 0xd800 && code <= 0xdfff) {
      const next = text.charCodeAt(i + 1);
      if (code <= 0xdbff && (next & 0xfc00) === 0xdc00) {
        code = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00);
        i++;
      } else code = 0xfffd;
    }
    if (code < 0x800) {
      target[out++] = 0xc0 | (code >> 6);
    } else if (code < 0x10000) {
      target[out++] = 0xe0 | (code >> 12);
      target[out++] = 0x80 | ((code >> 6) & 0x3f);
    } else {
      target[out++] = 0xf0 | (code >> 18);
      target[out++] = 0x80 | ((code >> 12) & 0x3f);
      target[out++] = 0x80 | ((code >> 6) & 0x3f);
    }
    target[out++] = 0x80 | (code & 0x3f);
  }
  return out - at;
}

/** Bytes of an identifier written in `encoding`. */
export function textByteLength(text: string, encoding: TextEncoding): number {
  return encoding === "latin1" ? text.length : encoding === "ucs2" ? 2 * text.length : utf8ByteLength(text);
}

/** An identifier's bytes in `encoding`. */
export function encodeText(text: string, encoding: TextEncoding): Uint8Array {
  const out = new Uint8Array(textByteLength(text, encoding));
  writeText(out, 0, text, encoding);
  return out;
}

/** Writes an identifier in `encoding` at `at`; returns the bytes written. */
export function writeText(target: Uint8Array, at: number, text: string, encoding: TextEncoding): number {
  if (encoding === "utf8") return writeUtf8(target, at, text);
  if (encoding === "latin1") {
    for (let i = 0; i < text.length; i++) target[at + i] = text.charCodeAt(i) & 0xff;
    return text.length;
  }
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    target[at + 2 * i] = code >> 8;
    target[at + 2 * i + 1] = code & 0xff;
  }
  return 2 * text.length;
}

/**
 * How identifier text becomes bytes: one byte per character (ISO 9660 d-characters), UCS-2BE
 * (Joliet) or UTF-8 (ISO 9660:1999, Rock Ridge names).
 */
export type TextEncoding = "latin1" | "ucs2" | "utf8";
