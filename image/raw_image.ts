/**
 * Raw disk and floppy images (../shared/specs/image-formats.md §5): what `disc info` says about an
 * image that is not (only) an ISO: a floppy by its size and boot sector, a hard-disk image by its
 * MBR or GPT partitions, and the file system found at the start of each (FAT, ISO 9660, ext2/3/4,
 * NTFS).
 * @module
 */

/** Known floppy sizes (bytes → name). */
export const FLOPPY_SIZES: ReadonlyMap<number, string> = new Map([
  [163_840, '160 KiB 5.25" SS/DD'],
  [184_320, '180 KiB 5.25" SS/DD'],
  [327_680, '320 KiB 5.25" DS/DD'],
  [368_640, '360 KiB 5.25" DS/DD'],
  [737_280, '720 KiB 3.5" DD'],
  [1_228_800, '1.2 MiB 5.25" HD'],
  [1_474_560, '1.44 MiB 3.5" HD'],
  [1_720_320, '1.68 MiB 3.5" DMF'],
  [1_763_328, '1.72 MiB 3.5" HD extended'],
  [2_949_120, '2.88 MiB 3.5" ED'],
]);

/** One partition of a partition table. */
export interface RawPartition {
  readonly number: number;
  /** MBR type byte (hex) or GPT type GUID. */
  readonly type: string;
  readonly startSector: number;
  readonly sectorCount: number;
  readonly bootable?: boolean;
  readonly name?: string;
  /** What is at its start: "FAT32 (label X)", "ISO 9660 (volume X)", "ext4", … or "unknown". */
  readonly fileSystem: string;
}

/** What a raw image holds. */
export interface RawImageInfo {
  readonly byteLength: number;
  readonly floppy?: string;
  readonly table: "mbr" | "gpt" | "none";
  readonly partitions: readonly RawPartition[];
  /** The file system at the start of the image itself (a floppy or a partitionless disk). */
  readonly fileSystem: string;
}

/** Reads bytes of the image (past its end: fewer or none). */
export type ByteReader = (byteOffset: number, byteLength: number) => Promise<Uint8Array>;

const ascii = (b: Uint8Array, from: number, to: number) => String.fromCharCode(...b.subarray(from, to));

/** Names the file system whose first bytes start at `offset`. */
async function fileSystemAt(read: ByteReader, offset: number): Promise<string> {
  const head = await read(offset, 4096);
  if (head.byteLength >= 512 && head[510] === 0x55 && head[511] === 0xaa) {
    if (ascii(head, 3, 11) === "NTFS    ") return "NTFS";
    if (ascii(head, 82, 87) === "FAT32") return `FAT32 (label "${ascii(head, 71, 82).trim()}")`;
    if (/^FAT1[26]/.test(ascii(head, 54, 59))) {
      return `${ascii(head, 54, 59)} (label "${ascii(head, 43, 54).trim()}")`;
    }
  }
  if (head.byteLength >= 1082 && head[1080] === 0x53 && head[1081] === 0xef) {
    const compat = new DataView(head.buffer, head.byteOffset).getUint32(1024 + 92, true);
    const incompat = new DataView(head.buffer, head.byteOffset).getUint32(1024 + 96, true);
    return incompat & 0x40 ? "ext4" : compat & 0x4 ? "ext3" : "ext2";
  }
  const vd = await read(offset + 16 * 2048, 40 + 32);
  if (vd.byteLength >= 72 && ascii(vd, 1, 6) === "CD001") {
    return `ISO 9660 (volume "${ascii(vd, 40, 72).trim()}")`;
  }
  return "unknown";
}

function guid(b: Uint8Array, at: number): string {
  const hex = (i: number) => b[at + i].toString(16).padStart(2, "0");
  const le = (idx: number[]) => idx.map(hex).join("");
  return `${le([3, 2, 1, 0])}-${le([5, 4])}-${le([7, 6])}-${le([8, 9])}-${le([10, 11, 12, 13, 14, 15])}`
    .toUpperCase();
}

/** Largest GPT partition entry read (the UEFI minimum is 128 bytes; larger ones are rare). */
const MAX_GPT_ENTRY_BYTES = 4096;

/**
 * Describes a raw image: floppy size, MBR or GPT partitions and their file systems.
 *
 * @example
 * ```ts
 * const info = await describeRawImage((o, n) => regions.read(o, Math.min(n, regions.byteLength - o)), regions.byteLength);
 * console.log(formatRawImageInfo(info));
 * ```
 */
export async function describeRawImage(read: ByteReader, byteLength: number): Promise<RawImageInfo> {
  const mbr = await read(0, 512);
  const partitions: RawPartition[] = [];
  let table: RawImageInfo["table"] = "none";
  const gptHeader = await read(512, 92);
  if (gptHeader.byteLength >= 92 && ascii(gptHeader, 0, 8) === "EFI PART") {
    table = "gpt";
    const view = new DataView(gptHeader.buffer, gptHeader.byteOffset);
    const entriesLba = Number(view.getBigUint64(72, true));
    const count = Math.min(view.getUint32(80, true), 256);
    const size = view.getUint32(84, true);
    // UEFI entry sizes are 128 × 2^n; a damaged size must not make us read gigabytes.
    const sane = size >= 128 && size <= MAX_GPT_ENTRY_BYTES && size % 128 === 0;
    const array = sane ? await read(entriesLba * 512, count * size) : new Uint8Array(0);
    for (let i = 0; i < count && (i + 1) * size <= array.byteLength; i++) {
      const at = i * size;
      if (array.subarray(at, at + 16).every((b) => b === 0)) continue;
      const entry = new DataView(array.buffer, array.byteOffset + at);
      const first = Number(entry.getBigUint64(32, true));
      const last = Number(entry.getBigUint64(40, true));
      let name = "";
      for (let c = 0; c < 36; c++) {
        const code = entry.getUint16(56 + 2 * c, true);
        if (!code) break;
        name += String.fromCharCode(code);
      }
      partitions.push({
        number: i + 1,
        type: guid(array, at),
        startSector: first,
        sectorCount: last - first + 1,
        name,
        fileSystem: await fileSystemAt(read, first * 512),
      });
    }
  } else if (mbr.byteLength === 512 && mbr[510] === 0x55 && mbr[511] === 0xaa) {
    const view = new DataView(mbr.buffer, mbr.byteOffset);
    for (let i = 0; i < 4; i++) {
      const at = 446 + 16 * i;
      const type = mbr[at + 4];
      const start = view.getUint32(at + 8, true);
      const count = view.getUint32(at + 12, true);
      if (type === 0 || count === 0) continue;
      table = "mbr";
      partitions.push({
        number: i + 1,
        type: `0x${type.toString(16).padStart(2, "0")}`,
        startSector: start,
        sectorCount: count,
        bootable: mbr[at] === 0x80,
        fileSystem: start * 512 < byteLength
          ? await fileSystemAt(read, start * 512)
          : "past the end of the image",
      });
    }
  }
  return {
    byteLength,
    floppy: FLOPPY_SIZES.get(byteLength),
    table,
    partitions,
    fileSystem: await fileSystemAt(read, 0),
  };
}

/**
 * Text of {@link describeRawImage}'s result.
 *
 * @example
 * ```ts
 * console.log(formatRawImageInfo(info)); // "Raw image: 83886080 bytes …"
 * ```
 */
export function formatRawImageInfo(info: RawImageInfo): string {
  const lines = [
    `Raw image: ${info.byteLength} bytes${info.floppy ? ` (floppy: ${info.floppy})` : ""}`,
    `File system at its start: ${info.fileSystem}`,
  ];
  if (info.table === "none") lines.push("Partition table: none");
  else {
    lines.push(`Partition table: ${info.table.toUpperCase()}, ${info.partitions.length} partition(s)`);
    lines.push("  #  Type                                  Start sector   Sectors      Size  File system");
    for (const p of info.partitions) {
      const size = `${(p.sectorCount * 512 / 1024 / 1024).toFixed(1)} MiB`;
      lines.push(
        `  ${String(p.number).padEnd(2)} ${
          (p.type + (p.bootable ? " *" : "") + (p.name ? ` "${p.name}"` : "")).padEnd(37)
        } ${String(p.startSector).padStart(12)} ${String(p.sectorCount).padStart(9)} ${
          size.padStart(9)
        }  ${p.fileSystem}`,
      );
    }
  }
  return lines.join("\n");
}
