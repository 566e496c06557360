/**
 * The El Torito boot catalog (El Torito 1.0 §2.0–§2.5): 32-byte entries in the sector the Boot Record
 * points at — Validation Entry (Fig. 2), Initial/Default Entry (Fig. 3), then sections: a Section
 * Header (Fig. 4) followed by its Section Entries (Fig. 5), each optionally followed by Section Entry
 * Extensions (Fig. 6). All numbers are little-endian.
 *
 * {@link buildBootCatalog} groups boot images into sections the way xorriso (libisofs `eltorito.c`)
 * does: the first image is the default entry; the others form sections of consecutive images with
 * the same platform ID and ID string; the last header is 0x91.
 * @module
 */

import { FormatError } from "../../image/errors.ts";
import { EL_TORITO_PLATFORM, type ElToritoEntry } from "../mkisofs/options.ts";
import { type DecodePolicy, reportProblem } from "./decode_policy.ts";

export { EL_TORITO_PLATFORM };

/** Bytes of one catalog entry. */
export const CATALOG_ENTRY_BYTES = 32;
/** Bytes of one catalog sector (xorriso writes exactly one). */
export const BOOT_CATALOG_SECTOR_BYTES = 2048;

/**
 * Boot Indicator values (El Torito Fig. 3/5 offset 0).
 *
 * @example
 * ```ts
 * const bootable = entry.bootIndicator === BOOT_INDICATOR.bootable;
 * ```
 */
export const BOOT_INDICATOR = { bootable: 0x88, notBootable: 0x00 } as const;

/**
 * Boot Media Type values, bits 0–3 (El Torito Fig. 3/5 offset 1).
 *
 * @example
 * ```ts
 * const emulated = (entry.bootMediaType & 0x0f) !== BOOT_MEDIA_TYPE.noEmulation;
 * ```
 */
export const BOOT_MEDIA_TYPE = {
  noEmulation: 0,
  floppy1200KiB: 1,
  floppy1440KiB: 2,
  floppy2880KiB: 3,
  hardDisk: 4,
} as const;

/**
 * Flag bits of a Section Entry's Boot Media Type byte (El Torito Fig. 5 offset 1).
 *
 * @example
 * ```ts
 * const hasExtension = (entry.bootMediaType & BOOT_MEDIA_TYPE_FLAGS.extensionFollows) !== 0;
 * ```
 */
export const BOOT_MEDIA_TYPE_FLAGS = {
  extensionFollows: 0x20,
  atapiDriver: 0x40,
  scsiDrivers: 0x80,
} as const;

/**
 * Section Header Indicator values (El Torito Fig. 4 offset 0).
 *
 * @example
 * ```ts
 * const last = header.headerIndicator === SECTION_HEADER_INDICATOR.final;
 * ```
 */
export const SECTION_HEADER_INDICATOR = { more: 0x90, final: 0x91 } as const;

/** Validation Entry Header ID (El Torito Fig. 2 offset 0). */
export const VALIDATION_HEADER_ID = 0x01;
/** Section Entry Extension Indicator (El Torito Fig. 6 offset 0). */
export const SECTION_ENTRY_EXTENSION_INDICATOR = 0x44;

/**
 * Validation Entry (Fig. 2). Header ID, checksum and key bytes are implied: the encoder writes them,
 * the decoder checks them.
 *
 * @example
 * ```ts
 * const validation: ValidationEntry = { platformId: EL_TORITO_PLATFORM.x86, idString: new Uint8Array(24) };
 * ```
 */
export interface ValidationEntry {
  /** Platform ID of the default entry (0 x86, 1 PowerPC, 2 Mac, 0xEF UEFI). */
  readonly platformId: number;
  /** ID string (manufacturer/developer), 24 bytes. */
  readonly idString: Uint8Array;
}

/**
 * Initial/Default Entry (Fig. 3).
 *
 * @example
 * ```ts
 * const isolinux: InitialDefaultEntry = {
 *   bootIndicator: BOOT_INDICATOR.bootable,
 *   bootMediaType: BOOT_MEDIA_TYPE.noEmulation,
 *   loadSegment: 0,
 *   systemType: 0,
 *   sectorCount: 4,
 *   loadRba: 4155,
 * };
 * ```
 */
export interface InitialDefaultEntry {
  /** 0x88 bootable, 0x00 not bootable. */
  readonly bootIndicator: number;
  /** {@link BOOT_MEDIA_TYPE}. */
  readonly bootMediaType: number;
  /** Real-mode load segment; 0 means 0x07C0. */
  readonly loadSegment: number;
  /** Hard-disk emulation: the partition type byte of the image's partition; else 0. */
  readonly systemType: number;
  /** Number of 512-byte virtual sectors loaded at boot. */
  readonly sectorCount: number;
  /** 2048-byte LBA of the boot image. */
  readonly loadRba: number;
  /**
   * Bytes 12–31, unused by the spec; absent = zeros. libisofs writes the first image's
   * `-eltorito-selcrit` bytes here.
   */
  readonly unusedBytes?: Uint8Array;
}

/**
 * Section Header Entry (Fig. 4).
 *
 * @example
 * ```ts
 * const uefi: SectionHeaderEntry = {
 *   headerIndicator: SECTION_HEADER_INDICATOR.final,
 *   platformId: EL_TORITO_PLATFORM.efi,
 *   sectionEntryCount: 1,
 *   idString: new Uint8Array(28),
 * };
 * ```
 */
export interface SectionHeaderEntry {
  /** 0x90 more headers follow, 0x91 final header. */
  readonly headerIndicator: number;
  readonly platformId: number;
  /** Number of Section Entries following this header (extensions are not counted). */
  readonly sectionEntryCount: number;
  /** ID string, 28 bytes. */
  readonly idString: Uint8Array;
}

/**
 * Section Entry (Fig. 5).
 *
 * @example
 * ```ts
 * const efi: SectionEntry = {
 *   bootIndicator: BOOT_INDICATOR.bootable,
 *   bootMediaType: BOOT_MEDIA_TYPE.noEmulation,
 *   loadSegment: 0,
 *   systemType: 0,
 *   sectorCount: 0x4000,
 *   loadRba: 59,
 *   selectionCriteriaType: 0,
 *   vendorUniqueSelectionCriteria: new Uint8Array(19),
 * };
 * ```
 */
export interface SectionEntry {
  readonly bootIndicator: number;
  /** Bits 0–3 {@link BOOT_MEDIA_TYPE}, bits 5–7 {@link BOOT_MEDIA_TYPE_FLAGS}: the whole byte. */
  readonly bootMediaType: number;
  readonly loadSegment: number;
  readonly systemType: number;
  readonly sectorCount: number;
  readonly loadRba: number;
  /** 0 none, 1 IBM language and version. */
  readonly selectionCriteriaType: number;
  /** Vendor unique selection criteria, 19 bytes. */
  readonly vendorUniqueSelectionCriteria: Uint8Array;
}

/**
 * Section Entry Extension (Fig. 6).
 *
 * @example
 * ```ts
 * const extension: SectionEntryExtension = { extensionFollows: false, vendorUniqueSelectionCriteria: new Uint8Array(30) };
 * ```
 */
export interface SectionEntryExtension {
  /** Bit 5 of byte 1: another extension follows. */
  readonly extensionFollows: boolean;
  /** Vendor unique selection criteria, 30 bytes. */
  readonly vendorUniqueSelectionCriteria: Uint8Array;
}

/** A Section Entry and the extensions that follow it. */
export interface BootCatalogSectionEntry {
  readonly entry: SectionEntry;
  readonly extensions: readonly SectionEntryExtension[];
}

/** A Section Header and its entries. */
export interface BootCatalogSection {
  readonly header: SectionHeaderEntry;
  readonly entries: readonly BootCatalogSectionEntry[];
}

/**
 * A whole boot catalog.
 *
 * @example
 * ```ts
 * const catalog = decodeBootCatalog(sector, 0);
 * const efiImages = catalog.sections.filter((s) => s.header.platformId === EL_TORITO_PLATFORM.efi);
 * ```
 */
export interface BootCatalog {
  readonly validationEntry: ValidationEntry;
  readonly initialDefaultEntry: InitialDefaultEntry;
  readonly sections: readonly BootCatalogSection[];
}

/**
 * One boot image as the catalog builder takes it (catalog order: the first is the default entry).
 *
 * @example
 * ```ts
 * const specs: BootCatalogEntrySpec[] = [
 *   { platformId: 0x00, bootable: true, bootMediaType: 0, loadSegment: 0, systemType: 0, sectorCount: 4, loadRba: 4155 },
 *   { platformId: 0xef, bootable: true, bootMediaType: 0, loadSegment: 0, systemType: 0, sectorCount: 0x4000, loadRba: 59 },
 * ];
 * const sector = encodeBootCatalog(specs);
 * ```
 */
export interface BootCatalogEntrySpec {
  readonly platformId: number;
  readonly bootable: boolean;
  /** {@link BOOT_MEDIA_TYPE}. */
  readonly bootMediaType: number;
  readonly loadSegment: number;
  readonly systemType: number;
  /** 512-byte virtual sectors to load (see {@link elToritoSectorCount}). */
  readonly sectorCount: number;
  readonly loadRba: number;
  /** `-eltorito-id`: 28 bytes (the validation entry takes the first 24 of the default image's). */
  readonly idString?: Uint8Array;
  /** `-eltorito-selcrit`: 20 bytes, the criteria type then 19 vendor bytes. */
  readonly selectionCriteria?: Uint8Array;
}

/**
 * One boot image as a catalog lists it, whichever entry kind holds it.
 *
 * @example
 * ```ts
 * for (const image of listBootCatalogImages(catalog)) console.log(image.platformId, image.loadRba);
 * ```
 */
export interface BootCatalogImage {
  /** From the validation entry (default image) or the section header. */
  readonly platformId: number;
  readonly bootIndicator: number;
  readonly bootMediaType: number;
  readonly loadSegment: number;
  readonly systemType: number;
  readonly sectorCount: number;
  readonly loadRba: number;
  /** 28 bytes: the validation entry's 24 (+4 zeros) or the section header's. */
  readonly idString: Uint8Array;
  /** 20 bytes: zeros for the default image, else the entry's type and vendor bytes. */
  readonly selectionCriteria: Uint8Array;
}

// ---------------------------------------------------------------------------------------------
// Entry codecs
// ---------------------------------------------------------------------------------------------

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function checkRange(value: number, max: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`Cannot encode boot catalog: ${what} ${value} is outside 0...${max}`);
  }
}

function checkBytes(bytes: Uint8Array | undefined, max: number, what: string): Uint8Array {
  const value = bytes ?? new Uint8Array(0);
  if (value.byteLength > max) {
    throw new RangeError(
      `Cannot encode boot catalog: ${what} has ${value.byteLength} bytes, at most ${max} fit`,
    );
  }
  return value;
}

function needEntry(bytes: Uint8Array, at: number, structure: string): void {
  if (at < 0 || bytes.byteLength - at < CATALOG_ENTRY_BYTES) {
    throw new FormatError(`Cannot read boot catalog: ${structure} needs 32 bytes at ${at}`, {
      structure,
      byteOffset: at,
    });
  }
}

/** Sum of the sixteen uint16 LE words of a 32-byte entry, mod 0x10000. */
function wordSum(entry: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < CATALOG_ENTRY_BYTES; i += 2) sum += entry[i] | (entry[i + 1] << 8);
  return sum & 0xffff;
}

/**
 * Encodes a Validation Entry with its checksum (the 16 LE words sum to 0) and key bytes 55 AA.
 *
 * @example
 * ```ts
 * encodeValidationEntry({ platformId: 0, idString: new Uint8Array(24) }); // 01 00 ... aa 55 55 aa
 * ```
 */
export function encodeValidationEntry(entry: ValidationEntry): Uint8Array {
  checkRange(entry.platformId, 0xff, "platform ID");
  const out = new Uint8Array(CATALOG_ENTRY_BYTES);
  out[0] = VALIDATION_HEADER_ID; // 0: Header ID 01 (El Torito Fig. 2)
  out[1] = entry.platformId; // 1: Platform ID (Fig. 2)
  // 2: reserved, 0
  out.set(checkBytes(entry.idString, 24, "validation ID string"), 4); // 4: ID string, 24 bytes (Fig. 2)
  out[30] = 0x55; // 30: key byte 55 (Fig. 2)
  out[31] = 0xaa; // 31: key byte AA (Fig. 2)
  viewOf(out).setUint16(28, (0x10000 - wordSum(out)) & 0xffff, true); // 28: checksum word, uint16 LE (Fig. 2)
  return out;
}

/**
 * Decodes a Validation Entry. A wrong Header ID or key bytes is a {@link FormatError} (no reader
 * accepts such a catalog); a wrong checksum or reserved bytes are problems for the policy.
 *
 * @example
 * ```ts
 * const validation = decodeValidationEntry(sector, 0, { strict: true });
 * ```
 */
export function decodeValidationEntry(
  bytes: Uint8Array,
  at: number,
  policy: DecodePolicy = {},
): ValidationEntry {
  const structure = "Validation Entry";
  needEntry(bytes, at, structure);
  const e = bytes.subarray(at, at + CATALOG_ENTRY_BYTES);
  if (e[0] !== VALIDATION_HEADER_ID) {
    throw new FormatError(`Cannot read boot catalog: validation header ID is ${hex2(e[0])}, expected 0x01`, {
      structure,
      field: "Header ID",
      byteOffset: at,
    });
  }
  if (e[30] !== 0x55 || e[31] !== 0xaa) {
    throw new FormatError(
      `Cannot read boot catalog: key bytes are ${hex2(e[30])} ${hex2(e[31])}, expected 0x55 0xAA`,
      { structure, field: "Key Byte", byteOffset: at + 30 },
    );
  }
  if (wordSum(e) !== 0) {
    reportProblem(policy, "Cannot verify boot catalog: validation entry words do not sum to 0", {
      structure,
      field: "Checksum",
      byteOffset: at + 28,
    });
  }
  if (e[2] !== 0 || e[3] !== 0) {
    reportProblem(policy, "Cannot verify boot catalog: validation entry bytes 2-3 are not zero", {
      structure,
      field: "Reserved",
      byteOffset: at + 2,
    });
  }
  return { platformId: e[1], idString: e.slice(4, 28) };
}

/**
 * Encodes the Initial/Default Entry.
 *
 * @example
 * ```ts
 * encodeInitialDefaultEntry({ bootIndicator: 0x88, bootMediaType: 0, loadSegment: 0, systemType: 0, sectorCount: 4, loadRba: 4155 });
 * // 88 00 0000 00 00 0400 3b100000 00...
 * ```
 */
export function encodeInitialDefaultEntry(entry: InitialDefaultEntry): Uint8Array {
  const out = new Uint8Array(CATALOG_ENTRY_BYTES);
  writeBootFields(out, entry);
  out.set(checkBytes(entry.unusedBytes, 20, "default entry unused bytes"), 12); // 12: unused, 20 bytes (Fig. 3)
  return out;
}

/**
 * Decodes the Initial/Default Entry. A boot indicator other than 0x88/0x00 is a problem for the
 * policy.
 *
 * @example
 * ```ts
 * const initial = decodeInitialDefaultEntry(sector, 32);
 * ```
 */
export function decodeInitialDefaultEntry(
  bytes: Uint8Array,
  at: number,
  policy: DecodePolicy = {},
): InitialDefaultEntry {
  const structure = "Initial/Default Entry";
  needEntry(bytes, at, structure);
  const e = bytes.subarray(at, at + CATALOG_ENTRY_BYTES);
  checkBootIndicator(e[0], policy, structure, at);
  const unused = e.slice(12, 32);
  return {
    ...readBootFields(e),
    ...(unused.some((b) => b !== 0) ? { unusedBytes: unused } : {}),
  };
}

/**
 * Encodes a Section Header Entry.
 *
 * @example
 * ```ts
 * encodeSectionHeaderEntry({ headerIndicator: 0x91, platformId: 0xef, sectionEntryCount: 1, idString: new Uint8Array(28) });
 * // 91 ef 0100 00...
 * ```
 */
export function encodeSectionHeaderEntry(header: SectionHeaderEntry): Uint8Array {
  checkRange(header.headerIndicator, 0xff, "header indicator");
  checkRange(header.platformId, 0xff, "platform ID");
  checkRange(header.sectionEntryCount, 0xffff, "section entry count");
  const out = new Uint8Array(CATALOG_ENTRY_BYTES);
  out[0] = header.headerIndicator; // 0: Header Indicator 90/91 (El Torito Fig. 4)
  out[1] = header.platformId; // 1: Platform ID (Fig. 4)
  viewOf(out).setUint16(2, header.sectionEntryCount, true); // 2: number of section entries, uint16 LE (Fig. 4)
  out.set(checkBytes(header.idString, 28, "section ID string"), 4); // 4: ID string, 28 bytes (Fig. 4)
  return out;
}

/**
 * Decodes a Section Header Entry (the indicator must be 0x90 or 0x91).
 *
 * @example
 * ```ts
 * const header = decodeSectionHeaderEntry(sector, 64);
 * ```
 */
export function decodeSectionHeaderEntry(bytes: Uint8Array, at: number): SectionHeaderEntry {
  const structure = "Section Header Entry";
  needEntry(bytes, at, structure);
  const e = bytes.subarray(at, at + CATALOG_ENTRY_BYTES);
  if (e[0] !== SECTION_HEADER_INDICATOR.more && e[0] !== SECTION_HEADER_INDICATOR.final) {
    throw new FormatError(
      `Cannot read boot catalog: header indicator is ${hex2(e[0])}, expected 0x90 or 0x91`,
      {
        structure,
        field: "Header Indicator",
        byteOffset: at,
      },
    );
  }
  return {
    headerIndicator: e[0],
    platformId: e[1],
    sectionEntryCount: viewOf(e).getUint16(2, true),
    idString: e.slice(4, 32),
  };
}

/**
 * Encodes a Section Entry.
 *
 * @example
 * ```ts
 * encodeSectionEntry({
 *   bootIndicator: 0x88, bootMediaType: 0, loadSegment: 0, systemType: 0, sectorCount: 0x4000, loadRba: 59,
 *   selectionCriteriaType: 0, vendorUniqueSelectionCriteria: new Uint8Array(19),
 * }); // 88 00 0000 00 00 0040 3b000000 00...
 * ```
 */
export function encodeSectionEntry(entry: SectionEntry): Uint8Array {
  checkRange(entry.selectionCriteriaType, 0xff, "selection criteria type");
  const out = new Uint8Array(CATALOG_ENTRY_BYTES);
  writeBootFields(out, entry);
  out[12] = entry.selectionCriteriaType; // 12: selection criteria type (El Torito Fig. 5)
  out.set(checkBytes(entry.vendorUniqueSelectionCriteria, 19, "vendor selection criteria"), 13); // 13: vendor unique selection criteria, 19 bytes (Fig. 5)
  return out;
}

/**
 * Decodes a Section Entry. A boot indicator other than 0x88/0x00 is a problem for the policy.
 *
 * @example
 * ```ts
 * const entry = decodeSectionEntry(sector, 96);
 * ```
 */
export function decodeSectionEntry(bytes: Uint8Array, at: number, policy: DecodePolicy = {}): SectionEntry {
  const structure = "Section Entry";
  needEntry(bytes, at, structure);
  const e = bytes.subarray(at, at + CATALOG_ENTRY_BYTES);
  checkBootIndicator(e[0], policy, structure, at);
  return {
    ...readBootFields(e),
    selectionCriteriaType: e[12],
    vendorUniqueSelectionCriteria: e.slice(13, 32),
  };
}

/**
 * Encodes a Section Entry Extension.
 *
 * @example
 * ```ts
 * encodeSectionEntryExtension({ extensionFollows: false, vendorUniqueSelectionCriteria: new Uint8Array(30) }); // 44 00 00...
 * ```
 */
export function encodeSectionEntryExtension(extension: SectionEntryExtension): Uint8Array {
  const out = new Uint8Array(CATALOG_ENTRY_BYTES);
  out[0] = SECTION_ENTRY_EXTENSION_INDICATOR; // 0: Extension Indicator 44 (El Torito Fig. 6)
  out[1] = extension.extensionFollows ? 0x20 : 0; // 1: bit 5 = another extension follows (Fig. 6)
  out.set(checkBytes(extension.vendorUniqueSelectionCriteria, 30, "extension selection criteria"), 2); // 2: vendor unique selection criteria, 30 bytes (Fig. 6)
  return out;
}

/**
 * Decodes a Section Entry Extension (the indicator must be 0x44).
 *
 * @example
 * ```ts
 * const extension = decodeSectionEntryExtension(sector, 128);
 * ```
 */
export function decodeSectionEntryExtension(bytes: Uint8Array, at: number): SectionEntryExtension {
  const structure = "Section Entry Extension";
  needEntry(bytes, at, structure);
  const e = bytes.subarray(at, at + CATALOG_ENTRY_BYTES);
  if (e[0] !== SECTION_ENTRY_EXTENSION_INDICATOR) {
    throw new FormatError(`Cannot read boot catalog: extension indicator is ${hex2(e[0])}, expected 0x44`, {
      structure,
      field: "Extension Indicator",
      byteOffset: at,
    });
  }
  return { extensionFollows: (e[1] & 0x20) !== 0, vendorUniqueSelectionCriteria: e.slice(2, 32) };
}

type BootFields = Pick<
  InitialDefaultEntry,
  "bootIndicator" | "bootMediaType" | "loadSegment" | "systemType" | "sectorCount" | "loadRba"
>;

function writeBootFields(out: Uint8Array, entry: BootFields): void {
  checkRange(entry.bootIndicator, 0xff, "boot indicator");
  checkRange(entry.bootMediaType, 0xff, "boot media type");
  checkRange(entry.loadSegment, 0xffff, "load segment");
  checkRange(entry.systemType, 0xff, "system type");
  checkRange(entry.sectorCount, 0xffff, "sector count");
  checkRange(entry.loadRba, 0xffffffff, "load RBA");
  const view = viewOf(out);
  out[0] = entry.bootIndicator; // 0: Boot Indicator 88/00 (El Torito Fig. 3/5)
  out[1] = entry.bootMediaType; // 1: Boot Media Type (Fig. 3/5)
  view.setUint16(2, entry.loadSegment, true); // 2: Load Segment, uint16 LE (Fig. 3/5)
  out[4] = entry.systemType; // 4: System Type (Fig. 3/5)
  // 5: unused, 0
  view.setUint16(6, entry.sectorCount, true); // 6: Sector Count (512-byte virtual sectors), uint16 LE (Fig. 3/5)
  view.setUint32(8, entry.loadRba, true); // 8: Load RBA (2048-byte LBA), uint32 LE (Fig. 3/5)
}

function readBootFields(e: Uint8Array): BootFields {
  const view = viewOf(e);
  return {
    bootIndicator: e[0],
    bootMediaType: e[1],
    loadSegment: view.getUint16(2, true),
    systemType: e[4],
    sectorCount: view.getUint16(6, true),
    loadRba: view.getUint32(8, true),
  };
}

function checkBootIndicator(value: number, policy: DecodePolicy, structure: string, at: number): void {
  if (value !== BOOT_INDICATOR.bootable && value !== BOOT_INDICATOR.notBootable) {
    reportProblem(
      policy,
      `Cannot verify boot catalog: boot indicator is ${hex2(value)}, expected 0x88 or 0x00`,
      {
        structure,
        field: "Boot Indicator",
        byteOffset: at,
      },
    );
  }
}

function hex2(value: number): string {
  return `0x${value.toString(16).padStart(2, "0").toUpperCase()}`;
}

// ---------------------------------------------------------------------------------------------
// The whole catalog
// ---------------------------------------------------------------------------------------------

function padded(bytes: Uint8Array | undefined, byteLength: number, what: string): Uint8Array {
  const out = new Uint8Array(byteLength);
  out.set(checkBytes(bytes, byteLength, what));
  return out;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.every((v, i) => v === b[i]);
}

/**
 * Builds the catalog structure for boot images in catalog order, grouped as xorriso groups them:
 * the first image is the default entry (its platform and first 24 ID bytes go to the validation
 * entry); each later run of consecutive images with the same platform ID and 28-byte ID string
 * becomes one section whose header carries that platform and ID; the last header is 0x91.
 *
 * @example
 * ```ts
 * const catalog = buildBootCatalog([bios, efi]); // validation(pf 0) default(bios) header 91/EF entry(efi)
 * ```
 */
export function buildBootCatalog(entries: readonly BootCatalogEntrySpec[]): BootCatalog {
  if (entries.length === 0) throw new RangeError("Cannot build boot catalog: no boot images");
  const ids = entries.map((e) => padded(e.idString, 28, "ID string"));
  const criteria = entries.map((e) => padded(e.selectionCriteria, 20, "selection criteria"));
  const first = entries[0];
  const sections: BootCatalogSection[] = [];
  for (let i = 1; i < entries.length;) {
    let j = i + 1;
    while (
      j < entries.length && entries[j].platformId === entries[i].platformId && sameBytes(ids[j], ids[i])
    ) j++;
    sections.push({
      header: {
        headerIndicator: j === entries.length
          ? SECTION_HEADER_INDICATOR.final
          : SECTION_HEADER_INDICATOR.more,
        platformId: entries[i].platformId,
        sectionEntryCount: j - i,
        idString: ids[i],
      },
      entries: entries.slice(i, j).map((spec, k) => ({
        entry: {
          bootIndicator: spec.bootable ? BOOT_INDICATOR.bootable : BOOT_INDICATOR.notBootable,
          bootMediaType: spec.bootMediaType,
          loadSegment: spec.loadSegment,
          systemType: spec.systemType,
          sectorCount: spec.sectorCount,
          loadRba: spec.loadRba,
          selectionCriteriaType: criteria[i + k][0],
          vendorUniqueSelectionCriteria: criteria[i + k].slice(1),
        },
        extensions: [],
      })),
    });
    i = j;
  }
  return {
    validationEntry: { platformId: first.platformId, idString: ids[0].slice(0, 24) },
    initialDefaultEntry: {
      bootIndicator: first.bootable ? BOOT_INDICATOR.bootable : BOOT_INDICATOR.notBootable,
      bootMediaType: first.bootMediaType,
      loadSegment: first.loadSegment,
      systemType: first.systemType,
      sectorCount: first.sectorCount,
      loadRba: first.loadRba,
      ...(criteria[0].some((b) => b !== 0) ? { unusedBytes: criteria[0] } : {}),
    },
    sections,
  };
}

/**
 * Encodes a boot catalog: a {@link BootCatalog}, or boot image specs (grouped by
 * {@link buildBootCatalog} first, as xorriso does). The result is one 2048-byte sector (more only
 * when the entries do not fit, which xorriso never writes and edk2 would not read), zero padded.
 *
 * @example
 * ```ts
 * const sector = encodeBootCatalog([bios, efi]); // 2048 bytes, 4 entries used
 * ```
 */
export function encodeBootCatalog(catalog: BootCatalog | readonly BootCatalogEntrySpec[]): Uint8Array {
  const c = isSpecList(catalog) ? buildBootCatalog(catalog) : catalog;
  const parts: Uint8Array[] = [
    encodeValidationEntry(c.validationEntry),
    encodeInitialDefaultEntry(c.initialDefaultEntry),
  ];
  for (const section of c.sections) {
    parts.push(encodeSectionHeaderEntry(section.header));
    for (const { entry, extensions } of section.entries) {
      parts.push(encodeSectionEntry(entry));
      for (const extension of extensions) parts.push(encodeSectionEntryExtension(extension));
    }
  }
  const byteLength =
    Math.max(1, Math.ceil((parts.length * CATALOG_ENTRY_BYTES) / BOOT_CATALOG_SECTOR_BYTES)) *
    BOOT_CATALOG_SECTOR_BYTES;
  const out = new Uint8Array(byteLength);
  parts.forEach((part, i) => out.set(part, i * CATALOG_ENTRY_BYTES));
  return out;
}

function isSpecList(
  value: BootCatalog | readonly BootCatalogEntrySpec[],
): value is readonly BootCatalogEntrySpec[] {
  return Array.isArray(value);
}

/**
 * Decodes a boot catalog from `bytes` at `at` (normally the 2048 bytes of its first sector).
 * Sections are read while a header 0x90/0x91 follows, up to the 0x91 header; an entry with media
 * type bit 5 is followed by extensions (0x44) while their bit 5 says so. A catalog whose entries
 * run past `bytes` is a {@link FormatError}.
 *
 * @example
 * ```ts
 * const catalog = decodeBootCatalog(await readSector(record.bootCatalogLba), 0, { strict: true });
 * ```
 */
export function decodeBootCatalog(bytes: Uint8Array, at = 0, policy: DecodePolicy = {}): BootCatalog {
  const validationEntry = decodeValidationEntry(bytes, at, policy);
  const initialDefaultEntry = decodeInitialDefaultEntry(bytes, at + 32, policy);
  const sections: BootCatalogSection[] = [];
  let rx = at + 64;
  let final = false;
  while (!final && rx + CATALOG_ENTRY_BYTES <= bytes.byteLength && (bytes[rx] & 0xfe) === 0x90) {
    const header = decodeSectionHeaderEntry(bytes, rx);
    final = header.headerIndicator === SECTION_HEADER_INDICATOR.final;
    rx += CATALOG_ENTRY_BYTES;
    if (header.sectionEntryCount === 0) {
      reportProblem(policy, "Cannot verify boot catalog: a section header announces 0 entries", {
        structure: "Section Header Entry",
        field: "Number of section entries",
        byteOffset: rx - CATALOG_ENTRY_BYTES,
      });
    }
    const entries: BootCatalogSectionEntry[] = [];
    for (let i = 0; i < header.sectionEntryCount; i++) {
      const entry = decodeSectionEntry(bytes, rx, policy);
      rx += CATALOG_ENTRY_BYTES;
      const extensions: SectionEntryExtension[] = [];
      let more = (entry.bootMediaType & BOOT_MEDIA_TYPE_FLAGS.extensionFollows) !== 0;
      while (more) {
        const extension = decodeSectionEntryExtension(bytes, rx);
        rx += CATALOG_ENTRY_BYTES;
        extensions.push(extension);
        more = extension.extensionFollows;
      }
      entries.push({ entry, extensions });
    }
    sections.push({ header, entries });
  }
  if (!final && sections.length > 0) {
    reportProblem(policy, "Cannot verify boot catalog: the last section header is not 0x91", {
      structure: "Section Header Entry",
      field: "Header Indicator",
      byteOffset: rx,
    });
  }
  return { validationEntry, initialDefaultEntry, sections };
}

/**
 * The boot images of a catalog in catalog order, default image first.
 *
 * @example
 * ```ts
 * const efi = listBootCatalogImages(catalog).find((i) => i.platformId === EL_TORITO_PLATFORM.efi);
 * ```
 */
export function listBootCatalogImages(catalog: BootCatalog): BootCatalogImage[] {
  const initial = catalog.initialDefaultEntry;
  const idString = new Uint8Array(28);
  idString.set(catalog.validationEntry.idString.subarray(0, 24));
  const images: BootCatalogImage[] = [{
    platformId: catalog.validationEntry.platformId,
    bootIndicator: initial.bootIndicator,
    bootMediaType: initial.bootMediaType,
    loadSegment: initial.loadSegment,
    systemType: initial.systemType,
    sectorCount: initial.sectorCount,
    loadRba: initial.loadRba,
    idString,
    selectionCriteria: new Uint8Array(20),
  }];
  for (const section of catalog.sections) {
    for (const { entry } of section.entries) {
      const selectionCriteria = new Uint8Array(20);
      selectionCriteria[0] = entry.selectionCriteriaType;
      selectionCriteria.set(entry.vendorUniqueSelectionCriteria.subarray(0, 19), 1);
      images.push({
        platformId: section.header.platformId,
        bootIndicator: entry.bootIndicator,
        bootMediaType: entry.bootMediaType,
        loadSegment: entry.loadSegment,
        systemType: entry.systemType,
        sectorCount: entry.sectorCount,
        loadRba: entry.loadRba,
        idString: section.header.idString.slice(),
        selectionCriteria,
      });
    }
  }
  return images;
}

// ---------------------------------------------------------------------------------------------
// From mkisofs options to entries
// ---------------------------------------------------------------------------------------------

/** Largest sector count a catalog entry holds. */
const MAX_SECTOR_COUNT = 0xffff;

/**
 * The Sector Count libisofs writes for an image loaded whole ("full", the default of a
 * non-emulating entry, and always for platform 0xEF files): 4 per started 2048-byte block; over
 * 65535 it is 0 for platform 0xEF (edk2 then takes the rest of the volume) and 65535 otherwise;
 * an empty image gives 1. An explicit count is kept (emulated images default to 1).
 *
 * @example
 * ```ts
 * elToritoSectorCount({ platformId: 0xef, bootMediaType: 0, loadSectorCount: "full", imageByteLength: 1_000_000 }); // 1956
 * elToritoSectorCount({ platformId: 0x00, bootMediaType: 0, loadSectorCount: 4, imageByteLength: 38912 }); // 4
 * ```
 */
export function elToritoSectorCount(image: {
  readonly platformId: number;
  readonly bootMediaType: number;
  readonly loadSectorCount?: number | "full";
  readonly imageByteLength: number;
}): number {
  const noEmulation = (image.bootMediaType & 0x0f) === BOOT_MEDIA_TYPE.noEmulation;
  const full = noEmulation &&
    (image.loadSectorCount === "full" || image.loadSectorCount === undefined ||
      image.platformId === EL_TORITO_PLATFORM.efi);
  if (!full) {
    const count = image.loadSectorCount === undefined || image.loadSectorCount === "full"
      ? 1
      : image.loadSectorCount;
    checkRange(count, MAX_SECTOR_COUNT, "sector count");
    return count;
  }
  return clampSectorCount(Math.ceil(image.imageByteLength / 2048) * 4, image.platformId);
}

/**
 * The Sector Count of an image that is a whole appended partition (`--interval:appended_partition_N:all::`):
 * 4 per 2048-byte block of the partition, clamped as {@link elToritoSectorCount} clamps.
 *
 * @example
 * ```ts
 * appendedPartitionSectorCount(0xef, 720); // 2880
 * ```
 */
export function appendedPartitionSectorCount(platformId: number, partitionBlockCount: number): number {
  if (partitionBlockCount <= 0) {
    throw new RangeError("Cannot use appended partition as boot image: it has zero size");
  }
  return clampSectorCount(partitionBlockCount * 4, platformId);
}

function clampSectorCount(sectorCount: number, platformId: number): number {
  if (sectorCount > MAX_SECTOR_COUNT) return platformId === EL_TORITO_PLATFORM.efi ? 0 : MAX_SECTOR_COUNT;
  return sectorCount <= 0 ? 1 : sectorCount;
}

/**
 * The Boot Media Type for an emulation and image size: floppy images must be exactly 1200, 1440
 * or 2880 KiB (libisofs refuses other sizes).
 *
 * @example
 * ```ts
 * bootMediaTypeFor("floppy", 1474560); // BOOT_MEDIA_TYPE.floppy1440KiB
 * ```
 */
export function bootMediaTypeFor(emulation: ElToritoEntry["emulation"], imageByteLength: number): number {
  if (emulation === "none") return BOOT_MEDIA_TYPE.noEmulation;
  if (emulation === "hardDisk") return BOOT_MEDIA_TYPE.hardDisk;
  switch (imageByteLength) {
    case 1200 * 1024:
      return BOOT_MEDIA_TYPE.floppy1200KiB;
    case 1440 * 1024:
      return BOOT_MEDIA_TYPE.floppy1440KiB;
    case 2880 * 1024:
      return BOOT_MEDIA_TYPE.floppy2880KiB;
  }
  throw new RangeError(
    `Cannot use boot image for floppy emulation: its size ${imageByteLength} bytes is not 1200, 1440 or 2880 KiB`,
  );
}

/**
 * The System Type of a hard-disk emulation image: the type byte of the single used partition in
 * its MBR (libisofs refuses an image without 55 AA or with more than one used partition).
 *
 * @example
 * ```ts
 * hardDiskSystemType(firstSectorOfImage); // e.g. 0x06
 * ```
 */
export function hardDiskSystemType(firstSector: Uint8Array): number {
  if (firstSector.byteLength < 512 || firstSector[510] !== 0x55 || firstSector[511] !== 0xaa) {
    throw new RangeError(
      "Cannot use boot image for hard disk emulation: its first sector has no 55 AA signature",
    );
  }
  const used = [0, 1, 2, 3].map((i) => firstSector[446 + 16 * i + 4]).filter((type) => type !== 0);
  if (used.length !== 1) {
    throw new RangeError(
      `Cannot use boot image for hard disk emulation: its MBR has ${used.length} used partitions, expected 1`,
    );
  }
  return used[0];
}

/**
 * Where a boot image ended up: a file in the image, or a whole appended partition.
 *
 * @example
 * ```ts
 * const placed: BootImagePlacement = { kind: "file", lba: 4155, byteLength: 38912 };
 * ```
 */
export type BootImagePlacement =
  | {
    readonly kind: "file";
    readonly lba: number;
    readonly byteLength: number;
    /** The image's first 512 bytes (needed for hard-disk emulation only). */
    readonly firstSector?: Uint8Array;
  }
  | { readonly kind: "appendedPartition"; readonly lba: number; readonly blockCount: number };

/**
 * The catalog entry xorriso writes for one parsed `-b`/`-e` entry once its image is placed.
 *
 * @example
 * ```ts
 * const [bios] = parseMkisofsArgs(["-b", "isolinux/isolinux.bin", "-no-emul-boot", "-boot-load-size", "4"]).boot;
 * bootCatalogEntrySpec(bios, { kind: "file", lba: 4155, byteLength: 38912 }); // sectorCount 4, loadRba 4155
 * ```
 */
export function bootCatalogEntrySpec(
  entry: ElToritoEntry,
  placement: BootImagePlacement,
): BootCatalogEntrySpec {
  const common = {
    platformId: entry.platformId,
    bootable: entry.bootable,
    loadSegment: 0,
    idString: entry.idBytes,
    selectionCriteria: entry.selectionCriteria,
  };
  if (placement.kind === "appendedPartition") {
    if (entry.emulation !== "none") {
      throw new RangeError(
        "Cannot use an appended partition as boot image with floppy or hard disk emulation",
      );
    }
    return {
      ...common,
      bootMediaType: BOOT_MEDIA_TYPE.noEmulation,
      systemType: 0,
      sectorCount: appendedPartitionSectorCount(entry.platformId, placement.blockCount),
      loadRba: placement.lba,
    };
  }
  if (placement.byteLength <= 0) throw new RangeError("Cannot use boot image: the file is empty");
  const bootMediaType = bootMediaTypeFor(entry.emulation, placement.byteLength);
  let systemType = 0;
  if (entry.emulation === "hardDisk") {
    if (!placement.firstSector) {
      throw new TypeError("Cannot use boot image for hard disk emulation: its first sector was not given");
    }
    systemType = hardDiskSystemType(placement.firstSector);
  }
  return {
    ...common,
    bootMediaType,
    systemType,
    sectorCount: elToritoSectorCount({
      platformId: entry.platformId,
      bootMediaType,
      loadSectorCount: entry.loadSectorCount,
      imageByteLength: placement.byteLength,
    }),
    loadRba: placement.lba,
  };
}
