/**
 * A small pool of workers that encode raw data sectors in parallel while the main thread reads
 * and writes files. Workers start on first use and stop after {@link IDLE_STOP_MS} without a
 * job, so an idle pool keeps the process alive no longer than that.
 * @module
 */

import type { RawSectorKind } from "./encode_run.ts";

/** Idle time after which the workers stop. */
export const IDLE_STOP_MS = 50;

type Pending = { resolve: (raw: Uint8Array) => void; reject: (error: Error) => void };

/**
 * Encodes runs of sectors on worker threads.
 *
 * @example
 * ```ts
 * const raw = await SectorEncoderPool.shared.encode("mode1", 0, 256, user);
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

  /** Encodes a run; `user` (2048 bytes per sector) is transferred to the worker. */
  encode(kind: RawSectorKind, firstLba: number, sectorCount: number, user?: Uint8Array): Promise<Uint8Array> {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    if (this.#workers.length === 0) this.#start();
    const id = this.#nextId++;
    const worker = this.#workers[this.#nextWorker++ % this.#workers.length];
    const promise = new Promise<Uint8Array>((resolve, reject) => this.#pending.set(id, { resolve, reject }));
    const buffer = user
      ? (user.byteOffset === 0 && user.byteLength === user.buffer.byteLength ? user : user.slice()).buffer
      : undefined;
    worker.postMessage(
      { id, kind, firstLba, sectorCount, user: buffer },
      buffer ? [buffer as ArrayBuffer] : [],
    );
    return promise;
  }

  #start(): void {
    const url = new URL("./encode_worker.ts", import.meta.url).href;
    for (let i = 0; i < this.workerCount; i++) {
      const worker = new Worker(url, { type: "module" });
      worker.onmessage = (event: MessageEvent<{ id: number; raw?: ArrayBuffer; error?: string }>) => {
        const { id, raw, error } = event.data;
        const pending = this.#pending.get(id);
        this.#pending.delete(id);
        if (error !== undefined || !raw) pending?.reject(new Error(`Cannot encode sectors: ${error}`));
        else pending?.resolve(new Uint8Array(raw));
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
