/**
 * `deno task demo`: authors a bootable hybrid ISO from examples/tree with the mkisofs-style
 * builder and boot-tests it. The boot programs are made by examples/boot_payload.ts (no boot loader
 * binary is needed): a BIOS program as El Torito image and as MBR (`-G`), and a UEFI application in
 * a FAT image (planned by discwright's FAT writer) appended as partition 2, which the EFI El Torito
 * entry also points at. It checks the image with `disc verify`, lists it, and boots it under QEMU:
 * SeaBIOS as CD and as disk, OVMF as CD and as disk (when OVMF is installed). Without QEMU the boot
 * tests are skipped and say so loudly; everything else still runs.
 * @module
 */

import { discMain } from "../cli/disc.ts";
import { bootTest, type BootTestResult, fatTreeFromEntries, planFat, writeRegionsToFile } from "../mod.ts";
import { biosBootImage, BOOT_MARKER, UEFI_BOOT_MARKER, uefiApplication } from "./boot_payload.ts";

const root = new URL("..", import.meta.url).pathname;
const out = `${root}.out`;
await Deno.mkdir(out, { recursive: true });
const iso = `${out}/example.iso`;
const payload = `${out}/discwright-boot.bin`;
await Deno.writeFile(payload, biosBootImage());
const mbr = `${out}/discwright-mbr.bin`;
await Deno.writeFile(mbr, biosBootImage().subarray(0, 512));
const esp = `${out}/efiboot.img`;
const fat = planFat(fatTreeFromEntries({ "EFI/BOOT/BOOTX64.EFI": uefiApplication() }, new Date(0)), {
  size: "1440k",
  volumeLabel: "EFIBOOT",
});
await writeRegionsToFile(fat.regions, esp);

const show = (path: string) => path.replace(root, "");
const steps: [string, string[]][] = [
  ["build", [
    "build",
    "-R",
    "-J",
    "-joliet-long",
    "-iso-level",
    "3",
    "-V",
    "DISCWRIGHT_EXAMPLE",
    "-G",
    mbr,
    "-b",
    "boot/discwright-boot.bin",
    "-c",
    "boot/boot.cat",
    "-no-emul-boot",
    "-boot-load-size",
    "4",
    "-append_partition",
    "2",
    "0xef",
    esp,
    "-eltorito-alt-boot",
    "-e",
    "--interval:appended_partition_2:all::",
    "-no-emul-boot",
    "-graft-points",
    "-o",
    iso,
    `/=${root}examples/tree`,
    `/boot/discwright-boot.bin=${payload}`,
  ]],
  ["verify", ["verify", iso]],
  ["ls", ["ls", "-l", "-R", iso]],
];
for (const [name, args] of steps) {
  console.log(`\n$ disc ${args.map(show).join(" ")}`);
  const code = await discMain(args);
  if (code !== 0) {
    console.error(`demo: step "${name}" failed with exit code ${code}`);
    Deno.exit(code);
  }
}

const runs = [
  { firmware: "bios", media: "cd", expect: BOOT_MARKER },
  { firmware: "bios", media: "disk", expect: BOOT_MARKER },
  { firmware: "uefi", media: "cd", expect: UEFI_BOOT_MARKER },
  { firmware: "uefi", media: "disk", expect: UEFI_BOOT_MARKER },
] as const;
for (const run of runs) {
  console.log(
    `\n$ disc boot-test ${show(iso)} --firmware ${run.firmware} --media ${run.media} --expect ${run.expect}`,
  );
  let booted: BootTestResult | undefined;
  try {
    booted = await bootTest({ image: iso, ...run, timeoutSeconds: 90 });
  } catch (error) {
    if (!/is not installed|no firmware found/.test(String(error))) throw error;
    console.log(`demo: boot test SKIPPED: ${(error as Error).message}`);
    continue;
  }
  if (!booted.ok) {
    console.error(`demo: boot test FAILED: "${run.expect}" did not appear on COM1; console tail:`);
    console.error(booted.consoleTail);
    Deno.exit(1);
  }
  console.log(
    `demo: booted (${run.firmware}, ${run.media}) and printed "${run.expect}" in ${
      booted.seconds.toFixed(1)
    } s`,
  );
}
console.log(`\ndemo: OK, image at ${show(iso)}`);
