import assert from "node:assert/strict";
import { biosBootImage } from "./boot_payload.ts";

Deno.test("boot payload: the bytes nasm assembles from the source in the comments", () => {
  const image = biosBootImage();
  assert.equal(image.byteLength, 2048);
  // nasm -f bin of the commented source, as `xxd` printed it
  const expected = "fafce800005e83c6140e1fbaf803ac84c07403eeebf8f4ebfd" +
    [..."DISCWRIGHT-BOOT-OK\r\n\0"].map((c) => c.charCodeAt(0).toString(16).padStart(2, "0")).join("");
  assert.equal(
    [...image.subarray(0, expected.length / 2)].map((b) => b.toString(16).padStart(2, "0")).join(""),
    expected,
  );
  assert.deepEqual([image[510], image[511]], [0x55, 0xaa]);
});

Deno.test("UEFI application: PE32+ headers where the loader looks, code and message in .text", async () => {
  const { uefiApplication, UEFI_BOOT_MARKER } = await import("./boot_payload.ts");
  const pe = uefiApplication();
  const view = new DataView(pe.buffer);
  assert.equal(String.fromCharCode(pe[0], pe[1]), "MZ");
  const peAt = view.getUint32(0x3c, true);
  assert.equal(String.fromCharCode(...pe.subarray(peAt, peAt + 4)), "PE\0\0");
  assert.equal(view.getUint16(peAt + 4, true), 0x8664); // AMD64
  assert.equal(view.getUint16(peAt + 24, true), 0x20b); // PE32+
  assert.equal(view.getUint16(peAt + 24 + 68, true), 10); // EFI application
  assert.equal(view.getUint32(peAt + 24 + 16, true), 0x1000); // entry point RVA = .text
  // nasm -f bin of the commented x86-64 source
  const code = "fc488d351000000066baf803ac84c07403eeebf8faf4ebfc";
  assert.equal(
    [...pe.subarray(0x200, 0x200 + code.length / 2)].map((b) => b.toString(16).padStart(2, "0")).join(""),
    code,
  );
  assert.equal(
    new TextDecoder().decode(pe.subarray(0x218, 0x218 + UEFI_BOOT_MARKER.length)),
    UEFI_BOOT_MARKER,
  );
});
