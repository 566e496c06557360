/**
 * Encoding a run of consecutive raw data sectors (the unit of work of raw tracks and of the
 * encoder workers).
 * @module
 */

import {
  encodeMode1Sector,
  encodeMode2Form1Sector,
  encodeMode2FormlessSector,
  FORM1_SUBHEADER,
  SECTOR_BYTES,
  USER_DATA_BYTES,
} from "./sector.ts";
import { encodeDataSectorsWasm, type UserDataFill, WASM_CODEC_AVAILABLE } from "./wasm_codec.ts";

/** Runs shorter than this are encoded in JavaScript (one call per sector is as fast). */
const WASM_MIN_SECTORS = 4;

/** Which sectors a run holds: Mode 1, XA Form 1 (sub-header "Data"), or Mode 0 (zero gaps). */
export type RawSectorKind = "mode1" | "form1" | "mode0";

/**
 * Encodes `sectorCount` sectors from `firstLba`; `user` holds 2048 bytes per sector (absent:
 * zero data, as in generated gaps), or is read by `user` itself ({@link UserDataFill}). Into `out` when given (every byte of its first
 * `sectorCount` sectors is written; a reused buffer needs no clearing), else a new array.
 *
 * @example
 * ```ts
 * const raw = encodeRawSectors("mode1", 0, 16, isoHead);
 * ```
 */
export function encodeRawSectors(
  kind: RawSectorKind,
  firstLba: number,
  sectorCount: number,
  user?: Uint8Array | UserDataFill,
  into?: Uint8Array,
): Uint8Array {
  if (into && into.byteLength < sectorCount * SECTOR_BYTES) {
    throw new RangeError(`Cannot encode ${sectorCount} sectors into ${into.byteLength} bytes`);
  }
  const out = into
    ? into.subarray(0, sectorCount * SECTOR_BYTES)
    : new Uint8Array(sectorCount * SECTOR_BYTES);
  // Runs of data sectors: the WebAssembly encoder (the same bytes, about twice as fast).
  if (kind !== "mode0" && WASM_CODEC_AVAILABLE && sectorCount >= WASM_MIN_SECTORS) {
    encodeDataSectorsWasm(kind, firstLba, sectorCount, user, out, FORM1_SUBHEADER);
    return out;
  }
  if (typeof user === "function") {
    const bytes = new Uint8Array(sectorCount * USER_DATA_BYTES);
    user(bytes, 0);
    user = bytes;
  }
  for (let i = 0; i < sectorCount; i++) {
    const data = user?.subarray(i * USER_DATA_BYTES, (i + 1) * USER_DATA_BYTES);
    const at = i * SECTOR_BYTES;
    if (kind === "mode1") encodeMode1Sector(firstLba + i, data, out, at);
    else if (kind === "form1") encodeMode2Form1Sector(firstLba + i, FORM1_SUBHEADER, data, out, at);
    else encodeMode2FormlessSector(firstLba + i, undefined, out, at, 0);
  }
  return out;
}
