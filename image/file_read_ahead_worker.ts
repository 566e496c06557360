/**
 * A reader thread of {@link FileReadAhead}: reads each batch's files back to back into the buffer
 * it was given and sends the buffer back, or names the first file that could not be read as
 * scanned.
 * @module
 */

import type { ReadBatchReply, ReadBatchRequest } from "./file_read_ahead.ts";
import { describeOsError } from "./regions.ts";
import { hostFs } from "./host_fs.ts";

interface WorkerScope {
  onmessage: ((event: MessageEvent<ReadBatchRequest>) => void) | null;
  postMessage(message: ReadBatchReply, transfer?: Transferable[]): void;
}

const scope = self as unknown as WorkerScope;
const fs = hostFs();

scope.onmessage = (event) => {
  const { batch, paths, byteLengths, buffer } = event.data;
  const bytes = new Uint8Array(buffer);
  let at = 0;
  for (let i = 0; i < paths.length; i++) {
    const message = readWholeFile(paths[i], byteLengths[i], bytes, at);
    if (message !== undefined) {
      scope.postMessage({ batch, failure: { path: paths[i], message } });
      return;
    }
    at += byteLengths[i];
  }
  scope.postMessage({ batch, buffer }, [buffer]);
};

/**
 * Reads the file at `path` into `bytes` from `at`; it must have `byteLength` bytes. The read asks
 * for one byte more than that (the buffer always has room): getting it means the file grew.
 * Returns undefined when all is well, else the error message.
 */
function readWholeFile(path: string, byteLength: number, bytes: Uint8Array, at: number): string | undefined {
  let done: number;
  try {
    done = fs.readFile(path, bytes.subarray(at, at + byteLength + 1), byteLength);
  } catch (error) {
    return `Cannot read source: ${describeOsError(error)}`;
  }
  if (done === byteLength) return undefined;
  let size = done;
  if (done > byteLength) {
    try {
      size = fs.stat(path, true).byteLength;
    } catch {
      size = done; // gone meanwhile: report what was read
    }
  }
  return `Cannot read source: file changed size since it was scanned (${byteLength} -> ${size} bytes)`;
}
