/**
 * `deno task bench`: time and peak memory of building ISO images with ours (`cli/build.ts`),
 * `xorriso -as mkisofs` and `genisoimage`, all with `-R -J`, on two trees:
 *
 * - "small": 20,000 files of 1–4 KiB (in 20 directories);
 * - "big": three files of 512 MiB.
 *
 * Runs are interleaved (the order rotates each round, with a `sync` after each run's cleanup, and an
 * untimed write and delete of as many bytes as the image just before each run: see warmPageCache) for
 * N=3 rounds; the table shows medians,
 * the ratios ours/xorriso and ours/genisoimage, and peak RSS. Goals (issue 2): ours no slower than the
 * faster peer on both trees, and at most 256 MiB peak RSS on the small tree.
 *
 * Wall time and peak RSS come from GNU time (`/usr/bin/time -f "%e %M"`, Debian package `time`); without
 * it, wall time is measured here and peak RSS is VmHWM polled from /proc/PID/status (approximate).
 *
 * Trees are made once under `$BENCH_DIR` (default /tmp/discwright-bench) and reused while their marker
 * file says they are complete. Output images go to the same directory and are deleted after each run.
 *
 * Flags: `--quick` (2,000 files, 3 × 64 MiB, 1 round), `--rounds N`, `--strict` (exit 1 when a goal is
 * missed), `--only small|big`.
 * @module
 */

import { makeBigFilesTree, makeSmallFilesTree } from "../tests/_fixtures.ts";
import { warmPageCache } from "./_page_cache.ts";

const REPO_ROOT = decodeURIComponent(new URL("..", import.meta.url).pathname).replace(/\/$/, "");
const MIB = 1024 * 1024;
const RSS_GOAL_MIB = 256;

interface Args {
  quick: boolean;
  strict: boolean;
  rounds: number;
  only?: "small" | "big";
}

function parseArgs(argv: string[]): Args {
  const args: Args = { quick: false, strict: false, rounds: 3 };
  let roundsGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--quick") args.quick = true;
    else if (a === "--strict") args.strict = true;
    else if (a === "--rounds") {
      args.rounds = Number(argv[++i]);
      roundsGiven = true;
    } else if (a === "--only") {
      const v = argv[++i];
      if (v !== "small" && v !== "big") usage(`--only takes "small" or "big", not ${JSON.stringify(v)}`);
      args.only = v;
    } else if (a === "-h" || a === "--help") {
      console.log("usage: deno task bench [--quick] [--rounds N] [--only small|big] [--strict]");
      Deno.exit(0);
    } else usage(`unknown option ${JSON.stringify(a)}`);
  }
  if (args.quick && !roundsGiven) args.rounds = 1;
  if (!Number.isInteger(args.rounds) || args.rounds < 1) usage("--rounds takes a positive integer");
  return args;
}

function usage(message: string): never {
  console.error(`bench: ${message}`);
  Deno.exit(2);
}

// ---------------------------------------------------------------------------------------------------

interface TreeSpec {
  readonly id: "small" | "big";
  readonly label: string;
  readonly dir: string;
  readonly marker: string;
  readonly make: (dir: string) => Promise<void>;
}

function treeSpecs(base: string, quick: boolean): TreeSpec[] {
  const smallCount = quick ? 2_000 : 20_000;
  const bigBytes = (quick ? 64 : 512) * MIB;
  const smallName = `small-${smallCount}`;
  const bigName = `big-3x${bigBytes / MIB}MiB`;
  return [
    {
      id: "small",
      label: `${smallCount.toLocaleString("en")} files of 1–4 KiB`,
      dir: `${base}/${smallName}`,
      marker: `${base}/${smallName}.complete`,
      make: async (dir) => void await makeSmallFilesTree(dir, smallCount, 1024, 4096),
    },
    {
      id: "big",
      label: `3 files of ${bigBytes / MIB} MiB`,
      dir: `${base}/${bigName}`,
      marker: `${base}/${bigName}.complete`,
      make: (dir) => makeBigFilesTree(dir, 3, bigBytes),
    },
  ];
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** Makes a tree unless its marker (written after the last file) says it is already complete. */
async function ensureTree(spec: TreeSpec): Promise<void> {
  if (await exists(spec.marker)) {
    console.log(`tree "${spec.label}": reusing ${spec.dir}`);
    return;
  }
  console.log(`tree "${spec.label}": making ${spec.dir} ...`);
  const t0 = performance.now();
  await Deno.remove(spec.dir, { recursive: true }).catch(() => {});
  await Deno.mkdir(spec.dir, { recursive: true });
  await spec.make(spec.dir);
  await Deno.writeTextFile(spec.marker, `${new Date().toISOString()}\n`);
  console.log(`  done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

// ---------------------------------------------------------------------------------------------------

interface Tool {
  readonly name: string;
  readonly command: (out: string, tree: string) => string[];
}

const TOOLS: readonly Tool[] = [
  {
    name: "discwright",
    command: (
      out,
      tree,
    ) => [Deno.execPath(), "run", "-A", `${REPO_ROOT}/cli/build.ts`, "-R", "-J", "-o", out, tree],
  },
  { name: "xorriso", command: (out, tree) => ["xorriso", "-as", "mkisofs", "-R", "-J", "-o", out, tree] },
  { name: "genisoimage", command: (out, tree) => ["genisoimage", "-R", "-J", "-o", out, tree] },
];

interface Sample {
  readonly seconds: number;
  readonly peakRssKiB: number;
}

type Measure = (argv: string[]) => Promise<Sample & { code: number; stderr: string }>;

const GNU_TIME = "/usr/bin/time";

async function hasGnuTime(): Promise<boolean> {
  try {
    const out = await new Deno.Command(GNU_TIME, {
      args: ["-f", "%e %M", "true"],
      stdout: "null",
      stderr: "piped",
    })
      .output();
    return out.code === 0 && /^\d+(\.\d+)? \d+\s*$/.test(new TextDecoder().decode(out.stderr));
  } catch {
    return false;
  }
}

/** Runs with GNU time writing "%e %M" to a file (so the tool's own stderr stays separate). */
function measureWithGnuTime(scratch: string): Measure {
  return async (argv) => {
    const timeFile = `${scratch}/time.txt`;
    const out = await new Deno.Command(GNU_TIME, {
      args: ["-f", "%e %M", "-o", timeFile, ...argv],
      stdout: "null",
      stderr: "piped",
    }).output();
    const [seconds, kib] = (await Deno.readTextFile(timeFile)).trim().split("\n").at(-1)!.split(" ").map(
      Number,
    );
    return { seconds, peakRssKiB: kib, code: out.code, stderr: new TextDecoder().decode(out.stderr) };
  };
}

/** Fallback: wall clock here, peak RSS from VmHWM polled every 20 ms (misses the last few ms). */
const measureWithProc: Measure = async (argv) => {
  const t0 = performance.now();
  const child = new Deno.Command(argv[0], { args: argv.slice(1), stdout: "null", stderr: "piped" }).spawn();
  let peak = 0;
  const poll = setInterval(() => {
    try {
      const status = Deno.readTextFileSync(`/proc/${child.pid}/status`);
      const m = /^VmHWM:\s+(\d+) kB/m.exec(status);
      if (m) peak = Math.max(peak, Number(m[1]));
    } catch {
      // exited
    }
  }, 20);
  const out = await child.output();
  clearInterval(poll);
  return {
    seconds: (performance.now() - t0) / 1000,
    peakRssKiB: peak,
    code: out.code,
    stderr: new TextDecoder().decode(out.stderr),
  };
};

/** Bytes of the regular files under `dir`. */
function treeBytes(dir: string): number {
  let total = 0;
  for (const entry of Deno.readDirSync(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) total += treeBytes(path);
    else if (entry.isFile) total += Math.ceil(Deno.statSync(path).size / 2048) * 2048;
  }
  return total;
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function version(argv: string[]): Promise<string> {
  try {
    const out = await new Deno.Command(argv[0], { args: argv.slice(1), stdout: "piped", stderr: "piped" })
      .output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    return text.split("\n").find((l) => l.trim() !== "")?.trim() ?? "?";
  } catch {
    return "not installed";
  }
}

// ---------------------------------------------------------------------------------------------------

async function main() {
  const args = parseArgs(Deno.args);
  const base = Deno.env.get("BENCH_DIR") ?? "/tmp/discwright-bench";
  await Deno.mkdir(base, { recursive: true });

  const gnuTime = await hasGnuTime();
  const measure = gnuTime ? measureWithGnuTime(base) : measureWithProc;
  console.log(
    gnuTime
      ? `measuring with GNU time (${GNU_TIME} -f "%e %M": wall seconds, max RSS)`
      : `${GNU_TIME} not found (Debian package "time"): wall clock here, peak RSS = VmHWM polled from /proc (approximate)`,
  );
  console.log(
    `deno: ${Deno.version.deno} | ${await version(["xorriso", "-version"])} | ${await version([
      "genisoimage",
      "--version",
    ])}`,
  );
  console.log(
    `cpus: ${navigator.hardwareConcurrency} | rounds: ${args.rounds}${
      args.quick ? " (quick)" : ""
    } | dir: ${base}`,
  );

  const specs = treeSpecs(base, args.quick).filter((s) => !args.only || s.id === args.only);
  for (const spec of specs) await ensureTree(spec);

  // Warm-up (not measured): Deno's module cache, the tools' shared libraries.
  const empty = `${base}/empty-tree`;
  await Deno.mkdir(empty, { recursive: true });
  for (const tool of TOOLS) {
    const out = `${base}/warmup-${tool.name}.iso`;
    await measure(tool.command(out, empty)).catch(() => undefined);
    await Deno.remove(out).catch(() => {});
  }

  // Untimed, before each run: as many bytes as the image will take, written and deleted (see
  // warmPageCache).
  const warmBytes = new Map<string, number>();
  for (const spec of specs) warmBytes.set(spec.id, Math.ceil(treeBytes(spec.dir) * 1.1) + 64 * MIB);

  const results = new Map<string, { samples: Sample[]; failures: string[] }>();
  const key = (spec: TreeSpec, tool: Tool) => `${spec.id}/${tool.name}`;
  for (const spec of specs) {
    for (let round = 1; round <= args.rounds; round++) {
      // Rotate the order each round so that no tool always runs right after another's big write.
      const order = TOOLS.map((_, i) => TOOLS[(i + round - 1) % TOOLS.length]);
      for (const tool of order) {
        const out = `${base}/bench-${tool.name}.iso`;
        const r = results.get(key(spec, tool)) ?? { samples: [], failures: [] };
        results.set(key(spec, tool), r);
        await warmPageCache(base, warmBytes.get(spec.id)!);
        let sample;
        try {
          sample = await measure(tool.command(out, spec.dir));
        } catch (error) {
          sample = { seconds: NaN, peakRssKiB: NaN, code: -1, stderr: String(error) };
        }
        await Deno.remove(out).catch(() => {});
        // Untimed: settle the file system (the freed output, pending writeback) so every run starts alike.
        await new Deno.Command("sync").output().catch(() => undefined);
        if (sample.code === 0) {
          r.samples.push(sample);
          console.log(
            `  ${spec.id} round ${round} ${tool.name.padEnd(11)} ${sample.seconds.toFixed(2).padStart(7)} s ${
              (sample.peakRssKiB / 1024).toFixed(0).padStart(6)
            } MiB`,
          );
        } else {
          const why = sample.stderr.trim().split("\n").at(-1) ?? "";
          r.failures.push(why);
          console.log(
            `  ${spec.id} round ${round} ${tool.name.padEnd(11)} FAILED (exit ${sample.code}): ${why}`,
          );
        }
      }
    }
  }

  // Table.
  console.log("");
  const header = ["tree", "tool", "ok runs", "median s", "min s", "max s", "peak RSS MiB"];
  const rows: string[][] = [];
  const med = new Map<string, number>();
  const best = new Map<string, number>();
  const rss = new Map<string, number>();
  for (const spec of specs) {
    for (const tool of TOOLS) {
      const r = results.get(key(spec, tool))!;
      const secs = r.samples.map((s) => s.seconds);
      const m = secs.length ? median(secs) : NaN;
      const peak = r.samples.length ? Math.max(...r.samples.map((s) => s.peakRssKiB)) / 1024 : NaN;
      med.set(key(spec, tool), m);
      best.set(key(spec, tool), secs.length ? Math.min(...secs) : NaN);
      rss.set(key(spec, tool), peak);
      rows.push([
        spec.label,
        tool.name,
        `${r.samples.length}/${args.rounds}`,
        fmt(m),
        fmt(secs.length ? Math.min(...secs) : NaN),
        fmt(secs.length ? Math.max(...secs) : NaN),
        Number.isNaN(peak) ? "-" : peak.toFixed(0),
      ]);
    }
  }
  printTable(header, rows);

  console.log("");
  let allMet = true;
  for (const spec of specs) {
    const ours = med.get(`${spec.id}/discwright`)!;
    const x = med.get(`${spec.id}/xorriso`)!;
    const g = med.get(`${spec.id}/genisoimage`)!;
    const fastest = Math.min(...[x, g].filter((v) => !Number.isNaN(v)));
    const timeMet = !Number.isNaN(ours) && Number.isFinite(fastest) && ours <= fastest;
    allMet &&= timeMet;
    console.log(
      `${spec.label}: ours/xorriso ${ratio(ours, x)}, ours/genisoimage ${ratio(ours, g)} -> ` +
        `speed goal (no slower than the faster peer): ${timeMet ? "MET" : "NOT MET"}`,
    );
    // Noise on a shared machine only adds time: the best runs show the tools with the least of it
    // (shown for information; the goal is judged on medians).
    const bestOf = (tool: string) => best.get(`${spec.id}/${tool}`)!;
    console.log(
      `${spec.label}: best runs: ours/xorriso ${ratio(bestOf("discwright"), bestOf("xorriso"))}, ` +
        `ours/genisoimage ${ratio(bestOf("discwright"), bestOf("genisoimage"))}`,
    );
    if (spec.id === "small") {
      const peak = rss.get(`${spec.id}/discwright`)!;
      const rssMet = !Number.isNaN(peak) && peak <= RSS_GOAL_MIB;
      allMet &&= rssMet;
      const scale = args.quick ? " (quick tree: the goal is for 20,000 files)" : "";
      console.log(
        `${spec.label}: ours peak RSS ${Number.isNaN(peak) ? "-" : peak.toFixed(0)} MiB -> ` +
          `memory goal (<= ${RSS_GOAL_MIB} MiB)${scale}: ${rssMet ? "MET" : "NOT MET"}`,
      );
    }
  }
  console.log(allMet ? "all goals met" : "some goals not met");
  if (args.strict && !allMet) Deno.exit(1);
}

function fmt(v: number): string {
  return Number.isNaN(v) ? "-" : v.toFixed(2);
}

function ratio(a: number, b: number): string {
  return Number.isNaN(a) || Number.isNaN(b) || b === 0 ? "-" : `${(a / b).toFixed(2)}x`;
}

function printTable(header: string[], rows: string[][]) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of rows) console.log(line(r));
}

if (import.meta.main) await main();
