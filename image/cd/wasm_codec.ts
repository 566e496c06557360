/**
 * Runs of Mode 1 and Mode 2 Form 1 data sectors encoded by a WebAssembly module with SIMD (the
 * text is generated in `wasm_codec_source.ts`): the same bytes as {@link ./sector.ts}, which
 * stays the reference (and the encoder of single sectors), about four times as fast.
 *
 * One instance per thread (each encoder worker has its own). Sectors are encoded in batches of
 * {@link BATCH_SECTORS} through the module's memory: user data copied in, raw sectors copied out.
 * @module
 */

import { EDC_SLICE_TABLES, edcShiftTables } from "./edc.ts";
import { lbaToMsf } from "./msf.ts";
import { SECTOR_BYTES, USER_DATA_BYTES } from "./sector.ts";
import { WASM_CODEC_BASE64 } from "./wasm_codec_bytes.ts";
import { EDC_SHIFT_BYTES, WASM_CODEC_LAYOUT } from "./wasm_codec_source.ts";

/** Sectors per pass through the module's memory (its working set stays in the CPU cache). */
const BATCH_SECTORS = 32;
const USER_AT = WASM_CODEC_LAYOUT.work;
const OUT_AT = USER_AT + BATCH_SECTORS * USER_DATA_BYTES;

interface CodecExports {
  readonly memory: WebAssembly.Memory;
  encode_mode1(lba: number, count: number, user: number, out: number): void;
  encode_form1(lba: number, count: number, user: number, out: number, subHeader: number): void;
}

let codec: CodecExports | undefined;

function instance(): CodecExports {
  if (codec) return codec;
  const bytes = Uint8Array.from(atob(WASM_CODEC_BASE64), (c) => c.charCodeAt(0));
  const exports = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as unknown as CodecExports;
  const needed = OUT_AT + BATCH_SECTORS * SECTOR_BYTES;
  const pages = Math.ceil((needed - exports.memory.buffer.byteLength) / 65536);
  if (pages > 0) exports.memory.grow(pages);
  const memory = new Uint8Array(exports.memory.buffer);
  EDC_SLICE_TABLES.forEach((table, t) => {
    memory.set(new Uint8Array(table.buffer, table.byteOffset, 1024), WASM_CODEC_LAYOUT.edcTables + 1024 * t);
  });
  EDC_SHIFT_BYTES.forEach((zeroBytes, k) => {
    const tables = edcShiftTables(zeroBytes);
    memory.set(new Uint8Array(tables.buffer), WASM_CODEC_LAYOUT.edcShiftTables + 4096 * k);
  });
  codec = exports;
  return codec;
}

/** Whether this runtime has WebAssembly with SIMD (else the JavaScript encoder is used). */
export const WASM_CODEC_AVAILABLE: boolean = (() => {
  try {
    instance();
    return true;
  } catch {
    return false;
  }
})();

/**
 * Fills `into` with the run's user data from byte `byteOffset` of the run (whole 2048-byte
 * sectors): a reader that puts them straight where the encoder wants them.
 */
export type UserDataFill = (into: Uint8Array, byteOffset: number) => void;

/**
 * Encodes `sectorCount` sectors from `firstLba` into `out` (2352 bytes each): Mode 1, or Mode 2
 * Form 1 with the 4-byte `subHeader`. `user` holds 2048 bytes per sector (shorter, or absent,
 * means zeros for the rest), or fills the encoder's input batch by batch ({@link UserDataFill}).
 *
 * @example
 * ```ts
 * const raw = new Uint8Array(16 * 2352);
 * encodeDataSectorsWasm("mode1", 0, 16, isoHead, raw);
 * ```
 */
export function encodeDataSectorsWasm(
  kind: "mode1" | "form1",
  firstLba: number,
  sectorCount: number,
  user: Uint8Array | UserDataFill | undefined,
  out: Uint8Array,
  subHeader?: Uint8Array,
): void {
  if (sectorCount === 0) return;
  lbaToMsf(firstLba); // range checks, as the JavaScript encoder does per sector
  lbaToMsf(firstLba + sectorCount - 1);
  if (out.byteLength < sectorCount * SECTOR_BYTES) {
    throw new RangeError(`Cannot encode ${sectorCount} sectors into ${out.byteLength} bytes`);
  }
  const c = instance();
  const memory = new Uint8Array(c.memory.buffer);
  const sub = subHeader
    ? subHeader[0] | (subHeader[1] << 8) | (subHeader[2] << 16) | (subHeader[3] << 24)
    : 0;
  for (let done = 0; done < sectorCount; done += BATCH_SECTORS) {
    const count = Math.min(BATCH_SECTORS, sectorCount - done);
    const userBytes = count * USER_DATA_BYTES;
    const from = done * USER_DATA_BYTES;
    if (typeof user === "function") user(memory.subarray(USER_AT, USER_AT + userBytes), from);
    else {
      const given = user ? Math.max(0, Math.min(userBytes, user.byteLength - from)) : 0;
      if (given > 0) memory.set(user!.subarray(from, from + given), USER_AT);
      if (given < userBytes) memory.fill(0, USER_AT + given, USER_AT + userBytes);
    }
    if (kind === "mode1") c.encode_mode1(firstLba + done, count, USER_AT, OUT_AT);
    else c.encode_form1(firstLba + done, count, USER_AT, OUT_AT, sub);
    out.set(memory.subarray(OUT_AT, OUT_AT + count * SECTOR_BYTES), done * SECTOR_BYTES);
  }
}
