import assert from "node:assert/strict";
import { BlockLun } from "./block_lun.ts";
import { CheckCondition, SENSE } from "./sense.ts";

const bytes = new Uint8Array(2048 * 10 + 100).map((_, i) => i & 0xff);
const source = {
  byteLength: bytes.byteLength,
  read: (o: number, n: number) => Promise.resolve(bytes.slice(o, o + n)),
};
const cd = new BlockLun({ kind: "cd", source, serial: "S1", targetName: "iqn.2026-11.dev.discwright:t" });
const disk = new BlockLun({ kind: "disk", source, serial: "S2", targetName: "iqn.2026-11.dev.discwright:t" });

async function senseOf(lun: BlockLun, cdb: number[]) {
  try {
    await lun.execute(Uint8Array.from(cdb));
  } catch (error) {
    if (error instanceof CheckCondition) return error.sense;
    throw error;
  }
  return undefined;
}

Deno.test("INQUIRY, READ CAPACITY and READ on a CD and a disk LU; a short last block reads zero-padded", async () => {
  const inquiry = (await cd.execute(Uint8Array.of(0x12, 0, 0, 0, 36, 0)))!;
  assert.deepEqual([inquiry[0], inquiry[1], inquiry.byteLength], [0x05, 0x80, 36]);
  assert.equal(new TextDecoder().decode(inquiry.subarray(16, 32)), "Virtual CD-ROM  ");
  const vpd0 = (await disk.execute(Uint8Array.of(0x12, 1, 0, 0, 255, 0)))!;
  assert.deepEqual([...vpd0.subarray(4)], [0x00, 0x80, 0x83, 0xb0, 0xb1, 0xb2]);
  const rc10 = (await cd.execute(Uint8Array.of(0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0)))!;
  assert.deepEqual([...rc10], [0, 0, 0, 10, 0, 0, 8, 0], "11 blocks of 2048: last LBA 10");
  const rc16 = (await disk.execute(Uint8Array.of(0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0)))!;
  assert.equal(new DataView(rc16.buffer, rc16.byteOffset).getUint32(4), 40, "41 blocks of 512: last LBA 40");
  const read = (await cd.execute(Uint8Array.of(0x28, 0, 0, 0, 0, 9, 0, 0, 2, 0)))!;
  assert.equal(read.byteLength, 4096);
  assert.deepEqual(read.subarray(0, 2148), bytes.subarray(2048 * 9));
  assert.ok(read.subarray(2148).every((b) => b === 0));
});

Deno.test("errors are sense data: out of range, bad opcode, bad fields, writes refused, REQUEST SENSE reports the last", async () => {
  assert.deepEqual(await senseOf(cd, [0x28, 0, 0, 0, 0, 10, 0, 0, 2, 0]), SENSE.lbaOutOfRange);
  assert.deepEqual(await senseOf(cd, [0x43, 0, 0, 0, 0, 0, 0, 0, 12, 0]), SENSE.invalidOpcode);
  assert.deepEqual(await senseOf(cd, [0x12, 0, 0x80, 0, 36, 0]), SENSE.invalidFieldInCdb);
  assert.deepEqual(await senseOf(disk, [0x2a, 0, 0, 0, 0, 0, 0, 0, 1, 0]), SENSE.writeProtected);
  const sense = (await disk.execute(Uint8Array.of(0x03, 0, 0, 0, 18, 0)))!;
  assert.deepEqual([sense[0], sense[2], sense[12]], [0x70, 0x07, 0x27]);
  const cleared = (await disk.execute(Uint8Array.of(0x03, 0, 0, 0, 18, 0)))!;
  assert.equal(cleared[2], 0);
  const mode = (await disk.execute(Uint8Array.of(0x1a, 0, 0x3f, 0, 255, 0)))!;
  assert.equal(mode[2] & 0x80, 0x80, "write-protected");
  assert.equal(mode[0], mode.byteLength - 1);
});

Deno.test("REPORT SUPPORTED OPERATION CODES on a disk: all commands, one command, service actions, RCTD", async () => {
  const all = (await disk.execute(Uint8Array.of(0xa3, 0x0c, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0)))!;
  const view = new DataView(all.buffer, all.byteOffset);
  assert.equal(view.getUint32(0), all.byteLength - 4);
  const opcodes = [];
  for (let at = 4; at < all.byteLength; at += 8) opcodes.push(all[at]);
  assert.ok(opcodes.includes(0x28) && opcodes.includes(0x9e) && opcodes.includes(0xa3));
  const read10 = (await disk.execute(Uint8Array.of(0xa3, 0x0c, 0x01, 0x28, 0, 0, 0, 0, 0x10, 0, 0, 0)))!;
  assert.deepEqual([...read10.subarray(0, 6)], [0, 0x03, 0, 10, 0x28, 0xf8], "supported; DPO and FUA usable");
  const rc16 = (await disk.execute(Uint8Array.of(0xa3, 0x0c, 0x02, 0x9e, 0, 0x10, 0, 0, 0x10, 0, 0, 0)))!;
  assert.deepEqual([...rc16.subarray(0, 4)], [0, 0x03, 0, 16]);
  assert.deepEqual(
    await senseOf(disk, [0xa3, 0x0c, 0x01, 0x9e, 0, 0, 0, 0, 0x10, 0, 0, 0]),
    SENSE.invalidFieldInCdb,
  );
  assert.deepEqual(
    await senseOf(disk, [0xa3, 0x0c, 0x02, 0x28, 0, 0, 0, 0, 0x10, 0, 0, 0]),
    SENSE.invalidFieldInCdb,
  );
  const unknown = (await disk.execute(Uint8Array.of(0xa3, 0x0c, 0x01, 0x42, 0, 0, 0, 0, 0x10, 0, 0, 0)))!;
  assert.equal(unknown[1] & 0x07, 0x01, "not supported");
  const timed = (await disk.execute(Uint8Array.of(0xa3, 0x0c, 0x80, 0, 0, 0, 0, 0, 0x10, 0, 0, 0)))!;
  assert.equal(timed.byteLength - 4, (all.byteLength - 4) / 8 * 20, "RCTD: 20-byte descriptors");
  assert.deepEqual(await senseOf(cd, [0xa3, 0x0c, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0]), SENSE.invalidFieldInCdb);
});
