/**
 * `deno run -A bench/cd_build.ts [--rounds N] [--megabytes M]`
 *
 * 1. Mode 1 encoding throughput on one core: user data → raw sectors (sync, header, EDC, P/Q),
 *    in MB/s of user data, for runs of sectors as a build encodes them (the WebAssembly encoder)
 *    and for the JavaScript reference encoder. Goal: at least 200 MB/s.
 * 2. The whole build of a ~650 MB mixed disc (a 450 MB data ISO + 200 MB of WAV audio) with
 *    `disc cd`, against copying the same input bytes with `cp` on the same disk in the same run
 *    (the disk-speed baseline: no tool here authors BIN/CUE from ISO + WAV, cdrdao only burns).
 *    Goal: bounded by the disk, i.e. the ratio to `cp` of the output size stays near 1. Before each
 *    run, untimed, the previous outputs are deleted and the page cache is warmed (warmPageCache).
 *    With GNU time installed it also prints each tool's CPU seconds (user + system) and the wall
 *    time that CPU needs at least on this machine's cores: when that exceeds cat's whole run, the
 *    build is CPU-bound here, whatever the encoder's speed per core.
 * @module
 */

import { encodeRawSectors } from "../image/cd/encode_run.ts";
import { encodeMode1Sector } from "../image/cd/sector.ts";
import { WASM_CODEC_AVAILABLE } from "../image/cd/wasm_codec.ts";
import { warmPageCache } from "./_page_cache.ts";
import { encodeWavHeader } from "../image/wav.ts";

const args = Deno.args;
const option = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const rounds = option("--rounds", 3);
const encodeMegabytes = option("--megabytes", 256);
const root = new URL("..", import.meta.url).pathname;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

// 1. Encoding: runs of sectors as the build encodes them (WebAssembly), and the JavaScript
// reference encoder one sector at a time.
{
  const batch = 1024;
  const user = new Uint8Array(batch * 2048).map((_, i) => (i * 131) & 0xff);
  const raw = new Uint8Array(batch * 2352);
  const sectors = Math.floor((encodeMegabytes * 1024 * 1024) / 2048 / batch) * batch;
  const measure = (encodeBatch: (lba: number) => void) => {
    const speeds: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const started = performance.now();
      for (let lba = 0; lba < sectors; lba += batch) encodeBatch(lba);
      speeds.push((sectors * 2048) / 1e6 / ((performance.now() - started) / 1000));
    }
    return median(speeds);
  };
  const runs = measure((lba) => encodeRawSectors("mode1", lba, batch, user, raw));
  const reference = measure((lba) => {
    for (let k = 0; k < batch; k++) {
      encodeMode1Sector(lba + k, user.subarray(k * 2048, (k + 1) * 2048), raw, k * 2352);
    }
  });
  console.log(
    `Mode 1 encoding: ${runs.toFixed(0)} MB/s of user data on one core (runs of ${batch} sectors, ${
      WASM_CODEC_AVAILABLE ? "WebAssembly" : "JavaScript"
    }; median of ${rounds}; goal 200 MB/s: ${runs >= 200 ? "met" : "NOT met"})`,
  );
  console.log(`  JavaScript reference encoder, sector by sector: ${reference.toFixed(0)} MB/s`);
}

// 2. Whole build against cp.
{
  const dir = await Deno.makeTempDir({ prefix: "cd-bench-" });
  try {
    const isoBytes = 450 * 1024 * 1024;
    const wavPcmBytes = 100 * 1024 * 1024 - ((100 * 1024 * 1024) % 2352);
    // A data "ISO": a real ISO header is not needed for timing, but disc cd checks for one.
    const iso = await Deno.open(`${dir}/data.iso`, { create: true, write: true });
    const block = new Uint8Array(1024 * 1024).map((_, i) => (i * 7) & 0xff);
    const pvd = new Uint8Array(2048);
    pvd.set([1, 0x43, 0x44, 0x30, 0x30, 0x31, 1]);
    for (let written = 0; written < isoBytes; written += block.byteLength) {
      if (written === 0) block.set(pvd, 16 * 2048);
      await iso.write(block);
      if (written === 0) block.fill(0x11, 16 * 2048, 17 * 2048);
    }
    iso.close();
    for (const name of ["a.wav", "b.wav"]) {
      const wav = await Deno.open(`${dir}/${name}`, { create: true, write: true });
      await wav.write(encodeWavHeader(wavPcmBytes));
      for (let written = 0; written < wavPcmBytes; written += block.byteLength) {
        await wav.write(block.subarray(0, Math.min(block.byteLength, wavPcmBytes - written)));
      }
      wav.close();
    }
    const inputBytes = isoBytes + 2 * wavPcmBytes;
    const ours: number[] = [];
    const cp: number[] = [];
    const oursCpu: number[] = [];
    const cpCpu: number[] = [];
    // CPU seconds (user + system) of each run, from GNU time when it is installed.
    const gnuTime = await Deno.stat("/usr/bin/time").then(() => true, () => false);
    const outputBytes = isoBytes / 2048 * 2352 + inputBytes - isoBytes;
    const time = async (cmd: string, cmdArgs: string[], cpu: number[]) => {
      // Untimed: the previous outputs deleted, page cache warmed, then synced (see warmPageCache).
      for (const name of ["out.bin", "out.cue", "copy.bin", "cpu.txt"]) {
        await Deno.remove(`${dir}/${name}`).catch(() => {});
      }
      await warmPageCache(dir, outputBytes);
      const timed = gnuTime
        ? ["/usr/bin/time", ["-f", "%U %S", "-o", `${dir}/cpu.txt`, cmd, ...cmdArgs]] as const
        : [cmd, cmdArgs] as const;
      const started = performance.now();
      const out = await new Deno.Command(timed[0], { args: [...timed[1]], stdout: "null", stderr: "piped" })
        .output();
      if (!out.success) throw new Error(`${cmd} failed: ${new TextDecoder().decode(out.stderr)}`);
      await new Deno.Command("sync").output();
      const seconds = (performance.now() - started) / 1000;
      if (gnuTime) {
        const [user, system] = (await Deno.readTextFile(`${dir}/cpu.txt`)).trim().split(/\s+/).map(Number);
        cpu.push(user + system);
      }
      return seconds;
    };
    let outBytes = 0;
    for (let r = 0; r < rounds; r++) {
      const runOurs = async () => {
        const seconds = await time(Deno.execPath(), [
          "run",
          "-A",
          `${root}cli/disc.ts`,
          "cd",
          "-q",
          "-o",
          `${dir}/out.cue`,
          "--data",
          `${dir}/data.iso`,
          "--audio",
          `${dir}/a.wav`,
          "--audio",
          `${dir}/b.wav`,
        ], oursCpu);
        outBytes = (await Deno.stat(`${dir}/out.bin`)).size;
        return seconds;
      };
      const runCp = () =>
        time("sh", ["-c", `cat "${dir}/data.iso" "${dir}/a.wav" "${dir}/b.wav" > "${dir}/copy.bin"`], cpCpu);
      if (r % 2 === 0) {
        ours.push(await runOurs());
        cp.push(await runCp());
      } else {
        cp.push(await runCp());
        ours.push(await runOurs());
      }
    }
    const oursS = median(ours), cpS = median(cp);
    const oursRate = outBytes / 1e6 / oursS;
    const cpRate = inputBytes / 1e6 / cpS;
    console.log(
      `Mixed disc build (${(outBytes / 1e6).toFixed(0)} MB BIN from ${
        (inputBytes / 1e6).toFixed(0)
      } MB of inputs), ` +
        `median of ${rounds}, interleaved, sync before and after each run:`,
    );
    console.log(`  disc cd: ${oursS.toFixed(2)} s (${oursRate.toFixed(0)} MB/s written)`);
    console.log(`  cat (disk baseline): ${cpS.toFixed(2)} s (${cpRate.toFixed(0)} MB/s written)`);
    console.log(`  ratio of write rates, ours / cat: ${(oursRate / cpRate).toFixed(2)}`);
    if (gnuTime) {
      const cores = navigator.hardwareConcurrency;
      const oursCpuS = median(oursCpu);
      console.log(
        `  CPU (user + system, median): disc cd ${oursCpuS.toFixed(2)} s, cat ${
          median(cpCpu).toFixed(2)
        } s; ` +
          `on ${cores} cores disc cd needs at least ${(oursCpuS / cores).toFixed(2)} s of wall time ` +
          `(${oursCpuS / cores > cpS ? "CPU-bound: more than cat's whole run" : "within cat's run"})`,
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
