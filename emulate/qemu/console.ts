/**
 * The guest's serial console as text: escape sequences removed as the bytes arrive (whatever the
 * chunk boundaries), a bounded log, and waiting for a text to appear. Pure apart from timers; the
 * QEMU process code in `boot_test.ts` feeds it.
 * @module
 */

/** Parser states of {@link AnsiStripper}. */
const STATE = { text: 0, escape: 1, csi: 2, charset: 3, osc: 4, oscEscape: 5 } as const;
type State = typeof STATE[keyof typeof STATE];

/**
 * Removes ANSI/VT100 escape sequences and carriage returns from a stream of text, carrying an
 * unfinished sequence over to the next chunk. SeaBIOS's serial console and OVMF's terminal driver
 * both emit such sequences (cursor moves, colours, screen clears).
 *
 * Handled: CSI (`ESC [` parameters, final byte 0x40–0x7E), OSC (`ESC ]` … BEL or `ESC \`),
 * character-set selection (`ESC (` / `ESC )` + one byte) and two-byte escapes (`ESC c`, `ESC 7`, …).
 *
 * @example
 * ```ts
 * const stripper = new AnsiStripper();
 * stripper.push("\x1b[0") + stripper.push("1;01HBdsDxe\r\n"); // "BdsDxe\n"
 * ```
 */
export class AnsiStripper {
  #state: State = STATE.text;

  /** Strips one chunk; returns the text it contributes. */
  push(chunk: string): string {
    let out = "";
    let runStart = -1; // start of a run of plain text, copied in one slice
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (this.#state === STATE.text) {
        if (c === 0x1b || c === 0x0d) {
          if (runStart >= 0) out += chunk.slice(runStart, i);
          runStart = -1;
          if (c === 0x1b) this.#state = STATE.escape;
        } else if (runStart < 0) runStart = i;
        continue;
      }
      switch (this.#state) {
        case STATE.escape:
          this.#state = c === 0x5b /* [ */
            ? STATE.csi
            : c === 0x5d /* ] */
            ? STATE.osc
            : c === 0x28 || c === 0x29 /* ( ) */
            ? STATE.charset
            : STATE.text; // two-byte escape: ESC c, ESC 7, ESC =, ...
          break;
        case STATE.csi:
          if (c >= 0x40 && c <= 0x7e) this.#state = STATE.text; // final byte
          break;
        case STATE.charset:
          this.#state = STATE.text;
          break;
        case STATE.osc:
          if (c === 0x07) this.#state = STATE.text;
          else if (c === 0x1b) this.#state = STATE.oscEscape;
          break;
        case STATE.oscEscape:
          this.#state = c === 0x5c /* \ */ ? STATE.text : STATE.osc;
          break;
      }
    }
    if (runStart >= 0) out += chunk.slice(runStart);
    return out;
  }
}

/**
 * Removes ANSI/VT100 escape sequences and carriage returns from a whole text.
 *
 * @example
 * ```ts
 * stripAnsi("\x1b[2J\x1b[01;01HBdsDxe: loading\r\n\x1b[0m"); // "BdsDxe: loading\n"
 * ```
 */
export function stripAnsi(text: string): string {
  return new AnsiStripper().push(text);
}

/** The last `lineCount` lines of `text` (a final line break does not count as an empty line). */
export function lastLines(text: string, lineCount = 40): string {
  const lines = text.replace(/\n$/, "").split("\n");
  return lines.slice(-lineCount).join("\n");
}

/** Options of {@link SerialConsole}. */
export interface SerialConsoleOptions {
  /** Characters kept for the tail and for matching (default 1 MiB); older text is dropped. */
  readonly retainedLength?: number;
}

/** How a wait ended. */
export type WaitOutcome = "seen" | "timeout" | "closed" | "aborted";

/**
 * A console log fed with the decoded serial bytes. Text is stripped of escape sequences as it
 * arrives and kept up to a bound; {@link SerialConsole.waitFor} finds a text even when it was split
 * across chunks or escape sequences, and also when it appeared before the wait began.
 *
 * @example
 * ```ts
 * const serial = new SerialConsole();
 * const seen = serial.waitFor("BOOT-OK", 1000);
 * serial.push("BOO");
 * serial.push("\x1b[0mT-OK\r\n");
 * await seen; // "seen"
 * ```
 */
export class SerialConsole {
  readonly #retainedLength: number;
  readonly #stripper = new AnsiStripper();
  readonly #decoder = new TextDecoder();
  readonly #listeners = new Set<() => void>();
  #text = "";
  /** Characters dropped from the front of `#text` so far. */
  #droppedLength = 0;
  #closed = false;

  constructor(options: SerialConsoleOptions = {}) {
    this.#retainedLength = options.retainedLength ?? 1 << 20;
    if (!(this.#retainedLength > 0)) {
      throw new RangeError(`Cannot create console: retainedLength "${this.#retainedLength}" is not positive`);
    }
  }

  /** Appends raw bytes (UTF-8, split anywhere) or text. */
  push(chunk: Uint8Array | string): void {
    if (this.#closed) return;
    const text = typeof chunk === "string" ? chunk : this.#decoder.decode(chunk, { stream: true });
    this.#text += this.#stripper.push(text);
    if (this.#text.length > 2 * this.#retainedLength) {
      const drop = this.#text.length - this.#retainedLength;
      this.#text = this.#text.slice(drop);
      this.#droppedLength += drop;
    }
    this.#notify();
  }

  /** No more output will come (QEMU exited or was stopped); pending waits end with "closed". */
  close(): void {
    if (this.#closed) return;
    this.#text += this.#stripper.push(this.#decoder.decode());
    this.#closed = true;
    this.#notify();
  }

  /** Whether {@link SerialConsole.close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** The retained text (escape sequences and carriage returns removed). */
  get text(): string {
    return this.#text;
  }

  /** The last `lineCount` lines (default 40). */
  tail(lineCount = 40): string {
    return lastLines(this.#text, lineCount);
  }

  /**
   * Resolves "seen" once `expected` has appeared (also if it already had), "timeout" after
   * `timeoutMs`, "closed" when the console closes first, "aborted" when `signal` aborts.
   */
  waitFor(expected: string, timeoutMs: number, signal?: AbortSignal): Promise<WaitOutcome> {
    if (expected.length === 0) throw new RangeError("Cannot wait for text: the expected text is empty");
    // Absolute position (counting dropped text) from which the next search starts.
    let from = this.#droppedLength;
    const search = (): boolean => {
      const start = Math.max(0, from - this.#droppedLength);
      if (this.#text.indexOf(expected, start) >= 0) return true;
      // The text may be completed by the next chunk: resume where a partial match could begin.
      from = this.#droppedLength + Math.max(0, this.#text.length - expected.length + 1);
      return false;
    };
    if (search()) return Promise.resolve("seen");
    if (this.#closed) return Promise.resolve("closed");
    if (signal?.aborted) return Promise.resolve("aborted");
    return new Promise((resolve) => {
      const finish = (outcome: WaitOutcome) => {
        clearTimeout(timer);
        this.#listeners.delete(listener);
        signal?.removeEventListener("abort", onAbort);
        resolve(outcome);
      };
      const listener = () => {
        if (search()) finish("seen");
        else if (this.#closed) finish("closed");
      };
      const onAbort = () => finish("aborted");
      const timer = setTimeout(() => finish("timeout"), Math.max(0, timeoutMs));
      this.#listeners.add(listener);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }
}
