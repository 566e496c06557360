/**
 * Reads many small host files whole, in a given order, on worker threads ahead of the writer.
 *
 * Opening, reading and closing 20,000 small files is system-call time that one thread cannot
 * hide; two reader threads halve it, and the writer's own thread only copies and writes. Files are
 * grouped into batches of consecutive files (about 1 MiB); batch `i` goes to reader `i mod N`, at
 * most {@link BATCHES_IN_FLIGHT} batches are out at once (bounded memory), and the writer takes
 * the files back in order with {@link FileReadAhead.next}. When the writer reaches a batch that no
 * reader has started, it claims the batch and reads it itself instead of waiting (the claim is an
 * atomic compare-and-exchange on memory shared with the readers; the reader then hands its buffer
 * back untouched).
 *
 * A file whose size differs from the scanned size, or that cannot be read, fails the batch with a
 * {@link SourceError} naming the file (the same messages as reading on the writer's thread).
 * @module
 */

import { SourceError } from "./errors.ts";
import { type HostFs, hostFs } from "./host_fs.ts";
import { describeOsError } from "./regions.ts";

/** A host file to read whole, with its size when scanned. */
export interface WholeFile {
  readonly path: string;
  readonly byteLength: number;
}

/** Below this many files the writer reads them itself (starting threads would cost more). */
export const READ_AHEAD_MIN_FILES = 256;
/** Reader threads. */
export const READER_THREADS = 2;
/** Bytes of one batch (a batch holds at least one file, whatever its size). */
const BATCH_BYTES = 1024 * 1024;
/** Files of one batch at most. */
const BATCH_FILES = 512;
/** Batches requested and not yet taken, at most (memory: about this many MiB). */
const BATCHES_IN_FLIGHT = 8;

/**
 * A request to a reader thread: read `paths` back to back into `buffer`, once it has claimed the
 * batch in `claims` (the writer's thread may have taken it first: see {@link BatchClaim}).
 */
export interface ReadBatchRequest {
  readonly batch: number;
  readonly files: readonly WholeFile[];
  readonly buffer: ArrayBuffer;
  /** One Int32 per batch, shared by the writer's thread and the readers. */
  readonly claims: SharedArrayBuffer;
}

/**
 * Who reads a batch: whoever moves its claim from UNCLAIMED first (Atomics.compareExchange). A
 * reader sets READER_DONE when the bytes are in (before its reply arrives), so the writer's thread
 * can see, without waiting for messages, that it is still busy.
 */
export const BatchClaim = { UNCLAIMED: 0, READER: 1, WRITER: 2, READER_DONE: 3 } as const;

/**
 * A reader thread's answer: the filled buffer, the buffer untouched when the writer's thread had
 * claimed the batch, or what went wrong with which file.
 */
export type ReadBatchReply =
  | { readonly batch: number; readonly buffer: ArrayBuffer; readonly claimedByWriter?: true }
  | { readonly batch: number; readonly failure: { readonly path: string; readonly message: string } };

/**
 * Reads the files of a batch back to back into `bytes` (which has one spare byte past their total).
 * Returns undefined when every file had its scanned size, else the first file that did not and why.
 */
export function readBatch(
  fs: HostFs,
  files: readonly WholeFile[],
  bytes: Uint8Array,
): { readonly path: string; readonly message: string } | undefined {
  let at = 0;
  for (let i = 0; i < files.length; i++) {
    const { path, byteLength } = files[i];
    const message = readScannedFile(fs, path, byteLength, bytes, at);
    if (message !== undefined) return { path, message };
    at += byteLength;
  }
  return undefined;
}

/**
 * Reads the file at `path` into `bytes` from `at`; it must have `byteLength` bytes, as scanned.
 * The read asks for one byte more than that (`bytes` must have room): getting it means the file
 * grew. Returns undefined when all is well, else the error message (the reason, without the path).
 *
 * @example
 * ```ts
 * const bytes = new Uint8Array(5 + 1);
 * const problem = readScannedFile(hostFs(), "a.txt", 5, bytes, 0);
 * ```
 */
export function readScannedFile(
  fs: HostFs,
  path: string,
  byteLength: number,
  bytes: Uint8Array,
  at: number,
): string | undefined {
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

interface Batch {
  readonly firstFile: number;
  readonly fileCount: number;
  readonly byteLength: number;
}

interface Pending {
  readonly promise: Promise<ArrayBuffer>;
  resolve(buffer: ArrayBuffer): void;
  reject(error: Error): void;
}

let prestarted: Worker[] | undefined;

/**
 * Starts the reader threads now, so that their start-up overlaps the planning; the next
 * {@link FileReadAhead} takes them (the writer stops them if it has too few small files). Call it
 * once a scan has found many small files.
 *
 * @example
 * ```ts
 * const plan = planIsoBuild(request, {
 *   afterScan: (tree) => {
 *     if (countSmallFiles(tree) >= READ_AHEAD_MIN_FILES) prestartFileReaders();
 *   },
 * });
 * await writeRegionsToFile(plan.regions, "out.iso");
 * ```
 */
export function prestartFileReaders(): void {
  prestarted ??= spawnReaders();
}

/** Stops prestarted reader threads that no build took (a library caller that changed its mind). */
export function stopPrestartedFileReaders(): void {
  prestarted?.forEach((w) => w.terminate());
  prestarted = undefined;
}

function spawnReaders(): Worker[] {
  const url = new URL("./file_read_ahead_worker.ts", import.meta.url);
  return Array.from({ length: READER_THREADS }, () => new Worker(url, { type: "module" }));
}

/**
 * Files read ahead on reader threads, handed out in order.
 *
 * @example
 * ```ts
 * using ahead = new FileReadAhead([{ path: "a.txt", byteLength: 5 }, { path: "b.txt", byteLength: 0 }]);
 * const a = await ahead.next(); // 5 bytes, valid until the next call
 * ```
 */
export class FileReadAhead implements Disposable {
  readonly #files: readonly WholeFile[];
  readonly #batches: Batch[] = [];
  readonly #workers: Worker[];
  readonly #pending = new Map<number, Pending>();
  readonly #spareBuffers: ArrayBuffer[] = [];
  /** Who reads each batch ({@link BatchClaim}), shared with the readers. */
  readonly #claims: Int32Array;
  /** Batches after the current one that this thread read while a reader had the current one. */
  readonly #readHere = new Map<number, ArrayBuffer | SourceError>();
  #requested = 0;
  #taken = 0;
  #current: { bytes: Uint8Array; batch: Batch; buffer: ArrayBuffer } | undefined;
  #fileInBatch = 0;
  #byteInBatch = 0;
  #closed = false;
  #batchesReadHere = 0;
  #batchesReadByThreads = 0;

  /**
   * `readerThreads: 0` reads every batch on the calling thread (as it does with any batch no reader
   * has started); otherwise the prestarted threads are taken, or {@link READER_THREADS} started.
   */
  constructor(files: readonly WholeFile[], options: { readonly readerThreads?: 0 } = {}) {
    this.#files = files;
    for (let first = 0; first < files.length;) {
      let count = 0;
      let bytes = 0;
      while (
        first + count < files.length && count < BATCH_FILES &&
        (count === 0 || bytes + files[first + count].byteLength <= BATCH_BYTES)
      ) {
        bytes += files[first + count].byteLength;
        count++;
      }
      this.#batches.push({ firstFile: first, fileCount: count, byteLength: bytes });
      first += count;
    }
    this.#claims = new Int32Array(new SharedArrayBuffer(4 * Math.max(this.#batches.length, 1)));
    if (options.readerThreads === 0) this.#workers = [];
    else {
      this.#workers = prestarted ?? spawnReaders();
      prestarted = undefined;
    }
    this.#workers.forEach((worker) => {
      worker.onmessage = (event: MessageEvent<ReadBatchReply>) => this.#answer(event.data);
      worker.onerror = (event: ErrorEvent) => {
        event.preventDefault();
        this.#failAll(new Error(`A file reader thread failed: ${event.message}`));
      };
    });
    while (
      this.#workers.length > 0 && this.#requested < this.#batches.length &&
      this.#requested < BATCHES_IN_FLIGHT
    ) this.#request();
  }

  /**
   * The bytes of the next file (in the order given), valid until the next call: at once when its
   * batch is here (most calls: no promise per file), else a promise.
   */
  next(): Uint8Array | Promise<Uint8Array> {
    if (this.#closed) throw new Error("Cannot read ahead: closed");
    if (this.#current && this.#fileInBatch < this.#current.batch.fileCount) return this.#nextFile();
    return this.#nextBatch().then(() => this.#nextFile());
  }

  #nextFile(): Uint8Array {
    const current = this.#current!;
    const file = this.#files[current.batch.firstFile + this.#fileInBatch];
    const bytes = current.bytes.subarray(this.#byteInBatch, this.#byteInBatch + file.byteLength);
    this.#fileInBatch++;
    this.#byteInBatch += file.byteLength;
    return bytes;
  }

  async #nextBatch(): Promise<void> {
    if (this.#current) this.#spareBuffers.push(this.#current.buffer);
    this.#current = undefined;
    if (this.#taken >= this.#batches.length) throw new RangeError("Cannot read ahead: no files left");
    const index = this.#taken;
    const batch = this.#batches[index];
    let buffer = this.#readHere.get(index);
    this.#readHere.delete(index);
    // No reader has started it (they are behind): reading it here beats waiting. Its reader will
    // hand its buffer back untouched.
    if (buffer === undefined && this.#claim(index)) buffer = this.#readBatchHere(index);
    if (buffer === undefined) {
      // A reader has it. Until it is done, read later batches no reader has started yet.
      while (Atomics.load(this.#claims, index) === BatchClaim.READER) {
        const later = this.#laterUnclaimedBatch(index);
        if (later === undefined) break;
        this.#readHere.set(later, this.#readBatchHere(later));
      }
      buffer = await this.#pending.get(index)!.promise;
    }
    if (buffer instanceof SourceError) throw buffer;
    this.#pending.delete(index);
    this.#taken++;
    if (this.#requested < this.#batches.length && this.#workers.length > 0) this.#request();
    this.#current = { bytes: new Uint8Array(buffer, 0, batch.byteLength), batch, buffer };
    this.#fileInBatch = 0;
    this.#byteInBatch = 0;
  }

  /** Claims batch `index` for this thread, if no reader has started it. */
  #claim(index: number): boolean {
    return Atomics.compareExchange(this.#claims, index, BatchClaim.UNCLAIMED, BatchClaim.WRITER) ===
      BatchClaim.UNCLAIMED;
  }

  /** The first requested batch after `index` that no thread has claimed, claimed now for this one. */
  #laterUnclaimedBatch(index: number): number | undefined {
    for (let later = index + 1; later < this.#requested; later++) if (this.#claim(later)) return later;
    return undefined;
  }

  /** Reads batch `index` on this thread: its buffer, or the error about its first bad file. */
  #readBatchHere(index: number): ArrayBuffer | SourceError {
    const batch = this.#batches[index];
    this.#batchesReadHere++;
    const buffer = this.#bufferFor(batch);
    const failure = readBatch(hostFs(), this.#filesOf(batch), new Uint8Array(buffer));
    return failure ? new SourceError(failure.message, failure.path) : buffer;
  }

  #filesOf(batch: Batch): readonly WholeFile[] {
    return this.#files.slice(batch.firstFile, batch.firstFile + batch.fileCount);
  }

  /** Batches the files were grouped into. */
  get batchCount(): number {
    return this.#batches.length;
  }

  /** Batches the reader threads have read so far (for tests and tuning). */
  get batchesReadByThreads(): number {
    return this.#batchesReadByThreads;
  }

  /** Batches this thread read itself because no reader had started them (for tests and tuning). */
  get batchesReadHere(): number {
    return this.#batchesReadHere;
  }

  /** A spare buffer big enough for `batch` and its one spare byte, or a new one. */
  #bufferFor(batch: Batch): ArrayBuffer {
    const needed = batch.byteLength + 1;
    const buffer = this.#spareBuffers.pop();
    return buffer && buffer.byteLength >= needed
      ? buffer
      : new ArrayBuffer(Math.max(needed, BATCH_BYTES + 1));
  }

  /** Stops the reader threads. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#workers.forEach((w) => w.terminate());
    this.#failAll(new Error("Cannot read ahead: closed"));
  }

  [Symbol.dispose](): void {
    this.close();
  }

  #request(): void {
    const index = this.#requested++;
    const batch = this.#batches[index];
    // One spare byte: a reader reads one byte past the scanned size to see that a file grew.
    const buffer = this.#bufferFor(batch);
    let resolve!: (buffer: ArrayBuffer) => void;
    let reject!: (error: Error) => void;
    const promise = new Promise<ArrayBuffer>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    promise.catch(() => {}); // seen when taken; an early failure must not be "unhandled"
    this.#pending.set(index, { promise, resolve, reject });
    const request: ReadBatchRequest = {
      batch: index,
      files: this.#filesOf(batch),
      buffer,
      claims: this.#claims.buffer as SharedArrayBuffer,
    };
    this.#workers[index % this.#workers.length].postMessage(request, [buffer]);
  }

  #answer(reply: ReadBatchReply): void {
    if ("claimedByWriter" in reply) {
      this.#spareBuffers.push(reply.buffer); // this thread read that batch itself
      return;
    }
    const pending = this.#pending.get(reply.batch);
    if (!pending) return;
    if ("buffer" in reply) this.#batchesReadByThreads++;
    if ("failure" in reply) pending.reject(new SourceError(reply.failure.message, reply.failure.path));
    else pending.resolve(reply.buffer);
  }

  #failAll(error: Error): void {
    for (const pending of this.#pending.values()) pending.reject(error);
  }
}
