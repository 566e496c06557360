/**
 * An in-memory write overlay (`disc serve --writable-overlay`): NBD exports and iSCSI disks
 * accept writes into it, reads see them, the image file is never changed.
 * @module
 */

/** What an overlay lies over. */
export interface OverlayBase {
  readonly byteLength: number;
  read(byteOffset: number, byteLength: number): Promise<Uint8Array>;
}

/** Overlay granularity. */
export const OVERLAY_BLOCK_BYTES = 4096;

/**
 * Writes kept in memory over a read-only byte source, shared by every connection that writes to
 * one image; the image itself is never written.
 *
 * @example
 * ```ts
 * const overlay = new MemoryOverlay(source);
 * await overlay.write(0, new Uint8Array(512));
 * (await overlay.read(0, 512)).every((b) => b === 0); // true
 * ```
 */
export class MemoryOverlay {
  /** Written blocks by block number (OVERLAY_BLOCK_BYTES each; the last may be shorter). */
  readonly blocks: Map<number, Uint8Array> = new Map();
  constructor(readonly base: OverlayBase) {}

  /** The image's length: an overlay is itself a writable source of that size. */
  get byteLength(): number {
    return this.base.byteLength;
  }

  /** Bytes of the image with the writes laid over them. */
  async read(byteOffset: number, byteLength: number): Promise<Uint8Array> {
    const out = await this.base.read(byteOffset, byteLength);
    if (this.blocks.size === 0) return out;
    const first = Math.floor(byteOffset / OVERLAY_BLOCK_BYTES);
    const last = Math.floor((byteOffset + byteLength - 1) / OVERLAY_BLOCK_BYTES);
    for (let b = first; b <= last; b++) {
      const block = this.blocks.get(b);
      if (!block) continue;
      const blockStart = b * OVERLAY_BLOCK_BYTES;
      const from = Math.max(byteOffset, blockStart),
        to = Math.min(byteOffset + byteLength, blockStart + block.byteLength);
      out.set(block.subarray(from - blockStart, to - blockStart), from - byteOffset);
    }
    return out;
  }

  /** Keeps `data` at `byteOffset` (within the image's length). */
  async write(byteOffset: number, data: Uint8Array): Promise<void> {
    const first = Math.floor(byteOffset / OVERLAY_BLOCK_BYTES);
    const last = Math.floor((byteOffset + data.byteLength - 1) / OVERLAY_BLOCK_BYTES);
    for (let b = first; b <= last; b++) {
      const blockStart = b * OVERLAY_BLOCK_BYTES;
      const blockLength = Math.min(OVERLAY_BLOCK_BYTES, this.base.byteLength - blockStart);
      let block = this.blocks.get(b);
      if (!block) {
        block = await this.read(blockStart, blockLength);
        this.blocks.set(b, block);
      }
      const from = Math.max(byteOffset, blockStart),
        to = Math.min(byteOffset + data.byteLength, blockStart + blockLength);
      block.set(data.subarray(from - byteOffset, to - byteOffset), from - blockStart);
    }
  }
}
