import assert from "node:assert/strict";
import fc from "fast-check";
import { ascii, hex } from "./_hex.ts";
import {
  decodeDecDatetime,
  decodeRecordingDatetime,
  encodeDecDatetime,
  encodeRecordingDatetime,
} from "./datetime.ts";

Deno.test("dates: 7-byte recording date, and genisoimage's +05:30 example decodes to the same instant", () => {
  const utc = new Date(Date.UTC(2026, 10, 23, 19, 53, 36));
  assert.deepEqual(encodeRecordingDatetime(utc), hex("7e 0b 17 13 35 24 00"));
  // iso9660.md §5.2: 7e 0b 18 01 17 24 16 = 2026-11-24 01:23:36 +05:30 = 2026-11-23 19:53:36 UTC
  assert.equal(decodeRecordingDatetime(hex("7e 0b 18 01 17 24 16"), 0)?.getTime(), utc.getTime());
});

Deno.test("dates: 17-byte volume date, 'not specified', and the +05:30 example", () => {
  const utc = new Date(Date.UTC(2026, 10, 23, 19, 53, 36));
  const bytes = new Uint8Array(17);
  bytes.set(ascii("2026112401233600"));
  bytes[16] = 0x16;
  assert.equal(decodeDecDatetime(bytes, 0)?.getTime(), utc.getTime());
  assert.deepEqual(encodeDecDatetime(undefined), new Uint8Array([...ascii("0000000000000000"), 0]));
  assert.equal(decodeDecDatetime(encodeDecDatetime(undefined), 0), undefined);
});

Deno.test("dates: round trips to the second / hundredth (fast-check)", () => {
  const dateArb = fc.date({
    min: new Date(Date.UTC(1900, 0, 1)),
    max: new Date(Date.UTC(2155, 11, 31)),
    noInvalidDate: true,
  });
  fc.assert(fc.property(dateArb, (d) => {
    const seconds = new Date(Math.floor(d.getTime() / 1000) * 1000);
    assert.equal(decodeRecordingDatetime(encodeRecordingDatetime(seconds), 0)?.getTime(), seconds.getTime());
    const hundredths = new Date(Math.floor(d.getTime() / 10) * 10);
    assert.equal(decodeDecDatetime(encodeDecDatetime(hundredths), 0)?.getTime(), hundredths.getTime());
  }));
});
