import assert from "node:assert/strict";
import { isolinuxConfigOf, isolinuxVersionOf, syslinuxConfigFor } from "./syslinux.ts";

Deno.test("syslinux.cfg hands over to the ISO's ISOLINUX config with its folder as working directory", () => {
  assert.equal(
    syslinuxConfigFor("boot/isolinux/isolinux.cfg").split("\n").slice(1).join("\n"),
    "DEFAULT loadconfig\nLABEL loadconfig\n  CONFIG /boot/isolinux/isolinux.cfg\n  APPEND /boot/isolinux/\n",
  );
  assert.match(syslinuxConfigFor("isolinux.cfg"), /CONFIG \/isolinux\.cfg\n {2}APPEND \/\n/);
});

Deno.test("isolinux.cfg is found where distributions put it, else anywhere; none gives undefined", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assert.equal(isolinuxConfigOf(dir), undefined);
    await Deno.mkdir(`${dir}/other/deep`, { recursive: true });
    await Deno.writeTextFile(`${dir}/other/deep/isolinux.cfg`, "");
    assert.equal(isolinuxConfigOf(dir), "other/deep/isolinux.cfg");
    await Deno.mkdir(`${dir}/boot/isolinux`, { recursive: true });
    await Deno.writeTextFile(`${dir}/boot/isolinux/ISOLINUX.CFG`, "");
    assert.equal(isolinuxConfigOf(dir), "boot/isolinux/ISOLINUX.CFG");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the ISOLINUX version is read from isolinux.bin's banner", () => {
  const bin = new TextEncoder().encode("\x00\x01junk ISOLINUX 6.04 20190226 Copyright (C) ...");
  assert.equal(isolinuxVersionOf(bin), "6.04");
  assert.equal(isolinuxVersionOf(new Uint8Array(64)), undefined);
});
