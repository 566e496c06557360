/**
 * The El Torito Boot Record Volume Descriptor (El Torito 1.0 Fig. 7, ECMA-119 §8.2): one 2048-byte
 * sector at LBA 17 that names the boot system and points at the boot catalog.
 * @module
 */

import { FormatError } from "../../image/errors.ts";
import { type DecodePolicy, reportProblem } from "./decode_policy.ts";

/** Bytes of the descriptor (one logical sector). */
export const BOOT_RECORD_BYTES = 2048;

/** LBA El Torito requires for the Boot Record (SeaBIOS reads only this sector). */
export const BOOT_RECORD_LBA = 17;

/** The Boot System Identifier of El Torito, padded with zeros to 32 bytes on disk. */
export const EL_TORITO_BOOT_SYSTEM_IDENTIFIER = "EL TORITO SPECIFICATION";

/**
 * A Boot Record Volume Descriptor.
 *
 * @example
 * ```ts
 * const record: BootRecordVolumeDescriptor = {
 *   bootSystemIdentifier: EL_TORITO_BOOT_SYSTEM_IDENTIFIER,
 *   bootIdentifier: new Uint8Array(32),
 *   bootCatalogLba: 58,
 * };
 * ```
 */
export interface BootRecordVolumeDescriptor {
  /** Boot System Identifier (32 bytes, a-characters, zero padded): "EL TORITO SPECIFICATION". */
  readonly bootSystemIdentifier: string;
  /** Boot Identifier, 32 bytes (zeros for El Torito). */
  readonly bootIdentifier: Uint8Array;
  /** Absolute LBA of the first sector of the boot catalog (El Torito Fig. 7 offset 0x47). */
  readonly bootCatalogLba: number;
}

/**
 * Encodes the Boot Record sector: 00 "CD001" 01, identifiers, the catalog LBA at 71, zeros.
 *
 * @example
 * ```ts
 * const sector = encodeBootRecordVolumeDescriptor({
 *   bootSystemIdentifier: EL_TORITO_BOOT_SYSTEM_IDENTIFIER,
 *   bootIdentifier: new Uint8Array(32),
 *   bootCatalogLba: 58,
 * }); // sector[71] === 0x3a
 * ```
 */
export function encodeBootRecordVolumeDescriptor(record: BootRecordVolumeDescriptor): Uint8Array {
  const id = record.bootSystemIdentifier;
  if (id.length > 32 || !/^[\x20-\x7e]*$/.test(id)) {
    throw new RangeError(
      `Cannot encode boot record: boot system identifier ${JSON.stringify(id)} is not 0-32 ASCII characters`,
    );
  }
  if (record.bootIdentifier.byteLength > 32) {
    throw new RangeError(
      `Cannot encode boot record: boot identifier has ${record.bootIdentifier.byteLength} bytes, at most 32 fit`,
    );
  }
  checkUint32(record.bootCatalogLba, "boot catalog LBA");
  const out = new Uint8Array(BOOT_RECORD_BYTES);
  out[0] = 0; // 0: Volume Descriptor Type 0 = Boot Record (ECMA-119 §8.2.1)
  out.set([0x43, 0x44, 0x30, 0x30, 0x31], 1); // 1: Standard Identifier "CD001" (§8.2.2)
  out[6] = 1; // 6: Volume Descriptor Version 1 (§8.2.3)
  for (let i = 0; i < id.length; i++) out[7 + i] = id.charCodeAt(i); // 7: Boot System Identifier, zero padded (El Torito Fig. 7)
  out.set(record.bootIdentifier, 39); // 39: Boot Identifier, 32 bytes (§8.2.5)
  new DataView(out.buffer).setUint32(71, record.bootCatalogLba, true); // 71: boot catalog LBA, uint32 LE (El Torito Fig. 7)
  return out; // 75..2047: unused, zeros (El Torito Fig. 7)
}

/**
 * Decodes a Boot Record sector. A sector that is not a boot record (type, "CD001", version) is
 * always a {@link FormatError}; an identifier other than El Torito's or non-zero unused bytes are
 * problems for the policy.
 *
 * @example
 * ```ts
 * const record = decodeBootRecordVolumeDescriptor(sector17, 0, { strict: true });
 * const catalogLba = record.bootCatalogLba;
 * ```
 */
export function decodeBootRecordVolumeDescriptor(
  bytes: Uint8Array,
  at: number,
  policy: DecodePolicy = {},
): BootRecordVolumeDescriptor {
  const structure = "Boot Record Volume Descriptor";
  if (at < 0 || bytes.byteLength - at < BOOT_RECORD_BYTES) {
    throw new FormatError(`Cannot read boot record: ${BOOT_RECORD_BYTES} bytes needed at ${at}`, {
      structure,
      byteOffset: at,
    });
  }
  const s = bytes.subarray(at, at + BOOT_RECORD_BYTES);
  if (s[0] !== 0 || s[1] !== 0x43 || s[2] !== 0x44 || s[3] !== 0x30 || s[4] !== 0x30 || s[5] !== 0x31) {
    throw new FormatError(`Cannot read boot record: the sector does not start with 00 "CD001"`, {
      structure,
      field: "Volume Descriptor Type",
      byteOffset: at,
    });
  }
  if (s[6] !== 1) {
    reportProblem(policy, `Cannot verify boot record: version is ${s[6]}, expected 1`, {
      structure,
      field: "Volume Descriptor Version",
      byteOffset: at + 6,
    });
  }
  let end = 7;
  while (end < 39 && s[end] !== 0) end++;
  const bootSystemIdentifier = String.fromCharCode(...s.subarray(7, end));
  if (bootSystemIdentifier !== EL_TORITO_BOOT_SYSTEM_IDENTIFIER || s.subarray(end, 39).some((b) => b !== 0)) {
    reportProblem(
      policy,
      `Cannot verify boot record: boot system identifier is ${JSON.stringify(bootSystemIdentifier)}, ` +
        `expected "${EL_TORITO_BOOT_SYSTEM_IDENTIFIER}" padded with zeros`,
      { structure, field: "Boot System Identifier", byteOffset: at + 7 },
    );
  }
  if (s.subarray(75).some((b) => b !== 0)) {
    reportProblem(policy, "Cannot verify boot record: bytes 75-2047 are not zero", {
      structure,
      field: "Unused",
      byteOffset: at + 75,
    });
  }
  return {
    bootSystemIdentifier,
    bootIdentifier: s.slice(39, 71),
    bootCatalogLba: new DataView(s.buffer, s.byteOffset, s.byteLength).getUint32(71, true),
  };
}

function checkUint32(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new RangeError(`Cannot encode boot record: ${what} ${value} is not a uint32`);
  }
}
