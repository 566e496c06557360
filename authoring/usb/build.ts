/**
 * `disc usb`: writes a USB stick image from an ISO, in dd mode (the ISO copied) or ISO mode (a
 * FAT32 partition holding the ISO's files; see plan.ts), BIOS-bootable through SYSLINUX when
 * asked (syslinux.ts). ISO mode extracts the files to a
 * temporary folder next to the output, plans FAT32 from it and removes it afterwards.
 * @module
 */

import { FileBlockDevice } from "../../image/block_device.ts";
import { UsageError } from "../../image/errors.ts";
import { makeWorkDirBeside, type ProgressCallback, writeRegionsToFile } from "../../image/region_writer.ts";
import { RegionList } from "../../image/regions.ts";
import { extractIso } from "../iso9660/extract.ts";
import { openIso } from "../iso9660/reader.ts";
import { scanSources } from "../source_tree.ts";
import {
  isHybridImage,
  planUsbDdMode,
  planUsbIsoMode,
  USB_MIN_ISO_MODE_BYTES,
  USB_SECTOR_BYTES,
} from "./plan.ts";
import {
  findHostSyslinux,
  type HostSyslinux,
  installSyslinux,
  isolinuxConfigOf,
  isolinuxVersionOf,
  syslinuxConfigFor,
} from "./syslinux.ts";

/** Options of {@link buildUsbImage}. */
export interface UsbBuildOptions {
  readonly mode: "iso" | "dd";
  readonly table: "mbr" | "gpt";
  /** Stick size in bytes; default: the ISO's size (dd), or its size + 64 MiB, rounded to 1 MiB (ISO mode). */
  readonly diskByteLength?: number;
  /**
   * ISO mode: also make the stick BIOS-bootable through SYSLINUX (the host's installer and MBR
   * code; the ISO must have an ISOLINUX configuration). See syslinux.ts.
   */
  readonly bios?: boolean;
  /** SOURCE_DATE_EPOCH seconds: fixes the FAT times, serial, disk signature and GUIDs. */
  readonly sourceDateEpoch?: number;
  readonly onProgress?: ProgressCallback;
}

/** What was written and what the user should know. */
export interface UsbBuildResult {
  readonly diskByteLength: number;
  readonly warnings: string[];
}

/**
 * Writes the stick image `outPath` from `isoPath` (through a temporary file, renamed when done).
 *
 * @example
 * ```ts
 * const { warnings } = await buildUsbImage("debian.iso", "stick.img", { mode: "iso", table: "gpt", diskByteLength: 8 * 2 ** 30 });
 * ```
 */
export async function buildUsbImage(
  isoPath: string,
  outPath: string,
  options: UsbBuildOptions,
): Promise<UsbBuildResult> {
  const isoByteLength = (await Deno.stat(isoPath)).size;
  const warnings: string[] = [];
  const isoRegions = new RegionList([{
    kind: "file",
    label: `ISO "${isoPath}"`,
    path: isoPath,
    fileByteOffset: 0,
    byteLength: isoByteLength,
    fileByteLength: isoByteLength,
  }]);
  if (options.mode === "dd" && options.bios) {
    throw new UsageError("--bios is for --mode iso: a dd copy boots (or not) as the ISO itself does");
  }
  // Before anything is written: is SYSLINUX there?
  const syslinux = options.bios ? await findHostSyslinux(options.table) : undefined;
  if (options.mode === "dd") {
    const first = await isoRegions.read(0, Math.min(512, isoByteLength));
    if (!isHybridImage(first)) {
      warnings.push(
        `"${isoPath}" is not a hybrid ISO (no MBR partition table in its first sector): copied as it is, it will not boot from USB; --mode iso makes a bootable FAT32 stick`,
      );
    }
    const regions = planUsbDdMode(isoRegions, options.diskByteLength);
    await writeRegionsToFile(regions, outPath, options.onProgress);
    return { diskByteLength: regions.byteLength, warnings };
  }
  const diskByteLength = options.diskByteLength ??
    Math.max(
      USB_MIN_ISO_MODE_BYTES,
      Math.ceil((isoByteLength + 64 * 1024 * 1024) / (1024 * 1024)) * 1024 * 1024,
    );
  const work = await makeWorkDirBeside(outPath, ".disc-usb-");
  try {
    using device = await FileBlockDevice.open(isoPath);
    const image = await openIso(device);
    const extracted = await extractIso(image, `${work}/files`);
    for (const note of extracted) warnings.push(note);
    const uefiBootable = await hasEfiLoader(`${work}/files`);
    if (!uefiBootable) {
      warnings.push("the ISO has no EFI/BOOT/BOOTX64.EFI: the stick will not boot under UEFI");
    }
    if (syslinux) warnings.push(...prepareSyslinuxBoot(`${work}/files`, syslinux));
    else warnings.push("ISO mode without --bios makes the stick UEFI-bootable only (no BIOS boot loader)");
    const tree = scanSources([{ hostPath: `${work}/files` }], { followLinks: true });
    warnings.push(...tree.diagnostics);
    const epoch = options.sourceDateEpoch;
    const volumeLabel = image.descriptors.primary.volumeIdentifier.trim().toUpperCase()
      .replace(/[^A-Z0-9 _-]/g, "_").slice(0, 11) || undefined;
    const plan = planUsbIsoMode({
      root: tree.root,
      diskByteLength,
      table: options.table,
      volumeLabel,
      seed: epoch !== undefined ? epoch >>> 0 : crypto.getRandomValues(new Uint32Array(1))[0],
      timestamp: epoch !== undefined ? new Date(epoch * 1000) : undefined,
      uefiBootable,
      biosBootCode: syslinux?.mbrCode,
    });
    warnings.push(...plan.fat.diagnostics);
    await writeRegionsToFile(plan.regions, outPath, options.onProgress, {
      // The installer writes ldlinux.sys/.c32 and the boot sector into the finished partition.
      beforeRename: syslinux
        ? (_file, tempPath) => installSyslinux(syslinux, tempPath, plan.partitionStartLba * USB_SECTOR_BYTES)
        : undefined,
    });
    return { diskByteLength: plan.regions.byteLength, warnings };
  } finally {
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
}

/**
 * Adds `/syslinux.cfg` (handing over to the ISO's ISOLINUX configuration) to the extracted files;
 * returns warnings. No ISOLINUX configuration: a UsageError (nothing for SYSLINUX to boot).
 */
function prepareSyslinuxBoot(files: string, syslinux: HostSyslinux): string[] {
  const warnings: string[] = [];
  const config = isolinuxConfigOf(files);
  if (!config) {
    throw new UsageError(
      "Cannot make the stick BIOS-bootable: the ISO has no ISOLINUX configuration (isolinux.cfg) for SYSLINUX to boot",
    );
  }
  const existing = [...Deno.readDirSync(files)].find((e) => e.name.toLowerCase() === "syslinux.cfg");
  if (existing) warnings.push(`the ISO has its own /${existing.name}: SYSLINUX uses it as it is`);
  else Deno.writeTextFileSync(`${files}/syslinux.cfg`, syslinuxConfigFor(config));
  const dir = config.includes("/") ? config.slice(0, config.lastIndexOf("/")) : "";
  let isolinuxVersion: string | undefined;
  try {
    isolinuxVersion = isolinuxVersionOf(Deno.readFileSync(`${files}/${dir ? dir + "/" : ""}isolinux.bin`));
  } catch {
    isolinuxVersion = undefined;
  }
  if (isolinuxVersion && isolinuxVersion !== syslinux.version) {
    warnings.push(
      `the ISO's ISOLINUX is ${isolinuxVersion}, the SYSLINUX installer ${syslinux.version}: the ISO's .c32 modules may not load`,
    );
  }
  return warnings;
}

async function hasEfiLoader(root: string): Promise<boolean> {
  let dir = root;
  for (const part of ["EFI", "BOOT", "BOOTX64.EFI"]) {
    let found: string | undefined;
    for await (const entry of Deno.readDir(dir)) {
      if (entry.name.toUpperCase() === part) found = entry.name;
    }
    if (!found) return false;
    dir = `${dir}/${found}`;
  }
  return true;
}
