/**
 * The iSCSI target under load and abuse, with a minimal initiator written here from RFC 7143
 * (one-PDU login straight to full feature phase, READ(10) answered by Data-In): 50 sessions read
 * at once while other connections send garbage, oversized data segment lengths, or vanish in the
 * middle of a PDU. Every well-behaved session gets the right bytes; the target keeps serving.
 */
import assert from "node:assert/strict";
import { IscsiTarget, OpticalLun, userDataDisc } from "../mod.ts";
import { RegionList } from "../image/regions.ts";

const IQN = "iqn.2026-12.dev.discwright:robust";
const BLOCKS = 2000;
const image = new Uint8Array(BLOCKS * 2048).map((_, i) => (i * 131 + (i >> 11) * 7) & 0xff);

/** Reads exactly n bytes, or null at end of stream. */
async function readExact(conn: Deno.Conn, n: number): Promise<Uint8Array | null> {
  const out = new Uint8Array(n);
  let done = 0;
  while (done < n) {
    const got = await conn.read(out.subarray(done));
    if (got === null) return null;
    done += got;
  }
  return out;
}

function bhs(opcode: number, flags: number, words: Record<number, number>, dataLength = 0): Uint8Array {
  const out = new Uint8Array(48);
  const view = new DataView(out.buffer);
  out[0] = opcode; // 0: opcode (and I bit)
  out[1] = flags; // 1: flags
  view.setUint32(4, dataLength & 0xffffff); // 4: TotalAHSLength 0, 5–7: DataSegmentLength
  for (const [at, value] of Object.entries(words)) view.setUint32(Number(at), value >>> 0);
  return out;
}

function padded(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(data.byteLength / 4) * 4);
  out.set(data);
  return out;
}

/** Reads one PDU: its BHS and data segment. */
async function receive(conn: Deno.Conn): Promise<{ bhs: Uint8Array; data: Uint8Array } | null> {
  const header = await readExact(conn, 48);
  if (!header) return null;
  const length = (header[5] << 16) | (header[6] << 8) | header[7];
  const data = length ? await readExact(conn, Math.ceil(length / 4) * 4) : new Uint8Array(0);
  if (!data) return null;
  return { bhs: header, data: data.subarray(0, length) };
}

/** Logs in (operational stage straight to full feature phase) as session `n`. */
async function login(conn: Deno.Conn, n: number): Promise<void> {
  const keys = new TextEncoder().encode(
    [
      `InitiatorName=iqn.2026-12.dev.discwright:client${n}`,
      "SessionType=Normal",
      `TargetName=${IQN}`,
      "HeaderDigest=None",
      "DataDigest=None",
      "MaxRecvDataSegmentLength=8192",
    ].map((k) => k + "\0").join(""),
  );
  // Login request: T=1, CSG=1 (operational), NSG=3 (full feature); ISID unique per session.
  const request = bhs(0x43, 0x87, { 8: 0x80000000 | n, 16: 1, 24: 1, 28: 0 }, keys.byteLength);
  await conn.write(new Uint8Array([...request, ...padded(keys)]));
  const answer = await receive(conn);
  assert.ok(answer, "login answered");
  assert.equal(answer.bhs[0] & 0x3f, 0x23, "a login response");
  assert.equal(answer.bhs[36], 0, `login status class ${answer.bhs[36]}`);
}

/** READ(10) of `blocks` blocks at `lba` on LUN 0; the bytes of the Data-In PDUs. */
async function read10(conn: Deno.Conn, task: number, lba: number, blocks: number): Promise<Uint8Array> {
  const command = bhs(0x01, 0xc1, { 16: task, 20: blocks * 2048, 24: task + 1, 28: 0 });
  const cdb = new DataView(command.buffer, 32, 16);
  cdb.setUint8(0, 0x28);
  cdb.setUint32(2, lba);
  cdb.setUint16(7, blocks);
  await conn.write(command);
  const out = new Uint8Array(blocks * 2048);
  while (true) {
    const pdu = await receive(conn);
    assert.ok(pdu, "the target answered the READ");
    const opcode = pdu.bhs[0] & 0x3f;
    if (opcode === 0x25) {
      const offset = new DataView(pdu.bhs.buffer).getUint32(40);
      out.set(pdu.data, offset);
      if (pdu.bhs[1] & 0x01) return out; // S: status collapsed into the last Data-In
    } else {
      assert.equal(opcode, 0x21, `opcode 0x${opcode.toString(16)}`);
      assert.equal(pdu.bhs[3], 0, "GOOD status");
      return out;
    }
  }
}

/** TEST UNIT READY, as initiators send first: it takes the power-on UNIT ATTENTION (status 2). */
async function testUnitReady(conn: Deno.Conn, task: number): Promise<number> {
  await conn.write(bhs(0x01, 0x81, { 16: task, 20: 0, 24: task + 1, 28: 0 }));
  const pdu = await receive(conn);
  assert.ok(pdu && (pdu.bhs[0] & 0x3f) === 0x21, "a SCSI response");
  return pdu.bhs[3];
}

async function goodClient(port: number, n: number): Promise<void> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await login(conn, n);
    assert.equal(await testUnitReady(conn, 1), 2, "power-on UNIT ATTENTION first");
    assert.equal(await testUnitReady(conn, 2), 0, "then ready");
    for (let k = 0; k < 4; k++) {
      const lba = (n * 37 + k * 101) % (BLOCKS - 16);
      const got = await read10(conn, k + 3, lba, 16);
      const want = image.subarray(lba * 2048, (lba + 16) * 2048);
      assert.ok(got.every((b, i) => b === want[i]), `client ${n}: blocks at ${lba} differ`);
    }
  } finally {
    conn.close();
  }
}

/** Connections that misbehave in one way each; they must only lose their own connection. */
async function badClient(port: number, kind: number): Promise<void> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    switch (kind % 4) {
      case 0: // garbage
        await conn.write(crypto.getRandomValues(new Uint8Array(300)));
        break;
      case 1: // a login whose data segment claims 16 MiB
        await conn.write(bhs(0x43, 0x87, { 8: 0x80000000, 16: 1 }, 0xffffff));
        break;
      case 2: // half a BHS, then gone
        await conn.write(bhs(0x43, 0x87, { 16: 1 }).subarray(0, 20));
        break;
      case 3: { // logged in, then a SCSI command with an oversized data segment
        await login(conn, 1000 + kind);
        await conn.write(bhs(0x01, 0xc1, { 16: 9, 20: 2048, 24: 2 }, 0xfffff0));
        break;
      }
    }
    // Either the target closes on us, or we leave abruptly.
    const buffer = new Uint8Array(4096);
    await Promise.race([conn.read(buffer).catch(() => null), new Promise((r) => setTimeout(r, 200))]);
  } finally {
    conn.close();
  }
}

Deno.test("iSCSI: 50 sessions read at once while others send garbage, oversized lengths or vanish; the target keeps serving", async () => {
  const disc = userDataDisc(new RegionList([{ kind: "bytes", label: "image", bytes: image }]));
  const lines: string[] = [];
  await using target = IscsiTarget.listen({
    targetName: IQN,
    luns: [new OpticalLun({ media: { disc }, serial: "DW000000", targetName: IQN })],
    port: 0,
    log: (line) => lines.push(line),
  });
  const clients: Promise<void>[] = [];
  for (let n = 0; n < 50; n++) clients.push(goodClient(target.port, n));
  for (let k = 0; k < 20; k++) clients.push(badClient(target.port, k));
  const results = await Promise.allSettled(clients);
  const failures = results.flatMap((r, i) => r.status === "rejected" ? [`client ${i}: ${r.reason}`] : []);
  assert.deepEqual(failures, []);
  // Still serving afterwards.
  await goodClient(target.port, 99);
  assert.ok(lines.filter((l) => /logged in to/.test(l)).length >= 51, lines.slice(-20).join("\n"));
  assert.ok(lines.some((l) => /closed: /.test(l)), "broken connections are logged");
});
