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
