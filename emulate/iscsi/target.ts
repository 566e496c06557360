/**
 * An iSCSI target (RFC 7143; ../shared/specs/iscsi.md) serving {@link BlockLun}s: login without
 * authentication (security stage answered with AuthMethod=None), operational-key negotiation,
 * SendTargets discovery, SCSI commands with Data-In split at the initiator's
 * MaxRecvDataSegmentLength and phase-collapsed status, sense in SCSI Responses, a pending
 * POWER ON RESET unit attention per LU after login, NOP-In answers, Task Management, Logout and
 * Reject. Header and data digests (CRC32C) when negotiated. One read loop per connection; a
 * malformed PDU closes that connection only.
 *
 * Not yet (issue 5): CHAP, several connections per session, writes (R2T), the MMC command set.
 * @module
 */

import { Acceptor, type ByteStream, ExactReader, ProtocolError, writeAll } from "../tcp.ts";
import {
  type Bhs,
  BHS_BYTES,
  bhsUint32,
  dataInHeader,
  decodeBhs,
  decodeLoginRequest,
  digestBytes,
  type Digests,
  encodePdu,
  loginResponseHeader,
  LoginStage,
  NO_DIGESTS,
  Opcode,
  paddingBytes,
  RejectReason,
  RESERVED_TAG,
  scsiResponseHeader,
  senseSegment,
  type TargetHeader,
} from "./pdu.ts";
import { decodeTextKeys, encodeTextKeys, negotiate, parseNumber } from "./text.ts";
import { chapResponse, parseChapBinary } from "./chap.ts";
import type { BlockLun } from "../scsi/block_lun.ts";
import type { OpticalLun } from "../scsi/optical_lun.ts";

/** A logical unit the target serves: an SBC disk (or plain CD) or an MMC drive. */
export type TargetLun = BlockLun | OpticalLun;
import { CheckCondition, fixedSense, ScsiStatus, SENSE } from "../scsi/sense.ts";

/** What {@link IscsiTarget.listen} takes. */
export interface IscsiTargetOptions {
  /** The target's iSCSI name, e.g. `iqn.2026-11.dev.discwright:disc`. */
  readonly targetName: string;
  /** LUN 0, 1, … */
  readonly luns: readonly TargetLun[];
  readonly hostname?: string;
  /** Default 3260; 0 picks a free port. */
  readonly port?: number;
  readonly log?: (line: string) => void;
  /** Require CHAP (one-way, MD5) with this user name and secret. */
  readonly chap?: { readonly user: string; readonly secret: string };
}

/** Largest data segment we receive (declared in login). */
export const TARGET_MAX_RECV_DATA_SEGMENT = 65536;
/** Command window: MaxCmdSN = ExpCmdSN + this − 1. */
const CMD_WINDOW = 32;
/** SCSI reads executed at once on one connection. */
const MAX_CONCURRENT_COMMANDS = 4;
/** Largest data segment accepted during login and for text (before negotiation). */
const LOGIN_MAX_DATA = 65536;

/** A received PDU. */
interface Pdu {
  readonly bhs: Bhs;
  readonly data: Uint8Array;
}

/** Per-connection state (one connection per session). */
class Connection {
  digests: Digests = NO_DIGESTS;
  /** Digests negotiated during login, switched on after the final login response. */
  pendingDigests: Digests | undefined;
  statSn = 0;
  expCmdSn = 0;
  /** The initiator's MaxRecvDataSegmentLength (8192 until declared). */
  initiatorMaxRecv = 8192;
  maxBurst = 262144;
  discovery = false;
  initiatorName = "";
  /** The CHAP challenge we sent, and whether the initiator answered it. */
  chap: { id: number; challenge: Uint8Array } | undefined;
  authenticated = false;
  /** LUNs with a pending POWER ON RESET unit attention. */
  readonly unitAttention = new Set<number>();
  /** The error that ended a concurrent command (the connection is then closed). */
  failure: unknown;
  /** PDUs that arrived while a write was collecting its Data-Out, handled next. */
  readonly deferred: Pdu[] = [];
  /** Target transfer tags of R2Ts, never 0xFFFFFFFF. */
  nextTransferTag = 1;
  constructor(readonly conn: ByteStream, readonly reader: ExactReader, readonly id: number) {}

  get maxCmdSn(): number {
    return (this.expCmdSn + CMD_WINDOW - 1) >>> 0;
  }

  /** Sends of concurrent tasks, one PDU at a time, in the order they were asked for. */
  #sending: Promise<void> = Promise.resolve();
  /** SCSI commands running concurrently (reads); writes and task management wait for them. */
  readonly inFlight: Set<Promise<void>> = new Set();

  send(header: TargetHeader, data?: Uint8Array): Promise<void> {
    const digests = this.digests;
    const sent = this.#sending.then(async () => {
      if (data && data.byteLength >= 4096 && !digests.header && !digests.data) {
        // Large Data-In without digests: header, data and padding written apart (no copy of the data).
        const pad = (4 - (data.byteLength % 4)) % 4;
        await writeAll(
          this.conn,
          encodePdu(header, undefined, digests, data.byteLength),
          data,
          new Uint8Array(pad),
        );
      } else await writeAll(this.conn, encodePdu(header, data, digests));
    });
    this.#sending = sent.catch(() => {});
    return sent;
  }

  /** Waits until no SCSI command is running. */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Reads one PDU (AHS skipped, digests checked); undefined at end of stream. */
  async receive(maxData: number): Promise<Pdu | undefined> {
    const header = await this.reader.read(BHS_BYTES);
    if (!header) return undefined;
    let bhs: Bhs;
    try {
      bhs = decodeBhs(header);
    } catch (error) {
      throw new ProtocolError((error as Error).message);
    }
    const ahs = bhs.totalAhsWords > 0 ? await this.reader.read(bhs.totalAhsWords * 4) : new Uint8Array(0);
    if (!ahs) throw new ProtocolError("closed inside the AHS");
    if (this.digests.header) {
      const digest = await this.reader.read(4);
      const expected = digestBytes(concat(header, ahs));
      if (!digest || !digest.every((b, i) => b === expected[i])) {
        throw new ProtocolError("header digest error");
      }
    }
    if (bhs.dataSegmentByteLength > maxData) {
      throw new ProtocolError(`data segment of ${bhs.dataSegmentByteLength} bytes is over ${maxData}`);
    }
    const padded = bhs.dataSegmentByteLength + paddingBytes(bhs.dataSegmentByteLength);
    const data = padded > 0 ? await this.reader.read(padded) : new Uint8Array(0);
    if (!data) throw new ProtocolError("closed inside a data segment");
    if (this.digests.data && padded > 0) {
      const digest = await this.reader.read(4);
      const expected = digestBytes(data);
      if (!digest || !digest.every((b, i) => b === expected[i])) throw new ProtocolError("data digest error");
    }
    return { bhs, data: data.subarray(0, bhs.dataSegmentByteLength) };
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a);
  out.set(b, a.byteLength);
  return out;
}

/**
 * A running iSCSI target.
 *
 * @example
 * ```ts
 * await using target = IscsiTarget.listen({ targetName: "iqn.2026-11.dev.discwright:disc", luns: [lun], port: 0 });
 * console.log(target.urls); // ["iscsi://127.0.0.1:40123/iqn.2026-11.dev.discwright:disc/0"]
 * ```
 */
export class IscsiTarget implements AsyncDisposable {
  readonly hostname: string;
  readonly port: number;
  readonly targetName: string;
  readonly #luns: readonly TargetLun[];
  readonly #chap: IscsiTargetOptions["chap"];
  readonly #acceptor: Acceptor;
  readonly #log: (line: string) => void;
  #nextTsih = 1;

  private constructor(listener: Deno.Listener, options: IscsiTargetOptions) {
    this.#acceptor = new Acceptor(listener, (conn, id) => this.#serve(conn, id));
    this.hostname = this.#acceptor.hostname;
    this.port = this.#acceptor.port;
    this.targetName = options.targetName;
    this.#luns = options.luns;
    this.#chap = options.chap;
    this.#log = options.log ?? (() => {});
  }

  /**
   * Listens (127.0.0.1 unless told otherwise) and serves until {@link close}.
   *
   * @example
   * ```ts
   * const target = IscsiTarget.listen({ targetName, luns, port: 3260 });
   * ```
   */
  static listen(options: IscsiTargetOptions): IscsiTarget {
    if (options.luns.length === 0) throw new RangeError("Cannot serve iSCSI: no LUNs");
    if (
      !/^(iqn\.\d{4}-\d{2}\.[^\s]+|eui\.[0-9A-Fa-f]{16}|naa\.[0-9A-Fa-f]{16,32})$/.test(options.targetName)
    ) {
      throw new RangeError(
        `Cannot serve iSCSI: "${options.targetName}" is not an iSCSI name (iqn.yyyy-mm.domain:id)`,
      );
    }
    const listener = Deno.listen({ hostname: options.hostname ?? "127.0.0.1", port: options.port ?? 3260 });
    return new IscsiTarget(listener, options);
  }

  /** `iscsi://host:port/IQN/LUN` of every LUN. */
  get urls(): string[] {
    return this.#luns.map((_, n) => `iscsi://${this.hostname}:${this.port}/${this.targetName}/${n}`);
  }

  async close(): Promise<void> {
    await this.#acceptor.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * Runs the protocol on an already-open stream until it closes (what the listener does for each
   * TCP connection; unit tests pass an in-memory stream).
   *
   * @example
   * ```ts
   * const [client, server] = memoryStreamPair();
   * const served = target.serveStream(server);
   * ```
   */
  serveStream(stream: ByteStream): Promise<void> {
    return this.#serve(stream, 1_000_000 + this.#streams++).finally(() => {
      try {
        stream.close();
      } catch {
        // already closed
      }
    });
  }
  #streams = 0;

  async #serve(conn: ByteStream, id: number): Promise<void> {
    const peer = (conn.remoteAddr ?? { hostname: "memory", port: 0 }) as Deno.NetAddr;
    const who = `iscsi: connection ${id} from ${peer.hostname}:${peer.port}`;
    const c = new Connection(conn, new ExactReader(conn), id);
    try {
      if (!await this.#login(c)) {
        this.#log(`${who}: closed during login`);
        return;
      }
      this.#log(
        `${who}: ${
          c.discovery ? "discovery session" : `logged in to ${this.targetName}`
        } (${c.initiatorName})`,
      );
      try {
        await this.#fullFeature(c);
      } finally {
        await c.drain();
      }
      if (c.failure) throw c.failure;
      this.#log(`${who}: logged out`);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.#log(`${who}: closed: ${reason}`);
    } finally {
      for (const lun of this.#luns) if ("forgetNexus" in lun) lun.forgetNexus(id);
    }
  }

  /** The login phase; true when full-feature phase was reached. */
  async #login(c: Connection): Promise<boolean> {
    let keys: [string, string][] = [];
    let tsih = 0;
    let stage = -1;
    while (true) {
      const pdu = await c.receive(LOGIN_MAX_DATA);
      if (!pdu) return false;
      if (pdu.bhs.opcode !== Opcode.loginRequest) {
        throw new ProtocolError(`opcode 0x${pdu.bhs.opcode.toString(16)} during login`);
      }
      const request = decodeLoginRequest(pdu.bhs);
      if (stage < 0) {
        c.expCmdSn = request.cmdSn;
        c.statSn = 0;
      }
      stage = request.currentStage;
      const fail = async (statusClass: number, statusDetail: number) => {
        await c.send(loginResponseHeader({
          transit: false,
          continue: false,
          currentStage: request.currentStage,
          nextStage: 0,
          isid: request.isid,
          tsih: 0,
          initiatorTaskTag: request.initiatorTaskTag,
          statSn: c.statSn++,
          expCmdSn: c.expCmdSn,
          maxCmdSn: c.maxCmdSn,
          statusClass,
          statusDetail,
        }));
      };
      if (request.versionMin > 0) {
        await fail(0x02, 0x05);
        return false;
      }
      if (request.tsih !== 0) {
        await fail(0x02, 0x0a); // session does not exist (one connection per session)
        return false;
      }
      keys = [...keys, ...safeKeys(pdu.data)];
      const answer: [string, string][] = [];
      if (request.continue) {
        // More text follows: acknowledge with an empty response and keep collecting.
        await c.send(loginResponseHeader({
          transit: false,
          continue: false,
          currentStage: request.currentStage,
          nextStage: request.nextStage,
          isid: request.isid,
          tsih: 0,
          initiatorTaskTag: request.initiatorTaskTag,
          statSn: c.statSn++,
          expCmdSn: c.expCmdSn,
          maxCmdSn: c.maxCmdSn,
          statusClass: 0,
          statusDetail: 0,
        }));
        continue;
      }
      const get = (key: string) => keys.findLast(([k]) => k === key)?.[1];
      if (!c.initiatorName) {
        const name = get("InitiatorName");
        if (!name) {
          await fail(0x02, 0x07); // missing parameter
          return false;
        }
        c.initiatorName = name;
        c.discovery = get("SessionType") === "Discovery";
        if (!c.discovery) {
          const target = get("TargetName");
          if (target !== this.targetName) {
            await fail(0x02, 0x03); // target not found
            return false;
          }
          answer.push(["TargetPortalGroupTag", "1"]);
        }
      }
      for (const [key, value] of keys) {
        if (key.startsWith("CHAP_")) continue; // the security exchange, below
        const reply = this.#answerKey(c, key, value);
        if (reply !== undefined) answer.push([key, reply]);
      }
      let transit = request.transit;
      if (this.#chap) {
        const outcome = this.#chapStep(c, request.currentStage, get, answer);
        if (outcome === "fail") {
          await fail(0x02, 0x01); // authentication failure
          return false;
        }
        if (outcome === "challenge" || (request.currentStage === LoginStage.security && !c.authenticated)) {
          transit = false; // stay in the security stage until the response checks out
        }
      }
      keys = [];
      if (
        request.currentStage === LoginStage.security &&
        answer.some(([k, v]) => k === "AuthMethod" && v === "Reject")
      ) {
        await fail(0x02, 0x01); // authentication failure: CHAP is not offered by this target
        return false;
      }
      const next = transit ? request.nextStage : request.currentStage;
      const done = transit && next === LoginStage.fullFeature;
      if (done) tsih = this.#nextTsih++ & 0xffff || this.#nextTsih++;
      answer.push(
        ...(done || request.currentStage === LoginStage.operational
          ? [["MaxRecvDataSegmentLength", String(TARGET_MAX_RECV_DATA_SEGMENT)] as [string, string]]
          : []),
      );
      await c.send(
        loginResponseHeader({
          transit,
          continue: false,
          currentStage: request.currentStage,
          nextStage: transit ? request.nextStage : 0,
          isid: request.isid,
          tsih: done ? tsih : 0,
          initiatorTaskTag: request.initiatorTaskTag,
          statSn: c.statSn++,
          expCmdSn: c.expCmdSn,
          maxCmdSn: c.maxCmdSn,
          statusClass: 0,
          statusDetail: 0,
        }),
        encodeTextKeys(dedupe(answer)),
      );
      if (done) {
        this.#luns.forEach((_, n) => c.unitAttention.add(n));
        c.digests = c.pendingDigests ?? NO_DIGESTS;
        return true;
      }
    }
  }

  /** The answer to one offered key, or undefined for declarative keys that need none. */
  #answerKey(c: Connection, key: string, value: string): string | undefined {
    switch (key) {
      case "InitiatorName":
      case "InitiatorAlias":
      case "TargetName":
      case "SessionType":
        return undefined;
      case "AuthMethod":
        return negotiate("list", value, this.#chap ? ["CHAP"] : ["None"]);
      case "HeaderDigest":
      case "DataDigest": {
        const chosen = negotiate("list", value, ["None", "CRC32C"]);
        const current = c.pendingDigests ?? NO_DIGESTS;
        c.pendingDigests = key === "HeaderDigest"
          ? { ...current, header: chosen === "CRC32C" }
          : { ...current, data: chosen === "CRC32C" };
        return chosen;
      }
      case "MaxRecvDataSegmentLength": {
        const n = parseNumber(value);
        if (n !== undefined && n >= 512) c.initiatorMaxRecv = Math.min(n, 16_777_215);
        return undefined;
      }
      case "MaxBurstLength": {
        const n = negotiate("min", value, "262144");
        if (parseNumber(n) !== undefined) c.maxBurst = parseNumber(n)!;
        return n;
      }
      case "FirstBurstLength":
        return negotiate("min", value, "65536");
      case "InitialR2T":
        return negotiate("or", value, "Yes");
      case "ImmediateData":
        return negotiate("and", value, "No");
      case "MaxConnections":
        return negotiate("min", value, "1");
      case "DefaultTime2Wait":
        return negotiate("max", value, "2");
      case "DefaultTime2Retain":
        return negotiate("min", value, "0");
      case "MaxOutstandingR2T":
        return negotiate("min", value, "1");
      case "ErrorRecoveryLevel":
        return negotiate("min", value, "0");
      case "DataPDUInOrder":
      case "DataSequenceInOrder":
        return negotiate("or", value, "Yes");
      case "IFMarker":
      case "OFMarker":
        return "No";
      default:
        return "NotUnderstood";
    }
  }

  /**
   * One step of one-way CHAP (RFC 7143 §12.1.3): CHAP_A → our CHAP_I/CHAP_C; CHAP_N/CHAP_R →
   * checked against MD5(I ‖ secret ‖ C). An operational stage reached without it fails.
   */
  #chapStep(
    c: Connection,
    stage: number,
    get: (key: string) => string | undefined,
    answer: [string, string][],
  ): "fail" | "challenge" | "ok" {
    const chap = this.#chap!;
    if (stage !== LoginStage.security) return c.authenticated ? "ok" : "fail";
    const algorithms = get("CHAP_A");
    if (algorithms !== undefined) {
      if (!algorithms.split(",").includes("5")) return "fail";
      const challenge = crypto.getRandomValues(new Uint8Array(16));
      const id = crypto.getRandomValues(new Uint8Array(1))[0];
      c.chap = { id, challenge };
      answer.push(["CHAP_A", "5"], ["CHAP_I", String(id)], [
        "CHAP_C",
        "0x" + Array.from(challenge, (b) => b.toString(16).padStart(2, "0")).join(""),
      ]);
      return "challenge";
    }
    const name = get("CHAP_N"), response = get("CHAP_R");
    if (name === undefined && response === undefined) return "ok";
    if (!c.chap || name !== chap.user || response === undefined) return "fail";
    const given = parseChapBinary(response);
    const expected = chapResponse(c.chap.id, chap.secret, c.chap.challenge);
    if (!given || given.byteLength !== expected.byteLength || !given.every((b, i) => b === expected[i])) {
      return "fail";
    }
    c.authenticated = true;
    return "ok";
  }

  async #fullFeature(c: Connection): Promise<void> {
    while (true) {
      const pdu = c.deferred.shift() ?? await c.receive(TARGET_MAX_RECV_DATA_SEGMENT);
      if (!pdu) return;
      const { bhs } = pdu;
      const cmdSn = bhsUint32(bhs, 24);
      if (!bhs.immediate && bhs.opcode !== Opcode.dataOut) {
        // RFC 7143 §3.2.2.1: a non-immediate command outside [ExpCmdSN, MaxCmdSN] is silently ignored.
        if (((cmdSn - c.expCmdSn) >>> 0) >= CMD_WINDOW) continue;
        if (cmdSn === c.expCmdSn) c.expCmdSn = (c.expCmdSn + 1) >>> 0;
      }
      switch (bhs.opcode) {
        case Opcode.nopOut: {
          if (bhs.initiatorTaskTag === RESERVED_TAG) break; // an answer to our ping: nothing to say
          await c.send({
            opcode: Opcode.nopIn,
            flags: 0x80,
            lunOrIsid: bhs.lunOrIsid,
            initiatorTaskTag: bhs.initiatorTaskTag,
            words: { 20: RESERVED_TAG, 24: c.statSn++, 28: c.expCmdSn, 32: c.maxCmdSn, 36: 0, 40: 0, 44: 0 },
          }, pdu.data.subarray(0, Math.min(pdu.data.byteLength, c.initiatorMaxRecv)));
          break;
        }
        case Opcode.textRequest:
          await this.#text(c, pdu);
          break;
        case Opcode.scsiCommand:
          if (c.discovery) await this.#reject(c, bhs, RejectReason.protocolError);
          else if (bhs.flags & 0x20) {
            // A write reads its Data-Out from this connection: nothing else may run meanwhile.
            await c.drain();
            await this.#scsiCommand(c, pdu);
          } else {
            // Reads run concurrently (initiators keep several in flight); their PDUs are sent whole.
            while (c.inFlight.size >= MAX_CONCURRENT_COMMANDS) await Promise.race(c.inFlight);
            const task: Promise<void> = this.#scsiCommand(c, pdu)
              .catch((error) => {
                c.failure ??= error;
                try {
                  c.conn.close();
                } catch {
                  // already closed
                }
              })
              .finally(() => c.inFlight.delete(task));
            c.inFlight.add(task);
          }
          break;
        case Opcode.taskManagementRequest: {
          await c.drain(); // every task ends before the answer: there is never one left to abort
          const fn = bhs.flags & 0x7f;
          // Commands run to completion before the next PDU is read: there is never a task to abort.
          const response = fn === 1 ? 1 : fn === 8 ? 4 : fn >= 2 && fn <= 7 ? 0 : 5;
          if (fn === 5 || fn === 6 || fn === 7) this.#luns.forEach((_, n) => c.unitAttention.add(n));
          await c.send({
            opcode: Opcode.taskManagementResponse,
            flags: 0x80,
            byte2: response,
            initiatorTaskTag: bhs.initiatorTaskTag,
            words: { 20: 0, 24: c.statSn++, 28: c.expCmdSn, 32: c.maxCmdSn, 36: 0, 40: 0, 44: 0 },
          });
          break;
        }
        case Opcode.logoutRequest:
          await c.drain();
          await c.send({
            opcode: Opcode.logoutResponse,
            flags: 0x80,
            byte2: 0, // closed successfully
            initiatorTaskTag: bhs.initiatorTaskTag,
            words: { 20: 0, 24: c.statSn++, 28: c.expCmdSn, 32: c.maxCmdSn, 36: 0, 40: 0, 44: 0 },
          });
          return;
        case Opcode.loginRequest:
          await this.#reject(c, bhs, RejectReason.protocolError);
          break;
        default:
          await this.#reject(c, bhs, RejectReason.commandNotSupported);
      }
    }
  }

  async #reject(c: Connection, bhs: Bhs, reason: number): Promise<void> {
    await c.send({
      opcode: Opcode.reject,
      flags: 0x80,
      byte2: reason,
      initiatorTaskTag: RESERVED_TAG,
      words: { 20: 0, 24: c.statSn++, 28: c.expCmdSn, 32: c.maxCmdSn, 36: 0, 40: 0, 44: 0 },
    }, bhs.bytes);
  }

  /** Text requests: SendTargets (discovery, or the current target in a normal session). */
  async #text(c: Connection, pdu: Pdu): Promise<void> {
    const keys = safeKeys(pdu.data);
    const answer: [string, string][] = [];
    for (const [key, value] of keys) {
      if (key === "SendTargets") {
        if (value === "All" || value === "" || value === this.targetName) {
          answer.push(["TargetName", this.targetName], ["TargetAddress", `${this.hostname}:${this.port},1`]);
        }
      } else answer.push([key, "NotUnderstood"]);
    }
    await c.send({
      opcode: Opcode.textResponse,
      flags: 0x80,
      lunOrIsid: pdu.bhs.lunOrIsid,
      initiatorTaskTag: pdu.bhs.initiatorTaskTag,
      words: { 20: RESERVED_TAG, 24: c.statSn++, 28: c.expCmdSn, 32: c.maxCmdSn, 36: 0, 40: 0, 44: 0 },
    }, encodeTextKeys(answer));
  }

  async #scsiCommand(c: Connection, pdu: Pdu): Promise<void> {
    const { bhs } = pdu;
    const lunNumber = (bhs.lunOrIsid[0] & 0x3f) === 0
      ? bhs.lunOrIsid[1]
      : ((bhs.lunOrIsid[0] & 0x3f) << 8) | bhs.lunOrIsid[1];
    const expected = bhsUint32(bhs, 20);
    const cdb = bhs.bytes.slice(32, 48);
    const respond = async (
      status: number,
      sense?: Uint8Array,
      residual = 0,
      underflow = false,
      overflow = false,
    ) => {
      await c.send(
        scsiResponseHeader({
          scsiStatus: status,
          initiatorTaskTag: bhs.initiatorTaskTag,
          statSn: c.statSn++,
          expCmdSn: c.expCmdSn,
          maxCmdSn: c.maxCmdSn,
          expDataSn: 0,
          residual,
          underflow,
          overflow,
        }),
        sense ? senseSegment(sense) : undefined,
      );
    };
    let data: Uint8Array | undefined;
    /** Bytes a write command needed, once its LU asked for them. */
    let writeNeeded = 0;
    try {
      if (cdb[0] === 0xa0) data = this.#reportLuns(cdb);
      else {
        const lun = this.#luns[lunNumber];
        if (!lun) {
          if (cdb[0] === 0x12) { // INQUIRY on a missing LU: PQ 011b, PDT 1Fh
            data = Uint8Array.of(0x7f, 0, 5, 0x12, 31, ...new Array(31).fill(0)).subarray(
              0,
              cdb[4] | (cdb[3] << 8),
            );
          } else throw new CheckCondition(SENSE.logicalUnitNotSupported, `LUN ${lunNumber}`);
        } else {
          const exempt = cdb[0] === 0x12 || cdb[0] === 0x03 ||
            (lun.pdt === 0x05 && (cdb[0] === 0x46 || cdb[0] === 0x4a));
          if (!exempt && c.unitAttention.has(lunNumber)) {
            c.unitAttention.delete(lunNumber);
            throw new CheckCondition(SENSE.powerOnReset, "unit attention");
          }
          const mediaChange = "unitAttention" in lun ? lun.unitAttention(c.id, cdb[0]) : undefined;
          if (mediaChange) throw new CheckCondition(mediaChange, "unit attention: medium changed");
          data = await lun.execute(cdb, async (byteLength) => {
            writeNeeded = byteLength;
            if (!(bhs.flags & 0x20)) return new Uint8Array(0); // the initiator announced no data
            return await this.#dataOut(c, pdu, Math.min(byteLength, expected));
          });
        }
      }
    } catch (error) {
      if (!(error instanceof CheckCondition)) throw error;
      await respond(ScsiStatus.checkCondition, fixedSense(error.sense));
      return;
    }
    if ((bhs.flags & 0x20) && !data) {
      // A write: residuals compare what the command needed with what the initiator announced.
      const overflow = writeNeeded > expected;
      const underflow = writeNeeded < expected;
      await respond(ScsiStatus.good, undefined, Math.abs(writeNeeded - expected), underflow, overflow);
      return;
    }
    const bytes = data ?? new Uint8Array(0);
    const sent = Math.min(bytes.byteLength, expected);
    const underflow = sent < expected;
    const overflow = bytes.byteLength > expected;
    const residual = overflow ? bytes.byteLength - expected : expected - sent;
    if (sent === 0) {
      await respond(ScsiStatus.good, undefined, residual, underflow && expected > 0, overflow);
      return;
    }
    // Data-In PDUs of at most the initiator's MaxRecvDataSegmentLength; the last carries the status.
    const segment = Math.max(512, Math.min(c.initiatorMaxRecv, c.maxBurst));
    let dataSn = 0;
    for (let offset = 0; offset < sent; offset += segment) {
      const length = Math.min(segment, sent - offset);
      const last = offset + length >= sent;
      await c.send(
        dataInHeader({
          final: last,
          status: last
            ? { scsiStatus: ScsiStatus.good, statSn: c.statSn++, residual, underflow, overflow }
            : undefined,
          lun: bhs.lunOrIsid,
          initiatorTaskTag: bhs.initiatorTaskTag,
          expCmdSn: c.expCmdSn,
          maxCmdSn: c.maxCmdSn,
          dataSn: dataSn++,
          bufferByteOffset: offset,
        }),
        bytes.subarray(offset, offset + length),
      );
    }
  }

  /**
   * Solicits a write's data with R2Ts (one outstanding, each at most MaxBurstLength) and gathers
   * the Data-Out PDUs answering them; other PDUs arriving meanwhile wait in `c.deferred`. A Data-Out
   * out of sequence (DataSN, offset, tag) is a protocol error that ends the connection (ERL 0).
   */
  async #dataOut(c: Connection, command: Pdu, byteLength: number): Promise<Uint8Array> {
    const { bhs } = command;
    const buffer = new Uint8Array(byteLength);
    let offset = Math.min(command.data.byteLength, byteLength); // immediate data, if an initiator sent some
    buffer.set(command.data.subarray(0, offset));
    let r2tSn = 0;
    while (offset < byteLength) {
      const length = Math.min(c.maxBurst, byteLength - offset);
      const transferTag = c.nextTransferTag;
      c.nextTransferTag = c.nextTransferTag >= 0xfffffffe ? 1 : c.nextTransferTag + 1;
      await c.send({
        opcode: Opcode.r2t,
        flags: 0x80,
        lunOrIsid: bhs.lunOrIsid,
        initiatorTaskTag: bhs.initiatorTaskTag,
        words: {
          20: transferTag, // TTT
          24: c.statSn, // StatSN (not consumed)
          28: c.expCmdSn,
          32: c.maxCmdSn,
          36: r2tSn++, // R2TSN
          40: offset, // buffer offset
          44: length, // desired data transfer length
        },
      });
      let received = 0;
      let dataSn = 0;
      while (received < length) {
        const pdu = await c.receive(TARGET_MAX_RECV_DATA_SEGMENT);
        if (!pdu) throw new ProtocolError("closed while sending Data-Out");
        if (pdu.bhs.opcode !== Opcode.dataOut || pdu.bhs.initiatorTaskTag !== bhs.initiatorTaskTag) {
          c.deferred.push(pdu);
          continue;
        }
        const tag = bhsUint32(pdu.bhs, 20), sn = bhsUint32(pdu.bhs, 36), at = bhsUint32(pdu.bhs, 40);
        if (tag !== transferTag || sn !== dataSn || at !== offset + received) {
          throw new ProtocolError(
            `Data-Out out of sequence: TTT ${tag} DataSN ${sn} offset ${at}, expected ${transferTag}/${dataSn}/${
              offset + received
            }`,
          );
        }
        if (received + pdu.data.byteLength > length) {
          throw new ProtocolError(`Data-Out beyond the ${length} bytes asked for`);
        }
        buffer.set(pdu.data, at);
        received += pdu.data.byteLength;
        dataSn++;
      }
      offset += length;
    }
    return buffer;
  }

  #reportLuns(cdb: Uint8Array): Uint8Array {
    const allocation = new DataView(cdb.buffer, cdb.byteOffset).getUint32(6);
    if (allocation < 16) throw new CheckCondition(SENSE.invalidFieldInCdb, "REPORT LUNS allocation below 16");
    const out = new Uint8Array(8 + 8 * this.#luns.length);
    new DataView(out.buffer).setUint32(0, 8 * this.#luns.length); // 0: LUN list length
    this.#luns.forEach((_, n) => {
      out[8 + 8 * n] = n < 256 ? 0 : 0x40 | (n >> 8); // flat space addressing above 255
      out[8 + 8 * n + 1] = n & 0xff;
    });
    return out.subarray(0, Math.min(out.byteLength, allocation));
  }
}

/** Text keys of a PDU; malformed text is a protocol error. */
function safeKeys(data: Uint8Array): [string, string][] {
  try {
    return decodeTextKeys(data);
  } catch (error) {
    throw new ProtocolError(`bad text data: ${(error as Error).message}`);
  }
}

/** Keeps the last answer for each key, in first-seen order. */
function dedupe(pairs: [string, string][]): [string, string][] {
  const map = new Map<string, string>();
  for (const [k, v] of pairs) {
    map.delete(k);
    map.set(k, v);
  }
  return [...map];
}
