/**
 * `deno task bench` (second part): time of a bootable hybrid build, ours (`cli/build.ts`) against
 * `xorriso -as mkisofs`, same tree and same arguments (isolinux BIOS entry with boot info table,
 * EFI FAT image entry, `-isohybrid-mbr isohdpfx.bin -isohybrid-gpt-basdat`), interleaved with the
 * order rotating each round and a `sync` after each run's cleanup. Prints medians and the ratio.
 * Goal (issue 3): ours no slower than xorriso.
 *
 * The tree (isolinux from Debian's isolinux package, a 32 MiB FAT image, 2,000 small files and
 * two 256 MiB files) is made once under `$BENCH_DIR` (default /tmp/discwright-bench).
 * Flags: `--rounds N` (default 3).
 * @module
 */

import { makeBigFilesTree, makeSmallFilesTree } from "../tests/_fixtures.ts";

const REPO_ROOT = decodeURIComponent(new URL("..", import.meta.url).pathname).replace(/\/$/, "");
const base = Deno.env.get("BENCH_DIR") ?? "/tmp/discwright-bench";
const roundsIndex = Deno.args.indexOf("--rounds");
const rounds = roundsIndex >= 0 ? Number(Deno.args[roundsIndex + 1]) : 3;
const tree = `${base}/hybrid-tree`;

async function sh(cmd: string, args: string[], env?: Record<string, string>): Promise<void> {
  const { code, stderr } = await new Deno.Command(cmd, { args, env, stdout: "null", stderr: "piped" })
    .output();
  if (code !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} failed: ${new TextDecoder().decode(stderr).slice(-400)}`);
  }
}

if (!(await Deno.stat(`${tree}.complete`).catch(() => undefined))) {
  console.log(`making the hybrid tree in ${tree} ...`);
  await Deno.remove(tree, { recursive: true }).catch(() => {});
  await Deno.mkdir(`${tree}/isolinux`, { recursive: true });
  await Deno.copyFile("/usr/lib/ISOLINUX/isolinux.bin", `${tree}/isolinux/isolinux.bin`);
  await Deno.copyFile("/usr/lib/syslinux/modules/bios/ldlinux.c32", `${tree}/isolinux/ldlinux.c32`);
  await sh("mkfs.fat", ["-C", "-n", "EFIBOOT", `${tree}/efiboot.img`, "32768"]);
  await makeSmallFilesTree(`${tree}/small`, 2000, 1024, 4096);
  await makeBigFilesTree(`${tree}/big`, 2, 256 * 1024 * 1024);
  await Deno.writeTextFile(`${tree}.complete`, "");
}

const args = (out: string) => [
  "-R",
  "-J",
  "-b",
  "isolinux/isolinux.bin",
  "-c",
  "isolinux/boot.cat",
  "-no-emul-boot",
  "-boot-load-size",
  "4",
  "-boot-info-table",
  "-eltorito-alt-boot",
  "-e",
  "efiboot.img",
  "-no-emul-boot",
  "-isohybrid-gpt-basdat",
  "-isohybrid-mbr",
  "/usr/lib/ISOLINUX/isohdpfx.bin",
  "-quiet",
  "-o",
  out,
  tree,
];
const tools = [
  {
    name: "discwright",
    command: (out: string) => [Deno.execPath(), "run", "-A", `${REPO_ROOT}/cli/build.ts`, ...args(out)],
  },
  { name: "xorriso", command: (out: string) => ["xorriso", "-as", "mkisofs", ...args(out)] },
];
const samples = new Map<string, number[]>(tools.map((t) => [t.name, []]));
for (let round = 1; round <= rounds; round++) {
  const order = round % 2 === 1 ? tools : [...tools].reverse();
  for (const tool of order) {
    const out = `${base}/hybrid-${tool.name}.iso`;
    const [cmd, ...rest] = tool.command(out);
    const started = performance.now();
    await sh(cmd, rest);
    const seconds = (performance.now() - started) / 1000;
    await Deno.remove(out);
    await sh("sync", []);
    samples.get(tool.name)!.push(seconds);
    console.log(`  hybrid round ${round} ${tool.name.padEnd(10)} ${seconds.toFixed(2)} s`);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ours = median(samples.get("discwright")!);
const theirs = median(samples.get("xorriso")!);
console.log(
  `\nhybrid build (isolinux + EFI, isohybrid MBR/GPT, ~540 MB): discwright ${ours.toFixed(2)} s, xorriso ${
    theirs.toFixed(2)
  } s`,
);
console.log(
  `ours/xorriso ${(ours / theirs).toFixed(2)}x -> goal (not slower than xorriso): ${
    ours <= theirs ? "MET" : "NOT MET"
  }`,
);
