/**
 * Boot-testing an image under QEMU: start it with SeaBIOS or OVMF from a CD, a disk, a USB stick or
 * a floppy, watch the serial console (COM1) for an expected text, and stop QEMU whatever happens.
 *
 * - Always `-machine accel=tcg`: KVM fails on real-mode boot code on some hosts.
 * - The image is never modified: CDs are attached read-only, disks with `snapshot=on`.
 * - SeaBIOS's screen (its own messages and whatever a boot loader prints through INT 10h) is
 *   mirrored to COM2 (SeaBIOS `etc/sercon-port`) and reported separately as the screen tail, so a
 *   failure says "Boot failed: could not read the boot disk" without polluting COM1. OVMF mirrors
 *   its console to COM1 by itself.
 * - QEMU is stopped with SIGTERM, then SIGKILL after a grace period, on success, timeout, abort,
 *   error and `await using` disposal.
 *
 * The image comes from a {@link BootSource}: a host file today; any QEMU `-drive` backend (an NBD
 * or iSCSI URL served by `emulate/`) through `{ via: "drive" }`.
 * @module
 */

import { UsageError } from "../../image/errors.ts";
import { lastLines, SerialConsole, stripAnsi, type WaitOutcome } from "./console.ts";

export { stripAnsi };

/** Firmware to boot with: SeaBIOS (`-machine pc`) or OVMF (`-machine q35`). */
export type Firmware = "bios" | "uefi";
/** How the image is attached to the guest. */
/**
 * How the image is attached: `cd` (IDE/AHCI CD), `scsi-cd` (a CD on virtio-scsi that QEMU emulates),
 * `scsi-block` (virtio-scsi passing the firmware's SCSI commands through to an iSCSI LU, so the
 * target's own CD/disk model answers them; only with an `iscsi://` drive), `disk`, `usb`, `floppy`.
 */
export type BootMedia = "cd" | "scsi-cd" | "scsi-block" | "disk" | "usb" | "floppy";

/**
 * Where QEMU reads the image from.
 *
 * - `{ via: "file", path }` — a host file, attached as `format=raw` (a bare string means this).
 * - `{ via: "drive", drive }` — the backend part of a QEMU `-drive` option, used verbatim, e.g.
 *   `"file=nbd://127.0.0.1:10809/disc,format=raw"` or
 *   `"file=iscsi://127.0.0.1/iqn.2026-01.dev.discwright:disc/0,format=raw"`. `if`, `id`, `media`,
 *   `readonly` and `snapshot` are added here and must not be in it.
 */
export type BootSource =
  | { readonly via: "file"; readonly path: string }
  | { readonly via: "drive"; readonly drive: string };

/** OVMF code and variable-store template. */
export interface OvmfFiles {
  readonly code: string;
  readonly vars: string;
}

/** What {@link QemuBoot.start} needs. */
export interface QemuBootOptions {
  /** The image: a host path, or a {@link BootSource}. */
  readonly image: string | BootSource;
  readonly firmware: Firmware;
  readonly media: BootMedia;
  /** Memory of the guest in MiB (default 512). */
  readonly memoryMiB?: number;
  /** QEMU binary (default qemu-system-x86_64). */
  readonly qemu?: string;
  /** OVMF code and variable-store templates (default: found in /usr/share/OVMF or /usr/share/ovmf). */
  readonly ovmf?: OvmfFiles;
  /** BIOS: mirror SeaBIOS's screen to COM2 and report it as the screen tail (default true). */
  readonly captureScreen?: boolean;
  /** Seconds between SIGTERM and SIGKILL when stopping QEMU (default 2). */
  readonly killGraceSeconds?: number;
}

/** What {@link bootTest} needs. */
export interface BootTestOptions extends QemuBootOptions {
  /** Text to wait for on COM1 (escape sequences and carriage returns are removed first). */
  readonly expect: string;
  /** Give up after this many seconds (default 60). */
  readonly timeoutSeconds?: number;
  /** Stops the test early: QEMU is stopped and the promise rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

/** How a boot test ended: the text was seen, time ran out, or QEMU exited before either. */
export type BootOutcome = "seen" | "timeout" | "exited";

/** What happened. */
export interface BootTestResult {
  /** The expected text appeared. */
  readonly ok: boolean;
  readonly outcome: BootOutcome;
  /** Seconds from start until the text appeared (or until giving up). */
  readonly seconds: number;
  /** The last 40 lines of COM1. */
  readonly consoleTail: string;
  /** BIOS with screen capture: the last 40 lines SeaBIOS showed on the screen. */
  readonly screenTail?: string;
  /** QEMU's own messages on stderr (last 40 lines), empty when there were none. */
  readonly qemuStderr: string;
  /** QEMU's exit code when it exited by itself (guest power-off, reset with -no-reboot, bad option). */
  readonly exitCode?: number;
  /** Process id QEMU had; the process is gone when the result is returned. */
  readonly pid: number;
  /** The QEMU command line used. */
  readonly command: readonly string[];
}

/** Files a QEMU command line refers to (made by {@link QemuBoot.start} in a temporary directory). */
export interface QemuBootFiles {
  /** UEFI: OVMF code, attached read-only. */
  readonly code?: string;
  /** UEFI: a writable copy of the OVMF variable store. */
  readonly varsCopy?: string;
  /** BIOS: where COM2 (SeaBIOS's mirrored screen) is written. Needs `serconPortFile`. */
  readonly screenLog?: string;
  /** BIOS: a file holding the I/O port of COM2 (0x2F8, 2 bytes little-endian) for `etc/sercon-port`. */
  readonly serconPortFile?: string;
}

/** Where Debian's ovmf package puts its files, newest layout first. */
const OVMF_CANDIDATES: readonly OvmfFiles[] = [
  { code: "/usr/share/OVMF/OVMF_CODE_4M.fd", vars: "/usr/share/OVMF/OVMF_VARS_4M.fd" },
  { code: "/usr/share/OVMF/OVMF_CODE.fd", vars: "/usr/share/OVMF/OVMF_VARS.fd" },
  { code: "/usr/share/ovmf/OVMF.fd", vars: "/usr/share/ovmf/OVMF_VARS.fd" },
];

const FIRMWARES: readonly Firmware[] = ["bios", "uefi"];
const MEDIA: readonly BootMedia[] = ["cd", "scsi-cd", "scsi-block", "disk", "usb", "floppy"];
/** I/O port of COM2, where SeaBIOS mirrors its screen. */
const COM2_PORT = 0x2f8;
/** QEMU warns about our `etc/sercon-port` item (it wants "opt/" names); not worth reporting. */
const SERCON_WARNING = /fw_cfg name=etc\/sercon-port.*warning: externally provided fw_cfg item names/;
/** What QEMU says when we stop it. */
const TERMINATING = /^qemu-system-[^:]*: terminating on signal \d+ from pid \d+/;

/** QEMU escapes a comma inside an option value by doubling it. */
function qemuValue(text: string): string {
  return text.replaceAll(",", ",,");
}

/** The source as a {@link BootSource}. */
function sourceOf(image: string | BootSource): BootSource {
  return typeof image === "string" ? { via: "file", path: image } : image;
}

/**
 * The QEMU arguments for a boot (pure). COM1 goes to standard output; `files` names the firmware
 * and capture files (see {@link QemuBootFiles}).
 *
 * @example
 * ```ts
 * qemuBootArgs({ image: "out.iso", firmware: "bios", media: "cd" });
 * // ["-machine", "pc,accel=tcg", "-m", "512", "-drive", "file=out.iso,format=raw,media=cdrom,if=none,id=boot0,readonly=on", ...]
 * ```
 */
export function qemuBootArgs(
  options: QemuBootOptions | BootTestOptions,
  files: QemuBootFiles = {},
): string[] {
  const { firmware, media } = options;
  if (!FIRMWARES.includes(firmware)) {
    throw new TypeError(`Cannot boot-test: unknown firmware "${firmware}" (bios or uefi)`);
  }
  if (!MEDIA.includes(media)) {
    throw new TypeError(`Cannot boot-test: unknown media "${media}" (${MEDIA.join(", ")})`);
  }
  if (firmware === "uefi" && media === "floppy") {
    throw new UsageError("Cannot boot-test: OVMF does not boot from floppies (use --firmware bios)");
  }
  const memoryMiB = options.memoryMiB ?? 512;
  if (!Number.isInteger(memoryMiB) || memoryMiB < 16) {
    throw new RangeError(`Cannot boot-test: memoryMiB "${memoryMiB}" is not an integer of at least 16`);
  }
  const source = sourceOf(options.image);
  let backend: string;
  if (source.via === "file") backend = `file=${qemuValue(source.path)},format=raw`;
  else if (source.via === "drive") {
    if (/(^|,)(if|id|media|readonly|snapshot)=/.test(source.drive)) {
      throw new TypeError(
        `Cannot boot-test: drive "${source.drive}" must not set if, id, media, readonly or snapshot`,
      );
    }
    backend = source.drive;
  } else throw new TypeError(`Cannot boot-test: unknown source "${(source as { via: string }).via}"`);

  const args = [
    "-machine",
    firmware === "uefi" ? "q35,accel=tcg" : "pc,accel=tcg",
    "-m",
    String(memoryMiB),
  ];
  if (firmware === "uefi") {
    if (!files.code || !files.varsCopy) throw new TypeError("Cannot boot with OVMF: no firmware files given");
    args.push("-drive", `if=pflash,format=raw,readonly=on,file=${qemuValue(files.code)}`);
    args.push("-drive", `if=pflash,format=raw,file=${qemuValue(files.varsCopy)}`);
  }
  if (media === "scsi-block" && !/^file=iscsi:\/\//.test(backend)) {
    throw new UsageError(
      "Cannot boot-test: --media scsi-block passes SCSI commands through, so it needs an iSCSI drive (--via iscsi)",
    );
  }
  switch (media) {
    case "scsi-cd": // virtio-scsi, which SeaBIOS and OVMF both boot from
      args.push("-device", "virtio-scsi-pci,id=scsi0");
      args.push("-drive", `${backend},media=cdrom,if=none,id=boot0,readonly=on`);
      args.push("-device", "scsi-cd,bus=scsi0.0,drive=boot0,bootindex=0");
      break;
    case "scsi-block":
      args.push("-device", "virtio-scsi-pci,id=scsi0");
      args.push("-drive", `${backend},if=none,id=boot0`);
      args.push("-device", "scsi-block,bus=scsi0.0,drive=boot0,bootindex=0");
      break;
    case "cd": // BIOS: PIIX IDE; UEFI: q35's built-in AHCI (ide-cd sits on it), which OVMF drives
      args.push("-drive", `${backend},media=cdrom,if=none,id=boot0,readonly=on`);
      args.push("-device", "ide-cd,drive=boot0,bootindex=0");
      break;
    case "disk":
      args.push("-drive", `${backend},if=none,id=boot0,snapshot=on`);
      args.push("-device", "ide-hd,drive=boot0,bootindex=0");
      break;
    case "usb":
      args.push("-device", "qemu-xhci,id=xhci");
      args.push("-drive", `${backend},if=none,id=boot0,snapshot=on`);
      args.push("-device", "usb-storage,bus=xhci.0,drive=boot0,bootindex=0");
      break;
    case "floppy": // the built-in ISA floppy controller of -machine pc; SeaBIOS only
      args.push("-drive", `${backend},if=floppy,index=0,snapshot=on`, "-boot", "order=a");
      break;
  }
  args.push("-display", "none", "-vga", "std", "-monitor", "none", "-serial", "stdio");
  if (firmware === "bios" && files.screenLog && files.serconPortFile) {
    args.push("-serial", `file:${files.screenLog}`); // COM2
    args.push("-fw_cfg", `name=etc/sercon-port,file=${qemuValue(files.serconPortFile)}`);
  }
  args.push("-no-reboot", "-nodefaults");
  return args;
}

/** Resolves after `ms` milliseconds, or when `cancel` is called (no timer left behind). */
function delay(ms: number): { promise: Promise<void>; cancel: () => void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let done!: () => void;
  const promise = new Promise<void>((resolve) => {
    done = resolve;
    timer = setTimeout(resolve, ms);
  });
  return {
    promise,
    cancel: () => {
      clearTimeout(timer);
      done();
    },
  };
}

function fileExists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/** At most this much of a capture file or of stderr is kept. */
const KEEP_BYTES = 256 * 1024;

/**
 * A running QEMU guest whose COM1 is watched. Stop it with {@link QemuBoot.stop} or `await using`;
 * either always leaves no process behind.
 *
 * @example
 * ```ts
 * await using boot = await QemuBoot.start({ image: "out.iso", firmware: "bios", media: "cd" });
 * if (await boot.waitFor("login:", { timeoutSeconds: 120 }) === "seen") console.log("up");
 * ```
 */
export class QemuBoot implements AsyncDisposable {
  /** Process id of QEMU. */
  readonly pid: number;
  /** The command line QEMU was started with. */
  readonly command: readonly string[];
  /** COM1 as text. */
  readonly console: SerialConsole;
  /** Resolves when QEMU has exited (by itself or stopped). */
  readonly status: Promise<Deno.CommandStatus>;
  readonly #child: Deno.ChildProcess;
  readonly #tempDir: string;
  readonly #screenLog?: string;
  readonly #killGraceMs: number;
  readonly #pumps: Promise<void>;
  readonly #readers: ReadableStreamDefaultReader<Uint8Array>[];
  #stderr = "";
  #exitCode?: number;
  #stopping?: Promise<void>;
  #stoppedByUs = false;
  #exited = false;
  #screenText?: string;

  private constructor(
    child: Deno.ChildProcess,
    command: string[],
    tempDir: string,
    screenLog: string | undefined,
    killGraceMs: number,
  ) {
    this.#child = child;
    this.pid = child.pid;
    this.command = command;
    this.#tempDir = tempDir;
    this.#screenLog = screenLog;
    this.#killGraceMs = killGraceMs;
    this.console = new SerialConsole();
    const stdout = child.stdout.getReader();
    const stderr = child.stderr.getReader();
    this.#readers = [stdout, stderr];
    const decoder = new TextDecoder();
    this.#pumps = Promise.all([
      pump(stdout, (chunk) => this.console.push(chunk)).finally(() => this.console.close()),
      pump(stderr, (chunk) => {
        this.#stderr = (this.#stderr + decoder.decode(chunk, { stream: true })).slice(-KEEP_BYTES);
      }),
    ]).then(() => {});
    this.status = child.status.then((status) => {
      this.#exited = true;
      if (!this.#stoppedByUs) this.#exitCode = status.code;
      return status;
    });
  }

  /**
   * Starts QEMU. Throws a `UsageError` for an impossible combination or a missing image file, and
   * an `Error` when QEMU or OVMF is not installed.
   */
  static async start(options: QemuBootOptions): Promise<QemuBoot> {
    const qemu = options.qemu ?? "qemu-system-x86_64";
    const source = sourceOf(options.image);
    qemuBootArgs(options, { code: "-", varsCopy: "-" }); // validate before touching the disk
    if (source.via === "file") {
      try {
        await Deno.stat(source.path);
      } catch {
        throw new UsageError(`Cannot boot-test: no image "${source.path}"`);
      }
    }
    const tempDir = await Deno.makeTempDir({ prefix: "discwright-boot-" });
    try {
      let files: QemuBootFiles = {};
      if (options.firmware === "uefi") {
        const ovmf = options.ovmf ?? OVMF_CANDIDATES.find((c) => fileExists(c.code) && fileExists(c.vars));
        if (!ovmf) throw new Error("Cannot boot with OVMF: no firmware found (Debian: apt-get install ovmf)");
        files = { code: ovmf.code, varsCopy: `${tempDir}/OVMF_VARS.fd` };
        await Deno.copyFile(ovmf.vars, files.varsCopy!);
      } else if (options.captureScreen ?? true) {
        files = { screenLog: `${tempDir}/screen.log`, serconPortFile: `${tempDir}/sercon-port` };
        await Deno.writeFile(files.serconPortFile!, new Uint8Array([COM2_PORT & 0xff, COM2_PORT >> 8]));
      }
      const args = qemuBootArgs(options, files);
      let child: Deno.ChildProcess;
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
      const graceSeconds = options.killGraceSeconds ?? 2;
      return new QemuBoot(child, [qemu, ...args], tempDir, files.screenLog, graceSeconds * 1000);
    } catch (error) {
      await Deno.remove(tempDir, { recursive: true }).catch(() => {});
      throw error;
    }
  }

  /**
   * Waits until `text` has appeared on COM1 ("seen", also when it appeared before the call),
   * `timeoutSeconds` passed ("timeout"), QEMU exited ("closed") or `signal` aborted ("aborted").
   */
  waitFor(
    text: string,
    options: { readonly timeoutSeconds?: number; readonly signal?: AbortSignal } = {},
  ): Promise<WaitOutcome> {
    return this.console.waitFor(text, (options.timeoutSeconds ?? 60) * 1000, options.signal);
  }

  /** QEMU's exit code when it exited by itself; undefined while running or when we stopped it. */
  get exitCode(): number | undefined {
    return this.#exitCode;
  }

  /** QEMU's messages on stderr so far (minus a harmless warning and the notice of our own SIGTERM). */
  get stderr(): string {
    return this.#stderr.split("\n")
      .filter((line) => !SERCON_WARNING.test(line) && !(this.#stoppedByUs && TERMINATING.test(line)))
      .join("\n").trim();
  }

  /** BIOS with screen capture: what SeaBIOS showed on the screen (read from COM2's file). */
  async screenText(): Promise<string | undefined> {
    if (this.#screenText !== undefined || !this.#screenLog) return this.#screenText;
    return await readTail(this.#screenLog);
  }

  /**
   * Stops QEMU: SIGTERM, then SIGKILL after the grace period; waits for the process to be gone and
   * removes the temporary files. Idempotent.
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    if (!this.#exited && this.console.closed) {
      // COM1 reached end of file: QEMU is exiting by itself; let it, so that its exit code counts.
      const exiting = delay(this.#killGraceMs);
      await Promise.race([this.status, exiting.promise]);
      exiting.cancel();
    }
    if (!this.#exited) {
      this.#stoppedByUs = true;
      signal(this.#child, "SIGTERM");
      const grace = delay(this.#killGraceMs);
      const gone = await Promise.race([this.status.then(() => true), grace.promise.then(() => false)]);
      grace.cancel();
      if (!gone) signal(this.#child, "SIGKILL");
    }
    await this.status;
    // Output still in the pipes is read; a grandchild holding them open must not hang us.
    const drain = delay(1000);
    await Promise.race([this.#pumps, drain.promise]);
    drain.cancel();
    for (const reader of this.#readers) await reader.cancel().catch(() => {});
    await this.#pumps;
    if (this.#screenLog) this.#screenText = await readTail(this.#screenLog);
    await Deno.remove(this.#tempDir, { recursive: true }).catch(() => {});
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

/** Sends a signal unless the process is already gone. */
function signal(child: Deno.ChildProcess, name: Deno.Signal): void {
  try {
    child.kill(name);
  } catch {
    // already exited
  }
}

/** Reads a stream to its end (or until cancelled), handing each chunk to `take`. */
async function pump(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  take: (chunk: Uint8Array) => void,
): Promise<void> {
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      take(value);
    }
  } catch {
    // cancelled or the pipe broke: the process is gone
  }
}

/** The last {@link KEEP_BYTES} of a capture file as text without escapes, or "" when absent. */
async function readTail(path: string): Promise<string> {
  try {
    const bytes = await Deno.readFile(path);
    return stripAnsi(new TextDecoder().decode(bytes.subarray(Math.max(0, bytes.byteLength - KEEP_BYTES))));
  } catch {
    return "";
  }
}

/**
 * Boots the image and waits for `options.expect` on COM1. QEMU is always stopped before this
 * returns or throws (success, timeout, QEMU exiting, abort, error).
 *
 * @example
 * ```ts
 * const result = await bootTest({ image: "out.iso", firmware: "bios", media: "cd", expect: "DISCWRIGHT-BIOS-OK" });
 * if (!result.ok) console.error(result.consoleTail);
 * ```
 */
export async function bootTest(options: BootTestOptions): Promise<BootTestResult> {
  if (options.expect.length === 0) throw new UsageError("Cannot boot-test: the expected text is empty");
  const timeoutSeconds = options.timeoutSeconds ?? 60;
  if (!(timeoutSeconds > 0)) {
    throw new RangeError(`Cannot boot-test: timeoutSeconds "${timeoutSeconds}" is not positive`);
  }
  options.signal?.throwIfAborted();
  const started = performance.now();
  await using boot = await QemuBoot.start(options);
  const elapsed = (performance.now() - started) / 1000;
  const waited = await boot.waitFor(options.expect, {
    timeoutSeconds: Math.max(0, timeoutSeconds - elapsed),
    signal: options.signal,
  });
  const seconds = (performance.now() - started) / 1000;
  await boot.stop();
  if (waited === "aborted") throw options.signal!.reason;
  const screen = await boot.screenText();
  return {
    ok: waited === "seen",
    outcome: waited === "closed" ? "exited" : waited,
    seconds,
    consoleTail: boot.console.tail(40),
    screenTail: screen === undefined ? undefined : lastLines(screen, 40),
    qemuStderr: lastLines(boot.stderr, 40),
    exitCode: boot.exitCode,
    pid: boot.pid,
    command: boot.command,
  };
}

/**
 * The failure report of a boot test as plain text: what was not seen, COM1's tail, the screen
 * tail (BIOS) and QEMU's own messages.
 *
 * @example
 * ```ts
 * const result = await bootTest({ image: "out.iso", firmware: "bios", media: "cd", expect: "DISCWRIGHT-BIOS-OK" });
 * if (!result.ok) console.error(formatBootFailure("DISCWRIGHT-BIOS-OK", result));
 * ```
 */
export function formatBootFailure(expect: string, result: BootTestResult): string {
  const why = result.outcome === "exited"
    ? `QEMU exited (code ${result.exitCode}) after ${result.seconds.toFixed(1)} s`
    : `not seen within ${result.seconds.toFixed(1)} s`;
  const parts = [`"${expect}" ${result.outcome === "exited" ? "not seen: " : ""}${why}`];
  parts.push(`--- serial console (COM1), last lines ---\n${result.consoleTail || "(nothing)"}`);
  if (result.screenTail !== undefined) {
    parts.push(`--- screen (SeaBIOS, via COM2), last lines ---\n${result.screenTail || "(nothing)"}`);
  }
  if (result.qemuStderr) parts.push(`--- QEMU stderr ---\n${result.qemuStderr}`);
  return parts.join("\n");
}

/** XML 1.0 text and attribute escaping; characters XML cannot carry are dropped. */
function xmlEscape(text: string, attribute = false): string {
  const escaped = text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    // deno-lint-ignore no-control-regex
    .replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]/g, "");
  return attribute ? escaped.replace(/\n/g, "&#10;").replace(/\t/g, "&#9;") : escaped;
}

/**
 * A JUnit XML report with one test case for a boot test (for CI dashboards). A failure's message
 * is the console tail; its body the whole failure report ({@link formatBootFailure}).
 *
 * @example
 * ```ts
 * const result = await bootTest({ image: "out.iso", firmware: "uefi", media: "cd", expect: "DISCWRIGHT-UEFI-OK" });
 * await Deno.writeTextFile("boot.xml", bootTestJunit("out.iso uefi cd", result, "DISCWRIGHT-UEFI-OK"));
 * ```
 */
export function bootTestJunit(name: string, result: BootTestResult, expect?: string): string {
  const failures = result.ok ? 0 : 1;
  const time = result.seconds.toFixed(3);
  // The message is the console tail; SeaBIOS's screen stands in when COM1 stayed silent.
  const tail = result.consoleTail || result.screenTail === undefined
    ? `console tail:\n${result.consoleTail}`
    : `COM1 stayed silent; screen tail:\n${result.screenTail}`;
  const message = xmlEscape(
    `expected text not seen on the serial console (${result.outcome}); ${tail}`,
    true,
  );
  const body = xmlEscape(formatBootFailure(expect ?? "expected text", result));
  const failure = result.ok
    ? ""
    : `\n      <failure message="${message}" type="${result.outcome}">${body}</failure>\n    `;
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites tests="1" failures="${failures}">`,
    `  <testsuite name="disc boot-test" tests="1" failures="${failures}" time="${time}">`,
    `    <testcase name="${
      xmlEscape(name, true)
    }" classname="boot-test" time="${time}">${failure}</testcase>`,
    `  </testsuite>`,
    `</testsuites>`,
    ``,
  ].join("\n");
}
