/**
 * Helpers for tests that drive external tools (xorriso, isoinfo, 7z, pycdlib, ...) and the CLI.
 *
 * A test that needs a tool is registered with {@link toolTest}: when the tool is missing the test is
 * ignored and says why in its name; with `REQUIRE_TOOLS=1` (CI) it runs and fails instead, so a green
 * run cannot hide a missing install step.
 * @module
 */

import { createHash } from "node:crypto";

/** Absolute path of the repository root (the directory above `tests/`). */
export const REPO_ROOT: string = decodeURIComponent(new URL("..", import.meta.url).pathname).replace(
  /\/$/,
  "",
);

/** True when CI asked for every tool to be present (`REQUIRE_TOOLS=1`). */
export const REQUIRE_TOOLS: boolean = Deno.env.get("REQUIRE_TOOLS") === "1";

const toolCache = new Map<string, boolean>();
let pythonForPycdlib: string | null | undefined;

/**
 * A Python interpreter that can `import pycdlib` (Debian's python3-pycdlib lives in /usr/bin/python3's
 * dist-packages; a pyenv/venv `python3` earlier in PATH usually cannot import it), or undefined.
 */
export function pycdlibPython(): string | undefined {
  if (pythonForPycdlib !== undefined) return pythonForPycdlib ?? undefined;
  pythonForPycdlib = null;
  for (const candidate of ["/usr/bin/python3", findInPath("python3")]) {
    if (!candidate) continue;
    try {
      const out = new Deno.Command(candidate, {
        args: ["-c", "import pycdlib"],
        stdout: "null",
        stderr: "null",
      })
        .outputSync();
      if (out.code === 0) {
        pythonForPycdlib = candidate;
        break;
      }
    } catch {
      // not runnable: try the next one
    }
  }
  return pythonForPycdlib ?? undefined;
}

/** The absolute path of an executable named `name` in PATH, or undefined. Synchronous. */
export function findInPath(name: string): string | undefined {
  if (name.includes("/")) return isExecutableFile(name) ? name : undefined;
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (!dir) continue;
    const candidate = `${dir}/${name}`;
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

function isExecutableFile(path: string): boolean {
  try {
    const st = Deno.statSync(path);
    return st.isFile && ((st.mode ?? 0o111) & 0o111) !== 0;
  } catch {
    return false;
  }
}

/**
 * Whether a tool is available, synchronously (usable at test registration time). Besides executables
 * in PATH it knows absolute paths of files packages install (e.g. OVMF firmware) and the pseudo-tool
 * `pycdlib` (a Python that imports pycdlib).
 */
export function hasToolSync(name: string): boolean {
  let present = toolCache.get(name);
  if (present === undefined) {
    present = name === "pycdlib" ? pycdlibPython() !== undefined : name.startsWith("/")
      ? fileExists(name) // a data file a package installs (firmware, MBR templates)
      : findInPath(name) !== undefined;
    toolCache.set(name, present);
  }
  return present;
}

function fileExists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/** Whether a tool is available (cached; `which`-like search of PATH). */
export function hasTool(name: string): Promise<boolean> {
  return Promise.resolve(hasToolSync(name));
}

/** Options of {@link toolTest}. */
export interface ToolTestOptions {
  /** Ignore the test for this reason (not a missing tool, so REQUIRE_TOOLS does not override it). */
  readonly skipReason?: string;
  /** Passed to Deno.test. */
  readonly sanitizeResources?: boolean;
  readonly sanitizeOps?: boolean;
}

/**
 * Registers a test that needs external tools. Missing tools ignore the test (named
 * "… [SKIP: needs X, Y]") unless `REQUIRE_TOOLS=1`, where it runs and fails with
 * "required tool missing: X".
 */
export function toolTest(
  name: string,
  tools: readonly string[],
  fn: (t: Deno.TestContext) => Promise<void>,
  options: ToolTestOptions = {},
): void {
  const missing = tools.filter((tool) => !hasToolSync(tool));
  let testName = name;
  let ignore = false;
  if (options.skipReason !== undefined) {
    testName += ` [SKIP: ${options.skipReason}]`;
    ignore = true;
  } else if (missing.length > 0 && !REQUIRE_TOOLS) {
    testName += ` [SKIP: needs ${missing.join(", ")}]`;
    ignore = true;
  }
  Deno.test({
    name: testName,
    ignore,
    sanitizeResources: options.sanitizeResources,
    sanitizeOps: options.sanitizeOps,
    fn: async (t) => {
      if (missing.length > 0) throw new Error(`required tool missing: ${missing.join(", ")}`);
      await fn(t);
    },
  });
}

/** Result of {@link run}. */
export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly stdoutBytes: Uint8Array;
  readonly stderrBytes: Uint8Array;
}

/** Options of {@link run}. */
export interface RunOptions {
  readonly cwd?: string;
  /** Added to the inherited environment. */
  readonly env?: Record<string, string>;
  /** Bytes or text written to the command's stdin (stdin is /dev/null otherwise). */
  readonly stdin?: Uint8Array | string;
  /** Return non-zero exits instead of throwing. */
  readonly allowFail?: boolean;
  readonly signal?: AbortSignal;
}

const decoder = new TextDecoder();

function tail(text: string, lines = 20): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

/**
 * Runs a command and collects its output. Throws (with the stderr tail) on a non-zero exit unless
 * `allowFail` is set.
 */
export async function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const command = new Deno.Command(cmd, {
    args: [...args],
    cwd: opts.cwd,
    env: opts.env,
    stdin: opts.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    signal: opts.signal,
  });
  const child = command.spawn();
  if (opts.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(typeof opts.stdin === "string" ? new TextEncoder().encode(opts.stdin) : opts.stdin);
    await writer.close();
  }
  const out = await child.output();
  const result: RunResult = {
    code: out.code,
    stdout: decoder.decode(out.stdout),
    stderr: decoder.decode(out.stderr),
    stdoutBytes: out.stdout,
    stderrBytes: out.stderr,
  };
  if (out.code !== 0 && !opts.allowFail) {
    throw new Error(
      `${cmd} ${args.join(" ")} exited with ${out.code}:\n${tail(result.stderr || result.stdout)}`,
    );
  }
  return result;
}

/** A temporary directory removed (recursively) on `await using` disposal. */
export interface TempDir extends AsyncDisposable {
  readonly path: string;
}

/**
 * Creates a temporary directory (under `$TMPDIR` or /tmp) that is removed when disposed:
 * `await using tmp = await tempDir("interop-");`
 */
export async function tempDir(prefix: string): Promise<TempDir> {
  const path = await Deno.makeTempDir({ prefix });
  return {
    path,
    async [Symbol.asyncDispose]() {
      try {
        await Deno.remove(path, { recursive: true });
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) return;
        // A test may have left unreadable directories behind (chmod 000): restore and retry.
        await run("chmod", ["-R", "u+rwx", path], { allowFail: true });
        await Deno.remove(path, { recursive: true });
      }
    },
  };
}

/** Options of the build helpers. */
export interface BuildOptions {
  readonly env?: Record<string, string>;
  readonly cwd?: string;
}

/** Exit code and output of a builder. */
export interface BuildResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs our builder exactly as a user would: `deno run -A cli/build.ts ...args` from the repository root.
 * Never throws on a non-zero exit (tests check `code`).
 */
export async function buildWithDiscwright(
  args: readonly string[],
  opts: BuildOptions = {},
): Promise<BuildResult> {
  const { code, stdout, stderr } = await run(Deno.execPath(), [
    "run",
    "-A",
    `${REPO_ROOT}/cli/build.ts`,
    ...args,
  ], {
    cwd: opts.cwd ?? REPO_ROOT,
    env: opts.env,
    allowFail: true,
  });
  return { code, stdout, stderr };
}

/** Runs the oracle: `xorriso -as mkisofs ...args`. Never throws on a non-zero exit. */
export async function buildWithXorriso(
  args: readonly string[],
  opts: BuildOptions = {},
): Promise<BuildResult> {
  const { code, stdout, stderr } = await run("xorriso", ["-as", "mkisofs", ...args], {
    cwd: opts.cwd,
    env: opts.env,
    allowFail: true,
  });
  return { code, stdout, stderr };
}

/** A builder under test: ours or an oracle, with the tools it needs. */
export interface Builder {
  readonly name: "discwright" | "xorriso";
  readonly tools: readonly string[];
  readonly build: (args: readonly string[], opts?: BuildOptions) => Promise<BuildResult>;
}

/** Both builders; the same checks run on each (the oracle must pass them too). */
export const BUILDERS: readonly Builder[] = [
  { name: "discwright", tools: [], build: buildWithDiscwright },
  { name: "xorriso", tools: ["xorriso"], build: buildWithXorriso },
];

/** Hex SHA-256 of a whole file, streamed. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  using file = await Deno.open(path);
  for await (const chunk of file.readable) hash.update(chunk);
  return hash.digest("hex");
}

/** Hex SHA-256 of bytes. */
export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Reads `byteLength` bytes at `byteOffset` of a file (short at end of file). */
export async function readRange(path: string, byteOffset: number, byteLength: number): Promise<Uint8Array> {
  using file = await Deno.open(path);
  await file.seek(byteOffset, Deno.SeekMode.Start);
  const buffer = new Uint8Array(byteLength);
  let done = 0;
  while (done < byteLength) {
    const n = await file.read(buffer.subarray(done));
    if (n === null) break;
    done += n;
  }
  return buffer.subarray(0, done);
}

/** Free bytes on the filesystem holding `path` (via `df -B1 --output=avail`). */
export async function freeBytes(path: string): Promise<number> {
  const { stdout } = await run("df", ["-B1", "--output=avail", path]);
  return Number(stdout.trim().split("\n").at(-1));
}

/** Synchronous variant of {@link freeBytes} for registration time (NaN when df fails). */
export function freeBytesSync(path: string): number {
  try {
    const out = new Deno.Command("df", { args: ["-B1", "--output=avail", path], stderr: "null" })
      .outputSync();
    return Number(decoder.decode(out.stdout).trim().split("\n").at(-1));
  } catch {
    return NaN;
  }
}

/**
 * Runs `deno run -A cli/disc.ts ARGS`; a non-zero exit is returned, not thrown.
 *
 * @example
 * ```ts
 * const { code, stdout } = await runDisc(["info", "out.iso"]);
 * ```
 */
export async function runDisc(args: readonly string[], env?: Record<string, string>): Promise<RunResult> {
  return await run(Deno.execPath(), ["run", "-A", `${REPO_ROOT}/cli/disc.ts`, ...args], {
    allowFail: true,
    env,
  });
}

/**
 * Byte-for-byte equality without a diff (safe on large arrays, unlike assert.deepEqual).
 *
 * @example
 * ```ts
 * assert.ok(sameBytes(await Deno.readFile("a.iso"), await Deno.readFile("b.iso")));
 * ```
 */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.every((x, i) => x === b[i]);
}
