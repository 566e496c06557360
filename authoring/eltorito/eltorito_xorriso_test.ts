/**
 * El Torito structures against xorriso: images built by `xorriso -as mkisofs` from a small tree
 * (isolinux.bin, an EFI FAT image, GRUB's eltorito.img) are decoded with our decoders, every field
 * is checked against where xorriso put the files, re-encoding gives the same bytes, the catalog
 * our builder makes from the parsed options is xorriso's, the patched boot images are byte-equal,
 * and formatElToritoReport prints what `xorriso -report_el_torito plain` prints.
 */

import assert from "node:assert/strict";
import { tempDir, toolTest } from "../../tests/_tools.ts";
import { parseMkisofsArgs } from "../mkisofs/options.ts";
import {
  FIXTURE_TOOLS,
  type ImageFacts,
  ISOHDPFX_BIN,
  makeBootTree,
  missingTemplates,
  readImageFacts,
  xorrisoMkisofs,
  xorrisoReport,
} from "../hybrid/_xorriso.ts";
import {
  BOOT_INDICATOR,
  BOOT_MEDIA_TYPE,
  bootCatalogEntrySpec,
  decodeBootCatalog,
  EL_TORITO_PLATFORM,
  encodeBootCatalog,
  listBootCatalogImages,
} from "./boot_catalog.ts";
import {
  BOOT_RECORD_LBA,
  decodeBootRecordVolumeDescriptor,
  EL_TORITO_BOOT_SYSTEM_IDENTIFIER,
  encodeBootRecordVolumeDescriptor,
} from "./boot_record.ts";
import { inspectBootImage, patchBootImage } from "./boot_info_table.ts";
import { type ElToritoReportImage, formatElToritoReport } from "./report.ts";

function fileAt(facts: ImageFacts, lba: number): [string, { lba: number; byteLength: number }] | undefined {
  return [...facts.files].find(([, extent]) => extent.lba === lba);
}

/** Our report of an xorriso image: catalog from the image, paths and patch facts from its files. */
function ourReport(
  facts: ImageFacts,
  catalogPath: string | undefined,
  blockCounts: Map<number, number> = new Map(),
) {
  const images: ElToritoReportImage[] = listBootCatalogImages(facts.catalog).map((image, i) => {
    const file = fileAt(facts, image.loadRba);
    if (!file) return { blockCount: blockCounts.get(i) };
    const bytes = facts.bytes.subarray(file[1].lba * 2048, file[1].lba * 2048 + file[1].byteLength);
    return { path: file[0], ...inspectBootImage(bytes, file[1].lba) };
  });
  return formatElToritoReport(facts.catalog, { catalogLba: facts.catalogLba, catalogPath, images });
}

toolTest("El Torito: BIOS + UEFI image from xorriso decodes, re-encodes and reports identically", [
  ...FIXTURE_TOOLS,
], async () => {
  await using tmp = await tempDir("discwright-eltorito-");
  await makeBootTree(tmp.path);
  const args = [
    "-o",
    "out.iso",
    "-R",
    "-J",
    "-V",
    "TESTVOL",
    "-b",
    "isolinux/isolinux.bin",
    "-c",
    "isolinux/boot.cat",
    "-no-emul-boot",
    "-boot-load-size",
    "4",
    "-boot-info-table",
    "-eltorito-alt-boot",
    "-e",
    "boot/grub/efi.img",
    "-no-emul-boot",
    "tree",
  ];
  await xorrisoMkisofs(tmp.path, args);
  const facts = await readImageFacts(`${tmp.path}/out.iso`);

  // Boot Record: every field, and the same bytes back.
  const record = decodeBootRecordVolumeDescriptor(facts.bootRecordSector, 0, { strict: true });
  assert.equal(record.bootSystemIdentifier, EL_TORITO_BOOT_SYSTEM_IDENTIFIER);
  assert.deepEqual(record.bootIdentifier, new Uint8Array(32));
  assert.equal(record.bootCatalogLba, facts.files.get("/isolinux/boot.cat")!.lba);
  assert.deepEqual(encodeBootRecordVolumeDescriptor(record), facts.bootRecordSector);
  assert.equal(facts.bytes[BOOT_RECORD_LBA * 2048], 0);

  // Catalog: every field.
  const isolinux = facts.files.get("/isolinux/isolinux.bin")!;
  const efi = facts.files.get("/boot/grub/efi.img")!;
  const catalog = decodeBootCatalog(facts.catalogSector, 0, { strict: true });
  assert.equal(catalog.validationEntry.platformId, EL_TORITO_PLATFORM.x86);
  assert.deepEqual(catalog.validationEntry.idString, new Uint8Array(24));
  assert.deepEqual(catalog.initialDefaultEntry, {
    bootIndicator: BOOT_INDICATOR.bootable,
    bootMediaType: BOOT_MEDIA_TYPE.noEmulation,
    loadSegment: 0,
    systemType: 0,
    sectorCount: 4,
    loadRba: isolinux.lba,
  });
  assert.equal(catalog.sections.length, 1);
  assert.deepEqual(catalog.sections[0].header, {
    headerIndicator: 0x91,
    platformId: EL_TORITO_PLATFORM.efi,
    sectionEntryCount: 1,
    idString: new Uint8Array(28),
  });
  assert.deepEqual(catalog.sections[0].entries, [{
    entry: {
      bootIndicator: BOOT_INDICATOR.bootable,
      bootMediaType: BOOT_MEDIA_TYPE.noEmulation,
      loadSegment: 0,
      systemType: 0,
      sectorCount: Math.ceil(efi.byteLength / 2048) * 4,
      loadRba: efi.lba,
      selectionCriteriaType: 0,
      vendorUniqueSelectionCriteria: new Uint8Array(19),
    },
    extensions: [],
  }]);
  assert.deepEqual(encodeBootCatalog(catalog), facts.catalogSector);

  // Our catalog from the same options and xorriso's file placement.
  const options = parseMkisofsArgs(args);
  const specs = options.boot.map((entry) => {
    const extent = facts.files.get((entry.image as { isoPath: string }).isoPath)!;
    return bootCatalogEntrySpec(entry, { kind: "file", ...extent });
  });
  assert.deepEqual(encodeBootCatalog(specs), facts.catalogSector);

  // The Boot Info Table xorriso patched into isolinux.bin is ours; the EFI image is untouched.
  const original = await Deno.readFile(`${tmp.path}/tree/isolinux/isolinux.bin`);
  const inImage = facts.bytes.subarray(isolinux.lba * 2048, isolinux.lba * 2048 + isolinux.byteLength);
  assert.deepEqual(
    patchBootImage(original, {
      primaryVolumeDescriptorLba: 16,
      bootFileLba: isolinux.lba,
      bootInfoTable: true,
      grub2BootInfo: false,
    }),
    inImage,
  );
  assert.deepEqual(
    facts.bytes.subarray(efi.lba * 2048, efi.lba * 2048 + efi.byteLength),
    await Deno.readFile(`${tmp.path}/efi.img`),
  );

  assert.equal(
    ourReport(facts, "/isolinux/boot.cat"),
    await xorrisoReport(`${tmp.path}/out.iso`, "-report_el_torito"),
  );
});

toolTest(
  "El Torito: xorriso's section grouping of six mixed entries is ours",
  [...FIXTURE_TOOLS],
  async () => {
    await using tmp = await tempDir("discwright-eltorito-");
    await makeBootTree(tmp.path);
    const args = [
      "-o",
      "out.iso",
      "-R",
      "-b",
      "isolinux/isolinux.bin",
      "-c",
      "boot.cat",
      "-no-emul-boot",
      "-boot-load-size",
      "4",
      "-eltorito-alt-boot",
      "-e",
      "boot/grub/efi.img",
      "-no-emul-boot",
      "-eltorito-id",
      "hello",
      "-eltorito-selcrit",
      "0102",
      "-eltorito-alt-boot",
      "-e",
      "hello.txt",
      "-no-emul-boot",
      "-eltorito-alt-boot",
      "-eltorito-platform",
      "0x02",
      "-b",
      "hello.txt",
      "-no-emul-boot",
      "-eltorito-alt-boot",
      "-e",
      "boot/grub/efi.img",
      "-no-emul-boot",
      "-eltorito-alt-boot",
      "-eltorito-platform",
      "0x00",
      "-b",
      "isolinux/isolinux.bin",
      "-no-emul-boot",
      "tree",
    ];
    await xorrisoMkisofs(tmp.path, args);
    const facts = await readImageFacts(`${tmp.path}/out.iso`);
    const options = parseMkisofsArgs(args);
    const specs = options.boot.map((entry) => {
      const extent = facts.files.get((entry.image as { isoPath: string }).isoPath)!;
      return bootCatalogEntrySpec(entry, { kind: "file", ...extent });
    });
    assert.deepEqual(encodeBootCatalog(specs), facts.catalogSector);
    assert.deepEqual(
      facts.catalog.sections.map((
        s,
      ) => [s.header.headerIndicator, s.header.platformId, s.header.sectionEntryCount]),
      [
        [0x90, 0xef, 1],
        [0x90, 0xef, 1],
        [0x90, 0x02, 1],
        [0x90, 0xef, 1],
        [0x91, 0x00, 1],
      ],
    );
    assert.equal(
      ourReport(facts, "/boot.cat"),
      await xorrisoReport(`${tmp.path}/out.iso`, "-report_el_torito"),
    );
  },
);

toolTest(
  "El Torito: GRUB2 eltorito.img with --grub2-boot-info, hidden catalog, ESP as appended partition",
  [...FIXTURE_TOOLS, "grub-mkimage"],
  async () => {
    await using tmp = await tempDir("discwright-eltorito-");
    const tree = await makeBootTree(tmp.path);
    if (!tree.hasGrubEltorito) throw new Error("grub-mkimage could not make eltorito.img");
    const args = [
      "-o",
      "out.iso",
      "-R",
      "-c",
      "boot.cat",
      "--boot-catalog-hide",
      "-b",
      "boot/grub/i386-pc/eltorito.img",
      "-no-emul-boot",
      "-boot-load-size",
      "4",
      "-boot-info-table",
      "--grub2-boot-info",
      "-append_partition",
      "2",
      "0xef",
      "efi.img",
      "-eltorito-alt-boot",
      "-e",
      "--interval:appended_partition_2:all::",
      "-no-emul-boot",
      "tree",
    ];
    await xorrisoMkisofs(tmp.path, args);
    const facts = await readImageFacts(`${tmp.path}/out.iso`);
    const grub = facts.files.get("/boot/grub/i386-pc/eltorito.img")!;
    const original = await Deno.readFile(`${tmp.path}/tree/boot/grub/i386-pc/eltorito.img`);
    const patched = patchBootImage(original, {
      primaryVolumeDescriptorLba: 16,
      bootFileLba: grub.lba,
      bootInfoTable: true,
      grub2BootInfo: true,
    });
    assert.deepEqual(patched, facts.bytes.subarray(grub.lba * 2048, grub.lba * 2048 + grub.byteLength));
    assert.deepEqual(inspectBootImage(patched, grub.lba), {
      bootInfoTable: true,
      isohybridSuitable: false,
      grub2BootInfo: true,
    });

    const options = parseMkisofsArgs(args);
    const images = listBootCatalogImages(facts.catalog);
    const efiBlocks = Math.ceil((await Deno.stat(`${tmp.path}/efi.img`)).size / 2048);
    const specs = [
      bootCatalogEntrySpec(options.boot[0], { kind: "file", ...grub }),
      bootCatalogEntrySpec(options.boot[1], {
        kind: "appendedPartition",
        lba: images[1].loadRba,
        blockCount: efiBlocks,
      }),
    ];
    assert.deepEqual(encodeBootCatalog(specs), facts.catalogSector);
    assert.equal(
      ourReport(facts, undefined, new Map([[1, efiBlocks]])),
      await xorrisoReport(`${tmp.path}/out.iso`, "-report_el_torito"),
    );
  },
);

toolTest(
  "El Torito: isohybrid image report (isohybrid-suitable)",
  [...FIXTURE_TOOLS],
  async () => {
    await using tmp = await tempDir("discwright-eltorito-");
    await makeBootTree(tmp.path);
    await xorrisoMkisofs(tmp.path, [
      "-o",
      "out.iso",
      "-R",
      "-b",
      "isolinux/isolinux.bin",
      "-c",
      "isolinux/boot.cat",
      "-no-emul-boot",
      "-boot-load-size",
      "4",
      "-boot-info-table",
      "-isohybrid-mbr",
      ISOHDPFX_BIN,
      "tree",
    ]);
    const facts = await readImageFacts(`${tmp.path}/out.iso`);
    const report = ourReport(facts, "/isolinux/boot.cat");
    assert.ok(report.includes("El Torito img opts :   1  boot-info-table isohybrid-suitable\n"));
    assert.equal(report, await xorrisoReport(`${tmp.path}/out.iso`, "-report_el_torito"));
  },
  { skipReason: missingTemplates([ISOHDPFX_BIN]) },
);
