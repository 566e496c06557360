/**
 * An NBD server (fixed newstyle; ../shared/specs/nbd.md) serving images as read-only exports,
 * or writable through an in-memory overlay that leaves the image untouched. One read loop per
 * connection; every length is checked before anything is allocated; a malformed client closes
 * its own connection only.
 * @module
 */

import { Acceptor, ExactReader, ProtocolError, writeAll } from "../tcp.ts";
import {
  decodeInfoRequest,
  decodeOptionHeader,
  decodeRequest,
  encodeChunkHeader,
  encodeGreeting,
  encodeInfoBlockSize,
  encodeInfoExport,
  encodeInfoText,
  encodeOptionReply,
  encodeServerEntry,
  encodeSimpleReply,
  NBD_FLAG_C_FIXED_NEWSTYLE,
  NBD_FLAG_C_NO_ZEROES,
  NBD_FLAG_FIXED_NEWSTYLE,
  NBD_FLAG_NO_ZEROES,
  NBD_IHAVEOPT,
  NBD_REPLY_FLAG_DONE,
  NBD_REQUEST_MAGIC,
  NbdChunk,
  NbdCommand,
  NbdCommandFlag,
  NbdError,
  NbdInfo,
  NbdOption,
  NbdReply,
  NbdTransmissionFlag,
  OPTION_HEADER_BYTES,
  REQUEST_HEADER_BYTES,
} from "./protocol.ts";
import { MemoryOverlay } from "../overlay.ts";

/** Something to serve: a byte-addressed, random-access image. */
export interface NbdExport {
  /** Export name (the path of `nbd://host:port/NAME`). */
  readonly name: string;
  readonly description: string;
  readonly byteLength: number;
  /** Preferred block size to advertise (2048 for CD images, 512 for disks). */
  readonly preferredBlockBytes: number;
  /** Reads bytes; never past `byteLength`. */
  read(byteOffset: number, byteLength: number): Promise<Uint8Array>;
  /** Accept writes into an in-memory overlay (the image itself is never written). */
  readonly writableOverlay?: boolean;
}

/** What {@link NbdServer.listen} takes. */
export interface NbdServerOptions {
  readonly exports: readonly NbdExport[];
  /** Default 127.0.0.1. */
  readonly hostname?: string;
  /** Default 10809; 0 picks a free port. */
  readonly port?: number;
  /** One line per connection and per problem. */
  readonly log?: (line: string) => void;
  /** Largest READ/WRITE payload accepted (default 32 MiB). */
  readonly maxPayloadBytes?: number;
  /** Largest option data accepted (default 64 KiB). */
  readonly maxOptionBytes?: number;
}

const BASE_ALLOCATION = "base:allocation";
const KNOWN_COMMAND_FLAGS = NbdCommandFlag.fua | NbdCommandFlag.noHole | NbdCommandFlag.df |
  NbdCommandFlag.reqOne |
  NbdCommandFlag.fastZero;

/**
 * A running NBD server.
 *
 * @example
 * ```ts
 * await using server = NbdServer.listen({ exports: [isoExport], port: 0 });
 * console.log(server.urls); // ["nbd://127.0.0.1:40123/disc"]
 * ```
 */
export class NbdServer implements AsyncDisposable {
  readonly hostname: string;
  readonly port: number;
  readonly #acceptor: Acceptor;
  readonly #exports: Map<string, { export: NbdExport; overlay?: MemoryOverlay }>;
  readonly #log: (line: string) => void;
  readonly #maxPayload: number;
  readonly #maxOption: number;

  private constructor(listener: Deno.Listener, options: NbdServerOptions) {
    this.#acceptor = new Acceptor(listener, (conn, id) => this.#serve(conn, id));
    this.hostname = this.#acceptor.hostname;
    this.port = this.#acceptor.port;
    this.#log = options.log ?? (() => {});
    this.#maxPayload = options.maxPayloadBytes ?? 32 * 1024 * 1024;
    this.#maxOption = options.maxOptionBytes ?? 64 * 1024;
    this.#exports = new Map(
      options.exports.map((
        e,
      ) => [e.name, { export: e, overlay: e.writableOverlay ? new MemoryOverlay(e) : undefined }]),
    );
    if (options.exports.length === 1) this.#exports.set("", this.#exports.get(options.exports[0].name)!);
  }

  /**
   * Listens (127.0.0.1 unless told otherwise) and serves until {@link close}.
   *
   * @example
   * ```ts
   * const server = NbdServer.listen({ exports, port: 10809 });
   * ```
   */
  static listen(options: NbdServerOptions): NbdServer {
    if (options.exports.length === 0) throw new RangeError("Cannot serve NBD: no exports");
    const names = new Set<string>();
    for (const e of options.exports) {
      if (names.has(e.name)) throw new RangeError(`Cannot serve NBD: two exports are named "${e.name}"`);
      names.add(e.name);
    }
    const listener = Deno.listen({ hostname: options.hostname ?? "127.0.0.1", port: options.port ?? 10809 });
    return new NbdServer(listener, options);
  }

  /** `nbd://host:port/name` of every export. */
  get urls(): string[] {
    return [...this.#exports.keys()].filter((n) => n !== "").map((n) =>
      `nbd://${this.hostname}:${this.port}/${encodeURIComponent(n)}`
    );
  }

  /** Stops listening, closes every connection and waits for their loops to end. */
  async close(): Promise<void> {
    await this.#acceptor.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #serve(conn: Deno.Conn, id: number): Promise<void> {
    const peer = conn.remoteAddr as Deno.NetAddr;
    const who = `nbd: connection ${id} from ${peer.hostname}:${peer.port}`;
    try {
      const result = await this.#negotiate(conn, new ExactReader(conn));
      if (!result) {
        this.#log(`${who}: closed during negotiation`);
        return;
      }
      this.#log(
        `${who}: export "${result.entry.export.name}"${result.structured ? " (structured replies)" : ""}`,
      );
      await this.#transmit(conn, result.reader, result.entry, result.structured, result.metaContext);
      this.#log(`${who}: disconnected`);
    } catch (error) {
      if (error instanceof ProtocolError) this.#log(`${who}: closed: ${error.message}`);
      else if (error instanceof Deno.errors.BadResource || error instanceof Deno.errors.ConnectionReset) {
        this.#log(`${who}: connection lost`);
      } else if (error instanceof Deno.errors.BrokenPipe) this.#log(`${who}: connection lost`);
      else this.#log(`${who}: closed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** The handshake and option haggling; resolves with the chosen export or undefined (abort/close). */
  async #negotiate(conn: Deno.Conn, reader: ExactReader) {
    await writeAll(conn, encodeGreeting(NBD_FLAG_FIXED_NEWSTYLE | NBD_FLAG_NO_ZEROES));
    const clientFlagBytes = await reader.read(4);
    if (!clientFlagBytes) return undefined;
    const clientFlags = new DataView(clientFlagBytes.buffer).getUint32(0);
    if (clientFlags & ~(NBD_FLAG_C_FIXED_NEWSTYLE | NBD_FLAG_C_NO_ZEROES)) {
      throw new ProtocolError(`unknown client flags 0x${clientFlags.toString(16)}`);
    }
    const noZeroes = (clientFlags & NBD_FLAG_C_NO_ZEROES) !== 0;
    let structured = false;
    let metaContext = false;

    while (true) {
      const headerBytes = await reader.read(OPTION_HEADER_BYTES);
      if (!headerBytes) return undefined;
      const header = decodeOptionHeader(headerBytes);
      if (header.magic !== NBD_IHAVEOPT) throw new ProtocolError("option without IHAVEOPT");
      if (header.dataByteLength > this.#maxOption) {
        throw new ProtocolError(`option data of ${header.dataByteLength} bytes is over ${this.#maxOption}`);
      }
      const data = header.dataByteLength > 0
        ? (await reader.read(header.dataByteLength))!
        : new Uint8Array(0);
      if (data === undefined) return undefined;
      const reply = (type: number, payload?: Uint8Array) =>
        writeAll(conn, encodeOptionReply(header.option, type, payload));
      const error = (type: number, message: string) => reply(type, new TextEncoder().encode(message));

      switch (header.option) {
        case NbdOption.exportName: {
          const name = new TextDecoder().decode(data);
          const entry = this.#exports.get(name);
          if (!entry) throw new ProtocolError(`no export "${name}"`);
          const size = new Uint8Array(10);
          new DataView(size.buffer).setBigUint64(0, BigInt(entry.export.byteLength));
          new DataView(size.buffer).setUint16(8, this.#flags(entry));
          await writeAll(conn, size, ...(noZeroes ? [] : [new Uint8Array(124)]));
          return { entry, reader, structured: false, metaContext: false };
        }
        case NbdOption.abort:
          await reply(NbdReply.ack).catch(() => {});
          return undefined;
        case NbdOption.list: {
          if (data.byteLength > 0) {
            await error(NbdReply.errInvalid, "NBD_OPT_LIST takes no data");
            break;
          }
          for (const [name, entry] of this.#exports) {
            if (name === "") continue;
            await reply(NbdReply.server, encodeServerEntry(name, entry.export.description));
          }
          await reply(NbdReply.ack);
          break;
        }
        case NbdOption.info:
        case NbdOption.go: {
          let request;
          try {
            request = decodeInfoRequest(data);
          } catch (e) {
            await error(
              NbdReply.errInvalid,
              `bad ${header.option === NbdOption.go ? "GO" : "INFO"} data: ${(e as Error).message}`,
            );
            break;
          }
          const entry = this.#exports.get(request.name);
          if (!entry) {
            await error(NbdReply.errUnknown, `no export "${request.name}"`);
            break;
          }
          await reply(NbdReply.info, encodeInfoExport(BigInt(entry.export.byteLength), this.#flags(entry)));
          if (request.requests.includes(NbdInfo.name)) {
            await reply(NbdReply.info, encodeInfoText(NbdInfo.name, entry.export.name));
          }
          if (request.requests.includes(NbdInfo.description)) {
            await reply(NbdReply.info, encodeInfoText(NbdInfo.description, entry.export.description));
          }
          if (request.requests.includes(NbdInfo.blockSize)) {
            await reply(
              NbdReply.info,
              encodeInfoBlockSize(1, entry.export.preferredBlockBytes, this.#maxPayload),
            );
          }
          await reply(NbdReply.ack);
          if (header.option === NbdOption.go) return { entry, reader, structured, metaContext };
          break;
        }
        case NbdOption.structuredReply:
          if (data.byteLength > 0) await error(NbdReply.errInvalid, "NBD_OPT_STRUCTURED_REPLY takes no data");
          else {
            structured = true;
            await reply(NbdReply.ack);
          }
          break;
        case NbdOption.listMetaContext:
        case NbdOption.setMetaContext: {
          const queries = decodeMetaQueries(data);
          if (!queries) {
            await error(NbdReply.errInvalid, "bad meta context data");
            break;
          }
          if (header.option === NbdOption.setMetaContext && !structured) {
            await error(NbdReply.errInvalid, "meta contexts need structured replies");
            break;
          }
          const wanted = queries.queries.length === 0 ||
            queries.queries.some((q) => q === BASE_ALLOCATION || q === "base:");
          if (wanted) {
            const name = new TextEncoder().encode(BASE_ALLOCATION);
            const payload = new Uint8Array(4 + name.byteLength);
            new DataView(payload.buffer).setUint32(0, 1); // context id 1
            payload.set(name, 4);
            await reply(NbdReply.metaContext, payload);
            if (header.option === NbdOption.setMetaContext) metaContext = true;
          }
          await reply(NbdReply.ack);
          break;
        }
        default:
          await error(NbdReply.errUnsup, `option ${header.option} is not supported`);
      }
    }
  }

  #flags(entry: { export: NbdExport; overlay?: MemoryOverlay }): number {
    const base = NbdTransmissionFlag.hasFlags | NbdTransmissionFlag.sendFlush;
    return entry.overlay
      ? base | NbdTransmissionFlag.sendFua | NbdTransmissionFlag.sendTrim |
        NbdTransmissionFlag.sendWriteZeroes
      : base | NbdTransmissionFlag.readOnly | NbdTransmissionFlag.canMultiConn;
  }

  async #transmit(
    conn: Deno.Conn,
    reader: ExactReader,
    entry: { export: NbdExport; overlay?: MemoryOverlay },
    structured: boolean,
    metaContext: boolean,
  ): Promise<void> {
    const size = entry.export.byteLength;
    const source = entry.overlay ?? entry.export;
    while (true) {
      const headerBytes = await reader.read(REQUEST_HEADER_BYTES);
      if (!headerBytes) return;
      const request = decodeRequest(headerBytes);
      if (request.magic !== NBD_REQUEST_MAGIC) {
        throw new ProtocolError(`request magic 0x${request.magic.toString(16)} is not 0x25609513`);
      }
      const offset = Number(request.byteOffset);
      const length = request.byteLength;
      const inRange = request.byteOffset <= BigInt(size) && offset + length <= size;
      const finish = async (error: number) => {
        if (!structured) await writeAll(conn, encodeSimpleReply(error, request.cookie));
        else if (error === NbdError.ok) {
          await writeAll(conn, encodeChunkHeader(NBD_REPLY_FLAG_DONE, NbdChunk.none, request.cookie, 0));
        } else {
          const payload = new Uint8Array(6);
          new DataView(payload.buffer).setUint32(0, error); // error, then a zero-length message
          await writeAll(
            conn,
            encodeChunkHeader(NBD_REPLY_FLAG_DONE, NbdChunk.error, request.cookie, 6),
            payload,
          );
        }
      };
      if (request.flags & ~KNOWN_COMMAND_FLAGS) {
        if (request.type === NbdCommand.write && length <= this.#maxPayload) await reader.read(length);
        else if (request.type === NbdCommand.write) {
          throw new ProtocolError(`WRITE of ${length} bytes is over the limit`);
        }
        await finish(NbdError.inval);
        continue;
      }
      switch (request.type) {
        case NbdCommand.read: {
          if (length > this.#maxPayload) {
            await finish(NbdError.overflow);
            break;
          }
          if (!inRange) {
            await finish(NbdError.inval);
            break;
          }
          let data: Uint8Array;
          try {
            data = await source.read(offset, length);
          } catch {
            await finish(NbdError.io);
            break;
          }
          if (structured) {
            const at = new Uint8Array(8); // the data's offset from the start of the export
            new DataView(at.buffer).setBigUint64(0, request.byteOffset);
            await writeAll(
              conn,
              encodeChunkHeader(NBD_REPLY_FLAG_DONE, NbdChunk.offsetData, request.cookie, 8 + length),
              at,
              data,
            );
          } else await writeAll(conn, encodeSimpleReply(NbdError.ok, request.cookie), data);
          break;
        }
        case NbdCommand.write: {
          if (length > this.#maxPayload) {
            throw new ProtocolError(`WRITE of ${length} bytes is over ${this.#maxPayload}`);
          }
          const data = length > 0 ? await reader.read(length) : new Uint8Array(0);
          if (!data) throw new ProtocolError("peer closed inside a WRITE payload");
          if (!entry.overlay) await finish(NbdError.perm);
          else if (!inRange) await finish(NbdError.noSpc);
          else {
            await entry.overlay.write(offset, data);
            await finish(NbdError.ok);
          }
          break;
        }
        case NbdCommand.writeZeroes:
        case NbdCommand.trim: {
          if (!entry.overlay) await finish(NbdError.perm);
          else if (!inRange) await finish(NbdError.inval);
          else {
            if (request.type === NbdCommand.writeZeroes && length > 0) {
              await entry.overlay.write(offset, new Uint8Array(length));
            }
            await finish(NbdError.ok);
          }
          break;
        }
        case NbdCommand.flush:
        case NbdCommand.cache:
          await finish(inRange ? NbdError.ok : NbdError.inval);
          break;
        case NbdCommand.disc:
          return;
        case NbdCommand.blockStatus: {
          if (!structured || !metaContext || !inRange || length === 0) {
            await finish(NbdError.inval);
            break;
          }
          const payload = new Uint8Array(12);
          const view = new DataView(payload.buffer);
          view.setUint32(0, 1); // context id
          view.setUint32(4, length); // extent length: all of the request
          view.setUint32(8, 0); // status: allocated, data
          await writeAll(
            conn,
            encodeChunkHeader(NBD_REPLY_FLAG_DONE, NbdChunk.blockStatus, request.cookie, 12),
            payload,
          );
          break;
        }
        default:
          await finish(NbdError.inval);
      }
    }
  }
}

/** Decodes LIST/SET_META_CONTEXT data: u32 name length, name, u32 count, (u32 length, query)×count. */
function decodeMetaQueries(data: Uint8Array): { name: string; queries: string[] } | undefined {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let at = 0;
  const need = (n: number) => at + n <= data.byteLength;
  if (!need(4)) return undefined;
  const nameLength = view.getUint32(at);
  at += 4;
  if (!need(nameLength + 4)) return undefined;
  const name = new TextDecoder().decode(data.subarray(at, at + nameLength));
  at += nameLength;
  const count = view.getUint32(at);
  at += 4;
  const queries: string[] = [];
  for (let i = 0; i < count; i++) {
    if (!need(4)) return undefined;
    const length = view.getUint32(at);
    at += 4;
    if (!need(length)) return undefined;
    queries.push(new TextDecoder().decode(data.subarray(at, at + length)));
    at += length;
  }
  return at === data.byteLength ? { name, queries } : undefined;
}
