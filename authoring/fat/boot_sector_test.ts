import assert from "node:assert/strict";
import fc from "fast-check";
import { FormatError } from "../../image/errors.ts";
import { hex } from "../iso9660/_hex.ts";
import {
  decodeFatBootSector,
  decodeFatFsInfo,
  encodeFatBootSector,
  encodeFatFsInfo,
  FAT16_BOOT_CODE_BYTES,
  FAT16_BOOT_CODE_OFFSET,
  FAT32_BOOT_CODE_BYTES,
  FAT32_BOOT_CODE_OFFSET,
  type FatBootSector,
  fatGeometryOf,
  fatTypeOfClusterCount,
  jumpBootFor,
  NOT_BOOTABLE_MESSAGE,
  notBootableStub,
} from "./boot_sector.ts";

/** mkfs.fat -C -n FLOPPY -i 12345678 fl.img 1440 (fat.md §11), without its boot code. */
const floppy: FatBootSector = {
  jumpBoot: jumpBootFor(FAT16_BOOT_CODE_OFFSET),
  oemName: "mkfs.fat",
  bytesPerSector: 512,
  sectorsPerCluster: 1,
  reservedSectorCount: 1,
  fatCount: 2,
  rootEntryCount: 224,
  totalSectorCount: 2880,
  mediaDescriptor: 0xf0,
  sectorsPerFat: 9,
  sectorsPerTrack: 18,
  headCount: 2,
  hiddenSectorCount: 0,
  fat32: undefined,
  driveNumber: 0x00,
  bootSignature: 0x29,
  volumeSerial: 0x12345678,
  volumeLabel: "FLOPPY     ",
  fileSystemType: "FAT12   ",
  bootCode: new Uint8Array(FAT16_BOOT_CODE_BYTES),
};

/** mkfs.fat -C -F 32 -n ESP32 -i 1234ABCD esp32.img 65536 (fat.md §11). */
const esp32: FatBootSector = {
  ...floppy,
  jumpBoot: jumpBootFor(FAT32_BOOT_CODE_OFFSET),
  reservedSectorCount: 32,
  rootEntryCount: 0,
  totalSectorCount: 131072,
  mediaDescriptor: 0xf8,
  sectorsPerFat: 1009,
  sectorsPerTrack: 32,
  headCount: 8,
  fat32: { extFlags: 0, fsVersion: 0, rootCluster: 2, fsInfoSector: 1, backupBootSector: 6 },
  driveNumber: 0x80,
  volumeSerial: 0x1234abcd,
  volumeLabel: "ESP32      ",
  fileSystemType: "FAT32   ",
  bootCode: new Uint8Array(FAT32_BOOT_CODE_BYTES),
};

Deno.test("boot sector: the 1.44 MB floppy mkfs.fat writes (fat.md §11)", () => {
  const bytes = encodeFatBootSector(floppy);
  const expected = hex(`
    eb 3c 90                  # 0: BS_jmpBoot, jump to 0x3E
    6d 6b 66 73 2e 66 61 74   # 3: BS_OEMName "mkfs.fat"
    00 02                     # 11: BPB_BytsPerSec 512
    01                        # 13: BPB_SecPerClus 1
    01 00                     # 14: BPB_RsvdSecCnt 1
    02                        # 16: BPB_NumFATs 2
    e0 00                     # 17: BPB_RootEntCnt 224
    40 0b                     # 19: BPB_TotSec16 2880
    f0                        # 21: BPB_Media 0xF0
    09 00                     # 22: BPB_FATSz16 9
    12 00                     # 24: BPB_SecPerTrk 18
    02 00                     # 26: BPB_NumHeads 2
    00 00 00 00               # 28: BPB_HiddSec 0
    00 00 00 00               # 32: BPB_TotSec32 0
    00 00 29                  # 36: BS_DrvNum 0, BS_Reserved1, BS_BootSig 0x29
    78 56 34 12               # 39: BS_VolID 0x12345678
    46 4c 4f 50 50 59 20 20 20 20 20  # 43: BS_VolLab "FLOPPY     "
    46 41 54 31 32 20 20 20   # 54: BS_FilSysType "FAT12   "
  `);
  assert.deepEqual(bytes.subarray(0, 62), expected);
  assert.deepEqual(bytes.subarray(510), hex("55 aa"));
  assert.deepEqual(decodeFatBootSector(bytes), floppy);
  assert.deepEqual(fatGeometryOf(floppy), {
    fatType: 12,
    rootDirSectorCount: 14,
    firstDataSector: 33,
    clusterCount: 2847,
  });
});

Deno.test("boot sector: the 64 MiB FAT32 ESP mkfs.fat writes (fat.md §11)", () => {
  const bytes = encodeFatBootSector(esp32);
  const expected = hex(`
    eb 58 90 6d 6b 66 73 2e 66 61 74  # 0: jump to 0x5A, "mkfs.fat"
    00 02 01 20 00 02                 # 11: 512 B/s, 1 s/c, 32 reserved, 2 FATs
    00 00 00 00                       # 17: BPB_RootEntCnt 0, BPB_TotSec16 0 (FAT32)
    f8 00 00                          # 21: media F8, BPB_FATSz16 0 (FAT32)
    20 00 08 00                       # 24: 32 sectors/track, 8 heads
    00 00 00 00                       # 28: BPB_HiddSec 0
    00 00 02 00                       # 32: BPB_TotSec32 131072
    f1 03 00 00                       # 36: BPB_FATSz32 1009
    00 00 00 00                       # 40: BPB_ExtFlags 0, BPB_FSVer 0
    02 00 00 00                       # 44: BPB_RootClus 2
    01 00 06 00                       # 48: BPB_FSInfo 1, BPB_BkBootSec 6
    00 00 00 00 00 00 00 00 00 00 00 00  # 52: BPB_Reserved
    80 00 29                          # 64: BS_DrvNum 0x80, BS_Reserved1, BS_BootSig
    cd ab 34 12                       # 67: BS_VolID 0x1234ABCD
    45 53 50 33 32 20 20 20 20 20 20  # 71: BS_VolLab "ESP32      "
    46 41 54 33 32 20 20 20           # 82: BS_FilSysType "FAT32   "
  `);
  assert.deepEqual(bytes.subarray(0, 90), expected);
  assert.deepEqual(bytes.subarray(510), hex("55 aa"));
  assert.deepEqual(decodeFatBootSector(bytes), esp32);
  assert.equal(fatGeometryOf(esp32).clusterCount, 129022);
  assert.equal(fatGeometryOf(esp32).fatType, 32);
});

Deno.test("boot sector: FAT16 above 65535 sectors uses BPB_TotSec32", () => {
  const bytes = encodeFatBootSector({ ...floppy, totalSectorCount: 262144, mediaDescriptor: 0xf8 });
  assert.deepEqual(bytes.subarray(19, 21), hex("00 00"));
  assert.deepEqual(bytes.subarray(32, 36), hex("00 00 04 00"));
});

Deno.test("boot sector: strict decoding rejects what no FAT driver mounts", () => {
  const good = encodeFatBootSector(floppy);
  const broken = (offset: number, value: number) => {
    const copy = good.slice();
    copy[offset] = value;
    return copy;
  };
  assert.throws(
    () => decodeFatBootSector(broken(511, 0)),
    (e: unknown) => e instanceof FormatError && /0x55AA/.test(e.message),
  );
  assert.throws(
    () => decodeFatBootSector(broken(13, 3)),
    (e: unknown) =>
      e instanceof FormatError && e.location.field === "BPB_SecPerClus" && e.location.byteOffset === 13,
  );
  assert.throws(() => decodeFatBootSector(broken(12, 3)), FormatError); // 0x0300 bytes per sector
  assert.throws(() => decodeFatBootSector(good.subarray(0, 100)), FormatError);
});

Deno.test("boot sector: encoding refuses fields that do not fit", () => {
  assert.throws(() => encodeFatBootSector({ ...floppy, oemName: "TOO LONG!" }), RangeError);
  assert.throws(() => encodeFatBootSector({ ...floppy, volumeLabel: "ÉTÉ" }), RangeError);
  assert.throws(
    () => encodeFatBootSector({ ...esp32, bootCode: new Uint8Array(FAT32_BOOT_CODE_BYTES + 1) }),
    RangeError,
  );
});

Deno.test("boot sector: encode → decode round trip (property)", () => {
  const text = (length: number) =>
    fc.string({ unit: fc.constantFrom(..."ABCXYZ019 _-"), minLength: length, maxLength: length });
  fc.assert(fc.property(
    fc.record({
      sectorsPerCluster: fc.constantFrom(1, 2, 4, 8, 16, 32, 64, 128),
      reservedSectorCount: fc.integer({ min: 1, max: 0xffff }),
      fatCount: fc.integer({ min: 1, max: 4 }),
      totalSectorCount: fc.integer({ min: 0x10000, max: 0xffffffff }),
      sectorsPerFat: fc.integer({ min: 1, max: 0xffff }),
      hiddenSectorCount: fc.integer({ min: 0, max: 0xffffffff }),
      volumeSerial: fc.integer({ min: 0, max: 0xffffffff }),
      volumeLabel: text(11),
      oemName: text(8),
      fat32: fc.boolean(),
    }),
    (r) => {
      const bs: FatBootSector = r.fat32
        ? { ...esp32, ...r, fat32: esp32.fat32 }
        : { ...floppy, ...r, fat32: undefined };
      assert.deepEqual(decodeFatBootSector(encodeFatBootSector(bs)), bs);
    },
  ));
});

Deno.test("FSInfo: free count and next free as mtools left them (fat.md §11)", () => {
  const bytes = encodeFatFsInfo({ freeClusterCount: 129018, nextFreeCluster: 5 });
  assert.deepEqual(bytes.subarray(0, 4), hex("52 52 61 41")); // 0: FSI_LeadSig "RRaA"
  assert.ok(bytes.subarray(4, 484).every((b) => b === 0)); // 4: FSI_Reserved1
  assert.deepEqual(
    bytes.subarray(484),
    hex(`
      72 72 41 61   # 484: FSI_StrucSig "rrAa"
      fa f7 01 00   # 488: FSI_Free_Count 129018
      05 00 00 00   # 492: FSI_Nxt_Free 5
      00 00 00 00 00 00 00 00 00 00 00 00  # 496: FSI_Reserved2
      00 00 55 aa   # 508: FSI_TrailSig
    `),
  );
  assert.deepEqual(decodeFatFsInfo(bytes), { freeClusterCount: 129018, nextFreeCluster: 5 });
  const broken = bytes.slice();
  broken[486] = 0;
  assert.throws(
    () => decodeFatFsInfo(broken),
    (e: unknown) => e instanceof FormatError && e.location.field === "FSI_StrucSig",
  );
});

Deno.test("boot stub: jumps land on the code, and the code addresses its message", () => {
  assert.deepEqual(jumpBootFor(FAT16_BOOT_CODE_OFFSET), hex("eb 3c 90"));
  assert.deepEqual(jumpBootFor(FAT32_BOOT_CODE_OFFSET), hex("eb 58 90"));
  for (const offset of [FAT16_BOOT_CODE_OFFSET, FAT32_BOOT_CODE_OFFSET]) {
    const code = notBootableStub(offset);
    assert.ok(code.byteLength <= 510 - offset);
    assert.deepEqual(code.subarray(0, 4), hex("31 c0 8e d8")); // xor ax, ax; mov ds, ax
    assert.equal(code[4], 0xbe); // mov si, imm16
    const messageAddress = code[5] | (code[6] << 8);
    const messageAt = messageAddress - 0x7c00 - offset;
    const text = String.fromCharCode(...code.subarray(messageAt, messageAt + NOT_BOOTABLE_MESSAGE.length));
    assert.equal(text, NOT_BOOTABLE_MESSAGE);
    assert.equal(code[code.byteLength - 1], 0); // NUL terminated
  }
});

Deno.test("FAT type is decided by the cluster count alone (fatgen103)", () => {
  assert.equal(fatTypeOfClusterCount(4084), 12);
  assert.equal(fatTypeOfClusterCount(4085), 16);
  assert.equal(fatTypeOfClusterCount(65524), 16);
  assert.equal(fatTypeOfClusterCount(65525), 32);
});
