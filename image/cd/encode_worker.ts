/**
 * Worker side of {@link SectorEncoderPool}: encodes a run of raw data sectors from user data.
 * Message in: `{ id, kind: "mode1" | "form1" | "mode0", firstLba, sectorCount, user?: ArrayBuffer,
 * out?: ArrayBuffer }` (`out`: a buffer to encode into, reused instead of a new one);
 * message out: `{ id, raw: ArrayBuffer, user?: ArrayBuffer }` (both transferred back: the caller
 * may reuse `user`) or `{ id, error: string }`.
 * @module
 */

import { encodeRawSectors, type RawSectorKind } from "./encode_run.ts";

interface EncodeJob {
  readonly id: number;
  readonly kind: RawSectorKind;
  readonly firstLba: number;
  readonly sectorCount: number;
  readonly user?: ArrayBuffer;
  readonly out?: ArrayBuffer;
}

/** The worker's global scope, typed for what this module uses of it. */
const scope = self as unknown as {
  onmessage: ((event: MessageEvent<EncodeJob>) => void) | null;
  postMessage(message: unknown, options?: { transfer: Transferable[] }): void;
};

scope.onmessage = (event: MessageEvent<EncodeJob>) => {
  const job = event.data;
  try {
    const raw = encodeRawSectors(
      job.kind,
      job.firstLba,
      job.sectorCount,
      job.user && new Uint8Array(job.user),
      job.out && new Uint8Array(job.out),
    );
    const transfer: ArrayBuffer[] = [raw.buffer as ArrayBuffer];
    if (job.user) transfer.push(job.user);
    scope.postMessage({ id: job.id, raw: raw.buffer, user: job.user }, { transfer });
  } catch (error) {
    scope.postMessage({ id: job.id, error: error instanceof Error ? error.message : String(error) });
  }
};
