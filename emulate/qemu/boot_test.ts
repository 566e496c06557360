/**
 * Boot-testing an image under QEMU: start it with SeaBIOS or OVMF from a CD, a disk, a USB stick or
 * a floppy, watch the serial console (COM1) for an expected text, and stop QEMU whatever happens.
 * Always `-machine accel=tcg`: KVM fails on real-mode boot code on some hosts. The image is never
 * modified (disks are attached with `snapshot=on`, CDs read-only).
 * @module
 */

import { UsageError } from "../../image/errors.ts";

/** Firmware to boot with. */
export type Firmware = "bios" | "uefi";
/** How the image is attached. */
export type BootMedia = "cd" | "disk" | "usb" | "floppy";

/** What {@link bootTest} needs. */
export interface BootTestOptions {
  /** Host path of the image. */
  readonly image: string;
  readonly firmware: Firmware;
  readonly media: BootMedia;
  /** Text to wait for on COM1 (ANSI escapes are removed from the console first). */
  readonly expect: string;
  /** Give up after this many seconds (default 60). */
  readonly timeoutSeconds?: number;
  /** Memory of the guest in MiB (default 512). */
  readonly memoryMiB?: number;
  /** Stops the test early (QEMU is killed). */
  readonly signal?: AbortSignal;
  /** QEMU binary (default qemu-system-x86_64). */
  readonly qemu?: string;
  /** OVMF code and variable-store templates (default: found in /usr/share/OVMF or /usr/share/ovmf). */
  readonly ovmf?: { readonly code: string; readonly vars: string };
}

/** What happened. */
export interface BootTestResult {
  /** The expected text appeared. */
  readonly ok: boolean;
  /** Seconds from start until the text appeared (or until giving up). */
  readonly seconds: number;
  /** The last lines of the console. */
  readonly consoleTail: string;
  /** The QEMU command line used. */
  readonly command: readonly string[];
}

/** Where Debian's ovmf package puts its files, newest layout first. */
const OVMF_CANDIDATES = [
  { code: "/usr/share/OVMF/OVMF_CODE_4M.fd", vars: "/usr/share/OVMF/OVMF_VARS_4M.fd" },
  { code: "/usr/share/OVMF/OVMF_CODE.fd", vars: "/usr/share/OVMF/OVMF_VARS.fd" },
];

/**
 * The QEMU arguments for a boot test (pure). `varsCopy` is a writable copy of the OVMF variable
 * store (UEFI only); the console goes to standard output.
 *
 * @example
 * ```ts
 * qemuBootArgs({ image: "out.iso", firmware: "bios", media: "cd", expect: "OK" });
 * // ["-machine", "pc,accel=tcg", "-m", "512", "-drive", "file=out.iso,format=raw,media=cdrom,...", ...]
 * ```
 */
export function qemuBootArgs(options: BootTestOptions, ovmf?: { code: string; varsCopy: string }): string[] {
  const { firmware, media } = options;
  if (firmware === "uefi" && media === "floppy") {
    throw new UsageError("Cannot boot-test: OVMF does not boot from floppies (use --firmware bios)");
  }
  const file = options.image.replaceAll(",", ",,"); // QEMU escapes commas in option values by doubling
  const args = [
    "-machine",
    firmware === "uefi" ? "q35,accel=tcg" : "pc,accel=tcg",
    "-m",
    String(options.memoryMiB ?? 512),
  ];
  switch (media) {
    case "cd":
      args.push("-drive", `file=${file},format=raw,media=cdrom,if=none,id=boot0,readonly=on`);
      args.push("-device", "ide-cd,drive=boot0,bootindex=0");
      break;
    case "disk":
      args.push("-drive", `file=${file},format=raw,if=none,id=boot0,snapshot=on`);
      args.push("-device", "ide-hd,drive=boot0,bootindex=0");
      break;
    case "usb":
      args.push("-device", "qemu-xhci,id=xhci");
      args.push("-drive", `file=${file},format=raw,if=none,id=boot0,snapshot=on`);
      args.push("-device", "usb-storage,bus=xhci.0,drive=boot0,bootindex=0");
      break;
    case "floppy":
      args.push("-drive", `file=${file},format=raw,if=floppy,index=0,snapshot=on`, "-boot", "order=a");
      break;
  }
  if (firmware === "uefi") {
    if (!ovmf) throw new TypeError("Cannot boot with OVMF: no firmware files given");
    args.push("-drive", `if=pflash,format=raw,readonly=on,file=${ovmf.code}`);
    args.push("-drive", `if=pflash,format=raw,file=${ovmf.varsCopy}`);
  }
  args.push(
    "-display",
    "none",
    "-serial",
    "stdio",
    "-monitor",
    "none",
    "-no-reboot",
    "-nodefaults",
    "-vga",
    "std",
  );
  return args;
}

/**
 * Boots `options.image` and waits for `options.expect` on COM1. QEMU is always killed before this
 * returns (on success, timeout, abort or error).
 *
 * @example
 * ```ts
 * const result = await bootTest({ image: "out.iso", firmware: "bios", media: "cd", expect: "DISCWRIGHT-BOOT-OK" });
 * if (!result.ok) console.error(result.consoleTail);
 * ```
 */
export async function bootTest(options: BootTestOptions): Promise<BootTestResult> {
  const qemu = options.qemu ?? "qemu-system-x86_64";
  const started = performance.now();
  const temp = await Deno.makeTempDir({ prefix: "discwright-boot-" });
  let child: Deno.ChildProcess | undefined;
  let consoleText = "";
  const args: string[] = [];
  try {
    let ovmf: { code: string; varsCopy: string } | undefined;
    if (options.firmware === "uefi") {
      const files = options.ovmf ?? OVMF_CANDIDATES.find((c) => exists(c.code) && exists(c.vars));
      if (!files) throw new Error("Cannot boot with OVMF: no firmware found (Debian: apt-get install ovmf)");
      ovmf = { code: files.code, varsCopy: `${temp}/OVMF_VARS.fd` };
      await Deno.copyFile(files.vars, ovmf.varsCopy);
    }
    await Deno.stat(options.image).catch(() => {
      throw new UsageError(`Cannot boot-test: no image "${options.image}"`);
    });
    args.push(...qemuBootArgs(options, ovmf));
    try {
      child = new Deno.Command(qemu, { args, stdin: "null", stdout: "piped", stderr: "piped" }).spawn();
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        throw new Error(
          `Cannot boot-test: "${qemu}" is not installed (Debian: apt-get install qemu-system-x86)`,
        );
      }
      throw error;
    }
    const seen = await watch(child, options, (text) => consoleText = text);
    return {
      ok: seen,
      seconds: (performance.now() - started) / 1000,
      consoleTail: tail(consoleText),
      command: [qemu, ...args],
    };
  } finally {
    if (child) {
      try {
        child.kill("SIGKILL");
      } catch { /* already exited */ }
      await child.status;
    }
    await Deno.remove(temp, { recursive: true }).catch(() => {});
  }
}

/** Reads the console until the text appears, QEMU exits, the deadline passes or the signal aborts. */
async function watch(
  child: Deno.ChildProcess,
  options: BootTestOptions,
  update: (text: string) => void,
): Promise<boolean> {
  const deadline = (options.timeoutSeconds ?? 60) * 1000;
  const decoder = new TextDecoder();
  const reader = child.stdout.getReader();
  child.stderr.cancel().catch(() => {});
  let text = "";
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stop = new Promise<"stop">((resolve) => {
    timer = setTimeout(() => resolve("stop"), deadline);
    options.signal?.addEventListener("abort", () => resolve("stop"), { once: true });
  });
  try {
    for (;;) {
      const next = await Promise.race([reader.read(), stop]);
      if (next === "stop" || next.done) return false;
      text = stripAnsi(text + decoder.decode(next.value, { stream: true }));
      if (text.length > 1_000_000) text = text.slice(-100_000); // a chatty guest must not fill memory
      update(text);
      if (text.includes(options.expect)) return true;
    }
  } finally {
    clearTimeout(timer);
    reader.releaseLock();
  }
}

/** Removes ANSI/VT100 escape sequences (SeaBIOS and OVMF print them) and carriage returns. */
export function stripAnsi(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Za-z0-9]|\x1b[=>78c]/g, "").replace(/\r/g, "");
}

/** The last `lines` lines of the console. */
function tail(text: string, lines = 40): string {
  return text.split("\n").slice(-lines).join("\n");
}

/**
 * A JUnit XML report with one test case for a boot test (for CI dashboards).
 *
 * @example
 * ```ts
 * await Deno.writeTextFile("boot.xml", bootTestJunit("out.iso bios cd", result));
 * ```
 */
export function bootTestJunit(name: string, result: BootTestResult): string {
  const escape = (s: string) =>
    s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")
      // deno-lint-ignore no-control-regex
      .replace(/[\x00-\x08\x0b\x0c\x0e-\x1f]/g, "");
  const failure = result.ok
    ? ""
    : `<failure message="expected text not seen on the serial console">${
      escape(result.consoleTail)
    }</failure>`;
  return `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<testsuites tests="1" failures="${result.ok ? 0 : 1}">\n` +
    `  <testsuite name="disc boot-test" tests="1" failures="${result.ok ? 0 : 1}" time="${
      result.seconds.toFixed(3)
    }">\n` +
    `    <testcase name="${escape(name)}" classname="boot-test" time="${
      result.seconds.toFixed(3)
    }">${failure}</testcase>\n` +
    `  </testsuite>\n</testsuites>\n`;
}

function exists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}
