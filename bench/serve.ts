/**
 * `deno run -A bench/serve.ts [--rounds N] [--megabytes M]`
 *
 * Sequential read throughput of a served image, measured with `qemu-img convert` into QEMU's
 * null-co driver (nothing is written), interleaved rounds, medians:
 * - iSCSI: `disc serve --iscsi` (the image as an MMC CD LUN) against tgt 1.0.85 (`tgtd`, the same
 *   image as a CD LUN);
 * - NBD: `disc serve --nbd` against `qemu-nbd -r`.
 * Goal (issue 5): at least as fast as both peers. Needs root for tgtd.
 * @module
 */

import { freePort, startTgt } from "../tests/_tgt.ts";

const args = Deno.args;
const option = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const rounds = option("--rounds", 3);
const megabytes = option("--megabytes", 512);
const root = new URL("..", import.meta.url).pathname;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function run(cmd: string, cmdArgs: string[]): Promise<void> {
  const out = await new Deno.Command(cmd, { args: cmdArgs, stdout: "piped", stderr: "piped" }).output();
  if (!out.success) throw new Error(`${cmd} ${cmdArgs.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`nothing listens on port ${port}`);
}

/** Seconds `qemu-img convert` takes to read `url` whole into null-co. */
async function readSeconds(url: string, byteLength: number): Promise<number> {
  const started = performance.now();
  await run("qemu-img", [
    "convert",
    "-n",
    "-f",
    "raw",
    "--target-image-opts",
    url,
    `driver=null-co,size=${byteLength}`,
  ]);
  return (performance.now() - started) / 1000;
}

const dir = await Deno.makeTempDir({ prefix: "serve-bench-" });
const children: Deno.ChildProcess[] = [];
try {
  // The image: M MiB of incompressible bytes (one random MiB repeated), a whole number of 2048-byte sectors.
  const image = `${dir}/image.iso`;
  const byteLength = megabytes * 1024 * 1024;
  {
    using file = await Deno.open(image, { write: true, create: true });
    const block = crypto.getRandomValues(new Uint8Array(65536));
    const mib = new Uint8Array(1024 * 1024).map((_, i) => block[i % 65536] ^ (i >> 16));
    for (let m = 0; m < megabytes; m++) await file.write(mib);
  }

  const ours = { iscsi: freePort(), nbd: freePort() };
  children.push(
    new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        `${root}cli/disc.ts`,
        "serve",
        "--iscsi",
        `127.0.0.1:${ours.iscsi}`,
        "--nbd",
        `127.0.0.1:${ours.nbd}`,
        image,
      ],
      stdin: "piped", // media commands: none
      stdout: "null",
      stderr: "null",
    }).spawn(),
  );
  const qemuNbdPort = freePort();
  children.push(
    new Deno.Command("qemu-nbd", {
      args: ["-r", "-t", "-p", String(qemuNbdPort), "-b", "127.0.0.1", "-f", "raw", "-x", "image", image],
      stdout: "null",
      stderr: "null",
    }).spawn(),
  );
  await Promise.all([
    waitForPort(ours.iscsi),
    waitForPort(ours.nbd),
    waitForPort(qemuNbdPort),
  ]);
  await using tgt = await startTgt([{ path: image, cd: true }]);

  const urls: Record<string, string> = {
    "iSCSI ours": `iscsi://127.0.0.1:${ours.iscsi}/iqn.2026-11.dev.discwright:disc/0`,
    "iSCSI tgt": tgt.url(0),
    "NBD ours": `nbd://127.0.0.1:${ours.nbd}/image`,
    "NBD qemu-nbd": `nbd://127.0.0.1:${qemuNbdPort}/image`,
  };
  const seconds: Record<string, number[]> = Object.fromEntries(Object.keys(urls).map((k) => [k, []]));
  await readSeconds(urls["iSCSI ours"], byteLength); // warm the page cache
  for (let r = 0; r < rounds; r++) {
    for (const [name, url] of Object.entries(urls)) seconds[name].push(await readSeconds(url, byteLength));
  }
  const mbps = (name: string) => byteLength / 1e6 / median(seconds[name]);
  console.log(
    `Serving a ${megabytes} MiB image, qemu-img convert to null-co, median of ${rounds} interleaved rounds:`,
  );
  for (const name of Object.keys(urls)) {
    console.log(`  ${name.padEnd(14)} ${median(seconds[name]).toFixed(2)} s  ${mbps(name).toFixed(0)} MB/s`);
  }
  for (const [protocol, peer] of [["iSCSI", "tgt"], ["NBD", "qemu-nbd"]]) {
    const ratio = mbps(`${protocol} ours`) / mbps(`${protocol} ${peer}`);
    console.log(
      `  ${protocol}: ours / ${peer} = ${ratio.toFixed(2)} (goal ≥ 1: ${ratio >= 1 ? "met" : "NOT met"})`,
    );
  }
} finally {
  for (const child of children) {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
    await child.status;
  }
  await Deno.remove(dir, { recursive: true });
}
