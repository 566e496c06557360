/**
 * The iSCSI target's PDU handlers over an in-memory transport (no network): login in one PDU
 * and in two stages, text SendTargets, NOP-Out, SCSI reads split to the initiator's limit with
 * phase-collapsed status and residuals, CHECK CONDITION with sense, writes through R2T/Data-Out,
 * task management, the CmdSN window, Reject, Logout.
 */
import assert from "node:assert/strict";
import { IscsiTarget } from "./target.ts";
import { BlockLun } from "../scsi/block_lun.ts";
import { MemoryOverlay } from "../overlay.ts";
import { type ByteStream, memoryStreamPair } from "../tcp.ts";
import { decodeTextKeys, encodeTextKeys } from "./text.ts";

const IQN = "iqn.2026-12.dev.discwright:unit";
const BLOCKS = 64;
const bytes = new Uint8Array(BLOCKS * 512).map((_, i) => (i * 7 + (i >> 9)) & 0xff);

/** A PDU as the target sent it. */
interface Pdu {
  readonly opcode: number;
  readonly bhs: Uint8Array;
  readonly data: Uint8Array;
  u32(at: number): number;
}

/** A minimal initiator speaking RFC 7143 over a stream. */
class Initiator {
  #pending = new Uint8Array(0);
  cmdSn = 1;
  constructor(readonly stream: ByteStream) {}

  async #read(n: number): Promise<Uint8Array | undefined> {
    while (this.#pending.byteLength < n) {
      const chunk = new Uint8Array(65536);
      const got = await this.stream.read(chunk);
      if (got === null) return undefined;
      const joined = new Uint8Array(this.#pending.byteLength + got);
      joined.set(this.#pending);
      joined.set(chunk.subarray(0, got), this.#pending.byteLength);
      this.#pending = joined;
    }
    const out = this.#pending.slice(0, n);
    this.#pending = this.#pending.subarray(n);
    return out;
  }

  async receive(): Promise<Pdu | undefined> {
    const bhs = await this.#read(48);
    if (!bhs) return undefined;
    const length = (bhs[5] << 16) | (bhs[6] << 8) | bhs[7];
    const data = length
      ? (await this.#read(Math.ceil(length / 4) * 4))!.subarray(0, length)
      : new Uint8Array(0);
    const view = new DataView(bhs.buffer);
    return { opcode: bhs[0] & 0x3f, bhs, data, u32: (at) => view.getUint32(at) };
  }

  async send(
    opcode: number,
    flags: number,
    words: Record<number, number>,
    data: Uint8Array = new Uint8Array(0),
    cdb?: number[],
  ) {
    const bhs = new Uint8Array(48);
    const view = new DataView(bhs.buffer);
    bhs[0] = opcode;
    bhs[1] = flags;
    view.setUint32(4, data.byteLength); // 5–7: DataSegmentLength (byte 4 TotalAHSLength stays 0)
    for (const [at, value] of Object.entries(words)) view.setUint32(Number(at), value >>> 0);
    if (cdb) bhs.set(cdb, 32);
    const padded = new Uint8Array(Math.ceil(data.byteLength / 4) * 4);
    padded.set(data);
    await this.stream.write(new Uint8Array([...bhs, ...padded]));
  }

  /** One-PDU login (operational → full feature); returns the target's keys. */
  async login(keys: [string, string][] = []): Promise<Map<string, string>> {
    await this.send(
      0x43,
      0x87,
      { 8: 0x80000001, 16: 1, 24: this.cmdSn, 28: 0 },
      encodeTextKeys([
        ["InitiatorName", "iqn.2026-12.dev.discwright:unit-client"],
        ["SessionType", "Normal"],
        ["TargetName", IQN],
        ...keys,
      ]),
    );
    const answer = (await this.receive())!;
    assert.equal(answer.opcode, 0x23, "a login response");
    assert.equal(answer.bhs[36], 0, `status class ${answer.bhs[36]}`);
    return new Map(decodeTextKeys(answer.data));
  }

  /** A SCSI command; the PDUs up to its final status. */
  async command(cdb: number[], options: { expected: number; write?: boolean; task: number }): Promise<Pdu[]> {
    await this.send(
      0x01,
      0x80 | (options.write ? 0x20 : 0x40) | 0x01,
      {
        16: options.task,
        20: options.expected,
        24: this.cmdSn++,
        28: 0,
      },
      undefined,
      cdb,
    );
    const pdus: Pdu[] = [];
    while (true) {
      const pdu = (await this.receive())!;
      pdus.push(pdu);
      if (pdu.opcode === 0x21 || (pdu.opcode === 0x25 && (pdu.bhs[1] & 0x01))) return pdus;
      if (pdu.opcode === 0x31) return pdus; // R2T: the caller answers
    }
  }
}

async function withTarget(
  test: (initiator: Initiator, target: IscsiTarget, lines: string[]) => Promise<void>,
  writable = false,
): Promise<void> {
  const image = {
    byteLength: bytes.byteLength,
    read: (o: number, n: number) => Promise.resolve(bytes.slice(o, o + n)),
  };
  const source = writable ? new MemoryOverlay(image) : image;
  const lines: string[] = [];
  await using target = IscsiTarget.listen({
    targetName: IQN,
    luns: [new BlockLun({ kind: "disk", source, serial: "U1", targetName: IQN })],
    port: 0,
    log: (line) => lines.push(line),
  });
  const [client, server] = memoryStreamPair();
  const served = target.serveStream(server);
  try {
    await test(new Initiator(client), target, lines);
  } finally {
    client.close();
    await served;
  }
}

const read10 = (
  lba: number,
  blocks: number,
) => [0x28, 0, 0, 0, (lba >> 8) & 0xff, lba & 0xff, 0, 0, blocks, 0];

Deno.test("login in one PDU negotiates the keys; a second-stage login (security → operational → full) works too", async () => {
  await withTarget(async (initiator) => {
    const keys = await initiator.login([["MaxRecvDataSegmentLength", "8192"], ["HeaderDigest", "None"], [
      "MaxBurstLength",
      "16384",
    ]]);
    assert.equal(keys.get("HeaderDigest"), "None");
    assert.equal(keys.get("MaxBurstLength"), "16384", "minimum of both");
    assert.ok(Number(keys.get("MaxRecvDataSegmentLength")) >= 8192);
  });
  await withTarget(async (initiator) => {
    // Stage 1: security (CSG 0) → operational (NSG 1), T set, AuthMethod=None.
    await initiator.send(
      0x43,
      0x81,
      { 8: 0x80000002, 16: 1, 24: 1 },
      encodeTextKeys([
        ["InitiatorName", "iqn.2026-12.dev.discwright:two"],
        ["SessionType", "Normal"],
        ["TargetName", IQN],
        ["AuthMethod", "None"],
      ]),
    );
    const first = (await initiator.receive())!;
    assert.equal(first.opcode, 0x23);
    assert.equal(first.bhs[36], 0);
    assert.equal(first.bhs[1] & 0x0f, 0x01, "CSG 0, NSG 1");
    assert.equal(new Map(decodeTextKeys(first.data)).get("AuthMethod"), "None");
    // Stage 2: operational (CSG 1) → full feature (NSG 3).
    await initiator.send(
      0x43,
      0x87,
      { 8: 0x80000002, 16: 2, 24: 1 },
      encodeTextKeys([["MaxRecvDataSegmentLength", "8192"]]),
    );
    const second = (await initiator.receive())!;
    assert.equal(second.bhs[36], 0);
    assert.equal(second.bhs[1] & 0x03, 3, "now in full feature phase");
  });
});

Deno.test("text SendTargets, NOP-Out answered with its data, an unknown opcode rejected, Logout closes", async () => {
  await withTarget(async (initiator) => {
    await initiator.login();
    await initiator.send(
      0x44,
      0x80,
      { 16: 7, 20: 0xffffffff, 24: initiator.cmdSn++ },
      encodeTextKeys([["SendTargets", "All"]]),
    );
    const text = (await initiator.receive())!;
    assert.equal(text.opcode, 0x24);
    assert.equal(new Map(decodeTextKeys(text.data)).get("TargetName"), IQN);
    const ping = new TextEncoder().encode("ping!");
    await initiator.send(0x40, 0x80, { 16: 8, 20: 0xffffffff, 24: initiator.cmdSn }, ping);
    const pong = (await initiator.receive())!;
    assert.equal(pong.opcode, 0x20);
    assert.equal(pong.u32(16), 8, "the NOP-Out's task tag");
    assert.deepEqual(pong.data, ping);
    await initiator.send(0x1c, 0x80, { 16: 9, 24: initiator.cmdSn++ });
    const reject = (await initiator.receive())!;
    assert.equal(reject.opcode, 0x3f);
    await initiator.send(0x46, 0x80, { 16: 10, 24: initiator.cmdSn++ });
    const logout = (await initiator.receive())!;
    assert.equal(logout.opcode, 0x26);
    assert.equal(await initiator.receive(), undefined, "the target closed after the logout");
  });
});

Deno.test("SCSI reads: Data-In split to the initiator's MaxRecvDataSegmentLength, status in the last PDU, residuals; CHECK CONDITION carries sense", async () => {
  await withTarget(async (initiator) => {
    await initiator.login([["MaxRecvDataSegmentLength", "4096"]]);
    const ua = await initiator.command([0, 0, 0, 0, 0, 0], { expected: 0, task: 1 });
    assert.equal(ua.at(-1)!.bhs[3], 2, "power-on UNIT ATTENTION first");
    const pdus = await initiator.command(read10(4, 32), { expected: 32 * 512, task: 2 });
    assert.equal(pdus.length, 4, "16 KiB in 4 KiB PDUs");
    pdus.forEach((p, i) => {
      assert.equal(p.opcode, 0x25);
      assert.equal(p.u32(36), i, "DataSN");
      assert.equal(p.u32(40), i * 4096, "buffer offset");
      assert.deepEqual(p.data, bytes.subarray(4 * 512 + i * 4096, 4 * 512 + (i + 1) * 4096));
    });
    assert.equal(pdus.at(-1)!.bhs[1] & 0x81, 0x81, "F and S on the last");
    assert.equal(pdus.at(-1)!.bhs[3], 0, "GOOD");
    const under = await initiator.command(read10(0, 1), { expected: 1024, task: 3 });
    assert.equal(under.at(-1)!.bhs[1] & 0x02, 0x02, "U: underflow");
    assert.equal(under.at(-1)!.u32(44), 512, "residual");
    const bad = await initiator.command(read10(BLOCKS, 1), { expected: 512, task: 4 });
    const response = bad.at(-1)!;
    assert.equal(response.opcode, 0x21);
    assert.equal(response.bhs[3], 0x02, "CHECK CONDITION");
    const sense = response.data.subarray(2);
    assert.deepEqual([sense[2] & 0x0f, sense[12], sense[13]], [0x5, 0x21, 0x00], "LBA out of range");
  });
});

Deno.test("writes: R2T asks for the data, Data-Out delivers it, the read sees it; a read-only LU answers DATA PROTECT without asking", async () => {
  await withTarget(async (initiator) => {
    await initiator.login([["MaxRecvDataSegmentLength", "8192"]]);
    await initiator.command([0, 0, 0, 0, 0, 0], { expected: 0, task: 1 });
    const data = new Uint8Array(1024).fill(0x5a);
    const asked = await initiator.command([0x2a, 0, 0, 0, 0, 10, 0, 0, 2, 0], {
      expected: 1024,
      write: true,
      task: 2,
    });
    const r2t = asked.at(-1)!;
    assert.equal(r2t.opcode, 0x31, "R2T");
    assert.deepEqual([r2t.u32(40), r2t.u32(44)], [0, 1024], "offset and length asked for");
    await initiator.send(0x05, 0x80, { 16: 2, 20: r2t.u32(20), 36: 0, 40: 0 }, data);
    const done = (await initiator.receive())!;
    assert.equal(done.opcode, 0x21);
    assert.equal(done.bhs[3], 0, "GOOD");
    const back = await initiator.command(read10(10, 2), { expected: 1024, task: 3 });
    assert.deepEqual(back[0].data, data);
  }, true);
  await withTarget(async (initiator) => {
    await initiator.login();
    await initiator.command([0, 0, 0, 0, 0, 0], { expected: 0, task: 1 });
    const refused = await initiator.command([0x2a, 0, 0, 0, 0, 10, 0, 0, 1, 0], {
      expected: 512,
      write: true,
      task: 2,
    });
    assert.equal(refused.at(-1)!.opcode, 0x21, "no R2T");
    assert.equal(refused.at(-1)!.data[2 + 2] & 0x0f, 0x7, "DATA PROTECT");
  });
});

Deno.test("task management: ABORT TASK of a finished task, LUN RESET brings a UNIT ATTENTION; a CmdSN outside the window is ignored", async () => {
  await withTarget(async (initiator) => {
    await initiator.login();
    await initiator.command([0, 0, 0, 0, 0, 0], { expected: 0, task: 1 });
    await initiator.send(0x42, 0x80 | 0x01, { 16: 20, 20: 1, 24: initiator.cmdSn });
    const abort = (await initiator.receive())!;
    assert.equal(abort.opcode, 0x22);
    assert.equal(abort.bhs[2], 1, "the task does not exist any more");
    await initiator.send(0x42, 0x80 | 0x05, { 16: 21, 20: 0xffffffff, 24: initiator.cmdSn });
    const reset = (await initiator.receive())!;
    assert.equal(reset.bhs[2], 0, "function complete");
    const after = await initiator.command([0, 0, 0, 0, 0, 0], { expected: 0, task: 22 });
    assert.equal(after.at(-1)!.bhs[3], 2, "UNIT ATTENTION after the reset");
    // A command far outside [ExpCmdSN, MaxCmdSN] is dropped; the next in-window one is answered.
    await initiator.send(
      0x01,
      0xc1,
      { 16: 23, 20: 512, 24: initiator.cmdSn + 1000, 28: 0 },
      undefined,
      read10(0, 1),
    );
    const answered = await initiator.command(read10(1, 1), { expected: 512, task: 24 });
    assert.equal(answered[0].u32(16), 24, "the answer is for the in-window command");
  });
});
