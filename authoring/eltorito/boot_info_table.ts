/**
 * Patches written into an El Torito boot image file itself (el-torito.md §4–§5):
 *
 * - the Boot Info Table (mkisofs `-boot-info-table`): 56 bytes at offset 8 — PVD LBA, the file's own
 *   LBA, its byte length, and the sum of its uint32 LE words from offset 64 to the end (a partial
 *   last word zero padded) — then 40 zero bytes;
 * - the GRUB2 boot info (`--grub2-boot-info`): uint64 LE at offset 2548 = file LBA × 4 + 5.
 *
 * libisofs applies the GRUB2 patch first and the table last, so the checksum covers the patched
 * GRUB2 bytes; {@link patchBootImage} and {@link BootInfoChecksum} do the same.
 * @module
 */

import { FormatError } from "../../image/errors.ts";

/** Byte offset of the Boot Info Table in the boot file. */
export const BOOT_INFO_TABLE_BYTE_OFFSET = 8;
/** Bytes of the Boot Info Table (16 bytes of fields + 40 reserved). */
export const BOOT_INFO_TABLE_BYTES = 56;
/** First byte of the boot file the checksum covers. */
export const BOOT_INFO_CHECKSUM_BYTE_OFFSET = 64;
/** Byte offset of the GRUB2 boot info (512 × 5 − 12) in GRUB's eltorito.img. */
export const GRUB2_BOOT_INFO_BYTE_OFFSET = 2548;
/** What GRUB2 boot info adds to the image's 512-byte address. */
export const GRUB2_BOOT_INFO_ADDEND = 5;
/** The ISOLINUX hybrid signature at offset 64 of isolinux.bin (uint32 LE 0x7078C0FB). */
export const ISOLINUX_HYBRID_SIGNATURE = Uint8Array.of(0xfb, 0xc0, 0x78, 0x70);

/**
 * The Boot Info Table fields.
 *
 * @example
 * ```ts
 * const table: BootInfoTable = {
 *   primaryVolumeDescriptorLba: 16,
 *   bootFileLba: 4155,
 *   bootFileByteLength: 38912,
 *   checksum: 0x8811c780,
 * };
 * ```
 */
export interface BootInfoTable {
  /** LBA of the Primary Volume Descriptor (16 + session start). */
  readonly primaryVolumeDescriptorLba: number;
  /** LBA of the boot file. */
  readonly bootFileLba: number;
  /** Byte length of the boot file. */
  readonly bootFileByteLength: number;
  /** Sum of the file's uint32 LE words from byte 64, mod 2³². */
  readonly checksum: number;
}

/**
 * Encodes the 56 table bytes (fields, then 40 zeros).
 *
 * @example
 * ```ts
 * bootImage.set(encodeBootInfoTable(table), BOOT_INFO_TABLE_BYTE_OFFSET);
 * ```
 */
export function encodeBootInfoTable(table: BootInfoTable): Uint8Array {
  const out = new Uint8Array(BOOT_INFO_TABLE_BYTES);
  const view = new DataView(out.buffer);
  view.setUint32(0, checkUint32(table.primaryVolumeDescriptorLba, "PVD LBA"), true); // 8: PVD LBA, uint32 LE (el-torito.md §4)
  view.setUint32(4, checkUint32(table.bootFileLba, "boot file LBA"), true); // 12: boot file LBA, uint32 LE
  view.setUint32(8, checkUint32(table.bootFileByteLength, "boot file length"), true); // 16: boot file length, uint32 LE
  view.setUint32(12, checkUint32(table.checksum, "checksum"), true); // 20: checksum, uint32 LE
  return out; // 24..63: reserved, zeros
}

/**
 * Decodes the table fields from a boot file's bytes at `at` (normally 8).
 *
 * @example
 * ```ts
 * const table = decodeBootInfoTable(bootImage, BOOT_INFO_TABLE_BYTE_OFFSET);
 * ```
 */
export function decodeBootInfoTable(bytes: Uint8Array, at: number): BootInfoTable {
  if (at < 0 || bytes.byteLength - at < 16) {
    throw new FormatError(`Cannot read boot info table: 16 bytes needed at ${at}`, {
      structure: "Boot Info Table",
      byteOffset: at,
    });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, 16);
  return {
    primaryVolumeDescriptorLba: view.getUint32(0, true),
    bootFileLba: view.getUint32(4, true),
    bootFileByteLength: view.getUint32(8, true),
    checksum: view.getUint32(12, true),
  };
}

/**
 * Incremental Boot Info Table checksum: feed the boot file's bytes in order (chunks of any size);
 * bytes before offset 64 are skipped, a partial last word counts zero padded. With
 * `grub2BootFileLba` the GRUB2 boot info value is summed in place of bytes 2548–2555, so the raw
 * file can be streamed and the result equals the checksum of the patched file.
 *
 * @example
 * ```ts
 * const sum = new BootInfoChecksum();
 * for await (const chunk of file.readable) sum.update(chunk);
 * const checksum = sum.digest();
 * ```
 */
export class BootInfoChecksum {
  #byteOffset = 0;
  #sum = 0;
  #word = 0;
  readonly #grub2Patch?: Uint8Array;

  constructor(options: { readonly grub2BootFileLba?: number } = {}) {
    if (options.grub2BootFileLba !== undefined) {
      this.#grub2Patch = encodeGrub2BootInfo(options.grub2BootFileLba);
    }
  }

  /** Bytes seen so far. */
  get byteLength(): number {
    return this.#byteOffset;
  }

  /** Adds the next bytes of the file. */
  update(chunk: Uint8Array): this {
    const patch = this.#grub2Patch;
    for (let i = 0; i < chunk.byteLength; i++) {
      const at = this.#byteOffset++;
      if (at < BOOT_INFO_CHECKSUM_BYTE_OFFSET) continue;
      let byte = chunk[i];
      if (patch && at >= GRUB2_BOOT_INFO_BYTE_OFFSET && at < GRUB2_BOOT_INFO_BYTE_OFFSET + 8) {
        byte = patch[at - GRUB2_BOOT_INFO_BYTE_OFFSET];
      }
      const lane = at & 3;
      this.#word |= byte << (8 * lane);
      if (lane === 3) {
        this.#sum = (this.#sum + (this.#word >>> 0)) >>> 0;
        this.#word = 0;
      }
    }
    return this;
  }

  /** The checksum of the bytes seen (a pending partial word counts zero padded). */
  digest(): number {
    return (this.#sum + (this.#word >>> 0)) >>> 0;
  }
}

/**
 * The Boot Info Table checksum of a whole (already GRUB2-patched, if wanted) boot file.
 *
 * @example
 * ```ts
 * bootInfoChecksum(isolinuxBin); // e.g. 0x8811C780
 * ```
 */
export function bootInfoChecksum(file: Uint8Array): number {
  return new BootInfoChecksum().update(file).digest();
}

/**
 * The 8 bytes of the GRUB2 boot info for an image at `bootFileLba`: uint64 LE of LBA × 4 + 5.
 *
 * @example
 * ```ts
 * encodeGrub2BootInfo(2972); // 75 2e 00 00 00 00 00 00 (11893)
 * ```
 */
export function encodeGrub2BootInfo(bootFileLba: number): Uint8Array {
  checkUint32(bootFileLba, "boot file LBA");
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(bootFileLba) * 4n + BigInt(GRUB2_BOOT_INFO_ADDEND), true); // 2548: LBA×4+5, uint64 LE (el-torito.md §5)
  return out;
}

/** What to patch into a boot image. */
export interface BootImagePatch {
  /** LBA of the PVD the table names (16 + session start). */
  readonly primaryVolumeDescriptorLba: number;
  /** LBA of the boot file in the image. */
  readonly bootFileLba: number;
  /** `-boot-info-table`. */
  readonly bootInfoTable: boolean;
  /** `--grub2-boot-info`. */
  readonly grub2BootInfo: boolean;
}

/**
 * Returns a patched copy of a boot image: GRUB2 boot info first, then the Boot Info Table (whose
 * checksum covers the GRUB2 bytes), as libisofs does. Too small a file for a patch is a RangeError.
 *
 * @example
 * ```ts
 * const patched = patchBootImage(isolinuxBin, {
 *   primaryVolumeDescriptorLba: 16, bootFileLba: 4155, bootInfoTable: true, grub2BootInfo: false,
 * });
 * ```
 */
export function patchBootImage(file: Uint8Array, patch: BootImagePatch): Uint8Array {
  const out = file.slice();
  if (patch.grub2BootInfo) {
    if (out.byteLength < GRUB2_BOOT_INFO_BYTE_OFFSET + 8) {
      throw new RangeError(
        `Cannot patch boot image for GRUB2: it has ${out.byteLength} bytes, at least ${
          GRUB2_BOOT_INFO_BYTE_OFFSET + 8
        } needed`,
      );
    }
    out.set(encodeGrub2BootInfo(patch.bootFileLba), GRUB2_BOOT_INFO_BYTE_OFFSET);
  }
  if (patch.bootInfoTable) {
    if (out.byteLength < BOOT_INFO_CHECKSUM_BYTE_OFFSET) {
      throw new RangeError(
        `Cannot patch boot info table: the boot image has ${out.byteLength} bytes, at least 64 needed`,
      );
    }
    out.set(
      encodeBootInfoTable({
        primaryVolumeDescriptorLba: patch.primaryVolumeDescriptorLba,
        bootFileLba: patch.bootFileLba,
        bootFileByteLength: out.byteLength,
        checksum: bootInfoChecksum(out),
      }),
      BOOT_INFO_TABLE_BYTE_OFFSET,
    );
  }
  return out;
}

/**
 * The bytes a patch changes, as small regions to lay over the file's data (design: "patches are
 * small in-memory regions"): the 56 table bytes at 8 and/or the 8 GRUB2 bytes at 2548. The
 * checksum comes from a {@link BootInfoChecksum} over the unpatched file (created with
 * `grub2BootFileLba` when GRUB2 boot info is patched too).
 *
 * @example
 * ```ts
 * const sum = new BootInfoChecksum({ grub2BootFileLba: 2972 });
 * for await (const chunk of file.readable) sum.update(chunk);
 * const overlays = bootImagePatchOverlays({ ...patch, bootFileByteLength: sum.byteLength, checksum: sum.digest() });
 * ```
 */
export function bootImagePatchOverlays(
  patch: BootImagePatch & { readonly bootFileByteLength: number; readonly checksum: number },
): { readonly byteOffset: number; readonly bytes: Uint8Array }[] {
  const overlays: { byteOffset: number; bytes: Uint8Array }[] = [];
  if (patch.grub2BootInfo) {
    if (patch.bootFileByteLength < GRUB2_BOOT_INFO_BYTE_OFFSET + 8) {
      throw new RangeError(`Cannot patch boot image for GRUB2: it has ${patch.bootFileByteLength} bytes`);
    }
    overlays.push({ byteOffset: GRUB2_BOOT_INFO_BYTE_OFFSET, bytes: encodeGrub2BootInfo(patch.bootFileLba) });
  }
  if (patch.bootInfoTable) {
    if (patch.bootFileByteLength < BOOT_INFO_CHECKSUM_BYTE_OFFSET) {
      throw new RangeError(
        `Cannot patch boot info table: the boot image has ${patch.bootFileByteLength} bytes`,
      );
    }
    overlays.unshift({
      byteOffset: BOOT_INFO_TABLE_BYTE_OFFSET,
      bytes: encodeBootInfoTable({
        primaryVolumeDescriptorLba: patch.primaryVolumeDescriptorLba,
        bootFileLba: patch.bootFileLba,
        bootFileByteLength: patch.bootFileByteLength,
        checksum: patch.checksum,
      }),
    });
  }
  return overlays;
}

/** libisofs does not inspect boot images larger than this (4 MiB). */
export const INSPECTED_BOOT_IMAGE_MAX_BYTES = 4 * 1024 * 1024;

/**
 * What a boot image as found in an image carries, judged as `xorriso -report_el_torito` judges it
 * (libisofs `fs_image.c`): a Boot Info Table that matches the file, ISOLINUX's hybrid signature
 * behind such a table, GRUB2 boot info matching the file's LBA. Files under 64 bytes or over 4 MiB are not inspected.
 *
 * @example
 * ```ts
 * inspectBootImage(isolinuxBin, 4155); // { bootInfoTable: true, isohybridSuitable: true, grub2BootInfo: false }
 * ```
 */
export function inspectBootImage(
  file: Uint8Array,
  bootFileLba: number,
  primaryVolumeDescriptorLba = 16,
): { readonly bootInfoTable: boolean; readonly isohybridSuitable: boolean; readonly grub2BootInfo: boolean } {
  if (file.byteLength < BOOT_INFO_CHECKSUM_BYTE_OFFSET || file.byteLength > INSPECTED_BOOT_IMAGE_MAX_BYTES) {
    return { bootInfoTable: false, isohybridSuitable: false, grub2BootInfo: false };
  }
  const found = decodeBootInfoTable(file, BOOT_INFO_TABLE_BYTE_OFFSET);
  const bootInfoTable = found.primaryVolumeDescriptorLba === primaryVolumeDescriptorLba &&
    found.bootFileLba === bootFileLba && found.bootFileByteLength === file.byteLength &&
    found.checksum === bootInfoChecksum(file);
  let grub2BootInfo = false;
  if (file.byteLength >= GRUB2_BOOT_INFO_BYTE_OFFSET + 8) {
    const value = new DataView(file.buffer, file.byteOffset + GRUB2_BOOT_INFO_BYTE_OFFSET, 8).getBigUint64(
      0,
      true,
    );
    grub2BootInfo = value === BigInt(bootFileLba) * 4n + BigInt(GRUB2_BOOT_INFO_ADDEND);
  }
  const isohybridSuitable = bootInfoTable && file.byteLength >= 68 &&
    ISOLINUX_HYBRID_SIGNATURE.every((b, i) => file[BOOT_INFO_CHECKSUM_BYTE_OFFSET + i] === b);
  return { bootInfoTable, isohybridSuitable, grub2BootInfo };
}

function checkUint32(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new RangeError(`Cannot encode boot info: ${what} ${value} is not a uint32`);
  }
  return value;
}
