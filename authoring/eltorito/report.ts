/**
 * The text `xorriso -indev IMAGE -report_el_torito plain` prints (libisofs `fs_image.c`
 * `iso_eltorito_report`), from a decoded boot catalog plus the facts a catalog alone does not hold
 * (catalog path, image paths, what the images carry).
 * @module
 */

import { type BootCatalog, EL_TORITO_PLATFORM, listBootCatalogImages } from "./boot_catalog.ts";

/**
 * What the report says about one boot image besides its catalog entry.
 *
 * @example
 * ```ts
 * const isolinux: ElToritoReportImage = { path: "/isolinux/isolinux.bin", bootInfoTable: true, isohybridSuitable: true };
 * const appendedEsp: ElToritoReportImage = { blockCount: 4096 }; // not a file: "img blks"
 * ```
 */
export interface ElToritoReportImage {
  /** Path of the file at the image's LBA (absolute), when one starts there. */
  readonly path?: string;
  /** Without a path: the blocks up to the next claimed block ("El Torito img blks"). */
  readonly blockCount?: number;
  /** Hard-disk emulation: the emulated disk size in 512-byte sectors ("hdsiz/512"). */
  readonly hardDiskSectorCount?: number;
  /** The image holds a matching Boot Info Table (see `inspectBootImage`). */
  readonly bootInfoTable?: boolean;
  /** Boot Info Table plus ISOLINUX's hybrid signature. */
  readonly isohybridSuitable?: boolean;
  /** The image holds matching GRUB2 boot info. */
  readonly grub2BootInfo?: boolean;
}

/**
 * Facts for {@link formatElToritoReport} that the catalog does not hold.
 *
 * @example
 * ```ts
 * const facts: ElToritoReportFacts = { catalogLba: 58, catalogPath: "/isolinux/boot.cat", images: [isolinux, efi] };
 * ```
 */
export interface ElToritoReportFacts {
  /** LBA of the catalog (Boot Record offset 71). */
  readonly catalogLba: number;
  /** Blocks of the catalog file (default 1). */
  readonly catalogBlockCount?: number;
  /** Path of the catalog file; absent when hidden (`--boot-catalog-hide`). */
  readonly catalogPath?: string;
  /** Per boot image, in catalog order. */
  readonly images?: readonly (ElToritoReportImage | undefined)[];
}

const EMULATION_NAMES = ["none", "fd1.2", "fd1.4", "fd2.8", "hd"] as const;
const PLATFORM_NAMES = ["BIOS", "PPC", "Mac"] as const;

function hex(value: number, digits: number): string {
  return `0x${value.toString(16).padStart(digits, "0")}`;
}

/** Right-aligns like printf's `%Nd`/`%Ns`. */
function pad(value: string | number, width: number): string {
  return String(value).padStart(width, " ");
}

/**
 * Formats the lines of `-report_el_torito plain` (each ending in "\n"). Like xorriso 1.5.4, the
 * ID string and selection criteria are not printed (libisofs formats but never emits them).
 *
 * @example
 * ```ts
 * formatElToritoReport(catalog, { catalogLba: 58, catalogPath: "/isolinux/boot.cat", images: [...] });
 * // El Torito catalog  : 58  1
 * // El Torito cat path : /isolinux/boot.cat
 * // El Torito images   :   N  Pltf  B   Emul  Ld_seg  Hdpt  Ldsiz         LBA
 * // El Torito boot img :   1  BIOS  y   none  0x0000  0x00      4        4155
 * // ...
 * ```
 */
export function formatElToritoReport(catalog: BootCatalog, facts: ElToritoReportFacts): string {
  const lines: string[] = [];
  lines.push(`El Torito catalog  : ${facts.catalogLba}  ${facts.catalogBlockCount ?? 1}`);
  if (facts.catalogPath !== undefined) lines.push(`El Torito cat path : ${facts.catalogPath}`);
  const images = listBootCatalogImages(catalog);
  lines.push("El Torito images   :   N  Pltf  B   Emul  Ld_seg  Hdpt  Ldsiz         LBA");
  images.forEach((image, i) => {
    const platform = image.platformId < PLATFORM_NAMES.length
      ? PLATFORM_NAMES[image.platformId]
      : image.platformId === EL_TORITO_PLATFORM.efi
      ? "UEFI"
      : hex(image.platformId, 2);
    const emulation = image.bootMediaType < EMULATION_NAMES.length
      ? EMULATION_NAMES[image.bootMediaType]
      : hex(image.bootMediaType, 2);
    lines.push(
      `El Torito boot img : ${pad(i + 1, 3)}  ${pad(platform, 4)}  ${image.bootIndicator ? "y" : "n"}  ${
        pad(emulation, 5)
      }  ${hex(image.loadSegment, 4)}  ${hex(image.systemType, 2)}  ${pad(image.sectorCount, 5)}  ${
        pad(image.loadRba, 10)
      }`,
    );
  });
  images.forEach((image, i) => {
    const about = facts.images?.[i] ?? {};
    const n = pad(i + 1, 3);
    if (about.path !== undefined) lines.push(`El Torito img path : ${n}  ${about.path}`);
    else if (about.blockCount !== undefined) lines.push(`El Torito img blks : ${n}  ${about.blockCount}`);
    if (image.bootMediaType === 4 && (about.hardDiskSectorCount ?? 0) > 0) {
      lines.push(`El Torito hdsiz/512: ${n}  ${about.hardDiskSectorCount}`);
    }
    const options = [
      about.bootInfoTable ? "boot-info-table" : "",
      about.isohybridSuitable ? "isohybrid-suitable" : "",
      about.grub2BootInfo ? "grub2-boot-info" : "",
    ].filter(Boolean);
    if (options.length > 0) lines.push(`El Torito img opts : ${n}  ${options.join(" ")}`);
  });
  return lines.map((line) => `${line}\n`).join("");
}
