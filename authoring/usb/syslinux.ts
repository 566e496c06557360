/**
 * BIOS boot of an ISO-mode stick through SYSLINUX, as Rufus does it: the ISO's ISOLINUX
 * configuration stays where it is, a `/syslinux.cfg` at the root of the FAT32 partition loads it
 * (`CONFIG` with the ISOLINUX folder as working directory), SYSLINUX's installer puts
 * `ldlinux.sys`/`ldlinux.c32` and its boot sector code into the partition, and SYSLINUX's MBR code
 * (`mbr.bin`, or `gptmbr.bin` with the GPT "legacy BIOS bootable" attribute) starts it.
 *
 * The installer and MBR code come from the host (Debian packages `syslinux` and
 * `syslinux-common`); the ISO's own `.c32` modules must be of the same SYSLINUX version as the
 * installer to load (a different version is warned about).
 * @module
 */

import { SourceError, UsageError } from "../../image/errors.ts";
import { describeOsError } from "../../image/regions.ts";

/** Where distributions keep SYSLINUX's MBR code. */
const MBR_CODE_DIRS = [
  "/usr/lib/syslinux/mbr",
  "/usr/share/syslinux",
  "/usr/lib/SYSLINUX",
  "/usr/lib/syslinux/bios",
];

/** Bytes of MBR boot code (the rest of LBA 0 is the partition table). */
export const MBR_BOOT_CODE_BYTES = 440;

/** The host's SYSLINUX: installer command, its version and the MBR code for a partition table. */
export interface HostSyslinux {
  readonly installer: string;
  /** "6.04", from `syslinux --version`. */
  readonly version: string;
  /** 440 bytes of `mbr.bin` (MBR) or `gptmbr.bin` (GPT). */
  readonly mbrCode: Uint8Array;
}

/**
 * Finds the host's SYSLINUX installer and MBR code for `table`, or explains what is missing.
 *
 * @throws {UsageError} the installer or the MBR code is not installed.
 * @example
 * ```ts
 * const syslinux = await findHostSyslinux("mbr");
 * ```
 */
export async function findHostSyslinux(table: "mbr" | "gpt"): Promise<HostSyslinux> {
  let version: string;
  try {
    const out = await new Deno.Command("syslinux", { args: ["--version"], stdout: "piped", stderr: "piped" })
      .output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    version = /syslinux (\d+\.\d+)/i.exec(text)?.[1] ?? "unknown";
  } catch {
    throw new UsageError(
      "Cannot make the stick BIOS-bootable: the SYSLINUX installer (syslinux) is not installed (Debian package syslinux)",
    );
  }
  const name = table === "gpt" ? "gptmbr.bin" : "mbr.bin";
  for (const dir of MBR_CODE_DIRS) {
    try {
      const code = Deno.readFileSync(`${dir}/${name}`);
      if (code.byteLength >= MBR_BOOT_CODE_BYTES) {
        return { installer: "syslinux", version, mbrCode: code.slice(0, MBR_BOOT_CODE_BYTES) };
      }
    } catch {
      // try the next place
    }
  }
  throw new UsageError(
    `Cannot make the stick BIOS-bootable: SYSLINUX's ${name} was not found in ${
      MBR_CODE_DIRS.join(", ")
    } (Debian package syslinux-common)`,
  );
}

/**
 * The ISOLINUX configuration of an extracted ISO: the image path of its `isolinux.cfg` (looked
 * for where distributions put it, then anywhere), or undefined.
 *
 * @example
 * ```ts
 * isolinuxConfigOf("/tmp/files"); // "isolinux/isolinux.cfg"
 * ```
 */
export function isolinuxConfigOf(root: string): string | undefined {
  const found: string[] = [];
  const walk = (dir: string, path: string, depth: number) => {
    if (depth > 8) return;
    for (const entry of Deno.readDirSync(dir)) {
      const child = path ? `${path}/${entry.name}` : entry.name;
      if (entry.isFile && entry.name.toLowerCase() === "isolinux.cfg") found.push(child);
      else if (entry.isDirectory) walk(`${dir}/${entry.name}`, child, depth + 1);
    }
  };
  walk(root, "", 0);
  const preferred = ["isolinux/isolinux.cfg", "boot/isolinux/isolinux.cfg", "isolinux.cfg"];
  return found.find((p) => preferred.includes(p.toLowerCase())) ?? found.sort()[0];
}

/**
 * `/syslinux.cfg` that hands over to the ISO's ISOLINUX configuration at `configPath` (an image
 * path), with its folder as working directory so that its relative paths resolve.
 *
 * @example
 * ```ts
 * syslinuxConfigFor("isolinux/isolinux.cfg"); // "DEFAULT loadconfig\n…CONFIG /isolinux/isolinux.cfg…"
 * ```
 */
export function syslinuxConfigFor(configPath: string): string {
  const dir = configPath.includes("/") ? configPath.slice(0, configPath.lastIndexOf("/") + 1) : "";
  return [
    "# Made by discwright: boots the ISO's ISOLINUX configuration from this FAT32 stick.",
    "DEFAULT loadconfig",
    "LABEL loadconfig",
    `  CONFIG /${configPath}`,
    `  APPEND /${dir}`,
    "",
  ].join("\n");
}

/** The ISOLINUX version in an `isolinux.bin` ("6.04"), or undefined. */
export function isolinuxVersionOf(isolinuxBin: Uint8Array): string | undefined {
  const text = new TextDecoder("latin1").decode(isolinuxBin);
  return /ISOLINUX (\d+\.\d+)/.exec(text)?.[1];
}

/**
 * Runs SYSLINUX's installer on the FAT file system at `offsetBytes` in the stick image `path`:
 * `ldlinux.sys` and `ldlinux.c32` in the root, the boot sector code in the partition.
 *
 * @throws {SourceError} the installer failed (its message included).
 * @example
 * ```ts
 * await installSyslinux(syslinux, "stick.img.tmp", 2048 * 512);
 * ```
 */
export async function installSyslinux(
  syslinux: HostSyslinux,
  path: string,
  offsetBytes: number,
): Promise<void> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(syslinux.installer, {
      args: ["--install", "--offset", String(offsetBytes), path],
      env: { MTOOLS_SKIP_CHECK: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    throw new SourceError(`Cannot run the SYSLINUX installer: ${describeOsError(error)}`, path);
  }
  if (!out.success) {
    const message = new TextDecoder().decode(out.stderr).trim().split("\n").at(-1) ?? "";
    throw new SourceError(`The SYSLINUX installer failed (exit ${out.code}): ${message}`, path);
  }
}
