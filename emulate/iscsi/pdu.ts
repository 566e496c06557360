/**
 * iSCSI PDUs (RFC 7143 §11; ../shared/specs/iscsi.md §1, §3, §4): the 48-byte Basic Header
 * Segment decoded into named fields, target PDUs encoded field by field, and the framing around
 * them (AHS, header/data digests as CRC32C, data padded to 4 bytes). Big-endian throughout.
 * @module
 */

import { crc32c } from "@aws-crypto/crc32c";

/** Bytes of the Basic Header Segment. */
export const BHS_BYTES = 48;
/** The "no task" tag. */
export const RESERVED_TAG = 0xffffffff;

/** Opcodes (byte 0, bits 5–0). */
export const Opcode = {
  nopOut: 0x00,
  scsiCommand: 0x01,
  taskManagementRequest: 0x02,
  loginRequest: 0x03,
  textRequest: 0x04,
  dataOut: 0x05,
  logoutRequest: 0x06,
  snack: 0x10,
  nopIn: 0x20,
  scsiResponse: 0x21,
  taskManagementResponse: 0x22,
  loginResponse: 0x23,
  textResponse: 0x24,
  dataIn: 0x25,
  logoutResponse: 0x26,
  r2t: 0x31,
  asyncMessage: 0x32,
  reject: 0x3f,
} as const;

/** Reject reasons (§11.17.1). */
export const RejectReason = {
  dataDigestError: 0x02,
  protocolError: 0x04,
  commandNotSupported: 0x05,
  invalidPduField: 0x09,
} as const;

/** A decoded BHS: the common fields, and the raw bytes for opcode-specific ones. */
export interface Bhs {
  readonly immediate: boolean;
  readonly opcode: number;
  /** Byte 1 (F bit and opcode-specific flags). */
  readonly flags: number;
  readonly totalAhsWords: number;
  readonly dataSegmentByteLength: number;
  /** Bytes 8–15: LUN, or ISID + TSIH in login PDUs. */
  readonly lunOrIsid: Uint8Array;
  readonly initiatorTaskTag: number;
  /** The 48 header bytes, for opcode-specific fields (and for Reject, which echoes them). */
  readonly bytes: Uint8Array;
}

/**
 * Decodes the common BHS fields. Throws RangeError for a reserved bit 7 of byte 0.
 *
 * @example
 * ```ts
 * const bhs = decodeBhs(header); // { opcode: 0x03, immediate: true, ... }
 * ```
 */
export function decodeBhs(bytes: Uint8Array): Bhs {
  if (bytes.byteLength < BHS_BYTES) throw new RangeError(`a BHS is 48 bytes, got ${bytes.byteLength}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, BHS_BYTES);
  if (bytes[0] & 0x80) throw new RangeError("byte 0 bit 7 of a BHS is reserved");
  return {
    immediate: (bytes[0] & 0x40) !== 0, // 0: bit 6 I
    opcode: bytes[0] & 0x3f, // 0: opcode
    flags: bytes[1], // 1: F and opcode flags
    totalAhsWords: bytes[4], // 4: TotalAHSLength
    dataSegmentByteLength: (bytes[5] << 16) | (bytes[6] << 8) | bytes[7], // 5: DataSegmentLength
    lunOrIsid: bytes.slice(8, 16), // 8: LUN / ISID+TSIH
    initiatorTaskTag: view.getUint32(16), // 16: ITT
    bytes: bytes.slice(0, BHS_BYTES),
  };
}

/** Reads a big-endian u32 of a BHS at `offset`. */
export function bhsUint32(bhs: Bhs, offset: number): number {
  return new DataView(bhs.bytes.buffer, bhs.bytes.byteOffset, BHS_BYTES).getUint32(offset);
}

/** Fields every target PDU header is built from. */
export interface TargetHeader {
  readonly opcode: number;
  readonly flags: number;
  /** Bytes 2 and 3. */
  readonly byte2?: number;
  readonly byte3?: number;
  readonly lunOrIsid?: Uint8Array;
  readonly initiatorTaskTag: number;
  /** u32 fields at 20, 24, … 44 (undefined = 0). */
  readonly words?: Readonly<Record<20 | 24 | 28 | 32 | 36 | 40 | 44, number>>;
}

/**
 * Encodes a target BHS (data segment length filled in by {@link encodePdu}).
 *
 * @example
 * ```ts
 * encodeBhs({ opcode: Opcode.nopIn, flags: 0x80, initiatorTaskTag: itt, words: { 20: RESERVED_TAG } });
 * ```
 */
export function encodeBhs(header: TargetHeader, dataSegmentByteLength = 0): Uint8Array {
  if (dataSegmentByteLength > 0xffffff) throw new RangeError("data segment over 16 MiB");
  const out = new Uint8Array(BHS_BYTES);
  const view = new DataView(out.buffer);
  out[0] = header.opcode; // 0: opcode (targets never set I)
  out[1] = header.flags; // 1: flags
  out[2] = header.byte2 ?? 0; // 2: opcode-specific
  out[3] = header.byte3 ?? 0; // 3: opcode-specific
  out[5] = dataSegmentByteLength >> 16; // 5: DataSegmentLength (24 bits)
  out[6] = (dataSegmentByteLength >> 8) & 0xff;
  out[7] = dataSegmentByteLength & 0xff;
  if (header.lunOrIsid) out.set(header.lunOrIsid.subarray(0, 8), 8); // 8: LUN / ISID+TSIH
  view.setUint32(16, header.initiatorTaskTag); // 16: ITT
  for (const [offset, value] of Object.entries(header.words ?? {})) {
    view.setUint32(Number(offset), value >>> 0); // 20..44: opcode-specific words
  }
  return out;
}

/** Digests in force on a connection (after login). */
export interface Digests {
  readonly header: boolean;
  readonly data: boolean;
}

/** No digests (during login, and when None was negotiated). */
export const NO_DIGESTS: Digests = { header: false, data: false };

/** CRC32C as iSCSI sends it: least significant byte first. */
export function digestBytes(bytes: Uint8Array): Uint8Array {
  const crc = crc32c(bytes);
  return Uint8Array.of(crc & 0xff, (crc >>> 8) & 0xff, (crc >>> 16) & 0xff, crc >>> 24);
}

/** Bytes of zero padding after a data segment of `byteLength`. */
export function paddingBytes(byteLength: number): number {
  return (4 - (byteLength % 4)) % 4;
}

/**
 * A whole target PDU: BHS, [header digest], data, padding, [data digest]. With
 * `headerOnlyDataBytes`, only the BHS announcing that many data bytes (sent apart, without digests).
 *
 * @example
 * ```ts
 * await conn.write(encodePdu(header, textBytes, digests));
 * ```
 */
export function encodePdu(
  header: TargetHeader,
  data: Uint8Array = new Uint8Array(0),
  digests = NO_DIGESTS,
  headerOnlyDataBytes?: number,
): Uint8Array {
  if (headerOnlyDataBytes !== undefined) {
    // Only the BHS, announcing a data segment the caller writes itself (no digests).
    return encodeBhs(header, headerOnlyDataBytes);
  }
  const bhs = encodeBhs(header, data.byteLength);
  const pad = paddingBytes(data.byteLength);
  const headerDigest = digests.header ? 4 : 0;
  const dataDigest = digests.data && data.byteLength > 0 ? 4 : 0;
  const out = new Uint8Array(BHS_BYTES + headerDigest + data.byteLength + pad + dataDigest);
  out.set(bhs, 0);
  if (headerDigest) out.set(digestBytes(bhs), BHS_BYTES);
  const dataAt = BHS_BYTES + headerDigest;
  out.set(data, dataAt);
  if (dataDigest) {
    out.set(
      digestBytes(out.subarray(dataAt, dataAt + data.byteLength + pad)),
      dataAt + data.byteLength + pad,
    );
  }
  return out;
}

/** Login stages (CSG/NSG). */
export const LoginStage = { security: 0, operational: 1, fullFeature: 3 } as const;

/** The fields of a Login Request (§11.12). */
export interface LoginRequest {
  readonly transit: boolean;
  readonly continue: boolean;
  readonly currentStage: number;
  readonly nextStage: number;
  readonly versionMax: number;
  readonly versionMin: number;
  readonly isid: Uint8Array;
  readonly tsih: number;
  readonly initiatorTaskTag: number;
  readonly connectionId: number;
  readonly cmdSn: number;
  readonly expStatSn: number;
}

/**
 * Decodes a Login Request BHS.
 *
 * @example
 * ```ts
 * const login = decodeLoginRequest(decodeBhs(header));
 * ```
 */
export function decodeLoginRequest(bhs: Bhs): LoginRequest {
  const view = new DataView(bhs.bytes.buffer, bhs.bytes.byteOffset, BHS_BYTES);
  return {
    transit: (bhs.flags & 0x80) !== 0, // 1: bit 7 T
    continue: (bhs.flags & 0x40) !== 0, // 1: bit 6 C
    currentStage: (bhs.flags >> 2) & 0x03, // 1: bits 3–2 CSG
    nextStage: bhs.flags & 0x03, // 1: bits 1–0 NSG
    versionMax: bhs.bytes[2], // 2: Version-max
    versionMin: bhs.bytes[3], // 3: Version-min
    isid: bhs.bytes.slice(8, 14), // 8: ISID
    tsih: view.getUint16(14), // 14: TSIH
    initiatorTaskTag: bhs.initiatorTaskTag, // 16: ITT
    connectionId: view.getUint16(20), // 20: CID
    cmdSn: view.getUint32(24), // 24: CmdSN
    expStatSn: view.getUint32(28), // 28: ExpStatSN
  };
}

/** What a Login Response carries. */
export interface LoginResponse {
  readonly transit: boolean;
  readonly continue: boolean;
  readonly currentStage: number;
  readonly nextStage: number;
  readonly isid: Uint8Array;
  readonly tsih: number;
  readonly initiatorTaskTag: number;
  readonly statSn: number;
  readonly expCmdSn: number;
  readonly maxCmdSn: number;
  readonly statusClass: number;
  readonly statusDetail: number;
}

/**
 * The BHS fields of a Login Response (§11.13).
 *
 * @example
 * ```ts
 * encodePdu(loginResponseHeader(response), encodeTextKeys(keys));
 * ```
 */
export function loginResponseHeader(r: LoginResponse): TargetHeader {
  const isidTsih = new Uint8Array(8);
  isidTsih.set(r.isid.subarray(0, 6), 0); // 8: ISID (echo)
  isidTsih[6] = r.tsih >> 8; // 14: TSIH
  isidTsih[7] = r.tsih & 0xff;
  const flags = (r.transit ? 0x80 : 0) | (r.continue ? 0x40 : 0) | (r.currentStage << 2) | r.nextStage;
  return {
    opcode: Opcode.loginResponse,
    flags,
    byte2: 0x00, // 2: Version-max
    byte3: 0x00, // 3: Version-active
    lunOrIsid: isidTsih,
    initiatorTaskTag: r.initiatorTaskTag,
    words: {
      20: 0,
      24: r.statSn, // 24: StatSN
      28: r.expCmdSn, // 28: ExpCmdSN
      32: r.maxCmdSn, // 32: MaxCmdSN
      36: ((r.statusClass << 24) | (r.statusDetail << 16)) >>> 0, // 36: Status-Class, 37: Status-Detail
      40: 0,
      44: 0,
    },
  };
}

/** What a Data-In PDU carries (§11.7.1). */
export interface DataIn {
  readonly final: boolean;
  /** Status present: phase collapse (then `final` must be set). */
  readonly status?: {
    readonly scsiStatus: number;
    readonly statSn: number;
    readonly residual: number;
    readonly underflow: boolean;
    readonly overflow: boolean;
  };
  readonly lun: Uint8Array;
  readonly initiatorTaskTag: number;
  readonly expCmdSn: number;
  readonly maxCmdSn: number;
  readonly dataSn: number;
  readonly bufferByteOffset: number;
}

/**
 * The BHS fields of a Data-In PDU.
 *
 * @example
 * ```ts
 * encodePdu(dataInHeader({ final: true, status: { scsiStatus: 0, statSn, residual: 0, underflow: false, overflow: false }, ... }), data);
 * ```
 */
export function dataInHeader(d: DataIn): TargetHeader {
  if (d.status && !d.final) throw new RangeError("a Data-In with status must be the final one");
  const s = d.status;
  const flags = (d.final ? 0x80 : 0) | (s?.overflow ? 0x04 : 0) | (s?.underflow ? 0x02 : 0) | (s ? 0x01 : 0);
  return {
    opcode: Opcode.dataIn,
    flags, // 1: F, O, U, S
    byte3: s?.scsiStatus ?? 0, // 3: Status (with S)
    lunOrIsid: d.lun,
    initiatorTaskTag: d.initiatorTaskTag,
    words: {
      20: RESERVED_TAG, // 20: Target Transfer Tag
      24: s?.statSn ?? 0, // 24: StatSN (with S)
      28: d.expCmdSn, // 28: ExpCmdSN
      32: d.maxCmdSn, // 32: MaxCmdSN
      36: d.dataSn, // 36: DataSN
      40: d.bufferByteOffset, // 40: Buffer Offset
      44: s?.residual ?? 0, // 44: Residual Count (with S)
    },
  };
}

/** What a SCSI Response carries (§11.4). */
export interface ScsiResponse {
  readonly scsiStatus: number;
  readonly initiatorTaskTag: number;
  readonly statSn: number;
  readonly expCmdSn: number;
  readonly maxCmdSn: number;
  readonly expDataSn: number;
  readonly residual: number;
  readonly underflow: boolean;
  readonly overflow: boolean;
}

/**
 * The BHS fields of a SCSI Response; sense data goes in the data segment via {@link senseSegment}.
 *
 * @example
 * ```ts
 * encodePdu(scsiResponseHeader(response), senseSegment(fixedSense));
 * ```
 */
export function scsiResponseHeader(r: ScsiResponse): TargetHeader {
  return {
    opcode: Opcode.scsiResponse,
    flags: 0x80 | (r.overflow ? 0x04 : 0) | (r.underflow ? 0x02 : 0), // 1: bit 7 set, O, U
    byte2: 0x00, // 2: Response: command completed at target
    byte3: r.scsiStatus, // 3: Status
    initiatorTaskTag: r.initiatorTaskTag,
    words: {
      20: 0, // 20: SNACK Tag
      24: r.statSn,
      28: r.expCmdSn,
      32: r.maxCmdSn,
      36: r.expDataSn, // 36: ExpDataSN
      40: 0, // 40: Bidirectional Read Residual Count
      44: r.residual, // 44: Residual Count
    },
  };
}

/**
 * The data segment of a SCSI Response with sense: u16 SenseLength, then the sense bytes.
 *
 * @example
 * ```ts
 * senseSegment(Uint8Array.of(0x70, 0, 5, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x24, 0, 0, 0, 0, 0));
 * ```
 */
export function senseSegment(sense: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 + sense.byteLength);
  out[0] = sense.byteLength >> 8; // 0: SenseLength
  out[1] = sense.byteLength & 0xff;
  out.set(sense, 2); // 2: sense data
  return out;
}
