/**
 * Parser for the `xorriso -as mkisofs` command-line dialect, order rules included.
 *
 * The rules follow xorriso 1.5.4 (its emulator source and the xorrisofs manual), not cdrtools
 * mkisofs, where the two differ:
 *
 * - Long options take one dash; `--name` is accepted wherever xorriso knows `-name`. A few options
 *   exist only with two dashes (`--grub2-mbr`, `--efi-boot`, `--protective-msdos-label`, ...).
 *   Arguments are always the next words; the only `=` form is `--modification-date=`.
 * - Single-letter flags from "dDfJlNRrTUvz" may be fused (`-rJ`).
 * - `--` ends the mkisofs dialect; what follows would be native xorriso commands (refused here).
 * - El Torito options modify the entry being built: `-b`/`-e` name its image, options given
 *   before or after them (up to the next `-eltorito-alt-boot`) apply to it, and
 *   `-eltorito-alt-boot` finishes it. `-isohybrid-gpt-basdat` and friends belong to that entry too.
 * - `-graft-points` applies to the pathspecs after it (xorriso handles pathspecs in order), and
 *   `-m` likewise only excludes from later pathspecs in xorriso (recorded here for all; a
 *   diagnostic says so when the order differs).
 * - Rock Ridge is on by default (`-R` changes nothing); `-r` rationalizes owners and modes.
 *
 * Options xorriso knows but discwright cannot honour (multi-session, jigdo, SPARC/MIPS/HP-PA/Alpha
 * boot blocks, path lists, UDF and HFS, ...) are refused with a message naming the option.
 * @module
 */

import { UsageError } from "../../image/errors.ts";
import type { Pathspec } from "../source_tree.ts";

export type { Pathspec };

// ---------------------------------------------------------------------------------------------
// Public types and constants
// ---------------------------------------------------------------------------------------------

/**
 * El Torito platform IDs (El Torito 1.0 §2.1, plus 0xEF from UEFI 2.x §12.3.2.1).
 *
 * @example
 * ```ts
 * const [entry] = parseMkisofsArgs(["-e", "efi.img", "-no-emul-boot"]).boot;
 * const isEfi = entry.platformId === EL_TORITO_PLATFORM.efi; // true
 * ```
 */
export const EL_TORITO_PLATFORM = {
  x86: 0x00,
  powerPc: 0x01,
  mac: 0x02,
  efi: 0xef,
} as const;

/**
 * Most El Torito entries xorriso (libisofs) writes into one boot catalog.
 *
 * @example
 * ```ts
 * const options = parseMkisofsArgs(["-b", "a.img", "-eltorito-alt-boot", "-e", "b.img"]);
 * console.log(`${MAX_BOOT_ENTRIES - options.boot.length} more entries fit`);
 * ```
 */
export const MAX_BOOT_ENTRIES = 32;

/**
 * Highest partition number `-append_partition` accepts.
 *
 * @example
 * ```ts
 * const slots = new Array<string | undefined>(MAX_APPENDED_PARTITIONS);
 * ```
 */
export const MAX_APPENDED_PARTITIONS = 8;

/**
 * Largest `-boot-load-size`: the El Torito sector count is a 16-bit field.
 *
 * @example
 * ```ts
 * const imageByteLength = 40 * 1024 * 1024;
 * const sectorCount = Math.min(Math.ceil(imageByteLength / 512), MAX_BOOT_LOAD_SECTOR_COUNT); // 65535
 * ```
 */
export const MAX_BOOT_LOAD_SECTOR_COUNT = 0xffff;

/**
 * Well-known partition type GUIDs, in RFC 4122 text form (as {@link PartitionType} holds them).
 *
 * @example
 * ```ts
 * const options = parseMkisofsArgs(["-append_partition", "2", "C12A7328-F81F-11D2-BA4B-00A0C93EC93B", "efi.img"]);
 * const type = options.appendedPartitions[0].type;
 * const isEsp = type.kind === "gpt" && type.guid === PARTITION_TYPE_GUID.efiSystem; // true
 * ```
 */
export const PARTITION_TYPE_GUID = {
  /** EFI System Partition; xorriso maps it to MBR type 0xEF. */
  efiSystem: "C12A7328-F81F-11D2-BA4B-00A0C93EC93B",
  /** Microsoft Basic Data (what `-isohybrid-gpt-basdat` writes). */
  basicData: "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7",
  /** Apple HFS+; xorriso maps it to APM type "Apple_HFS". */
  appleHfsPlus: "48465300-0000-11AA-AA11-00306543ECAC",
} as const;

/**
 * Checksum algorithms `-checksum_algorithm_iso` accepts (besides "all", which means all of them).
 *
 * @example
 * ```ts
 * CHECKSUM_ALGORITHMS.includes("sha256"); // true
 * ```
 */
export const CHECKSUM_ALGORITHMS = ["md5", "sha1", "sha256", "sha512"] as const;

/** One of {@link CHECKSUM_ALGORITHMS}. */
export type ChecksumAlgorithm = typeof CHECKSUM_ALGORITHMS[number];

/**
 * Where an El Torito boot image comes from.
 *
 * @example
 * ```ts
 * const ref: BootImageRef = { kind: "appendedPartition", partitionNumber: 2 }; // -e --interval:appended_partition_2:all::
 * ```
 */
export type BootImageRef =
  /** A file in the image, absolute ("/" is prepended to relative paths, as xorriso does). */
  | { readonly kind: "isoPath"; readonly isoPath: string }
  /** The whole of an `-append_partition` (`--interval:appended_partition_N:all::`). */
  | { readonly kind: "appendedPartition"; readonly partitionNumber: number };

/** Disk emulation of an El Torito entry. */
export type ElToritoEmulation = "none" | "floppy" | "hardDisk";

/** The option that named an entry's boot image. */
export type BootImageOption = "-b" | "-e" | "--efi-boot";

/**
 * One El Torito boot catalog entry, as the options built it.
 *
 * @example
 * ```ts
 * // -b isolinux/isolinux.bin -no-emul-boot -boot-load-size 4 -boot-info-table
 * const entry: ElToritoEntry = {
 *   option: "-b",
 *   image: { kind: "isoPath", isoPath: "/isolinux/isolinux.bin" },
 *   platformId: EL_TORITO_PLATFORM.x86,
 *   emulation: "none",
 *   loadSectorCount: 4,
 *   bootInfoTable: true,
 *   grub2BootInfo: false,
 *   bootable: true,
 *   isohybridApmHfsplus: false,
 * };
 * ```
 */
export interface ElToritoEntry {
  /** `-b` (or `-eltorito-boot`), `-e`, or `--efi-boot` (a self-contained EFI entry). */
  readonly option: BootImageOption;
  /** The boot image: a file in the tree or an appended partition. */
  readonly image: BootImageRef;
  /** {@link EL_TORITO_PLATFORM}: 0xEF for `-e`/`--efi-boot`, else the `-eltorito-platform` in force. */
  readonly platformId: number;
  /** Floppy unless `-no-emul-boot` or `-hard-disk-boot` was given (`--efi-boot`: none). */
  readonly emulation: ElToritoEmulation;
  /**
   * `-boot-load-size`, in 512-byte sectors, or "full" (the whole image, rounded up). Without
   * `-boot-load-size` a non-emulating entry gets "full" (mkisofs's default, as xorriso applies
   * it); an emulating entry gets undefined (the builder's default). Note that xorriso replaces an
   * explicit count by the file's size for platform 0xEF images that are files.
   */
  readonly loadSectorCount?: number | "full";
  /** `-boot-info-table`: patch bytes 8..63 of the image (never for `--efi-boot`). */
  readonly bootInfoTable: boolean;
  /** `--grub2-boot-info`: patch the image's address (in 512-byte units, +5) at byte 2548. */
  readonly grub2BootInfo: boolean;
  /** False after `-no-boot` (boot indicator 0x00 instead of 0x88). */
  readonly bootable: boolean;
  /** `-eltorito-id`: 56 hex digits as 28 bytes, else the first 28 bytes of the UTF-8 text. */
  readonly idBytes?: Uint8Array;
  /** `-eltorito-selcrit`: up to 20 bytes of selection criteria. */
  readonly selectionCriteria?: Uint8Array;
  /** `-isohybrid-gpt-basdat` / `-isohybrid-gpt-hfsplus`: how the image appears in the GPT. */
  readonly isohybridGpt?: "basicData" | "hfsplus";
  /** `-isohybrid-apm-hfsplus`: list the image in the Apple Partition Map as HFS+. */
  readonly isohybridApmHfsplus: boolean;
}

/**
 * A partition type: an MBR type byte, or a GPT type GUID (RFC 4122 text, upper case).
 *
 * @example
 * ```ts
 * const esp: PartitionType = { kind: "gpt", guid: PARTITION_TYPE_GUID.efiSystem };
 * const fat12: PartitionType = { kind: "mbr", code: 0x01 };
 * ```
 */
export type PartitionType =
  | { readonly kind: "mbr"; readonly code: number }
  | { readonly kind: "gpt"; readonly guid: string };

/**
 * One `-append_partition`.
 *
 * @example
 * ```ts
 * // -append_partition 2 0xef efi.img
 * const part: AppendedPartition = { partitionNumber: 2, type: { kind: "mbr", code: 0xef }, hostPath: "efi.img" };
 * ```
 */
export interface AppendedPartition {
  /** 1 ... {@link MAX_APPENDED_PARTITIONS}. */
  readonly partitionNumber: number;
  /**
   * FAT12 = 0x01, FAT16 = 0x06, Linux = 0x83, "" = 0x00, 0xNN, or a GUID. In the MBR xorriso
   * writes 0xEF for the EFI system GUID and 0x83 for any other GUID; in a GPT, type 0xEF becomes
   * the EFI system GUID and other bytes Basic Data.
   */
  readonly type: PartitionType;
  /** Host file whose bytes become the partition. */
  readonly hostPath: string;
}

/** `-efi-boot-part`: what to expose as EFI system partition in the GPT. */
export type EfiBootPart =
  | { readonly kind: "file"; readonly hostPath: string }
  /** `-efi-boot-part --efi-boot-image`: the first El Torito EFI boot image. */
  | { readonly kind: "firstEfiBootImage" };

/** `--gpt_disk_guid` other than "random" (the default, recorded as undefined). */
export type GptDiskGuid =
  /** Derived from `--modification-date=`. */
  | { readonly kind: "modificationDate" }
  | { readonly kind: "guid"; readonly guid: string };

/** HFS+ blessings `-hfs-bless-by` assigns. */
export type HfsBlessing = "ppc_bootdir" | "intel_bootfile" | "show_folder" | "os9_folder" | "osx_folder";

/**
 * A remark about the command line that is not an error.
 *
 * @example
 * ```ts
 * const options = parseMkisofsArgs(["-b", "a.img", "-eltorito-alt-boot", "-no-emul-boot"]);
 * const show = (d: MkisofsDiagnostic) => d.level === "warning" || options.verbose > 0;
 * for (const d of options.diagnostics) if (show(d)) console.error(d.message);
 * ```
 */
export interface MkisofsDiagnostic {
  /** "note": as expected but worth saying with -v; "warning": probably not what was meant. */
  readonly level: "note" | "warning";
  /** What to tell the user, options and values quoted. */
  readonly message: string;
}

/**
 * Everything a `xorriso -as mkisofs` command line asks for. Defaults are xorriso's; options
 * xorriso accepts but ignores are recorded where cheap and say so.
 *
 * @example
 * ```ts
 * const options: MkisofsOptions = parseMkisofsArgs(["-r", "-J", "-o", "out.iso", "tree"]);
 * options.rockRidge; // "rationalized"
 * ```
 */
export interface MkisofsOptions {
  // --- invocation --------------------------------------------------------------------------
  /** `-help`. */
  readonly help: boolean;
  /** `-version`. */
  readonly version: boolean;
  /** `-quiet`. */
  readonly quiet: boolean;
  /** Number of `-v` / `-verbose`. */
  readonly verbose: number;
  /** `-debug` (discwright: show stack traces). */
  readonly debug: boolean;
  /** `-print-size`: report the size in 2048-byte blocks, write nothing. */
  readonly printSize: boolean;
  /** `-log-file`: messages go to this file ("" = back to stderr). */
  readonly logFile?: string;
  /** `-o` / `-output`; "-" is standard output. A "stdio:" prefix is removed. */
  readonly outputPath?: string;

  // --- input ---------------------------------------------------------------------------------
  /** Pathspecs in order. A pathspec before `-graft-points` is always a plain host path. */
  readonly pathspecs: readonly Pathspec[];
  /** `-graft-points` was given. */
  readonly graftPoints: boolean;
  /** `-root`: image directory all pathspecs go under (absolute). */
  readonly rootIsoPath?: string;
  /** `-f` / `-follow-links`. */
  readonly followLinks: boolean;
  /** `-m` / `-exclude` / `-x` / `-old-exclude` glob patterns. */
  readonly exclude: readonly string[];
  /** `-exclude-list` files (one pattern per line). */
  readonly excludeLists: readonly string[];
  /** `-hide` patterns (ISO 9660 / Rock Ridge tree). */
  readonly hide: readonly string[];
  /** `-hide-list` files. */
  readonly hideLists: readonly string[];
  /** `-hide-joliet` patterns. */
  readonly hideJoliet: readonly string[];
  /** `-hide-joliet-list` files. */
  readonly hideJolietLists: readonly string[];
  /** `-hide-hfsplus` patterns. */
  readonly hideHfsplus: readonly string[];
  /** `-hide-hfsplus-list` files. */
  readonly hideHfsplusLists: readonly string[];
  /** `-input-charset`: only UTF-8 is supported. */
  readonly inputCharset?: "UTF-8";
  /** `-output-charset`: only UTF-8 is supported. */
  readonly outputCharset?: "UTF-8";
  /** `-cache-inodes` (true) / `-no-cache-inodes` (false); xorriso ignores both. */
  readonly cacheInodes?: boolean;

  // --- directory trees and names ------------------------------------------------------------
  /** "on" by default in xorriso; `--norock` = "off"; `-r` = "rationalized" (`-R` keeps `-r`). */
  readonly rockRidge: "off" | "on" | "rationalized";
  /** `-J` / `-joliet`. */
  readonly joliet: boolean;
  /** `-joliet-long`: 103-character Joliet names (does not enable Joliet by itself). */
  readonly jolietLong: boolean;
  /** `-joliet-utf16`. */
  readonly jolietUtf16: boolean;
  /**
   * `-iso-level` as given (default 1). Level 4 means an ISO 9660:1999 tree beside a primary tree
   * at xorriso's native level 3. xorriso also raises level 1 to 2 when `-l` is given.
   */
  readonly isoLevel: 1 | 2 | 3 | 4;
  /** An ISO 9660:1999 tree is wanted (`-iso-level 4` was given at some point). */
  readonly iso1999: boolean;
  /** `-l` / `-full-iso9660-filenames`: 31-character names. */
  readonly fullIso9660Filenames: boolean;
  /** `-max-iso9660-filenames`: 37-character names. */
  readonly maxIso9660Filenames: boolean;
  /** `-relaxed-filenames`. */
  readonly relaxedFilenames: boolean;
  /** `-allow-lowercase`. */
  readonly allowLowercase: boolean;
  /** `-U` / `-untranslated-filenames`. */
  readonly untranslatedFilenames: boolean;
  /** `-untranslated_name_len` (0...96). */
  readonly untranslatedNameCharLimit?: number;
  /** `-d` / `-omit-period`. */
  readonly omitPeriod: boolean;
  /** `-N` / `-omit-version-number`. */
  readonly omitVersionNumbers: boolean;
  /** `-L` / `-allow-leading-dots` / `-ldots`; xorriso ignores it. */
  readonly allowLeadingDots: boolean;
  /** `-allow-multidot`; xorriso ignores it. */
  readonly allowMultidot: boolean;
  /** `-disallow_dir_id_ext`: no dots in directory names. */
  readonly disallowDirIdExt: boolean;
  /** `-D` / `-disable-deep-relocation`: overrides `-rr_reloc_dir` whatever the order. */
  readonly disableDeepRelocation: boolean;
  /**
   * `-rr_reloc_dir` (leading "/" removed; "" is the root) or ".rr_moved" from `-hide-rr-moved`.
   * Without it xorriso does not relocate deep directories at all.
   */
  readonly rrRelocDir?: string;
  /** `-file_name_limit` (64...255 bytes). */
  readonly fileNameByteLimit?: number;

  // --- HFS+ (recorded; the builder refuses HFS+) ---------------------------------------------
  /** `-hfsplus`. */
  readonly hfsplus: boolean;
  /** `-hfsplus-serial-no`: 16 hex digits (lower case). */
  readonly hfsplusSerialNumber?: string;
  /** `-hfsplus-block-size` in bytes (0 = automatic). */
  readonly hfsplusBlockByteLength?: 0 | 512 | 2048;
  /** `-apm-block-size` in bytes (0 = automatic). */
  readonly apmBlockByteLength?: 0 | 512 | 2048;
  /** `-hfsplus-file-creator-type CREATOR TYPE ISO_PATH`. */
  readonly hfsplusFileCreatorTypes: readonly {
    readonly creator: string;
    readonly type: string;
    readonly isoPath: string;
  }[];
  /** `-hfs-bless-by BLESSING ISO_PATH`. */
  readonly hfsBlessings: readonly { readonly blessing: HfsBlessing; readonly isoPath: string }[];
  /** `-hfs-bless HOST_DIR` (blessing "ppc_bootdir" by host path). */
  readonly hfsBlessHostDirs: readonly string[];

  // --- identifiers ----------------------------------------------------------------------------
  /** `-V` / `-volid`. */
  readonly volumeId?: string;
  /** `-volset`. */
  readonly volumeSetId?: string;
  /** `-P` / `-publisher`. */
  readonly publisher?: string;
  /** `-p` / `-preparer` ("@xorriso@" is passed through). */
  readonly preparer?: string;
  /** `-A` / `-appid`. */
  readonly applicationId?: string;
  /** `-sysid`. */
  readonly systemId?: string;
  /** `-copyright`. */
  readonly copyrightFile?: string;
  /** `-abstract`. */
  readonly abstractFile?: string;
  /** `-biblio`. */
  readonly bibliographicFile?: string;
  /** `--application_use`: "" (zeros), one character, "0xXY", or a host file. */
  readonly applicationUse?: string;

  // --- ownership, permissions, dates ---------------------------------------------------------
  /** `-uid`: a number, or a local user name to look up. */
  readonly uid?: number | string;
  /** `-gid`: a number, or a local group name to look up. */
  readonly gid?: number | string;
  /** `-dir-mode`, as permission bits (symbolic modes applied to 0, as xorriso does). */
  readonly dirMode?: number;
  /** `-file-mode`. */
  readonly fileMode?: number;
  /** `-new-dir-mode` (xorriso itself refuses it; recorded for graft-point directories). */
  readonly newDirMode?: number;
  /** `--modification-date=` exactly as given: 16 digits YYYYMMDDhhmmsscc (UTC). */
  readonly modificationDate?: string;
  /** {@link MkisofsOptions.modificationDate} as a time (UTC, centiseconds kept). */
  readonly modificationDateUtc?: Date;
  /** `--set_all_file_dates` as given ("set_to_mtime" or a time string). */
  readonly setAllFileDates?: string;

  // --- layout and extras --------------------------------------------------------------------
  /** `-pad` (default) / `-no-pad`: 300 KiB of zeros at the end. */
  readonly pad: boolean;
  /** `--emul-toc` (true) / `--no-emul-toc` (false, the default). */
  readonly emulToc: boolean;
  /** `--old-empty`. */
  readonly oldEmpty: boolean;
  /** `--stdio_sync`: "on", "off", "end" or a byte count with optional k/m/g. */
  readonly stdioSync?: string;
  /** `-sort FILE`; xorriso ignores it. */
  readonly sortFile?: string;
  /** `--sort-weight WEIGHT ISO_PATH` in order (applied after the weight list, later ones win). */
  readonly sortWeights: readonly { readonly weight: number; readonly isoPath: string }[];
  /** The last `--sort-weight-list` / `--sort-weight-patterns` (patterns: true). */
  readonly sortWeightList?: { readonly hostPath: string; readonly patterns: boolean };
  /** `--md5`. */
  readonly md5: boolean;
  /** `--hardlinks`. */
  readonly hardlinks: boolean;
  /** `--acl`. */
  readonly acl: boolean;
  /** `--xattr` = "user", `--xattr-any` = "any". */
  readonly xattr: "off" | "user" | "any";
  /** `-z` / `-transparent-compression`. */
  readonly transparentCompression: boolean;
  /** `-checksum_algorithm_iso` ("all" expanded). */
  readonly checksumAlgorithms: readonly ChecksumAlgorithm[];
  /** `-checksum_algorithm_template` ("all" expanded). */
  readonly checksumAlgorithmsTemplate: readonly ChecksumAlgorithm[];

  // --- El Torito ------------------------------------------------------------------------------
  /** Boot catalog entries in catalog order (the first is the default entry). */
  readonly boot: readonly ElToritoEntry[];
  /** `-c` / `-eltorito-catalog` (absolute); "/boot.catalog" when there are entries but no `-c`. */
  readonly bootCatalogPath?: string;
  /**
   * `--boot-catalog-hide`: leave the catalog out of the ISO 9660/Rock Ridge and Joliet trees.
   * (xorriso also hides it from a tree when a `-hide`/`-hide-joliet` pattern matches its path.)
   */
  readonly hideBootCatalog: boolean;

  // --- system area and partition tables -----------------------------------------------------
  /**
   * `-G` / `-generic-boot` / `--embedded-boot`: copied into the system area as is. xorriso keeps
   * one system area file: `-isohybrid-mbr`, `--grub2-mbr` and `-G` replace each other's file, so
   * at most one of `systemAreaFile`, `isohybridMbr` and `grub2Mbr` is set.
   */
  readonly systemAreaFile?: string;
  /** `-isohybrid-mbr`: the system area file, patched as an ISOLINUX isohybrid MBR. */
  readonly isohybridMbr?: string;
  /** `--grub2-mbr`: the system area file, patched as a GRUB2 boot_hybrid MBR. */
  readonly grub2Mbr?: string;
  /** `--protective-msdos-label` (turns an earlier `-isohybrid-mbr` into a plain file). */
  readonly protectiveMsdosLabel: boolean;
  /** `--mbr-force-bootable`. */
  readonly mbrForceBootable: boolean;
  /** `-partition_offset`, in 2048-byte blocks: 0, or 16 and up. */
  readonly partitionOffsetLba: number;
  /** `-partition_hd_cyl` (0...255; 0 = automatic). */
  readonly partitionHeadsPerCylinder?: number;
  /** `-partition_sec_hd` (0...63; 0 = automatic). */
  readonly partitionSectorsPerHead?: number;
  /** `-partition_cyl_align` (default "auto"). */
  readonly partitionCylAlign: "auto" | "on" | "off" | "all";
  /** `-append_partition`, by partition number (a later one with the same number replaces it). */
  readonly appendedPartitions: readonly AppendedPartition[];
  /** `-appended_part_as_gpt`. */
  readonly appendedPartAsGpt: boolean;
  /** `-appended_part_as_apm`. */
  readonly appendedPartAsApm: boolean;
  /** `-iso_mbr_part_type`; undefined = "default". */
  readonly isoMbrPartType?: PartitionType;
  /** `--gpt_disk_guid`; undefined = random. */
  readonly gptDiskGuid?: GptDiskGuid;
  /** `-part_like_isohybrid`. */
  readonly partLikeIsohybrid: boolean;
  /** `-efi-boot-part`. */
  readonly efiBootPart?: EfiBootPart;
  /**
   * `--efi-boot-dir DIR` (discwright's own): a FAT image is built from DIR (e.g. holding
   * EFI/BOOT/BOOTX64.EFI), added to the image at `isoPath`, and booted by an EFI entry as with
   * `--efi-boot` — no mkfs.fat or mtools needed.
   */
  readonly efiBootDir?: { readonly hostPath: string; readonly isoPath: string };
  /** `-prep-boot-part`. */
  readonly prepBootPart?: string;
  /** `-chrp-boot-part` / `-chrp-boot`. */
  readonly chrpBootPart: boolean;
  /** Some boot entry has `-isohybrid-gpt-basdat` (see {@link ElToritoEntry.isohybridGpt}). */
  readonly isohybridGptBasdat: boolean;
  /** Some boot entry has `-isohybrid-gpt-hfsplus`. */
  readonly isohybridGptHfsplus: boolean;
  /** Some boot entry has `-isohybrid-apm-hfsplus`. */
  readonly isohybridApmHfsplus: boolean;

  /** Notes and warnings about the command line, in order. */
  readonly diagnostics: readonly MkisofsDiagnostic[];
}

// ---------------------------------------------------------------------------------------------
// Small parsers
// ---------------------------------------------------------------------------------------------

const PREFIX = "Cannot parse options";

function fail(reason: string): never {
  throw new UsageError(`${PREFIX}: ${reason}`);
}

/** Quotes a value for a message (JSON escapes keep odd characters visible). */
function q(text: string): string {
  return JSON.stringify(text);
}

function badValue(option: string, value: string, expected: string): never {
  fail(`${q(option)} needs ${expected}, got ${q(value)}`);
}

function parseDecimal(option: string, value: string, min: number, max: number, expected: string): number {
  if (!/^[0-9]{1,10}$/.test(value)) badValue(option, value, expected);
  const n = Number(value);
  if (n < min || n > max) badValue(option, value, expected);
  return n;
}

function parseSignedDecimal(
  option: string,
  value: string,
  min: number,
  max: number,
  expected: string,
): number {
  if (!/^[-+]?[0-9]{1,10}$/.test(value)) badValue(option, value, expected);
  const n = Number(value);
  if (n < min || n > max) badValue(option, value, expected);
  return n;
}

const GUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const GUID_HEX = /^[0-9a-f]{32}$/i;

/**
 * Reads a GUID the way xorriso does: RFC 4122 text ("C12A7328-F81F-11D2-BA4B-00A0C93EC93B"), or
 * 32 hex digits of the 16 bytes as stored on disk (first three fields little-endian). Returns the
 * RFC 4122 text in upper case, or undefined.
 */
function parseGuid(text: string): string | undefined {
  if (GUID_TEXT.test(text)) return text.toUpperCase();
  if (!GUID_HEX.test(text)) return undefined;
  const h = text.toUpperCase();
  const byte = (i: number) => h.slice(2 * i, 2 * i + 2);
  const field = (indexes: number[]) => indexes.map(byte).join("");
  return [field([3, 2, 1, 0]), field([5, 4]), field([7, 6]), field([8, 9]), field([10, 11, 12, 13, 14, 15])]
    .join("-");
}

/**
 * The 16 bytes of a GUID as stored in a GPT (first three fields little-endian, UEFI 2.x
 * Appendix A), from RFC 4122 text as {@link MkisofsOptions} records it.
 *
 * @example
 * ```ts
 * guidToBytes(PARTITION_TYPE_GUID.efiSystem); // 28 73 2a c1 1f f8 d2 11 ba 4b 00 a0 c9 3e c9 3b
 * ```
 */
export function guidToBytes(guid: string): Uint8Array {
  if (!GUID_TEXT.test(guid)) throw new TypeError(`Cannot convert GUID: not RFC 4122 text: ${q(guid)}`);
  const hex = guid.replaceAll("-", "");
  const big = new Uint8Array(16);
  for (let i = 0; i < 16; i++) big[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  const out = big.slice();
  // 0: time_low (4 bytes), 4: time_mid (2), 6: time_hi_and_version (2) are little-endian on disk.
  out.set([big[3], big[2], big[1], big[0], big[5], big[4], big[7], big[6]], 0);
  return out;
}

const NAMED_MBR_TYPES: Readonly<Record<string, number>> = { FAT12: 0x01, FAT16: 0x06, Linux: 0x83, "": 0x00 };

function parseAppendedPartitionType(option: string, value: string): PartitionType {
  if (Object.hasOwn(NAMED_MBR_TYPES, value)) return { kind: "mbr", code: NAMED_MBR_TYPES[value] };
  const guid = parseGuid(value);
  if (guid !== undefined) return { kind: "gpt", guid };
  if (/^0x[0-9a-f]{1,2}$/i.test(value)) return { kind: "mbr", code: parseInt(value.slice(2), 16) };
  badValue(
    option,
    value,
    "a partition type (0x00...0xff, FAT12, FAT16, Linux or a GUID; decimal is not accepted)",
  );
}

function parseIsoMbrPartType(option: string, value: string): PartitionType | undefined {
  if (value === "default") return undefined;
  if (/^0x[0-9a-f]{1,2}$/i.test(value)) return { kind: "mbr", code: parseInt(value.slice(2), 16) };
  const guid = parseGuid(value);
  if (guid !== undefined) return { kind: "gpt", guid };
  if (/^[0-9]{1,3}$/.test(value) && Number(value) <= 0xff) return { kind: "mbr", code: Number(value) };
  badValue(option, value, '"default", 0x00...0xff, 0...255 or a GUID');
}

function parseGptDiskGuid(option: string, value: string): GptDiskGuid | undefined {
  if (value === "random") return undefined;
  if (value === "modification-date" || value === "volume_date_uuid") return { kind: "modificationDate" };
  const guid = parseGuid(value);
  if (guid === undefined) badValue(option, value, '"random", "modification-date" or a GUID');
  return { kind: "guid", guid };
}

function parsePlatformId(option: string, value: string): number {
  const named: Readonly<Record<string, number>> = {
    x86: EL_TORITO_PLATFORM.x86,
    bios: EL_TORITO_PLATFORM.x86,
    ppc: EL_TORITO_PLATFORM.powerPc,
    mac: EL_TORITO_PLATFORM.mac,
    efi: EL_TORITO_PLATFORM.efi,
  };
  const lower = value.toLowerCase();
  if (Object.hasOwn(named, lower)) return named[lower];
  if (/^0x[0-9a-f]{1,2}$/i.test(value)) return parseInt(value.slice(2), 16);
  if (/^[0-9]{1,3}$/.test(value) && Number(value) <= 0xff) return Number(value);
  badValue(option, value, "a platform (x86, PPC, Mac, efi, 0...255 or 0x00...0xff)");
}

function parseHexBytes(option: string, value: string, maxByteLength: number): Uint8Array {
  if (!/^([0-9a-f]{2})*$/i.test(value) || value.length > 2 * maxByteLength) {
    badValue(option, value, `an even number of hex digits (at most ${2 * maxByteLength})`);
  }
  const out = new Uint8Array(value.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(value.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** `-eltorito-id`: 56 hex digits are 28 bytes; any other text gives its first 28 bytes. */
function parseEltoritoId(value: string): Uint8Array {
  if (/^[0-9a-f]{56}$/i.test(value)) return parseHexBytes("-eltorito-id", value, 28);
  return new TextEncoder().encode(value).slice(0, 28);
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** YYYYMMDDhhmmsscc (ECMA-119 §8.4.26.1 without the zone byte), UTC, years 1970...2999. */
function parseEcma119DateText(option: string, value: string): Date {
  const expected = "16 digits YYYYMMDDhhmmsscc (UTC, years 1970...2999)";
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(value);
  if (!m) badValue(option, value, expected);
  const [year, month, day, hour, minute, second, centisecond] = m.slice(1).map(Number);
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const monthDays = month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1];
  if (
    year < 1970 || year > 2999 || month < 1 || month > 12 || day < 1 || day > monthDays || hour > 23 ||
    minute > 59 || second > 59
  ) badValue(option, value, expected);
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second, centisecond * 10));
}

/** An octal mode starting with "0", or xorriso's symbolic "[ugoa]*[+-=][rwxst]*,..." applied to 0. */
function parseMode(option: string, value: string): number {
  const expected = 'an octal mode starting with "0" or a list like "u=rwx,go+rx"';
  if (value.startsWith("0")) {
    if (!/^0[0-7]{0,4}$/.test(value)) badValue(option, value, expected);
    return parseInt(value, 8);
  }
  if (!/[-+=]/.test(value)) badValue(option, value, expected);
  let mode = 0;
  for (const statement of value.split(",")) {
    const m = /^([ugoa]*)([-+=])([rwxst]*)$/.exec(statement);
    if (!m) badValue(option, value, expected);
    let who = 0;
    for (const c of m[1]) who |= c === "u" ? 4 : c === "g" ? 2 : c === "o" ? 1 : 7;
    let bits = 0;
    for (const c of m[3]) {
      const shifts = [[4, 6], [2, 3], [1, 0]] as const;
      if (c === "r" || c === "w" || c === "x") {
        const bit = c === "r" ? 4 : c === "w" ? 2 : 1;
        for (const [w, shift] of shifts) if (who & w) bits |= bit << shift;
      } else if (c === "s") {
        if (who & 4) bits |= 0o4000;
        if (who & 2) bits |= 0o2000;
      } else if (who & 1) bits |= 0o1000; // "t"
    }
    if (m[2] === "+") mode |= bits;
    else if (m[2] === "-") mode &= ~bits;
    else {
      let mask = 0;
      if (who & 1) mask |= 0o1007;
      if (who & 2) mask |= 0o2070;
      if (who & 4) mask |= 0o4700;
      mode = (mode & ~mask) | bits;
    }
  }
  return mode;
}

/** `-uid` / `-gid`: a number or a name; "" and "-" revoke. */
function parseOwner(option: string, value: string): number | string | undefined {
  if (value === "" || value === "-") return undefined;
  if (/^[0-9]+$/.test(value)) {
    return parseDecimal(option, value, 0, 0xffffffff, "an id (0...4294967295) or a name");
  }
  return value;
}

function parseUtf8Charset(option: string, value: string): "UTF-8" {
  if (/^utf-?8$/i.test(value)) return "UTF-8";
  fail(`${q(option)} ${q(value)} is not supported: only utf-8 is supported`);
}

function parseChecksumList(option: string, value: string): ChecksumAlgorithm[] {
  if (value === "all") return [...CHECKSUM_ALGORITHMS];
  const out: ChecksumAlgorithm[] = [];
  for (const name of value.split(",")) {
    const known = CHECKSUM_ALGORITHMS.find((a) => a === name);
    if (known === undefined) badValue(option, value, 'a list of md5, sha1, sha256, sha512, or "all"');
    if (!out.includes(known)) out.push(known);
  }
  return out;
}

function parseBlockByteLength(option: string, value: string): 0 | 512 | 2048 {
  if (value === "0" || value === "512" || value === "2048") return Number(value) as 0 | 512 | 2048;
  badValue(option, value, "0, 512 or 2048");
}

const BLESSINGS: Readonly<Record<string, HfsBlessing>> = {
  ppc_bootdir: "ppc_bootdir",
  p: "ppc_bootdir",
  intel_bootfile: "intel_bootfile",
  i: "intel_bootfile",
  show_folder: "show_folder",
  s: "show_folder",
  os9_folder: "os9_folder",
  "9": "os9_folder",
  osx_folder: "osx_folder",
  x: "osx_folder",
};

/** A host file for the system area or a partition; interval reader strings are refused. */
function parseHostSource(option: string, value: string): string {
  if (value === "") fail(`${q(option)} needs a file, got ""`);
  if (value.startsWith("--interval:")) {
    fail(`${q(option)} ${q(value)} is not supported: interval reader sources are not supported`);
  }
  return value;
}

function absoluteIsoPath(path: string): string {
  return path.startsWith("/") ? path : `/${path}`;
}

/** `-b` / `-e` / `--efi-boot` argument. */
function parseBootImage(option: string, value: string): BootImageRef {
  if (value === "") fail(`${q(option)} needs a boot image path, got ""`);
  if (!value.startsWith("--interval:")) return { kind: "isoPath", isoPath: absoluteIsoPath(value) };
  // --interval:appended_partition_N:INTERVAL:ZEROIZERS:SOURCE; only the whole partition makes sense.
  const m = /^--interval:appended_partition_([0-9]{1,3}):(all)?::$/.exec(value);
  if (m) {
    const partitionNumber = Number(m[1]);
    if (partitionNumber >= 1 && partitionNumber <= MAX_APPENDED_PARTITIONS) {
      return { kind: "appendedPartition", partitionNumber };
    }
  }
  fail(
    `${q(option)} ${q(value)} is not supported: only --interval:appended_partition_N:all:: ` +
      `(N = 1...${MAX_APPENDED_PARTITIONS}) can name a boot image outside the tree`,
  );
}

/** Index of the first "=" not escaped by a backslash (mkisofs mode: "\=" and "\\" are escapes). */
function unescapedEqualsIndex(pathspec: string): number {
  for (let i = 0; i < pathspec.length; i++) {
    const c = pathspec[i];
    if (c === "\\") {
      if (pathspec[i + 1] === "=" || pathspec[i + 1] === "\\") i++;
    } else if (c === "=") return i;
  }
  return -1;
}

/** Undoes "\=" and "\\"; any other backslash stays. */
function unescapePathspecPart(part: string): string {
  let out = "";
  for (let i = 0; i < part.length; i++) {
    const c = part[i];
    if (c === "\\" && (part[i + 1] === "=" || part[i + 1] === "\\")) {
      out += part[i + 1];
      i++;
    } else out += c;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Parse state
// ---------------------------------------------------------------------------------------------

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** The El Torito entry being built (xorriso keeps the same state between -eltorito-alt-boot). */
interface PendingEntry {
  image?: BootImageRef;
  option?: BootImageOption;
  platformId: number;
  emulation: ElToritoEmulation;
  /** Neither -no-emul-boot nor -hard-disk-boot yet: -b/-e make the entry emulate a floppy. */
  emulationIsDefault: boolean;
  loadSectorCount?: number | "full";
  bootInfoTable: boolean;
  grub2BootInfo: boolean;
  bootable: boolean;
  idBytes?: Uint8Array;
  selectionCriteria?: Uint8Array;
  isohybridGpt?: "basicData" | "hfsplus";
  isohybridApmHfsplus: boolean;
  /** Set by --efi-boot: force platform 0xEF, no emulation, no boot info table. */
  efiDefault: boolean;
  /** Options that changed this entry, for the warning when no image ever comes. */
  touchedBy: string[];
}

function newPendingEntry(): PendingEntry {
  return {
    platformId: EL_TORITO_PLATFORM.x86,
    emulation: "none",
    emulationIsDefault: true,
    bootInfoTable: false,
    grub2BootInfo: false,
    bootable: true,
    isohybridApmHfsplus: false,
    efiDefault: false,
    touchedBy: [],
  };
}

class ParseState {
  readonly o: Writable<
    Omit<
      MkisofsOptions,
      | "pathspecs"
      | "exclude"
      | "excludeLists"
      | "hide"
      | "hideLists"
      | "hideJoliet"
      | "hideJolietLists"
      | "hideHfsplus"
      | "hideHfsplusLists"
      | "hfsplusFileCreatorTypes"
      | "hfsBlessings"
      | "hfsBlessHostDirs"
      | "sortWeights"
      | "boot"
      | "appendedPartitions"
      | "diagnostics"
      | "systemAreaFile"
      | "isohybridMbr"
      | "grub2Mbr"
      | "isohybridGptBasdat"
      | "isohybridGptHfsplus"
      | "isohybridApmHfsplus"
    >
  > = {
    help: false,
    version: false,
    quiet: false,
    verbose: 0,
    debug: false,
    printSize: false,
    graftPoints: false,
    followLinks: false,
    rockRidge: "on",
    joliet: false,
    jolietLong: false,
    jolietUtf16: false,
    isoLevel: 1,
    iso1999: false,
    fullIso9660Filenames: false,
    maxIso9660Filenames: false,
    relaxedFilenames: false,
    allowLowercase: false,
    untranslatedFilenames: false,
    omitPeriod: false,
    omitVersionNumbers: false,
    allowLeadingDots: false,
    allowMultidot: false,
    disallowDirIdExt: false,
    disableDeepRelocation: false,
    hfsplus: false,
    pad: true,
    emulToc: false,
    oldEmpty: false,
    md5: false,
    hardlinks: false,
    acl: false,
    xattr: "off",
    transparentCompression: false,
    checksumAlgorithms: [],
    checksumAlgorithmsTemplate: [],
    hideBootCatalog: false,
    protectiveMsdosLabel: false,
    mbrForceBootable: false,
    partitionOffsetLba: 0,
    partitionCylAlign: "auto",
    appendedPartAsGpt: false,
    appendedPartAsApm: false,
    partLikeIsohybrid: false,
    chrpBootPart: false,
  };
  readonly pathspecs: Pathspec[] = [];
  readonly exclude: string[] = [];
  readonly excludeLists: string[] = [];
  readonly hide: string[] = [];
  readonly hideLists: string[] = [];
  readonly hideJoliet: string[] = [];
  readonly hideJolietLists: string[] = [];
  readonly hideHfsplus: string[] = [];
  readonly hideHfsplusLists: string[] = [];
  readonly hfsplusFileCreatorTypes: { creator: string; type: string; isoPath: string }[] = [];
  readonly hfsBlessings: { blessing: HfsBlessing; isoPath: string }[] = [];
  readonly hfsBlessHostDirs: string[] = [];
  readonly sortWeights: { weight: number; isoPath: string }[] = [];
  readonly appended = new Map<number, AppendedPartition>();
  readonly diagnostics: MkisofsDiagnostic[] = [];

  /** The one system area file and how xorriso will patch it. */
  systemArea: { hostPath?: string; kind: "plain" | "isohybridMbr" | "grub2Mbr" } = { kind: "plain" };

  readonly boot: ElToritoEntry[] = [];
  pending: PendingEntry = newPendingEntry();
  /** Platform for the next -b (-eltorito-platform); survives -eltorito-alt-boot. */
  bPlatformId: number = EL_TORITO_PLATFORM.x86;
  catalogPath?: string;

  /** A pathspec containing "=" came before -graft-points. */
  plainPathspecWithEquals?: string;
  /** An exclusion option came after a pathspec. */
  lateExclusion?: string;

  note(message: string): void {
    this.diagnostics.push({ level: "note", message });
  }

  warn(message: string): void {
    this.diagnostics.push({ level: "warning", message });
  }

  touch(option: string): PendingEntry {
    this.pending.touchedBy.push(option);
    return this.pending;
  }

  /** Finishes the entry being built (xorriso: nothing happens, nothing resets, without an image). */
  commitBootEntry(): void {
    const p = this.pending;
    if (p.image === undefined || p.option === undefined) return;
    if (this.boot.length >= MAX_BOOT_ENTRIES) {
      fail(
        `too many El Torito entries: at most ${MAX_BOOT_ENTRIES} boot images (-b, -e, --efi-boot) fit in a catalog`,
      );
    }
    const emulation = p.efiDefault ? "none" : p.emulation;
    // mkisofs's default load size for non-emulating images is the whole image.
    const loadSectorCount = p.loadSectorCount ?? (p.emulation === "none" ? "full" : undefined);
    const entry: Writable<ElToritoEntry> = {
      option: p.option,
      image: p.image,
      platformId: p.efiDefault ? EL_TORITO_PLATFORM.efi : p.platformId,
      emulation,
      bootInfoTable: p.efiDefault ? false : p.bootInfoTable,
      grub2BootInfo: p.grub2BootInfo,
      bootable: p.bootable,
      isohybridApmHfsplus: p.isohybridApmHfsplus,
    };
    if (loadSectorCount !== undefined) entry.loadSectorCount = loadSectorCount;
    if (p.idBytes !== undefined) entry.idBytes = p.idBytes;
    if (p.selectionCriteria !== undefined) entry.selectionCriteria = p.selectionCriteria;
    if (p.isohybridGpt !== undefined) entry.isohybridGpt = p.isohybridGpt;
    if (entry.platformId === EL_TORITO_PLATFORM.efi && emulation === "floppy") {
      this.warn(
        `El Torito entry ${this.boot.length + 1} (EFI image ${q(describeImage(p.image))}) emulates a ` +
          "floppy because -no-emul-boot was not given for it",
      );
    }
    this.boot.push(entry);
    this.pending = newPendingEntry();
  }

  setBootImage(option: "-b" | "-e", spelled: string, value: string): void {
    const image = parseBootImage(spelled, value);
    const p = this.touch(spelled);
    if (p.image !== undefined) {
      this.warn(
        `${q(spelled)} ${q(value)} replaces boot image ${
          q(describeImage(p.image))
        } of the current El Torito ` +
          "entry (as xorriso does); use -eltorito-alt-boot to add an entry instead",
      );
    }
    p.image = image;
    p.option = option;
    p.platformId = option === "-e" ? EL_TORITO_PLATFORM.efi : this.bPlatformId;
    p.efiDefault = false;
    if (p.emulationIsDefault) p.emulation = "floppy";
  }

  efiBoot(spelled: string, value: string): void {
    const image = parseBootImage(spelled, value);
    this.commitBootEntry();
    const p = this.touch(spelled);
    p.image = image;
    p.option = "--efi-boot";
    p.efiDefault = true;
    p.emulation = "none";
    p.emulationIsDefault = false;
    this.commitBootEntry();
  }

  addPathspec(arg: string): void {
    if (arg === "") fail("empty pathspec");
    if (!this.o.graftPoints) {
      if (this.plainPathspecWithEquals === undefined && unescapedEqualsIndex(arg) >= 0) {
        this.plainPathspecWithEquals = arg;
      }
      this.pathspecs.push({ hostPath: arg });
      return;
    }
    const at = unescapedEqualsIndex(arg);
    if (at < 0) {
      this.pathspecs.push({ hostPath: unescapePathspecPart(arg) });
      return;
    }
    const isoPath = unescapePathspecPart(arg.slice(0, at));
    const hostPath = unescapePathspecPart(arg.slice(at + 1));
    if (hostPath === "") fail(`pathspec ${q(arg)} has no host path after "="`);
    this.pathspecs.push({ isoPath, hostPath });
  }

  addExclusion(spelled: string, list: string[], value: string): void {
    if (this.pathspecs.length > 0 && this.lateExclusion === undefined) this.lateExclusion = spelled;
    list.push(value);
  }

  finish(): MkisofsOptions {
    this.commitBootEntry();
    const p = this.pending;
    if (p.touchedBy.length > 0) {
      this.warn(
        `El Torito options ${p.touchedBy.map(q).join(", ")} were given after the last boot image ` +
          "entry was finished and apply to no image",
      );
    }
    if (this.plainPathspecWithEquals !== undefined) {
      this.warn(
        `pathspec ${q(this.plainPathspecWithEquals)} came before -graft-points and is taken as a plain ` +
          "host path (xorriso applies -graft-points to later pathspecs only)",
      );
    }
    if (this.lateExclusion !== undefined) {
      this.warn(
        `${q(this.lateExclusion)} came after a pathspec; xorriso would exclude only from later ` +
          "pathspecs, discwright excludes from all",
      );
    }
    const volumeId = this.o.volumeId;
    if (this.o.joliet && volumeId !== undefined && [...volumeId].length > 16) {
      this.warn(`volume id ${q(volumeId)} is longer than the 16 characters Joliet can hold; it is cut there`);
    }
    if (this.catalogPath !== undefined && this.boot.length === 0) {
      this.warn(`boot catalog path ${q(this.catalogPath)} given without any boot image`);
    }
    const sa = this.systemArea;
    const usesIsohybridFlags = this.boot.some((e) => e.isohybridGpt !== undefined || e.isohybridApmHfsplus);
    if (usesIsohybridFlags && sa.kind !== "isohybridMbr" && !this.o.partLikeIsohybrid) {
      this.warn(
        "-isohybrid-gpt-basdat, -isohybrid-gpt-hfsplus and -isohybrid-apm-hfsplus need " +
          "-isohybrid-mbr or -part_like_isohybrid to have an effect",
      );
    }
    const result: Writable<MkisofsOptions> = {
      ...this.o,
      pathspecs: this.pathspecs,
      exclude: this.exclude,
      excludeLists: this.excludeLists,
      hide: this.hide,
      hideLists: this.hideLists,
      hideJoliet: this.hideJoliet,
      hideJolietLists: this.hideJolietLists,
      hideHfsplus: this.hideHfsplus,
      hideHfsplusLists: this.hideHfsplusLists,
      hfsplusFileCreatorTypes: this.hfsplusFileCreatorTypes,
      hfsBlessings: this.hfsBlessings,
      hfsBlessHostDirs: this.hfsBlessHostDirs,
      sortWeights: this.sortWeights,
      boot: this.boot,
      appendedPartitions: [...this.appended.values()].sort((a, b) => a.partitionNumber - b.partitionNumber),
      isohybridGptBasdat: this.boot.some((e) => e.isohybridGpt === "basicData"),
      isohybridGptHfsplus: this.boot.some((e) => e.isohybridGpt === "hfsplus"),
      isohybridApmHfsplus: this.boot.some((e) => e.isohybridApmHfsplus),
      diagnostics: this.diagnostics,
    };
    if (this.boot.length > 0) result.bootCatalogPath = this.catalogPath ?? "/boot.catalog";
    else if (this.catalogPath !== undefined) result.bootCatalogPath = this.catalogPath;
    if (sa.hostPath !== undefined) {
      if (sa.kind === "isohybridMbr") result.isohybridMbr = sa.hostPath;
      else if (sa.kind === "grub2Mbr") result.grub2Mbr = sa.hostPath;
      else result.systemAreaFile = sa.hostPath;
    }
    return result;
  }
}

function describeImage(image: BootImageRef): string {
  return image.kind === "isoPath"
    ? image.isoPath
    : `--interval:appended_partition_${image.partitionNumber}:all::`;
}

// ---------------------------------------------------------------------------------------------
// Option table
// ---------------------------------------------------------------------------------------------

interface OptionSpec {
  /** Words taken after the option. */
  readonly argCount: 0 | 1 | 2 | 3;
  /** `spelled` is the option as written (for messages); `args` are its words. */
  readonly run: (st: ParseState, args: readonly string[], spelled: string) => void;
}

const OPTIONS = new Map<string, OptionSpec>();

function define(names: readonly string[], argCount: 0 | 1 | 2 | 3, run: OptionSpec["run"]): void {
  for (const name of names) OPTIONS.set(name, { argCount, run });
}

function flag(names: readonly string[], run: (st: ParseState, spelled: string) => void): void {
  define(names, 0, (st, _args, spelled) => run(st, spelled));
}

function arg1(names: readonly string[], run: (st: ParseState, value: string, spelled: string) => void): void {
  define(names, 1, (st, args, spelled) => run(st, args[0], spelled));
}

/** xorriso accepts these and does nothing (it prints a note). */
const IGNORED_FLAGS = [
  "-check-oldnames",
  "-no-bak",
  "-nobak",
  "-force-rr",
  "-T",
  "-translation-table",
  "-no-iso-translate",
  "-no-split-symlink-components",
  "-no-split-symlink-fields",
] as const;
const IGNORED_WITH_ARGUMENT = [
  "-check-session",
  "-hide-hfs",
  "-hide-hfs-list",
  "-table-name",
  "-volset-seqno",
  "-volset-size",
] as const;

// invocation
flag(["-help"], (st) => st.o.help = true);
flag(["-version"], (st) => st.o.version = true);
flag(["-quiet"], (st) => st.o.quiet = true);
flag(["-v", "-verbose"], (st) => st.o.verbose++);
flag(["-debug"], (st) => st.o.debug = true);
flag(["-print-size"], (st) => st.o.printSize = true);
flag(["-gui", "--no_rc"], (st, spelled) => st.note(`option ${q(spelled)} has no effect here`));
arg1(["-log-file"], (st, v) => st.o.logFile = v);
arg1(["-o", "-output"], (st, v, spelled) => {
  const path = v.startsWith("stdio:") ? v.slice(6) : v;
  if (path === "") fail(`${q(spelled)} needs a file name, got ${q(v)}`);
  st.o.outputPath = path;
});
for (const name of IGNORED_FLAGS) {
  flag([name], (st, spelled) => st.note(`ignored option ${q(spelled)} (xorriso ignores it too)`));
}
for (const name of IGNORED_WITH_ARGUMENT) {
  arg1([name], (st, _v, spelled) => st.note(`ignored option ${q(spelled)} (xorriso ignores it too)`));
}

// input
flag(["-graft-points"], (st) => st.o.graftPoints = true);
arg1(["-root"], (st, v, spelled) => {
  if (v === "") fail(`${q(spelled)} needs an image directory, got ""`);
  st.o.rootIsoPath = absoluteIsoPath(v);
});
flag(["-f", "-follow-links"], (st) => st.o.followLinks = true);
arg1(["-m", "-exclude", "-x", "-old-exclude"], (st, v, spelled) => st.addExclusion(spelled, st.exclude, v));
arg1(["-exclude-list"], (st, v, spelled) => st.addExclusion(spelled, st.excludeLists, v));
arg1(["-hide"], (st, v) => st.hide.push(v));
arg1(["-hide-list"], (st, v) => st.hideLists.push(v));
arg1(["-hide-joliet"], (st, v) => st.hideJoliet.push(v));
arg1(["-hide-joliet-list"], (st, v) => st.hideJolietLists.push(v));
arg1(["-hide-hfsplus"], (st, v) => st.hideHfsplus.push(v));
arg1(["-hide-hfsplus-list"], (st, v) => st.hideHfsplusLists.push(v));
arg1(["-input-charset"], (st, v, spelled) => st.o.inputCharset = parseUtf8Charset(spelled, v));
arg1(["-output-charset"], (st, v, spelled) => st.o.outputCharset = parseUtf8Charset(spelled, v));
flag(["-cache-inodes"], (st) => st.o.cacheInodes = true);
flag(["-no-cache-inodes"], (st) => st.o.cacheInodes = false);
flag(["-z", "-transparent-compression"], (st) => st.o.transparentCompression = true);

// trees and names
flag(["-R", "-rock"], (st) => {
  if (st.o.rockRidge === "off") st.o.rockRidge = "on";
});
flag(["-r", "-rational-rock"], (st) => st.o.rockRidge = "rationalized");
flag(["--norock"], (st) => st.o.rockRidge = "off");
flag(["-J", "-joliet"], (st) => st.o.joliet = true);
flag(["-joliet-long"], (st) => st.o.jolietLong = true);
flag(["-joliet-utf16"], (st) => st.o.jolietUtf16 = true);
arg1(["-iso-level"], (st, v, spelled) => {
  const level = parseDecimal(spelled, v, 1, 4, "a level 1, 2, 3 or 4") as 1 | 2 | 3 | 4;
  st.o.isoLevel = level;
  if (level === 4) st.o.iso1999 = true;
});
flag(["-l", "-full-iso9660-filenames"], (st) => st.o.fullIso9660Filenames = true);
flag(["-max-iso9660-filenames"], (st) => st.o.maxIso9660Filenames = true);
flag(["-relaxed-filenames"], (st) => st.o.relaxedFilenames = true);
flag(["-allow-lowercase"], (st) => st.o.allowLowercase = true);
flag(["-U", "-untranslated-filenames"], (st) => st.o.untranslatedFilenames = true);
arg1(["-untranslated_name_len"], (st, v, spelled) => {
  st.o.untranslatedNameCharLimit = parseDecimal(spelled, v, 0, 96, "a length 0...96");
});
flag(["-d", "-omit-period"], (st) => st.o.omitPeriod = true);
flag(["-N", "-omit-version-number"], (st) => st.o.omitVersionNumbers = true);
flag(["-L", "-allow-leading-dots", "-ldots"], (st) => st.o.allowLeadingDots = true);
flag(["-allow-multidot"], (st) => st.o.allowMultidot = true);
flag(["-disallow_dir_id_ext"], (st) => st.o.disallowDirIdExt = true);
flag(["-D", "-disable-deep-relocation"], (st) => st.o.disableDeepRelocation = true);
arg1(["-rr_reloc_dir"], (st, v, spelled) => {
  const name = v.startsWith("/") ? v.slice(1) : v;
  if (name.includes("/") || new TextEncoder().encode(name).length > 255) {
    badValue(spelled, v, 'the name of a directory in the root (no further "/", at most 255 bytes)');
  }
  st.o.rrRelocDir = name;
});
flag(["-hide-rr-moved"], (st) => st.o.rrRelocDir = ".rr_moved");
arg1(["-file_name_limit"], (st, v, spelled) => {
  st.o.fileNameByteLimit = parseDecimal(spelled, v, 64, 255, "a length 64...255");
});

// HFS+
flag(["-hfsplus"], (st) => st.o.hfsplus = true);
arg1(["-hfsplus-serial-no"], (st, v, spelled) => {
  if (!/^[0-9a-f]{16}$/i.test(v)) badValue(spelled, v, "16 hex digits");
  st.o.hfsplusSerialNumber = v.toLowerCase();
});
arg1(
  ["-hfsplus-block-size"],
  (st, v, spelled) => st.o.hfsplusBlockByteLength = parseBlockByteLength(spelled, v),
);
arg1(["-apm-block-size"], (st, v, spelled) => st.o.apmBlockByteLength = parseBlockByteLength(spelled, v));
define(["-hfsplus-file-creator-type"], 3, (st, [creator, type, isoPath], spelled) => {
  if ([...creator].length !== 4) badValue(spelled, creator, "a creator code of 4 characters");
  if ([...type].length !== 4) badValue(spelled, type, "a type code of 4 characters");
  st.hfsplusFileCreatorTypes.push({ creator, type, isoPath });
});
define(["-hfs-bless-by"], 2, (st, [blessing, isoPath], spelled) => {
  if (!Object.hasOwn(BLESSINGS, blessing)) {
    badValue(
      spelled,
      blessing,
      "a blessing (ppc_bootdir, intel_bootfile, show_folder, os9_folder, osx_folder or p, i, s, 9, x)",
    );
  }
  st.hfsBlessings.push({ blessing: BLESSINGS[blessing], isoPath });
});
arg1(["-hfs-bless"], (st, v) => st.hfsBlessHostDirs.push(v));

// identifiers (xorriso refuses texts longer than the volume descriptor fields, ECMA-119 8.4)
function identifier(option: string, value: string, maxByteLength: number): string {
  const byteLength = new TextEncoder().encode(value).length;
  if (byteLength > maxByteLength) {
    fail(`${q(option)} ${q(value)} is too long: ${byteLength} bytes, at most ${maxByteLength}`);
  }
  return value;
}
arg1(["-V", "-volid"], (st, v, spelled) => st.o.volumeId = identifier(spelled, v, 32));
arg1(["-volset"], (st, v, spelled) => st.o.volumeSetId = identifier(spelled, v, 128));
arg1(["-P", "-publisher"], (st, v, spelled) => st.o.publisher = identifier(spelled, v, 128));
arg1(["-p", "-preparer"], (st, v, spelled) => st.o.preparer = identifier(spelled, v, 128));
arg1(["-A", "-appid"], (st, v, spelled) => st.o.applicationId = identifier(spelled, v, 128));
arg1(["-sysid"], (st, v, spelled) => st.o.systemId = identifier(spelled, v, 32));
arg1(["-copyright"], (st, v, spelled) => st.o.copyrightFile = identifier(spelled, v, 37));
arg1(["-abstract"], (st, v, spelled) => st.o.abstractFile = identifier(spelled, v, 37));
arg1(["-biblio"], (st, v, spelled) => st.o.bibliographicFile = identifier(spelled, v, 37));
arg1(["--application_use"], (st, v) => st.o.applicationUse = v);

// ownership, permissions, dates
arg1(["-uid"], (st, v, spelled) => st.o.uid = parseOwner(spelled, v));
arg1(["-gid"], (st, v, spelled) => st.o.gid = parseOwner(spelled, v));
arg1(["-dir-mode"], (st, v, spelled) => st.o.dirMode = parseMode(spelled, v));
arg1(["-file-mode"], (st, v, spelled) => st.o.fileMode = parseMode(spelled, v));
arg1(["-new-dir-mode"], (st, v, spelled) => st.o.newDirMode = parseMode(spelled, v));
arg1(["--set_all_file_dates"], (st, v) => {
  st.o.setAllFileDates = v === "" || v === "default" ? undefined : v;
});

// layout and extras
flag(["-pad"], (st) => st.o.pad = true);
flag(["-no-pad"], (st) => st.o.pad = false);
flag(["--emul-toc"], (st) => st.o.emulToc = true);
flag(["--no-emul-toc"], (st) => st.o.emulToc = false);
flag(["--old-empty"], (st) => st.o.oldEmpty = true);
arg1(["--stdio_sync"], (st, v, spelled) => {
  if (!/^(on|off|end|[0-9]{1,15}[kmg]?)$/i.test(v)) badValue(spelled, v, '"on", "off", "end" or a size');
  st.o.stdioSync = v;
});
arg1(["-sort"], (st, v) => {
  st.o.sortFile = v;
  st.note('option "-sort" is recorded, but xorriso ignores it');
});
define(["--sort-weight"], 2, (st, [weight, isoPath], spelled) => {
  const w = parseSignedDecimal(spelled, weight, -0x80000000, 0x7fffffff, "a weight -2147483648...2147483647");
  st.sortWeights.push({ weight: w, isoPath });
});
arg1(["--sort-weight-list"], (st, v) => st.o.sortWeightList = { hostPath: v, patterns: false });
arg1(["--sort-weight-patterns"], (st, v) => st.o.sortWeightList = { hostPath: v, patterns: true });
flag(["--md5"], (st) => st.o.md5 = true);
flag(["--hardlinks"], (st) => st.o.hardlinks = true);
flag(["--acl"], (st) => st.o.acl = true);
flag(["--xattr"], (st) => st.o.xattr = "user");
flag(["--xattr-any"], (st) => st.o.xattr = "any");
flag(["--for_backup"], (st) => {
  st.o.hardlinks = true;
  st.o.acl = true;
  st.o.xattr = "any";
  st.o.md5 = true;
});
arg1(
  ["-checksum_algorithm_iso"],
  (st, v, spelled) => st.o.checksumAlgorithms = parseChecksumList(spelled, v),
);
arg1(
  ["-checksum_algorithm_template"],
  (st, v, spelled) => st.o.checksumAlgorithmsTemplate = parseChecksumList(spelled, v),
);

// El Torito
arg1(["-b", "-eltorito-boot"], (st, v, spelled) => st.setBootImage("-b", spelled, v));
arg1(["-e"], (st, v, spelled) => st.setBootImage("-e", spelled, v));
arg1(["--efi-boot"], (st, v, spelled) => st.efiBoot(spelled, v));
arg1(["--efi-boot-dir"], (st, v, spelled) => {
  if (st.o.efiBootDir !== undefined) fail(`${q(spelled)} may be given once`);
  st.o.efiBootDir = { hostPath: parseHostSource(spelled, v), isoPath: "/efiboot.img" };
  st.efiBoot(spelled, "/efiboot.img");
});
flag(["-eltorito-alt-boot"], (st) => st.commitBootEntry());
arg1(["-eltorito-platform"], (st, v, spelled) => {
  const id = parsePlatformId(spelled, v);
  if (id !== st.bPlatformId && st.pending.image !== undefined) st.commitBootEntry();
  st.bPlatformId = id;
});
flag(["-no-emul-boot"], (st, spelled) => {
  const p = st.touch(spelled);
  p.emulation = "none";
  p.emulationIsDefault = false;
});
flag(["-hard-disk-boot"], (st, spelled) => {
  const p = st.touch(spelled);
  p.emulation = "hardDisk";
  p.emulationIsDefault = false;
});
flag(["-no-boot"], (st, spelled) => st.touch(spelled).bootable = false);
arg1(["-boot-load-size"], (st, v, spelled) => {
  st.touch(spelled).loadSectorCount = v === "full" ? "full" : parseDecimal(
    spelled,
    v,
    0,
    MAX_BOOT_LOAD_SECTOR_COUNT,
    `a number of 512-byte sectors (0...${MAX_BOOT_LOAD_SECTOR_COUNT}) or "full"`,
  );
});
flag(["-boot-info-table"], (st, spelled) => st.touch(spelled).bootInfoTable = true);
flag(["--grub2-boot-info"], (st, spelled) => st.touch(spelled).grub2BootInfo = true);
arg1(["-eltorito-id"], (st, v, spelled) => st.touch(spelled).idBytes = parseEltoritoId(v));
arg1(["-eltorito-selcrit"], (st, v, spelled) => {
  st.touch(spelled).selectionCriteria = parseHexBytes(spelled, v, 20);
});
arg1(["-c", "-eltorito-catalog"], (st, v, spelled) => {
  if (v === "") fail(`${q(spelled)} needs an image path, got ""`);
  st.catalogPath = absoluteIsoPath(v);
});
// "-hide-boot-catalog" is not an xorriso spelling, but issue 3 (and users of other tools) name it.
flag(["--boot-catalog-hide", "-hide-boot-catalog"], (st) => st.o.hideBootCatalog = true);
flag(["-isohybrid-gpt-basdat"], (st, spelled) => st.touch(spelled).isohybridGpt = "basicData");
flag(["-isohybrid-gpt-hfsplus"], (st, spelled) => st.touch(spelled).isohybridGpt = "hfsplus");
flag(["-isohybrid-apm-hfsplus"], (st, spelled) => st.touch(spelled).isohybridApmHfsplus = true);

// system area and partitions
function systemAreaPath(spelled: string, value: string): string {
  if (value === ".") {
    fail(`${q(spelled)} "." is not supported: it keeps the system area of an image being modified`);
  }
  return parseHostSource(spelled, value);
}
arg1(["-G", "-generic-boot", "--embedded-boot"], (st, v, spelled) => {
  st.systemArea = { ...st.systemArea, hostPath: systemAreaPath(spelled, v) };
});
arg1(["-isohybrid-mbr"], (st, v, spelled) => {
  st.systemArea = { hostPath: systemAreaPath(spelled, v), kind: "isohybridMbr" };
  st.o.protectiveMsdosLabel = false;
});
arg1(["--grub2-mbr"], (st, v, spelled) => {
  st.systemArea = { hostPath: systemAreaPath(spelled, v), kind: "grub2Mbr" };
});
flag(["--protective-msdos-label"], (st) => {
  st.o.protectiveMsdosLabel = true;
  if (st.systemArea.kind === "isohybridMbr") st.systemArea = { ...st.systemArea, kind: "plain" };
});
flag(["--mbr-force-bootable"], (st) => st.o.mbrForceBootable = true);
arg1(["-partition_offset"], (st, v, spelled) => {
  const expected = "a 2048-byte block address: 0, or 16...4294967295";
  const lba = parseDecimal(spelled, v, 0, 0xffffffff, expected);
  if (lba > 0 && lba < 16) badValue(spelled, v, expected);
  st.o.partitionOffsetLba = lba;
});
arg1(["-partition_hd_cyl"], (st, v, spelled) => {
  st.o.partitionHeadsPerCylinder = parseDecimal(spelled, v, 0, 255, "a number of heads 0...255");
});
arg1(["-partition_sec_hd"], (st, v, spelled) => {
  st.o.partitionSectorsPerHead = parseDecimal(spelled, v, 0, 63, "a number of sectors 0...63");
});
arg1(["-partition_cyl_align"], (st, v, spelled) => {
  if (v !== "auto" && v !== "on" && v !== "off" && v !== "all") badValue(spelled, v, "auto, on, off or all");
  st.o.partitionCylAlign = v;
});
define(["-append_partition"], 3, (st, [number, type, path], spelled) => {
  const partitionNumber = parseDecimal(
    spelled,
    number,
    1,
    MAX_APPENDED_PARTITIONS,
    `a partition number 1...${MAX_APPENDED_PARTITIONS}`,
  );
  const partitionType = parseAppendedPartitionType(spelled, type);
  if (path === "") {
    st.appended.delete(partitionNumber); // xorriso: an empty path cancels the partition
    return;
  }
  if (path === ".") fail(`${q(spelled)} "." is not supported (it is meant for SPARC boot images)`);
  st.appended.set(partitionNumber, {
    partitionNumber,
    type: partitionType,
    hostPath: parseHostSource(spelled, path),
  });
});
flag(["-appended_part_as_gpt"], (st) => st.o.appendedPartAsGpt = true);
flag(["-appended_part_as_apm"], (st) => st.o.appendedPartAsApm = true);
arg1(["-iso_mbr_part_type"], (st, v, spelled) => st.o.isoMbrPartType = parseIsoMbrPartType(spelled, v));
arg1(["--gpt_disk_guid"], (st, v, spelled) => st.o.gptDiskGuid = parseGptDiskGuid(spelled, v));
flag(["-part_like_isohybrid"], (st) => st.o.partLikeIsohybrid = true);
arg1(["-efi-boot-part"], (st, v, spelled) => {
  st.o.efiBootPart = v === "--efi-boot-image"
    ? { kind: "firstEfiBootImage" }
    : { kind: "file", hostPath: parseHostSource(spelled, v) };
});
arg1(["-prep-boot-part"], (st, v, spelled) => st.o.prepBootPart = parseHostSource(spelled, v));
flag(["-chrp-boot-part", "-chrp-boot"], (st) => st.o.chrpBootPart = true);

/** Options xorriso knows that discwright refuses, by reason. */
const UNSUPPORTED: ReadonlyMap<string, string> = new Map([
  ...[
    "-M",
    "-dev",
    "-prev-session",
    "-C",
    "-cdrecord-params",
    "-old-root",
    "--old-root-no-md5",
    "--old-root-devno",
    "--old-root-no-ino",
  ].map((name) => [name, "appending to or updating an existing image is not supported"] as const),
  ...["-path-list", "--quoted_path_list"].map((name) =>
    [name, "reading pathspecs from a file is not supported; give them as arguments"] as const
  ),
  ...[
    "-jigdo-jigdo",
    "-jigdo-template",
    "-jigdo-min-file-size",
    "-jigdo-force-md5",
    "-jigdo-force-checksum",
    "-jigdo-exclude",
    "-jigdo-map",
    "-jigdo-checksum-algorithm",
    "-jigdo-template-compress",
    "-md5-list",
    "-checksum-list",
  ].map((name) => [name, "jigdo output is not supported"] as const),
  ...[
    "-mips-boot",
    "-mipsel-boot",
    "-B",
    "-sparc-boot",
    "-sparc-label",
    "--grub2-sparc-core",
    "-hppa-cmdline",
    "-hppa-kernel-32",
    "-hppa-kernel-64",
    "-hppa-bootloader",
    "-hppa-ramdisk",
    "-hppa-hdrversion",
    "-alpha-boot",
  ].map((name) => [name, "MIPS, SPARC, HP-PA and Alpha boot blocks are not supported"] as const),
  ...["--zisofs-version-2", "--zisofs2-susp-z2", "--zisofs2-susp-zf"].map((name) =>
    [name, "zisofs version 2 is not supported"] as const
  ),
  ["--scdbackup_tag", "scdbackup tags are not supported"],
  ["-fat", "FAT file systems inside the image are not supported"],
  // mkisofs options xorriso itself refuses:
  ...[
    "-dvd-video",
    "-hide-joliet-trans-tbl",
    "-no-limit-pathtables",
    "-no-rr",
    "-posix-H",
    "-posix-L",
    "-posix-P",
    "-rrip110",
    "-rrip112",
    "-split-output",
    "-UDF",
    "-udf",
    "-udf-symlinks",
    "-no-udf-symlinks",
    "-XA",
    "-xa",
    "-hfs",
    "-no-hfs",
    "-apple",
    "-probe",
    "-no-desktop",
    "-mac-name",
    "-part",
    "-icon-position",
    "-chrp-t",
    "-hfs-unlock",
    "--cap",
    "--netatalk",
    "--double",
    "--ethershare",
    "--ushare",
    "--exchange",
    "--sgi",
    "--xinet",
    "--macbin",
    "--single",
    "--dave",
    "--sfm",
    "--osx-double",
    "--osx-hfs",
    "-g",
    "-h",
    "-no-mac-files",
    "-boot-load-seg",
    "-hidden",
    "-hidden-list",
    "-hide-udf",
    "-hide-udf-list",
    "-jcharset",
    "-s",
    "-sectype",
    "-stream-media-size",
    "-stream-file-name",
    "-sunx86-boot",
    "-sunx86-label",
    "-ucs-level",
    "-map",
    "-magic",
    "-hfs-creator",
    "-hfs-type",
    "-boot-hfs-file",
    "-auto",
    "-cluster-size",
    "-hfs-volid",
    "-root-info",
    "-prep-boot",
    "-input-hfs-charset",
    "-output-hfs-charset",
    "-hfs-parms",
    "-errctl",
    "-use-fileversion",
    "-find",
  ].map((name) => [name, "xorriso does not support it either"] as const),
]);

/** Letters xorriso lets one fuse into a single word ("-rJ"). */
const FUSABLE_FLAGS = "dDfJlNRrTUvz";

/**
 * Every option spelling {@link parseMkisofsArgs} accepts (single-dash long names may also be
 * written with two dashes), sorted.
 *
 * @example
 * ```ts
 * MKISOFS_OPTION_NAMES.includes("-eltorito-alt-boot"); // true
 * ```
 */
export const MKISOFS_OPTION_NAMES: readonly string[] = [...OPTIONS.keys(), "--modification-date="].sort();

function isKnownName(name: string): boolean {
  return OPTIONS.has(name) || UNSUPPORTED.has(name);
}

/** xorriso reads "--name" as "-name" when "-name" is an option of its own. */
function stripSurplusDash(arg: string): string {
  if (arg.length >= 4 && arg.startsWith("--") && arg[2] !== "-" && isKnownName(arg.slice(1))) {
    return arg.slice(1);
  }
  return arg;
}

function unknownOption(arg: string): never {
  let hint = "";
  const eq = arg.indexOf("=");
  if (eq > 0 && isKnownName(stripSurplusDash(arg.slice(0, eq)))) {
    hint = ` (${q(arg.slice(0, eq))} takes its value as the next argument)`;
  } else if (!arg.startsWith("--") && isKnownName(`-${arg}`)) {
    hint = ` (did you mean ${q(`-${arg}`)}?)`;
  } else if (arg.replace(/^-+/, "").startsWith("modification-date")) {
    hint = ' (did you mean "--modification-date=YYYYMMDDhhmmsscc"?)';
  }
  fail(`unknown option ${q(arg)}${hint}`);
}

// ---------------------------------------------------------------------------------------------
// Entry point
// ---------------------------------------------------------------------------------------------

/**
 * Parses a `xorriso -as mkisofs` command line (the words after the program name; a leading
 * "-as mkisofs" is skipped) into {@link MkisofsOptions}, applying xorriso's order rules.
 *
 * Throws {@link UsageError} for an unknown or unsupported option, a missing argument, a bad
 * value (the message names the option and the value), or native xorriso commands after "--".
 *
 * @example
 * ```ts
 * const options = parseMkisofsArgs([
 *   "-as", "mkisofs", "-R", "-J", "-o", "out.iso",
 *   "-b", "isolinux/isolinux.bin", "-no-emul-boot", "-boot-load-size", "4", "-boot-info-table",
 *   "-eltorito-alt-boot", "-e", "boot/efi.img", "-no-emul-boot",
 *   "tree",
 * ]);
 * options.boot.length; // 2
 * options.boot[1].platformId; // 0xef
 * ```
 */
export function parseMkisofsArgs(args: readonly string[]): MkisofsOptions {
  let words = args;
  if (words[0] === "-as") {
    if (words.length < 2) fail('"-as" needs an argument: only "-as mkisofs" is supported');
    if (words[1] !== "mkisofs") fail(`"-as" ${q(words[1])} is not supported: only "-as mkisofs" is`);
    words = words.slice(2);
  }
  // xorriso ends the emulation at the first "--", before looking at any option's arguments.
  const end = words.indexOf("--");
  if (end >= 0) {
    const rest = words.slice(end + 1);
    if (rest.length > 0) {
      fail(`native xorriso commands after "--" are not supported: ${q(rest[0])}`);
    }
    words = words.slice(0, end);
  }

  const st = new ParseState();
  for (let i = 0; i < words.length; i++) {
    const arg = words[i];
    if (arg.startsWith("--modification-date=")) {
      const value = arg.slice("--modification-date=".length);
      if (value === "" || value === "default" || value === "overridden") {
        delete st.o.modificationDate;
        delete st.o.modificationDateUtc;
      } else {
        st.o.modificationDateUtc = parseEcma119DateText("--modification-date=", value);
        st.o.modificationDate = value;
      }
      continue;
    }
    if (arg.startsWith("errctl=") || arg.startsWith("isolinux_mbr=")) {
      fail(`option ${q(arg)} is not supported: xorriso does not support it either`);
    }
    const name = stripSurplusDash(arg);
    const spec = OPTIONS.get(name);
    if (spec !== undefined) {
      if (i + spec.argCount >= words.length) {
        fail(`${q(arg)} needs ${spec.argCount === 1 ? "an argument" : `${spec.argCount} arguments`}`);
      }
      const optionArgs = words.slice(i + 1, i + 1 + spec.argCount);
      i += spec.argCount;
      spec.run(st, optionArgs, arg);
      continue;
    }
    if (arg.length > 1 && arg.startsWith("-")) {
      const letters = arg.slice(1);
      if ([...letters].every((c) => FUSABLE_FLAGS.includes(c))) {
        for (const c of letters) OPTIONS.get(`-${c}`)!.run(st, [], `-${c}`);
        continue;
      }
      const reason = UNSUPPORTED.get(name);
      if (reason !== undefined) fail(`option ${q(arg)} is not supported: ${reason}`);
      unknownOption(arg);
    }
    st.addPathspec(arg);
  }
  return st.finish();
}
