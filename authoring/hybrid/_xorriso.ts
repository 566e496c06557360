/**
 * Test helpers: a small boot tree (isolinux.bin, an EFI FAT image made with mkfs.fat + mcopy, GRUB's
 * eltorito.img when grub-mkimage can make one), xorriso builds, and the facts of an xorriso image
 * that the El Torito and system area planners take as input.
 * @module
 */

import { FileBlockDevice } from "../../image/block_device.ts";
import { openIso } from "../iso9660/reader.ts";
import { run } from "../../tests/_tools.ts";
import { decodeBootRecordVolumeDescriptor } from "../eltorito/boot_record.ts";
import { type BootCatalog, decodeBootCatalog } from "../eltorito/boot_catalog.ts";

/** The ISOLINUX files Debian's isolinux package installs. */
export const ISOLINUX_BIN = "/usr/lib/ISOLINUX/isolinux.bin";
export const ISOHDPFX_BIN = "/usr/lib/ISOLINUX/isohdpfx.bin";
/** GRUB's hybrid MBR template (grub-pc-bin). */
export const BOOT_HYBRID_IMG = "/usr/lib/grub/i386-pc/boot_hybrid.img";
/** Tools the fixtures need. */
export const FIXTURE_TOOLS = ["xorriso", "mkfs.fat", "mcopy", "mmd"] as const;

/** Whether a host file exists (for registration-time checks). */
export function fileExists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/** Why the ISOLINUX/GRUB templates make a test impossible here, or undefined. */
export function missingTemplates(paths: readonly string[]): string | undefined {
  const missing = paths.filter((p) => !fileExists(p));
  return missing.length > 0 ? `missing ${missing.join(", ")}` : undefined;
}

/** Paths of a fixture tree. */
export interface BootTree {
  /** Working directory (relative paths below are relative to it). */
  readonly dir: string;
  /** The tree to put into the image: isolinux/isolinux.bin, boot/grub/efi.img, hello.txt. */
  readonly tree: "tree";
  /** The EFI FAT image outside the tree (for -append_partition). */
  readonly efiImage: "efi.img";
  /** boot/grub/i386-pc/eltorito.img is in the tree. */
  readonly hasGrubEltorito: boolean;
}

/**
 * Makes the tree in `dir`: an EFI FAT image of `efiKiB` KiB (a size that is not a multiple of
 * 2 KiB exercises rounding), copies of it inside the tree, isolinux.bin, a text file, and GRUB's
 * eltorito.img when `grub-mkimage` can build it.
 */
export async function makeBootTree(dir: string, efiKiB = 257): Promise<BootTree> {
  await Deno.mkdir(`${dir}/tree/isolinux`, { recursive: true });
  await Deno.mkdir(`${dir}/tree/boot/grub/i386-pc`, { recursive: true });
  await Deno.copyFile(ISOLINUX_BIN, `${dir}/tree/isolinux/isolinux.bin`);
  await Deno.writeTextFile(`${dir}/tree/hello.txt`, "hello\n");
  await Deno.writeTextFile(`${dir}/BOOTX64.EFI`, "not really an EFI program\n");
  await run("mkfs.fat", ["-C", `${dir}/efi.img`, String(efiKiB)]);
  await run("mmd", ["-i", `${dir}/efi.img`, "::/EFI", "::/EFI/BOOT"]);
  await run("mcopy", ["-i", `${dir}/efi.img`, `${dir}/BOOTX64.EFI`, "::/EFI/BOOT/BOOTX64.EFI"]);
  await Deno.copyFile(`${dir}/efi.img`, `${dir}/tree/boot/grub/efi.img`);
  let hasGrubEltorito = false;
  try {
    const made = await run("grub-mkimage", [
      "-O",
      "i386-pc-eltorito",
      "-p",
      "/boot/grub",
      "-o",
      `${dir}/tree/boot/grub/i386-pc/eltorito.img`,
      "biosdisk",
      "iso9660",
    ], { allowFail: true });
    hasGrubEltorito = made.code === 0;
  } catch {
    hasGrubEltorito = false; // grub-mkimage not installed
  }
  return { dir, tree: "tree", efiImage: "efi.img", hasGrubEltorito };
}

/** Runs `xorriso -as mkisofs -quiet ...args` in `cwd`; throws with stderr on failure. */
export async function xorrisoMkisofs(cwd: string, args: readonly string[]): Promise<void> {
  await run("xorriso", ["-as", "mkisofs", "-quiet", ...args], { cwd });
}

/** Runs `xorriso -indev IMAGE <command> plain` and returns stdout. */
export async function xorrisoReport(
  image: string,
  command: "-report_el_torito" | "-report_system_area",
): Promise<string> {
  return (await run("xorriso", ["-indev", image, command, "plain"])).stdout;
}

/** What an xorriso image says about itself. */
export interface ImageFacts {
  /** Bytes of the image file. */
  readonly byteLength: number;
  /** The first 32 KiB. */
  readonly systemArea: Uint8Array;
  /** The whole image (small test images only). */
  readonly bytes: Uint8Array;
  /** LBA 17. */
  readonly bootRecordSector: Uint8Array;
  readonly catalogLba: number;
  readonly catalogSector: Uint8Array;
  readonly catalog: BootCatalog;
  /** End of the last file extent (libisofs' data end before padding). */
  readonly dataEndLba: number;
  /** Path → extent of every file, Rock Ridge names. */
  readonly files: ReadonlyMap<string, { readonly lba: number; readonly byteLength: number }>;
}

/** Reads the facts of an image made by xorriso. */
export async function readImageFacts(path: string): Promise<ImageFacts> {
  const bytes = await Deno.readFile(path);
  const bootRecordSector = bytes.slice(17 * 2048, 18 * 2048);
  const record = decodeBootRecordVolumeDescriptor(bootRecordSector, 0, { strict: true });
  const catalogLba = record.bootCatalogLba;
  const catalogSector = bytes.slice(catalogLba * 2048, (catalogLba + 1) * 2048);
  const catalog = decodeBootCatalog(catalogSector, 0, { strict: true });
  const files = new Map<string, { lba: number; byteLength: number }>();
  let dataEndLba = catalogLba + 1;
  {
    using device = await FileBlockDevice.open(path);
    const image = await openIso(device, { strict: true });
    for await (const entry of image.walk()) {
      if (entry.kind !== "file" || entry.extents.length === 0) continue;
      files.set(`/${entry.path}`, { lba: entry.extents[0].lba, byteLength: entry.byteLength });
      for (const extent of entry.extents) {
        if (extent.byteLength > 0) {
          dataEndLba = Math.max(dataEndLba, extent.lba + Math.ceil(extent.byteLength / 2048));
        }
      }
    }
  }
  return {
    byteLength: bytes.byteLength,
    systemArea: bytes.slice(0, 32768),
    bytes,
    bootRecordSector,
    catalogLba,
    catalogSector,
    catalog,
    dataEndLba,
    files,
  };
}

/** Hex dump of the first differing 64 bytes, for assertion messages. */
export function firstDifference(actual: Uint8Array, expected: Uint8Array): string {
  const length = Math.max(actual.byteLength, expected.byteLength);
  for (let i = 0; i < length; i++) {
    if (actual[i] !== expected[i]) {
      const at = i - (i % 16);
      const row = (b: Uint8Array) =>
        [...b.subarray(at, at + 32)].map((v) => v.toString(16).padStart(2, "0")).join(" ");
      return `first difference at byte ${i} (0x${i.toString(16)}):\n  ours:    ${row(actual)}\n  xorriso: ${
        row(expected)
      }`;
    }
  }
  return "identical";
}
