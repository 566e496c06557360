/**
 * The File Allocation Table: one entry per cluster, 12, 16 or 32 bits wide (fatgen103 "FAT Data
 * Structure"; fat.md §5). Only the entries up to the last cluster in use are held in memory; the
 * planner writes the rest of each FAT as a zero region.
 * @module
 */

import type { FatType } from "./boot_sector.ts";

/** Entry values with a meaning of their own, per FAT type. */
export const FAT_ENTRY = {
  12: { free: 0x000, bad: 0xff7, endOfChain: 0xfff, mask: 0xfff },
  16: { free: 0x0000, bad: 0xfff7, endOfChain: 0xffff, mask: 0xffff },
  32: { free: 0x0000000, bad: 0x0ffffff7, endOfChain: 0x0fffffff, mask: 0x0fffffff },
} as const;

/** First cluster number of the data region. */
export const FIRST_CLUSTER = 2;

/**
 * Bytes that hold the entries 0 … entryCount − 1 of a FAT.
 *
 * @example
 * ```ts
 * fatByteLength(12, 4); // 6
 * ```
 */
export function fatByteLength(fatType: FatType, entryCount: number): number {
  return fatType === 12 ? Math.ceil((entryCount * 3) / 2) : entryCount * (fatType / 8);
}

/**
 * A FAT being built: entries 0 and 1 set from the media byte, chains added one at a time.
 *
 * @example
 * ```ts
 * const fat = new FatTable(12, 0xf0, 10);
 * fat.addChain(2, 3); // 2 → 3 → 4 → end
 * fat.bytes.subarray(0, 6); // f0 ff ff 03 40 00
 * ```
 */
export class FatTable {
  /** The encoded entries 0 … entryCount − 1 (a whole number of bytes). */
  readonly bytes: Uint8Array;
  readonly #view: DataView;

  /**
   * An empty FAT: entries 0 and 1 set, every cluster free.
   *
   * @param fatType entry width
   * @param mediaDescriptor BPB_Media, repeated in the low byte of FAT[0]
   * @param entryCount entries held in memory (at least 2)
   * @param byteLength bytes to allocate (default: just enough for `entryCount`); a multiple of the
   *   sector size lets the planner emit it as whole sectors
   */
  constructor(
    /** Entry width. */
    readonly fatType: FatType,
    mediaDescriptor: number,
    /** Entries held in memory. */
    readonly entryCount: number,
    byteLength = fatByteLength(fatType, entryCount),
  ) {
    if (entryCount < 2 || byteLength < fatByteLength(fatType, entryCount)) {
      throw new RangeError(`Cannot build FAT: ${entryCount} entries in ${byteLength} bytes`);
    }
    this.bytes = new Uint8Array(byteLength);
    this.#view = new DataView(this.bytes.buffer);
    const { mask, endOfChain } = FAT_ENTRY[fatType];
    this.set(0, (mask & ~0xff) | mediaDescriptor); // FAT[0]: media byte, all other bits set (fatgen103)
    this.set(1, endOfChain); // FAT[1]: end of chain; on FAT16/32 also "clean, no errors" (fatgen103)
  }

  /** Sets entry `cluster` to `value` (FAT12: keeps the neighbouring nibble). */
  set(cluster: number, value: number): void {
    if (cluster < 0 || cluster >= this.entryCount) {
      throw new RangeError(`Cannot set FAT entry ${cluster}: the table holds ${this.entryCount}`);
    }
    switch (this.fatType) {
      case 12: {
        const at = cluster + (cluster >> 1);
        const word = this.#view.getUint16(at, true);
        const next = (cluster & 1) === 0
          ? (word & 0xf000) | (value & 0x0fff)
          : (word & 0x000f) | ((value & 0x0fff) << 4);
        this.#view.setUint16(at, next, true);
        return;
      }
      case 16:
        this.#view.setUint16(cluster * 2, value & 0xffff, true);
        return;
      case 32: {
        const old = this.#view.getUint32(cluster * 4, true);
        this.#view.setUint32(cluster * 4, ((old & 0xf0000000) | (value & 0x0fffffff)) >>> 0, true);
        return;
      }
    }
  }

  /** Entry `cluster` (FAT32: the low 28 bits). */
  get(cluster: number): number {
    return readFatEntry(this.bytes, this.fatType, cluster);
  }

  /** Links `clusterCount` clusters from `firstCluster` on, each to the next, the last to end of chain. */
  addChain(firstCluster: number, clusterCount: number): void {
    const last = firstCluster + clusterCount - 1;
    for (let cluster = firstCluster; cluster < last; cluster++) this.set(cluster, cluster + 1);
    if (clusterCount > 0) this.set(last, FAT_ENTRY[this.fatType].endOfChain);
  }
}

/**
 * Reads entry `cluster` of an encoded FAT (FAT32: the low 28 bits).
 *
 * @example
 * ```ts
 * readFatEntry(Uint8Array.of(0xf0, 0xff, 0xff, 0x03, 0x40, 0x00), 12, 3); // 4
 * ```
 */
export function readFatEntry(bytes: Uint8Array, fatType: FatType, cluster: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (fatType) {
    case 12: {
      const word = view.getUint16(cluster + (cluster >> 1), true);
      return (cluster & 1) === 0 ? word & 0x0fff : word >> 4;
    }
    case 16:
      return view.getUint16(cluster * 2, true);
    case 32:
      return view.getUint32(cluster * 4, true) & 0x0fffffff;
  }
}
