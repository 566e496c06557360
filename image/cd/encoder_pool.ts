/**
 * A small pool of workers that encode raw data sectors in parallel while the main thread reads
 * and writes files. Workers start on first use and stop after {@link IDLE_STOP_MS} without a
 * job, so an idle pool keeps the process alive no longer than that.
 * @module
 */

import { SourceError } from "../errors.ts";
import type { FileRegion } from "../regions.ts";
import type { RawSectorKind } from "./encode_run.ts";
import { SECTOR_BYTES } from "./sector.ts";

/** Idle time after which the workers stop. */
export const IDLE_STOP_MS = 50;

/** An encoded run: its raw sectors, and the user data buffer back (for reuse). */
export interface EncodedRun {
  readonly raw: Uint8Array;
  readonly user?: ArrayBuffer;
}

type Pending = {
  readonly byteLength: number;
  resolve: (run: EncodedRun) => void;
  reject: (error: Error) => void;
};

/**
 * Encodes runs of sectors on worker threads.
 *
 * @example
 * ```ts
 * const { raw } = await SectorEncoderPool.shared.encode("mode1", 0, 256, user);
 * ```
 */
export class SectorEncoderPool {
  /** One pool per process, sized to the machine (at most 4 workers). */
  static readonly shared: SectorEncoderPool = new SectorEncoderPool(
    Math.max(1, Math.min(4, navigator.hardwareConcurrency ?? 2)),
  );

  readonly workerCount: number;
  #workers: Worker[] = [];
  #pending = new Map<number, Pending>();
  #nextId = 0;
  #nextWorker = 0;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(workerCount: number) {
    this.workerCount = workerCount;
  }

  /**
   * Encodes a run; `user` (2048 bytes per sector) is transferred to the worker and comes back
   * with the result, or it is a host-file region that the worker reads itself (straight into
   * the encoder; a file that is not as scanned is a {@link SourceError} naming it). `into`, when
   * given, is transferred too and the sectors are encoded into it (a buffer reused instead of a
   * new one each run: no page faults and zeroing).
   */
  encode(
    kind: RawSectorKind,
    firstLba: number,
    sectorCount: number,
    user?: Uint8Array | FileRegion,
    into?: ArrayBuffer,
  ): Promise<EncodedRun> {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    if (this.#workers.length === 0) this.#start();
    const id = this.#nextId++;
    const worker = this.#workers[this.#nextWorker++ % this.#workers.length];
    const byteLength = sectorCount * SECTOR_BYTES;
    const promise = new Promise<EncodedRun>((resolve, reject) =>
      this.#pending.set(id, { byteLength, resolve, reject })
    );
    const source = user && !(user instanceof Uint8Array) ? user : undefined;
    const bytes = user instanceof Uint8Array ? user : undefined;
    const buffer = bytes
      ? (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice())
        .buffer
      : undefined;
    const out = into && into.byteLength >= byteLength ? into : undefined;
    const transfer = [buffer, out].filter((b): b is ArrayBuffer => b !== undefined);
    worker.postMessage({ id, kind, firstLba, sectorCount, user: buffer, source, out }, transfer);
    return promise;
  }

  #start(): void {
    const url = new URL("./encode_worker.ts", import.meta.url).href;
    for (let i = 0; i < this.workerCount; i++) {
      const worker = new Worker(url, { type: "module" });
      type Reply = { id: number; raw?: ArrayBuffer; user?: ArrayBuffer; error?: string; sourcePath?: string };
      worker.onmessage = (event: MessageEvent<Reply>) => {
        const { id, raw, user, error, sourcePath } = event.data;
        const pending = this.#pending.get(id);
        this.#pending.delete(id);
        if (sourcePath !== undefined) {
          pending?.reject(new SourceError(error ?? "Cannot read source", sourcePath));
        } else if (error !== undefined || !raw) pending?.reject(new Error(`Cannot encode sectors: ${error}`));
        else if (pending) pending.resolve({ raw: new Uint8Array(raw, 0, pending.byteLength), user });
        if (this.#pending.size === 0) this.#idleTimer = setTimeout(() => this.#stop(), IDLE_STOP_MS);
      };
      worker.onerror = (event) => {
        event.preventDefault();
        const failure = new Error(`Cannot encode sectors: worker failed: ${event.message}`);
        for (const pending of this.#pending.values()) pending.reject(failure);
        this.#pending.clear();
        this.#stop();
      };
      this.#workers.push(worker);
    }
  }

  #stop(): void {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    for (const worker of this.#workers) worker.terminate();
    this.#workers = [];
  }
}
