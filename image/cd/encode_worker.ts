/**
 * Worker side of {@link SectorEncoderPool}: encodes a run of raw data sectors from user data.
 * Message in: `{ id, kind: "mode1" | "form1" | "mode0", firstLba, sectorCount, user?: ArrayBuffer,
 * source?: SourceRange, out?: ArrayBuffer }`: the user data given, or read here from a range of a
 * host file (straight into the encoder, no copy through the main thread); `out` is a buffer to
 * encode into, reused instead of a new one.
 * Message out: `{ id, raw: ArrayBuffer, user?: ArrayBuffer }` (both transferred back: the caller
 * may reuse `user`) or `{ id, error: string, sourcePath?: string }` (`sourcePath`: the host file
 * could not be read as scanned).
 * @module
 */

import { describeOsError } from "../regions.ts";
import { encodeRawSectors, type RawSectorKind } from "./encode_run.ts";
import type { SourceRange } from "./encoder_pool.ts";

interface EncodeJob {
  readonly id: number;
  readonly kind: RawSectorKind;
  readonly firstLba: number;
  readonly sectorCount: number;
  readonly user?: ArrayBuffer;
  readonly source?: SourceRange;
  readonly out?: ArrayBuffer;
}

/** The worker's global scope, typed for what this module uses of it. */
const scope = self as unknown as {
  onmessage: ((event: MessageEvent<EncodeJob>) => void) | null;
  postMessage(message: unknown, options?: { transfer: Transferable[] }): void;
};

/** A source file that cannot be read as scanned (reported with its path). */
class SourceReadError extends Error {}

scope.onmessage = (event: MessageEvent<EncodeJob>) => {
  const job = event.data;
  let file: Deno.FsFile | undefined;
  try {
    let user: Uint8Array | ((into: Uint8Array, byteOffset: number) => void) | undefined = job.user &&
      new Uint8Array(job.user);
    if (job.source) {
      const source = job.source;
      file = openSourceSync(source);
      const opened = file;
      user = (into, byteOffset) => readExactlySync(opened, source, source.byteOffset + byteOffset, into);
    }
    const raw = encodeRawSectors(
      job.kind,
      job.firstLba,
      job.sectorCount,
      user,
      job.out && new Uint8Array(job.out),
    );
    const transfer: ArrayBuffer[] = [raw.buffer as ArrayBuffer];
    if (job.user) transfer.push(job.user);
    scope.postMessage({ id: job.id, raw: raw.buffer, user: job.user }, { transfer });
  } catch (error) {
    scope.postMessage({
      id: job.id,
      error: error instanceof Error ? error.message : String(error),
      sourcePath: error instanceof SourceReadError ? job.source?.path : undefined,
    });
  } finally {
    file?.close();
  }
};

/** Opens the source file and checks it still has its scanned size. */
function openSourceSync(source: SourceRange): Deno.FsFile {
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(source.path, { read: true });
  } catch (error) {
    throw new SourceReadError(`Cannot open source: ${describeOsError(error)}`);
  }
  const size = file.statSync().size;
  if (size !== source.fileByteLength) {
    file.close();
    throw new SourceReadError(
      `Cannot read source: file changed size since it was scanned (${source.fileByteLength} -> ${size} bytes)`,
    );
  }
  return file;
}

/** Reads exactly `into.byteLength` bytes at `position`. */
function readExactlySync(file: Deno.FsFile, source: SourceRange, position: number, into: Uint8Array): void {
  try {
    file.seekSync(position, Deno.SeekMode.Start);
    for (let done = 0; done < into.byteLength;) {
      const n = file.readSync(into.subarray(done));
      if (n === null || n === 0) {
        throw new SourceReadError(
          `Cannot read source: file ended at byte ${position + done}, ${source.fileByteLength} were scanned`,
        );
      }
      done += n;
    }
  } catch (error) {
    if (error instanceof SourceReadError) throw error;
    throw new SourceReadError(`Cannot read source: ${describeOsError(error)}`);
  }
}
