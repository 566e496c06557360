/**
 * `deno task demo`: authors a bootable ISO from examples/tree with the mkisofs-style builder (an
 * El Torito no-emulation entry whose boot program is made by examples/boot_payload.ts), checks it
 * with `disc verify`, lists it, and boots it under QEMU (SeaBIOS) as a CD, watching COM1 for the
 * marker the boot program prints. Without QEMU the boot test is skipped and says so loudly;
 * everything else still runs.
 * @module
 */

import { discMain } from "../cli/disc.ts";
import { bootTest, type BootTestResult } from "../mod.ts";
import { biosBootImage, BOOT_MARKER } from "./boot_payload.ts";

const root = new URL("..", import.meta.url).pathname;
const out = `${root}.out`;
await Deno.mkdir(out, { recursive: true });
const iso = `${out}/example.iso`;
const payload = `${out}/discwright-boot.bin`;
await Deno.writeFile(payload, biosBootImage());

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
    "-b",
    "boot/discwright-boot.bin",
    "-c",
    "boot/boot.cat",
    "-no-emul-boot",
    "-boot-load-size",
    "4",
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

console.log(`\n$ disc boot-test ${show(iso)} --firmware bios --media cd --expect ${BOOT_MARKER}`);
let booted: BootTestResult | undefined;
try {
  booted = await bootTest({
    image: iso,
    firmware: "bios",
    media: "cd",
    expect: BOOT_MARKER,
    timeoutSeconds: 60,
  });
} catch (error) {
  if (!/is not installed/.test(String(error))) throw error;
  console.log(`demo: boot test SKIPPED: ${(error as Error).message}`);
}
if (booted && !booted.ok) {
  console.error(`demo: boot test FAILED: "${BOOT_MARKER}" did not appear on COM1 within 60 s; console tail:`);
  console.error(booted.consoleTail);
  Deno.exit(1);
}
if (booted) {
  console.log(
    `demo: the image booted under SeaBIOS and printed "${BOOT_MARKER}" (${booted.seconds.toFixed(1)} s)`,
  );
}
console.log(`\ndemo: OK, image at ${show(iso)}`);
