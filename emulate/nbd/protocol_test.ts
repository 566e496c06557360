import assert from "node:assert/strict";
import fc from "fast-check";
import {
  decodeInfoRequest,
  decodeOptionHeader,
  decodeRequest,
  encodeChunkHeader,
  encodeGreeting,
  encodeInfoBlockSize,
  encodeInfoExport,
  encodeOptionReply,
  encodeRequest,
  NBD_REQUEST_MAGIC,
  NbdInfo,
  NbdOption,
  NbdReply,
} from "./protocol.ts";

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const bytes = (h: string) => Uint8Array.from(h.replaceAll(" ", "").match(/../g)!.map((x) => parseInt(x, 16)));

Deno.test('nbd.md worked bytes: greeting, GO for "disk" with BLOCK_SIZE, INFO replies, ACK, READ and its chunk', () => {
  assert.equal(hex(encodeGreeting(3)), "4e42444d41474943" + "49484156454f5054" + "0003");
  const go = bytes("49484156454f5054 00000007 0000000c");
  assert.deepEqual(decodeOptionHeader(go), {
    magic: 0x49484156454f5054n,
    option: NbdOption.go,
    dataByteLength: 12,
  });
  assert.deepEqual(decodeInfoRequest(bytes("00000004 6469736b 0001 0003")), {
    name: "disk",
    requests: [NbdInfo.blockSize],
  });
  assert.equal(
    hex(encodeOptionReply(NbdOption.go, NbdReply.info, encodeInfoExport(0x100000n, 0x0007))),
    "0003e889045565a9" + "00000007" + "00000003" + "0000000c" + "0000" + "0000000000100000" + "0007",
  );
  assert.equal(
    hex(encodeOptionReply(NbdOption.go, NbdReply.info, encodeInfoBlockSize(1, 4096, 0x2000000))),
    "0003e889045565a9" + "00000007" + "00000003" + "0000000e" + "0003" + "00000001" + "00001000" + "02000000",
  );
  assert.equal(
    hex(encodeOptionReply(NbdOption.go, NbdReply.ack)),
    "0003e889045565a9" + "00000007" + "00000001" + "00000000",
  );
  const read = bytes("25609513 0000 0000 0102030405060708 0000000000000000 00000200");
  assert.deepEqual(decodeRequest(read), {
    magic: NBD_REQUEST_MAGIC,
    flags: 0,
    type: 0,
    cookie: 0x0102030405060708n,
    byteOffset: 0n,
    byteLength: 512,
  });
  assert.equal(
    hex(encodeChunkHeader(1, 1, 0x0102030405060708n, 0x208)),
    "668e33ef" + "0001" + "0001" + "0102030405060708" + "00000208",
  );
});

Deno.test("requests round-trip; INFO/GO data of any shape decodes or is a RangeError", () => {
  fc.assert(fc.property(
    fc.record({
      magic: fc.nat({ max: 0xffffffff }),
      flags: fc.nat({ max: 0xffff }),
      type: fc.nat({ max: 0xffff }),
      cookie: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      byteOffset: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      byteLength: fc.nat({ max: 0xffffffff }),
    }),
    (request) => assert.deepEqual(decodeRequest(encodeRequest(request)), { ...request }),
  ));
  fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (data) => {
    try {
      const { requests } = decodeInfoRequest(data);
      assert.ok(Array.isArray(requests));
    } catch (error) {
      assert.ok(error instanceof RangeError, String(error));
    }
  }));
});
