/**
 * What every server in `emulate/` shares: exact-length reads from a TCP connection, and a
 * listener that runs one loop per connection and closes them all on shutdown.
 * @module
 */

/** The peer broke the protocol: its connection is closed (the server goes on). */
export class ProtocolError extends Error {}

/**
 * What a protocol loop needs of its connection: a TCP `Deno.Conn`, or an in-memory stream in
 * unit tests ({@link memoryStreamPair}).
 */
export type ByteStream = Pick<Deno.Conn, "read" | "write" | "close"> & { readonly remoteAddr?: Deno.Addr };

/**
 * Two connected in-memory byte streams: what one writes the other reads. Closing either ends
 * both directions (reads then return null, as after a TCP close).
 *
 * @example
 * ```ts
 * const [client, server] = memoryStreamPair();
 * void target.serveStream(server);
 * await client.write(loginRequest);
 * ```
 */
export function memoryStreamPair(): [ByteStream, ByteStream] {
  const a = new MemoryStream(), b = new MemoryStream();
  a.peer = b;
  b.peer = a;
  return [a, b];
}

class MemoryStream {
  peer!: MemoryStream;
  readonly remoteAddr: Deno.NetAddr = { transport: "tcp", hostname: "memory", port: 0 };
  #chunks: Uint8Array[] = [];
  #waiting: (() => void) | undefined;
  #closed = false;

  async read(into: Uint8Array): Promise<number | null> {
    while (this.#chunks.length === 0) {
      if (this.#closed) return null;
      await new Promise<void>((resolve) => this.#waiting = resolve);
    }
    const chunk = this.#chunks[0];
    const n = Math.min(chunk.byteLength, into.byteLength);
    into.set(chunk.subarray(0, n));
    if (n === chunk.byteLength) this.#chunks.shift();
    else this.#chunks[0] = chunk.subarray(n);
    return n;
  }

  write(bytes: Uint8Array): Promise<number> {
    if (this.#closed) return Promise.reject(new Deno.errors.BrokenPipe("the stream is closed"));
    this.peer.#deliver(bytes.slice());
    return Promise.resolve(bytes.byteLength);
  }

  close(): void {
    this.#end();
    this.peer.#end();
  }

  #deliver(bytes: Uint8Array): void {
    this.#chunks.push(bytes);
    this.#wake();
  }

  #end(): void {
    this.#closed = true;
    this.#wake();
  }

  #wake(): void {
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.();
  }
}

/**
 * Reads exact byte counts from a connection, whatever sizes its reads return.
 *
 * @example
 * ```ts
 * const header = await new ExactReader(conn).read(48);
 * ```
 */
export class ExactReader {
  #pending = new Uint8Array(0);
  constructor(readonly conn: ByteStream) {}

  /** Exactly `byteLength` bytes, or undefined when the peer closed before sending any. */
  async read(byteLength: number): Promise<Uint8Array | undefined> {
    const out = new Uint8Array(byteLength);
    let filled = 0;
    while (filled < byteLength) {
      if (this.#pending.byteLength > 0) {
        const take = Math.min(this.#pending.byteLength, byteLength - filled);
        out.set(this.#pending.subarray(0, take), filled);
        this.#pending = this.#pending.subarray(take);
        filled += take;
        continue;
      }
      const chunk = new Uint8Array(Math.max(65536, Math.min(byteLength - filled, 4 * 1024 * 1024)));
      const n = await this.conn.read(chunk);
      if (n === null) {
        if (filled === 0) return undefined;
        throw new ProtocolError(`peer closed after ${filled} of ${byteLength} bytes`);
      }
      this.#pending = chunk.subarray(0, n);
    }
    return out;
  }
}

/**
 * Writes all of `parts` in order.
 *
 * @example
 * ```ts
 * await writeAll(conn, header, data);
 * ```
 */
export async function writeAll(conn: ByteStream, ...parts: Uint8Array[]): Promise<void> {
  for (const part of parts) {
    let done = 0;
    while (done < part.byteLength) done += await conn.write(part.subarray(done));
  }
}

/**
 * Accepts connections and runs `serve` for each until {@link close}, which stops listening,
 * closes every connection and waits for their loops.
 *
 * @example
 * ```ts
 * const acceptor = new Acceptor(Deno.listen({ hostname: "127.0.0.1", port: 0 }), (conn, id) => loop(conn, id));
 * await acceptor.close();
 * ```
 */
export class Acceptor {
  readonly hostname: string;
  readonly port: number;
  readonly #listener: Deno.Listener;
  readonly #connections = new Set<Deno.Conn>();
  readonly #tasks = new Set<Promise<void>>();
  readonly #accepting: Promise<void>;
  #nextConnection = 1;

  constructor(listener: Deno.Listener, serve: (conn: Deno.Conn, id: number) => Promise<void>) {
    this.#listener = listener;
    const address = listener.addr as Deno.NetAddr;
    this.hostname = address.hostname;
    this.port = address.port;
    this.#accepting = this.#accept(serve);
  }

  async close(): Promise<void> {
    try {
      this.#listener.close();
    } catch { /* already closed */ }
    for (const conn of this.#connections) closeQuietly(conn);
    await this.#accepting;
    await Promise.allSettled([...this.#tasks]);
  }

  async #accept(serve: (conn: Deno.Conn, id: number) => Promise<void>): Promise<void> {
    while (true) {
      let conn: Deno.Conn;
      try {
        conn = await this.#listener.accept();
      } catch {
        return; // the listener was closed
      }
      this.#connections.add(conn);
      const task: Promise<void> = serve(conn, this.#nextConnection++).finally(() => {
        this.#connections.delete(conn);
        this.#tasks.delete(task);
        closeQuietly(conn);
      });
      this.#tasks.add(task);
    }
  }
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch { /* already closed */ }
}
