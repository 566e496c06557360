import assert from "node:assert/strict";
import fc from "fast-check";
import {
  dataInHeader,
  decodeBhs,
  decodeLoginRequest,
  digestBytes,
  encodeBhs,
  encodePdu,
  loginResponseHeader,
  LoginStage,
  Opcode,
  scsiResponseHeader,
  senseSegment,
} from "./pdu.ts";
import { decodeTextKeys, encodeTextKeys, negotiate } from "./text.ts";

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(" ");

Deno.test("iscsi.md §5: the final Login Response, a phase-collapsed Data-In, a CHECK CONDITION response", () => {
  const login = encodeBhs(
    loginResponseHeader({
      transit: true,
      continue: false,
      currentStage: LoginStage.operational,
      nextStage: LoginStage.fullFeature,
      isid: Uint8Array.of(0x80, 0x12, 0x34, 0x56, 0x00, 0x00),
      tsih: 1,
      initiatorTaskTag: 0x11223344,
      statSn: 0,
      expCmdSn: 0x55667788,
      maxCmdSn: 0x556677a7,
      statusClass: 0,
      statusDetail: 0,
    }),
    0x123,
  );
  assert.equal(
    hex(login),
    "23 87 00 00 00 00 01 23 80 12 34 56 00 00 00 01 " +
      "11 22 33 44 00 00 00 00 00 00 00 00 55 66 77 88 " +
      "55 66 77 a7 00 00 00 00 00 00 00 00 00 00 00 00",
  );
  const dataIn = encodeBhs(
    dataInHeader({
      final: true,
      status: { scsiStatus: 0, statSn: 7, residual: 0, underflow: false, overflow: false },
      lun: new Uint8Array(8),
      initiatorTaskTag: 0x01020304,
      expCmdSn: 9,
      maxCmdSn: 40,
      dataSn: 0,
      bufferByteOffset: 0,
    }),
    512,
  );
  assert.equal(hex(dataIn.subarray(0, 8)), "25 81 00 00 00 00 02 00");
  assert.equal(hex(dataIn.subarray(16, 32)), "01 02 03 04 ff ff ff ff 00 00 00 07 00 00 00 09");
  const sense = Uint8Array.of(0x70, 0, 0x05, 0, 0, 0, 0, 0x0a, 0, 0, 0, 0, 0x24, 0, 0, 0, 0, 0);
  const response = encodePdu(
    scsiResponseHeader({
      scsiStatus: 0x02,
      initiatorTaskTag: 5,
      statSn: 1,
      expCmdSn: 2,
      maxCmdSn: 33,
      expDataSn: 0,
      residual: 0,
      underflow: false,
      overflow: false,
    }),
    senseSegment(sense),
  );
  assert.equal(response[1], 0x80);
  assert.equal(response[3], 0x02);
  assert.equal(response[7], 20, "DSL 2 + 18");
  assert.equal(hex(response.subarray(48)), "00 12 70 00 05 00 00 00 00 0a 00 00 00 00 24 00 00 00 00 00");
});

Deno.test("CRC32C digests go least significant byte first (RFC 3720 B.4 values)", () => {
  assert.equal(hex(digestBytes(new Uint8Array(32))), "aa 36 91 8a");
  assert.equal(hex(digestBytes(new Uint8Array(32).fill(0xff))), "43 ab a8 62");
  assert.equal(hex(digestBytes(Uint8Array.from({ length: 32 }, (_, i) => i))), "4e 79 dd 46");
  assert.equal(hex(digestBytes(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))), "5c db 3f 11");
  const pdu = encodePdu({ opcode: Opcode.nopIn, flags: 0x80, initiatorTaskTag: 1 }, Uint8Array.of(1, 2, 3), {
    header: true,
    data: true,
  });
  assert.equal(pdu.byteLength, 48 + 4 + 4 + 4, "BHS, header digest, data padded to 4, data digest");
  assert.deepEqual(pdu.subarray(48, 52), digestBytes(pdu.subarray(0, 48)));
  assert.deepEqual(pdu.subarray(56, 60), digestBytes(Uint8Array.of(1, 2, 3, 0)));
});

Deno.test("a libiscsi login request decodes; text keys round-trip; negotiation follows the result functions", () => {
  const header = new Uint8Array(48);
  header.set([
    0x43,
    0x87,
    0,
    0,
    0,
    0,
    0,
    0x40,
    0x80,
    0xaa,
    0xbb,
    0xcc,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    9,
    0,
    1,
    0,
    0,
    0,
    0,
    0,
    5,
  ]);
  const bhs = decodeBhs(header);
  assert.equal(bhs.opcode, Opcode.loginRequest);
  assert.equal(bhs.immediate, true);
  assert.equal(bhs.dataSegmentByteLength, 0x40);
  const login = decodeLoginRequest(bhs);
  assert.deepEqual(
    [
      login.transit,
      login.continue,
      login.currentStage,
      login.nextStage,
      login.tsih,
      login.connectionId,
      login.cmdSn,
    ],
    [true, false, 1, 3, 0, 1, 5],
  );
  const keys: [string, string][] = [["InitiatorName", "iqn.2008-11.org.linux-kvm"], [
    "HeaderDigest",
    "None,CRC32C",
  ]];
  assert.deepEqual(decodeTextKeys(encodeTextKeys(keys)), keys);
  assert.deepEqual(decodeTextKeys(new TextEncoder().encode("A=1\0\0\0")), [["A", "1"]], "padding NULs");
  assert.throws(() => decodeTextKeys(new TextEncoder().encode("A=1")), /does not end with NUL/);
  assert.throws(() => decodeTextKeys(new TextEncoder().encode("novalue\0")), /is not key=value/);
  assert.equal(negotiate("list", "None,CRC32C", ["CRC32C", "None"]), "None");
  assert.equal(negotiate("list", "KRB5", ["CHAP", "None"]), "Reject");
  assert.equal(negotiate("min", "262144", "65536"), "65536");
  assert.equal(negotiate("max", "2", "0x0a"), "10");
  assert.equal(negotiate("or", "No", "Yes"), "Yes");
  assert.equal(negotiate("and", "Yes", "No"), "No");
  fc.assert(fc.property(fc.uint8Array({ maxLength: 100 }), (data) => {
    try {
      decodeTextKeys(data);
    } catch (error) {
      assert.ok(error instanceof RangeError);
    }
  }));
  fc.assert(fc.property(fc.uint8Array({ minLength: 48, maxLength: 48 }), (bytes) => {
    try {
      decodeLoginRequest(decodeBhs(bytes));
    } catch (error) {
      assert.ok(error instanceof RangeError);
    }
  }));
});
