/**
 * A reader thread of {@link FileReadAhead}: reads each batch's files back to back into the buffer
 * it was given and sends the buffer back, or names the first file that could not be read as
 * scanned.
 * @module
 */

import { BatchClaim, readBatch, type ReadBatchReply, type ReadBatchRequest } from "./file_read_ahead.ts";
import { hostFs } from "./host_fs.ts";

interface WorkerScope {
  onmessage: ((event: MessageEvent<ReadBatchRequest>) => void) | null;
  postMessage(message: ReadBatchReply, transfer?: Transferable[]): void;
}

const scope = self as unknown as WorkerScope;
const fs = hostFs();

scope.onmessage = (event) => {
  const { batch, files, buffer, claims } = event.data;
  const claim = Atomics.compareExchange(
    new Int32Array(claims),
    batch,
    BatchClaim.UNCLAIMED,
    BatchClaim.READER,
  );
  if (claim !== BatchClaim.UNCLAIMED) {
    scope.postMessage({ batch, buffer, claimedByWriter: true }, [buffer]); // the writer read it
    return;
  }
  const failure = readBatch(fs, files, new Uint8Array(buffer));
  Atomics.store(new Int32Array(claims), batch, BatchClaim.READER_DONE);
  if (failure) scope.postMessage({ batch, failure });
  else scope.postMessage({ batch, buffer }, [buffer]);
};
