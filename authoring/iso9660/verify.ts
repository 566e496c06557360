/**
 * Strict structural check of an ISO 9660 image, naming every problem with its LBA: both-endian
 * fields, volume descriptors, directory records ("." / "..", no sector crossing, §9.3 order,
 * multi-extent sequences), SUSP/Rock Ridge numbers and continuation areas, L and M path tables
 * against the directory tree, extents inside the volume, overlapping extents, identifier limits
 * (ISO level, Joliet length) and the El Torito catalog.
 *
 * It keeps going after a problem wherever it safely can, so one run lists everything. Known
 * harmless quirks of common tools (xorriso's Joliet ".." pointing at the directory itself, deep
 * unrelocated trees, Joliet names longer than 64 units with `-joliet-long`) are not errors.
 * @module
 */

import { type BlockDevice, readDeviceBytes } from "../../image/block_device.ts";
import { FormatError } from "../../image/errors.ts";
import { decodeDirectoryRecord, type DirectoryRecord, FILE_FLAGS } from "./directory_record.ts";
import { decodeUcs2, uint16BothAgree, uint32BothAgree, viewOf } from "./numbers.ts";
import { decodePathTable, type PathTableRecord } from "./path_table.ts";
import { isSelfOrParent, latin1Text, type LocatedRecord, parseDirectoryRecords } from "./reader.ts";
import { decodeSuspEntries, POSIX_FILE_TYPE, type SuspEntry } from "./susp.ts";
import {
  decodeVolumeDescriptor,
  FIRST_VOLUME_DESCRIPTOR_LBA,
  isJoliet,
  SECTOR_BYTES,
  type VolumeDescriptor,
} from "./volume_descriptor.ts";

/** How bad a problem is. "info" notes something legal but unusual. */
export type VerifySeverity = "error" | "warning" | "info";

/** One finding. */
export interface VerifyProblem {
  readonly severity: VerifySeverity;
  /** LBA of the structure (sector) concerned, when there is one. */
  readonly lba?: number;
  /** The structure, as the spec names it ("Directory Record", "Type M Path Table", ...). */
  readonly structure: string;
  readonly message: string;
}

/** What the check found, in numbers. */
export interface VerifySummary {
  /** Volume Space Size of the PVD, in 2048-byte blocks. */
  readonly volumeSpaceBlockCount: number;
  /** Blocks of the device. */
  readonly imageBlockCount: number;
  /** Highest block used by the file system (descriptors, tables, directories, files), -1 if none. */
  readonly lastUsedLba: number;
  /** ISO 9660 interchange level the identifiers and file sections fit (§10). */
  readonly isoLevel: 1 | 2 | 3;
  /** Some identifiers exceed even level 3 limits (xorriso -iso-level 4, relaxed names). */
  readonly relaxedIdentifiers: boolean;
  readonly hasJoliet: boolean;
  readonly jolietLevel?: 1 | 2 | 3;
  readonly hasRockRidge: boolean;
  readonly rockRidgeIdentifier?: string;
  readonly elTorito: boolean;
  /** Directories of the ISO 9660 tree, root included. */
  readonly directoryCount: number;
  /** Non-directory entries of the ISO 9660 tree (a multi-extent file counts once). */
  readonly fileCount: number;
  readonly errorCount: number;
  readonly warningCount: number;
  readonly infoCount: number;
  /** No errors. */
  readonly ok: boolean;
}

/** The full result of {@link verifyIso}. */
export interface VerifyReport {
  readonly problems: readonly VerifyProblem[];
  readonly summary: VerifySummary;
}

/** Problems kept before the report is cut short. */
export const MAX_REPORTED_PROBLEMS = 1000;
const MAX_DIRECTORY_BYTES = 64 * 1024 * 1024;
const MAX_DIRECTORIES = 1_000_000;

/** Facts about one identifier for {@link inferIsoLevel}. */
export interface IdentifierFacts {
  /** The recorded identifier (with ";version" for files). */
  readonly identifier: string;
  readonly directory: boolean;
  /** File sections of the file (more than one needs level 3). */
  readonly sectionCount: number;
}

/**
 * The lowest ECMA-119 §10 interchange level the identifiers and file sections fit: level 1 (8.3
 * file names, 8-character directories, one section), level 2 (30 / 31 characters), level 3
 * (several sections). `relaxed` when some identifier is longer than even level 2/3 allows.
 *
 * @example
 * ```ts
 * inferIsoLevel([{ identifier: "HELLO.TXT;1", directory: false, sectionCount: 1 }]); // { level: 1, relaxed: false }
 * ```
 */
export function inferIsoLevel(
  identifiers: Iterable<IdentifierFacts>,
): { level: 1 | 2 | 3; relaxed: boolean } {
  let level: 1 | 2 | 3 = 1;
  let relaxed = false;
  let multi = false;
  for (const { identifier, directory, sectionCount } of identifiers) {
    if (sectionCount > 1) multi = true;
    if (directory) {
      if (identifier.length > 31) relaxed = true;
      if (identifier.length > 8 || identifier.includes(".")) level = Math.max(level, 2) as 2 | 3;
      continue;
    }
    const bare = identifier.replace(/;\d*$/, "");
    const dot = bare.lastIndexOf(".");
    const name = dot < 0 ? bare : bare.slice(0, dot);
    const extension = dot < 0 ? "" : bare.slice(dot + 1);
    if (name.length + extension.length > 30) relaxed = true;
    if (name.length > 8 || extension.length > 3 || name.includes(".")) level = Math.max(level, 2) as 2 | 3;
  }
  return { level: multi ? 3 : level, relaxed };
}

/**
 * Checks an image and lists every problem found.
 *
 * @example
 * ```ts
 * using device = await FileBlockDevice.open("disc.iso");
 * const report = await verifyIso(device);
 * for (const p of report.problems) console.log(p.severity, p.lba, p.structure, p.message);
 * if (!report.summary.ok) Deno.exit(1);
 * ```
 */
export async function verifyIso(device: BlockDevice): Promise<VerifyReport> {
  const verifier = new Verifier(device);
  await verifier.run();
  return verifier.report();
}

/** A block range a structure occupies, for the overlap check. */
interface UsedExtent {
  readonly startLba: number;
  /** Exclusive end block. */
  readonly endLba: number;
  /** Same key = same data (hard links, the Joliet record of the same file). */
  readonly key: string;
  readonly label: string;
}

/** One directory of a tree as traversed. */
interface TreeDirectory {
  readonly lba: number;
  readonly byteLength: number;
  readonly parentLba: number;
  readonly parentByteLength: number;
  readonly identifier: Uint8Array;
  readonly level: number;
  readonly path: string;
  readonly recordLba: number;
}

interface TreeInfo {
  readonly name: string;
  readonly joliet: boolean;
  readonly descriptor: VolumeDescriptor;
  readonly descriptorLba: number;
}

class Verifier {
  readonly device: BlockDevice;
  readonly sectorCount: number;
  readonly problems: VerifyProblem[] = [];
  #dropped = 0;
  #used: UsedExtent[] = [];
  #primary?: VolumeDescriptor;
  #primaryLba = -1;
  #joliet?: VolumeDescriptor;
  #jolietLba = -1;
  #jolietLevel?: 1 | 2 | 3;
  #rockRidge = false;
  #rockRidgeIdentifier?: string;
  #suspSkip = 0;
  #elToritoCatalogLba?: number;
  #identifiers: IdentifierFacts[] = [];
  #directoryCount = 0;
  #fileCount = 0;
  #clTargets: { childLba: number; lba: number }[] = [];
  #isoDirectoryLbas = new Set<number>();
  #jolietSelfParents: number[] = [];

  constructor(device: BlockDevice) {
    this.device = device;
    this.sectorCount = Math.floor((device.blockCount * device.blockByteLength) / SECTOR_BYTES);
  }

  add(severity: VerifySeverity, structure: string, message: string, lba?: number): void {
    if (this.problems.length >= MAX_REPORTED_PROBLEMS) {
      this.#dropped++;
      return;
    }
    this.problems.push({ severity, lba, structure, message });
  }

  error(structure: string, message: string, lba?: number): void {
    this.add("error", structure, message, lba);
  }

  warning(structure: string, message: string, lba?: number): void {
    this.add("warning", structure, message, lba);
  }

  async sectors(lba: number, count: number): Promise<Uint8Array> {
    return await readDeviceBytes(this.device, lba * SECTOR_BYTES, count * SECTOR_BYTES);
  }

  use(startLba: number, byteLength: number, key: string, label: string): void {
    if (byteLength <= 0) return;
    this.#used.push({ startLba, endLba: startLba + Math.ceil(byteLength / SECTOR_BYTES), key, label });
  }

  get volumeSpace(): number {
    return this.#primary?.volumeSpaceBlockCount ?? 0;
  }

  /** Reports an extent outside the image (error) or outside the volume space (error). */
  checkInside(lba: number, byteLength: number, structure: string, what: string, recordLba?: number): boolean {
    const end = lba + Math.ceil(byteLength / SECTOR_BYTES);
    if (end > this.sectorCount) {
      this.error(
        structure,
        `${what}: extent at LBA ${lba} (${byteLength} bytes) ends beyond the image (${this.sectorCount} blocks)`,
        recordLba ?? lba,
      );
      return false;
    }
    if (end > this.volumeSpace) {
      this.error(
        structure,
        `${what}: extent at LBA ${lba} (${byteLength} bytes) ends beyond the Volume Space Size (${this.volumeSpace} blocks)`,
        recordLba ?? lba,
      );
    }
    return true;
  }

  async run(): Promise<void> {
    if (this.sectorCount <= FIRST_VOLUME_DESCRIPTOR_LBA) {
      this.error(
        "Volume Descriptor",
        `image has only ${this.sectorCount} blocks: no volume descriptor at LBA 16`,
      );
      return;
    }
    await this.volumeDescriptors();
    if (!this.#primary) return;
    await this.detectRockRidge();
    const trees: TreeInfo[] = [{
      name: "ISO 9660 tree",
      joliet: false,
      descriptor: this.#primary,
      descriptorLba: this.#primaryLba,
    }];
    if (this.#joliet) {
      trees.push({
        name: "Joliet tree",
        joliet: true,
        descriptor: this.#joliet,
        descriptorLba: this.#jolietLba,
      });
    }
    for (const tree of trees) {
      const directories = await this.tree(tree);
      await this.pathTables(tree, directories);
    }
    for (const { childLba, lba } of this.#clTargets) {
      if (!this.#isoDirectoryLbas.has(childLba)) {
        this.error(
          "CL entry",
          `CL points at LBA ${childLba}, which is not a directory of the ISO 9660 tree`,
          lba,
        );
      }
    }
    await this.elTorito();
    this.overlaps();
    if (this.#jolietSelfParents.length > 0) {
      this.add(
        "info",
        "Directory Record",
        `${this.#jolietSelfParents.length} Joliet ".." records point at their own directory (xorriso's known quirk; readers ignore "..")`,
        this.#jolietSelfParents[0],
      );
    }
    const level = inferIsoLevel(this.#identifiers);
    if (level.relaxed) {
      this.warning(
        "File Identifier",
        "identifiers longer than ECMA-119 allows (30 characters for files, 31 for directories)",
      );
    }
    const last = this.lastUsedLba();
    if (last >= this.volumeSpace) {
      this.error(
        "Primary Volume Descriptor",
        `Volume Space Size ${this.volumeSpace} does not cover the last used block ${last}`,
        this.#primaryLba,
      );
    }
  }

  lastUsedLba(): number {
    let last = -1;
    for (const used of this.#used) last = Math.max(last, used.endLba - 1);
    return last;
  }

  // ---------------------------------------------------------------- volume descriptors (§8)

  async volumeDescriptors(): Promise<void> {
    let terminated = false;
    for (let lba = FIRST_VOLUME_DESCRIPTOR_LBA; lba < FIRST_VOLUME_DESCRIPTOR_LBA + 256; lba++) {
      if (lba >= this.sectorCount) {
        this.error("Volume Descriptor Set Terminator", `image ends at LBA ${lba} before the terminator`, lba);
        return;
      }
      const sector = await this.sectors(lba, 1);
      this.use(lba, SECTOR_BYTES, `vd:${lba}`, `volume descriptor at LBA ${lba}`);
      const structure = "Volume Descriptor";
      if (latin1Text(sector.subarray(1, 6)) !== "CD001") {
        this.error(structure, `standard identifier is not "CD001"`, lba);
        return;
      }
      const type = sector[0];
      if (type === 255) {
        if (sector[6] !== 1) {
          this.warning("Volume Descriptor Set Terminator", `version is ${sector[6]}, not 1`, lba);
        }
        terminated = true;
        break;
      }
      if (type === 0) {
        this.bootRecord(sector, lba);
        continue;
      }
      if (type === 3) {
        this.add("info", "Volume Partition Descriptor", "volume partition descriptor present", lba);
        continue;
      }
      if (type !== 1 && type !== 2) {
        this.error(structure, `type ${type} is not a known volume descriptor type`, lba);
        continue;
      }
      this.descriptorFields(sector, lba);
      let descriptor: VolumeDescriptor;
      try {
        descriptor = decodeVolumeDescriptor(sector, lba);
      } catch (error) {
        if (!(error instanceof FormatError)) throw error;
        this.error(
          type === 1 ? "Primary Volume Descriptor" : "Supplementary Volume Descriptor",
          error.message,
          lba,
        );
        continue;
      }
      if (type === 1) {
        if (this.#primary) {
          this.error(
            "Primary Volume Descriptor",
            `second PVD (the first is at LBA ${this.#primaryLba})`,
            lba,
          );
          continue;
        }
        if (lba !== FIRST_VOLUME_DESCRIPTOR_LBA) {
          this.warning("Primary Volume Descriptor", `PVD is at LBA ${lba}, not 16`, lba);
        }
        this.#primary = descriptor;
        this.#primaryLba = lba;
      } else if (isJoliet(descriptor) && !this.#joliet) {
        this.#joliet = descriptor;
        this.#jolietLba = lba;
        const e = descriptor.escapeSequences[2];
        this.#jolietLevel = e === 0x40 ? 1 : e === 0x43 ? 2 : 3;
        if (descriptor.escapeSequences.subarray(3).some((b) => b !== 0)) {
          this.warning("Joliet SVD", "escape sequences field has bytes after the UCS-2 sequence", lba);
        }
      } else {
        this.add(
          "info",
          "Supplementary Volume Descriptor",
          "non-Joliet supplementary descriptor not checked",
          lba,
        );
      }
    }
    if (!terminated) this.error("Volume Descriptor Set Terminator", "no terminator within 256 descriptors");
    if (!this.#primary) {
      this.error("Primary Volume Descriptor", "no Primary Volume Descriptor", FIRST_VOLUME_DESCRIPTOR_LBA);
      return;
    }
    if (this.volumeSpace > this.sectorCount) {
      this.error(
        "Primary Volume Descriptor",
        `Volume Space Size ${this.volumeSpace} exceeds the image (${this.sectorCount} blocks): truncated`,
        this.#primaryLba,
      );
    }
    if (this.#joliet && this.#joliet.volumeSpaceBlockCount !== this.volumeSpace) {
      this.warning(
        "Joliet SVD",
        `Volume Space Size ${this.#joliet.volumeSpaceBlockCount} differs from the PVD's ${this.volumeSpace}`,
        this.#jolietLba,
      );
    }
  }

  /** Raw field checks of a PVD/SVD sector (§8.4, §8.5). */
  descriptorFields(sector: Uint8Array, lba: number): void {
    const structure = sector[0] === 1 ? "Primary Volume Descriptor" : "Supplementary Volume Descriptor";
    const view = viewOf(sector);
    const both32: [number, string][] = [[80, "Volume Space Size"], [132, "Path Table Size"]];
    const both16: [number, string][] = [
      [120, "Volume Set Size"],
      [124, "Volume Sequence Number"],
      [128, "Logical Block Size"],
    ];
    for (const [at, field] of both32) {
      if (!uint32BothAgree(view, at)) {
        this.error(structure, `${field} (offset ${at}): both-endian halves differ`, lba);
      }
    }
    for (const [at, field] of both16) {
      if (!uint16BothAgree(view, at)) {
        this.error(structure, `${field} (offset ${at}): both-endian halves differ`, lba);
      }
    }
    // 156: root directory record (34 bytes): 2 extent (733), 10 data length (733), 28 seq (723)
    if (!uint32BothAgree(view, 158)) {
      this.error(structure, "root record Location of Extent: halves differ", lba);
    }
    if (!uint32BothAgree(view, 166)) this.error(structure, "root record Data Length: halves differ", lba);
    if (!uint16BothAgree(view, 184)) {
      this.error(structure, "root record Volume Sequence Number: halves differ", lba);
    }
    if (sector[156] !== 34) this.error(structure, `root record LEN_DR is ${sector[156]}, not 34`, lba);
    if (sector[188] !== 1 || sector[189] !== 0) {
      this.error(structure, "root record identifier is not 0x00", lba);
    }
    if (!(sector[181] & FILE_FLAGS.directory)) {
      this.error(structure, "root record is not flagged as a directory", lba);
    }
    if (view.getUint16(128, true) !== SECTOR_BYTES) {
      this.error(structure, `Logical Block Size is ${view.getUint16(128, true)}, not 2048`, lba);
    }
    if (sector[6] !== 1 && !(sector[0] === 2 && sector[6] === 2)) {
      this.error(structure, `version is ${sector[6]}`, lba);
    }
    if (sector[881] !== 1 && !(sector[0] === 2 && sector[881] === 2)) {
      this.warning(structure, `File Structure Version is ${sector[881]}, not 1`, lba);
    }
    for (const at of [813, 830, 847, 864]) {
      const digits = latin1Text(sector.subarray(at, at + 16));
      const offset = (sector[at + 16] << 24) >> 24;
      if (!/^\d{16}$/.test(digits) || offset < -48 || offset > 52) {
        this.warning(structure, `date at offset ${at} is not a valid dec-datetime`, lba);
      }
    }
    if (sector[0] === 1 && (sector[7] !== 0 || sector.subarray(88, 120).some((b) => b !== 0))) {
      this.warning(structure, "unused fields (offsets 7, 88-119) are not zero", lba);
    }
  }

  bootRecord(sector: Uint8Array, lba: number): void {
    const id = latin1Text(sector.subarray(7, 39)).replace(/[\0 ]+$/, "");
    if (id !== "EL TORITO SPECIFICATION") {
      this.add("info", "Boot Record", `boot system "${id}" is not El Torito`, lba);
      return;
    }
    if (this.#elToritoCatalogLba !== undefined) {
      this.warning("Boot Record", "second El Torito boot record", lba);
      return;
    }
    if (lba !== 17) this.warning("Boot Record", `El Torito boot record at LBA ${lba}, not 17`, lba);
    this.#elToritoCatalogLba = viewOf(sector).getUint32(71, true); // 71: catalog LBA, uint32 LE
  }

  // ---------------------------------------------------------------- Rock Ridge detection

  async detectRockRidge(): Promise<void> {
    const root = this.#primary!.rootDirectoryRecord;
    if (root.extentLba >= this.sectorCount) return;
    const sector = await this.sectors(root.extentLba, 1);
    if (sector[0] < 34 || sector[0] > SECTOR_BYTES) return;
    let dot: DirectoryRecord;
    try {
      dot = decodeDirectoryRecord(sector, 0, root.extentLba);
    } catch {
      return; // reported by the tree walk
    }
    const su = dot.systemUse;
    if (su.byteLength < 7 || su[0] !== 0x53 || su[1] !== 0x50 || su[4] !== 0xbe || su[5] !== 0xef) return;
    this.#suspSkip = su[6];
    const entries = await this.systemUse(su, root.extentLba);
    const er = entries.filter((e) => e.signature === "ER");
    for (const e of er) {
      if (e.signature === "ER" && ["RRIP_1991A", "IEEE_P1282", "IEEE_1282"].includes(e.identifier)) {
        this.#rockRidge = true;
        this.#rockRidgeIdentifier ??= e.identifier;
      }
    }
    if (!this.#rockRidge && entries.some((e) => e.signature === "PX")) {
      this.#rockRidge = true;
      this.warning("SP entry", "Rock Ridge entries without an ER entry naming RRIP", root.extentLba);
    }
  }

  /**
   * Checks a System Use field and its continuation areas: entry lengths, both-endian numbers,
   * CE areas inside one block and the volume. Returns the decoded entries (without CE).
   */
  async systemUse(bytes: Uint8Array, lba: number): Promise<SuspEntry[]> {
    const out: SuspEntry[] = [];
    const seen = new Set<string>();
    let area = bytes;
    let areaLba = lba;
    for (let hops = 0; hops < 64; hops++) {
      this.suspNumbers(area, areaLba);
      let entries: SuspEntry[];
      try {
        entries = decodeSuspEntries(area, areaLba);
      } catch (error) {
        if (!(error instanceof FormatError)) throw error;
        this.error("System Use Entry", error.message.replace(/ \(LBA.*\)$/, ""), areaLba);
        return out;
      }
      const ces = entries.filter((e) => e.signature === "CE");
      out.push(...entries.filter((e) => e.signature !== "CE"));
      if (ces.length > 1) this.warning("CE entry", "more than one CE entry in one System Use area", areaLba);
      const ce = ces[0];
      if (ce?.signature !== "CE" || ce.byteLength === 0) return out;
      if (ce.byteOffset + ce.byteLength > SECTOR_BYTES) {
        this.error(
          "CE entry",
          `continuation area of ${ce.byteLength} bytes at offset ${ce.byteOffset} of LBA ${ce.blockLba} crosses the block boundary`,
          areaLba,
        );
        return out;
      }
      if (!this.checkInside(ce.blockLba, SECTOR_BYTES, "CE entry", "continuation area", areaLba)) return out;
      const key = `${ce.blockLba}:${ce.byteOffset}`;
      if (seen.has(key)) {
        this.error("CE entry", `continuation chain loops at LBA ${ce.blockLba}`, areaLba);
        return out;
      }
      seen.add(key);
      this.use(ce.blockLba, SECTOR_BYTES, `ce:${ce.blockLba}`, `continuation area at LBA ${ce.blockLba}`);
      const block = await this.sectors(ce.blockLba, 1);
      area = block.subarray(ce.byteOffset, ce.byteOffset + ce.byteLength);
      areaLba = ce.blockLba;
    }
    this.error("CE entry", "more than 64 chained continuation areas", lba);
    return out;
  }

  /** Both-endian halves of the 733 fields of SUSP/RRIP entries in one area. */
  suspNumbers(area: Uint8Array, lba: number): void {
    const fields: Record<string, number[]> = {
      CE: [4, 12, 20],
      PX: [4, 12, 20, 28, 36],
      PN: [4, 12],
      CL: [4],
      PL: [4],
      SF: [4, 12],
    };
    const view = viewOf(area);
    let at = 0;
    while (at + 4 <= area.byteLength) {
      const length = area[at + 2];
      if (area[at] === 0 || length < 4 || at + length > area.byteLength) return; // decode reports it
      const signature = String.fromCharCode(area[at], area[at + 1]);
      for (const offset of fields[signature] ?? []) {
        if (offset + 8 <= length && !uint32BothAgree(view, at + offset)) {
          this.error(
            `${signature} entry`,
            `733 field at entry offset ${offset}: both-endian halves differ`,
            lba,
          );
        }
      }
      if (signature === "ST") return;
      at += length;
    }
  }

  // ---------------------------------------------------------------- directory trees (§6.8, §9)

  /** Walks one tree breadth first; returns its directories in visiting order. */
  async tree(tree: TreeInfo): Promise<TreeDirectory[]> {
    const rootRecord = tree.descriptor.rootDirectoryRecord;
    const root: TreeDirectory = {
      lba: rootRecord.extentLba,
      byteLength: rootRecord.dataByteLength,
      parentLba: rootRecord.extentLba,
      parentByteLength: rootRecord.dataByteLength,
      identifier: new Uint8Array([0]),
      level: 1,
      path: "",
      recordLba: tree.descriptorLba,
    };
    const directories: TreeDirectory[] = [];
    const seen = new Set<number>();
    const queue: TreeDirectory[] = [root];
    for (let i = 0; i < queue.length && i < MAX_DIRECTORIES; i++) {
      const directory = queue[i];
      if (seen.has(directory.lba)) {
        this.error(
          "Directory Record",
          `${tree.name}: directory "${directory.path}" points at LBA ${directory.lba}, already used by another directory (a loop or a shared extent)`,
          directory.recordLba,
        );
        continue;
      }
      seen.add(directory.lba);
      directories.push(directory);
      if (!tree.joliet) this.#isoDirectoryLbas.add(directory.lba);
      const children = await this.directory(tree, directory, rootRecord);
      queue.push(...children);
    }
    return directories;
  }

  /** Checks one directory extent; returns its subdirectories. */
  async directory(
    tree: TreeInfo,
    directory: TreeDirectory,
    rootRecord: DirectoryRecord,
  ): Promise<TreeDirectory[]> {
    const where = directory.path === "" ? `${tree.name} root` : `${tree.name} "${directory.path}"`;
    const { lba, byteLength } = directory;
    if (byteLength === 0 || byteLength > MAX_DIRECTORY_BYTES) {
      this.error(
        "Directory Record",
        `${where}: directory Data Length ${byteLength} is unusable`,
        directory.recordLba,
      );
      return [];
    }
    if (byteLength % SECTOR_BYTES !== 0) {
      this.error(
        "Directory Record",
        `${where}: directory Data Length ${byteLength} is not a multiple of 2048`,
        lba,
      );
    }
    if (!this.checkInside(lba, byteLength, "Directory Record", where, directory.recordLba)) return [];
    this.#directoryCountFor(tree);
    this.use(lba, byteLength, `dir:${lba}`, `${where} directory`);
    const bytes = await this.sectors(lba, Math.ceil(byteLength / SECTOR_BYTES));
    const records = parseDirectoryRecords(
      bytes.subarray(0, byteLength),
      lba,
      (e) =>
        this.error("Directory Record", `${where}: ${e.message.replace(/ \(LBA.*\)$/, "")}`, e.location.lba),
    );
    const children: TreeDirectory[] = [];
    const structure = "Directory Record";

    for (const located of records) this.recordFields(bytes, located, where);
    // "." and ".." (§6.8.2, §7.6.2)
    const [dot, dotdot] = records;
    if (!dot || !isSelfOrParent(dot.record) || dot.record.identifier[0] !== 0 || dot.byteOffset !== 0) {
      this.error(structure, `${where}: first record is not "."`, lba);
    } else {
      if (dot.record.extentLba !== lba || dot.record.dataByteLength !== byteLength) {
        this.error(
          structure,
          `${where}: "." describes LBA ${dot.record.extentLba} (${dot.record.dataByteLength} bytes), not the directory itself`,
          lba,
        );
      }
      if (directory.level === 1) {
        if (dot.record.fileFlags !== rootRecord.fileFlags) {
          this.warning(structure, `${where}: root "." flags differ from the descriptor's root record`, lba);
        }
      }
    }
    if (!dotdot || !isSelfOrParent(dotdot.record) || dotdot.record.identifier[0] !== 1) {
      this.error(structure, `${where}: second record is not ".."`, lba);
    } else if (dotdot.record.extentLba !== directory.parentLba) {
      if (tree.joliet && dotdot.record.extentLba === lba) {
        this.#jolietSelfParents.push(lba); // xorriso's Joliet quirk: reported once, as info
      } else if (dotdot.record.extentLba === lba) {
        // genisoimage writes this for a directory it cut off as too deep: harmless, readers ignore ".."
        this.warning(structure, `${where}: ".." points at the directory itself, not the parent`, lba);
      } else if (tree.joliet) {
        this.warning(
          structure,
          `${where}: ".." points at LBA ${dotdot.record.extentLba}, not the parent at LBA ${directory.parentLba}`,
          lba,
        );
      } else {
        this.error(
          structure,
          `${where}: ".." points at LBA ${dotdot.record.extentLba}, not the parent at LBA ${directory.parentLba}`,
          lba,
        );
      }
    } else if (dotdot.record.dataByteLength !== directory.parentByteLength && !tree.joliet) {
      this.error(
        structure,
        `${where}: ".." has Data Length ${dotdot.record.dataByteLength}, the parent ${directory.parentByteLength}`,
        lba,
      );
    }

    let previous: LocatedRecord | undefined;
    for (const [index, located] of records.entries()) {
      const { record } = located;
      if (isSelfOrParent(record)) {
        if (index > 1) {
          this.error(structure, `${where}: a "." or ".." record at position ${index + 1}`, located.lba);
        }
        continue;
      }
      const continues = previous !== undefined && (previous.record.fileFlags & FILE_FLAGS.multiExtent) !== 0;
      const name = tree.joliet ? decodeUcs2(record.identifier) : latin1Text(record.identifier);
      const path = directory.path === "" ? name : `${directory.path}/${name}`;
      if (continues && !sameBytes(previous!.record.identifier, record.identifier)) {
        this.error(
          structure,
          `${where}: multi-extent file "${latin1Text(previous!.record.identifier)}" has no final section`,
          located.lba,
        );
      }
      if (previous && !continues) {
        const order = tree.joliet
          ? compareUnits(previous.record.identifier, record.identifier)
          : compareFileIdentifiers(previous.record.identifier, record.identifier);
        if (order > 0 || (order === 0 && !(previous.record.fileFlags & FILE_FLAGS.associatedFile))) {
          const message = order === 0
            ? `${where}: identifier "${name}" appears twice`
            : `${where}: "${name}" is out of order (§9.3) after "${
              tree.joliet ? decodeUcs2(previous.record.identifier) : latin1Text(previous.record.identifier)
            }"`;
          if (tree.joliet) this.warning(structure, message, located.lba);
          else this.error(structure, message, located.lba);
        }
      }
      previous = located;
      const isDirectory = (record.fileFlags & FILE_FLAGS.directory) !== 0;
      const rock = !tree.joliet && this.#rockRidge
        ? await this.rockRidgeRecord(record, located.lba, isDirectory)
        : undefined;
      this.identifier(tree, record, path, located.lba, rock?.placeholder ?? false);
      if (isDirectory) {
        if (record.fileFlags & FILE_FLAGS.multiExtent) {
          this.error(structure, `${where}: directory "${name}" has the multi-extent flag`, located.lba);
        }
        children.push({
          lba: record.extentLba,
          byteLength: record.dataByteLength,
          parentLba: lba,
          parentByteLength: byteLength,
          identifier: record.identifier,
          level: directory.level + 1,
          path,
          recordLba: located.lba,
        });
        if (!tree.joliet) {
          this.#identifiers.push({ identifier: name, directory: true, sectionCount: 1 });
          if (directory.level + 1 > 8) {
            this.warning(
              structure,
              `"${path}" is at level ${directory.level + 1}, deeper than the 8 ECMA-119 allows`,
              located.lba,
            );
          }
        }
        continue;
      }
      if (!tree.joliet && !continues) {
        this.#fileCount++;
        let sections = 1;
        for (let j = index; records[j] && (records[j].record.fileFlags & FILE_FLAGS.multiExtent); j++) {
          sections++;
        }
        this.#identifiers.push({ identifier: name, directory: false, sectionCount: sections });
      }
      if (record.fileFlags & FILE_FLAGS.multiExtent && record.dataByteLength % SECTOR_BYTES !== 0) {
        this.warning(
          structure,
          `${where}: section of "${name}" before the last is not a multiple of 2048 bytes`,
          located.lba,
        );
      }
      if (rock?.placeholder) continue; // a CL placeholder's extent has no meaning (RRIP §4.1.5.1)
      if (record.dataByteLength > 0) {
        if (
          this.checkInside(
            record.extentLba,
            record.dataByteLength,
            structure,
            `${where}: file "${name}"`,
            located.lba,
          )
        ) {
          this.use(
            record.extentLba,
            record.dataByteLength,
            `file:${record.extentLba}:${record.dataByteLength}`,
            `file "${path}"`,
          );
        }
      }
    }
    if (previous && previous.record.fileFlags & FILE_FLAGS.multiExtent) {
      this.error(structure, `${where}: the directory ends inside a multi-extent file`, previous.lba);
    }
    return children;
  }

  #directoryCountFor(tree: TreeInfo): void {
    if (!tree.joliet) this.#directoryCount++;
  }

  /** Raw field checks of one directory record (§9.1). */
  recordFields(bytes: Uint8Array, located: LocatedRecord, where: string): void {
    const at = located.byteOffset;
    const length = bytes[at];
    const view = viewOf(bytes.subarray(at, at + length));
    const structure = "Directory Record";
    const lba = located.lba;
    const id = located.record.identifier;
    const label = `${where}: record at offset ${at % SECTOR_BYTES}`;
    if (length % 2 !== 0) this.error(structure, `${label}: LEN_DR ${length} is odd`, lba);
    if (!uint32BothAgree(view, 2)) this.error(structure, `${label}: Location of Extent halves differ`, lba);
    if (!uint32BothAgree(view, 10)) this.error(structure, `${label}: Data Length halves differ`, lba);
    if (!uint16BothAgree(view, 28)) {
      this.error(structure, `${label}: Volume Sequence Number halves differ`, lba);
    }
    if (id.byteLength % 2 === 0 && bytes[at + 33 + id.byteLength] !== 0) {
      this.warning(structure, `${label}: padding byte after the identifier is not zero`, lba);
    }
    if (located.record.extendedAttributeRecordLength !== 0) {
      this.warning(structure, `${label}: extended attribute record (length ${bytes[at + 1]}) present`, lba);
    }
    if (located.record.fileUnitSize !== 0 || located.record.interleaveGapSize !== 0) {
      this.warning(structure, `${label}: interleaved file`, lba);
    }
  }

  /** Identifier syntax and length checks (§7.5, §7.6, Joliet). */
  identifier(tree: TreeInfo, record: DirectoryRecord, path: string, lba: number, placeholder: boolean): void {
    // A Rock Ridge CL placeholder stands for a directory and carries a directory identifier.
    const isDirectory = (record.fileFlags & FILE_FLAGS.directory) !== 0 || placeholder;
    if (tree.joliet) {
      if (record.identifier.byteLength % 2 !== 0) {
        this.error("File Identifier", `Joliet identifier of "${path}" has an odd byte length`, lba);
      }
      const units = record.identifier.byteLength >> 1;
      if (units > 64) {
        // genisoimage -joliet-long writes up to 103 units, xorriso 103 plus the dot.
        this.warning(
          "File Identifier",
          `Joliet name "${path}" has ${units} UCS-2 units, more than the 64 Joliet allows (-joliet-long)`,
          lba,
        );
      }
      return;
    }
    const text = latin1Text(record.identifier);
    if (isDirectory) {
      if (!/^[A-Z0-9_.]+$/.test(text)) {
        this.warning("File Identifier", `directory identifier "${text}" is not made of d-characters`, lba);
      }
      return;
    }
    const match = /^([^.;]*)\.([^.;]*)(;(\d+))?$/.exec(text);
    if (!match) {
      this.warning("File Identifier", `file identifier "${text}" is not NAME.EXT;VERSION`, lba);
      return;
    }
    if (!/^[A-Z0-9_]*$/.test(match[1] + match[2])) {
      this.warning("File Identifier", `file identifier "${text}" is not made of d-characters`, lba);
    }
    if (match[1] === "" && match[2] === "") {
      this.error("File Identifier", `file identifier "${text}" is empty`, lba);
    }
    if (match[4] !== undefined && (Number(match[4]) < 1 || Number(match[4]) > 32767)) {
      this.error(
        "File Identifier",
        `file identifier "${text}" has version ${match[4]} outside 1..32767`,
        lba,
      );
    }
  }

  /** Rock Ridge checks of one ISO-tree record; says whether it is a CL placeholder. */
  async rockRidgeRecord(
    record: DirectoryRecord,
    lba: number,
    isDirectory: boolean,
  ): Promise<{ placeholder: boolean }> {
    const su = record.systemUse.subarray(Math.min(this.#suspSkip, record.systemUse.byteLength));
    const entries = await this.systemUse(su, lba);
    const px = entries.find((e) => e.signature === "PX");
    const cl = entries.find((e) => e.signature === "CL");
    if (cl?.signature === "CL") this.#clTargets.push({ childLba: cl.childLba, lba });
    if (px?.signature === "PX") {
      const type = px.mode & POSIX_FILE_TYPE.mask;
      if (
        isDirectory !== (type === POSIX_FILE_TYPE.directory) && !(cl && type === POSIX_FILE_TYPE.directory)
      ) {
        this.warning(
          "PX entry",
          `mode ${px.mode.toString(8)} disagrees with the record's directory flag`,
          lba,
        );
      }
    }
    return { placeholder: cl !== undefined };
  }

  // ---------------------------------------------------------------- path tables (§6.9, §9.4)

  async pathTables(tree: TreeInfo, directories: readonly TreeDirectory[]): Promise<void> {
    const d = tree.descriptor;
    const prefix = tree.joliet ? "Joliet " : "";
    const byteLength = d.pathTableByteLength;
    if (byteLength === 0 || byteLength > 64 * 1024 * 1024) {
      this.error(
        `${prefix}Type L Path Table`,
        `Path Table Size ${byteLength} is unusable`,
        tree.descriptorLba,
      );
      return;
    }
    const blocks = Math.ceil(byteLength / SECTOR_BYTES);
    const read = async (lba: number, littleEndian: boolean, structure: string) => {
      if (!this.checkInside(lba, byteLength, structure, `${structure}`, tree.descriptorLba)) return undefined;
      this.use(lba, byteLength, `pt:${lba}`, `${structure} at LBA ${lba}`);
      const bytes = (await this.sectors(lba, blocks)).subarray(0, byteLength);
      try {
        return decodePathTable(bytes, littleEndian, lba);
      } catch (error) {
        if (!(error instanceof FormatError)) throw error;
        this.error(structure, error.message.replace(/ \(LBA.*\)$/, ""), lba);
        return undefined;
      }
    };
    const l = await read(d.typeLPathTableLba, true, `${prefix}Type L Path Table`);
    const m = await read(d.typeMPathTableLba, false, `${prefix}Type M Path Table`);
    for (
      const [lba, littleEndian] of [[d.optionalTypeLPathTableLba, true], [
        d.optionalTypeMPathTableLba,
        false,
      ]] as const
    ) {
      if (lba === 0) continue;
      const structure = `${prefix}Optional Type ${littleEndian ? "L" : "M"} Path Table`;
      const copy = await read(lba, littleEndian, structure);
      if (copy && l && !samePathTables(copy, l)) {
        this.error(structure, "differs from the Type L Path Table", lba);
      }
    }
    if (l && m && !samePathTables(l, m)) {
      const index = l.findIndex((r, i) => !m[i] || !samePathRecord(r, m[i]));
      this.error(
        `${prefix}Type M Path Table`,
        `differs from the Type L Path Table at record ${index < 0 ? l.length + 1 : index + 1}`,
        d.typeMPathTableLba,
      );
    }
    const table = l ?? m;
    if (!table) return;
    const structure = `${prefix}Type ${l ? "L" : "M"} Path Table`;
    const tableLba = l ? d.typeLPathTableLba : d.typeMPathTableLba;
    this.pathTableAgainstTree(tree, table, directories, structure, tableLba);
  }

  pathTableAgainstTree(
    tree: TreeInfo,
    table: readonly PathTableRecord[],
    directories: readonly TreeDirectory[],
    structure: string,
    lba: number,
  ): void {
    if (table.length !== directories.length) {
      this.error(
        structure,
        `${table.length} records for ${directories.length} directories in the ${tree.name}`,
        lba,
      );
    }
    const byLba = new Map(directories.map((dir) => [dir.lba, dir]));
    const levels: number[] = [];
    let reported = 0;
    const report = (message: string) => {
      if (reported++ < 20) this.error(structure, message, lba);
    };
    table.forEach((record, i) => {
      const number = i + 1;
      const parent = record.parentDirectoryNumber;
      if (i === 0) {
        if (parent !== 1 || record.identifier.byteLength !== 1 || record.identifier[0] !== 0) {
          report("record 1 is not the root (identifier 0x00, parent 1)");
        }
        if (record.extentLba !== tree.descriptor.rootDirectoryRecord.extentLba) {
          report(`record 1 points at LBA ${record.extentLba}, not the root directory`);
        }
        levels.push(1);
        return;
      }
      if (parent < 1 || parent >= number) {
        report(`record ${number}: parent number ${parent} does not name an earlier record`);
        levels.push(0);
        return;
      }
      levels.push(levels[parent - 1] + 1);
      const directory = byLba.get(record.extentLba);
      if (!directory) {
        report(`record ${number} points at LBA ${record.extentLba}, which is not a directory of the tree`);
        return;
      }
      if (!sameBytes(directory.identifier, record.identifier)) {
        report(
          `record ${number} has identifier "${text(tree, record.identifier)}", the directory record "${
            text(tree, directory.identifier)
          }"`,
        );
      }
      if (table[parent - 1].extentLba !== directory.parentLba) {
        report(
          `record ${number} ("${directory.path}") names parent record ${parent}, which is not its parent directory`,
        );
      }
      // §6.9.1 order: level, then parent number, then identifier
      const previous = table[i - 1];
      const levelOrder = levels[i] - levels[i - 1];
      if (
        i >= 2 && (levelOrder < 0 || (levelOrder === 0 && (parent < previous.parentDirectoryNumber ||
          (parent === previous.parentDirectoryNumber &&
            (tree.joliet ? compareUnits : comparePadded)(previous.identifier, record.identifier) >= 0))))
      ) {
        report(`record ${number} ("${directory.path}") is out of §6.9.1 order`);
      }
    });
  }

  // ---------------------------------------------------------------- El Torito

  async elTorito(): Promise<void> {
    const catalogLba = this.#elToritoCatalogLba;
    if (catalogLba === undefined) return;
    const structure = "Boot Catalog";
    if (!this.checkInside(catalogLba, SECTOR_BYTES, structure, "boot catalog")) return;
    // Counts as used space; not in the overlap check (the catalog is usually also a file, boot.cat).
    this.use(catalogLba, SECTOR_BYTES, `catalog:${catalogLba}`, "boot catalog");
    const catalog = await this.sectors(catalogLba, 1);
    const view = viewOf(catalog);
    // Validation entry (El Torito §2.1): 0 header 0x01, 30-31 key 55 AA, words sum to 0.
    if (catalog[0] !== 1 || catalog[30] !== 0x55 || catalog[31] !== 0xaa) {
      this.error(structure, "validation entry has no header 0x01 / key 55 AA", catalogLba);
      return;
    }
    let sum = 0;
    for (let i = 0; i < 32; i += 2) sum = (sum + view.getUint16(i, true)) & 0xffff;
    if (sum !== 0) this.error(structure, "validation entry checksum is wrong", catalogLba);
    const entries: { at: number }[] = [{ at: 32 }];
    let at = 64;
    for (let guard = 0; guard < 64 && at + 32 <= SECTOR_BYTES; guard++) {
      const header = catalog[at];
      if (header !== 0x90 && header !== 0x91) break;
      const count = view.getUint16(at + 2, true);
      at += 32;
      for (let k = 0; k < count && at + 32 <= SECTOR_BYTES; k++) {
        if (catalog[at] === 0x44) { // section entry extension
          at += 32;
          continue;
        }
        entries.push({ at });
        at += 32;
      }
      if (header === 0x91) break;
    }
    for (const { at: entryAt } of entries) {
      const indicator = catalog[entryAt];
      if (indicator !== 0x88 && indicator !== 0x00) {
        this.error(
          structure,
          `entry at byte ${entryAt}: boot indicator 0x${indicator.toString(16)}`,
          catalogLba,
        );
        continue;
      }
      const loadLba = view.getUint32(entryAt + 8, true); // 8: Load RBA
      const virtualSectors = view.getUint16(entryAt + 6, true); // 6: sector count (512-byte units)
      if (indicator === 0x00 && loadLba === 0) continue;
      const byteLength = Math.max(1, virtualSectors) * 512;
      if (loadLba + Math.ceil(byteLength / SECTOR_BYTES) > this.sectorCount) {
        this.error(structure, `boot image at LBA ${loadLba} lies beyond the image`, catalogLba);
      } else if (loadLba >= this.volumeSpace) {
        this.add(
          "info",
          structure,
          `boot image at LBA ${loadLba} lies outside the ISO volume (e.g. an appended partition)`,
          catalogLba,
        );
      }
    }
  }

  // ---------------------------------------------------------------- overlaps

  overlaps(): void {
    const unique = new Map<string, UsedExtent>();
    for (const used of this.#used) {
      if (!unique.has(used.key) && !used.key.startsWith("catalog:")) unique.set(used.key, used);
    }
    const sorted = [...unique.values()].sort((a, b) => a.startLba - b.startLba || a.endLba - b.endLba);
    let reach: UsedExtent | undefined;
    let reported = 0;
    for (const used of sorted) {
      if (reach && used.startLba < reach.endLba) {
        if (reported++ < 50) {
          this.error(
            "Directory Record",
            `${used.label} (LBA ${used.startLba}-${
              used.endLba - 1
            }) overlaps ${reach.label} (LBA ${reach.startLba}-${reach.endLba - 1})`,
            used.startLba,
          );
        }
      }
      if (!reach || used.endLba > reach.endLba) reach = used;
    }
  }

  report(): VerifyReport {
    if (this.#dropped > 0) {
      this.problems.push({
        severity: "warning",
        structure: "Report",
        message: `${this.#dropped} more problems were not listed`,
      });
    }
    const count = (s: VerifySeverity) => this.problems.filter((p) => p.severity === s).length;
    const level = inferIsoLevel(this.#identifiers);
    const errorCount = count("error") + (this.#dropped > 0 ? this.#dropped : 0);
    return {
      problems: this.problems,
      summary: {
        volumeSpaceBlockCount: this.volumeSpace,
        imageBlockCount: this.sectorCount,
        lastUsedLba: this.lastUsedLba(),
        isoLevel: level.level,
        relaxedIdentifiers: level.relaxed,
        hasJoliet: this.#joliet !== undefined,
        jolietLevel: this.#jolietLevel,
        hasRockRidge: this.#rockRidge,
        rockRidgeIdentifier: this.#rockRidgeIdentifier,
        elTorito: this.#elToritoCatalogLba !== undefined,
        directoryCount: this.#directoryCount,
        fileCount: this.#fileCount,
        errorCount,
        warningCount: count("warning"),
        infoCount: count("info"),
        ok: errorCount === 0,
      },
    };
  }
}

function text(tree: TreeInfo, bytes: Uint8Array): string {
  return tree.joliet ? decodeUcs2(bytes) : latin1Text(bytes);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

function samePathRecord(a: PathTableRecord, b: PathTableRecord): boolean {
  return a.extentLba === b.extentLba && a.parentDirectoryNumber === b.parentDirectoryNumber &&
    a.extendedAttributeRecordLength === b.extendedAttributeRecordLength &&
    sameBytes(a.identifier, b.identifier);
}

function samePathTables(a: readonly PathTableRecord[], b: readonly PathTableRecord[]): boolean {
  return a.length === b.length && a.every((r, i) => samePathRecord(r, b[i]));
}

/** Compares byte strings, the shorter padded on the right with 0x20 (§9.3, §6.9.1). */
export function comparePadded(a: Uint8Array, b: Uint8Array): number {
  const length = Math.max(a.byteLength, b.byteLength);
  for (let i = 0; i < length; i++) {
    const x = i < a.byteLength ? a[i] : 0x20;
    const y = i < b.byteLength ? b[i] : 0x20;
    if (x !== y) return x - y;
  }
  return 0;
}

/**
 * §9.3 order of two ISO 9660 file identifiers: name (0x20-padded), then extension, then version
 * descending. Directory identifiers compare as a name with no extension.
 */
export function compareFileIdentifiers(a: Uint8Array, b: Uint8Array): number {
  const split = (bytes: Uint8Array) => {
    const text = latin1Text(bytes);
    const semicolon = text.lastIndexOf(";");
    const withoutVersion = semicolon < 0 ? text : text.slice(0, semicolon);
    const version = semicolon < 0 ? 0 : Number(text.slice(semicolon + 1)) || 0;
    const dot = withoutVersion.indexOf(".");
    const name = dot < 0 ? withoutVersion : withoutVersion.slice(0, dot);
    const extension = dot < 0 ? "" : withoutVersion.slice(dot + 1);
    return { name: latin1Bytes(name), extension: latin1Bytes(extension), version };
  };
  const x = split(a);
  const y = split(b);
  return comparePadded(x.name, y.name) || comparePadded(x.extension, y.extension) || y.version - x.version;
}

/** Joliet order as the tools write it: UCS-2 code units of the whole identifier, shorter first. */
export function compareUnits(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.byteLength, b.byteLength);
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.byteLength - b.byteLength;
}

function latin1Bytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}
