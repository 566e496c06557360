/**
 * A Linux guest that looks at an optical drive from the inside: Debian's kernel (direct `-kernel`
 * boot, console on ttyS0) with a busybox initramfs that loads the CD modules, runs
 * `tests/guest/cdprobe.c` on the drive and prints machine-readable `CDPROBE …` lines, optionally
 * mounts the data track and hashes a file, then powers off. Tests use it to check what a guest sees
 * of a disc (QEMU's own emulated CD, or a CD served by our iSCSI target).
 *
 * The kernel and its modules come from Debian's linux-image package; .ci/run puts them in
 * /var/cache/discwright (`vmlinuz`, `modules/*.ko`, `modules/load-order`).
 * @module
 */

import { createHash } from "node:crypto";
import { REPO_ROOT, run } from "./_tools.ts";

/** Debian's kernel (.ci/run). */
export const CD_GUEST_KERNEL = "/var/cache/discwright/vmlinuz";
/** Its modules for virtio-scsi/IDE CDs, sg and isofs, decompressed (.ci/run). */
export const CD_GUEST_MODULES = "/var/cache/discwright/modules";
/** A static busybox (Debian: busybox-static). */
export const CD_GUEST_BUSYBOX = "/bin/busybox";
/** The probe's source. */
export const CDPROBE_SOURCE = `${REPO_ROOT}/tests/guest/cdprobe.c`;

/** Tools and files {@link buildCdGuest} and {@link runCdGuest} need, for `toolTest`. */
export const CD_GUEST_TOOLS: readonly string[] = [
  CD_GUEST_KERNEL,
  `${CD_GUEST_MODULES}/load-order`,
  CD_GUEST_BUSYBOX,
  "gcc",
  "qemu-system-x86_64",
];

/** Options of {@link buildCdGuest}. */
export interface CdGuestOptions {
  /**
   * Arguments of cdprobe after the device: `audio:TRACK:FRAMES` and/or `wait-change`
   * (see tests/guest/cdprobe.c). `[]` prints the TOC only.
   */
  readonly probeArgs: readonly string[];
  /** The device to probe and mount (default /dev/sr0). */
  readonly device?: string;
  /**
   * A path on the disc's ISO 9660 file system (e.g. "/hello.txt"): after the probe, the data track is
   * mounted (`mount -t iso9660 -o ro`) and `CDPROBE FILE sha256=HEX path=PATH` printed.
   */
  readonly mountFile?: string;
}

/** What to boot: pass to {@link cdGuestQemuArgs}. */
export interface CdGuest {
  /** The kernel image. */
  readonly kernel: string;
  /** The initramfs (newc cpio) built into the directory given to {@link buildCdGuest}. */
  readonly initrd: string;
  /** The kernel command line (console on ttyS0). */
  readonly append: string;
}

/**
 * Compiles cdprobe (cached under `dir` by source hash) and builds an initramfs in `dir` (named by the
 * hash of its /init, so several guests can share `dir`) whose /init mounts proc/sys/devtmpfs, insmods
 * the modules of `${CD_GUEST_MODULES}/load-order`, waits for the device, runs
 * `cdprobe DEVICE ...probeArgs`, prints `CDPROBE EXIT <code>`, optionally mounts the disc and prints
 * `CDPROBE FILE …` (or `CDPROBE ERROR mount`), prints `CDPROBE END` and powers off.
 */
export async function buildCdGuest(dir: string, options: CdGuestOptions): Promise<CdGuest> {
  const device = options.device ?? "/dev/sr0";
  for (const arg of [device, ...options.probeArgs, options.mountFile ?? ""]) {
    if (!/^[A-Za-z0-9_./:+-]*$/.test(arg)) {
      throw new Error(`unsupported character in guest argument "${arg}"`);
    }
  }
  await Deno.mkdir(dir, { recursive: true });
  const probe = await compileCdProbe(dir);

  const root = await Deno.makeTempDir({ dir, prefix: "initrd-" });
  try {
    await Deno.mkdir(`${root}/bin`, { recursive: true });
    await Deno.mkdir(`${root}/lib/cdmodules`, { recursive: true });
    for (const d of ["dev", "proc", "sys", "mnt", "tmp"]) await Deno.mkdir(`${root}/${d}`);
    await Deno.copyFile(CD_GUEST_BUSYBOX, `${root}/bin/busybox`);
    await Deno.chmod(`${root}/bin/busybox`, 0o755);
    await Deno.copyFile(probe, `${root}/bin/cdprobe`);
    await Deno.chmod(`${root}/bin/cdprobe`, 0o755);
    const order = (await Deno.readTextFile(`${CD_GUEST_MODULES}/load-order`)).split("\n")
      .map((line) => line.trim()).filter((line) => line !== "");
    for (const mod of order) {
      await Deno.copyFile(`${CD_GUEST_MODULES}/${mod}`, `${root}/lib/cdmodules/${mod}`);
    }

    const probeCommand = ["/bin/cdprobe", device, ...options.probeArgs].join(" ");
    const mount = options.mountFile === undefined ? "" : [
      `if mount -t iso9660 -o ro ${device} /mnt; then`,
      `  if sum=$(sha256sum "/mnt${options.mountFile}"); then`,
      `    echo "CDPROBE FILE sha256=\${sum%% *} path=${options.mountFile}"`,
      `  else echo "CDPROBE ERROR file path=${options.mountFile}"; fi`,
      `  umount /mnt`,
      `else echo "CDPROBE ERROR mount"; fi`,
    ].join("\n");
    const init = `#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# keep kernel messages off the console so they cannot split CDPROBE lines
echo 1 > /proc/sys/kernel/printk
exec 0</dev/console 1>/dev/console 2>&1
echo "CDPROBE BOOT"
for m in ${order.join(" ")}; do
  insmod /lib/cdmodules/$m || echo "CDPROBE WARN insmod $m"
done
i=0
while [ ! -e ${device} ] && [ $i -lt 150 ]; do sleep 0.2; i=$((i + 1)); done
${probeCommand}
echo "CDPROBE EXIT $?"
${mount}
echo "CDPROBE END"
sync
poweroff -f
`;
    await Deno.writeTextFile(`${root}/init`, init);
    await Deno.chmod(`${root}/init`, 0o755);
    // named by its /init, so guests of different options can share `dir`
    const initrd = `${dir}/cdguest-${createHash("sha256").update(init).digest("hex").slice(0, 12)}.img`;
    await run("sh", ["-c", `cd "${root}" && find . | "${CD_GUEST_BUSYBOX}" cpio -o -H newc > "${initrd}"`]);
    return { kernel: CD_GUEST_KERNEL, initrd, append: "console=ttyS0 quiet panic=-1" };
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

/** Compiles tests/guest/cdprobe.c statically into `dir` (reused while the source is unchanged). */
export async function compileCdProbe(dir: string): Promise<string> {
  const source = await Deno.readFile(CDPROBE_SOURCE);
  const tag = createHash("sha256").update(source).digest("hex").slice(0, 12);
  const binary = `${dir}/cdprobe-${tag}`;
  try {
    if ((await Deno.stat(binary)).isFile) return binary;
  } catch {
    // not built yet
  }
  await run("gcc", ["-static", "-O2", "-Wall", "-o", `${binary}.tmp`, CDPROBE_SOURCE]);
  await Deno.rename(`${binary}.tmp`, binary);
  return binary;
}

/** Escapes a value inside a QEMU `-drive`/`-device` option list (commas are doubled). */
export function qemuValue(value: string): string {
  return value.replaceAll(",", ",,");
}

/**
 * QEMU's own CD on virtio-scsi: `-device virtio-scsi-pci` + a read-only raw cdrom drive + `scsi-cd`.
 * Swap for {@link iscsiCdDrive} to probe a disc served over iSCSI.
 */
export function isoCdDrive(iso: string): string[] {
  return [
    "-device",
    "virtio-scsi-pci,id=scsi",
    "-drive",
    `file=${qemuValue(iso)},if=none,id=cd,media=cdrom,readonly=on,format=raw`,
    "-device",
    "scsi-cd,drive=cd",
  ];
}

/**
 * A LUN of an iSCSI target on virtio-scsi: `file=iscsi://HOST:PORT/IQN/LUN` with `scsi-cd` (QEMU
 * emulates the CD on top of the blocks) or `scsi-block` (SCSI commands passed through to the target).
 */
export function iscsiCdDrive(
  url: string,
  device: "scsi-cd" | "scsi-block" = "scsi-cd",
): string[] {
  return [
    "-device",
    "virtio-scsi-pci,id=scsi",
    "-drive",
    `file=${qemuValue(url)},if=none,id=cd,${
      device === "scsi-cd" ? "media=cdrom," : ""
    }readonly=on,format=raw`,
    "-device",
    `${device},drive=cd`,
  ];
}

/** The QEMU command line (without the executable) booting `guest` with the drive arguments `drive`. */
export function cdGuestQemuArgs(
  guest: CdGuest,
  drive: readonly string[],
  extra: readonly string[] = [],
): string[] {
  return [
    "-machine",
    "accel=tcg",
    "-m",
    "512",
    "-nographic",
    "-no-reboot",
    "-kernel",
    guest.kernel,
    "-initrd",
    guest.initrd,
    "-append",
    guest.append,
    ...drive,
    ...extra,
  ];
}

/** Options of {@link runCdGuest}. */
export interface RunCdGuestOptions {
  /** Drive arguments, e.g. {@link isoCdDrive} or {@link iscsiCdDrive}. */
  readonly drive: readonly string[];
  /** More QEMU arguments (e.g. `-monitor unix:PATH,server=on,wait=off`). */
  readonly extraArgs?: readonly string[];
  /** Kill QEMU after this long (default 120). */
  readonly timeoutSeconds?: number;
  /** Called with each complete `CDPROBE …` line as it arrives (e.g. to eject the disc on cue). */
  readonly onLine?: (line: string) => void | Promise<void>;
}

/** Outcome of {@link runCdGuest}. */
export interface CdGuestRun {
  /** The `CDPROBE …` lines, in order, without the prefix ("TOC first=1 last=1", …). */
  readonly lines: string[];
  /** The whole serial console. */
  readonly console: string;
  /** QEMU's stderr. */
  readonly stderr: string;
  /** The guest reached `CDPROBE END`. */
  readonly ended: boolean;
  /** QEMU was killed at the time limit. */
  readonly timedOut: boolean;
  /** Wall time of the boot. */
  readonly seconds: number;
  /** The QEMU command line. */
  readonly command: string[];
}

/**
 * Boots `guest` under `qemu-system-x86_64` (TCG) with `options.drive`, collects the `CDPROBE` lines
 * and returns when QEMU exits (the guest powers off) or at the time limit. QEMU is always killed.
 */
export async function runCdGuest(guest: CdGuest, options: RunCdGuestOptions): Promise<CdGuestRun> {
  const command = ["qemu-system-x86_64", ...cdGuestQemuArgs(guest, options.drive, options.extraArgs)];
  const started = performance.now();
  const child = new Deno.Command(command[0], {
    args: command.slice(1),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }, (options.timeoutSeconds ?? 120) * 1000);
  const decoder = new TextDecoder();
  let consoleText = "";
  let pending = "";
  const lines: string[] = [];
  const stderrPromise = new Response(child.stderr).text();
  try {
    for await (const chunk of child.stdout) {
      const text = decoder.decode(chunk, { stream: true });
      consoleText += text;
      pending += text;
      let newline;
      while ((newline = pending.indexOf("\n")) >= 0) {
        const raw = pending.slice(0, newline).replace(/\r$/, "");
        pending = pending.slice(newline + 1);
        const at = raw.indexOf("CDPROBE ");
        if (at < 0) continue;
        const line = raw.slice(at + "CDPROBE ".length).trim();
        lines.push(line);
        await options.onLine?.(line);
      }
    }
  } finally {
    clearTimeout(timer);
    try {
      child.kill("SIGKILL");
    } catch {
      // exited by itself
    }
    await child.status;
  }
  return {
    lines,
    console: consoleText,
    stderr: await stderrPromise,
    ended: lines.includes("END"),
    timedOut,
    seconds: (performance.now() - started) / 1000,
    command,
  };
}

/** A parsed `TRACK` line. */
export interface CdGuestTrack {
  readonly n: number;
  readonly ctrl: number;
  readonly adr: number;
  readonly lba: number;
}

/** The TOCs a run printed (the first, then one more after each `CHANGED`), parsed. */
export function parseCdGuestTocs(
  lines: readonly string[],
): { first: number; last: number; tracks: CdGuestTrack[] }[] {
  const tocs: { first: number; last: number; tracks: CdGuestTrack[] }[] = [];
  for (const line of lines) {
    let m = /^TOC first=(\d+) last=(\d+)$/.exec(line);
    if (m) {
      tocs.push({ first: Number(m[1]), last: Number(m[2]), tracks: [] });
      continue;
    }
    m = /^TRACK n=(\d+) ctrl=(\d+) adr=(\d+) lba=(-?\d+)$/.exec(line);
    if (m && tocs.length > 0) {
      tocs.at(-1)!.tracks.push({ n: Number(m[1]), ctrl: Number(m[2]), adr: Number(m[3]), lba: Number(m[4]) });
    }
  }
  return tocs;
}
