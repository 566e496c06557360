/**
 * Remastering an ISO (`cli/build.ts -indev IN -outdev OUT -boot_image any replay -map SRC DEST
 * -rm PATH`, `disc remaster`): the input's files are extracted (Rock Ridge names, modes, links),
 * files are added, replaced or removed, and a new image is built with the input's boot equipment
 * replayed as `xorriso -as mkisofs` options, as xorriso's `-boot_image any replay` does: El Torito
 * entries (BIOS and EFI, emulation, load size, boot info table), the hybrid MBR (the input's
 * system area as -isohybrid-mbr template), GPT (-isohybrid-gpt-basdat), and appended partitions
 * (copied out of the input).
 * @module
 */

import { FileBlockDevice, readDeviceBytes } from "../../image/block_device.ts";
import { SourceError, UsageError } from "../../image/errors.ts";
import { describeOsError } from "../../image/regions.ts";
import { makeWorkDirBeside, type ProgressCallback, writeRegionsToFile } from "../../image/region_writer.ts";
import { decodeBootCatalog, EL_TORITO_PLATFORM } from "../eltorito/boot_catalog.ts";
import { extractIso } from "../iso9660/extract.ts";
import { type IsoImage, openIso } from "../iso9660/reader.ts";
import { isoBuildRequest } from "../mkisofs/request.ts";
import { planIsoBuild } from "../build.ts";
import { parseMkisofsArgs } from "../mkisofs/options.ts";

/** A file to add or replace: host `source` (file or folder) at image path `destination`. */
export interface RemasterAdd {
  readonly source: string;
  readonly destination: string;
}

/** What {@link remasterIso} does. */
export interface RemasterOptions {
  readonly add?: readonly RemasterAdd[];
  /** Image paths to remove (files or whole folders). */
  readonly remove?: readonly string[];
  /** SOURCE_DATE_EPOCH for reproducible output. */
  readonly sourceDateEpoch?: string;
  readonly onProgress?: ProgressCallback;
}

/** The replayed boot options and the files they need (written into the work folder). */
export interface BootReplay {
  /** `xorriso -as mkisofs` options. */
  readonly args: string[];
  /** Files the options name, by name in the work folder. */
  readonly files: Map<string, Uint8Array>;
  /** The boot catalog's path in the tree, when it is visible there (it is made anew). */
  readonly catalogPath?: string;
  readonly notes: string[];
}

/** Paths of the image's files by the LBA of their first extent (default view), read in one walk. */
async function filesByLba(image: IsoImage): Promise<Map<number, string>> {
  const files = new Map<number, string>();
  for await (const entry of image.walk()) {
    const lba = entry.extents[0]?.lba;
    if (entry.kind === "file" && lba !== undefined && !files.has(lba)) files.set(lba, entry.path);
  }
  return files;
}

/**
 * The boot options that rebuild `image`'s boot equipment (its El Torito catalog and its system
 * area), as xorriso's `-boot_image any replay`.
 *
 * @example
 * ```ts
 * const replay = await replayBoot(image, device);
 * console.log(replay.args.join(" ")); // -b isolinux/isolinux.bin -c isolinux/boot.cat -no-emul-boot …
 * ```
 */
export async function replayBoot(image: IsoImage, device: FileBlockDevice): Promise<BootReplay> {
  const args: string[] = [];
  const files = new Map<string, Uint8Array>();
  const notes: string[] = [];
  const imageBytes = device.blockCount * device.blockByteLength;
  const volumeBytes = image.descriptors.primary.volumeSpaceBlockCount * 2048;
  const systemArea = await readDeviceBytes(device, 0, 32768);
  // Appended partitions: MBR partitions that start past the ISO volume.
  const mbrValid = systemArea[510] === 0x55 && systemArea[511] === 0xaa;
  const appended = new Map<number, string>();
  if (mbrValid) {
    const view = new DataView(systemArea.buffer, systemArea.byteOffset);
    for (let i = 0; i < 4; i++) {
      const at = 446 + 16 * i;
      const type = systemArea[at + 4];
      const start = view.getUint32(at + 8, true) * 512;
      const size = view.getUint32(at + 12, true) * 512;
      if (type === 0 || type === 0xee || start < volumeBytes || start + size > imageBytes || size === 0) {
        continue;
      }
      const name = `appended_partition_${i + 1}.img`;
      files.set(name, await readDeviceBytes(device, start, size));
      appended.set(start / 2048, `--interval:appended_partition_${i + 1}:all::`);
      args.push("-append_partition", String(i + 1), `0x${type.toString(16).padStart(2, "0")}`, name);
    }
  }
  const boot = image.descriptors.bootRecord;
  let catalogPath: string | undefined;
  if (boot?.elTorito && boot.catalogLba !== undefined) {
    const catalog = decodeBootCatalog(await readDeviceBytes(device, boot.catalogLba * 2048, 2048), 0, {
      strict: false,
    });
    const files = await filesByLba(image);
    catalogPath = files.get(boot.catalogLba);
    const entryArgs = async (
      platformId: number,
      entry: { bootMediaType: number; sectorCount: number; loadRba: number },
      first: boolean,
    ) => {
      const path = appended.get(entry.loadRba) ?? files.get(entry.loadRba);
      if (!path) {
        notes.push(`a boot image at LBA ${entry.loadRba} is no file of the tree: left out`);
        return;
      }
      if (!first) args.push("-eltorito-alt-boot");
      if (platformId === EL_TORITO_PLATFORM.efi) args.push("-e", path);
      else {
        args.push("-b", path);
        if (platformId !== EL_TORITO_PLATFORM.x86) {
          args.push("-eltorito-platform", `0x${platformId.toString(16)}`);
        }
      }
      const media = entry.bootMediaType & 0x0f;
      if (media === 0) args.push("-no-emul-boot");
      else if (media === 4) args.push("-hard-disk-boot");
      if (media === 0 && platformId !== EL_TORITO_PLATFORM.efi && entry.sectorCount > 0) {
        args.push("-boot-load-size", String(entry.sectorCount));
      }
      if (media === 0 && !appended.has(entry.loadRba)) {
        // A boot info table (isolinux): the PVD LBA (16) at byte 8, the file's own LBA at 12.
        const head = await readDeviceBytes(device, entry.loadRba * 2048, 64);
        const view = new DataView(head.buffer, head.byteOffset);
        if (view.getUint32(8, true) === 16 && view.getUint32(12, true) === entry.loadRba) {
          args.push("-boot-info-table");
        }
      }
    };
    await entryArgs(catalog.validationEntry.platformId, catalog.initialDefaultEntry, true);
    for (const section of catalog.sections) {
      for (const { entry } of section.entries) await entryArgs(section.header.platformId, entry, false);
    }
    if (catalogPath) args.push("-c", catalogPath);
    else args.push("-c", "boot.catalog", "-boot-catalog-hide");
  }
  // The hybrid MBR: the input's system area is the template (its boot code; the table is made anew).
  if (mbrValid && args.includes("-b")) {
    files.set("system_area.bin", systemArea.slice(0, 512));
    args.push("-isohybrid-mbr", "system_area.bin");
    const gpt = String.fromCharCode(...systemArea.subarray(512, 520)) === "EFI PART";
    if (gpt) args.push("-isohybrid-gpt-basdat");
    if (systemArea[0] === 0x45 && systemArea[1] === 0x52) args.push("-isohybrid-apm-hfsplus");
  } else if (mbrValid) {
    files.set("system_area.bin", systemArea.slice(0, 32768));
    args.push("-G", "system_area.bin");
  }
  return { args, files, catalogPath, notes };
}

/**
 * Rebuilds `inPath` as `outPath` with files added, replaced or removed, its boot equipment
 * replayed. The work folder (beside the output) is removed afterwards; the output is written
 * through a temporary file.
 *
 * @throws {UsageError} a path to remove that is not in the image, a source that does not exist.
 * @example
 * ```ts
 * await remasterIso("debian.iso", "custom.iso", { add: [{ source: "preseed.cfg", destination: "/preseed.cfg" }] });
 * ```
 */
export async function remasterIso(
  inPath: string,
  outPath: string,
  options: RemasterOptions = {},
): Promise<string[]> {
  const notes: string[] = [];
  for (const add of options.add ?? []) {
    try {
      Deno.statSync(add.source);
    } catch (error) {
      throw new SourceError(`Cannot add "${add.source}": ${describeOsError(error)}`, add.source);
    }
  }
  const work = await makeWorkDirBeside(outPath, ".disc-remaster-");
  try {
    using device = await FileBlockDevice.open(inPath);
    const image = await openIso(device);
    const replay = await replayBoot(image, device);
    notes.push(...replay.notes);
    const tree = `${work}/tree`;
    notes.push(...await extractIso(image, tree));
    if (replay.catalogPath) await Deno.remove(`${tree}/${replay.catalogPath}`);
    for (const path of options.remove ?? []) {
      const clean = path.split("/").filter((p) => p && p !== ".").join("/");
      if (!clean || clean.split("/").includes("..")) {
        throw new UsageError(`Cannot remove "${path}": not a path inside the image`);
      }
      try {
        await Deno.remove(`${tree}/${clean}`, { recursive: true });
      } catch {
        throw new UsageError(`Cannot remove "${path}": the image has no such file or folder`);
      }
    }
    for (const add of options.add ?? []) {
      const dest = add.destination.split("/").filter((p) => p && p !== ".").join("/");
      if (!dest || dest.split("/").includes("..")) {
        throw new UsageError(`Cannot add at "${add.destination}": not a path inside the image`);
      }
      const target = `${tree}/${dest}`;
      await Deno.mkdir(target.slice(0, target.lastIndexOf("/")), { recursive: true });
      await Deno.remove(target, { recursive: true }).catch(() => {});
      await copyTree(add.source, target);
    }
    for (const [name, bytes] of replay.files) await Deno.writeFile(`${work}/${name}`, bytes);
    const primary = image.descriptors.primary;
    const args = [
      "-quiet",
      ...(image.hasRockRidge ? ["-R"] : []),
      ...(image.descriptors.joliet ? ["-J", "-joliet-long"] : []),
      "-V",
      primary.volumeIdentifier.trim(),
      ...replay.args.map((a) => replay.files.has(a) ? `${work}/${a}` : a),
      "-o",
      outPath,
      tree,
    ];
    const parsed = parseMkisofsArgs(args);
    const request = isoBuildRequest(parsed, {
      sourceDateEpoch: options.sourceDateEpoch,
      now: new Date(),
      readTextFile: (p) => Deno.readTextFileSync(p),
    });
    const plan = planIsoBuild(request);
    notes.push(...plan.diagnostics);
    await writeRegionsToFile(plan.regions, outPath, options.onProgress);
    return notes;
  } finally {
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
}

/** Copies a host file or folder (recursively; links as links). */
async function copyTree(source: string, target: string): Promise<void> {
  const info = await Deno.lstat(source);
  if (info.isSymlink) await Deno.symlink(await Deno.readLink(source), target);
  else if (info.isDirectory) {
    await Deno.mkdir(target, { recursive: true });
    for await (const entry of Deno.readDir(source)) {
      await copyTree(`${source}/${entry.name}`, `${target}/${entry.name}`);
    }
  } else await Deno.copyFile(source, target);
}

/** The xorriso commands `cli/build.ts` takes for remastering. */
export interface XorrisoRemasterCommands {
  readonly indev: string;
  readonly outdev: string;
  readonly add: RemasterAdd[];
  readonly remove: string[];
}

/**
 * Parses the xorriso command subset of a remaster run: `-indev IN -outdev OUT
 * [-boot_image any replay|keep] [-map SRC DEST]... [-rm PATH]... [-rm_r PATH]...
 * [-commit] [-end]`. Anything else is refused by name.
 *
 * @throws {UsageError} an unknown command, a missing argument, no -indev or -outdev.
 * @example
 * ```ts
 * parseXorrisoRemaster(["-indev", "in.iso", "-outdev", "out.iso", "-boot_image", "any", "replay", "-map", "f", "/f"]);
 * ```
 */
export function parseXorrisoRemaster(args: readonly string[]): XorrisoRemasterCommands {
  let indev: string | undefined, outdev: string | undefined;
  const add: RemasterAdd[] = [];
  const remove: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const command = args[i];
    const take = (n: number) => {
      const values = args.slice(i + 1, i + 1 + n);
      if (values.length < n) throw new UsageError(`Cannot remaster: ${command} needs ${n} argument(s)`);
      i += n;
      return values;
    };
    switch (command) {
      case "-indev":
        [indev] = take(1);
        break;
      case "-outdev":
        [outdev] = take(1);
        break;
      case "-boot_image": {
        const [what, how] = take(2);
        if (what !== "any" || (how !== "replay" && how !== "keep")) {
          throw new UsageError(
            `Cannot remaster: -boot_image ${what} ${how} is not supported (only "any replay" or "any keep")`,
          );
        }
        break;
      }
      case "-map": {
        const [source, destination] = take(2);
        add.push({ source, destination });
        break;
      }
      case "-rm":
      case "-rm_r":
        remove.push(...take(1));
        break;
      case "-commit":
      case "-end":
        break;
      default:
        throw new UsageError(`Cannot remaster: xorriso command "${command}" is not supported here`);
    }
  }
  if (!indev || !outdev) throw new UsageError("Cannot remaster: give -indev IN.iso and -outdev OUT.iso");
  return { indev, outdev, add, remove };
}
