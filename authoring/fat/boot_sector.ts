/**
 * The FAT boot sector (BPB), the FAT32 FSInfo sector, and the "not a bootable disk" stub written
 * into the boot code area.
 *
 * Source: Microsoft "FAT: General Overview of On-Disk Format" (fatgen103, v1.03), sections "Boot
 * Sector and BPB" and "FAT32 FSInfo Sector Structure and Backup Boot Sector"; the digest is
 * `shared/specs/fat.md` §2 and §6. All integers are little-endian.
 * @module
 */

import { FormatError } from "../../image/errors.ts";

/** The three FAT variants, by the width of a FAT entry in bits. */
export type FatType = 12 | 16 | 32;

/** Bytes per sector discwright writes (BPB_BytsPerSec). */
export const FAT_SECTOR_BYTES = 512;

/** BPB_Media values (fat.md §2, §9). The low byte of FAT[0] repeats it. */
export const FAT_MEDIA = {
  /** Fixed disk (and any image that is not a standard floppy). */
  fixedDisk: 0xf8,
  /** 3½" 1.44 MB and 2.88 MB floppies. */
  floppy1440: 0xf0,
  /** 3½" 720 KB and 5¼" 1.2 MB floppies. */
  floppy720: 0xf9,
  /** 5¼" 360 KB floppies. */
  floppy360: 0xfd,
} as const;

/** BS_BootSig value meaning BS_VolID, BS_VolLab and BS_FilSysType are present. */
export const EXTENDED_BOOT_SIGNATURE = 0x29;

/** BS_VolLab of a volume without a label. */
export const NO_VOLUME_LABEL = "NO NAME    ";

/** Byte offset of the boot code in a FAT12/16 boot sector (after BS_FilSysType). */
export const FAT16_BOOT_CODE_OFFSET = 62;
/** Byte offset of the boot code in a FAT32 boot sector. */
export const FAT32_BOOT_CODE_OFFSET = 90;
/** Bytes of boot code that fit before the 0x55AA signature (FAT12/16). */
export const FAT16_BOOT_CODE_BYTES = 510 - FAT16_BOOT_CODE_OFFSET;
/** Bytes of boot code that fit before the 0x55AA signature (FAT32). */
export const FAT32_BOOT_CODE_BYTES = 510 - FAT32_BOOT_CODE_OFFSET;

/** The FAT32-only part of the BPB (fatgen103 "FAT32 Structure Starting at Offset 36"). */
export interface Fat32Bpb {
  /** BPB_ExtFlags: 0 = every FAT is mirrored. */
  readonly extFlags: number;
  /** BPB_FSVer: 0 (edk2 rejects anything else). */
  readonly fsVersion: number;
  /** BPB_RootClus: first cluster of the root directory, normally 2. */
  readonly rootCluster: number;
  /** BPB_FSInfo: sector number of the FSInfo sector, normally 1. */
  readonly fsInfoSector: number;
  /** BPB_BkBootSec: sector number of the backup boot sector, normally 6. */
  readonly backupBootSector: number;
}

/**
 * Sector 0 of a FAT volume: the BIOS Parameter Block and the extended boot record. The layout of
 * bytes 36… depends on `fat32`: present = FAT32 layout, absent = FAT12/16 layout.
 */
export interface FatBootSector {
  /** BS_jmpBoot: `EB xx 90` (a short jump over the BPB to the boot code). */
  readonly jumpBoot: Uint8Array;
  /** BS_OEMName: 8 ASCII characters, e.g. "MSWIN4.1". */
  readonly oemName: string;
  /** BPB_BytsPerSec. */
  readonly bytesPerSector: number;
  /** BPB_SecPerClus: a power of two, 1…128. */
  readonly sectorsPerCluster: number;
  /** BPB_RsvdSecCnt. */
  readonly reservedSectorCount: number;
  /** BPB_NumFATs. */
  readonly fatCount: number;
  /** BPB_RootEntCnt (0 on FAT32). */
  readonly rootEntryCount: number;
  /** BPB_TotSec16 if non-zero, else BPB_TotSec32. */
  readonly totalSectorCount: number;
  /** BPB_Media. */
  readonly mediaDescriptor: number;
  /** BPB_FATSz16, or BPB_FATSz32 on FAT32. */
  readonly sectorsPerFat: number;
  /** BPB_SecPerTrk. */
  readonly sectorsPerTrack: number;
  /** BPB_NumHeads. */
  readonly headCount: number;
  /** BPB_HiddSec: sectors before this volume on its disk (the partition's start LBA). */
  readonly hiddenSectorCount: number;
  /** The FAT32 fields, or undefined for the FAT12/16 layout. */
  readonly fat32: Fat32Bpb | undefined;
  /** BS_DrvNum: 0x00 floppy, 0x80 hard disk. */
  readonly driveNumber: number;
  /** BS_BootSig: 0x29 when the next three fields exist. */
  readonly bootSignature: number;
  /** BS_VolID: the volume serial number (uint32). */
  readonly volumeSerial: number;
  /** BS_VolLab: 11 characters, space padded ("NO NAME    " when there is no label). */
  readonly volumeLabel: string;
  /** BS_FilSysType: "FAT12   ", "FAT16   " or "FAT32   " (informational only). */
  readonly fileSystemType: string;
  /** Boot code (at most 448 bytes on FAT12/16, 420 on FAT32; zero padded). */
  readonly bootCode: Uint8Array;
}

/**
 * Encodes a boot sector into 512 bytes, ending with the 0x55AA signature.
 *
 * @example
 * ```ts
 * const sector = encodeFatBootSector(plan.bootSector);
 * console.log(sector[510], sector[511]); // 85 170
 * ```
 */
export function encodeFatBootSector(bs: FatBootSector): Uint8Array {
  const out = new Uint8Array(FAT_SECTOR_BYTES);
  const view = new DataView(out.buffer);
  if (bs.jumpBoot.byteLength !== 3) {
    throw new RangeError(`Cannot encode boot sector: BS_jmpBoot has ${bs.jumpBoot.byteLength} bytes, not 3`);
  }
  const isFat32 = bs.fat32 !== undefined;
  out.set(bs.jumpBoot, 0); // 0: BS_jmpBoot (fatgen103)
  writeText(out, 3, 8, bs.oemName, "BS_OEMName"); // 3: BS_OEMName (fatgen103)
  view.setUint16(11, bs.bytesPerSector, true); // 11: BPB_BytsPerSec (fatgen103)
  view.setUint8(13, bs.sectorsPerCluster); // 13: BPB_SecPerClus (fatgen103)
  view.setUint16(14, bs.reservedSectorCount, true); // 14: BPB_RsvdSecCnt (fatgen103)
  view.setUint8(16, bs.fatCount); // 16: BPB_NumFATs (fatgen103)
  view.setUint16(17, bs.rootEntryCount, true); // 17: BPB_RootEntCnt (fatgen103; 0 on FAT32)
  const small = !isFat32 && bs.totalSectorCount < 0x10000;
  view.setUint16(19, small ? bs.totalSectorCount : 0, true); // 19: BPB_TotSec16 (fatgen103)
  view.setUint8(21, bs.mediaDescriptor); // 21: BPB_Media (fatgen103)
  view.setUint16(22, isFat32 ? 0 : bs.sectorsPerFat, true); // 22: BPB_FATSz16 (fatgen103; 0 on FAT32)
  view.setUint16(24, bs.sectorsPerTrack, true); // 24: BPB_SecPerTrk (fatgen103)
  view.setUint16(26, bs.headCount, true); // 26: BPB_NumHeads (fatgen103)
  view.setUint32(28, bs.hiddenSectorCount, true); // 28: BPB_HiddSec (fatgen103)
  view.setUint32(32, small ? 0 : bs.totalSectorCount, true); // 32: BPB_TotSec32 (fatgen103)
  let ext = 36;
  if (bs.fat32) {
    view.setUint32(36, bs.sectorsPerFat, true); // 36: BPB_FATSz32 (fatgen103)
    view.setUint16(40, bs.fat32.extFlags, true); // 40: BPB_ExtFlags (fatgen103)
    view.setUint16(42, bs.fat32.fsVersion, true); // 42: BPB_FSVer (fatgen103)
    view.setUint32(44, bs.fat32.rootCluster, true); // 44: BPB_RootClus (fatgen103)
    view.setUint16(48, bs.fat32.fsInfoSector, true); // 48: BPB_FSInfo (fatgen103)
    view.setUint16(50, bs.fat32.backupBootSector, true); // 50: BPB_BkBootSec (fatgen103)
    // 52: BPB_Reserved, 12 zero bytes (fatgen103)
    ext = 64;
  }
  view.setUint8(ext, bs.driveNumber); // 36/64: BS_DrvNum (fatgen103)
  // 37/65: BS_Reserved1 = 0 (fatgen103)
  view.setUint8(ext + 2, bs.bootSignature); // 38/66: BS_BootSig (fatgen103)
  view.setUint32(ext + 3, bs.volumeSerial >>> 0, true); // 39/67: BS_VolID (fatgen103)
  writeText(out, ext + 7, 11, bs.volumeLabel, "BS_VolLab"); // 43/71: BS_VolLab (fatgen103)
  writeText(out, ext + 18, 8, bs.fileSystemType, "BS_FilSysType"); // 54/82: BS_FilSysType (fatgen103)
  const codeOffset = isFat32 ? FAT32_BOOT_CODE_OFFSET : FAT16_BOOT_CODE_OFFSET;
  if (bs.bootCode.byteLength > 510 - codeOffset) {
    throw new RangeError(
      `Cannot encode boot sector: boot code has ${bs.bootCode.byteLength} bytes, at most ${
        510 - codeOffset
      } fit`,
    );
  }
  out.set(bs.bootCode, codeOffset); // 62/90: boot code (fatgen103)
  out[510] = 0x55; // 510: signature 0x55 0xAA (fatgen103)
  out[511] = 0xaa;
  return out;
}

/**
 * Decodes a boot sector (strict: a missing signature or an impossible BPB value is a FormatError).
 * A zero BPB_FATSz16 selects the FAT32 layout of bytes 36…, as every FAT driver does.
 *
 * @example
 * ```ts
 * const bs = decodeFatBootSector(await Deno.readFile("esp.img"), 0);
 * console.log(bs.volumeSerial.toString(16));
 * ```
 */
export function decodeFatBootSector(bytes: Uint8Array, at = 0): FatBootSector {
  if (at < 0 || at + FAT_SECTOR_BYTES > bytes.byteLength) {
    throw new FormatError("Cannot read boot sector: fewer than 512 bytes", {
      structure: "FAT Boot Sector",
      byteOffset: at,
    });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, FAT_SECTOR_BYTES);
  const fail = (field: string, offset: number, reason: string): never => {
    throw new FormatError(`Cannot read boot sector: ${reason}`, {
      structure: "FAT Boot Sector",
      field,
      byteOffset: at + offset,
    });
  };
  if (view.getUint8(510) !== 0x55 || view.getUint8(511) !== 0xaa) {
    fail("signature", 510, "no 0x55AA signature");
  }
  const bytesPerSector = view.getUint16(11, true);
  if (![512, 1024, 2048, 4096].includes(bytesPerSector)) {
    fail("BPB_BytsPerSec", 11, `bytes per sector is ${bytesPerSector}`);
  }
  const sectorsPerCluster = view.getUint8(13);
  if (sectorsPerCluster === 0 || (sectorsPerCluster & (sectorsPerCluster - 1)) !== 0) {
    fail("BPB_SecPerClus", 13, `sectors per cluster is ${sectorsPerCluster}, not a power of two`);
  }
  const reservedSectorCount = view.getUint16(14, true);
  if (reservedSectorCount === 0) fail("BPB_RsvdSecCnt", 14, "no reserved sectors");
  const fatCount = view.getUint8(16);
  if (fatCount === 0) fail("BPB_NumFATs", 16, "no FATs");
  const totalSectors16 = view.getUint16(19, true);
  const sectorsPerFat16 = view.getUint16(22, true);
  const isFat32 = sectorsPerFat16 === 0;
  const ext = isFat32 ? 64 : 36;
  const codeOffset = isFat32 ? FAT32_BOOT_CODE_OFFSET : FAT16_BOOT_CODE_OFFSET;
  const text = (offset: number, length: number) =>
    String.fromCharCode(...bytes.subarray(at + offset, at + offset + length));
  return {
    jumpBoot: bytes.slice(at, at + 3),
    oemName: text(3, 8),
    bytesPerSector,
    sectorsPerCluster,
    reservedSectorCount,
    fatCount,
    rootEntryCount: view.getUint16(17, true),
    totalSectorCount: totalSectors16 !== 0 ? totalSectors16 : view.getUint32(32, true),
    mediaDescriptor: view.getUint8(21),
    sectorsPerFat: isFat32 ? view.getUint32(36, true) : sectorsPerFat16,
    sectorsPerTrack: view.getUint16(24, true),
    headCount: view.getUint16(26, true),
    hiddenSectorCount: view.getUint32(28, true),
    fat32: isFat32
      ? {
        extFlags: view.getUint16(40, true),
        fsVersion: view.getUint16(42, true),
        rootCluster: view.getUint32(44, true),
        fsInfoSector: view.getUint16(48, true),
        backupBootSector: view.getUint16(50, true),
      }
      : undefined,
    driveNumber: view.getUint8(ext),
    bootSignature: view.getUint8(ext + 2),
    volumeSerial: view.getUint32(ext + 3, true),
    volumeLabel: text(ext + 7, 11),
    fileSystemType: text(ext + 18, 8),
    bootCode: bytes.slice(at + codeOffset, at + 510),
  };
}

/** The geometry numbers every FAT reader derives from a BPB (fatgen103 "FAT Type Determination"). */
export interface FatGeometry {
  /** FAT12/16/32 by the count of clusters. */
  readonly fatType: FatType;
  /** RootDirSectors (0 on FAT32). */
  readonly rootDirSectorCount: number;
  /** FirstDataSector: where cluster 2 starts. */
  readonly firstDataSector: number;
  /** CountOfClusters: valid cluster numbers are 2 … clusterCount + 1. */
  readonly clusterCount: number;
}

/**
 * Derives the FAT type the only correct way: from the count of clusters (fat.md §3).
 *
 * @example
 * ```ts
 * fatGeometryOf(decodeFatBootSector(sector0)).fatType; // 12 for a 1.44 MB floppy
 * ```
 */
export function fatGeometryOf(bs: FatBootSector): FatGeometry {
  const rootDirSectorCount = Math.ceil((bs.rootEntryCount * 32) / bs.bytesPerSector);
  const firstDataSector = bs.reservedSectorCount + bs.fatCount * bs.sectorsPerFat + rootDirSectorCount;
  const clusterCount = Math.floor(Math.max(0, bs.totalSectorCount - firstDataSector) / bs.sectorsPerCluster);
  return { fatType: fatTypeOfClusterCount(clusterCount), rootDirSectorCount, firstDataSector, clusterCount };
}

/**
 * fatgen103's rule: fewer than 4085 clusters is FAT12, fewer than 65525 is FAT16, else FAT32.
 *
 * @example
 * ```ts
 * fatTypeOfClusterCount(2847); // 12
 * ```
 */
export function fatTypeOfClusterCount(clusterCount: number): FatType {
  return clusterCount < 4085 ? 12 : clusterCount < 65525 ? 16 : 32;
}

/** FSI_LeadSig, FSI_StrucSig, FSI_TrailSig. */
export const FSINFO_SIGNATURES = { lead: 0x41615252, struc: 0x61417272, trail: 0xaa550000 } as const;

/** FSI_Free_Count / FSI_Nxt_Free value meaning "unknown". */
export const FSINFO_UNKNOWN = 0xffffffff;

/** The FAT32 FSInfo sector: hints for free space (readers treat them as hints only). */
export interface FatFsInfo {
  /** FSI_Free_Count: free clusters, 0xFFFFFFFF if unknown. */
  readonly freeClusterCount: number;
  /** FSI_Nxt_Free: where to start looking for a free cluster, 0xFFFFFFFF if unknown. */
  readonly nextFreeCluster: number;
}

/**
 * Encodes the FSInfo sector (512 bytes).
 *
 * @example
 * ```ts
 * const sector1 = encodeFatFsInfo({ freeClusterCount: 129018, nextFreeCluster: 5 });
 * ```
 */
export function encodeFatFsInfo(info: FatFsInfo): Uint8Array {
  const out = new Uint8Array(FAT_SECTOR_BYTES);
  const view = new DataView(out.buffer);
  view.setUint32(0, FSINFO_SIGNATURES.lead, true); // 0: FSI_LeadSig "RRaA" (fatgen103)
  // 4: FSI_Reserved1, 480 zero bytes (fatgen103)
  view.setUint32(484, FSINFO_SIGNATURES.struc, true); // 484: FSI_StrucSig "rrAa" (fatgen103)
  view.setUint32(488, info.freeClusterCount >>> 0, true); // 488: FSI_Free_Count (fatgen103)
  view.setUint32(492, info.nextFreeCluster >>> 0, true); // 492: FSI_Nxt_Free (fatgen103)
  // 496: FSI_Reserved2, 12 zero bytes (fatgen103)
  view.setUint32(508, FSINFO_SIGNATURES.trail, true); // 508: FSI_TrailSig 00 00 55 AA (fatgen103)
  return out;
}

/**
 * Decodes an FSInfo sector (strict: wrong signatures are a FormatError).
 *
 * @example
 * ```ts
 * const { freeClusterCount } = decodeFatFsInfo(image, 512);
 * ```
 */
export function decodeFatFsInfo(bytes: Uint8Array, at = 0): FatFsInfo {
  if (at < 0 || at + FAT_SECTOR_BYTES > bytes.byteLength) {
    throw new FormatError("Cannot read FSInfo: fewer than 512 bytes", {
      structure: "FAT32 FSInfo",
      byteOffset: at,
    });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, FAT_SECTOR_BYTES);
  const checks = [
    ["FSI_LeadSig", 0, FSINFO_SIGNATURES.lead],
    ["FSI_StrucSig", 484, FSINFO_SIGNATURES.struc],
    ["FSI_TrailSig", 508, FSINFO_SIGNATURES.trail],
  ] as const;
  for (const [field, offset, value] of checks) {
    if (view.getUint32(offset, true) !== value) {
      throw new FormatError(`Cannot read FSInfo: ${field} is not 0x${value.toString(16)}`, {
        structure: "FAT32 FSInfo",
        field,
        byteOffset: at + offset,
      });
    }
  }
  return { freeClusterCount: view.getUint32(488, true), nextFreeCluster: view.getUint32(492, true) };
}

/** The message the boot stub prints when a PC tries to boot the volume. */
export const NOT_BOOTABLE_MESSAGE: string =
  "This FAT volume (made by discwright) has no operating system to start.\r\n" +
  "Remove it or choose another boot device, then press a key to retry.\r\n";

/**
 * The jump at byte 0 for boot code at `codeByteOffset`: `EB (offset − 2) 90`.
 *
 * @example
 * ```ts
 * jumpBootFor(FAT16_BOOT_CODE_OFFSET); // EB 3C 90
 * ```
 */
export function jumpBootFor(codeByteOffset: number): Uint8Array {
  return Uint8Array.of(0xeb, codeByteOffset - 2, 0x90);
}

/**
 * A small real-mode program for the boot code area: prints {@link NOT_BOOTABLE_MESSAGE} with
 * BIOS teletype output (INT 10h, AH=0Eh), waits for a key (INT 16h), then asks the BIOS to try the
 * next boot device (INT 19h); should that return, it halts. It addresses its message from segment
 * 0 (the BIOS loads the sector at 0000:7C00), so `codeByteOffset` is where it sits in the sector.
 *
 * @example
 * ```ts
 * const code = notBootableStub(FAT32_BOOT_CODE_OFFSET); // for a FAT32 boot sector
 * ```
 */
export function notBootableStub(codeByteOffset: number, message = NOT_BOOTABLE_MESSAGE): Uint8Array {
  const text = Uint8Array.from(message, (c) => c.charCodeAt(0) & 0xff);
  const program = [
    0x31,
    0xc0, //        +0   xor ax, ax
    0x8e,
    0xd8, //        +2   mov ds, ax
    0xbe,
    0x00,
    0x00, //  +4   mov si, message        (patched below)
    0xfc, //              +7   cld
    0xac, //              +8   next: lodsb
    0x84,
    0xc0, //        +9   test al, al
    0x74,
    0x09, //        +11  jz done                (+13 + 9 = +22)
    0xb4,
    0x0e, //        +13  mov ah, 0Eh            teletype output
    0xbb,
    0x07,
    0x00, //  +15  mov bx, 0007h          page 0, grey
    0xcd,
    0x10, //        +18  int 10h
    0xeb,
    0xf2, //        +20  jmp next               (+22 - 14 = +8)
    0xb4,
    0x00, //        +22  done: mov ah, 00h      wait for a key
    0xcd,
    0x16, //        +24  int 16h
    0xcd,
    0x19, //        +26  int 19h                next boot device
    0xf4, //              +28  halt: hlt
    0xeb,
    0xfd, //        +29  jmp halt
  ];
  const messageAddress = 0x7c00 + codeByteOffset + program.length;
  program[5] = messageAddress & 0xff;
  program[6] = messageAddress >> 8;
  const out = new Uint8Array(program.length + text.byteLength + 1); // + NUL terminator
  out.set(program, 0);
  out.set(text, program.length);
  return out;
}

function writeText(out: Uint8Array, at: number, length: number, text: string, field: string): void {
  if (text.length > length || /[^\x20-\x7e]/.test(text)) {
    throw new RangeError(`Cannot encode ${field}: "${text}" is not ${length} printable ASCII characters`);
  }
  for (let i = 0; i < length; i++) out[at + i] = i < text.length ? text.charCodeAt(i) : 0x20;
}
