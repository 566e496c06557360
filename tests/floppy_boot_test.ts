/**
 * El Torito floppy emulation: a 1.44 MB FAT12 image planned by authoring/fat, with the boot
 * program of examples/boot_payload.ts after its BPB, boots under SeaBIOS from an ISO built by
 * cli/build.ts (and the image stays a clean FAT12 file system).
 */
import assert from "node:assert/strict";
import { fatTreeFromEntries } from "../authoring/fat/build.ts";
import { planFat } from "../authoring/fat/planner.ts";
import { readRegionChunks } from "../image/region_writer.ts";
import { bootTest } from "../mod.ts";
import { biosBootImage, BOOT_MARKER } from "../examples/boot_payload.ts";
import { buildWithDiscwright, run, tempDir, toolTest } from "./_tools.ts";

/** 62: first byte after a FAT12/16 BPB and extended boot record (fat.md §2). */
const BOOT_CODE_OFFSET = 62;

toolTest(
  "floppy emulation: a 1.44 MB FAT12 image boots under SeaBIOS",
  ["qemu-system-x86_64", "fsck.fat"],
  async () => {
    await using tmp = await tempDir("floppy-");
    const tree = fatTreeFromEntries(
      { "README.TXT": new TextEncoder().encode("floppy\n") },
      new Date(1700000000_000),
    );
    const plan = planFat(tree, { size: "1440k", volumeLabel: "DISCWRIGHT", volumeSerial: 0x12345678 });
    const image = new Uint8Array(plan.sectorCount * 512);
    let at = 0;
    for await (const chunk of readRegionChunks(plan.regions)) {
      image.set(chunk, at);
      at += chunk.byteLength;
    }
    assert.equal(at, 1_474_560);
    // Boot code: a short jump over the BPB to the position-independent boot program.
    const program = biosBootImage().subarray(0, 64);
    image.set([0xeb, BOOT_CODE_OFFSET - 2, 0x90], 0); // 0: jmp short 0x3E; nop
    image.set(program, BOOT_CODE_OFFSET);
    await Deno.mkdir(`${tmp.path}/tree`);
    await Deno.writeFile(`${tmp.path}/tree/floppy.img`, image);
    const fsck = await run("fsck.fat", ["-n", `${tmp.path}/tree/floppy.img`], { allowFail: true });
    assert.equal(fsck.code, 0, fsck.stdout + fsck.stderr);

    const iso = `${tmp.path}/floppy.iso`;
    const built = await buildWithDiscwright([
      "-quiet",
      "-R",
      "-b",
      "floppy.img",
      "-c",
      "boot.cat",
      "-o",
      iso,
      `${tmp.path}/tree`,
    ]);
    assert.equal(built.code, 0, built.stderr);
    const result = await bootTest({
      image: iso,
      firmware: "bios",
      media: "cd",
      expect: BOOT_MARKER,
      timeoutSeconds: 60,
    });
    const seen = result.ok;
    assert.ok(seen, `"${BOOT_MARKER}" did not appear on COM1`);
  },
);
