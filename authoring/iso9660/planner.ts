/**
 * The ISO 9660 planner: a scanned source tree + options → every extent placed, the image as a
 * {@link RegionList}, and diagnostics. Pure and synchronous: no file is opened.
 *
 * Passes (as libisofs `ecma119.c` does it): build the trees and their names; size every record
 * and directory; place extents in image order; encode. The layout order is:
 *
 * | LBA | content |
 * |---|---|
 * | 0–15 | system area (zeros; hybrid boot code comes with El Torito) |
 * | 16… | PVD, [boot record], [Joliet SVD], [ISO 9660:1999 EVD], terminator |
 * | next | ISO tree directories (pre-order), SUSP continuation areas, L and M path tables |
 * | next | Joliet directories and path tables; ISO 9660:1999 directories and path tables |
 * | next | one zero block shared by empty files, links and devices |
 * | next | file data (highest `--sort-weight` first, then tree order); hard links once |
 * | end | padding (`-pad`, 150 blocks) |
 * @module
 */

import { LayoutError } from "../../image/errors.ts";
import { type Region, type RegionList, RegionListBuilder } from "../../image/regions.ts";
import {
  EL_TORITO_BOOT_SYSTEM_IDENTIFIER,
  encodeBootRecordVolumeDescriptor,
} from "../eltorito/boot_record.ts";
import type { SourceDirectory, SourceFile, SourceNode, SourceTree } from "../source_tree.ts";
import {
  DIRECTORY_RECORD_MAX_BYTES,
  directoryRecordByteLength,
  FILE_FLAGS,
  IDENTIFIER_SELF,
  systemUseOffset,
  writeDirectoryRecordHeader,
} from "./directory_record.ts";
import {
  assignIsoNames,
  assignJolietNames,
  compareIsoNames,
  compareJolietNames,
  DEFAULT_ISO_NAMING,
  ISO1999_MAX_BYTES,
  isoIdentifierText,
  type IsoName,
  type IsoNamingRules,
  JOLIET_MAX_UNITS,
} from "./names.ts";
import { encodeText, textByteLength, type TextEncoding, utf8, utf8ByteLength, writeText } from "./numbers.ts";
import { encodePathTable, type PathTableRecord, pathTableRecordByteLength } from "./path_table.ts";
import {
  ATTRIBUTE_ENTRIES_BYTES,
  attributeEntries,
  type ContinuationPlace,
  deviceEntry,
  entriesByteLength,
  layoutSystemUse,
  MAX_SINGLE_NM_BYTES,
  nameEntries,
  nameEntriesByteLength,
  placeContinuation,
  rationalizeMode,
  type RockRidgeAttributes,
  symlinkEntries,
  type SystemUseLayout,
  writeAttributeEntries,
  writeSingleNameEntry,
} from "./rock_ridge.ts";
import {
  encodeSuspEntries,
  POSIX_FILE_TYPE,
  RRIP_1991A,
  type SuspEntry,
  suspEntryByteLength,
  writeSuspEntries,
} from "./susp.ts";
import {
  encodeTerminator,
  encodeVolumeDescriptor,
  FIRST_VOLUME_DESCRIPTOR_LBA,
  JOLIET_ESCAPES,
  SECTOR_BYTES,
  type VolumeDescriptor,
} from "./volume_descriptor.ts";

/** Largest data length of one file section (§9.1.4). */
export const MAX_SECTION_BYTES = 0xffffffff;
/** Length of every full section of a multi-extent file (as xorriso writes them). */
export const FULL_SECTION_BYTES = 0xfffff800;
/** Blocks `-pad` adds (300 KiB). */
export const PAD_BLOCKS = 150;

/** Identifiers written into the volume descriptors. */
export interface VolumeIdentifiers {
  readonly volumeId: string;
  readonly volumeSetId: string;
  readonly publisher: string;
  readonly preparer: string;
  readonly applicationId: string;
  readonly systemId: string;
  readonly copyrightFile: string;
  readonly abstractFile: string;
  readonly bibliographicFile: string;
}

/** Everything the planner needs besides the tree. */
export interface IsoPlanOptions {
  readonly identifiers: VolumeIdentifiers;
  readonly naming: IsoNamingRules;
  /** Rock Ridge: off, on (real modes and owners, `-R`), or rationalized (`-r`). */
  readonly rockRidge: "off" | "on" | "rationalized";
  readonly joliet: boolean;
  /** `-joliet-long`: up to 103 UCS-2 units instead of 64. */
  readonly jolietLong: boolean;
  /** Add an ISO 9660:1999 tree (`-iso-level 4`). */
  readonly iso1999: boolean;
  /** Append 150 zero blocks (`-pad`). */
  readonly pad: boolean;
  /** Write hard links' data once (`-cache-inodes`). */
  readonly cacheInodes: boolean;
  /** Volume creation and modification time. */
  readonly volumeTime: Date;
  /** When set (SOURCE_DATE_EPOCH), every file time stamp is this time. */
  readonly fileTimeOverride?: Date;
  /** `-dir-mode`, `-file-mode`, `-uid`, `-gid` overrides for Rock Ridge. */
  readonly dirMode?: number;
  readonly fileMode?: number;
  readonly uid?: number;
  readonly gid?: number;
  /** El Torito: the boot catalog file; a Boot Record at LBA 17 names its LBA. */
  readonly elToritoCatalog?: SourceFile;
  /** Files that get data blocks even when hidden from every tree (a hidden boot catalog). */
  readonly alwaysPlace?: readonly { readonly isoPath: string; readonly source: SourceFile }[];
  /** `-partition_offset`: the blocks before the partition that a second descriptor set describes. */
  readonly partitionOffsetLba?: number;
  /**
   * `-C`-style session start: every LBA the image records counts from this block (a later
   * session of a multisession disc, a CD-Extra's data session). The region list still starts
   * with the 16-block system area, at this LBA. Default 0.
   */
  readonly sessionStartLba?: number;
  /**
   * Decides what follows the file data (default: `-pad`'s 150 zero blocks); it sees where every
   * file was placed (boot images for a hybrid MBR/GPT).
   */
  readonly tail?: (dataEndLba: number, placed: ReadonlyMap<string, PlacedExtent>) => IsoTail;
}

/** Where a file's data went: first block and byte length. */
export interface PlacedExtent {
  readonly lba: number;
  readonly byteLength: number;
}

/** What follows the file data, and the volume sizes the descriptors state. */
export interface IsoTail {
  /** Volume Space Size of the PVD. */
  readonly primaryVolumeSpaceBlockCount: number;
  /** Volume Space Size of the Joliet and ISO 9660:1999 descriptors. */
  readonly supplementaryVolumeSpaceBlockCount: number;
  /** Regions appended after the file data (padding, appended partitions, GPT backup). */
  readonly regions: readonly Region[];
  /** With `-partition_offset`: Volume Space Size of the second descriptor set. */
  readonly partitionVolumeSpaceBlockCount?: number;
}

/** Where one copy of the directory trees, continuation areas and path tables was placed. */
interface MetadataCopy {
  readonly trees: readonly TreeDirectory[][];
  readonly kinds: readonly TreeKind[];
  readonly dirLbas: Map<TreeDirectory, number>;
  readonly continuationPlaces: Map<PlannedRecord, ContinuationPlace[]>;
  readonly continuationAreas: { place: ContinuationPlace; record: PlannedRecord; index: number }[];
  readonly continuationLba: number;
  readonly continuationBlocks: number;
  /** Per tree: L and M path table LBAs, bytes of one table, blocks of one table. */
  readonly pathTables: { l: number; m: number; byteLength: number; blocks: number }[];
  readonly endLba: number;
}

/** Where one file's data went. */
export interface PlannedFile {
  /** Image path ("dir/name", no leading slash). */
  readonly isoPath: string;
  readonly source: SourceFile;
  /** First LBA of the data (sections are contiguous). */
  readonly lba: number;
  readonly byteLength: number;
}

/** The result of planning. */
export interface IsoPlan {
  /** The whole image, region by region. */
  readonly regions: RegionList;
  /** §8.4.8 Volume Space Size of the PVD in 2048-byte blocks. */
  readonly volumeSpaceBlockCount: number;
  /** First block after the file data (where padding and appended partitions start). */
  readonly dataEndLba: number;
  /** Files by image path. */
  readonly files: ReadonlyMap<string, PlannedFile>;
  /** LBA of each directory of the ISO tree by image path ("" = root). */
  readonly directories: ReadonlyMap<string, number>;
  /** Warnings (a name cut for Joliet, a deep directory, ...). */
  readonly diagnostics: readonly string[];
}

type TreeKind = "iso" | "joliet" | "iso1999";

/** One directory of one tree. */
interface TreeDirectory {
  readonly source: SourceDirectory;
  readonly parent: TreeDirectory | undefined;
  readonly isoPath: string;
  readonly depth: number;
  /** Identifier text in the parent, written in the tree's {@link TREE_ENCODING} (root: "\0"). */
  identifier: string;
  children: TreeEntry[];
  /** Records in extent order with their sizes; filled by sizing. */
  records: PlannedRecord[];
  sectorCount: number;
  lba: number;
  pathTableNumber: number;
}

/** A child of a directory in one tree. */
interface TreeEntry {
  readonly source: SourceNode;
  /** Identifier text, written in the tree's {@link TREE_ENCODING}. */
  readonly identifier: string;
  readonly directory: TreeDirectory | undefined;
  readonly data: FileData | undefined;
}

/** A file's data, shared by every tree and every hard link. */
interface FileData {
  readonly source: SourceFile;
  readonly isoPath: string;
  lba: number;
}

/** A directory record before its location fields are known. */
interface PlannedRecord {
  readonly kind: "self" | "parent" | "entry";
  readonly entry: TreeEntry | undefined;
  /** Section index for multi-extent files. */
  readonly section: number;
  readonly sectionCount: number;
  /** Set only when the entries need a continuation area (rare); else they are re-derived when encoding. */
  readonly systemUse: SystemUseLayout | undefined;
  /** Bytes of the System Use field (in the record). */
  readonly systemUseByteLength: number;
  readonly byteLength: number;
  /** Sector within the directory extent and byte offset in that sector. */
  sectorIndex: number;
  byteOffset: number;
  continuationPlaces: ContinuationPlace[];
}

/** An identifier of one tree and its sort key. */
interface TreeIdentifier {
  readonly text: string;
  /** NAME and EXT (ISO 9660), the name (Joliet) or its UTF-8 bytes (ISO 9660:1999). */
  readonly key: IsoName | string | Uint8Array;
}

/** How each tree writes identifier text (kept as text while planning: no array per name). */
const TREE_ENCODING: Readonly<Record<TreeKind, TextEncoding>> = {
  iso: "latin1",
  joliet: "ucs2",
  iso1999: "utf8",
};

/**
 * Plans an ISO 9660 image from a scanned tree.
 *
 * @example
 * ```ts
 * const tree = scanSources([{ hostPath: "examples/tree" }]);
 * const plan = planIso(tree, defaultIsoPlanOptions({ rockRidge: "rationalized", joliet: true }));
 * await writeRegionsToFile(plan.regions, "out.iso");
 * ```
 */
export function planIso(tree: SourceTree, options: IsoPlanOptions): IsoPlan {
  return new Planner(tree, options).plan();
}

/** Options with the defaults of `xorriso -as mkisofs` (level 1, no extensions, `-pad`). */
export function defaultIsoPlanOptions(overrides: Partial<IsoPlanOptions> = {}): IsoPlanOptions {
  return {
    identifiers: {
      volumeId: "ISOIMAGE",
      volumeSetId: "",
      publisher: "",
      preparer: "DISCWRIGHT",
      applicationId: "",
      systemId: "",
      copyrightFile: "",
      abstractFile: "",
      bibliographicFile: "",
    },
    naming: DEFAULT_ISO_NAMING,
    rockRidge: "off",
    joliet: false,
    jolietLong: false,
    iso1999: false,
    pad: true,
    cacheInodes: true,
    volumeTime: new Date(),
    ...overrides,
  };
}

class Planner {
  readonly diagnostics: string[];
  readonly fileData = new Map<SourceNode | string, FileData>();
  readonly dataInOrder: FileData[] = [];
  readonly linkCounts = new Map<string, number>();
  needsZeroBlock = false;
  zeroBlockLba = 0;

  constructor(readonly tree: SourceTree, readonly options: IsoPlanOptions) {
    this.diagnostics = [...tree.diagnostics];
  }

  plan(): IsoPlan {
    const o = this.options;
    this.countLinks(this.tree.root);
    const iso = this.buildTree("iso");
    const joliet = o.joliet ? this.buildTree("joliet") : undefined;
    const iso1999 = o.iso1999 ? this.buildTree("iso1999") : undefined;
    const trees = [iso, joliet, iso1999].filter((t): t is TreeDirectory[] => t !== undefined);
    const kinds: TreeKind[] = [
      "iso",
      ...(joliet ? ["joliet" as const] : []),
      ...(iso1999 ? ["iso1999" as const] : []),
    ];

    for (const { isoPath, source } of o.alwaysPlace ?? []) this.dataFor(source, isoPath);
    const catalog = o.elToritoCatalog ? this.fileData.get(o.elToritoCatalog) : undefined;
    if (o.elToritoCatalog && !catalog) {
      throw new LayoutError("Cannot place the boot catalog: it is in no tree and not in alwaysPlace");
    }

    // Pass 2: size records and directory extents.
    trees.forEach((dirs, i) => dirs.forEach((d) => this.sizeDirectory(d, kinds[i])));

    // Pass 3: place extents.
    // With -partition_offset N, a second descriptor set at N + 16 describes second copies of
    // the directory trees and path tables whose LBAs count from block N (file data is shared).
    const offset = o.partitionOffsetLba ?? 0;
    const descriptorCount = trees.length + (catalog ? 1 : 0) + 1;
    const secondKinds = kinds.filter((k) => k !== "iso1999");
    const base = o.sessionStartLba ?? 0;
    if (base !== 0 && offset > 0) {
      throw new RangeError("Cannot plan the image: a session start and -partition_offset cannot be combined");
    }
    let lba = base + FIRST_VOLUME_DESCRIPTOR_LBA + descriptorCount;
    const secondSetLba = offset > 0 ? offset + FIRST_VOLUME_DESCRIPTOR_LBA : 0;
    if (offset > 0) lba = secondSetLba + secondKinds.length + 1;
    const copies: MetadataCopy[] = [this.placeMetadata(trees, kinds, lba)];
    this.firstCopy = copies[0];
    lba = copies[0].endLba;
    if (offset > 0) {
      copies.push(this.placeMetadata(trees.filter((_, i) => kinds[i] !== "iso1999"), secondKinds, lba));
      lba = copies[1].endLba;
      this.applyMetadata(copies[0], 0);
      lba = Math.max(lba, 2 * FIRST_VOLUME_DESCRIPTOR_LBA + offset); // libisofs: data from 32 + N
    }
    const gapBlocks = lba - copies[copies.length - 1].endLba;
    if (this.needsZeroBlock) this.zeroBlockLba = lba++;
    // Tree order, or by weight first when `--sort-weight`/`-sort` gave any (the sort is stable).
    const ordered = this.dataInOrder.some((d) => d.source.sortWeight !== 0)
      ? [...this.dataInOrder].sort((a, b) => b.source.sortWeight - a.source.sortWeight)
      : this.dataInOrder;
    for (let i = 0; i < ordered.length; i++) {
      const data = ordered[i];
      data.lba = data.source.byteLength === 0 ? this.zeroBlockLba : lba;
      lba += Math.ceil(data.source.byteLength / SECTOR_BYTES);
    }
    const dataEndLba = lba;
    const placed = () => {
      const map = new Map<string, PlacedExtent>();
      for (let i = 0; i < this.dataInOrder.length; i++) {
        const data = this.dataInOrder[i];
        map.set(data.isoPath, { lba: data.lba, byteLength: data.source.byteLength });
      }
      return map;
    };
    const tail: IsoTail = o.tail?.(dataEndLba, placed()) ?? {
      primaryVolumeSpaceBlockCount: dataEndLba + (o.pad ? PAD_BLOCKS : 0),
      supplementaryVolumeSpaceBlockCount: dataEndLba + (o.pad ? PAD_BLOCKS : 0),
      regions: o.pad
        ? [{ kind: "zero", label: "padding (-pad)", byteLength: PAD_BLOCKS * SECTOR_BYTES }]
        : [],
    };
    if (offset > 0 && tail.partitionVolumeSpaceBlockCount === undefined) {
      throw new LayoutError("Cannot write the second descriptor set: the tail did not size the partition");
    }

    // Pass 4: encode.
    const out = new RegionListBuilder();
    out.zeros("system area", FIRST_VOLUME_DESCRIPTOR_LBA * SECTOR_BYTES);
    this.encodeDescriptorSet(
      out,
      copies[0],
      0,
      catalog,
      tail.primaryVolumeSpaceBlockCount,
      tail.supplementaryVolumeSpaceBlockCount,
    );
    if (offset > 0) {
      out.zeros("partition offset gap", secondSetLba * SECTOR_BYTES - out.byteLength);
      const size = tail.partitionVolumeSpaceBlockCount!;
      this.encodeDescriptorSet(out, copies[1], offset, undefined, size, size);
    }
    for (const [n, copy] of copies.entries()) this.encodeMetadata(out, copy, n === 0 ? 0 : offset);
    if (gapBlocks > 0) out.zeros("gap before data", gapBlocks * SECTOR_BYTES);
    if (this.needsZeroBlock) out.zeros("zero block for empty files", SECTOR_BYTES);
    for (let i = 0; i < ordered.length; i++) {
      const data = ordered[i];
      if (data.source.byteLength === 0) {
        // No bytes, but a host file is still checked when writing (it must still be empty).
        if (!data.source.contents) out.file(data.isoPath, data.source.hostPath!, 0);
        continue;
      }
      if (out.byteLength !== (data.lba - base) * SECTOR_BYTES) {
        throw new LayoutError(
          `Cannot place "${data.isoPath}": writer is at byte ${out.byteLength}, planned LBA ${data.lba}`,
        );
      }
      if (data.source.contents) { for (const region of data.source.contents) out.add(region); }
      else out.file(data.isoPath, data.source.hostPath!, data.source.byteLength);
      out.padTo("file padding", SECTOR_BYTES);
    }
    if (out.byteLength !== (dataEndLba - base) * SECTOR_BYTES) {
      throw new LayoutError(
        `Cannot finish plan: ${out.byteLength} bytes written, ${dataEndLba} blocks planned`,
      );
    }
    for (const region of tail.regions) out.add(region);
    const volumeSpaceBlockCount = tail.primaryVolumeSpaceBlockCount;
    const directories = new Map(iso.map((d) => [d.isoPath, d.lba] as const));
    // Files by path are made when asked for (El Torito, remastering): a plain build never reads them.
    const allData = [...this.fileData.values()];
    let files: Map<string, PlannedFile> | undefined;
    return {
      regions: out.build(),
      volumeSpaceBlockCount,
      dataEndLba,
      get files() {
        files ??= new Map(allData.map((data) => [data.isoPath, {
          isoPath: data.isoPath,
          source: data.source,
          lba: data.lba,
          byteLength: data.source.byteLength,
        }]));
        return files;
      },
      directories,
      diagnostics: this.diagnostics,
    };
  }

  /** Places one copy of every tree's directories, continuation areas and path tables from `startLba`. */
  placeMetadata(
    trees: readonly TreeDirectory[][],
    kinds: readonly TreeKind[],
    startLba: number,
  ): MetadataCopy {
    let lba = startLba;
    const dirLbas = new Map<TreeDirectory, number>();
    const continuationPlaces = new Map<PlannedRecord, ContinuationPlace[]>();
    const continuationAreas: MetadataCopy["continuationAreas"] = [];
    let continuationLba = 0;
    let continuationBlocks = 0;
    const pathTables: MetadataCopy["pathTables"] = [];
    trees.forEach((dirs, i) => {
      for (const d of dirs) {
        d.lba = lba;
        dirLbas.set(d, lba);
        lba += d.sectorCount;
      }
      if (kinds[i] === "iso" && this.options.rockRidge !== "off") {
        // Only records whose entries overflow into continuation areas have places (few).
        const overflowing = dirs.flatMap((d) => d.records.filter((r) => r.systemUse !== undefined));
        for (const r of overflowing) r.continuationPlaces = [];
        continuationLba = lba;
        continuationBlocks = this.placeContinuationAreas(dirs, lba, continuationAreas);
        lba += continuationBlocks;
        for (const r of overflowing) continuationPlaces.set(r, r.continuationPlaces);
      }
      const byteLength = this.pathTableRecords(dirs, kinds[i]).reduce(
        (sum, r) => sum + pathTableRecordByteLength(r.identifier.byteLength),
        0,
      );
      const blocks = Math.max(1, Math.ceil(byteLength / SECTOR_BYTES));
      pathTables.push({ l: lba, m: lba + blocks, byteLength, blocks });
      lba += 2 * blocks;
    });
    return {
      trees,
      kinds,
      dirLbas,
      continuationPlaces,
      continuationAreas,
      continuationLba,
      continuationBlocks,
      pathTables,
      endLba: lba,
    };
  }

  /** Makes a copy's locations current, counted from block `bias` (0, or the partition offset). */
  applyMetadata(copy: MetadataCopy, bias: number): void {
    for (const [d, lba] of copy.dirLbas) d.lba = lba - bias;
    for (const [r, places] of copy.continuationPlaces) {
      r.continuationPlaces = places.map((p) => ({ ...p, blockLba: p.blockLba - bias }));
    }
  }

  /** Encodes one copy's directories, continuation areas and path tables, in image order. */
  encodeMetadata(out: RegionListBuilder, copy: MetadataCopy, bias: number): void {
    this.applyMetadata(copy, bias);
    const shiftData = (by: number) => {
      if (by === 0) return;
      for (let i = 0; i < this.dataInOrder.length; i++) this.dataInOrder[i].lba += by;
    };
    shiftData(-bias);
    this.zeroBlockLba -= bias;
    try {
      copy.trees.forEach((dirs, i) => {
        for (const d of dirs) {
          out.bytes(`${copy.kinds[i]} directory /${d.isoPath}`, this.encodeDirectory(d, copy.kinds[i]));
        }
        if (copy.kinds[i] === "iso" && copy.continuationBlocks > 0) {
          const areas = copy.continuationAreas.map((a) => ({
            ...a,
            place: { ...a.place, blockLba: a.place.blockLba - bias },
          }));
          out.bytes(
            "SUSP continuation areas",
            this.encodeContinuationAreas(areas, copy.continuationLba - bias, copy.continuationBlocks),
          );
        }
        const records = this.pathTableRecords(dirs, copy.kinds[i]);
        const table = copy.pathTables[i];
        for (const littleEndian of [true, false]) {
          const bytes = new Uint8Array(table.blocks * SECTOR_BYTES);
          bytes.set(encodePathTable(records, littleEndian));
          out.bytes(`${copy.kinds[i]} ${littleEndian ? "L" : "M"} path table`, bytes);
        }
      });
    } finally {
      shiftData(bias);
      this.zeroBlockLba += bias;
      this.applyMetadata(this.firstCopy!, 0);
    }
  }

  /** The first copy: its locations are current outside {@link encodeMetadata}. */
  firstCopy: MetadataCopy | undefined;

  /** One volume descriptor set: PVD, [Boot Record], supplementary descriptors, terminator. */
  encodeDescriptorSet(
    out: RegionListBuilder,
    copy: MetadataCopy,
    bias: number,
    catalog: FileData | undefined,
    primaryBlocks: number,
    supplementaryBlocks: number,
  ): void {
    this.applyMetadata(copy, bias);
    try {
      copy.trees.forEach((dirs, i) => {
        const kind = copy.kinds[i];
        const table = copy.pathTables[i];
        const descriptor = this.volumeDescriptor(kind, dirs[0], {
          l: table.l - bias,
          m: table.m - bias,
          byteLength: table.byteLength,
        }, kind === "iso" ? primaryBlocks : supplementaryBlocks);
        out.bytes(`${kind} volume descriptor`, encodeVolumeDescriptor(descriptor));
        if (kind === "iso" && catalog) {
          // LBA 17: the El Torito Boot Record (SeaBIOS reads only this sector).
          out.bytes(
            "El Torito boot record",
            encodeBootRecordVolumeDescriptor({
              bootSystemIdentifier: EL_TORITO_BOOT_SYSTEM_IDENTIFIER,
              bootIdentifier: new Uint8Array(32),
              bootCatalogLba: catalog.lba,
            }),
          );
        }
      });
      out.bytes("volume descriptor set terminator", encodeTerminator());
    } finally {
      this.applyMetadata(this.firstCopy!, 0);
    }
  }

  countLinks(dir: SourceDirectory): void {
    for (let i = 0; i < dir.children.length; i++) {
      const child = dir.children[i];
      if (child.kind === "file" && child.inodeKey) {
        this.linkCounts.set(child.inodeKey, (this.linkCounts.get(child.inodeKey) ?? 0) + 1);
      } else if (child.kind === "directory") this.countLinks(child);
    }
  }

  /** Pass 1: one tree's directories in pre-order, children named and sorted. */
  buildTree(kind: TreeKind): TreeDirectory[] {
    const dirs: TreeDirectory[] = [];
    const visit = (
      source: SourceDirectory,
      parent: TreeDirectory | undefined,
      isoPath: string,
      identifier: string,
    ) => {
      const dir: TreeDirectory = {
        source,
        parent,
        isoPath,
        depth: parent ? parent.depth + 1 : 1,
        identifier,
        children: [],
        records: [],
        sectorCount: 0,
        lba: 0,
        pathTableNumber: 0,
      };
      dirs.push(dir);
      if (kind === "iso" && dir.depth === 9 && this.options.rockRidge !== "off") {
        this.diagnostics.push(
          `directory "/${isoPath}" is deeper than 8 levels: written in place as xorriso does (ECMA-119 6.8.2.1 allows 8)`,
        );
      }
      const visible = source.children.filter((c) => this.inTree(c, kind));
      const identifiers = this.identifiers(visible, kind, isoPath);
      const order = visible.map((_, i) => i).sort((a, b) =>
        Planner.compare(kind, identifiers[a], identifiers[b])
      );
      for (let k = 0; k < order.length; k++) {
        const i = order[k];
        const child = visible[i];
        const childPath = isoPath ? `${isoPath}/${child.name}` : child.name;
        let directory: TreeDirectory | undefined;
        let data: FileData | undefined;
        if (child.kind === "file") data = this.dataFor(child, childPath);
        else if (child.kind !== "directory") this.needsZeroBlock = true;
        const entry: TreeEntry = { source: child, identifier: identifiers[i].text, directory, data };
        dir.children.push(entry);
        if (child.kind === "directory") {
          const subdirectory = visit(child, dir, childPath, identifiers[i].text);
          (entry as { directory: TreeDirectory }).directory = subdirectory;
        }
      }
      return dir;
    };
    visit(this.tree.root, undefined, "", "\0");
    return dirs;
  }

  inTree(node: SourceNode, kind: TreeKind): boolean {
    if (kind === "joliet") return !node.hiddenJoliet && (node.kind === "file" || node.kind === "directory");
    if (node.hiddenIso) return false;
    return node.kind === "file" || node.kind === "directory" || this.options.rockRidge !== "off";
  }

  identifiers(children: readonly SourceNode[], kind: TreeKind, dirPath: string): TreeIdentifier[] {
    if (kind === "iso") {
      const names = assignIsoNames(
        children.map((c) => ({ name: c.name, isDirectory: c.kind === "directory" })),
        this.options.naming,
      );
      return names.map((name, i) => ({
        key: name,
        text: isoIdentifierText(name, children[i].kind === "directory", this.options.naming.omitVersion),
      }));
    }
    if (kind === "joliet") {
      const max = this.options.jolietLong ? JOLIET_MAX_UNITS.long : JOLIET_MAX_UNITS.standard;
      return assignJolietNames(children, max, (i) =>
        this.diagnostics.push(
          `Joliet name of "/${dirPath ? dirPath + "/" : ""}${children[i].name}" cut to ${max} characters`,
        )).map((name) => ({ key: name, text: name }));
    }
    return children.map((c) => {
      const name = truncateUtf8(c.name, ISO1999_MAX_BYTES);
      return { key: utf8(name), text: name };
    });
  }

  /** The sort order of a tree's identifiers (§9.3 for ISO 9660; whole-name order otherwise). */
  static compare(kind: TreeKind, a: TreeIdentifier, b: TreeIdentifier): number {
    if (kind === "iso") return compareIsoNames(a.key as IsoName, b.key as IsoName);
    if (kind === "joliet") return compareJolietNames(a.key as string, b.key as string);
    return compareBytes(a.key as Uint8Array, b.key as Uint8Array);
  }

  dataFor(source: SourceFile, isoPath: string): FileData {
    const key = this.options.cacheInodes && source.inodeKey ? source.inodeKey : source;
    let data = this.fileData.get(key);
    if (!data) {
      if (source.byteLength > MAX_SECTION_BYTES && this.options.naming.level < 3) {
        throw new RangeError(
          `Cannot add "/${isoPath}": ${source.byteLength} bytes needs -iso-level 3 (files of 4 GiB or more are multi-extent)`,
        );
      }
      if (source.byteLength === 0) this.needsZeroBlock = true;
      data = { source, isoPath, lba: 0 };
      this.fileData.set(key, data);
      this.dataInOrder.push(data);
    }
    return data;
  }

  /** Pass 2: records of one directory with their sizes, packed into sectors. */
  sizeDirectory(dir: TreeDirectory, kind: TreeKind): void {
    const rr = kind === "iso" && this.options.rockRidge !== "off";
    const records: PlannedRecord[] = [];
    const add = (
      recordKind: PlannedRecord["kind"],
      entry: TreeEntry | undefined,
      section: number,
      sectionCount: number,
    ) => {
      const identifierByteLength = recordIdentifierByteLength(recordKind, entry, kind);
      let systemUse: SystemUseLayout | undefined;
      let systemUseByteLength = 0;
      if (rr) {
        const budget = DIRECTORY_RECORD_MAX_BYTES - directoryRecordByteLength(identifierByteLength, 0);
        systemUseByteLength = this.rrByteLength(dir, recordKind, entry);
        if (systemUseByteLength > budget) {
          systemUse = layoutSystemUse(this.rrEntries(dir, recordKind, entry), budget);
          systemUseByteLength = entriesByteLength(systemUse.inRecord);
        }
      }
      records.push({
        kind: recordKind,
        entry,
        section,
        sectionCount,
        systemUse,
        systemUseByteLength,
        byteLength: directoryRecordByteLength(identifierByteLength, systemUseByteLength),
        sectorIndex: 0,
        byteOffset: 0,
        continuationPlaces: NO_PLACES,
      });
    };
    add("self", undefined, 0, 1);
    add("parent", undefined, 0, 1);
    for (let i = 0; i < dir.children.length; i++) {
      const child = dir.children[i];
      const sections = child.data ? sectionLengths(child.data.source.byteLength).length : 1;
      for (let s = 0; s < sections; s++) add("entry", child, s, sections);
    }
    // Pack records into sectors without crossing a boundary (§6.8.1).
    let sector = 0;
    let at = 0;
    for (let i = 0; i < records.length; i++) {
      const r = records[i];
      if (at + r.byteLength > SECTOR_BYTES) {
        sector++;
        at = 0;
      }
      r.sectorIndex = sector;
      r.byteOffset = at;
      at += r.byteLength;
    }
    dir.records = records;
    dir.sectorCount = sector + 1;
  }

  /**
   * Bytes of {@link rrEntries} for the same record, counted without making the entries (sizing
   * runs for every record; a wrong count is caught when the record is encoded).
   */
  rrByteLength(dir: TreeDirectory, recordKind: PlannedRecord["kind"], entry: TreeEntry | undefined): number {
    if (recordKind === "self") return ATTRIBUTE_ENTRIES_BYTES + (dir.parent ? 0 : ROOT_SELF_EXTRA_BYTES);
    if (recordKind === "parent") return ATTRIBUTE_ENTRIES_BYTES;
    const source = entry!.source;
    if (source.kind === "symlink") return entriesByteLength(this.rrEntries(dir, recordKind, entry));
    const device = source.kind === "charDevice" || source.kind === "blockDevice" ? PN_BYTES : 0;
    return ATTRIBUTE_ENTRIES_BYTES + nameEntriesByteLength(utf8ByteLength(source.name)) + device;
  }

  /** The Rock Ridge entries of one record of `dir` (derived again when encoding: nothing is kept). */
  rrEntries(
    dir: TreeDirectory,
    recordKind: PlannedRecord["kind"],
    entry: TreeEntry | undefined,
  ): SuspEntry[] {
    if (recordKind === "self") {
      const entries = this.rrAttributes(dir.source, dir);
      if (!dir.parent) {
        entries.unshift({ signature: "SP", skipByteLength: 0 });
        entries.push(RRIP_1991A);
      }
      return entries;
    }
    if (recordKind === "parent") return this.rrAttributes((dir.parent ?? dir).source, dir.parent ?? dir);
    return [...this.rrAttributes(entry!.source, entry!.directory), ...this.rrNameAndLink(entry!.source)];
  }

  rrAttributes(source: SourceNode, dir: TreeDirectory | undefined): SuspEntry[] {
    return attributeEntries(this.rrAttributeValues(source, dir));
  }

  /**
   * Writes {@link rrEntries} of one record into `out` at `at`; returns the bytes written. The
   * common records (PX, TF and a name that fits one NM) are written without making entries.
   */
  writeRrEntries(
    out: Uint8Array,
    at: number,
    dir: TreeDirectory,
    recordKind: PlannedRecord["kind"],
    entry: TreeEntry | undefined,
  ): number {
    const source = recordKind === "self"
      ? dir.source
      : recordKind === "parent"
      ? (dir.parent ?? dir).source
      : entry!.source;
    const common = recordKind === "parent" ||
      (recordKind === "self" && dir.parent !== undefined) ||
      (recordKind === "entry" &&
        (source.kind === "file" || source.kind === "directory" || source.kind === "fifo" ||
          source.kind === "socket") &&
        utf8ByteLength(source.name) <= MAX_SINGLE_NM_BYTES);
    if (!common) return writeSuspEntries(out, at, this.rrEntries(dir, recordKind, entry));
    const linkDir = recordKind === "self"
      ? dir
      : recordKind === "parent"
      ? dir.parent ?? dir
      : entry!.directory;
    let written = writeAttributeEntries(out, at, this.rrAttributeValues(source, linkDir));
    if (recordKind === "entry") written += writeSingleNameEntry(out, at + written, source.name);
    return written;
  }

  /** PX and TF values of a node (`dir`: its directory in this tree, for the link count). */
  rrAttributeValues(source: SourceNode, dir: TreeDirectory | undefined): RockRidgeAttributes {
    const o = this.options;
    const type = source.mode & POSIX_FILE_TYPE.mask;
    let mode = source.mode;
    let uid = o.uid ?? source.uid;
    let gid = o.gid ?? source.gid;
    if (o.rockRidge === "rationalized") {
      mode = rationalizeMode(mode);
      uid = o.uid ?? 0;
      gid = o.gid ?? 0;
    }
    if (source.kind === "directory" && o.dirMode !== undefined) mode = POSIX_FILE_TYPE.directory | o.dirMode;
    if (source.kind === "file" && o.fileMode !== undefined) mode = POSIX_FILE_TYPE.regular | o.fileMode;
    if (type === 0) mode |= source.kind === "directory" ? POSIX_FILE_TYPE.directory : POSIX_FILE_TYPE.regular;
    const linkCount = source.kind === "directory"
      ? 2 + (dir ? dir.children.filter((c) => c.directory).length : 0)
      : source.kind === "file" && source.inodeKey
      ? this.linkCounts.get(source.inodeKey) ?? 1
      : 1;
    const time = o.fileTimeOverride;
    return {
      mode,
      linkCount,
      uid,
      gid,
      mtime: time ?? source.mtime,
      atime: time ?? source.atime,
      ctime: time ?? source.ctime,
    };
  }

  rrNameAndLink(source: SourceNode): SuspEntry[] {
    const entries = nameEntries(source.name);
    if (source.kind === "symlink") entries.push(...symlinkEntries(source.target));
    if (source.kind === "charDevice" || source.kind === "blockDevice") {
      entries.splice(1, 0, deviceEntry(source.rdev));
    }
    return entries;
  }

  /** Packs every record's continuation areas into blocks from `lba`; returns the block count. */
  placeContinuationAreas(
    dirs: readonly TreeDirectory[],
    lba: number,
    areas: { place: ContinuationPlace; record: PlannedRecord; index: number }[],
  ): number {
    let block = 0;
    let at = 0;
    let any = false;
    for (const d of dirs) {
      for (let i = 0; i < d.records.length; i++) {
        const r = d.records[i];
        if (!r.systemUse) continue;
        r.systemUse.continuation.forEach((area, index) => {
          const byteLength = entriesByteLength(area);
          if (at + byteLength > SECTOR_BYTES) {
            block++;
            at = 0;
          }
          const place = { blockLba: lba + block, byteOffset: at, byteLength };
          r.continuationPlaces.push(place);
          areas.push({ place, record: r, index });
          at += byteLength;
          any = true;
        });
      }
    }
    return any ? block + 1 : 0;
  }

  encodeContinuationAreas(
    areas: readonly { place: ContinuationPlace; record: PlannedRecord; index: number }[],
    firstLba: number,
    blocks: number,
  ): Uint8Array {
    const out = new Uint8Array(blocks * SECTOR_BYTES);
    for (const { place, record, index } of areas) {
      const placed = placeContinuation(record.systemUse!, record.continuationPlaces);
      const bytes = encodeSuspEntries(placed.areas[index]);
      out.set(bytes, (place.blockLba - firstLba) * SECTOR_BYTES + place.byteOffset);
    }
    return out;
  }

  pathTableRecords(dirs: readonly TreeDirectory[], kind: TreeKind): PathTableRecord[] {
    const encoding = TREE_ENCODING[kind];
    // Breadth-first over sorted children = §6.9.1 order (level, parent number, identifier).
    const ordered: TreeDirectory[] = [dirs[0]];
    for (let i = 0; i < ordered.length; i++) {
      ordered[i].pathTableNumber = i + 1;
      const children = ordered[i].children;
      for (let k = 0; k < children.length; k++) {
        if (children[k].directory) ordered.push(children[k].directory!);
      }
    }
    if (ordered.length > 0xffff) {
      throw new RangeError(
        `Cannot write path table: ${ordered.length} directories exceed 65535 (ECMA-119 9.4.4)`,
      );
    }
    return ordered.map((d) => ({
      extendedAttributeRecordLength: 0,
      extentLba: d.lba,
      parentDirectoryNumber: d.parent ? d.parent.pathTableNumber : 1,
      identifier: d.parent ? encodeText(d.identifier, encoding) : IDENTIFIER_SELF,
    }));
  }

  volumeDescriptor(
    kind: TreeKind,
    root: TreeDirectory,
    table: { l: number; m: number; byteLength: number },
    volumeSpaceBlockCount: number,
  ): VolumeDescriptor {
    const id = this.options.identifiers;
    const joliet = kind === "joliet";
    const cut = (text: string, chars: number) => joliet ? text.slice(0, chars / 2) : text.slice(0, chars);
    return {
      type: kind === "iso" ? 1 : 2,
      version: kind === "iso1999" ? 2 : 1,
      volumeFlags: 0,
      systemIdentifier: cut(id.systemId, 32),
      volumeIdentifier: cut(id.volumeId, 32),
      volumeSpaceBlockCount,
      escapeSequences: padTo32(joliet ? JOLIET_ESCAPES.level3 : new Uint8Array()),
      volumeSetSize: 1,
      volumeSequenceNumber: 1,
      logicalBlockByteLength: SECTOR_BYTES,
      pathTableByteLength: table.byteLength,
      typeLPathTableLba: table.l,
      optionalTypeLPathTableLba: 0,
      typeMPathTableLba: table.m,
      optionalTypeMPathTableLba: 0,
      rootDirectoryRecord: {
        extendedAttributeRecordLength: 0,
        extentLba: root.lba,
        dataByteLength: root.sectorCount * SECTOR_BYTES,
        recorded: this.options.fileTimeOverride ?? root.source.mtime,
        fileFlags: FILE_FLAGS.directory,
        fileUnitSize: 0,
        interleaveGapSize: 0,
        volumeSequenceNumber: 1,
        identifier: IDENTIFIER_SELF,
        systemUse: new Uint8Array(),
      },
      volumeSetIdentifier: cut(id.volumeSetId, 128),
      publisherIdentifier: cut(id.publisher, 128),
      dataPreparerIdentifier: cut(id.preparer, 128),
      applicationIdentifier: cut(id.applicationId, 128),
      copyrightFileIdentifier: cut(id.copyrightFile, 37),
      abstractFileIdentifier: cut(id.abstractFile, 37),
      bibliographicFileIdentifier: cut(id.bibliographicFile, 37),
      creation: this.options.volumeTime,
      modification: this.options.volumeTime,
      expiration: undefined,
      effective: undefined,
      fileStructureVersion: kind === "iso1999" ? 2 : 1,
      applicationUse: new Uint8Array(512).fill(0x20),
    };
  }

  encodeDirectory(dir: TreeDirectory, kind: TreeKind): Uint8Array {
    const out = new Uint8Array(dir.sectorCount * SECTOR_BYTES);
    const time = this.options.fileTimeOverride;
    const rr = kind === "iso" && this.options.rockRidge !== "off";
    for (let i = 0; i < dir.records.length; i++) {
      const r = dir.records[i];
      let extentLba: number;
      let dataByteLength: number;
      let fileFlags = 0;
      let recorded: Date;
      if (r.kind !== "entry") {
        const target = r.kind === "self" ? dir : dir.parent ?? dir;
        extentLba = target.lba;
        dataByteLength = target.sectorCount * SECTOR_BYTES;
        fileFlags = FILE_FLAGS.directory;
        recorded = time ?? target.source.mtime;
      } else {
        const entry = r.entry!;
        recorded = time ?? entry.source.mtime;
        if (entry.directory) {
          extentLba = entry.directory.lba;
          dataByteLength = entry.directory.sectorCount * SECTOR_BYTES;
          fileFlags = FILE_FLAGS.directory;
        } else if (entry.data) {
          if (r.sectionCount === 1) {
            extentLba = entry.data.lba;
            dataByteLength = entry.data.source.byteLength;
          } else {
            const lengths = sectionLengths(entry.data.source.byteLength);
            const before = lengths.slice(0, r.section).reduce((sum, n) => sum + n, 0);
            extentLba = entry.data.lba + before / SECTOR_BYTES;
            dataByteLength = lengths[r.section];
            if (r.section < r.sectionCount - 1) fileFlags |= FILE_FLAGS.multiExtent;
          }
        } else {
          extentLba = this.zeroBlockLba;
          dataByteLength = 0;
        }
      }
      // The record's fixed fields, then its identifier and System Use written in place.
      const at = r.sectorIndex * SECTOR_BYTES + r.byteOffset;
      const identifierByteLength = recordIdentifierByteLength(r.kind, r.entry, kind);
      const written = writeDirectoryRecordHeader(
        out,
        at,
        {
          extendedAttributeRecordLength: 0,
          extentLba,
          dataByteLength,
          recorded,
          fileFlags,
          fileUnitSize: 0,
          interleaveGapSize: 0,
          volumeSequenceNumber: 1,
        },
        identifierByteLength,
        r.systemUseByteLength,
      );
      if (r.kind === "entry") writeText(out, at + 33, r.entry!.identifier, TREE_ENCODING[kind]);
      else out[at + 33] = r.kind === "self" ? 0x00 : 0x01; // 33: "." is 0x00, ".." is 0x01 (§6.8.2.2)
      const systemUseAt = at + systemUseOffset(identifierByteLength);
      const systemUseWritten = !rr
        ? 0
        : r.systemUse
        ? writeSuspEntries(out, systemUseAt, placeContinuation(r.systemUse, r.continuationPlaces).inRecord)
        : this.writeRrEntries(out, systemUseAt, dir, r.kind, r.entry);
      if (written !== r.byteLength || systemUseWritten !== r.systemUseByteLength) {
        throw new LayoutError(
          `Cannot encode record in "/${dir.isoPath}": ${written} bytes with ${systemUseWritten} of System Use, planned ${r.byteLength} with ${r.systemUseByteLength}`,
        );
      }
    }
    return out;
  }
}

/** Bytes of a record's identifier: one for "." and "..", else the entry's text in the tree's encoding. */
function recordIdentifierByteLength(
  recordKind: PlannedRecord["kind"],
  entry: TreeEntry | undefined,
  kind: TreeKind,
): number {
  return recordKind === "entry" ? textByteLength(entry!.identifier, TREE_ENCODING[kind]) : 1;
}

/**
 * The section lengths of a file: one section up to 4 GiB − 1 bytes, else full sections of
 * 0xFFFFF800 bytes and the remainder (ECMA-119 §6.5.1, as xorriso writes them).
 *
 * @example
 * ```ts
 * sectionLengths(2 ** 32); // [4294965248, 2048]
 * ```
 */
export function sectionLengths(byteLength: number): number[] {
  if (byteLength <= MAX_SECTION_BYTES) return [byteLength];
  const lengths: number[] = [];
  let rest = byteLength;
  while (rest > MAX_SECTION_BYTES) {
    lengths.push(FULL_SECTION_BYTES);
    rest -= FULL_SECTION_BYTES;
  }
  lengths.push(rest);
  return lengths;
}

/** SP and ER: what the root's "." record carries besides PX and TF. */
const ROOT_SELF_EXTRA_BYTES = suspEntryByteLength({ signature: "SP", skipByteLength: 0 }) +
  suspEntryByteLength(RRIP_1991A);
/** A PN entry (devices). */
const PN_BYTES = suspEntryByteLength(deviceEntry(0));
/** The continuation places of a record that has none (most records). */
const NO_PLACES: ContinuationPlace[] = [];

function padTo32(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(32);
  out.set(bytes);
  return out;
}

function truncateUtf8(text: string, maxBytes: number): string {
  let out = "";
  for (const ch of text) {
    if (utf8(out + ch).byteLength > maxBytes) break;
    out += ch;
  }
  return out;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.byteLength, b.byteLength);
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.byteLength - b.byteLength;
}
