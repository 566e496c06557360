/**
 * The boot matrix with boot programs the tests make themselves (examples/boot_payload.ts): a BIOS
 * program as El Torito image and as MBR (`-G`), and a hand-built UEFI application in a FAT image
 * (planned by authoring/fat) appended as partition 2 with the EFI entry pointing at it. BIOS and
 * UEFI, as CD and as disk, for our image and for xorriso's image of the same arguments.
 */
import assert from "node:assert/strict";
import { fatTreeFromEntries } from "../authoring/fat/build.ts";
import { planFat } from "../authoring/fat/planner.ts";
import { biosBootImage, BOOT_MARKER, UEFI_BOOT_MARKER, uefiApplication } from "../examples/boot_payload.ts";
import { bootTest, writeRegionsToFile } from "../mod.ts";
import { buildWithDiscwright, buildWithXorriso, tempDir, toolTest } from "./_tools.ts";

toolTest(
  "self-made payloads: BIOS and UEFI, as CD and as disk, from ours and xorriso's image",
  ["xorriso", "qemu-system-x86_64", "/usr/share/OVMF/OVMF_CODE_4M.fd"],
  async (t) => {
    await using tmp = await tempDir("payload-boot-");
    await Deno.mkdir(`${tmp.path}/tree`);
    await Deno.writeFile(`${tmp.path}/tree/boot.bin`, biosBootImage());
    await Deno.writeFile(`${tmp.path}/mbr.bin`, biosBootImage().subarray(0, 512));
    const esp = planFat(
      fatTreeFromEntries({ "EFI/BOOT/BOOTX64.EFI": uefiApplication() }, new Date(1700000000_000)),
      {
        size: "1440k",
        volumeLabel: "EFIBOOT",
      },
    );
    await writeRegionsToFile(esp.regions, `${tmp.path}/efiboot.img`);
    const args = [
      "-quiet",
      "-R",
      "-J",
      "-G",
      `${tmp.path}/mbr.bin`,
      "-b",
      "boot.bin",
      "-no-emul-boot",
      "-boot-load-size",
      "4",
      "-append_partition",
      "2",
      "0xef",
      `${tmp.path}/efiboot.img`,
      "-eltorito-alt-boot",
      "-e",
      "--interval:appended_partition_2:all::",
      "-no-emul-boot",
    ];
    const images = { ours: `${tmp.path}/ours.iso`, xorriso: `${tmp.path}/theirs.iso` };
    const built = await buildWithDiscwright([...args, "-o", images.ours, `${tmp.path}/tree`]);
    assert.equal(built.code, 0, built.stderr);
    assert.equal((await buildWithXorriso([...args, "-o", images.xorriso, `${tmp.path}/tree`])).code, 0);
    for (const [who, image] of Object.entries(images)) {
      for (const firmware of ["bios", "uefi"] as const) {
        for (const media of ["cd", "disk"] as const) {
          await t.step(`${who}: ${firmware} as ${media}`, async () => {
            const expect = firmware === "bios" ? BOOT_MARKER : UEFI_BOOT_MARKER;
            const result = await bootTest({ image, firmware, media, expect, timeoutSeconds: 90 });
            assert.ok(result.ok, `no "${expect}"; console tail:\n${result.consoleTail}`);
          });
        }
      }
    }
  },
);
