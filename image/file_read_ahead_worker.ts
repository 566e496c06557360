/**
 * A reader thread of {@link FileReadAhead}: reads each batch's files back to back into the buffer
 * it was given and sends the buffer back, or names the first file that could not be read as
 * scanned.
 * @module
 */

import type { ReadBatchReply, ReadBatchRequest } from "./file_read_ahead.ts";
import { describeOsError } from "./regions.ts";

interface WorkerScope {
  onmessage: ((event: MessageEvent<ReadBatchRequest>) => void) | null;
  postMessage(message: ReadBatchReply, transfer?: Transferable[]): void;
}

const scope = self as unknown as WorkerScope;

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
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path, { read: true });
  } catch (error) {
    return `Cannot read source: ${describeOsError(error)}`;
  }
  try {
    let done = 0;
    while (done <= byteLength) {
      const n = file.readSync(bytes.subarray(at + done, at + byteLength + 1));
      if (n === null || n === 0) break;
      done += n;
      // A short read of a regular file is its end: no second call just to hear "end of file".
      if (done === byteLength) break;
    }
    if (done !== byteLength) {
      const size = done > byteLength ? file.statSync().size : done;
      return `Cannot read source: file changed size since it was scanned (${byteLength} -> ${size} bytes)`;
    }
    return undefined;
  } catch (error) {
    return `Cannot read source: ${describeOsError(error)}`;
  } finally {
    file.close();
  }
}
