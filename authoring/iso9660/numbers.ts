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

/** Encodes UCS-2BE (characters outside the BMP must already have been replaced). */
export function encodeUcs2(text: string): Uint8Array {
  const out = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    out[2 * i] = code >> 8;
    out[2 * i + 1] = code & 0xff;
  }
  return out;
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
