import assert from "node:assert/strict";
import fc from "fast-check";
import { ascii } from "../iso9660/_hex.ts";
import { crc32 } from "./crc32.ts";

Deno.test('crc32: the check value of "123456789" is 0xCBF43926 (isohybrid.md §2)', () => {
  assert.equal(crc32(ascii("123456789")), 0xcbf43926);
  assert.equal(crc32(new Uint8Array(0)), 0);
});

Deno.test("crc32: continuing over chunks equals one pass (property)", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 300 }), (a, b) => {
      const both = new Uint8Array(a.byteLength + b.byteLength);
      both.set(a);
      both.set(b, a.byteLength);
      assert.equal(crc32(b, crc32(a)), crc32(both));
    }),
  );
});
