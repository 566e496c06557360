/**
 * Volume layout: FAT type, cluster size, FAT size, reserved and root directory sectors, and the
 * BIOS geometry, chosen from a volume size the way mkfs.fat 4.2 chooses them (so that an image
 * made here and `mkfs.fat -C` of the same size agree on every BPB field):
 *
 * - FAT32 when asked, or automatically from 512 MiB up. Its first cluster size follows
 *   fatgen103's table (≤ 260 MiB: 1 sector, ≤ 8 GiB: 8, ≤ 16 GiB: 16, ≤ 32 GiB: 32, else 64).
 * - Otherwise FAT12/16 starting at 4 sectors per cluster (floppy formats: their own), doubling
 *   until the cluster count fits the type: FAT12 ≤ 4084 clusters, FAT16 4087…65524 (mkfs.fat
 *   keeps 2 clusters away from fatgen103's 4085 because Windows counts differently), FAT32 ≥
 *   65525. "auto" takes FAT16 when it fits, else FAT12.
 * - Above 8192 sectors, the reserved sectors, each FAT and the root directory are rounded up to a
 *   whole number of clusters, so clusters are aligned to their size from the volume start.
 * - Geometry (BPB_SecPerTrk, BPB_NumHeads): floppies their own; up to 256 MiB the SD card
 *   recommendation (2/4/8/16 heads, 16 or 32 sectors); beyond, LBA-assist translation (63 sectors,
 *   16…255 heads). Unlike mkfs.fat, the sector count is not cut down to whole tracks.
 * @module
 */

import { FAT_MEDIA, FAT_SECTOR_BYTES, type FatType } from "./boot_sector.ts";
import { fatByteLength } from "./fat_table.ts";

/** Cluster-count limits a layout must stay within (mkfs.fat's, see the module note). */
export const FAT_CLUSTER_LIMITS = {
  fat12Max: 4084,
  fat16Min: 4087,
  fat16Max: 65524,
  fat32Min: 65525,
  /** Cluster numbers end at 0x0FFFFFF6 (0x0FFFFFF7 is "bad"). */
  fat32Max: 0x0ffffff5,
} as const;

/** Standard floppy formats (fat.md §9). All are FAT12 with 1 reserved sector and 2 FATs. */
export const FLOPPY_FORMATS = {
  "360k": {
    sectorCount: 720,
    sectorsPerTrack: 9,
    headCount: 2,
    mediaDescriptor: FAT_MEDIA.floppy360,
    sectorsPerCluster: 2,
    rootEntryCount: 112,
  },
  "720k": {
    sectorCount: 1440,
    sectorsPerTrack: 9,
    headCount: 2,
    mediaDescriptor: FAT_MEDIA.floppy720,
    sectorsPerCluster: 2,
    rootEntryCount: 112,
  },
  "1200k": {
    sectorCount: 2400,
    sectorsPerTrack: 15,
    headCount: 2,
    mediaDescriptor: FAT_MEDIA.floppy720,
    sectorsPerCluster: 1,
    rootEntryCount: 224,
  },
  "1440k": {
    sectorCount: 2880,
    sectorsPerTrack: 18,
    headCount: 2,
    mediaDescriptor: FAT_MEDIA.floppy1440,
    sectorsPerCluster: 1,
    rootEntryCount: 224,
  },
  "2880k": {
    sectorCount: 5760,
    sectorsPerTrack: 36,
    headCount: 2,
    mediaDescriptor: FAT_MEDIA.floppy1440,
    sectorsPerCluster: 2,
    rootEntryCount: 224,
  },
} as const;

/** A floppy format name, e.g. "1440k". */
export type FloppyFormat = keyof typeof FLOPPY_FORMATS;

/** What the layout is chosen from. */
export interface FatLayoutRequest {
  /** Volume size in 512-byte sectors. */
  readonly sectorCount: number;
  /** The type to make, or "auto" (mkfs.fat's choice). */
  readonly fatType: "auto" | FatType;
  /** Fixed sectors per cluster; undefined = choose. */
  readonly sectorsPerCluster?: number;
  /** First cluster size tried for FAT12/16 (default 4; floppy formats set their own). */
  readonly initialSectorsPerCluster?: number;
  /** Default 1 (FAT12/16) or 32 (FAT32), before alignment. */
  readonly reservedSectorCount?: number;
  /** Default 2. */
  readonly fatCount?: number;
  /** FAT12/16 root directory entries before alignment (default 512). */
  readonly rootEntryCount?: number;
  /** Default 0xF8. */
  readonly mediaDescriptor?: number;
  /** BIOS geometry; default as mkfs.fat. */
  readonly sectorsPerTrack?: number;
  /** BPB_NumHeads; default as mkfs.fat. */
  readonly headCount?: number;
  /** Round structures to whole clusters (default: when the volume has more than 8192 sectors). */
  readonly align?: boolean;
}

/** A chosen layout: every number a BPB needs, plus where things start. */
export interface FatLayout {
  /** The type the cluster count makes it. */
  readonly fatType: FatType;
  /** BPB_TotSec16/32. */
  readonly sectorCount: number;
  /** BPB_SecPerClus. */
  readonly sectorsPerCluster: number;
  /** BPB_RsvdSecCnt (after alignment). */
  readonly reservedSectorCount: number;
  /** BPB_NumFATs. */
  readonly fatCount: number;
  /** Sectors per FAT. */
  readonly sectorsPerFat: number;
  /** BPB_RootEntCnt (0 on FAT32). */
  readonly rootEntryCount: number;
  /** RootDirSectors (0 on FAT32). */
  readonly rootDirSectorCount: number;
  /** Sector of cluster 2. */
  readonly firstDataSector: number;
  /** CountOfClusters: valid clusters are 2 … clusterCount + 1. */
  readonly clusterCount: number;
  /** BPB_Media. */
  readonly mediaDescriptor: number;
  /** BPB_SecPerTrk. */
  readonly sectorsPerTrack: number;
  /** BPB_NumHeads. */
  readonly headCount: number;
}

/** Volumes of at least this many bytes are FAT32 when the type is "auto" (as mkfs.fat). */
export const AUTO_FAT32_BYTES = 512 * 1024 * 1024;

const MAX_SECTORS_PER_CLUSTER = 128;

/**
 * Chooses the layout of a volume of `request.sectorCount` sectors. A size that no cluster size
 * can make into the requested type is a RangeError.
 *
 * @example
 * ```ts
 * const layout = chooseFatLayout({ sectorCount: 16384, fatType: "auto" }); // 8 MiB
 * console.log(layout.fatType, layout.sectorsPerCluster, layout.clusterCount); // 12 4 4081
 * ```
 */
export function chooseFatLayout(request: FatLayoutRequest): FatLayout {
  const sectorCount = request.sectorCount;
  if (!Number.isSafeInteger(sectorCount) || sectorCount < 1 || sectorCount > 0xffffffff) {
    throw new RangeError(`Cannot lay out FAT volume: ${sectorCount} sectors (1…4294967295)`);
  }
  const fatCount = request.fatCount ?? 2;
  const fatType: FatType | "auto" =
    request.fatType === "auto" && sectorCount * FAT_SECTOR_BYTES >= AUTO_FAT32_BYTES ? 32 : request.fatType;
  const align = request.align ?? sectorCount > 8192;
  const fixedCluster = request.sectorsPerCluster;
  if (fixedCluster !== undefined && !isClusterSize(fixedCluster)) {
    throw new RangeError(
      `Cannot lay out FAT volume: ${fixedCluster} sectors per cluster (a power of two, 1…128)`,
    );
  }
  let clusterSize = fixedCluster ??
    (fatType === 32 ? fat32InitialClusterSize(sectorCount) : request.initialSectorsPerCluster ?? 4);
  const maxClusterSize = fixedCluster ?? MAX_SECTORS_PER_CLUSTER;
  const tried: string[] = [];
  for (; clusterSize <= maxClusterSize; clusterSize *= 2) {
    const candidates = (fatType === "auto" ? [16, 12] as const : [fatType]).map((type) =>
      fitType(type, sectorCount, clusterSize, fatCount, request, align)
    );
    const found = candidates.find((c) => c.layout !== undefined);
    if (found?.layout) return found.layout;
    tried.push(...candidates.map((c) => `${clusterSize} sectors/cluster: ${c.reason}`));
  }
  throw new RangeError(
    `Cannot lay out a ${fatType === "auto" ? "FAT" : `FAT${fatType}`} volume of ${sectorCount} sectors: ${
      tried.slice(-2).join("; ")
    }`,
  );
}

function isClusterSize(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= MAX_SECTORS_PER_CLUSTER && (n & (n - 1)) === 0;
}

/** fatgen103's FAT32 cluster-size table, by volume size. */
function fat32InitialClusterSize(sectorCount: number): number {
  const mib = 2048; // sectors per MiB
  return sectorCount > 32 * 1024 * mib
    ? 64
    : sectorCount > 16 * 1024 * mib
    ? 32
    : sectorCount > 8 * 1024 * mib
    ? 16
    : sectorCount > 260 * mib
    ? 8
    : 1;
}

/**
 * The BIOS geometry mkfs.fat assumes for a disk without one.
 *
 * @example
 * ```ts
 * defaultGeometry(131072); // { sectorsPerTrack: 32, headCount: 8 } (64 MiB)
 * ```
 */
export function defaultGeometry(sectorCount: number): { sectorsPerTrack: number; headCount: number } {
  if (sectorCount <= 524288) {
    const headCount = sectorCount <= 32768 ? 2 : sectorCount <= 65536 ? 4 : sectorCount <= 262144 ? 8 : 16;
    return { sectorsPerTrack: sectorCount <= 4096 ? 16 : 32, headCount };
  }
  const track = 63 * 1024;
  const headCount = sectorCount <= 16 * track
    ? 16
    : sectorCount <= 32 * track
    ? 32
    : sectorCount <= 64 * track
    ? 64
    : sectorCount <= 128 * track
    ? 128
    : 255;
  return { sectorsPerTrack: 63, headCount };
}

function roundUp(value: number, multiple: number): number {
  return Math.ceil(value / multiple) * multiple;
}

/** Tries one FAT type at one cluster size. */
function fitType(
  fatType: FatType,
  sectorCount: number,
  clusterSize: number,
  fatCount: number,
  request: FatLayoutRequest,
  align: boolean,
): { layout?: FatLayout; reason: string } {
  const alignTo = (sectors: number) => (align ? roundUp(sectors, clusterSize) : sectors);
  const reservedSectorCount = alignTo(request.reservedSectorCount ?? (fatType === 32 ? 32 : 1));
  const rootDirSectorCount = fatType === 32
    ? 0
    : alignTo(Math.ceil(((request.rootEntryCount ?? 512) * 32) / FAT_SECTOR_BYTES));
  const available = sectorCount - reservedSectorCount - rootDirSectorCount;
  if (available <= 0) return { reason: "no room for data after the reserved sectors and root directory" };
  // The largest cluster count whose FATs and clusters fit: in bits, per cluster the data plus one
  // entry per FAT, and two reserved entries per FAT.
  const sectorBits = FAT_SECTOR_BYTES * 8;
  let clusterCount = Math.max(
    0,
    Math.floor(
      (available * sectorBits - fatCount * 2 * fatType) / (clusterSize * sectorBits + fatCount * fatType),
    ),
  );
  let sectorsPerFat = alignTo(Math.ceil(fatByteLength(fatType, clusterCount + 2) / FAT_SECTOR_BYTES));
  // Clusters that fit beside FATs of that size; grow the FAT while it cannot describe them all.
  for (;;) {
    clusterCount = Math.floor((available - fatCount * sectorsPerFat) / clusterSize);
    if (clusterCount <= 0) return { reason: "no room for clusters" };
    if (fatByteLength(fatType, clusterCount + 2) <= sectorsPerFat * FAT_SECTOR_BYTES) break;
    sectorsPerFat = alignTo(sectorsPerFat + 1);
  }
  const limits = FAT_CLUSTER_LIMITS;
  const [min, max] = fatType === 12
    ? [1, limits.fat12Max]
    : fatType === 16
    ? [limits.fat16Min, limits.fat16Max]
    : [limits.fat32Min, limits.fat32Max];
  if (clusterCount < min) return { reason: `${clusterCount} clusters, FAT${fatType} needs at least ${min}` };
  if (clusterCount > max) return { reason: `${clusterCount} clusters, FAT${fatType} holds at most ${max}` };
  const geometry = defaultGeometry(sectorCount);
  return {
    reason: "fits",
    layout: {
      fatType,
      sectorCount,
      sectorsPerCluster: clusterSize,
      reservedSectorCount,
      fatCount,
      sectorsPerFat,
      rootEntryCount: (rootDirSectorCount * FAT_SECTOR_BYTES) / 32,
      rootDirSectorCount,
      firstDataSector: reservedSectorCount + fatCount * sectorsPerFat + rootDirSectorCount,
      clusterCount,
      mediaDescriptor: request.mediaDescriptor ?? FAT_MEDIA.fixedDisk,
      sectorsPerTrack: request.sectorsPerTrack ?? geometry.sectorsPerTrack,
      headCount: request.headCount ?? geometry.headCount,
    },
  };
}
