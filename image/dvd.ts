/**
 * DVD disc structures an image can carry besides its sectors (MMC READ DVD STRUCTURE payloads,
 * ../shared/specs/image-formats.md §3 "DVD extras", scsi-mmc.md): per layer the copyright
 * information (format 0x01, 4 bytes), disc manufacturing information (format 0x04, 2048 bytes)
 * and physical format information (PFI, format 0x00, 2048 bytes); the burst cutting area (BCA,
 * format 0x03); and the layer break of a dual-layer disc, which no image stores: it follows from
 * layer 0's PFI.
 *
 * PFI fields used here (offsets in the 2048-byte payload, big-endian):
 * | off | field |
 * |---|---|
 * | 0 | book type (high nibble), part version |
 * | 2 | bits 6–5: number of layers − 1; bit 4: track path (1 = opposite); bits 3–0: layer type |
 * | 4 | starting physical sector number (PSN) of the data area (normally 0x030000) |
 * | 8 | end PSN of the data area |
 * | 12 | end PSN in layer 0 (dual layer) |
 * @module
 */

import { type Disc, discLeadOutLba } from "./disc.ts";

/** Images larger than this are DVDs, not CDs (QEMU's rule: 800 MiB). */
export const CD_MAX_BYTES = 800 * 1024 * 1024;

/**
 * True for a DVD: the image says so (it carries DVD structures) or it is larger than a CD.
 *
 * @example
 * ```ts
 * isDvdDisc(loadMdsDisc("movie.mds")); // true
 * ```
 */
export function isDvdDisc(disc: Disc): boolean {
  return disc.dvd !== undefined || discLeadOutLba(disc) * 2048 > CD_MAX_BYTES;
}

/** Bytes of a PFI and of a DMI payload. */
export const DVD_STRUCTURE_BYTES = 2048;
/** Bytes of the copyright information payload. */
export const DVD_COPYRIGHT_BYTES = 4;

/** The structures of one layer. */
export interface DvdLayerStructures {
  /** Format 0x00: physical format information. */
  readonly pfi: Uint8Array;
  /** Format 0x01: copyright information (protection system, region mask). */
  readonly copyright: Uint8Array;
  /** Format 0x04: disc manufacturing information. */
  readonly dmi: Uint8Array;
}

/** What a DVD image says about the disc beyond its sectors. */
export interface DvdStructures {
  /** One entry per layer (two for a dual-layer disc). */
  readonly layers: readonly DvdLayerStructures[];
  /** Format 0x03: the burst cutting area, when the disc has one. */
  readonly bca?: Uint8Array;
  /** Sectors in layer 0 of a dual-layer disc (where layer 1 starts), from the PFI. */
  readonly layerBreakSectors?: number;
}

/** Number of layers a PFI states (1 or 2). */
export function pfiLayerCount(pfi: Uint8Array): number {
  return ((pfi[2] >> 5) & 0x03) + 1; // 2: bits 6–5, number of layers − 1
}

/**
 * The layer break of a dual-layer disc from layer 0's PFI: the sectors of layer 0 (end PSN in
 * layer 0 − start PSN of the data area + 1). Undefined for a single-layer PFI or nonsense values.
 *
 * @example
 * ```ts
 * layerBreakFromPfi(pfi); // 2_084_960 for a typical DVD-9
 * ```
 */
export function layerBreakFromPfi(pfi: Uint8Array): number | undefined {
  if (pfi.byteLength < 16 || pfiLayerCount(pfi) !== 2) return undefined;
  const view = new DataView(pfi.buffer, pfi.byteOffset, pfi.byteLength);
  const start = view.getUint32(4) & 0xffffff; // 4: starting PSN of the data area (byte 4 reserved)
  const layer0End = view.getUint32(12) & 0xffffff; // 12: end PSN in layer 0
  const sectors = layer0End - start + 1;
  return sectors > 0 ? sectors : undefined;
}

/**
 * A PFI for a DVD-ROM of `sectorCount` sectors as a drive reports a pressed disc: single layer,
 * or dual layer (opposite track path) with layer 0 holding `layerBreakSectors`.
 *
 * @example
 * ```ts
 * const pfi = makePfi(2_295_104); // a single-layer DVD-ROM of 4.7 GB
 * ```
 */
export function makePfi(sectorCount: number, layerBreakSectors?: number): Uint8Array {
  const pfi = new Uint8Array(DVD_STRUCTURE_BYTES);
  const view = new DataView(pfi.buffer);
  const start = 0x030000;
  pfi[0] = 0x01; // 0: book type DVD-ROM, part version 1
  pfi[1] = 0x0f; // 1: 120 mm, maximum rate not specified
  if (layerBreakSectors === undefined) {
    pfi[2] = 0x01; // 2: one layer, parallel track path, embossed
    view.setUint32(4, start); // 4: starting PSN of the data area
    view.setUint32(8, start + sectorCount - 1); // 8: end PSN of the data area
  } else {
    pfi[2] = 0x31; // 2: two layers, opposite track path, embossed
    const layer0End = start + layerBreakSectors - 1;
    view.setUint32(4, start); // 4: starting PSN of the data area
    // 8: end PSN of the data area: layer 1 starts at the complement of layer 0's end and counts up.
    const layer1Sectors = sectorCount - layerBreakSectors;
    view.setUint32(8, (~(layer0End - (layer1Sectors - 1)) & 0xffffff) >>> 0);
    view.setUint32(12, layer0End); // 12: end PSN in layer 0
  }
  return pfi;
}
