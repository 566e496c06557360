/**
 * NBD fixed-newstyle wire structures (NetworkBlockDevice `doc/proto.md`; ../shared/specs/nbd.md):
 * constants named as the protocol names them and pure encoders/decoders. All integers are
 * big-endian.
 * @module
 */

/** "NBDMAGIC". */
export const NBD_MAGIC = 0x4e42444d41474943n;
/** "IHAVEOPT": newstyle negotiation, and the prefix of every option request. */
export const NBD_IHAVEOPT = 0x49484156454f5054n;
/** Magic of every option reply. */
export const NBD_OPTION_REPLY_MAGIC = 0x0003e889045565a9n;
/** Magic of a transmission request. */
export const NBD_REQUEST_MAGIC = 0x25609513;
/** Magic of a simple reply. */
export const NBD_SIMPLE_REPLY_MAGIC = 0x67446698;
/** Magic of a structured reply chunk. */
export const NBD_STRUCTURED_REPLY_MAGIC = 0x668e33ef;

/** Handshake flags (server). */
export const NBD_FLAG_FIXED_NEWSTYLE = 0x0001;
export const NBD_FLAG_NO_ZEROES = 0x0002;
/** Client flags. */
export const NBD_FLAG_C_FIXED_NEWSTYLE = 0x0001;
export const NBD_FLAG_C_NO_ZEROES = 0x0002;

/** Option numbers. */
export const NbdOption = {
  exportName: 1,
  abort: 2,
  list: 3,
  startTls: 5,
  info: 6,
  go: 7,
  structuredReply: 8,
  listMetaContext: 9,
  setMetaContext: 10,
  extendedHeaders: 11,
} as const;

/** Option reply types. */
export const NbdReply = {
  ack: 1,
  server: 2,
  info: 3,
  metaContext: 4,
  errUnsup: 0x80000001,
  errPolicy: 0x80000002,
  errInvalid: 0x80000003,
  errUnknown: 0x80000006,
  errTooBig: 0x80000009,
} as const;

/** NBD_INFO_* types. */
export const NbdInfo = { export: 0, name: 1, description: 2, blockSize: 3 } as const;

/** Transmission flags. */
export const NbdTransmissionFlag = {
  hasFlags: 0x0001,
  readOnly: 0x0002,
  sendFlush: 0x0004,
  sendFua: 0x0008,
  sendTrim: 0x0020,
  sendWriteZeroes: 0x0040,
  sendDf: 0x0080,
  canMultiConn: 0x0100,
} as const;

/** Command types. */
export const NbdCommand = {
  read: 0,
  write: 1,
  disc: 2,
  flush: 3,
  trim: 4,
  cache: 5,
  writeZeroes: 6,
  blockStatus: 7,
} as const;

/** Command flags. */
export const NbdCommandFlag = { fua: 0x1, noHole: 0x2, df: 0x4, reqOne: 0x8, fastZero: 0x10 } as const;

/** Error values. */
export const NbdError = {
  ok: 0,
  perm: 1,
  io: 5,
  noMem: 12,
  inval: 22,
  noSpc: 28,
  overflow: 75,
  notSup: 95,
  shutdown: 108,
} as const;

/** Structured reply chunk types. */
export const NbdChunk = { none: 0, offsetData: 1, offsetHole: 2, blockStatus: 5, error: 0x8001 } as const;
/** Structured reply flag: last chunk. */
export const NBD_REPLY_FLAG_DONE = 0x0001;

/** Bytes of a request header. */
export const REQUEST_HEADER_BYTES = 28;
/** Bytes of an option request header (after which `length` bytes of data follow). */
export const OPTION_HEADER_BYTES = 16;

/**
 * The server's greeting: NBDMAGIC, IHAVEOPT, handshake flags.
 *
 * @example
 * ```ts
 * await conn.write(encodeGreeting(NBD_FLAG_FIXED_NEWSTYLE | NBD_FLAG_NO_ZEROES));
 * ```
 */
export function encodeGreeting(handshakeFlags: number): Uint8Array {
  const out = new Uint8Array(18);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, NBD_MAGIC); // 0: "NBDMAGIC"
  view.setBigUint64(8, NBD_IHAVEOPT); // 8: "IHAVEOPT"
  view.setUint16(16, handshakeFlags); // 16: handshake flags
  return out;
}

/** An option request header. */
export interface OptionHeader {
  readonly magic: bigint;
  readonly option: number;
  /** Bytes of option data that follow. */
  readonly dataByteLength: number;
}

/**
 * Decodes an option request header (16 bytes).
 *
 * @example
 * ```ts
 * const { option, dataByteLength } = decodeOptionHeader(header);
 * ```
 */
export function decodeOptionHeader(bytes: Uint8Array): OptionHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, OPTION_HEADER_BYTES);
  return {
    magic: view.getBigUint64(0), // 0: IHAVEOPT
    option: view.getUint32(8), // 8: option
    dataByteLength: view.getUint32(12), // 12: length of data
  };
}

/**
 * Encodes an option reply: magic, the option echoed, reply type, data.
 *
 * @example
 * ```ts
 * encodeOptionReply(NbdOption.go, NbdReply.ack);
 * ```
 */
export function encodeOptionReply(
  option: number,
  replyType: number,
  data: Uint8Array = new Uint8Array(0),
): Uint8Array {
  const out = new Uint8Array(20 + data.byteLength);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, NBD_OPTION_REPLY_MAGIC); // 0: reply magic
  view.setUint32(8, option); // 8: option
  view.setUint32(12, replyType); // 12: reply type
  view.setUint32(16, data.byteLength); // 16: length
  out.set(data, 20); // 20: data
  return out;
}

/**
 * NBD_INFO_EXPORT payload: type 0, size, transmission flags (12 bytes).
 *
 * @example
 * ```ts
 * encodeOptionReply(NbdOption.go, NbdReply.info, encodeInfoExport(1n << 20n, 0x0003));
 * ```
 */
export function encodeInfoExport(byteLength: bigint, transmissionFlags: number): Uint8Array {
  const out = new Uint8Array(12);
  const view = new DataView(out.buffer);
  view.setUint16(0, NbdInfo.export); // 0: info type
  view.setBigUint64(2, byteLength); // 2: export size
  view.setUint16(10, transmissionFlags); // 10: transmission flags
  return out;
}

/**
 * NBD_INFO_BLOCK_SIZE payload: minimum, preferred, maximum payload (14 bytes).
 *
 * @example
 * ```ts
 * encodeInfoBlockSize(2048, 2048, 32 * 1024 * 1024);
 * ```
 */
export function encodeInfoBlockSize(minimum: number, preferred: number, maximumPayload: number): Uint8Array {
  const out = new Uint8Array(14);
  const view = new DataView(out.buffer);
  view.setUint16(0, NbdInfo.blockSize); // 0: info type
  view.setUint32(2, minimum); // 2: minimum block size
  view.setUint32(6, preferred); // 6: preferred block size
  view.setUint32(10, maximumPayload); // 10: maximum payload
  return out;
}

/**
 * NBD_INFO_NAME / NBD_INFO_DESCRIPTION payload.
 *
 * @example
 * ```ts
 * encodeInfoText(NbdInfo.description, "disc.iso");
 * ```
 */
export function encodeInfoText(type: number, text: string): Uint8Array {
  const bytes = new TextEncoder().encode(text);
  const out = new Uint8Array(2 + bytes.byteLength);
  new DataView(out.buffer).setUint16(0, type); // 0: info type
  out.set(bytes, 2); // 2: text
  return out;
}

/**
 * NBD_REP_SERVER payload: name length, name, description.
 *
 * @example
 * ```ts
 * encodeServerEntry("disc", "disc.iso");
 * ```
 */
export function encodeServerEntry(name: string, description: string): Uint8Array {
  const nameBytes = new TextEncoder().encode(name);
  const text = new TextEncoder().encode(description);
  const out = new Uint8Array(4 + nameBytes.byteLength + text.byteLength);
  new DataView(out.buffer).setUint32(0, nameBytes.byteLength); // 0: name length
  out.set(nameBytes, 4); // 4: name
  out.set(text, 4 + nameBytes.byteLength); // then: description
  return out;
}

/** The data of NBD_OPT_INFO / NBD_OPT_GO. */
export interface InfoRequest {
  readonly name: string;
  readonly requests: readonly number[];
}

/**
 * Decodes NBD_OPT_INFO / NBD_OPT_GO data: u32 name length, name, u16 count, u16 × count.
 * Throws RangeError when the lengths do not add up (the server answers ERR_INVALID).
 *
 * @example
 * ```ts
 * decodeInfoRequest(data); // { name: "disk", requests: [3] }
 * ```
 */
export function decodeInfoRequest(data: Uint8Array): InfoRequest {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (data.byteLength < 6) throw new RangeError("option data shorter than 6 bytes");
  const nameLength = view.getUint32(0); // 0: name length
  if (4 + nameLength + 2 > data.byteLength) throw new RangeError("name length runs past the option data");
  const name = new TextDecoder().decode(data.subarray(4, 4 + nameLength)); // 4: name
  const count = view.getUint16(4 + nameLength); // then: number of info requests
  if (4 + nameLength + 2 + 2 * count !== data.byteLength) {
    throw new RangeError("info request count does not match");
  }
  const requests: number[] = [];
  for (let i = 0; i < count; i++) requests.push(view.getUint16(4 + nameLength + 2 + 2 * i));
  return { name, requests };
}

/** A transmission request header. */
export interface NbdRequest {
  readonly magic: number;
  readonly flags: number;
  readonly type: number;
  /** Opaque handle echoed in the reply. */
  readonly cookie: bigint;
  readonly byteOffset: bigint;
  readonly byteLength: number;
}

/**
 * Decodes a 28-byte request header.
 *
 * @example
 * ```ts
 * const request = decodeRequest(header); // { type: 0, byteOffset: 0n, byteLength: 512, … }
 * ```
 */
export function decodeRequest(bytes: Uint8Array): NbdRequest {
  const view = new DataView(bytes.buffer, bytes.byteOffset, REQUEST_HEADER_BYTES);
  return {
    magic: view.getUint32(0), // 0: NBD_REQUEST_MAGIC
    flags: view.getUint16(4), // 4: command flags
    type: view.getUint16(6), // 6: type
    cookie: view.getBigUint64(8), // 8: cookie
    byteOffset: view.getBigUint64(16), // 16: offset
    byteLength: view.getUint32(24), // 24: length
  };
}

/**
 * Encodes a request header (for clients and tests).
 *
 * @example
 * ```ts
 * encodeRequest({ magic: NBD_REQUEST_MAGIC, flags: 0, type: 0, cookie: 1n, byteOffset: 0n, byteLength: 512 });
 * ```
 */
export function encodeRequest(request: NbdRequest): Uint8Array {
  const out = new Uint8Array(REQUEST_HEADER_BYTES);
  const view = new DataView(out.buffer);
  view.setUint32(0, request.magic);
  view.setUint16(4, request.flags);
  view.setUint16(6, request.type);
  view.setBigUint64(8, request.cookie);
  view.setBigUint64(16, request.byteOffset);
  view.setUint32(24, request.byteLength);
  return out;
}

/**
 * A simple reply header (16 bytes); for a successful READ the data follows.
 *
 * @example
 * ```ts
 * encodeSimpleReply(NbdError.perm, cookie);
 * ```
 */
export function encodeSimpleReply(error: number, cookie: bigint): Uint8Array {
  const out = new Uint8Array(16);
  const view = new DataView(out.buffer);
  view.setUint32(0, NBD_SIMPLE_REPLY_MAGIC); // 0: magic
  view.setUint32(4, error); // 4: error
  view.setBigUint64(8, cookie); // 8: cookie
  return out;
}

/**
 * A structured reply chunk header (20 bytes); `payloadByteLength` bytes follow.
 *
 * @example
 * ```ts
 * encodeChunkHeader(NBD_REPLY_FLAG_DONE, NbdChunk.none, cookie, 0);
 * ```
 */
export function encodeChunkHeader(
  flags: number,
  type: number,
  cookie: bigint,
  payloadByteLength: number,
): Uint8Array {
  const out = new Uint8Array(20);
  const view = new DataView(out.buffer);
  view.setUint32(0, NBD_STRUCTURED_REPLY_MAGIC); // 0: magic
  view.setUint16(4, flags); // 4: flags
  view.setUint16(6, type); // 6: type
  view.setBigUint64(8, cookie); // 8: cookie
  view.setUint32(16, payloadByteLength); // 16: payload length
  return out;
}
