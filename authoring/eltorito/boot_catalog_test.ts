import assert from "node:assert/strict";
import fc from "fast-check";
import { FormatError } from "../../image/errors.ts";
import { hex } from "../iso9660/_hex.ts";
import { parseMkisofsArgs } from "../mkisofs/options.ts";
import {
  appendedPartitionSectorCount,
  BOOT_MEDIA_TYPE,
  type BootCatalog,
  type BootCatalogEntrySpec,
  bootCatalogEntrySpec,
  bootMediaTypeFor,
  buildBootCatalog,
  decodeBootCatalog,
  decodeInitialDefaultEntry,
  decodeSectionEntryExtension,
  decodeValidationEntry,
  elToritoSectorCount,
  encodeBootCatalog,
  encodeInitialDefaultEntry,
  encodeSectionEntryExtension,
  encodeValidationEntry,
  hardDiskSystemType,
  listBootCatalogImages,
} from "./boot_catalog.ts";

const bios: BootCatalogEntrySpec = {
  platformId: 0x00,
  bootable: true,
  bootMediaType: BOOT_MEDIA_TYPE.noEmulation,
  loadSegment: 0,
  systemType: 0,
  sectorCount: 4,
  loadRba: 4155,
};
const efi: BootCatalogEntrySpec = { ...bios, platformId: 0xef, sectorCount: 0x4000, loadRba: 59 };

Deno.test("boot catalog: xorriso's BIOS + UEFI catalog (el-torito.md §9)", () => {
  const sector = encodeBootCatalog([bios, efi]);
  assert.equal(sector.byteLength, 2048);
  // `xxd -s $((58*2048)) -l 128 hybrid.iso`
  const expected = hex(`
    01 00 0000 # validation: header 01, platform 00 (x86), reserved
    00000000 00000000 00000000 00000000 00000000 00000000 # ID string, 24 zeros
    aa55 # checksum word 0x55AA: 0x0001 + 0xAA55 + 0x55AA = 0x10000
    55 aa # key bytes
    88 00 0000 00 00 0400 3b100000 # default: bootable, no emulation, seg 0, type 0, 4 sectors, LBA 4155
    0000000000000000000000000000000000000000 # unused
    91 ef 0100 # section header: final, platform EF, 1 entry
    00000000000000000000000000000000000000000000000000000000 # ID string
    88 00 0000 00 00 0040 3b000000 # entry: bootable, no emulation, 0x4000 sectors (8 MiB), LBA 59
    00 00000000000000000000000000000000000000 # selection criteria none
  `);
  assert.deepEqual(sector.subarray(0, 128), expected);
  assert.ok(sector.subarray(128).every((b) => b === 0));
  const catalog = decodeBootCatalog(sector, 0, { strict: true });
  assert.deepEqual(catalog, buildBootCatalog([bios, efi]));
  assert.deepEqual(encodeBootCatalog(catalog), sector);
});

Deno.test("validation entry: checksum 0x66AA for platform 0xEF (el-torito.md Audit)", () => {
  const entry = encodeValidationEntry({ platformId: 0xef, idString: new Uint8Array(24) });
  assert.deepEqual(entry.subarray(28), hex("aa 66 55 aa"));
  assert.deepEqual(decodeValidationEntry(entry, 0, { strict: true }).platformId, 0xef);
});

Deno.test("validation entry: a wrong checksum is policy, wrong key bytes a FormatError", () => {
  const entry = encodeValidationEntry({ platformId: 0, idString: new Uint8Array(24) });
  entry[28] = 0;
  assert.throws(() => decodeValidationEntry(entry, 0, { strict: true }), FormatError);
  const diagnostics: string[] = [];
  decodeValidationEntry(entry, 0, { diagnostics });
  assert.deepEqual(diagnostics, [
    "Cannot verify boot catalog: validation entry words do not sum to 0 (byte 28)",
  ]);
  entry[31] = 0;
  assert.throws(() => decodeValidationEntry(entry, 0), FormatError);
});

Deno.test("default entry: genisoimage's 1.44 MB floppy (el-torito.md §9)", () => {
  const bytes = encodeInitialDefaultEntry({
    bootIndicator: 0x88,
    bootMediaType: BOOT_MEDIA_TYPE.floppy1440KiB,
    loadSegment: 0,
    systemType: 0,
    sectorCount: 1,
    loadRba: 0x101a,
  });
  assert.deepEqual(bytes.subarray(0, 12), hex("88 02 0000 00 00 0100 1a100000"));
  assert.deepEqual(decodeInitialDefaultEntry(bytes, 0).bootMediaType, 2);
});

Deno.test("boot catalog: sections group consecutive images of one platform and ID string, as xorriso", () => {
  // xorriso -b isolinux.bin -e efi.img -eltorito-id hello -eltorito-selcrit 0102 -e eltorito.img
  //         -eltorito-platform 0x02 -b hello.txt -e efi.img -eltorito-platform 0x00 -b efi.img -hard-disk-boot
  const id = new Uint8Array(28);
  id.set([0x68, 0x65, 0x6c, 0x6c, 0x6f]);
  const criteria = new Uint8Array(20);
  criteria.set([1, 2]);
  const specs: BootCatalogEntrySpec[] = [
    { ...bios, loadRba: 770 },
    { ...efi, sectorCount: 2880, loadRba: 34, idString: id, selectionCriteria: criteria },
    { ...efi, sectorCount: 60, loadRba: 754 },
    { ...bios, platformId: 0x02, loadRba: 769 },
    { ...efi, sectorCount: 2880, loadRba: 34 },
    { ...bios, bootMediaType: BOOT_MEDIA_TYPE.hardDisk, sectorCount: 1, loadRba: 34 },
  ];
  const sector = encodeBootCatalog(specs);
  const expected = hex(`
    01 00 0000 000000000000000000000000000000000000000000000000 aa55 55aa # validation
    88 00 0000 00 00 0400 02030000 0000000000000000000000000000000000000000 # default: isolinux.bin
    90 ef 0100 68656c6c6f ${"00".repeat(23)} # EF, ID "hello": a section of its own
    88 00 0000 00 00 400b 22000000 01 02000000000000000000000000000000000000 # selection criteria 01 02
    90 ef 0100 00000000000000000000000000000000000000000000000000000000 # EF, no ID
    88 00 0000 00 00 3c00 f2020000 00 00000000000000000000000000000000000000
    90 02 0100 00000000000000000000000000000000000000000000000000000000 # Mac
    88 00 0000 00 00 0400 01030000 00 00000000000000000000000000000000000000
    90 ef 0100 00000000000000000000000000000000000000000000000000000000 # EF again: not merged across
    88 00 0000 00 00 400b 22000000 00 00000000000000000000000000000000000000
    91 00 0100 00000000000000000000000000000000000000000000000000000000 # x86, last header 91
    88 04 0000 00 00 0100 22000000 00 00000000000000000000000000000000000000 # hard disk emulation
  `);
  assert.deepEqual(sector.subarray(0, expected.byteLength), expected);
  const decoded = decodeBootCatalog(sector, 0, { strict: true });
  assert.deepEqual(decoded.sections.map((s) => [s.header.platformId, s.header.sectionEntryCount]), [
    [0xef, 1],
    [0xef, 1],
    [0x02, 1],
    [0xef, 1],
    [0x00, 1],
  ]);
  assert.deepEqual(listBootCatalogImages(decoded).map((i) => i.loadRba), [770, 34, 754, 769, 34, 34]);
});

Deno.test("boot catalog: consecutive EFI images share one section", () => {
  const catalog = buildBootCatalog([bios, efi, { ...efi, loadRba: 60 }, { ...efi, loadRba: 61 }]);
  assert.equal(catalog.sections.length, 1);
  assert.equal(catalog.sections[0].header.sectionEntryCount, 3);
  assert.equal(catalog.sections[0].header.headerIndicator, 0x91);
  const catalog2 = buildBootCatalog([bios, { ...bios, loadRba: 5 }, efi]);
  assert.deepEqual(catalog2.sections.map((s) => s.header.headerIndicator), [0x90, 0x91]);
  assert.equal(buildBootCatalog([bios]).sections.length, 0);
});

Deno.test("boot catalog: the default image's selection criteria go to its unused bytes (libisofs)", () => {
  const criteria = new Uint8Array(20).fill(7);
  const sector = encodeBootCatalog([{ ...bios, selectionCriteria: criteria }]);
  assert.deepEqual(sector.subarray(44, 64), criteria);
  assert.deepEqual(decodeBootCatalog(sector).initialDefaultEntry.unusedBytes, criteria);
});

Deno.test("section entry extension: encode/decode and an entry announcing one", () => {
  const ext = encodeSectionEntryExtension({
    extensionFollows: true,
    vendorUniqueSelectionCriteria: new Uint8Array(30).fill(1),
  });
  assert.deepEqual(ext.subarray(0, 3), hex("44 20 01"));
  assert.equal(decodeSectionEntryExtension(ext, 0).extensionFollows, true);
  const catalog: BootCatalog = {
    ...buildBootCatalog([bios, efi]),
  };
  const withExtensions: BootCatalog = {
    ...catalog,
    sections: [{
      header: catalog.sections[0].header,
      entries: [{
        entry: { ...catalog.sections[0].entries[0].entry, bootMediaType: 0x20 },
        extensions: [
          { extensionFollows: true, vendorUniqueSelectionCriteria: new Uint8Array(30).fill(2) },
          { extensionFollows: false, vendorUniqueSelectionCriteria: new Uint8Array(30).fill(3) },
        ],
      }],
    }],
  };
  const sector = encodeBootCatalog(withExtensions);
  assert.deepEqual(decodeBootCatalog(sector, 0, { strict: true }), withExtensions);
});

Deno.test("boot catalog: encode → decode round trip of built catalogs (property)", () => {
  const spec = fc.record({
    platformId: fc.constantFrom(0x00, 0x01, 0x02, 0xef),
    bootable: fc.boolean(),
    bootMediaType: fc.integer({ min: 0, max: 4 }),
    loadSegment: fc.nat({ max: 0xffff }),
    systemType: fc.nat({ max: 0xff }),
    sectorCount: fc.nat({ max: 0xffff }),
    loadRba: fc.nat({ max: 0xffffffff }),
    idString: fc.option(fc.uint8Array({ minLength: 28, maxLength: 28 }), { nil: undefined }),
    selectionCriteria: fc.option(fc.uint8Array({ minLength: 20, maxLength: 20 }), { nil: undefined }),
  });
  fc.assert(
    fc.property(fc.array(spec, { minLength: 1, maxLength: 32 }), (specs) => {
      const catalog = buildBootCatalog(specs);
      const sector = encodeBootCatalog(catalog);
      assert.equal(sector.byteLength, 2048);
      const decoded = decodeBootCatalog(sector, 0, { strict: true });
      assert.deepEqual(encodeBootCatalog(decoded), sector);
      const images = listBootCatalogImages(decoded);
      assert.equal(images.length, specs.length);
      images.forEach((image, i) => {
        assert.equal(image.platformId, specs[i].platformId);
        assert.equal(image.loadRba, specs[i].loadRba);
        assert.equal(image.sectorCount, specs[i].sectorCount);
      });
    }),
  );
});

Deno.test("boot catalog: fuzzed sectors decode or throw FormatError only", () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 2048 }), fc.boolean(), (bytes, strict) => {
      if (bytes.byteLength >= 32) bytes.set([0x01], 0), bytes.set([0x55, 0xaa], 30);
      if (bytes.byteLength >= 96 && bytes[0] & 1) bytes[64] = 0x90 | (bytes[1] & 1);
      try {
        decodeBootCatalog(bytes, 0, { strict });
      } catch (error) {
        assert.ok(error instanceof FormatError, String(error));
      }
    }),
  );
});

Deno.test("sector counts as libisofs writes them (el-torito.md §3)", () => {
  const full = (platformId: number, imageByteLength: number) =>
    elToritoSectorCount({ platformId, bootMediaType: 0, loadSectorCount: "full", imageByteLength });
  assert.equal(full(0xef, 1_000_000), 1956); // 4 × 489 blocks, not 1954
  assert.equal(full(0xef, 8 * 1024 * 1024), 0x4000);
  assert.equal(full(0xef, 16383 * 2048), 65532);
  assert.equal(full(0xef, 16384 * 2048), 0); // over 65535: 0 for UEFI
  assert.equal(full(0x00, 16384 * 2048), 65535); // and 65535 otherwise
  assert.equal(full(0x00, 0), 1);
  assert.equal(
    elToritoSectorCount({ platformId: 0, bootMediaType: 0, loadSectorCount: 4, imageByteLength: 38912 }),
    4,
  );
  // xorriso loads 0xEF files whole whatever -boot-load-size says
  assert.equal(
    elToritoSectorCount({ platformId: 0xef, bootMediaType: 0, loadSectorCount: 4, imageByteLength: 4096 }),
    8,
  );
  assert.equal(elToritoSectorCount({ platformId: 0, bootMediaType: 2, imageByteLength: 1474560 }), 1);
  assert.equal(appendedPartitionSectorCount(0xef, 4096), 16384);
  assert.equal(appendedPartitionSectorCount(0xef, 20000), 0);
  assert.throws(() => appendedPartitionSectorCount(0xef, 0), RangeError);
});

Deno.test("media type and hard disk system type", () => {
  assert.equal(bootMediaTypeFor("floppy", 1228800), 1);
  assert.equal(bootMediaTypeFor("floppy", 2949120), 3);
  assert.throws(
    () => bootMediaTypeFor("floppy", 1000),
    /^RangeError: Cannot use boot image for floppy emulation/,
  );
  const mbr = new Uint8Array(512);
  mbr[510] = 0x55;
  mbr[511] = 0xaa;
  mbr[446 + 16 + 4] = 0x06;
  assert.equal(hardDiskSystemType(mbr), 0x06);
  mbr[446 + 4] = 0x0c;
  assert.throws(() => hardDiskSystemType(mbr), /2 used partitions/);
});

Deno.test("bootCatalogEntrySpec: parsed -b/-e entries become xorriso's entries", () => {
  const options = parseMkisofsArgs([
    "-b",
    "isolinux/isolinux.bin",
    "-no-emul-boot",
    "-boot-load-size",
    "4",
    "-eltorito-alt-boot",
    "-e",
    "--interval:appended_partition_2:all::",
    "-no-emul-boot",
    "-append_partition",
    "2",
    "0xef",
    "efi.img",
    "tree",
  ]);
  const specs = [
    bootCatalogEntrySpec(options.boot[0], { kind: "file", lba: 4155, byteLength: 38912 }),
    bootCatalogEntrySpec(options.boot[1], { kind: "appendedPartition", lba: 512, blockCount: 4096 }),
  ];
  assert.deepEqual(encodeBootCatalog(specs), encodeBootCatalog([bios, { ...efi, loadRba: 512 }]));
});
