/**
 * The one writer: turns a {@link RegionList} into bytes, in order, checking at every region
 * boundary that what was emitted matches the plan. Small regions are packed into shared chunks so
 * that 20,000 small files do not become 20,000 writes.
 * @module
 */

import { LayoutError, SourceError } from "./errors.ts";
import {
  FileReadAhead,
  READ_AHEAD_MIN_FILES,
  readScannedFile,
  stopPrestartedFileReaders,
} from "./file_read_ahead.ts";
import { hostFs } from "./host_fs.ts";
import {
  describeOsError,
  type FileRegion,
  openSource,
  readFullySync,
  regionByteLength,
  type RegionList,
} from "./regions.ts";

/**
 * Bytes per emitted chunk (and per read of a large file, and per write). Small enough to stay in
 * the CPU cache between the read that fills it and the write that empties it: copying 512 MiB
 * through a 256 KiB buffer was measured at 0.22 s of system time, through 1–4 MiB at 0.5–1.9 s.
 */
export const CHUNK_BYTES = 256 * 1024;

/** Called after each chunk with the bytes emitted so far and the total. */
export type ProgressCallback = (doneBytes: number, totalBytes: number) => void;

/**
 * Yields the image's bytes in order, as chunks of at most {@link CHUNK_BYTES}. A chunk is only
 * valid until the next one is requested (the buffer is reused, or it is a view of a region's own
 * bytes): copy it to keep it.
 *
 * @example
 * ```ts
 * for await (const chunk of readRegionChunks(list)) await file.write(chunk);
 * ```
 */
export async function* readRegionChunks(
  list: RegionList,
  onProgress?: ProgressCallback,
): AsyncGenerator<Uint8Array> {
  const buffer = new Uint8Array(Math.min(CHUNK_BYTES, Math.max(list.byteLength, 1)));
  let filled = 0;
  let emitted = 0;
  // Many small files: reader threads open and read them ahead, in image order. Otherwise threads
  // started for it in advance are stopped now rather than sit idle through the write.
  const smallFiles = list.regions.filter((r): r is FileRegion => r.kind === "file" && isSmallWholeFile(r));
  if (smallFiles.length < READ_AHEAD_MIN_FILES) stopPrestartedFileReaders();
  using readAhead = smallFiles.length >= READ_AHEAD_MIN_FILES
    ? new FileReadAhead(smallFiles.map((r) => ({ path: r.path, byteLength: r.fileByteLength })))
    : undefined;

  for (let i = 0; i < list.regions.length; i++) {
    const region = list.regions[i];
    const expectedStart = list.byteStarts[i];
    if (emitted + filled !== expectedStart) {
      throw new LayoutError(
        `Cannot write region "${region.label}": it starts at byte ${
          emitted + filled
        }, planned ${expectedStart}`,
      );
    }
    const length = regionByteLength(region);
    // Bytes in memory: byte regions, computed regions, and small files read whole in one call
    // (by the reader threads when there are many; async reads on this thread were measured slower).
    let bytes: Uint8Array | undefined;
    if (region.kind === "bytes") bytes = region.bytes;
    else if (region.kind === "lazy") bytes = await region.compute();
    else if (region.kind === "file" && isSmallWholeFile(region)) {
      const next = readAhead ? readAhead.next() : readSmallSource(region);
      bytes = next instanceof Promise ? await next : next;
    }
    if (bytes && bytes.byteLength !== length) {
      throw new LayoutError(
        `Cannot write region "${region.label}": ${bytes.byteLength} bytes, planned ${length}`,
      );
    }
    // The common case of many small regions: it fits in the chunk as a whole (no views made).
    if (filled + length < buffer.byteLength && (bytes || region.kind === "zero")) {
      if (bytes) buffer.set(bytes, filled);
      else buffer.fill(0, filled, filled + length);
      filled += length;
      if (region.kind === "lazy") region.release?.();
      continue;
    }
    const fileRegion = region.kind === "file" && !bytes ? region : undefined;
    const file = fileRegion ? await openSource(fileRegion) : undefined;
    try {
      if (file) file.seekSync(fileRegion!.fileByteOffset, Deno.SeekMode.Start);
      for (let done = 0; done < length;) {
        if (bytes && filled === 0 && length - done >= buffer.byteLength) {
          // A whole chunk of bytes already in memory (a computed raw CD chunk): passed on as it
          // is, not copied.
          emitted += buffer.byteLength;
          onProgress?.(emitted, list.byteLength);
          yield bytes.subarray(done, done + buffer.byteLength);
          done += buffer.byteLength;
          continue;
        }
        const take = Math.min(buffer.byteLength - filled, length - done);
        const target = buffer.subarray(filled, filled + take);
        if (bytes) target.set(bytes.subarray(done, done + take));
        else if (file) {
          readFullySync(file, fileRegion!, fileRegion!.fileByteOffset + done, target);
        } else target.fill(0);
        done += take;
        filled += take;
        if (filled === buffer.byteLength) {
          emitted += filled;
          filled = 0;
          onProgress?.(emitted, list.byteLength);
          yield buffer;
        }
      }
      if (file) checkUnchanged(file, fileRegion!.path, fileRegion!.fileByteLength);
    } finally {
      file?.close();
    }
    // Its bytes were written or copied (a chunk passed on is written before the next is asked for).
    if (region.kind === "lazy") region.release?.();
  }
  if (filled > 0) {
    emitted += filled;
    onProgress?.(emitted, list.byteLength);
    yield buffer.subarray(0, filled);
  }
  if (emitted !== list.byteLength) {
    throw new LayoutError(`Cannot finish image: wrote ${emitted} bytes, planned ${list.byteLength}`);
  }
}

/** Files up to this size are read whole in one call. */
export const SMALL_FILE_BYTES = 1024 * 1024;

function isSmallWholeFile(region: FileRegion): boolean {
  return region.fileByteOffset === 0 && region.byteLength === region.fileByteLength &&
    region.byteLength <= SMALL_FILE_BYTES;
}

function readSmallSource(region: FileRegion): Uint8Array {
  const bytes = new Uint8Array(region.fileByteLength + 1); // one spare byte shows a file that grew
  const problem = readScannedFile(hostFs(), region.path, region.fileByteLength, bytes, 0);
  if (problem !== undefined) throw new SourceError(problem, region.path);
  return bytes.subarray(0, region.fileByteLength);
}

function checkUnchanged(file: Deno.FsFile, path: string, fileByteLength: number): void {
  const { size } = file.statSync();
  if (size !== fileByteLength) {
    throw new SourceError(
      `Cannot read source: file changed size during the build (${fileByteLength} -> ${size} bytes)`,
      path,
    );
  }
}

/**
 * The image as a pull-based byte stream (each chunk is a fresh copy).
 *
 * @example
 * ```ts
 * await regionStream(list).pipeTo(Deno.stdout.writable);
 * ```
 */
export function regionStream(list: RegionList, onProgress?: ProgressCallback): ReadableStream<Uint8Array> {
  const chunks = readRegionChunks(list, onProgress);
  return new ReadableStream<Uint8Array>({
    type: "bytes",
    async pull(controller) {
      const next = await chunks.next();
      if (next.done) {
        controller.close();
        (controller as ReadableByteStreamController).byobRequest?.respond(0);
      } else {
        controller.enqueue(next.value.slice());
      }
    },
    async cancel() {
      await chunks.return(undefined);
    },
  });
}

/** Extra steps of {@link writeRegionsToFile}. */
export interface WriteHooks {
  /** Sees every chunk in order as it is written (e.g. to checksum the image in the same pass). */
  observe?(chunk: Uint8Array): void;
  /**
   * Runs on the complete temporary file (open, and at `tempPath` for tools that take a path)
   * before it gets its name: to patch a checksum in, to run an installer on it.
   */
  beforeRename?(file: Deno.FsFile, tempPath: string): void | Promise<void>;
}

/**
 * Writes the image to `path` through a temporary file beside it, renamed on success: a failed
 * write leaves nothing behind. `path` "-" writes to standard output.
 *
 * @example
 * ```ts
 * await writeRegionsToFile(plan.regions, "out.iso");
 * ```
 */
export async function writeRegionsToFile(
  list: RegionList,
  path: string,
  onProgress?: ProgressCallback,
  hooks: WriteHooks = {},
): Promise<void> {
  if (path === "-") {
    if (hooks.beforeRename) throw new RangeError("Cannot patch an image written to standard output");
    for await (const chunk of readRegionChunks(list, onProgress)) {
      hooks.observe?.(chunk);
      writeAll(Deno.stdout, chunk);
    }
    return;
  }
  const slash = path.lastIndexOf("/");
  const dir = slash >= 0 ? path.slice(0, slash + 1) : "";
  const temp = `${dir}.${path.slice(slash + 1)}.${Deno.pid}.${Date.now()}.tmp`;
  const file = await Deno.open(temp, { write: true, create: true, truncate: true });
  try {
    try {
      for await (const chunk of readRegionChunks(list, onProgress)) {
        hooks.observe?.(chunk);
        writeAll(file, chunk);
      }
      await hooks.beforeRename?.(file, temp);
    } finally {
      file.close();
    }
    moveIntoPlace(temp, path);
  } catch (error) {
    if (!(error instanceof KeptAsTemporaryError)) await Deno.remove(temp).catch(() => {}); // nothing left behind
    throw error;
  }
}

/**
 * {@link moveIntoPlace} removed the old file but could not rename the new one: it stays under its
 * temporary name ({@link temp}), which callers must not delete.
 */
export class KeptAsTemporaryError extends SourceError {
  constructor(readonly temp: string, reason: string, path: string, options?: ErrorOptions) {
    super(`Cannot write the image: ${reason}; it was kept as "${temp}"`, path, options);
  }
}

/**
 * Gives the finished file `temp` the name `path` (same folder). A regular file already at `path`
 * is unlinked first: on ext4 (`auto_da_alloc`), a rename over an existing file waits until the new
 * file's data is on disk, which made rebuilding a 1.5 GB image over the last one 1.0–1.2 s slower
 * (measured) than building it fresh; xorriso and genisoimage, writing in place, never wait for it.
 * A failed rename throws a SourceError naming `path` (a folder, no permission); if the old file was
 * already gone by then, the error names where the new one was kept.
 *
 * @example
 * ```ts
 * moveIntoPlace(".out.iso.1234.tmp", "out.iso");
 * ```
 */
export function moveIntoPlace(temp: string, path: string): void {
  let removedOld = false;
  try {
    if (Deno.lstatSync(path).isFile) {
      Deno.removeSync(path);
      removedOld = true;
    }
  } catch { /* nothing there (or not removable: the rename says why) */ }
  try {
    Deno.renameSync(temp, path);
  } catch (error) {
    const reason = describeOsError(error);
    if (removedOld) {
      throw new KeptAsTemporaryError(temp, reason, path, { cause: error });
    }
    // The name is taken (a folder, no permission): the image is not written.
    throw new SourceError(`Cannot write the image: ${reason}`, path, { cause: error });
  }
}

/** Writes a whole chunk synchronously (the writer is the only work on its thread; sync I/O measured faster). */
function writeAll(target: { writeSync(p: Uint8Array): number }, chunk: Uint8Array): void {
  let done = 0;
  while (done < chunk.byteLength) done += target.writeSync(done === 0 ? chunk : chunk.subarray(done));
}

/**
 * A temporary folder next to `outputPath` (same file system, so results can be renamed into
 * place), for jobs that stage files before they write an image. The caller removes it.
 *
 * @example
 * ```ts
 * const work = await makeWorkDirBeside("out/stick.img", ".disc-usb-");
 * try { ... } finally { await Deno.remove(work, { recursive: true }); }
 * ```
 */
export async function makeWorkDirBeside(outputPath: string, prefix: string): Promise<string> {
  const slash = outputPath.lastIndexOf("/");
  return await Deno.makeTempDir({ dir: slash >= 0 ? outputPath.slice(0, slash) || "/" : ".", prefix });
}

/**
 * Writes the files of one image in order, each through a temporary name; when one fails, the
 * ones already written are removed too.
 *
 * @example
 * ```ts
 * await writeFilesAllOrNothing([[bin, "out.bin"], [cueRegions, "out.cue"]]);
 * ```
 */
export async function writeFilesAllOrNothing(
  files: readonly (readonly [RegionList, string])[],
): Promise<void> {
  const written: string[] = [];
  try {
    for (const [regions, path] of files) {
      await writeRegionsToFile(regions, path);
      written.push(path);
    }
  } catch (error) {
    for (const path of written) await Deno.remove(path).catch(() => {});
    throw error;
  }
}
