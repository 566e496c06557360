import assert from "node:assert/strict";
import fc from "fast-check";
import { computeEdc, edcShiftTables } from "./edc.ts";
import { writeEccBytewise } from "./ecc.ts";
import { encodeRawSectors } from "./encode_run.ts";
import {
  checkRawSector,
  encodeMode1Sector,
  encodeMode2Form1Sector,
  FORM1_SUBHEADER,
  SECTOR_BYTES,
} from "./sector.ts";
import { encodeDataSectorsWasm, WASM_CODEC_AVAILABLE } from "./wasm_codec.ts";
import { WASM_CODEC_BASE64 } from "./wasm_codec_bytes.ts";
import { compileWat } from "./wasm_codec_build.ts";
import { sectorCodecWat } from "./wasm_codec_source.ts";

/** The JavaScript encoders, sector by sector (the reference). */
function reference(
  kind: "mode1" | "form1",
  firstLba: number,
  count: number,
  user: Uint8Array | undefined,
  subHeader: Uint8Array,
): Uint8Array {
  const out = new Uint8Array(count * SECTOR_BYTES);
  for (let i = 0; i < count; i++) {
    const data = user?.subarray(
      Math.min(i * 2048, user.byteLength),
      Math.min((i + 1) * 2048, user.byteLength),
    );
    if (kind === "mode1") encodeMode1Sector(firstLba + i, data, out, i * SECTOR_BYTES);
    else encodeMode2Form1Sector(firstLba + i, subHeader, data, out, i * SECTOR_BYTES);
  }
  return out;
}

Deno.test("wasm codec: the embedded module is wasm_codec_source.ts compiled (run `deno task wasm` after a change)", async () => {
  const compiled = await compileWat(sectorCodecWat());
  const embedded = Uint8Array.from(atob(WASM_CODEC_BASE64), (c) => c.charCodeAt(0));
  assert.deepEqual(embedded, compiled);
});

Deno.test("wasm codec: available here (WebAssembly with SIMD)", () => {
  assert.equal(WASM_CODEC_AVAILABLE, true);
});

Deno.test("wasm codec: runs of Mode 1 and Form 1 sectors equal the JavaScript encoder, byte for byte", () => {
  fc.assert(
    fc.property(
      fc.constantFrom("mode1" as const, "form1" as const),
      fc.integer({ min: -45150, max: 449_849 - 40 }),
      fc.integer({ min: 1, max: 40 }), // more than one batch of 32 sometimes
      fc.option(fc.uint8Array({ maxLength: 40 * 2048 }), { nil: undefined }), // short or absent: zeros
      fc.uint8Array({ minLength: 4, maxLength: 4 }),
      (kind, firstLba, count, user, subHeader) => {
        const out = new Uint8Array(count * SECTOR_BYTES + 7).fill(0xa5);
        encodeDataSectorsWasm(kind, firstLba, count, user, out, subHeader);
        const expected = reference(kind, firstLba, count, user, subHeader);
        assert.deepEqual(out.subarray(0, expected.byteLength), expected);
        assert.ok(out.subarray(expected.byteLength).every((b) => b === 0xa5), "nothing written past the run");
      },
    ),
    { numRuns: 60 },
  );
});

Deno.test("wasm codec: sectors of random bytes get the parity of the byte-wise ECC definition", () => {
  // Random user data reaches every lane of the SIMD P and Q computation.
  const count = 64;
  const user = new Uint8Array(count * 2048).map(() => Math.floor(Math.random() * 256));
  const out = new Uint8Array(count * SECTOR_BYTES);
  encodeDataSectorsWasm("mode1", 1000, count, user, out);
  for (let i = 0; i < count; i++) {
    const sector = out.slice(i * SECTOR_BYTES, (i + 1) * SECTOR_BYTES);
    assert.deepEqual(checkRawSector(sector, 0, 1000 + i), [], `sector ${i}`);
    const again = sector.slice();
    writeEccBytewise(again, 0);
    assert.deepEqual(again, sector, `parity of sector ${i}`);
    assert.equal(
      sector[2064] | (sector[2065] << 8) | (sector[2066] << 16) | (sector[2067] << 24),
      computeEdc(sector, 0, 2064) | 0,
    );
  }
});

Deno.test("wasm codec: encodeRawSectors (the workers' entry) uses it and matches the reference", () => {
  const user = new Uint8Array(100 * 2048).map((_, i) => (i * 131) & 0xff);
  assert.deepEqual(
    encodeRawSectors("mode1", 16, 100, user),
    reference("mode1", 16, 100, user, FORM1_SUBHEADER),
  );
  assert.deepEqual(
    encodeRawSectors("form1", 16, 100, user),
    reference("form1", 16, 100, user, FORM1_SUBHEADER),
  );
});

Deno.test("EDC shift tables: EDC(A‖B) = shift_|B|(EDC(A)) ⊕ EDC(B)", () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 300 }), (a, b) => {
    const s = edcShiftTables(b.byteLength);
    const c = computeEdc(a, 0, a.byteLength);
    const shifted = s[c & 0xff] ^ s[256 + ((c >>> 8) & 0xff)] ^ s[512 + ((c >>> 16) & 0xff)] ^
      s[768 + (c >>> 24)];
    const whole = new Uint8Array([...a, ...b]);
    assert.equal((shifted ^ computeEdc(b, 0, b.byteLength)) >>> 0, computeEdc(whole, 0, whole.byteLength));
  }));
});
