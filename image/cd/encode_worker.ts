/**
 * Worker side of {@link SectorEncoderPool}: encodes a run of raw data sectors from user data.
 * Message in: `{ id, kind: "mode1" | "form1" | "mode0", firstLba, sectorCount, user?: ArrayBuffer,
 * source?: FileRegion, out?: ArrayBuffer }`: the user data given, or read here from a host-file
 * region (straight into the encoder, no copy through the main thread); `out` is a buffer to
 * encode into, reused instead of a new one.
 * Message out: `{ id, raw: ArrayBuffer, user?: ArrayBuffer }` (both transferred back: the caller
 * may reuse `user`) or `{ id, error: string, sourcePath?: string }` (`sourcePath`: the host file
 * could not be read as scanned).
 * @module
 */

import { SourceError } from "../errors.ts";
import { type FileRegion, openSourceSync, readFullySync } from "../regions.ts";
import { encodeRawSectors, type RawSectorKind } from "./encode_run.ts";
import type { UserDataFill } from "./wasm_codec.ts";

interface EncodeJob {
  readonly id: number;
  readonly kind: RawSectorKind;
  readonly firstLba: number;
  readonly sectorCount: number;
  readonly user?: ArrayBuffer;
  readonly source?: FileRegion;
  readonly out?: ArrayBuffer;
}

/** The worker's global scope, typed for what this module uses of it. */
const scope = self as unknown as {
  onmessage: ((event: MessageEvent<EncodeJob>) => void) | null;
  postMessage(message: unknown, options?: { transfer: Transferable[] }): void;
};

scope.onmessage = (event: MessageEvent<EncodeJob>) => {
  const job = event.data;
  let file: Deno.FsFile | undefined;
  try {
    let user: Uint8Array | UserDataFill | undefined = job.user && new Uint8Array(job.user);
    if (job.source) {
      const region = job.source;
      const opened = file = openSourceSync(region);
      user = (into, byteOffset) => {
        const position = region.fileByteOffset + byteOffset;
        opened.seekSync(position, Deno.SeekMode.Start);
        readFullySync(opened, region, position, into);
      };
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
    scope.postMessage(
      error instanceof SourceError
        ? { id: job.id, error: error.reason, sourcePath: error.path }
        : { id: job.id, error: error instanceof Error ? error.message : String(error) },
    );
  } finally {
    file?.close();
  }
};
