/**
 * El Torito on top of the ISO 9660 planner: the boot catalog becomes a file of the image (placed
 * first in the data area, hidden with `--boot-catalog-hide`), boot images are placed right after
 * it (as libisofs sorts them), a Boot Record at LBA 17 names the catalog, and the boot info
 * table / GRUB2 boot info are laid over the boot image's data in the image — computed when the
 * image is written, never written into the source file.
 * @module
 */

import { UsageError } from "../../image/errors.ts";
import { type LazyRegion, overlay, type RegionList } from "../../image/regions.ts";
import { type IsoPlan, type IsoPlanOptions, planIso } from "../iso9660/planner.ts";
import { FIRST_VOLUME_DESCRIPTOR_LBA, SECTOR_BYTES } from "../iso9660/volume_descriptor.ts";
import type { ElToritoEntry } from "../mkisofs/options.ts";
import {
  addVirtualFile,
  normalizeIsoPath,
  type SourceDirectory,
  type SourceFile,
  type SourceTree,
} from "../source_tree.ts";
import type { SystemAreaPlan } from "../hybrid/layout.ts";
import { applySystemArea, type HybridRequest, hybridTail } from "../hybrid/plan.ts";
import { type BootCatalogEntrySpec, bootCatalogEntrySpec, encodeBootCatalog } from "./boot_catalog.ts";
import {
  BOOT_INFO_TABLE_BYTE_OFFSET,
  BOOT_INFO_TABLE_BYTES,
  bootImagePatchOverlays,
  BootInfoChecksum,
  GRUB2_BOOT_INFO_BYTE_OFFSET,
} from "./boot_info_table.ts";

/** What El Torito needs from the command line. */
export interface ElToritoRequest {
  /** The entries in order (the first is the default entry). */
  readonly entries: readonly ElToritoEntry[];
  /** Image path of the boot catalog ("/boot.catalog" when `-c` is not given). */
  readonly catalogIsoPath: string;
  /** `--boot-catalog-hide`: the catalog gets a block but no directory record. */
  readonly hideCatalog: boolean;
}

/** Data-area weights: the catalog first, then the boot images (then `--sort-weight`s, then the rest). */
/** `-efi-boot-part`'s image comes first of all, right after the trees (as libisofs places it). */
const EFI_BOOT_PART_SORT_WEIGHT = Number.MAX_SAFE_INTEGER;
const CATALOG_SORT_WEIGHT = Number.MAX_SAFE_INTEGER - 1;
const BOOT_IMAGE_SORT_WEIGHT = Number.MAX_SAFE_INTEGER - 2;
/** Placement key of an `-efi-boot-part HOST_FILE` (in no directory tree). */
const EFI_BOOT_PART_KEY = "\u0000efi-boot-part";

/**
 * Plans a bootable ISO: `tree` gains the catalog file; the plan's regions carry the catalog and the
 * patches. The tree is changed (boot images get the boot-image sort weight).
 *
 * @example
 * ```ts
 * const options = parseMkisofsArgs(["-b", "isolinux/isolinux.bin", "-no-emul-boot", "-boot-load-size", "4",
 *   "-boot-info-table", "-o", "out.iso", "tree"]);
 * const plan = planElToritoIso(scanSources(options.pathspecs), planOptions, {
 *   entries: options.boot, catalogIsoPath: options.bootCatalogPath!, hideCatalog: options.hideBootCatalog,
 * });
 * ```
 */
export function planElToritoIso(
  tree: SourceTree,
  options: IsoPlanOptions,
  request: ElToritoRequest,
  hybrid?: HybridRequest,
): IsoPlan {
  const systemArea: { plan?: SystemAreaPlan } = {};
  const images = request.entries.map((entry) => {
    if (entry.image.kind !== "isoPath") {
      const n = entry.image.partitionNumber;
      if (!hybrid?.options.appendedPartitions.some((p) => p.partitionNumber === n)) {
        throw new UsageError(
          `Cannot build with ${entry.option} --interval:appended_partition_${n}: there is no -append_partition ${n}`,
        );
      }
      return { entry, isoPath: undefined, node: undefined, partitionNumber: n };
    }
    const isoPath = normalizeIsoPath(entry.image.isoPath);
    const node = findFile(tree.root, isoPath);
    if (!node) {
      throw new UsageError(
        `Cannot build: the boot image "/${isoPath}" of ${entry.option} is not in the image tree`,
      );
    }
    if (entry.emulation !== "none") checkEmulatedImageSize(entry, node, isoPath);
    node.sortWeight = BOOT_IMAGE_SORT_WEIGHT;
    return { entry, isoPath, node, partitionNumber: undefined };
  });

  // -efi-boot-part: the ESP the GPT lists is the first EFI boot image, or a host file in no tree.
  const efiBootPart = hybrid?.options.efiBootPart;
  const hiddenFiles: { isoPath: string; source: SourceFile }[] = [];
  if (efiBootPart?.kind === "firstEfiBootImage") {
    const first = images.find((i) => i.node && i.entry.platformId === 0xef);
    if (first?.node) first.node.sortWeight = EFI_BOOT_PART_SORT_WEIGHT;
  } else if (efiBootPart?.kind === "file") {
    const byteLength = hybrid!.efiBootPartByteLength!;
    const time = options.fileTimeOverride ?? options.volumeTime;
    hiddenFiles.push({
      isoPath: EFI_BOOT_PART_KEY,
      source: {
        kind: "file",
        name: "efi-boot-part",
        hostPath: efiBootPart.hostPath,
        mode: 0o100644,
        uid: 0,
        gid: 0,
        mtime: time,
        atime: time,
        ctime: time,
        hiddenIso: true,
        hiddenJoliet: true,
        sortWeight: EFI_BOOT_PART_SORT_WEIGHT,
        byteLength,
        inodeKey: undefined,
      },
    });
  }

  // The catalog's bytes depend on where the images land: computed from the finished plan.
  const finished: { plan?: IsoPlan } = {};
  const catalogRegion: LazyRegion = {
    kind: "lazy",
    label: "El Torito boot catalog",
    byteLength: SECTOR_BYTES,
    compute: async () => {
      const specs: BootCatalogEntrySpec[] = [];
      for (const { entry, isoPath, node, partitionNumber } of images) {
        if (partitionNumber !== undefined) {
          const partition = systemArea.plan!.appendedPartitions.find((p) =>
            p.partitionNumber === partitionNumber
          )!;
          specs.push(bootCatalogEntrySpec(entry, {
            kind: "appendedPartition",
            lba: partition.lba,
            blockCount: partition.blockCount,
          }));
          continue;
        }
        const planned = finished.plan!.files.get(isoPath!)!;
        const firstSector = entry.emulation === "hardDisk" ? await readFirstSector(node!) : undefined;
        specs.push(bootCatalogEntrySpec(entry, {
          kind: "file",
          lba: planned.lba,
          byteLength: planned.byteLength,
          firstSector,
        }));
      }
      return encodeBootCatalog(specs);
    },
  };
  const catalogPath = normalizeIsoPath(request.catalogIsoPath);
  const catalog = addVirtualFile(tree, {
    isoPath: catalogPath,
    contents: [catalogRegion],
    time: options.fileTimeOverride ?? options.volumeTime,
    mode: 0o100444,
    hiddenIso: request.hideCatalog,
    hiddenJoliet: request.hideCatalog,
    sortWeight: CATALOG_SORT_WEIGHT,
  });

  const plan = planIso(tree, {
    ...options,
    elToritoCatalog: catalog,
    alwaysPlace: [
      ...(options.alwaysPlace ?? []),
      { isoPath: catalogPath, source: catalog },
      ...images.flatMap(({ isoPath, node }) => node ? [{ isoPath: isoPath!, source: node }] : []),
      ...hiddenFiles,
    ],
    tail: hybrid
      ? hybridTail(
        hybrid,
        images.map((i) => i.isoPath),
        systemArea,
        hiddenFiles.length > 0 ? EFI_BOOT_PART_KEY : undefined,
      )
      : options.tail,
  });
  let regions: RegionList = plan.regions;
  for (const { entry, isoPath, node } of images) {
    if (!node || (!entry.bootInfoTable && !entry.grub2BootInfo)) continue;
    regions = patchBootImage(regions, entry, node, plan.files.get(isoPath!)!.lba);
  }
  if (systemArea.plan) regions = applySystemArea(regions, systemArea.plan);
  finished.plan = { ...plan, regions };
  return finished.plan;
}

/** Lays the boot info table and/or GRUB2 boot info over one boot image's data. */
function patchBootImage(
  regions: RegionList,
  entry: ElToritoEntry,
  node: SourceFile,
  lba: number,
): RegionList {
  if (node.contents) {
    throw new UsageError(
      `Cannot patch the boot image "${node.name}" of ${entry.option}: it is not a host file`,
    );
  }
  let computed: Promise<{ byteOffset: number; bytes: Uint8Array }[]> | undefined;
  const overlays = () =>
    computed ??= (async () => {
      const file = await Deno.readFile(node.hostPath!);
      if (file.byteLength !== node.byteLength) {
        throw new UsageError(
          `Cannot patch the boot image "${node.hostPath}": it changed size since it was scanned`,
        );
      }
      const checksum = new BootInfoChecksum({ grub2BootFileLba: entry.grub2BootInfo ? lba : undefined })
        .update(file).digest();
      return bootImagePatchOverlays({
        primaryVolumeDescriptorLba: FIRST_VOLUME_DESCRIPTOR_LBA, // libisofs writes 16 even with -partition_offset
        bootFileLba: lba,
        bootInfoTable: entry.bootInfoTable,
        grub2BootInfo: entry.grub2BootInfo,
        bootFileByteLength: node.byteLength,
        checksum,
      });
    })();
  const patch = (byteOffset: number, byteLength: number, label: string): LazyRegion => ({
    kind: "lazy",
    label,
    byteLength,
    compute: async () => (await overlays()).find((o) => o.byteOffset === byteOffset)!.bytes,
  });
  // Size checks happen now (the error names the option), not when writing.
  bootImagePatchOverlays({
    primaryVolumeDescriptorLba: FIRST_VOLUME_DESCRIPTOR_LBA,
    bootFileLba: lba,
    bootInfoTable: entry.bootInfoTable,
    grub2BootInfo: entry.grub2BootInfo,
    bootFileByteLength: node.byteLength,
    checksum: 0,
  });
  const start = lba * SECTOR_BYTES;
  if (entry.grub2BootInfo) {
    regions = overlay(
      regions,
      start + GRUB2_BOOT_INFO_BYTE_OFFSET,
      patch(GRUB2_BOOT_INFO_BYTE_OFFSET, 8, "GRUB2 boot info"),
    );
  }
  if (entry.bootInfoTable) {
    regions = overlay(
      regions,
      start + BOOT_INFO_TABLE_BYTE_OFFSET,
      patch(BOOT_INFO_TABLE_BYTE_OFFSET, BOOT_INFO_TABLE_BYTES, "boot info table"),
    );
  }
  return regions;
}

/** Floppy emulation takes 1.2, 1.44 or 2.88 MB images; hard-disk emulation needs an MBR. */
function checkEmulatedImageSize(entry: ElToritoEntry, node: SourceFile, isoPath: string): void {
  const floppy = [1_228_800, 1_474_560, 2_949_120];
  if (entry.emulation === "floppy" && !floppy.includes(node.byteLength)) {
    throw new UsageError(
      `Cannot use "/${isoPath}" for floppy emulation (${entry.option} without -no-emul-boot): it has ${node.byteLength} bytes, ` +
        "not 1228800, 1474560 or 2949120 (give -no-emul-boot or -hard-disk-boot)",
    );
  }
  if (entry.emulation === "hardDisk" && node.byteLength < 512) {
    throw new UsageError(`Cannot use "/${isoPath}" for hard disk emulation: it has no master boot record`);
  }
}

async function readFirstSector(node: SourceFile): Promise<Uint8Array> {
  const file = await Deno.open(node.hostPath!);
  try {
    const sector = new Uint8Array(512);
    let done = 0;
    while (done < 512) {
      const n = await file.read(sector.subarray(done));
      if (n === null) break;
      done += n;
    }
    return sector;
  } finally {
    file.close();
  }
}

function findFile(root: SourceDirectory, isoPath: string): SourceFile | undefined {
  let dir = root;
  const parts = isoPath.split("/");
  for (let i = 0; i < parts.length; i++) {
    const child = dir.children.find((c) => c.name === parts[i]);
    if (!child) return undefined;
    if (i === parts.length - 1) return child.kind === "file" ? child : undefined;
    if (child.kind !== "directory") return undefined;
    dir = child;
  }
  return undefined;
}
