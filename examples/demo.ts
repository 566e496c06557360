/**
 * `deno task demo`: builds an ISO from examples/tree with the mkisofs-style builder, then checks
 * it with `disc verify` and lists it with `disc ls -l -R`. (Boot-testing the image under QEMU
 * comes with the boot issue.)
 * @module
 */

import { discMain } from "../cli/disc.ts";

const root = new URL("..", import.meta.url).pathname;
const out = `${root}.out`;
await Deno.mkdir(out, { recursive: true });
const iso = `${out}/example.iso`;

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
    "-o",
    iso,
    `${root}examples/tree`,
  ]],
  ["verify", ["verify", iso]],
  ["ls", ["ls", "-l", "-R", iso]],
];
for (const [name, args] of steps) {
  console.log(`\n$ disc ${args.map((a) => a.replace(root, "")).join(" ")}`);
  const code = await discMain(args);
  if (code !== 0) {
    console.error(`demo: step "${name}" failed with exit code ${code}`);
    Deno.exit(code);
  }
}
console.log(`\ndemo: OK, image at ${iso.replace(root, "")}`);
