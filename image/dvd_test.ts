import assert from "node:assert/strict";
import fc from "fast-check";
import { layerBreakFromPfi, makePfi, pfiLayerCount } from "./dvd.ts";

const be32 = (b: Uint8Array, at: number) => new DataView(b.buffer, b.byteOffset).getUint32(at);

Deno.test("PFI: a single-layer disc states one layer and its data area", () => {
  const pfi = makePfi(2_295_104);
  assert.equal(pfiLayerCount(pfi), 1);
  assert.equal(be32(pfi, 4), 0x030000);
  assert.equal(be32(pfi, 8), 0x030000 + 2_295_104 - 1);
  assert.equal(layerBreakFromPfi(pfi), undefined);
});

Deno.test("PFI: a dual-layer disc (opposite track path) gives its layer break back (fast-check)", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 2, max: 4_200_000 }),
      fc.double({ min: 0.05, max: 0.95, noNaN: true }),
      (sectors, share) => {
        const layerBreak = Math.max(1, Math.min(sectors - 1, Math.floor(sectors * share)));
        const pfi = makePfi(sectors, layerBreak);
        assert.equal(pfiLayerCount(pfi), 2);
        assert.equal(pfi[2] & 0x10, 0x10, "opposite track path");
        assert.equal(layerBreakFromPfi(pfi), layerBreak);
        // Layer 1's last PSN is the complement of (layer 0 end − (layer 1 sectors − 1)).
        const layer0End = 0x030000 + layerBreak - 1;
        assert.equal(be32(pfi, 8), (~(layer0End - (sectors - layerBreak - 1)) & 0xffffff) >>> 0);
      },
    ),
  );
});

Deno.test("PFI: values a damaged PFI may hold never give a layer break of zero or less", () => {
  fc.assert(fc.property(fc.uint8Array({ minLength: 0, maxLength: 64 }), (bytes) => {
    const layerBreak = layerBreakFromPfi(bytes);
    assert.ok(layerBreak === undefined || layerBreak > 0);
  }));
});
