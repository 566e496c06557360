/**
 * Random access to a disc or disk as fixed-size blocks: the one interface every reader (ISO 9660,
 * FAT, partition tables) and every server (NBD, iSCSI) works against. Three implementations: a host
 * file, bytes in memory, and a planned image ({@link RegionList}) that was never written out.
 *
 * Rules shared by every implementation (checked by `block_device_test.ts`):
 * - `read(lba, blockCount)` returns exactly `blockCount × blockByteLength` fresh bytes.
 * - A short final block (backing size not a multiple of the block size) reads zero-padded.
 * - Reading outside `0..blockCount` (or a negative / fractional address) is a RangeError.
 * @module
 */

import { SourceError } from "./errors.ts";
import { describeOsError, type RegionList } from "./regions.ts";

/**
 * Fixed-size blocks read at random.
 *
 * @example
 * ```ts
 * const pvd = await device.read(16, 1); // 2048 bytes when blockByteLength is 2048
 * ```
 */
export interface BlockDevice {
  /** Bytes per block (2048 for an ISO image). */
  readonly blockByteLength: number;
  /** Number of blocks; a short final block counts as one. */
  readonly blockCount: number;
  /** Reads `blockCount` blocks from `lba`. The returned bytes belong to the caller. */
  read(lba: number, blockCount: number): Promise<Uint8Array>;
  /** Releases what the device holds open (optional). */
  close?(): void;
}

/** Throws a RangeError unless `lba .. lba + blockCount` lies inside the device. */
export function checkBlockRange(device: BlockDevice, lba: number, blockCount: number): void {
  if (
    !Number.isSafeInteger(lba) || !Number.isSafeInteger(blockCount) || lba < 0 || blockCount < 0 ||
    lba + blockCount > device.blockCount
  ) {
    throw new RangeError(
      `Cannot read blocks: ${lba}..${lba + blockCount} is outside the device (0..${device.blockCount})`,
    );
  }
}

function checkBlockByteLength(blockByteLength: number): void {
  if (!Number.isSafeInteger(blockByteLength) || blockByteLength <= 0) {
    throw new RangeError(`Cannot open block device: block size ${blockByteLength} is not a positive integer`);
  }
}

/**
 * Reads `byteLength` bytes at `byteOffset` through whole-block reads (for structures that do not
 * start on a block boundary, or a device whose blocks are not 2048 bytes). RangeError outside the
 * device.
 *
 * @example
 * ```ts
 * const continuationArea = await readDeviceBytes(device, 21 * 2048 + 100, 237);
 * ```
 */
export async function readDeviceBytes(
  device: BlockDevice,
  byteOffset: number,
  byteLength: number,
): Promise<Uint8Array> {
  const size = device.blockByteLength;
  if (
    !Number.isSafeInteger(byteOffset) || !Number.isSafeInteger(byteLength) || byteOffset < 0 ||
    byteLength < 0 || byteOffset + byteLength > device.blockCount * size
  ) {
    throw new RangeError(
      `Cannot read bytes: ${byteOffset}..${byteOffset + byteLength} is outside the device (0..${
        device.blockCount * size
      })`,
    );
  }
  if (byteLength === 0) return new Uint8Array(0);
  const firstLba = Math.floor(byteOffset / size);
  const endLba = Math.ceil((byteOffset + byteLength) / size);
  const blocks = await device.read(firstLba, endLba - firstLba);
  const from = byteOffset - firstLba * size;
  return from === 0 && blocks.byteLength === byteLength ? blocks : blocks.slice(from, from + byteLength);
}

/**
 * A host file read at random with `seek` + `read`. Reads are serialised (one file position), so
 * concurrent callers are safe.
 *
 * @example
 * ```ts
 * using device = await FileBlockDevice.open("disc.iso");
 * const pvd = await device.read(16, 1);
 * ```
 */
export class FileBlockDevice implements BlockDevice {
  readonly blockByteLength: number;
  readonly blockCount: number;
  /** Bytes of the file when it was opened. */
  readonly fileByteLength: number;
  /** Host path of the file. */
  readonly path: string;
  #file: Deno.FsFile | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(path: string, file: Deno.FsFile, fileByteLength: number, blockByteLength: number) {
    this.path = path;
    this.#file = file;
    this.fileByteLength = fileByteLength;
    this.blockByteLength = blockByteLength;
    this.blockCount = Math.ceil(fileByteLength / blockByteLength);
  }

  /** Opens `path` read-only; its size is taken now. */
  static async open(path: string, blockByteLength = 2048): Promise<FileBlockDevice> {
    checkBlockByteLength(blockByteLength);
    let file: Deno.FsFile;
    try {
      file = await Deno.open(path, { read: true });
    } catch (error) {
      throw new SourceError(`Cannot open image: ${describeOsError(error)}`, path, { cause: error });
    }
    try {
      const { size, isFile } = await file.stat();
      if (!isFile) throw new TypeError(`Cannot open block device: "${path}" is not a regular file`);
      return new FileBlockDevice(path, file, size, blockByteLength);
    } catch (error) {
      file.close();
      throw error;
    }
  }

  read(lba: number, blockCount: number): Promise<Uint8Array> {
    try {
      checkBlockRange(this, lba, blockCount);
    } catch (error) {
      return Promise.reject(error);
    }
    const run = this.#queue.then(() => this.#read(lba, blockCount));
    this.#queue = run.catch(() => {});
    return run;
  }

  async #read(lba: number, blockCount: number): Promise<Uint8Array> {
    const file = this.#file;
    if (!file) throw new TypeError(`Cannot read blocks: "${this.path}" is closed`);
    const out = new Uint8Array(blockCount * this.blockByteLength);
    const start = lba * this.blockByteLength;
    // Only the bytes the file had when opened; the rest of a short final block stays zero.
    const want = Math.max(0, Math.min(out.byteLength, this.fileByteLength - start));
    await file.seek(start, Deno.SeekMode.Start);
    let done = 0;
    while (done < want) {
      const n = await file.read(out.subarray(done, want));
      if (n === null || n === 0) break; // file shrank since it was opened: the rest reads as zeros
      done += n;
    }
    return out;
  }

  close(): void {
    this.#file?.close();
    this.#file = undefined;
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * Blocks over bytes in memory (tests, small images, fuzzing). The bytes are not copied: changes to
 * them show through.
 *
 * @example
 * ```ts
 * const device = new MemoryBlockDevice(new Uint8Array(5000)); // 3 blocks, the last one short
 * (await device.read(2, 1)).byteLength; // 2048
 * ```
 */
export class MemoryBlockDevice implements BlockDevice {
  readonly blockByteLength: number;
  readonly blockCount: number;
  /** The backing bytes. */
  readonly bytes: Uint8Array;

  constructor(bytes: Uint8Array, blockByteLength = 2048) {
    checkBlockByteLength(blockByteLength);
    this.bytes = bytes;
    this.blockByteLength = blockByteLength;
    this.blockCount = Math.ceil(bytes.byteLength / blockByteLength);
  }

  read(lba: number, blockCount: number): Promise<Uint8Array> {
    try {
      checkBlockRange(this, lba, blockCount);
    } catch (error) {
      return Promise.reject(error);
    }
    const out = new Uint8Array(blockCount * this.blockByteLength);
    const start = lba * this.blockByteLength;
    out.set(this.bytes.subarray(start, Math.min(start + out.byteLength, this.bytes.byteLength)));
    return Promise.resolve(out);
  }

  close(): void {}

  [Symbol.dispose](): void {}
}

/**
 * Blocks over a planned image (a {@link RegionList}), read without writing the image out.
 * Closing the device closes the region list's cached file handles.
 *
 * @example
 * ```ts
 * const device = new RegionBlockDevice(plan.regions);
 * const image = await openIso(device);
 * ```
 */
export class RegionBlockDevice implements BlockDevice {
  readonly blockByteLength: number;
  readonly blockCount: number;
  /** The backing region list. */
  readonly regions: RegionList;

  constructor(regions: RegionList, blockByteLength = 2048) {
    checkBlockByteLength(blockByteLength);
    this.regions = regions;
    this.blockByteLength = blockByteLength;
    this.blockCount = Math.ceil(regions.byteLength / blockByteLength);
  }

  async read(lba: number, blockCount: number): Promise<Uint8Array> {
    checkBlockRange(this, lba, blockCount);
    const out = new Uint8Array(blockCount * this.blockByteLength);
    const start = lba * this.blockByteLength;
    const take = Math.max(0, Math.min(out.byteLength, this.regions.byteLength - start));
    if (take > 0) await this.regions.read(start, take, out.subarray(0, take));
    return out;
  }

  close(): void {
    this.regions.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
