/**
 * Reads an ISO 9660 image from a {@link BlockDevice}: the volume descriptor set, and the directory
 * tree in one of three views — Rock Ridge (POSIX names and attributes from SUSP entries of the
 * primary tree), Joliet (UCS-2 names of the supplementary tree) or plain ISO 9660 names.
 *
 * Defensive by construction: every extent is checked against the device before it is read,
 * directory sizes are capped, continuation areas must stay inside one block, directory loops and
 * Rock Ridge relocation cycles end in a {@link FormatError}, and the number of volume descriptors
 * scanned is capped. A damaged image ends in a FormatError or a result, quickly, never a hang.
 *
 * Policy: `strict` (for verification) throws on anything malformed; the default (lenient) skips
 * malformed directory records and System Use entries with a diagnostic, as Linux does, and still
 * throws where going on would mean reading outside the image or looping (extents beyond the
 * device, oversized directories, continuation areas crossing a block, CE chains and directory
 * loops).
 * @module
 */

import { FormatError } from "../../image/errors.ts";
import { type BlockDevice, readDeviceBytes } from "../../image/block_device.ts";
import { decodeDirectoryRecord, type DirectoryRecord, FILE_FLAGS } from "./directory_record.ts";
import { decodeUcs2, getTrimmedAscii } from "./numbers.ts";
import {
  type ClEntry,
  decodeSuspEntries,
  type ErEntry,
  NM_FLAGS,
  type NmEntry,
  type PnEntry,
  POSIX_FILE_TYPE,
  type PxEntry,
  SL_COMPONENT_FLAGS,
  type SlEntry,
  type SuspEntry,
  type TfEntry,
} from "./susp.ts";
import {
  checkHeader,
  decodeVolumeDescriptor,
  FIRST_VOLUME_DESCRIPTOR_LBA,
  isJoliet,
  SECTOR_BYTES,
  VOLUME_DESCRIPTOR_TYPE,
  type VolumeDescriptor,
} from "./volume_descriptor.ts";

/** Which directory tree and which names to read. */
export type IsoView = "rockridge" | "joliet" | "iso9660";

/** What an entry is (Rock Ridge PX decides; other views know only files and directories). */
export type IsoEntryKind = "file" | "directory" | "symlink" | "device" | "fifo" | "socket";

/** One file section (§6.5.1): `byteLength` bytes from block `lba`. */
export interface IsoExtent {
  readonly lba: number;
  readonly byteLength: number;
}

/** How strictly to read. */
export interface IsoReadPolicy {
  /** Throw on every malformation (verification). Default false: skip what can be skipped. */
  readonly strict?: boolean;
  /** Largest directory extent accepted, in bytes (default 64 MiB). */
  readonly maxDirectoryByteLength?: number;
  /**
   * LBA where the session holding the file system starts (a CD-Extra's second session, a
   * multisession disc's last): its volume descriptors are at this LBA + 16. Default 0.
   */
  readonly sessionStartLba?: number;
}

/** One entry of a directory, as a view presents it. */
export interface IsoEntry {
  /** Path from the root, names joined with "/" (no leading "/"); "" for the root. */
  readonly path: string;
  /** Name in this view (Rock Ridge NM, Joliet UCS-2, or ISO 9660 without ";1" and trailing "."). */
  readonly name: string;
  /** The recorded identifier, decoded (ISO 9660: Latin-1; Joliet: UCS-2), with version. */
  readonly identifier: string;
  readonly kind: IsoEntryKind;
  /** File bytes (sum of the extents); directories: the directory extent's Data Length; others 0. */
  readonly byteLength: number;
  /** File sections in order (multi-extent files have several); the directory extent; else empty. */
  readonly extents: readonly IsoExtent[];
  /** Rock Ridge PX st_mode (type and permission bits). */
  readonly mode?: number;
  readonly uid?: number;
  readonly gid?: number;
  /** Rock Ridge PX st_nlink. */
  readonly linkCount?: number;
  /** Rock Ridge PX st_ino (44-byte PX only). */
  readonly serialNumber?: number;
  /** Modification time: Rock Ridge TF "modify", else the record's Recording Date and Time. */
  readonly mtime?: Date;
  /** Rock Ridge TF "access". */
  readonly atime?: Date;
  /** Rock Ridge TF "attributes" (ctime). */
  readonly ctime?: Date;
  /** Rock Ridge SL target, components joined with "/". */
  readonly linkTarget?: string;
  /** Rock Ridge PN device number. */
  readonly device?: { readonly major: number; readonly minor: number };
  /** §9.1.6 Existence bit set ("hidden"); the entry is still listed. */
  readonly hidden: boolean;
  /** Rock Ridge deep-directory relocation: this directory's extent was reached through CL. */
  readonly rrRelocated?: {
    /** Extent of the relocated directory (a child of RR_MOVED in the ISO tree). */
    readonly directoryLba: number;
    /** LBA of the sector holding the placeholder record. */
    readonly placeholderLba: number;
  };
  /** LBA of the sector holding the entry's (first) directory record. */
  readonly recordLba: number;
}

/** A Boot Record (§8.2) and, for El Torito, where its catalog is. */
export interface IsoBootRecord {
  readonly lba: number;
  readonly bootSystemIdentifier: string;
  readonly bootIdentifier: string;
  /** Boot System Identifier is "EL TORITO SPECIFICATION". */
  readonly elTorito: boolean;
  /** El Torito: LBA of the boot catalog (Boot Record offset 71, uint32 LE). */
  readonly catalogLba?: number;
}

/** A decoded supplementary descriptor with its position. */
export interface IsoLocatedDescriptor {
  readonly lba: number;
  readonly descriptor: VolumeDescriptor;
}

/** The volume descriptor set (§6.7.1) as found from LBA 16. */
export interface IsoDescriptorSet {
  readonly primary: VolumeDescriptor;
  readonly primaryLba: number;
  /** The first Joliet SVD (escape sequences %/@, %/C or %/E). */
  readonly joliet?: VolumeDescriptor;
  readonly jolietLba?: number;
  /** UCS-2 level from the escape sequence. */
  readonly jolietLevel?: 1 | 2 | 3;
  /** Supplementary (or enhanced) descriptors that are not the Joliet one used. */
  readonly supplementary: readonly IsoLocatedDescriptor[];
  /** The first Boot Record, if any. */
  readonly bootRecord?: IsoBootRecord;
  /** LBAs of Volume Partition Descriptors (§8.6), rarely used. */
  readonly partitionLbas: readonly number[];
  /** LBA of the Volume Descriptor Set Terminator (-1 when missing and the policy is lenient). */
  readonly terminatorLba: number;
}

/** An opened image. */
export interface IsoImage {
  readonly device: BlockDevice;
  readonly descriptors: IsoDescriptorSet;
  /** The primary tree carries Rock Ridge: root "." has SP, and an RR ER (or RR entries). */
  readonly hasRockRidge: boolean;
  /** Identifier of the Rock Ridge ER entry ("RRIP_1991A", "IEEE_P1282", "IEEE_1282"). */
  readonly rockRidgeIdentifier?: string;
  /** Every ER identifier of the root "." record. */
  readonly extensionIdentifiers: readonly string[];
  /** SUSP LEN_SKP from SP. */
  readonly suspSkipByteLength: number;
  /** The views this image has, best first ("rockridge", "joliet", "iso9660"). */
  readonly views: readonly IsoView[];
  /** The view used when none is given: `views[0]`. */
  readonly defaultView: IsoView;
  /** Problems skipped in lenient mode so far (grows while directories are read). */
  readonly diagnostics: readonly string[];
  /** The root directory as an entry (path ""). */
  root(view?: IsoView): IsoEntry;
  /** Finds an entry by path ("" or "/" = root); `undefined` when it does not exist. */
  lookup(path: string, view?: IsoView): Promise<IsoEntry | undefined>;
  /** The entries of one directory, in recorded order ("." and ".." are not listed). */
  readDirectory(path: string, view?: IsoView): AsyncIterable<IsoEntry>;
  /** Every entry below `path` (default: root), depth first, parents before children. */
  walk(view?: IsoView, path?: string): AsyncIterable<IsoEntry>;
  /** The bytes of a file, extent after extent, in chunks of at most `chunkByteLength` (1 MiB). */
  readFile(entry: IsoEntry, options?: { readonly chunkByteLength?: number }): ReadableStream<Uint8Array>;
}

/** Default cap on a directory extent (a directory of ~300 000 entries). */
export const MAX_DIRECTORY_BYTES = 64 * 1024 * 1024;
/** Volume descriptors scanned before giving up on finding a terminator. */
export const MAX_VOLUME_DESCRIPTORS = 256;
/** Continuation areas followed for one System Use field. */
export const MAX_CONTINUATION_AREAS = 64;
/** Default chunk size of {@link IsoImage.readFile}. */
export const READ_CHUNK_BYTES = 1024 * 1024;

/** ER identifiers that announce Rock Ridge. */
export const ROCK_RIDGE_IDENTIFIERS: readonly string[] = ["RRIP_1991A", "IEEE_P1282", "IEEE_1282"];

/**
 * Opens an ISO 9660 image: reads the volume descriptors and detects Rock Ridge and Joliet.
 * Directories are read on demand.
 *
 * @example
 * ```ts
 * using device = await FileBlockDevice.open("disc.iso");
 * const image = await openIso(device);
 * for await (const entry of image.walk()) console.log(entry.path, entry.kind, entry.byteLength);
 * ```
 */
export async function openIso(device: BlockDevice, policy: IsoReadPolicy = {}): Promise<IsoImage> {
  const context = new ReadContext(device, policy);
  const descriptors = await readVolumeDescriptorSet(context);
  const rock = await detectRockRidge(context, descriptors.primary);
  const views: IsoView[] = [];
  if (rock.hasRockRidge) views.push("rockridge");
  if (descriptors.joliet) views.push("joliet");
  views.push("iso9660");
  return new IsoImageReader(context, descriptors, rock, views);
}

/** Bytes of the device in 2048-byte sectors, shared state and policy of one open image. */
class ReadContext implements SystemUseContext {
  readonly device: BlockDevice;
  readonly strict: boolean;
  readonly maxDirectoryByteLength: number;
  readonly deviceByteLength: number;
  readonly sectorCount: number;
  readonly sessionStartLba: number;
  readonly diagnostics: string[] = [];
  #sectorCache = new Map<number, Uint8Array>();

  constructor(device: BlockDevice, policy: IsoReadPolicy) {
    this.device = device;
    this.strict = policy.strict ?? false;
    this.sessionStartLba = policy.sessionStartLba ?? 0;
    this.maxDirectoryByteLength = policy.maxDirectoryByteLength ?? MAX_DIRECTORY_BYTES;
    this.deviceByteLength = device.blockCount * device.blockByteLength;
    this.sectorCount = Math.floor(this.deviceByteLength / SECTOR_BYTES);
  }

  /** Records a lenient-mode problem, or throws it in strict mode. */
  problem(error: FormatError): void {
    if (this.strict) throw error;
    if (this.diagnostics.length < 10_000) this.diagnostics.push(error.message);
  }

  /** Throws a FormatError unless `byteLength` bytes from `lba` lie inside the device. */
  checkExtent(lba: number, byteLength: number, structure: string, what: string): void {
    if (lba * SECTOR_BYTES + byteLength > this.deviceByteLength) {
      throw new FormatError(
        `Cannot read ${what}: extent of ${byteLength} bytes at LBA ${lba} ends beyond the image (${this.sectorCount} blocks)`,
        { structure, field: "Location of Extent", lba },
      );
    }
  }

  /** Reads whole 2048-byte sectors (already range-checked by the caller or here). */
  async readSectors(lba: number, count: number, structure: string): Promise<Uint8Array> {
    this.checkExtent(lba, count * SECTOR_BYTES, structure, structure);
    return await readDeviceBytes(this.device, lba * SECTOR_BYTES, count * SECTOR_BYTES);
  }

  /** One sector through a small cache (continuation areas share blocks). */
  async sector(lba: number, structure: string): Promise<Uint8Array> {
    const cached = this.#sectorCache.get(lba);
    if (cached) return cached;
    const bytes = await this.readSectors(lba, 1, structure);
    if (this.#sectorCache.size >= 32) this.#sectorCache.delete(this.#sectorCache.keys().next().value!);
    this.#sectorCache.set(lba, bytes);
    return bytes;
  }
}

/**
 * Scans the volume descriptor set from LBA 16 to the terminator (at most
 * {@link MAX_VOLUME_DESCRIPTORS}).
 */
async function readVolumeDescriptorSet(context: ReadContext): Promise<IsoDescriptorSet> {
  let primary: VolumeDescriptor | undefined;
  let primaryLba = -1;
  let joliet: VolumeDescriptor | undefined;
  let jolietLba: number | undefined;
  let bootRecord: IsoBootRecord | undefined;
  const supplementary: IsoLocatedDescriptor[] = [];
  const partitionLbas: number[] = [];
  let terminatorLba = -1;
  const structure = "Volume Descriptor";

  for (let i = 0; i < MAX_VOLUME_DESCRIPTORS && terminatorLba < 0; i++) {
    const lba = context.sessionStartLba + FIRST_VOLUME_DESCRIPTOR_LBA + i;
    if (lba >= context.sectorCount) {
      if (!primary) {
        throw new FormatError(`Cannot read volume descriptors: the image ends at LBA ${lba}`, {
          structure,
          lba,
        });
      }
      context.problem(
        new FormatError(`Cannot find the volume descriptor set terminator: the image ends`, {
          structure,
          lba,
        }),
      );
      break;
    }
    const sector = await context.readSectors(lba, 1, structure);
    try {
      checkHeader(sector, lba);
    } catch (error) {
      if (!primary || !(error instanceof FormatError)) throw error;
      context.problem(error);
      break;
    }
    switch (sector[0]) {
      case VOLUME_DESCRIPTOR_TYPE.bootRecord: {
        // 7: Boot System Identifier (32); 39: Boot Identifier (32); 71: El Torito catalog LBA (uint32 LE)
        const bootSystemIdentifier = getTrimmedAscii(sector, 7, 32);
        const elTorito = bootSystemIdentifier === "EL TORITO SPECIFICATION";
        const record: IsoBootRecord = {
          lba,
          bootSystemIdentifier,
          bootIdentifier: getTrimmedAscii(sector, 39, 32),
          elTorito,
          catalogLba: elTorito
            ? new DataView(sector.buffer, sector.byteOffset).getUint32(71, true)
            : undefined,
        };
        bootRecord ??= record;
        break;
      }
      case VOLUME_DESCRIPTOR_TYPE.primary: {
        if (primary) {
          context.problem(
            new FormatError(
              `Cannot use a second Primary Volume Descriptor: the first is at LBA ${primaryLba}`,
              {
                structure: "Primary Volume Descriptor",
                lba,
              },
            ),
          );
          break;
        }
        primary = decodeVolumeDescriptor(sector, lba);
        primaryLba = lba;
        break;
      }
      case VOLUME_DESCRIPTOR_TYPE.supplementary: {
        const descriptor = decodeVolumeDescriptor(sector, lba);
        if (!joliet && isJoliet(descriptor)) {
          joliet = descriptor;
          jolietLba = lba;
        } else supplementary.push({ lba, descriptor });
        break;
      }
      case VOLUME_DESCRIPTOR_TYPE.partition:
        partitionLbas.push(lba);
        break;
      case VOLUME_DESCRIPTOR_TYPE.terminator:
        terminatorLba = lba;
        break;
      default:
        context.problem(
          new FormatError(`Cannot read volume descriptor: type ${sector[0]} is unknown`, {
            structure,
            field: "Volume Descriptor Type",
            lba,
          }),
        );
    }
  }
  if (!primary) {
    throw new FormatError(`Cannot read volume descriptors: no Primary Volume Descriptor`, {
      structure: "Primary Volume Descriptor",
      lba: FIRST_VOLUME_DESCRIPTOR_LBA,
    });
  }
  if (terminatorLba < 0 && context.sectorCount > FIRST_VOLUME_DESCRIPTOR_LBA + MAX_VOLUME_DESCRIPTORS) {
    throw new FormatError(
      `Cannot read volume descriptors: no terminator within ${MAX_VOLUME_DESCRIPTORS} descriptors`,
      { structure: "Volume Descriptor Set Terminator", lba: FIRST_VOLUME_DESCRIPTOR_LBA },
    );
  }
  for (const [descriptor, lba] of [[primary, primaryLba], [joliet, jolietLba]] as const) {
    if (!descriptor || lba === undefined) continue;
    const where = { structure: descriptor.type === 1 ? "Primary Volume Descriptor" : "Joliet SVD", lba };
    if (descriptor.logicalBlockByteLength !== SECTOR_BYTES) {
      context.problem(
        new FormatError(
          `Cannot use Logical Block Size ${descriptor.logicalBlockByteLength}: only 2048 is supported`,
          { ...where, field: "Logical Block Size" },
        ),
      );
    }
    const root = descriptor.rootDirectoryRecord;
    if (!(root.fileFlags & FILE_FLAGS.directory)) {
      context.problem(
        new FormatError(`Cannot read root directory: its record is not flagged as a directory`, {
          ...where,
          field: "Directory Record for Root Directory",
        }),
      );
    }
    checkDirectoryExtent(context, root.extentLba, root.dataByteLength, "root directory", lba);
    if (descriptor.volumeSpaceBlockCount > context.sectorCount) {
      context.diagnostics.push(
        `Volume Space Size ${descriptor.volumeSpaceBlockCount} blocks exceeds the image (${context.sectorCount} blocks): the image may be truncated (LBA ${lba})`,
      );
    }
  }
  const escape = joliet?.escapeSequences[2];
  return {
    primary,
    primaryLba,
    joliet,
    jolietLba,
    jolietLevel: escape === undefined ? undefined : escape === 0x40 ? 1 : escape === 0x43 ? 2 : 3,
    supplementary,
    bootRecord,
    partitionLbas,
    terminatorLba,
  };
}

/** Throws unless a directory extent has a sane size and lies inside the device. */
function checkDirectoryExtent(
  context: ReadContext,
  lba: number,
  byteLength: number,
  what: string,
  recordLba: number,
): void {
  const where = { structure: "Directory Record", field: "Data Length", lba: recordLba };
  if (byteLength === 0) {
    throw new FormatError(`Cannot read ${what}: its extent at LBA ${lba} has Data Length 0`, where);
  }
  if (byteLength > context.maxDirectoryByteLength) {
    throw new FormatError(
      `Cannot read ${what}: Data Length ${byteLength} at LBA ${lba} exceeds ${context.maxDirectoryByteLength} bytes`,
      where,
    );
  }
  context.checkExtent(lba, byteLength, "Directory Record", what);
}

interface RockRidgeDetection {
  readonly hasRockRidge: boolean;
  readonly rockRidgeIdentifier?: string;
  readonly extensionIdentifiers: readonly string[];
  readonly skipByteLength: number;
}

/** Looks for SUSP SP + ER in the System Use of the primary root's "." record (SUSP §5.3, §5.5). */
async function detectRockRidge(context: ReadContext, primary: VolumeDescriptor): Promise<RockRidgeDetection> {
  const none = { hasRockRidge: false, extensionIdentifiers: [], skipByteLength: 0 };
  const root = primary.rootDirectoryRecord;
  const sector = await context.readSectors(root.extentLba, 1, "Directory Record");
  if (sector[0] < 34) return none;
  let dot: DirectoryRecord;
  try {
    dot = decodeDirectoryRecord(sector, 0, root.extentLba);
  } catch (error) {
    if (!(error instanceof FormatError)) throw error;
    context.problem(error);
    return none;
  }
  const su = dot.systemUse;
  // SP: "SP" LEN 7, version 1, check bytes BE EF, LEN_SKP (SUSP §5.3); must be the first entry.
  if (su.byteLength < 7 || su[0] !== 0x53 || su[1] !== 0x50 || su[4] !== 0xbe || su[5] !== 0xef) return none;
  const entries = await collectSystemUse(context, su, root.extentLba);
  const sp = entries.find((e) => e.signature === "SP");
  const skipByteLength = sp?.signature === "SP" ? sp.skipByteLength : 0;
  const identifiers = entries.filter((e): e is ErEntry => e.signature === "ER").map((e) => e.identifier);
  const rockRidgeIdentifier = identifiers.find((id) => ROCK_RIDGE_IDENTIFIERS.includes(id));
  // Old RRIP 1.09 images may lack ER; Linux accepts SP + RR entries alone.
  const rrEntries = entries.some((e) =>
    e.signature === "PX" || e.signature === "TF" || (e.signature === "unknown" && e.name === "RR")
  );
  return {
    hasRockRidge: rockRidgeIdentifier !== undefined || (identifiers.length === 0 && rrEntries),
    rockRidgeIdentifier,
    extensionIdentifiers: identifiers,
    skipByteLength,
  };
}

/** What {@link collectSystemUse} needs from an open image. */
export interface SystemUseContext {
  /** 2048-byte sectors of the device. */
  readonly sectorCount: number;
  /** Reads one sector. */
  sector(lba: number, structure: string): Promise<Uint8Array>;
  /**
   * Receives a malformed entry (bad LEN_SUE, an entry too short for its signature); it throws to
   * stop (strict) or returns to keep the entries decoded so far (lenient). Without it, throws.
   */
  problem?(error: FormatError): void;
}

/**
 * Decodes a System Use field and every continuation area it chains to (SUSP §5.1), returning the
 * entries in logical order without the CE entries. Continuation areas must lie inside one block
 * and inside the device, and a repeated area or more than {@link MAX_CONTINUATION_AREAS} is a
 * loop: those are always a FormatError.
 */
export async function collectSystemUse(
  context: SystemUseContext,
  systemUse: Uint8Array,
  recordLba: number,
): Promise<SuspEntry[]> {
  const out: SuspEntry[] = [];
  const seen = new Set<string>();
  const decode = (bytes: Uint8Array, lba: number): SuspEntry[] | undefined => {
    try {
      return decodeSuspEntries(bytes, lba);
    } catch (error) {
      if (!(error instanceof FormatError) || !context.problem) throw error;
      context.problem(error);
      return undefined;
    }
  };
  let entries = decode(systemUse, recordLba);
  for (let hops = 0; entries; hops++) {
    let ce: SuspEntry | undefined;
    for (const entry of entries) {
      if (entry.signature === "CE") ce ??= entry;
      else out.push(entry);
    }
    if (ce?.signature !== "CE" || ce.byteLength === 0) return out;
    const where = { structure: "CE entry", lba: ce.blockLba };
    if (ce.byteOffset + ce.byteLength > SECTOR_BYTES) {
      throw new FormatError(
        `Cannot read continuation area: ${ce.byteLength} bytes at offset ${ce.byteOffset} cross the block boundary`,
        { ...where, field: "Length of Continuation Area" },
      );
    }
    if (ce.blockLba >= context.sectorCount) {
      throw new FormatError(
        `Cannot read continuation area: block ${ce.blockLba} is beyond the image (${context.sectorCount} blocks)`,
        { ...where, field: "Block Location of Continuation Area" },
      );
    }
    const key = `${ce.blockLba}:${ce.byteOffset}`;
    if (seen.has(key) || hops >= MAX_CONTINUATION_AREAS) {
      throw new FormatError(`Cannot read continuation area: the CE chain loops at LBA ${ce.blockLba}`, {
        ...where,
        field: "Block Location of Continuation Area",
      });
    }
    seen.add(key);
    const block = await context.sector(ce.blockLba, "Continuation Area");
    entries = decode(block.subarray(ce.byteOffset, ce.byteOffset + ce.byteLength), ce.blockLba);
  }
  return out;
}

/** A directory record with where it was found. */
export interface LocatedRecord {
  readonly record: DirectoryRecord;
  /** LBA of the sector holding the record. */
  readonly lba: number;
  /** Byte offset of the record in the directory extent. */
  readonly byteOffset: number;
}

/**
 * Splits a directory extent into records (§6.8.1, §9.1): LEN_DR 0 skips to the next sector. A
 * record that crosses a sector boundary goes to `onProblem` and is skipped whole; a malformed one
 * goes to `onProblem` and the rest of its sector is skipped.
 */
export function parseDirectoryRecords(
  bytes: Uint8Array,
  extentLba: number,
  onProblem: (error: FormatError) => void,
): LocatedRecord[] {
  const out: LocatedRecord[] = [];
  let at = 0;
  while (at < bytes.byteLength) {
    const sectorEnd = Math.min(bytes.byteLength, (Math.floor(at / SECTOR_BYTES) + 1) * SECTOR_BYTES);
    const lba = extentLba + Math.floor(at / SECTOR_BYTES);
    const length = bytes[at];
    if (length === 0) {
      at = sectorEnd; // §6.8.1: the rest of the sector is unused
      continue;
    }
    const where = {
      structure: "Directory Record",
      field: "Length of Directory Record",
      lba,
      byteOffset: lba * SECTOR_BYTES + (at % SECTOR_BYTES),
    };
    if (length < 34 || at + length > sectorEnd) {
      onProblem(
        new FormatError(
          length < 34
            ? `Cannot read directory record: LEN_DR ${length} is shorter than 34`
            : `Cannot read directory record: ${length} bytes at offset ${
              at % SECTOR_BYTES
            } cross the sector boundary`,
          where,
        ),
      );
      // A crossing record is skipped whole (writers never make one; its tail is not a record);
      // after a too-short LEN_DR nothing in this sector can be trusted.
      at = length >= 34 && at + length <= bytes.byteLength ? at + length : sectorEnd;
      continue;
    }
    try {
      out.push({ record: decodeDirectoryRecord(bytes, at, lba), lba, byteOffset: at });
    } catch (error) {
      if (!(error instanceof FormatError)) throw error;
      onProblem(
        new FormatError(error.message.replace(/ \(LBA.*\)$/, ""), { ...where, field: error.location.field }),
      );
      at = sectorEnd;
      continue;
    }
    at += length;
  }
  return out;
}

/** True for the §7.6.2 identifiers 0x00 (".") and 0x01 (".."). */
export function isSelfOrParent(record: DirectoryRecord): boolean {
  return record.identifier.byteLength === 1 && record.identifier[0] <= 1;
}

const utf8Decoder = new TextDecoder("utf-8", { fatal: false });

/** Decodes an ISO 9660 (single-byte) identifier as Latin-1. */
export function latin1Text(bytes: Uint8Array): string {
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return text;
}

/**
 * A plain ISO 9660 name: the identifier without ";version" and, for files, without a trailing
 * "." (Linux `map=normal` keeps the case; so do we).
 *
 * @example
 * ```ts
 * plainName("NOEXT.;1", false); // "NOEXT"
 * plainName("AB.D", true); // "AB.D"
 * ```
 */
export function plainName(identifier: string, directory: boolean): string {
  let name = identifier.replace(/;\d*$/, "");
  if (!directory) name = name.replace(/\.$/, "");
  return name === "" ? identifier : name;
}

/**
 * A Joliet name: the UCS-2 identifier without a ";version" suffix (and the "." before it when the
 * extension is empty).
 *
 * @example
 * ```ts
 * jolietName("hello.txt;1"); // "hello.txt"
 * ```
 */
export function jolietName(identifier: string): string {
  const stripped = identifier.replace(/;\d+$/, "");
  const name = stripped === identifier ? identifier : stripped.replace(/\.$/, "");
  return name === "" ? identifier : name;
}

/** RRIP §4.1.3.1 component flags beyond those in susp.ts: VOLROOT (obsolete) and HOST. */
const SL_VOLROOT = 0x10;
const SL_HOST = 0x20;

/**
 * Joins RRIP §4.1.3 SL component records of one or more SL entries into a link target: ROOT (and
 * the obsolete VOLROOT) start an absolute path, CURRENT/PARENT are "." and "..", a component with
 * CONTINUE is glued to the next one without "/".
 *
 * @example
 * ```ts
 * symlinkTarget(slEntries); // "../hello.txt" or "/usr/share/doc/some/target"
 * ```
 */
export function symlinkTarget(entries: readonly SlEntry[]): string {
  let target = "";
  let glue = true; // no "/" before the next component (start, after ROOT, after CONTINUE)
  for (const entry of entries) {
    for (const component of entry.components) {
      if (component.flags & (SL_COMPONENT_FLAGS.root | SL_VOLROOT)) {
        target = "/";
        glue = true;
        continue;
      }
      const text = component.flags & SL_COMPONENT_FLAGS.current
        ? "."
        : component.flags & SL_COMPONENT_FLAGS.parent
        ? ".."
        : component.flags & SL_HOST
        ? "" // the local host name has no portable meaning
        : utf8Decoder.decode(component.content);
      if (!glue) target += "/";
      target += text;
      glue = (component.flags & SL_COMPONENT_FLAGS.continue) !== 0;
    }
  }
  return target;
}

function kindOfMode(mode: number): IsoEntryKind | undefined {
  switch (mode & POSIX_FILE_TYPE.mask) {
    case POSIX_FILE_TYPE.regular:
      return "file";
    case POSIX_FILE_TYPE.directory:
      return "directory";
    case POSIX_FILE_TYPE.symlink:
      return "symlink";
    case POSIX_FILE_TYPE.blockDevice:
    case POSIX_FILE_TYPE.charDevice:
      return "device";
    case POSIX_FILE_TYPE.fifo:
      return "fifo";
    case POSIX_FILE_TYPE.socket:
      return "socket";
    default:
      return undefined;
  }
}

/** Linux's reading of PN: high 0 and low above 255 is an old 16-bit major:minor. */
function deviceNumber(pn: PnEntry): { major: number; minor: number } {
  if (pn.deviceHigh === 0 && (pn.deviceLow & ~0xff) !== 0) {
    return { major: (pn.deviceLow >>> 8) & 0xff, minor: pn.deviceLow & 0xff };
  }
  return { major: pn.deviceHigh, minor: pn.deviceLow };
}

function joinPath(parent: string, name: string): string {
  return parent === "" ? name : `${parent}/${name}`;
}

/** A directory to list: its extent and the path and view it is listed under. */
interface DirectoryRef {
  readonly lba: number;
  readonly byteLength: number;
  readonly path: string;
}

class IsoImageReader implements IsoImage {
  readonly device: BlockDevice;
  readonly descriptors: IsoDescriptorSet;
  readonly hasRockRidge: boolean;
  readonly rockRidgeIdentifier?: string;
  readonly extensionIdentifiers: readonly string[];
  readonly suspSkipByteLength: number;
  readonly views: readonly IsoView[];
  readonly defaultView: IsoView;
  #context: ReadContext;

  constructor(
    context: ReadContext,
    descriptors: IsoDescriptorSet,
    rock: RockRidgeDetection,
    views: readonly IsoView[],
  ) {
    this.#context = context;
    this.device = context.device;
    this.descriptors = descriptors;
    this.hasRockRidge = rock.hasRockRidge;
    this.rockRidgeIdentifier = rock.rockRidgeIdentifier;
    this.extensionIdentifiers = rock.extensionIdentifiers;
    this.suspSkipByteLength = rock.skipByteLength;
    this.views = views;
    this.defaultView = views[0];
  }

  get diagnostics(): readonly string[] {
    return this.#context.diagnostics;
  }

  #descriptorFor(view: IsoView): { descriptor: VolumeDescriptor; lba: number } {
    if (!this.views.includes(view)) {
      throw new RangeError(`Cannot use view "${view}": the image has ${this.views.join(", ")}`);
    }
    return view === "joliet"
      ? { descriptor: this.descriptors.joliet!, lba: this.descriptors.jolietLba! }
      : { descriptor: this.descriptors.primary, lba: this.descriptors.primaryLba };
  }

  root(view: IsoView = this.defaultView): IsoEntry {
    const { descriptor, lba } = this.#descriptorFor(view);
    const record = descriptor.rootDirectoryRecord;
    return {
      path: "",
      name: "",
      identifier: "",
      kind: "directory",
      byteLength: record.dataByteLength,
      extents: [{ lba: record.extentLba, byteLength: record.dataByteLength }],
      mtime: record.recorded,
      hidden: false,
      recordLba: lba,
    };
  }

  async lookup(path: string, view: IsoView = this.defaultView): Promise<IsoEntry | undefined> {
    let entry = this.root(view);
    const ancestors = new Set<number>([entry.extents[0].lba]);
    for (const name of path.split("/").filter((part) => part !== "")) {
      if (entry.kind !== "directory") return undefined;
      const children = await this.#list(entry, view);
      const next = children.find((child) => child.name === name);
      if (!next) return undefined;
      if (next.kind === "directory") this.#enter(next, ancestors);
      entry = next;
    }
    return entry;
  }

  async *readDirectory(path: string, view: IsoView = this.defaultView): AsyncIterable<IsoEntry> {
    const entry = await this.lookup(path, view);
    if (!entry) throw new RangeError(`Cannot read directory: "${path}" does not exist in the ${view} view`);
    if (entry.kind !== "directory") {
      throw new RangeError(`Cannot read directory: "${path}" is a ${entry.kind}`);
    }
    yield* await this.#list(entry, view);
  }

  async *walk(view: IsoView = this.defaultView, path = ""): AsyncIterable<IsoEntry> {
    const start = await this.lookup(path, view);
    if (!start) throw new RangeError(`Cannot walk: "${path}" does not exist in the ${view} view`);
    if (start.kind !== "directory") {
      yield start;
      return;
    }
    const visited = new Set<number>([start.extents[0].lba]);
    // Depth-first with an explicit stack: each frame is a listed directory and its ancestors.
    const stack: { entries: IsoEntry[]; index: number; ancestors: Set<number> }[] = [
      { entries: await this.#list(start, view), index: 0, ancestors: new Set([start.extents[0].lba]) },
    ];
    while (stack.length > 0) {
      const frame = stack[stack.length - 1];
      if (frame.index >= frame.entries.length) {
        stack.pop();
        continue;
      }
      const entry = frame.entries[frame.index++];
      yield entry;
      if (entry.kind !== "directory") continue;
      const lba = entry.extents[0].lba;
      const ancestors = new Set(frame.ancestors);
      this.#enter(entry, ancestors);
      if (visited.has(lba)) {
        throw new FormatError(
          `Cannot walk directory "${entry.path}": its extent at LBA ${lba} was already listed elsewhere`,
          { structure: "Directory Record", field: "Location of Extent", lba: entry.recordLba },
        );
      }
      visited.add(lba);
      stack.push({ entries: await this.#list(entry, view), index: 0, ancestors });
    }
  }

  /** Adds a directory to its path's ancestor set; a repeat is a loop. */
  #enter(entry: IsoEntry, ancestors: Set<number>): void {
    const lba = entry.extents[0].lba;
    if (ancestors.has(lba)) {
      throw new FormatError(
        `Cannot read directory "${entry.path}": its extent at LBA ${lba} is one of its own ancestors (a loop)`,
        {
          structure: entry.rrRelocated ? "CL entry" : "Directory Record",
          field: "Location of Extent",
          lba: entry.recordLba,
        },
      );
    }
    ancestors.add(lba);
  }

  readFile(entry: IsoEntry, options: { readonly chunkByteLength?: number } = {}): ReadableStream<Uint8Array> {
    if (entry.kind !== "file") {
      throw new TypeError(`Cannot read file "${entry.path}": it is a ${entry.kind}`);
    }
    const chunk = Math.max(
      SECTOR_BYTES,
      Math.floor((options.chunkByteLength ?? READ_CHUNK_BYTES) / SECTOR_BYTES) * SECTOR_BYTES,
    );
    for (const extent of entry.extents) {
      this.#context.checkExtent(extent.lba, extent.byteLength, "Directory Record", `file "${entry.path}"`);
    }
    const device = this.device;
    let index = 0;
    let done = 0; // bytes of extents[index] already emitted
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        while (index < entry.extents.length && done >= entry.extents[index].byteLength) {
          index++;
          done = 0;
        }
        if (index >= entry.extents.length) {
          controller.close();
          return;
        }
        const extent = entry.extents[index];
        const take = Math.min(chunk, extent.byteLength - done);
        controller.enqueue(await readDeviceBytes(device, extent.lba * SECTOR_BYTES + done, take));
        done += take;
      },
    }, { highWaterMark: 0 });
  }

  /** Reads one directory extent and turns its records into entries of `view`. */
  async #list(directory: IsoEntry, view: IsoView): Promise<IsoEntry[]> {
    const context = this.#context;
    const [extent] = directory.extents;
    const ref: DirectoryRef = { lba: extent.lba, byteLength: extent.byteLength, path: directory.path };
    checkDirectoryExtent(context, ref.lba, ref.byteLength, `directory "${ref.path}"`, directory.recordLba);
    const bytes = await context.readSectors(ref.lba, Math.ceil(ref.byteLength / SECTOR_BYTES), "Directory");
    const records = parseDirectoryRecords(
      bytes.subarray(0, ref.byteLength),
      ref.lba,
      (e) => context.problem(e),
    );
    const out: IsoEntry[] = [];
    let group: LocatedRecord[] = [];
    const flush = async () => {
      const entry = await this.#entryOf(group, view, ref);
      if (entry) out.push(entry);
      group = [];
    };
    for (const located of records) {
      if (isSelfOrParent(located.record)) continue;
      if (group.length > 0 && !sameBytes(group[0].record.identifier, located.record.identifier)) {
        context.problem(
          new FormatError(`Cannot read multi-extent file: its last section record is missing`, {
            structure: "Directory Record",
            field: "File Flags",
            lba: group[group.length - 1].lba,
          }),
        );
        await flush();
      }
      group.push(located);
      if (!(located.record.fileFlags & FILE_FLAGS.multiExtent)) await flush();
    }
    if (group.length > 0) {
      context.problem(
        new FormatError(`Cannot read multi-extent file: the directory ends before its last section`, {
          structure: "Directory Record",
          field: "File Flags",
          lba: group[group.length - 1].lba,
        }),
      );
      await flush();
    }
    return out;
  }

  /** One entry from the records of one file (several for multi-extent), or undefined if hidden. */
  async #entryOf(group: LocatedRecord[], view: IsoView, parent: DirectoryRef): Promise<IsoEntry | undefined> {
    const context = this.#context;
    const first = group[0];
    const record = first.record;
    if (record.fileFlags & FILE_FLAGS.associatedFile) return undefined; // Linux hides these too
    const joliet = view === "joliet";
    const identifier = joliet ? decodeUcs2(record.identifier) : latin1Text(record.identifier);
    const isDirectory = (record.fileFlags & FILE_FLAGS.directory) !== 0;
    let name = joliet ? jolietName(identifier) : plainName(identifier, isDirectory);
    let kind: IsoEntryKind = isDirectory ? "directory" : "file";
    let extents: IsoExtent[] = group.map(({ record: r }) => ({
      lba: r.extentLba,
      byteLength: r.dataByteLength,
    }));
    const hidden = (record.fileFlags & FILE_FLAGS.existence) !== 0;
    let mtime = record.recorded;
    let rock: Partial<Mutable<IsoEntry>> = {};
    if (isDirectory && group.length > 1) {
      context.problem(
        new FormatError(`Cannot read directory "${identifier}": a directory cannot have several extents`, {
          structure: "Directory Record",
          field: "File Flags",
          lba: first.lba,
        }),
      );
      extents = extents.slice(0, 1);
    }

    if (view === "rockridge") {
      const su = record.systemUse.subarray(Math.min(this.suspSkipByteLength, record.systemUse.byteLength));
      const entries = await collectSystemUse(context, su, first.lba);
      if (entries.some((e) => e.signature === "RE")) return undefined; // relocated: shown via CL
      const nmParts = entries.filter((e): e is NmEntry =>
        e.signature === "NM" && (e.flags & (NM_FLAGS.current | NM_FLAGS.parent | 0x20)) === 0
      );
      if (nmParts.length > 0) {
        const total = nmParts.reduce((sum, e) => sum + e.name.byteLength, 0);
        const joined = new Uint8Array(total);
        let at = 0;
        for (const part of nmParts) {
          joined.set(part.name, at);
          at += part.name.byteLength;
        }
        const decoded = utf8Decoder.decode(joined);
        if (decoded !== "") name = decoded;
      }
      const px = entries.find((e): e is PxEntry => e.signature === "PX");
      if (px) {
        rock = {
          mode: px.mode,
          uid: px.uid,
          gid: px.gid,
          linkCount: px.linkCount,
          serialNumber: px.serialNumber,
        };
        const byMode = kindOfMode(px.mode);
        if (!isDirectory && byMode && byMode !== "directory") kind = byMode;
      }
      const tf = entries.find((e): e is TfEntry => e.signature === "TF");
      if (tf) {
        const times = timesOf(tf);
        if (times.modify) mtime = times.modify;
        rock.atime = times.access;
        rock.ctime = times.attributes;
      }
      if (kind === "symlink") {
        rock.linkTarget = symlinkTarget(entries.filter((e): e is SlEntry => e.signature === "SL"));
      }
      const pn = entries.find((e): e is PnEntry => e.signature === "PN");
      if (pn && kind === "device") rock.device = deviceNumber(pn);
      const cl = entries.find((e): e is ClEntry => e.signature === "CL");
      if (cl) {
        kind = "directory";
        const byteLength = await this.#relocatedLength(cl.childLba, first.lba);
        extents = [{ lba: cl.childLba, byteLength }];
        rock.rrRelocated = { directoryLba: cl.childLba, placeholderLba: first.lba };
      }
    }

    const path = joinPath(parent.path, name);
    let byteLength = 0;
    if (kind === "file" || kind === "directory") {
      if (kind === "directory") {
        checkDirectoryExtent(
          context,
          extents[0].lba,
          extents[0].byteLength,
          `directory "${path}"`,
          first.lba,
        );
      }
      for (const extent of extents) {
        if (extent.byteLength > 0) {
          context.checkExtent(extent.lba, extent.byteLength, "Directory Record", `"${path}"`);
        }
        byteLength += extent.byteLength;
      }
    } else extents = [];
    return {
      path,
      name,
      identifier,
      kind,
      byteLength,
      extents,
      mtime,
      hidden,
      recordLba: first.lba,
      ...rock,
    };
  }

  /** Data Length of a relocated directory, from the "." record at the start of its extent. */
  async #relocatedLength(childLba: number, placeholderLba: number): Promise<number> {
    const where = { structure: "CL entry", field: "Location of Child Directory", lba: placeholderLba };
    if (childLba >= this.#context.sectorCount) {
      throw new FormatError(`Cannot follow CL: LBA ${childLba} is beyond the image`, where);
    }
    const sector = await this.#context.sector(childLba, "Directory");
    const dot = sector[0] >= 34 ? decodeDirectoryRecord(sector, 0, childLba) : undefined;
    if (!dot || !isSelfOrParent(dot) || dot.identifier[0] !== 0 || dot.extentLba !== childLba) {
      throw new FormatError(`Cannot follow CL: LBA ${childLba} does not start with a "." record`, where);
    }
    return dot.dataByteLength;
  }
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Maps TF time stamps to their meaning (RRIP §4.1.6: one per set flag bit, in bit order). */
export function timesOf(tf: TfEntry): {
  creation?: Date;
  modify?: Date;
  access?: Date;
  attributes?: Date;
} {
  const names = ["creation", "modify", "access", "attributes", "backup", "expiration", "effective"] as const;
  const out: Record<string, Date | undefined> = {};
  let i = 0;
  for (let bit = 0; bit < 7; bit++) {
    if (!(tf.flags & (1 << bit))) continue;
    out[names[bit]] = tf.times[i++];
  }
  return out;
}
