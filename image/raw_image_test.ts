import assert from "node:assert/strict";
import fc from "fast-check";
import { describeRawImage, formatRawImageInfo } from "./raw_image.ts";

/** A reader over `bytes` as the CLI gives one: reads past the end come back short or empty. */
function readerOf(bytes: Uint8Array) {
  let requested = 0;
  const read = (byteOffset: number, byteLength: number) => {
    requested += Math.max(0, byteLength);
    const from = Math.min(Math.max(0, byteOffset), bytes.byteLength);
    return Promise.resolve(bytes.slice(from, Math.min(bytes.byteLength, from + Math.max(0, byteLength))));
  };
  return { read, requested: () => requested };
}

/** 64 KiB with an MBR signature, a GPT header and entries in place, then `patches` laid over it. */
function image(patches: { at: number; bytes: Uint8Array }[]): Uint8Array {
  const bytes = new Uint8Array(64 * 1024);
  bytes.set([0x55, 0xaa], 510);
  bytes.set(new TextEncoder().encode("EFI PART"), 512);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(512 + 72, 2n, true); // entries at LBA 2
  view.setUint32(512 + 80, 4, true); // 4 entries
  view.setUint32(512 + 84, 128, true); // of 128 bytes
  bytes.fill(0x11, 1024, 1040); // one non-empty entry type
  view.setBigUint64(1024 + 32, 40n, true); // first LBA
  view.setBigUint64(1024 + 40, 100n, true); // last LBA
  for (const p of patches) bytes.set(p.bytes.subarray(0, Math.max(0, bytes.byteLength - p.at)), p.at);
  return bytes;
}

Deno.test("raw image info fuzz: damaged MBRs, GPT headers and entries are described, never thrown, never read without bound", async () => {
  const patch = fc.record({
    at: fc.oneof(
      fc.integer({ min: 440, max: 520 }), // MBR partition entries and signature
      fc.integer({ min: 512, max: 620 }), // GPT header: entries LBA, count, size
      fc.integer({ min: 1024, max: 1600 }), // GPT entries
      fc.nat(64 * 1024 - 1),
    ),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }),
  });
  await fc.assert(
    fc.asyncProperty(fc.array(patch, { maxLength: 8 }), fc.boolean(), async (patches, dropGpt) => {
      const bytes = image(patches);
      if (dropGpt) bytes.fill(0, 512, 520);
      const reader = readerOf(bytes);
      const info = await describeRawImage(reader.read, bytes.byteLength);
      assert.equal(typeof formatRawImageInfo(info), "string");
      assert.ok(info.partitions.length <= 256);
      // Entry arrays are bounded (256 entries): a damaged size field cannot ask for gigabytes.
      assert.ok(reader.requested() < 1024 * 1024 * 1024, `requested ${reader.requested()} bytes`);
    }),
    { numRuns: 1500 },
  );
});

Deno.test("raw image info: random bytes of any length are described", async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 70_000 }), async (bytes) => {
      const info = await describeRawImage(readerOf(bytes).read, bytes.byteLength);
      assert.equal(info.byteLength, bytes.byteLength);
    }),
    { numRuns: 300 },
  );
});
