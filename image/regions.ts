/**
 * A planned image as an ordered, contiguous list of regions: in-memory bytes, a slice of a host
 * file, zeros, or bytes computed on demand. Writing an image is reading its regions in order;
 * serving it is reading them at random. Memory is proportional to the number of regions, never
 * to the number of bytes they describe.
 *
 * Model: nbdkit's `common/regions` (a virtual disk as a sorted list of extents).
 * @module
 */

import { LayoutError, SourceError } from "./errors.ts";

/** Bytes held in memory (volume descriptors, directories, patches). */
export interface BytesRegion {
  readonly kind: "bytes";
  readonly label: string;
  readonly bytes: Uint8Array;
}

/** A slice of a host file, read when the region is emitted. */
export interface FileRegion {
  readonly kind: "file";
  readonly label: string;
  /** Host path of the source file. */
  readonly path: string;
  /** Byte offset in the source file where this region's bytes start. */
  readonly fileByteOffset: number;
  /** Bytes this region contributes. */
  readonly byteLength: number;
  /** Size of the whole source file when it was scanned; a different size at read time is an error. */
  readonly fileByteLength: number;
}

/** A run of zero bytes (padding, empty sectors). */
export interface ZeroRegion {
  readonly kind: "zero";
  readonly label: string;
  readonly byteLength: number;
}

/** Bytes computed when first needed (e.g. a checksum over other regions). */
export interface LazyRegion {
  readonly kind: "lazy";
  readonly label: string;
  readonly byteLength: number;
  readonly compute: () => Uint8Array | Promise<Uint8Array>;
  /**
   * Called by the streaming writer once it is done with the bytes `compute` returned: they may
   * be reused (e.g. a buffer pool). Random readers (serving) never call it.
   */
  readonly release?: () => void;
}

/** One contiguous piece of an image. */
export type Region = BytesRegion | FileRegion | ZeroRegion | LazyRegion;

/** The number of bytes a region contributes. */
export function regionByteLength(region: Region): number {
  return region.kind === "bytes" ? region.bytes.byteLength : region.byteLength;
}

/**
 * An immutable, contiguous list of regions with their start offsets.
 *
 * @example
 * ```ts
 * const list = new RegionListBuilder()
 *   .bytes("header", new Uint8Array([1, 2, 3]))
 *   .zeros("padding", 2045)
 *   .build();
 * const firstSector = await list.read(0, 2048);
 * ```
 */
export class RegionList {
  /** The regions in image order. */
  readonly regions: readonly Region[];
  /** `byteStarts[i]` is the image byte offset of `regions[i]`. */
  readonly byteStarts: readonly number[];
  /** Total bytes of the image. */
  readonly byteLength: number;
  #files = new FileHandleCache(8);

  constructor(regions: readonly Region[]) {
    const starts: number[] = [];
    let at = 0;
    for (let i = 0; i < regions.length; i++) {
      const region = regions[i];
      const length = regionByteLength(region);
      if (!Number.isSafeInteger(length) || length < 0) {
        throw new LayoutError(`Cannot build region list: region "${region.label}" has length ${length}`);
      }
      starts.push(at);
      at += length;
    }
    this.regions = regions;
    this.byteStarts = starts;
    this.byteLength = at;
  }

  /** Index of the region containing `byteOffset` (binary search). */
  indexAt(byteOffset: number): number {
    if (byteOffset < 0 || byteOffset >= this.byteLength) {
      throw new RangeError(`Cannot find region: byte offset ${byteOffset} is outside 0..${this.byteLength}`);
    }
    let low = 0;
    let high = this.regions.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >>> 1;
      if (this.byteStarts[mid] <= byteOffset) low = mid;
      else high = mid - 1;
    }
    // Skip empty regions that share a start offset with the one holding the byte.
    while (regionByteLength(this.regions[low]) === 0) low++;
    return low;
  }

  /**
   * Reads `byteLength` bytes at `byteOffset` at random (for serving an image).
   * Reads past the end are a RangeError.
   */
  async read(byteOffset: number, byteLength: number, into?: Uint8Array): Promise<Uint8Array> {
    if (byteOffset < 0 || byteLength < 0 || byteOffset + byteLength > this.byteLength) {
      throw new RangeError(
        `Cannot read image: bytes ${byteOffset}..${
          byteOffset + byteLength
        } are outside 0..${this.byteLength}`,
      );
    }
    const out = into ?? new Uint8Array(byteLength);
    if (byteLength === 0) return out;
    let index = this.indexAt(byteOffset);
    let done = 0;
    while (done < byteLength) {
      const region = this.regions[index];
      const inRegion = byteOffset + done - this.byteStarts[index];
      const take = Math.min(regionByteLength(region) - inRegion, byteLength - done);
      await this.#readRegion(region, inRegion, out.subarray(done, done + take));
      done += take;
      index++;
    }
    return out;
  }

  /** Releases file handles kept open by {@link read}. */
  close(): void {
    this.#files.closeAll();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  async #readRegion(region: Region, inRegion: number, target: Uint8Array): Promise<void> {
    switch (region.kind) {
      case "bytes":
        target.set(region.bytes.subarray(inRegion, inRegion + target.byteLength));
        return;
      case "zero":
        target.fill(0);
        return;
      case "lazy": {
        const bytes = await region.compute();
        checkLazyLength(region, bytes);
        target.set(bytes.subarray(inRegion, inRegion + target.byteLength));
        return;
      }
      case "file": {
        // Each read holds its own handle while it seeks and reads: handles share no position.
        const file = await this.#files.acquire(region);
        try {
          await readFully(file, region, region.fileByteOffset + inRegion, target);
        } finally {
          this.#files.release(region.path, file);
        }
        return;
      }
    }
  }
}

/**
 * Builds a {@link RegionList} by appending regions; tracks the running byte offset.
 *
 * @example
 * ```ts
 * const builder = new RegionListBuilder();
 * builder.zeros("system area", 16 * 2048);
 * console.log(builder.byteLength); // 32768
 * ```
 */
export class RegionListBuilder {
  #regions: Region[] = [];
  #byteLength = 0;

  /** Bytes appended so far. */
  get byteLength(): number {
    return this.#byteLength;
  }

  /**
   * Appends a region. Empty regions are dropped, except empty files: the writer still checks that
   * they are empty (a file that grew since it was scanned is an error).
   */
  add(region: Region): this {
    const length = regionByteLength(region);
    if (length > 0 || region.kind === "file") {
      this.#regions.push(region);
      this.#byteLength += length;
    }
    return this;
  }

  /** Appends in-memory bytes. */
  bytes(label: string, bytes: Uint8Array): this {
    return this.add({ kind: "bytes", label, bytes });
  }

  /** Appends zero bytes. */
  zeros(label: string, byteLength: number): this {
    return this.add({ kind: "zero", label, byteLength });
  }

  /** Appends zeros up to the next multiple of `alignmentBytes`. */
  padTo(label: string, alignmentBytes: number): this {
    const rest = this.#byteLength % alignmentBytes;
    return rest === 0 ? this : this.zeros(label, alignmentBytes - rest);
  }

  /** Appends a whole host file (`fileByteLength` as scanned). */
  file(label: string, path: string, fileByteLength: number, fileByteOffset = 0, byteLength?: number): this {
    return this.add({
      kind: "file",
      label,
      path,
      fileByteOffset,
      byteLength: byteLength ?? fileByteLength - fileByteOffset,
      fileByteLength,
    });
  }

  /** Freezes the list. */
  build(): RegionList {
    return new RegionList(this.#regions);
  }
}

/**
 * Returns a new region list with `bytes` laid over the image at `byteOffset`, splitting the
 * regions underneath. Used for patches such as the boot info table or a hybrid MBR.
 *
 * @example
 * ```ts
 * const patched = overlay(list, 8, new Uint8Array(56)); // boot info table at byte 8 of a file
 * ```
 */
export function overlay(
  list: RegionList,
  byteOffset: number,
  patch: Uint8Array | Region,
  label = "patch",
): RegionList {
  const patchRegion: Region = patch instanceof Uint8Array ? { kind: "bytes", label, bytes: patch } : patch;
  const patchLength = regionByteLength(patchRegion);
  const end = byteOffset + patchLength;
  if (byteOffset < 0 || end > list.byteLength) {
    throw new RangeError(
      `Cannot overlay ${patchLength} bytes at ${byteOffset}: image has ${list.byteLength}`,
    );
  }
  const out: Region[] = [];
  let placed = false;
  list.regions.forEach((region, i) => {
    const start = list.byteStarts[i];
    const length = regionByteLength(region);
    const regionEnd = start + length;
    if (regionEnd <= byteOffset || start >= end) {
      if (!placed && start >= end) {
        out.push(patchRegion);
        placed = true;
      }
      out.push(region);
      return;
    }
    if (start < byteOffset) out.push(sliceRegion(region, 0, byteOffset - start));
    if (!placed) {
      out.push(patchRegion);
      placed = true;
    }
    if (regionEnd > end) out.push(sliceRegion(region, end - start, regionEnd - start));
  });
  if (!placed) out.push(patchRegion);
  return new RegionList(out);
}

/** The part `[fromByte, toByte)` of a region, as a region. */
export function sliceRegion(region: Region, fromByte: number, toByte: number): Region {
  const byteLength = toByte - fromByte;
  switch (region.kind) {
    case "bytes":
      return { ...region, bytes: region.bytes.subarray(fromByte, toByte) };
    case "zero":
      return { ...region, byteLength };
    case "file":
      return { ...region, fileByteOffset: region.fileByteOffset + fromByte, byteLength };
    case "lazy":
      return {
        kind: "lazy",
        label: region.label,
        byteLength,
        compute: async () => {
          const bytes = await region.compute();
          checkLazyLength(region, bytes);
          return bytes.subarray(fromByte, toByte);
        },
      };
  }
}

function checkLazyLength(region: LazyRegion, bytes: Uint8Array): void {
  if (bytes.byteLength !== region.byteLength) {
    throw new LayoutError(
      `Cannot compute region "${region.label}": produced ${bytes.byteLength} bytes, planned ${region.byteLength}`,
    );
  }
}

/** Reads exactly `target.byteLength` bytes of a file region at `filePosition`. */
export async function readFully(
  file: Deno.FsFile,
  region: FileRegion,
  filePosition: number,
  target: Uint8Array,
): Promise<void> {
  await file.seek(filePosition, Deno.SeekMode.Start);
  for (let done = 0; done < target.byteLength;) {
    const n = await file.read(target.subarray(done));
    if (n === null || n === 0) throw endedEarly(region, filePosition + done);
    done += n;
  }
}

/**
 * {@link readFully} on this thread, without a seek first: reads at the file's position, which is
 * `filePosition` (for the message).
 *
 * @example
 * ```ts
 * file.seekSync(region.fileByteOffset, Deno.SeekMode.Start);
 * readFullySync(file, region, region.fileByteOffset, chunk);
 * ```
 */
export function readFullySync(
  file: Deno.FsFile,
  region: FileRegion,
  filePosition: number,
  target: Uint8Array,
): void {
  for (let done = 0; done < target.byteLength;) {
    const n = file.readSync(target.subarray(done));
    if (n === null || n === 0) throw endedEarly(region, filePosition + done);
    done += n;
  }
}

function endedEarly(region: FileRegion, filePosition: number): SourceError {
  return new SourceError(
    `Cannot read source: file ended at byte ${filePosition}, ${region.fileByteLength} were scanned`,
    region.path,
  );
}

/** Opens a source file and checks it still has the size it had when scanned. */
export async function openSource(region: FileRegion): Promise<Deno.FsFile> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(region.path, { read: true });
  } catch (error) {
    throw cannotOpen(region, error);
  }
  checkScannedSize(file, region, (await file.stat()).size);
  return file;
}

/**
 * {@link openSource} on this thread (an encoder worker reading its own share of a track).
 *
 * @example
 * ```ts
 * using file = openSourceSync(region);
 * ```
 */
export function openSourceSync(region: FileRegion): Deno.FsFile {
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(region.path, { read: true });
  } catch (error) {
    throw cannotOpen(region, error);
  }
  checkScannedSize(file, region, file.statSync().size);
  return file;
}

function cannotOpen(region: FileRegion, error: unknown): SourceError {
  return new SourceError(`Cannot open source: ${describeOsError(error)}`, region.path, { cause: error });
}

/** Closes `file` and throws when its size is not the scanned one. */
function checkScannedSize(file: Deno.FsFile, region: FileRegion, size: number): void {
  if (size === region.fileByteLength) return;
  file.close();
  throw new SourceError(
    `Cannot read source: file changed size since it was scanned (${region.fileByteLength} -> ${size} bytes)`,
    region.path,
  );
}

/** A short reason for an OS error ("not found", "permission denied", ...). */
export function describeOsError(error: unknown): string {
  if (error instanceof Deno.errors.NotFound) return "no such file";
  if (error instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (error instanceof Deno.errors.IsADirectory) return "is a directory";
  return error instanceof Error ? error.message : String(error);
}

/**
 * Source files kept open for random reads. A read takes a handle for itself ({@link acquire}) and
 * gives it back ({@link release}): concurrent reads of one file use different handles, so a seek
 * never moves another read's position. Idle handles beyond `capacity` are closed.
 */
class FileHandleCache {
  /** Idle handles by path, least recently used path first. */
  #idle = new Map<string, Deno.FsFile[]>();
  #idleCount = 0;
  constructor(readonly capacity: number) {}

  async acquire(region: FileRegion): Promise<Deno.FsFile> {
    const idle = this.#idle.get(region.path);
    const file = idle?.pop();
    if (file) {
      this.#idleCount--;
      if (idle!.length === 0) this.#idle.delete(region.path);
      return file;
    }
    return await openSource(region);
  }

  release(path: string, file: Deno.FsFile): void {
    const idle = this.#idle.get(path) ?? [];
    this.#idle.delete(path); // re-inserted last: most recently used
    idle.push(file);
    this.#idle.set(path, idle);
    this.#idleCount++;
    while (this.#idleCount > this.capacity) {
      const [oldestPath, handles] = this.#idle.entries().next().value!;
      handles.shift()!.close();
      this.#idleCount--;
      if (handles.length === 0) this.#idle.delete(oldestPath);
    }
  }

  closeAll(): void {
    for (const handles of this.#idle.values()) for (const file of handles) file.close();
    this.#idle.clear();
    this.#idleCount = 0;
  }
}
