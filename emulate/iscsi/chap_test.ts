import assert from "node:assert/strict";
import { chapResponse, parseChapBinary } from "./chap.ts";

Deno.test("CHAP: the iscsi.md vector, hex and base64 values", () => {
  const challenge = parseChapBinary("0x00112233445566778899aabbccddeeff")!;
  const response = chapResponse(42, "secretsecret", challenge);
  assert.equal(
    Array.from(response, (b) => b.toString(16).padStart(2, "0")).join(""),
    "99a6658285c6736beb18a63405f66e86",
  );
  assert.deepEqual(parseChapBinary("0X99A6"), Uint8Array.of(0x99, 0xa6));
  assert.deepEqual(parseChapBinary("0bmaY="), Uint8Array.of(0x99, 0xa6));
  assert.equal(parseChapBinary("0x9"), undefined);
  assert.equal(parseChapBinary("99a6"), undefined);
});
