/**
 * The FAT planner: a directory tree + options → a FAT12/16/32 volume as a {@link RegionList}.
 * Pure and synchronous: no file is opened. File data stays in the host files (file regions); the
 * boot sector, FATs and directories are in-memory bytes; free space is zero regions, so a
 * many-gigabyte FAT32 volume costs memory only for its used FAT entries and its directories.
 *
 * Passes: name every entry (long names, 8.3 names, long-name entries) and count directory slots;
 * choose the layout (mkfs.fat's rules, or the smallest that fits for "fit"); allocate clusters;
 * encode. On-disk order:
 *
 * | sectors | content |
 * |---|---|
 * | 0 | boot sector (BPB, "not a bootable disk" stub, 0x55AA) |
 * | 1, 6, 7 | FAT32 only: FSInfo, backup boot sector, backup FSInfo |
 * | reserved… | FAT #1, FAT #2 (identical; entries past the last used cluster are zero regions) |
 * | next | FAT12/16: the fixed root directory |
 * | data | [FAT32 root directory], the subdirectories (pre-order), the files (pre-order), one |
 * |      | contiguous cluster chain each; then free clusters (zeros) |
 *
 * Reproducibility: the same tree (same names, sizes, mtimes) and options give the same bytes; a
 * fixed `timestamp` (e.g. from SOURCE_DATE_EPOCH) also makes them independent of mtimes. The volume
 * label entry is stamped with `timestamp`, else the newest entry time. The volume serial is `volumeSerial` if given; else the low 32 bits of the
 * `timestamp`'s Unix seconds; else a 32-bit FNV-1a hash of every path, size and time in the tree.
 * Time stamps are written as UTC (see ./directory_entry.ts).
 * @module
 */

import { LayoutError } from "../../image/errors.ts";
import { type RegionList, RegionListBuilder } from "../../image/regions.ts";
import {
  encodeFatBootSector,
  encodeFatFsInfo,
  EXTENDED_BOOT_SIGNATURE,
  FAT16_BOOT_CODE_OFFSET,
  FAT32_BOOT_CODE_OFFSET,
  FAT_MEDIA,
  FAT_SECTOR_BYTES,
  type FatBootSector,
  type FatType,
  FSINFO_UNKNOWN,
  jumpBootFor,
  NO_VOLUME_LABEL,
  notBootableStub,
} from "./boot_sector.ts";
import {
  DIRECTORY_ENTRY_BYTES,
  encodeFatDateTime,
  FAT_ATTRIBUTE,
  FAT_TIME_RANGE,
  type FatDirectoryEntry,
  longNameEntriesFor,
  longNameEntryCount,
  writeFatDirectoryEntry,
  writeFatLongNameEntry,
} from "./directory_entry.ts";
import { fatByteLength, FatTable, FIRST_CLUSTER } from "./fat_table.ts";
import {
  chooseFatLayout,
  type FatLayout,
  type FatLayoutRequest,
  FLOPPY_FORMATS,
  type FloppyFormat,
} from "./layout.ts";
import {
  assignShortNames,
  displayShortName,
  longNameProblem,
  nameKey,
  type ShortName,
} from "./short_name.ts";

/** A file whose data is read from the host when the image is written (a scanned `SourceFile` is one). */
export interface FatHostFile {
  /** A file read from the host. */
  readonly kind: "file";
  /** Long name in the image. */
  readonly name: string;
  /** Host file read when the image is written (required). */
  readonly hostPath: string | undefined;
  /** Size when scanned; a different size when writing is an error. */
  readonly byteLength: number;
  /** Written as the entry's times unless `timestamp` is set. */
  readonly mtime?: Date;
}

/** A file whose data is already in memory (a generated `startup.nsh`, a built boot image). */
export interface FatBytesFile {
  /** A file held in memory. */
  readonly kind: "bytes";
  /** Long name in the image. */
  readonly name: string;
  /** The file's content. */
  readonly bytes: Uint8Array;
  /** Written as the entry's times unless `timestamp` is set (default 1980-01-01). */
  readonly mtime?: Date;
}

/** A directory (a scanned `SourceDirectory` is one). */
export interface FatTreeDirectory {
  /** A directory. */
  readonly kind: "directory";
  /** Long name in the image (ignored for the root). */
  readonly name: string;
  /** Entries, in the order they are written. */
  readonly children: readonly FatTreeNode[];
  /** Written as the entry's times unless `timestamp` is set. */
  readonly mtime?: Date;
}

/** Nodes FAT cannot hold: left out with a diagnostic. */
export interface FatUnsupportedNode {
  /** What the node is (named in the diagnostic). */
  readonly kind: "symlink" | "charDevice" | "blockDevice" | "fifo" | "socket";
  /** Its name. */
  readonly name: string;
}

/** Any node of a tree to put on a FAT volume. */
export type FatTreeNode = FatTreeDirectory | FatHostFile | FatBytesFile | FatUnsupportedNode;

/**
 * The size of the volume: "fit" (the smallest size that holds the content plus
 * `fitMarginByteLength`, rounded up to 64 KiB), a floppy format, or an exact size.
 */
export type FatVolumeSize = "fit" | FloppyFormat | { readonly byteLength: number } | {
  readonly sectorCount: number;
};

/** Options of {@link planFat}. Every field has a default. */
export interface FatPlanOptions {
  /** "auto" (default): mkfs.fat's choice for the size (FAT32 from 512 MiB; FAT16 if it fits; else FAT12). */
  readonly fatType?: "auto" | FatType;
  /** Default "fit". */
  readonly size?: FatVolumeSize;
  /** Free space "fit" leaves beyond the content (default 64 KiB). */
  readonly fitMarginByteLength?: number;
  /** BPB_BytsPerSec: only 512 is supported. */
  readonly bytesPerSector?: 512;
  /** BPB_SecPerClus (a power of two, 1…128); default as mkfs.fat chooses. */
  readonly sectorsPerCluster?: number;
  /** Up to 11 characters (A–Z, 0–9, space and `$%'-_@~\`!(){}^#&`; lower case is upper-cased). */
  readonly volumeLabel?: string;
  /** BS_VolID (uint32); default derived deterministically (see the module note). */
  readonly volumeSerial?: number;
  /** BS_OEMName, up to 8 ASCII characters; default "MSWIN4.1" (fatgen103's recommendation). */
  readonly oemName?: string;
  /** BPB_HiddSec: the partition's start LBA on its disk; 0 (default) for images and floppies. */
  readonly hiddenSectorCount?: number;
  /** BPB_RsvdSecCnt before alignment; default 1 (FAT12/16) or 32 (FAT32, at least 8). */
  readonly reservedSectorCount?: number;
  /** BPB_NumFATs, default 2. */
  readonly fatCount?: number;
  /** FAT12/16 root directory entries; default 512 (floppies: 224 or 112). "fit" grows it when needed. */
  readonly rootEntryCount?: number;
  /** BPB_Media; default 0xF8 (floppy formats: their own). */
  readonly mediaDescriptor?: number;
  /** BS_DrvNum; default 0x80 for media 0xF8, else 0x00. */
  readonly driveNumber?: number;
  /** BPB_SecPerTrk; default as mkfs.fat (floppies: their own). */
  readonly sectorsPerTrack?: number;
  /** BPB_NumHeads; default as mkfs.fat (floppies: 2). */
  readonly headCount?: number;
  /**
   * One time for every entry and the volume label (reproducible builds, e.g. SOURCE_DATE_EPOCH);
   * default each node's mtime (1980-01-01 for in-memory nodes without one). Written as UTC.
   */
  readonly timestamp?: Date;
}

/** The result of {@link planFat}. */
export interface FatPlan {
  /** The whole volume, region by region. */
  readonly regions: RegionList;
  /** Sectors (of 512 bytes) in the volume: `regions.byteLength / 512`. */
  readonly sectorCount: number;
  /** FAT12, FAT16 or FAT32 (by cluster count, as every reader decides). */
  readonly fatType: FatType;
  /** Bytes per cluster. */
  readonly clusterByteLength: number;
  /** CountOfClusters (clusters 2 … clusterCount + 1). */
  readonly clusterCount: number;
  /** Clusters left free (FSInfo's free count on FAT32). */
  readonly freeClusterCount: number;
  /** Every number of the layout (reserved sectors, FAT size, first data sector, geometry). */
  readonly layout: FatLayout;
  /** Sector 0 as written (also at sector 6 on FAT32). */
  readonly bootSector: FatBootSector;
  /** BS_VolID as written. */
  readonly volumeSerial: number;
  /** First cluster of every file by path ("/EFI/BOOT/BOOTX64.EFI"); 0 for empty files. */
  readonly files: ReadonlyMap<string, number>;
  /** First cluster of every directory by path ("/" is 0 on FAT12/16, the root cluster on FAT32). */
  readonly directories: ReadonlyMap<string, number>;
  /** The 8.3 name of every entry by path, as DOS shows it ("BOOTX64.EFI", "ALONGN~1.TEX"). */
  readonly shortNames: ReadonlyMap<string, string>;
  /** Warnings (left-out symbolic links, clamped time stamps, …). */
  readonly diagnostics: readonly string[];
}

/** Default free space "fit" leaves. */
export const DEFAULT_FIT_MARGIN_BYTES = 64 * 1024;
/** "fit" sizes are multiples of this many sectors (64 KiB). */
export const FIT_GRANULARITY_SECTORS = 128;
/** Most 32-byte slots one directory may have (fatgen103: 65536, a 2 MiB directory). */
export const MAX_DIRECTORY_SLOTS = 65536;
/** Largest file FAT can hold. */
export const MAX_FAT_FILE_BYTES = 0xffffffff;

const DEFAULT_OEM_NAME = "MSWIN4.1";

interface PlanDirectory {
  readonly path: string;
  readonly time: Date;
  readonly parent: PlanDirectory | undefined;
  readonly entries: PlanEntry[];
  slotCount: number;
  firstCluster: number;
  clusterCount: number;
}

interface PlanEntry {
  readonly path: string;
  readonly longName: string;
  readonly shortName: ShortName;
  readonly time: Date;
  readonly directory: PlanDirectory | undefined;
  readonly file: FatHostFile | FatBytesFile | undefined;
  readonly byteLength: number;
  /** 32-byte slots: long-name entries + the short entry. */
  readonly slotCount: number;
  firstCluster: number;
  clusterCount: number;
}

/**
 * Plans a FAT volume holding `tree` (its children become the root directory's entries).
 *
 * @example
 * ```ts
 * const tree = scanSources([{ hostPath: "esp" }], { followLinks: true });
 * const plan = planFat(tree.root, { volumeLabel: "ESP", timestamp: new Date(0), volumeSerial: 0x1234abcd });
 * await writeRegionsToFile(plan.regions, "efiboot.img");
 * ```
 */
export function planFat(tree: FatTreeDirectory, options: FatPlanOptions = {}): FatPlan {
  return new FatPlanner(tree, options).plan();
}

class FatPlanner {
  readonly diagnostics: string[] = [];
  readonly directories: PlanDirectory[] = [];
  readonly files: PlanEntry[] = [];
  readonly label: string | undefined;
  clampedTimes = 0;
  /** Newest entry time: the volume label's time when no `timestamp` is given (reproducible). */
  newestTime: Date | undefined;

  constructor(readonly tree: FatTreeDirectory, readonly options: FatPlanOptions) {
    checkOptions(options);
    this.label = normalizeLabel(options.volumeLabel);
  }

  plan(): FatPlan {
    const root = this.buildDirectory(
      this.tree,
      undefined,
      "/",
      this.options.timestamp ?? FAT_TIME_RANGE.earliest,
    );
    if (this.clampedTimes > 0) {
      this.diagnostics.push(
        `${this.clampedTimes} time stamp(s) outside 1980-01-01 … 2107-12-31 were clamped to that range`,
      );
    }

    const layout = this.chooseLayout(root);
    const clusterBytes = layout.sectorsPerCluster * FAT_SECTOR_BYTES;
    if (layout.sectorsPerCluster === 128) {
      this.diagnostics.push("clusters are 64 KiB: some FAT drivers accept at most 32 KiB");
    }
    if (layout.fatType !== 32) this.checkRootFits(root, layout);

    // Allocate: [FAT32 root], subdirectories, then files, each one contiguous chain.
    let next = FIRST_CLUSTER;
    const end = FIRST_CLUSTER + layout.clusterCount;
    const allocate = (path: string, clusterCount: number): number => {
      if (clusterCount === 0) return 0;
      if (next + clusterCount > end) {
        throw new RangeError(
          `Cannot add "${path}": it needs ${clusterCount} cluster(s) of ${clusterBytes} bytes, ${
            end - next
          } of ${layout.clusterCount} are free on this ${
            layout.sectorCount * FAT_SECTOR_BYTES
          }-byte FAT${layout.fatType} volume`,
        );
      }
      const first = next;
      next += clusterCount;
      return first;
    };
    for (const dir of this.directories) {
      if (dir.parent === undefined && layout.fatType !== 32) continue;
      dir.clusterCount = Math.max(1, Math.ceil((dir.slotCount * DIRECTORY_ENTRY_BYTES) / clusterBytes));
      dir.firstCluster = allocate(dir.path, dir.clusterCount);
    }
    for (const file of this.files) {
      file.clusterCount = Math.ceil(file.byteLength / clusterBytes);
      file.firstCluster = allocate(file.path, file.clusterCount);
    }
    const usedClusters = next - FIRST_CLUSTER;
    const freeClusterCount = layout.clusterCount - usedClusters;

    // The FAT: only entries 0 … next − 1 are in memory.
    const fatInMemoryBytes = Math.min(
      layout.sectorsPerFat * FAT_SECTOR_BYTES,
      Math.ceil(fatByteLength(layout.fatType, next) / FAT_SECTOR_BYTES) * FAT_SECTOR_BYTES,
    );
    const fat = new FatTable(layout.fatType, layout.mediaDescriptor, next, fatInMemoryBytes);
    for (const dir of this.directories) fat.addChain(dir.firstCluster, dir.clusterCount);
    for (const file of this.files) fat.addChain(file.firstCluster, file.clusterCount);

    const volumeSerial = this.volumeSerial();
    const bootSector = this.bootSector(layout, volumeSerial);
    const bootBytes = encodeFatBootSector(bootSector);

    // Encode, in image order.
    const out = new RegionListBuilder();
    out.bytes("FAT boot sector", bootBytes);
    if (layout.fatType === 32) {
      const fsInfo = encodeFatFsInfo({
        freeClusterCount,
        nextFreeCluster: freeClusterCount > 0 ? next : FSINFO_UNKNOWN,
      });
      out.bytes("FAT32 FSInfo", fsInfo);
      out.zeros("FAT reserved sectors 2-5", 4 * FAT_SECTOR_BYTES);
      out.bytes("FAT32 backup boot sector", bootBytes);
      out.bytes("FAT32 backup FSInfo", fsInfo);
      out.zeros("FAT reserved sectors", (layout.reservedSectorCount - 8) * FAT_SECTOR_BYTES);
    } else {
      out.zeros("FAT reserved sectors", (layout.reservedSectorCount - 1) * FAT_SECTOR_BYTES);
    }
    for (let i = 1; i <= layout.fatCount; i++) {
      out.bytes(`FAT #${i}`, fat.bytes);
      out.zeros(`FAT #${i} free entries`, layout.sectorsPerFat * FAT_SECTOR_BYTES - fat.bytes.byteLength);
    }
    if (layout.fatType !== 32) {
      const rootBytes = this.encodeDirectory(root, layout.rootDirSectorCount * FAT_SECTOR_BYTES);
      out.bytes("FAT root directory", rootBytes);
    }
    const clusterStart = (cluster: number) =>
      (layout.firstDataSector + (cluster - FIRST_CLUSTER) * layout.sectorsPerCluster) * FAT_SECTOR_BYTES;
    const checkAt = (path: string, cluster: number) => {
      if (out.byteLength !== clusterStart(cluster)) {
        throw new LayoutError(
          `Cannot place "${path}": writer is at byte ${out.byteLength}, cluster ${cluster} starts at ${
            clusterStart(cluster)
          }`,
        );
      }
    };
    for (const dir of this.directories) {
      if (dir.clusterCount === 0) continue;
      checkAt(dir.path, dir.firstCluster);
      out.bytes(`FAT directory ${dir.path}`, this.encodeDirectory(dir, dir.clusterCount * clusterBytes));
    }
    for (const entry of this.files) {
      const file = entry.file!;
      if (entry.clusterCount === 0) {
        // Nothing to write, but the writer still checks that the source is still empty.
        if (file.kind === "file") out.file(entry.path, file.hostPath!, 0);
        continue;
      }
      checkAt(entry.path, entry.firstCluster);
      if (file.kind === "file") out.file(entry.path, file.hostPath!, file.byteLength);
      else out.bytes(entry.path, file.bytes);
      out.zeros(`${entry.path} cluster padding`, entry.clusterCount * clusterBytes - entry.byteLength);
    }
    out.zeros("FAT free clusters", layout.sectorCount * FAT_SECTOR_BYTES - out.byteLength);
    if (out.byteLength !== layout.sectorCount * FAT_SECTOR_BYTES || next > end) {
      throw new LayoutError(
        `Cannot finish FAT plan: ${out.byteLength} bytes written, ${layout.sectorCount} sectors planned`,
      );
    }

    const files = new Map<string, number>();
    const directories = new Map<string, number>();
    const shortNames = new Map<string, string>();
    for (const dir of this.directories) {
      directories.set(dir.path, dir.firstCluster);
      for (const entry of dir.entries) {
        shortNames.set(entry.path, displayShortName(entry.shortName.name, entry.shortName.caseFlags));
        if (entry.file) files.set(entry.path, entry.firstCluster);
      }
    }
    return {
      regions: out.build(),
      sectorCount: layout.sectorCount,
      fatType: layout.fatType,
      clusterByteLength: clusterBytes,
      clusterCount: layout.clusterCount,
      freeClusterCount,
      layout,
      bootSector,
      volumeSerial,
      files,
      directories,
      shortNames,
      diagnostics: this.diagnostics,
    };
  }

  /** Pass 1: names and slot counts, directories in pre-order, files in pre-order. */
  buildDirectory(
    node: FatTreeDirectory,
    parent: PlanDirectory | undefined,
    path: string,
    time: Date,
  ): PlanDirectory {
    const dir: PlanDirectory = {
      path,
      time,
      parent,
      entries: [],
      slotCount: parent ? 2 : this.label === undefined ? 0 : 1,
      firstCluster: 0,
      clusterCount: 0,
    };
    this.directories.push(dir);
    const prefix = path === "/" ? "/" : `${path}/`;
    const kept: (FatTreeDirectory | FatHostFile | FatBytesFile)[] = [];
    const seen = new Map<string, string>();
    for (const child of node.children) {
      const childPath = prefix + child.name;
      if (child.kind !== "directory" && child.kind !== "file" && child.kind !== "bytes") {
        this.diagnostics.push(`"${childPath}" is a ${child.kind}: FAT cannot hold it, left out`);
        continue;
      }
      const problem = longNameProblem(child.name);
      if (problem) throw new RangeError(`Cannot add "${childPath}": ${problem}`);
      const key = nameKey(child.name);
      const other = seen.get(key);
      if (other !== undefined) {
        throw new RangeError(
          `Cannot add "${childPath}": "${prefix}${other}" is there already (FAT names ignore case)`,
        );
      }
      seen.set(key, child.name);
      const byteLength = child.kind === "file"
        ? child.byteLength
        : child.kind === "bytes"
        ? child.bytes.byteLength
        : 0;
      if (byteLength > MAX_FAT_FILE_BYTES) {
        throw new RangeError(
          `Cannot add "${childPath}": it has ${byteLength} bytes, FAT files hold at most ${MAX_FAT_FILE_BYTES}`,
        );
      }
      if (child.kind === "file" && child.hostPath === undefined) {
        throw new RangeError(`Cannot add "${childPath}": the file has no host path to read it from`);
      }
      kept.push(child);
    }
    const shortNames = assignShortNames(kept.map((c) => c.name));
    kept.forEach((child, i) => {
      const childPath = prefix + child.name;
      const shortName = shortNames[i];
      const slotCount = 1 + (shortName.needsLongName ? longNameEntryCount(child.name) : 0);
      const entry: PlanEntry = {
        path: childPath,
        longName: child.name,
        shortName,
        time: this.timeOf(child),
        directory: undefined,
        file: child.kind === "directory" ? undefined : child,
        byteLength: child.kind === "file"
          ? child.byteLength
          : child.kind === "bytes"
          ? child.bytes.byteLength
          : 0,
        slotCount,
        firstCluster: 0,
        clusterCount: 0,
      };
      dir.entries.push(entry);
      dir.slotCount += slotCount;
      if (dir.slotCount > MAX_DIRECTORY_SLOTS) {
        throw new RangeError(
          `Cannot add "${childPath}": directory "${path}" would need ${dir.slotCount} entries, FAT directories hold at most ${MAX_DIRECTORY_SLOTS}`,
        );
      }
    });
    for (const entry of dir.entries) if (entry.file) this.files.push(entry);
    kept.forEach((child, i) => {
      if (child.kind !== "directory") return;
      const entry = dir.entries[i] as { directory: PlanDirectory | undefined; path: string; time: Date };
      entry.directory = this.buildDirectory(child, dir, entry.path, entry.time);
    });
    return dir;
  }

  timeOf(node: { readonly mtime?: Date }): Date {
    const time = this.options.timestamp ?? node.mtime ?? FAT_TIME_RANGE.earliest;
    if (time < FAT_TIME_RANGE.earliest || time > FAT_TIME_RANGE.latest) this.clampedTimes++;
    if (this.newestTime === undefined || time > this.newestTime) this.newestTime = time;
    return time;
  }

  /** Pass 2: the layout for the requested size, or the smallest that fits for "fit". */
  chooseLayout(root: PlanDirectory): FatLayout {
    const o = this.options;
    const size = o.size ?? "fit";
    const floppy = typeof size === "string" && size !== "fit" ? FLOPPY_FORMATS[size] : undefined;
    if (typeof size === "string" && size !== "fit" && !floppy) {
      throw new RangeError(`Cannot plan FAT volume: unknown size "${size}"`);
    }
    const request: Omit<FatLayoutRequest, "sectorCount"> = {
      fatType: o.fatType ?? "auto",
      sectorsPerCluster: o.sectorsPerCluster,
      initialSectorsPerCluster: floppy?.sectorsPerCluster,
      reservedSectorCount: o.reservedSectorCount,
      fatCount: o.fatCount,
      rootEntryCount: o.rootEntryCount ?? floppy?.rootEntryCount,
      mediaDescriptor: o.mediaDescriptor ?? floppy?.mediaDescriptor,
      sectorsPerTrack: o.sectorsPerTrack ?? floppy?.sectorsPerTrack,
      headCount: o.headCount ?? floppy?.headCount,
    };
    if (size !== "fit") {
      let sectorCount: number;
      if (floppy) sectorCount = floppy.sectorCount;
      else if (typeof size === "string") throw new LayoutError(`Cannot plan FAT volume: size "${size}"`);
      else if ("byteLength" in size) {
        if (
          !Number.isSafeInteger(size.byteLength) || size.byteLength % FAT_SECTOR_BYTES !== 0 ||
          size.byteLength <= 0
        ) {
          throw new RangeError(
            `Cannot plan FAT volume: ${size.byteLength} bytes is not a whole number of 512-byte sectors`,
          );
        }
        sectorCount = size.byteLength / FAT_SECTOR_BYTES;
      } else sectorCount = size.sectorCount;
      return this.checkedLayout({ ...request, sectorCount });
    }
    return this.fitLayout(root, request);
  }

  checkedLayout(request: FatLayoutRequest): FatLayout {
    const layout = chooseFatLayout(request);
    if (layout.fatType === 32 && layout.reservedSectorCount < 8) {
      throw new RangeError(
        `Cannot plan FAT32 volume: ${layout.reservedSectorCount} reserved sectors, at least 8 are needed (FSInfo at 1, backups at 6 and 7)`,
      );
    }
    return layout;
  }

  /** Clusters the content needs at a cluster size (the FAT12/16 root is outside the data region). */
  clustersNeeded(clusterBytes: number, fat32: boolean): number {
    let total = 0;
    for (const dir of this.directories) {
      if (dir.parent === undefined && !fat32) continue;
      total += Math.max(1, Math.ceil((dir.slotCount * DIRECTORY_ENTRY_BYTES) / clusterBytes));
    }
    for (const file of this.files) total += Math.ceil(file.byteLength / clusterBytes);
    return total;
  }

  fitLayout(root: PlanDirectory, base: Omit<FatLayoutRequest, "sectorCount">): FatLayout {
    const margin = this.options.fitMarginByteLength ?? DEFAULT_FIT_MARGIN_BYTES;
    // "fit" grows the fixed FAT12/16 root directory when the caller did not set its size.
    const request = this.options.rootEntryCount === undefined
      ? { ...base, rootEntryCount: Math.max(base.rootEntryCount ?? 512, Math.ceil(root.slotCount / 16) * 16) }
      : base;
    const memo = new Map<string, number>();
    const needed = (clusterBytes: number, fat32: boolean) => {
      const key = `${clusterBytes}:${fat32}`;
      let n = memo.get(key);
      if (n === undefined) memo.set(key, n = this.clustersNeeded(clusterBytes, fat32));
      return n;
    };
    const feasible = (sectorCount: number): FatLayout | undefined => {
      let layout: FatLayout;
      try {
        layout = this.checkedLayout({ ...request, sectorCount });
      } catch (error) {
        if (error instanceof RangeError) return undefined;
        throw error;
      }
      const clusterBytes = layout.sectorsPerCluster * FAT_SECTOR_BYTES;
      if (layout.fatType !== 32 && root.slotCount > layout.rootEntryCount) return undefined;
      const want = needed(clusterBytes, layout.fatType === 32) + Math.ceil(margin / clusterBytes);
      return layout.clusterCount >= want ? layout : undefined;
    };
    const step0 = FIT_GRANULARITY_SECTORS;
    const roundUp = (n: number) => Math.ceil(n / step0) * step0;
    const contentSectors = Math.ceil(
      (this.clustersNeeded(FAT_SECTOR_BYTES, true) * FAT_SECTOR_BYTES + margin) / FAT_SECTOR_BYTES,
    );
    const limit = Math.floor(0xffffffff / step0) * step0;
    let low = 0; // largest size known not to fit
    let high = roundUp(contentSectors + 64);
    let step = step0;
    let found: FatLayout | undefined;
    while (high <= limit && !(found = feasible(high))) {
      low = high;
      high = roundUp(high + step);
      step *= 2;
    }
    if (!found) {
      throw new RangeError(
        `Cannot plan FAT volume: the content (${this.files.length} files, ${contentSectors} sectors) does not fit a FAT${
          request.fatType === "auto" ? "" : request.fatType
        } volume of at most ${limit} sectors`,
      );
    }
    // Narrow down to the smallest size (on the 64 KiB grid) that fits.
    while (high - low > step0) {
      const mid = roundUp((low + high) / 2);
      if (mid >= high) break;
      const layout = feasible(mid);
      if (layout) {
        high = mid;
        found = layout;
      } else low = mid;
    }
    return found;
  }

  checkRootFits(root: PlanDirectory, layout: FatLayout): void {
    if (root.slotCount <= layout.rootEntryCount) return;
    let used = this.label === undefined ? 0 : 1;
    for (const entry of root.entries) {
      used += entry.slotCount;
      if (used > layout.rootEntryCount) {
        throw new RangeError(
          `Cannot add "${entry.path}": the FAT${layout.fatType} root directory holds ${layout.rootEntryCount} entries and this name needs entries ${
            used - entry.slotCount + 1
          }…${used} (set rootEntryCount, or use FAT32)`,
        );
      }
    }
  }

  volumeSerial(): number {
    const o = this.options;
    if (o.volumeSerial !== undefined) return o.volumeSerial >>> 0;
    if (o.timestamp !== undefined) return Math.floor(o.timestamp.getTime() / 1000) >>> 0;
    // FNV-1a over every path, size and time: the same tree gives the same serial.
    let hash = 0x811c9dc5;
    const mix = (text: string) => {
      for (let i = 0; i < text.length; i++) {
        hash ^= text.charCodeAt(i);
        hash = Math.imul(hash, 0x01000193) >>> 0;
      }
    };
    for (const dir of this.directories) {
      for (const entry of dir.entries) mix(`${entry.path}\0${entry.byteLength}\0${entry.time.getTime()}\n`);
    }
    mix(this.label ?? "");
    return hash >>> 0;
  }

  bootSector(layout: FatLayout, volumeSerial: number): FatBootSector {
    const o = this.options;
    const isFat32 = layout.fatType === 32;
    const codeOffset = isFat32 ? FAT32_BOOT_CODE_OFFSET : FAT16_BOOT_CODE_OFFSET;
    return {
      jumpBoot: jumpBootFor(codeOffset),
      oemName: o.oemName ?? DEFAULT_OEM_NAME,
      bytesPerSector: FAT_SECTOR_BYTES,
      sectorsPerCluster: layout.sectorsPerCluster,
      reservedSectorCount: layout.reservedSectorCount,
      fatCount: layout.fatCount,
      rootEntryCount: layout.rootEntryCount,
      totalSectorCount: layout.sectorCount,
      mediaDescriptor: layout.mediaDescriptor,
      sectorsPerFat: layout.sectorsPerFat,
      sectorsPerTrack: layout.sectorsPerTrack,
      headCount: layout.headCount,
      hiddenSectorCount: o.hiddenSectorCount ?? 0,
      fat32: isFat32
        ? { extFlags: 0, fsVersion: 0, rootCluster: FIRST_CLUSTER, fsInfoSector: 1, backupBootSector: 6 }
        : undefined,
      driveNumber: o.driveNumber ?? (layout.mediaDescriptor === FAT_MEDIA.fixedDisk ? 0x80 : 0x00),
      bootSignature: EXTENDED_BOOT_SIGNATURE,
      volumeSerial,
      volumeLabel: this.label ?? NO_VOLUME_LABEL,
      fileSystemType: `FAT${layout.fatType}`.padEnd(8, " "),
      bootCode: notBootableStub(codeOffset),
    };
  }

  /** A directory's bytes: [label | ".", ".."], then each entry's long-name entries and short entry. */
  encodeDirectory(dir: PlanDirectory, byteLength: number): Uint8Array {
    const out = new Uint8Array(byteLength);
    let at = 0;
    const put = (entry: FatDirectoryEntry) => {
      writeFatDirectoryEntry(entry, out, at);
      at += DIRECTORY_ENTRY_BYTES;
    };
    const stamp = (
      name: string,
      attributes: number,
      time: Date,
      firstCluster: number,
      fileByteLength: number,
      caseFlags = 0,
    ) => {
      const { date, time: dosTime, tenths } = encodeFatDateTime(time);
      return {
        name,
        attributes,
        caseFlags,
        creationTimeTenths: tenths,
        creationTime: dosTime,
        creationDate: date,
        lastAccessDate: date,
        firstCluster,
        writeTime: dosTime,
        writeDate: date,
        fileByteLength,
      };
    };
    if (dir.parent === undefined) {
      if (this.label !== undefined) {
        put(
          stamp(
            this.label,
            FAT_ATTRIBUTE.volumeId,
            this.options.timestamp ?? this.newestTime ?? FAT_TIME_RANGE.earliest,
            0,
            0,
          ),
        );
      }
    } else {
      put(stamp(".          ", FAT_ATTRIBUTE.directory, dir.time, dir.firstCluster, 0));
      // ".." points at the parent; 0 when the parent is the root (also on FAT32).
      const parentCluster = dir.parent.parent === undefined ? 0 : dir.parent.firstCluster;
      put(stamp("..         ", FAT_ATTRIBUTE.directory, dir.time, parentCluster, 0));
    }
    for (const entry of dir.entries) {
      if (entry.shortName.needsLongName) {
        for (const lfn of longNameEntriesFor(entry.longName, entry.shortName.name)) {
          writeFatLongNameEntry(lfn, out, at);
          at += DIRECTORY_ENTRY_BYTES;
        }
      }
      const isDirectory = entry.directory !== undefined;
      put(
        stamp(
          entry.shortName.name,
          isDirectory ? FAT_ATTRIBUTE.directory : FAT_ATTRIBUTE.archive,
          entry.time,
          isDirectory ? entry.directory!.firstCluster : entry.firstCluster,
          entry.byteLength,
          entry.shortName.caseFlags,
        ),
      );
    }
    if (at !== dir.slotCount * DIRECTORY_ENTRY_BYTES) {
      throw new LayoutError(
        `Cannot encode directory "${dir.path}": ${at / 32} entries written, ${dir.slotCount} planned`,
      );
    }
    return out;
  }
}

function checkOptions(o: FatPlanOptions): void {
  const uint = (name: string, value: number | undefined, max: number, min = 0) => {
    if (value !== undefined && (!Number.isInteger(value) || value < min || value > max)) {
      throw new RangeError(`Cannot plan FAT volume: ${name} ${value} is outside ${min}…${max}`);
    }
  };
  if (o.bytesPerSector !== undefined && o.bytesPerSector !== 512) {
    throw new RangeError(
      `Cannot plan FAT volume: ${o.bytesPerSector} bytes per sector (only 512 is supported)`,
    );
  }
  if (o.fatType !== undefined && ![12, 16, 32, "auto"].includes(o.fatType)) {
    throw new RangeError(`Cannot plan FAT volume: unknown FAT type "${o.fatType}"`);
  }
  uint("volumeSerial", o.volumeSerial, 0xffffffff);
  uint("hiddenSectorCount", o.hiddenSectorCount, 0xffffffff);
  uint("reservedSectorCount", o.reservedSectorCount, 0xffff, 1);
  uint("fatCount", o.fatCount, 4, 1);
  uint("rootEntryCount", o.rootEntryCount, 0xfff0, 16);
  if (o.rootEntryCount !== undefined && o.rootEntryCount % 16 !== 0) {
    throw new RangeError(
      `Cannot plan FAT volume: rootEntryCount ${o.rootEntryCount} is not a multiple of 16`,
    );
  }
  uint("mediaDescriptor", o.mediaDescriptor, 0xff, 0xf0);
  uint("driveNumber", o.driveNumber, 0xff);
  uint("sectorsPerTrack", o.sectorsPerTrack, 0xffff, 1);
  uint("headCount", o.headCount, 0xffff, 1);
  uint("fitMarginByteLength", o.fitMarginByteLength, Number.MAX_SAFE_INTEGER);
  if (o.oemName !== undefined && (o.oemName.length > 8 || /[^\x20-\x7e]/.test(o.oemName))) {
    throw new RangeError(`Cannot use OEM name "${o.oemName}": at most 8 printable ASCII characters`);
  }
  if (o.timestamp !== undefined && Number.isNaN(o.timestamp.getTime())) {
    throw new RangeError("Cannot plan FAT volume: timestamp is an invalid Date");
  }
}

/** The 11-character label, or undefined for none; RangeError if it cannot be a FAT label. */
function normalizeLabel(label: string | undefined): string | undefined {
  if (label === undefined || label.trim() === "") return undefined;
  const upper = label.toUpperCase();
  if (upper.length > 11) throw new RangeError(`Cannot use volume label "${label}": more than 11 characters`);
  if (upper.startsWith(" ")) {
    throw new RangeError(`Cannot use volume label "${label}": it starts with a space`);
  }
  if (!/^[A-Z0-9 $%'\-_@~`!(){}^#&]+$/.test(upper)) {
    throw new RangeError(
      `Cannot use volume label "${label}": only A–Z, 0–9, space and $%'-_@~\`!(){}^#& are allowed`,
    );
  }
  return upper.padEnd(11, " ");
}
