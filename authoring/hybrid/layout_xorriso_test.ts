/**
 * planSystemArea against xorriso: each scenario builds a small image with `xorriso -as mkisofs`,
 * parses the very same arguments with our option parser, feeds planSystemArea the facts of the
 * xorriso image (data end, boot image extents, appended file sizes, template, GPT disk GUID and
 * MBR id), and requires byte equality of the system area and the GPT backup, plus the same image
 * size, volume space sizes and appended partition positions.
 */

import assert from "node:assert/strict";
import { parseMkisofsArgs } from "../mkisofs/options.ts";
import { tempDir, toolTest } from "../../tests/_tools.ts";
import { BIOS_ENTRY } from "../../tests/_hybrid_tree.ts";
import { listBootCatalogImages } from "../eltorito/boot_catalog.ts";
import { guidFromBytes } from "./gpt.ts";
import {
  gptDiskGuidFromVolumeUuid,
  mbrIdFromVolumeUuid,
  planSystemArea,
  type SystemAreaInput,
  type SystemAreaPlan,
} from "./layout.ts";
import {
  BOOT_HYBRID_IMG,
  firstDifference,
  FIXTURE_TOOLS,
  type ImageFacts,
  ISOHDPFX_BIN,
  makeBootTree,
  missingTemplates,
  readImageFacts,
  xorrisoMkisofs,
} from "./_xorriso.ts";

const EFI_GUID = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B";
const BASIC_DATA_GUID = "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7";
const GRUB_BOOT = [
  "-b",
  "boot/grub/i386-pc/eltorito.img",
  "-no-emul-boot",
  "-boot-load-size",
  "4",
  "-boot-info-table",
  "--grub2-boot-info",
];

interface Scenario {
  readonly name: string;
  /** Arguments after `-as mkisofs` (without -o). */
  readonly args: readonly string[];
  readonly needsGrubEltorito?: boolean;
  /** Ids from --modification-date instead of from the image. */
  readonly volumeUuid?: string;
  /** Extra checks on the plan. */
  readonly check?: (plan: SystemAreaPlan, facts: ImageFacts) => void;
}

const SCENARIOS: readonly Scenario[] = [
  {
    name: "(a) -isohybrid-mbr isohdpfx.bin",
    args: ["-R", "-J", "-V", "A", ...BIOS_ENTRY, "-isohybrid-mbr", ISOHDPFX_BIN, "tree"],
    check: (plan) => {
      assert.equal(plan.totalBlockCount % 512, 0, "padded to whole 1 MiB cylinders");
      assert.equal(plan.systemArea[446 + 4], 0x17);
    },
  },
  {
    name: "(a') -isohybrid-mbr with -iso_mbr_part_type 0x83 and -no-pad",
    args: [
      "-R",
      "-V",
      "A",
      ...BIOS_ENTRY,
      "-isohybrid-mbr",
      ISOHDPFX_BIN,
      "-iso_mbr_part_type",
      "0x83",
      "-no-pad",
      "tree",
    ],
    check: (plan) => assert.equal(plan.systemArea[446 + 4], 0x83),
  },
  {
    name: "(b) + -isohybrid-gpt-basdat with the EFI image in the tree",
    args: [
      "-R",
      "-J",
      "-V",
      "B",
      ...BIOS_ENTRY,
      "-eltorito-alt-boot",
      "-e",
      "boot/grub/efi.img",
      "-no-emul-boot",
      "-isohybrid-gpt-basdat",
      "-isohybrid-mbr",
      ISOHDPFX_BIN,
      "tree",
    ],
    check: (plan) => {
      assert.equal(plan.systemArea[446 + 4], 0x00);
      assert.equal(plan.systemArea[446 + 16 + 4], 0xef);
      assert.ok(plan.gptBackup);
    },
  },
  {
    name: "(b') -isohybrid-gpt-hfsplus",
    args: [
      "-R",
      "-V",
      "B",
      ...BIOS_ENTRY,
      "-eltorito-alt-boot",
      "-e",
      "boot/grub/efi.img",
      "-no-emul-boot",
      "-isohybrid-gpt-hfsplus",
      "-isohybrid-mbr",
      ISOHDPFX_BIN,
      "tree",
    ],
  },
  {
    name: "(c) Debian: -isohybrid-gpt-basdat -isohybrid-apm-hfsplus",
    args: [
      "-r",
      "-V",
      "C",
      "-J",
      "-joliet-long",
      "-isohybrid-mbr",
      ISOHDPFX_BIN,
      "-b",
      "isolinux/isolinux.bin",
      "-c",
      "isolinux/boot.cat",
      "-boot-load-size",
      "4",
      "-boot-info-table",
      "-no-emul-boot",
      "-eltorito-alt-boot",
      "-e",
      "boot/grub/efi.img",
      "-no-emul-boot",
      "-isohybrid-gpt-basdat",
      "-isohybrid-apm-hfsplus",
      "tree",
    ],
    check: (plan) => {
      assert.deepEqual([...plan.systemArea.subarray(0, 8)], [0x45, 0x52, 0x08, 0x00, 0x00, 0x00, 0x90, 0x90]);
      assert.equal(String.fromCharCode(plan.systemArea[2048], plan.systemArea[2049]), "PM");
    },
  },
  {
    name: "(d) Arch: --mbr-force-bootable -partition_offset 16 -append_partition 2 ESP -e appended",
    args: [
      "-iso-level",
      "3",
      "-full-iso9660-filenames",
      "-joliet",
      "-joliet-long",
      "-rational-rock",
      "-volid",
      "ARCH",
      "-eltorito-boot",
      "isolinux/isolinux.bin",
      "-eltorito-catalog",
      "isolinux/boot.cat",
      "-no-emul-boot",
      "-boot-load-size",
      "4",
      "-boot-info-table",
      "-isohybrid-mbr",
      ISOHDPFX_BIN,
      "--mbr-force-bootable",
      "-partition_offset",
      "16",
      "-append_partition",
      "2",
      EFI_GUID,
      "efi.img",
      "-isohybrid-gpt-basdat",
      "-eltorito-alt-boot",
      "-e",
      "--interval:appended_partition_2:all::",
      "-no-emul-boot",
      "tree",
    ],
    check: (plan) => assert.equal(plan.partitionDescriptorSet?.lba, 32),
  },
  {
    name: "(d) Debian live-build: -partition_offset 16 -append_partition 2 0x01",
    args: [
      "-R",
      "-r",
      "-J",
      "-joliet-long",
      "-l",
      "-iso-level",
      "3",
      "-isohybrid-mbr",
      ISOHDPFX_BIN,
      "-partition_offset",
      "16",
      "-V",
      "LIVE",
      ...BIOS_ENTRY,
      "-eltorito-alt-boot",
      "-e",
      "boot/grub/efi.img",
      "-no-emul-boot",
      "-append_partition",
      "2",
      "0x01",
      "efi.img",
      "tree",
    ],
  },
  {
    name: "(d) Debian 11: -append_partition 2 ESP -appended_part_as_gpt",
    args: [
      "-R",
      "-J",
      "-V",
      "D11",
      ...BIOS_ENTRY,
      "-isohybrid-mbr",
      ISOHDPFX_BIN,
      "-append_partition",
      "2",
      EFI_GUID,
      "efi.img",
      "-appended_part_as_gpt",
      "-eltorito-alt-boot",
      "-e",
      "--interval:appended_partition_2:all::",
      "-no-emul-boot",
      "tree",
    ],
    check: (plan) => assert.equal(plan.systemArea[446 + 4], 0xee),
  },
  {
    name: "(d) -append_partition 2 0xef, MBR only",
    args: [
      "-R",
      "-V",
      "DMBR",
      ...BIOS_ENTRY,
      "-isohybrid-mbr",
      ISOHDPFX_BIN,
      "-append_partition",
      "2",
      "0xef",
      "efi.img",
      "-eltorito-alt-boot",
      "-e",
      "--interval:appended_partition_2:all::",
      "-no-emul-boot",
      "tree",
    ],
  },
  {
    name: "(d) Fedora: --grub2-mbr -partition_offset 16 -appended_part_as_gpt -iso_mbr_part_type GUID",
    needsGrubEltorito: true,
    args: [
      "-R",
      "-J",
      "-V",
      "FEDORA",
      "--grub2-mbr",
      BOOT_HYBRID_IMG,
      "-partition_offset",
      "16",
      "-appended_part_as_gpt",
      "-append_partition",
      "2",
      EFI_GUID,
      "efi.img",
      "-iso_mbr_part_type",
      BASIC_DATA_GUID,
      "-c",
      "boot.cat",
      "--boot-catalog-hide",
      ...GRUB_BOOT,
      "-eltorito-alt-boot",
      "-e",
      "--interval:appended_partition_2:all::",
      "-no-emul-boot",
      "tree",
    ],
  },
  {
    name: "(d) --grub2-mbr -appended_part_as_gpt --mbr-force-bootable (dummy active entry)",
    needsGrubEltorito: true,
    args: [
      "-R",
      "-V",
      "FORCE",
      "--grub2-mbr",
      BOOT_HYBRID_IMG,
      "--mbr-force-bootable",
      "-appended_part_as_gpt",
      "-append_partition",
      "2",
      EFI_GUID,
      "efi.img",
      ...GRUB_BOOT,
      "-eltorito-alt-boot",
      "-e",
      "--interval:appended_partition_2:all::",
      "-no-emul-boot",
      "tree",
    ],
  },
  {
    name: "(e) --grub2-mbr boot_hybrid.img alone",
    needsGrubEltorito: true,
    args: ["-R", "-V", "GRUB", ...GRUB_BOOT, "--grub2-mbr", BOOT_HYBRID_IMG, "tree"],
  },
  {
    name: "(e) grub-mkrescue: --protective-msdos-label -efi-boot-part --efi-boot-image",
    needsGrubEltorito: true,
    args: [
      "-R",
      "-J",
      "-V",
      "RESCUE",
      ...GRUB_BOOT,
      "--grub2-mbr",
      BOOT_HYBRID_IMG,
      "--efi-boot",
      "boot/grub/efi.img",
      "-efi-boot-part",
      "--efi-boot-image",
      "--protective-msdos-label",
      "tree",
    ],
  },
  {
    name: "(e) --protective-msdos-label alone",
    args: ["-R", "-V", "PML", ...BIOS_ENTRY, "--protective-msdos-label", "tree"],
  },
  {
    name: "(f) -partition_cyl_align on with --protective-msdos-label",
    args: [
      "-R",
      "-V",
      "ON",
      ...BIOS_ENTRY,
      "--protective-msdos-label",
      "-partition_cyl_align",
      "on",
      "tree",
    ],
    check: (plan) => assert.equal(plan.totalBlockCount % 512, 0),
  },
  {
    name: "(f) -partition_cyl_align off with -isohybrid-mbr",
    args: [
      "-R",
      "-V",
      "OFF",
      ...BIOS_ENTRY,
      "-isohybrid-mbr",
      ISOHDPFX_BIN,
      "-partition_cyl_align",
      "off",
      "tree",
    ],
    check: (plan) => assert.equal(plan.alignmentBlockCount, 0),
  },
  {
    name: "(f) -partition_cyl_align all pads appended partitions to cylinders",
    args: [
      "-R",
      "-V",
      "ALL",
      ...BIOS_ENTRY,
      "-isohybrid-mbr",
      ISOHDPFX_BIN,
      "-partition_cyl_align",
      "all",
      "-append_partition",
      "2",
      "0xef",
      "efi.img",
      "-append_partition",
      "3",
      "Linux",
      "tree/hello.txt",
      "tree",
    ],
    check: (plan) => {
      for (const p of plan.appendedPartitions) {
        assert.equal(p.lba % 512, 0);
        assert.equal(p.blockCount % 512, 0);
      }
    },
  },
  {
    name: "(f) 255 heads × 63 sectors: cylinders not divisible by 2048 bytes",
    args: [
      "-R",
      "-V",
      "ODD",
      ...BIOS_ENTRY,
      "-isohybrid-mbr",
      ISOHDPFX_BIN,
      "-partition_hd_cyl",
      "255",
      "-partition_sec_hd",
      "63",
      "tree",
    ],
    check: (plan) => assert.ok(plan.diagnostics.some((d) => d.includes("not divisible by 2048"))),
  },
  {
    name: "(g) -partition_offset 16 with -G and no boot image tables",
    args: ["-R", "-J", "-V", "G", ...BIOS_ENTRY, "-G", ISOHDPFX_BIN, "-partition_offset", "16", "tree"],
  },
  {
    name: "(h) ids from --modification-date and --gpt_disk_guid modification-date",
    volumeUuid: "2026112319382700",
    args: [
      "--modification-date=2026112319382700",
      "--gpt_disk_guid",
      "modification-date",
      "-R",
      "-V",
      "DATE",
      ...BIOS_ENTRY,
      "-eltorito-alt-boot",
      "-e",
      "boot/grub/efi.img",
      "-no-emul-boot",
      "-isohybrid-gpt-basdat",
      "-isohybrid-mbr",
      ISOHDPFX_BIN,
      "tree",
    ],
  },
];

function uint32At(bytes: Uint8Array, at: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset).getUint32(at, true);
}

for (const scenario of SCENARIOS) {
  const usesGrub = scenario.args.includes(BOOT_HYBRID_IMG);
  const skipReason = missingTemplates(usesGrub ? [ISOHDPFX_BIN, BOOT_HYBRID_IMG] : [ISOHDPFX_BIN]);
  toolTest(
    `planSystemArea matches xorriso: ${scenario.name}`,
    [...FIXTURE_TOOLS, ...(scenario.needsGrubEltorito ? ["grub-mkimage"] : [])],
    async () => {
      await using tmp = await tempDir("discwright-hybrid-");
      const tree = await makeBootTree(tmp.path);
      if (scenario.needsGrubEltorito && !tree.hasGrubEltorito) {
        throw new Error("grub-mkimage could not make eltorito.img");
      }
      const args = [...scenario.args];
      await xorrisoMkisofs(tmp.path, ["-o", "out.iso", ...args]);
      const facts = await readImageFacts(`${tmp.path}/out.iso`);
      const options = parseMkisofsArgs(["-o", "out.iso", ...args]);
      const templatePath = options.isohybridMbr ?? options.grub2Mbr ?? options.systemAreaFile;
      const hasGpt = String.fromCharCode(...facts.systemArea.subarray(512, 520)) === "EFI PART";
      const input: SystemAreaInput = {
        options,
        dataEndLba: facts.dataEndLba,
        bootImages: options.boot.map((entry) =>
          entry.image.kind === "isoPath" ? facts.files.get(entry.image.isoPath) : undefined
        ),
        appendedPartitionByteLengths: options.appendedPartitions.map((p) =>
          Deno.statSync(`${tmp.path}/${p.hostPath}`).size
        ),
        template: templatePath ? await Deno.readFile(templatePath) : undefined,
        gptDiskGuid: scenario.volumeUuid
          ? gptDiskGuidFromVolumeUuid(scenario.volumeUuid)
          : hasGpt
          ? guidFromBytes(facts.systemArea, 512 + 56)
          : "00000000-0000-4000-8000-000000000000",
        mbrId: scenario.volumeUuid
          ? mbrIdFromVolumeUuid(scenario.volumeUuid)
          : uint32At(facts.systemArea, 440),
      };
      const plan = planSystemArea(input);

      assert.equal(plan.totalBlockCount * 2048, facts.byteLength, "image size");
      assert.ok(
        plan.systemArea.every((b, i) => b === facts.systemArea[i]),
        `system area differs: ${firstDifference(plan.systemArea, facts.systemArea)}`,
      );
      assert.equal(Boolean(plan.gptBackup), hasGpt, "GPT backup exactly when there is a GPT");
      if (plan.gptBackup) {
        const at = plan.gptBackup.lba * 2048;
        const theirs = facts.bytes.subarray(at, at + plan.gptBackup.bytes.byteLength);
        assert.equal(at + plan.gptBackup.bytes.byteLength, facts.byteLength, "GPT backup ends the image");
        assert.ok(
          plan.gptBackup.bytes.every((b, i) => b === theirs[i]),
          `GPT backup differs: ${firstDifference(plan.gptBackup.bytes, theirs)}`,
        );
      }
      // Volume Space Size of the PVD and of the Joliet SVD.
      assert.equal(
        uint32At(facts.bytes, 16 * 2048 + 80),
        plan.primaryVolumeSpaceBlockCount,
        "PVD volume space size",
      );
      for (let lba = 17; lba < 32 && facts.bytes[lba * 2048] !== 0xff; lba++) {
        if (facts.bytes[lba * 2048] === 2) {
          assert.equal(
            uint32At(facts.bytes, lba * 2048 + 80),
            plan.volumeSpaceBlockCount,
            "SVD volume space size",
          );
        }
      }
      if (plan.partitionDescriptorSet) {
        const at = plan.partitionDescriptorSet.lba * 2048;
        assert.equal(facts.bytes[at], 1, "second PVD");
        assert.equal(uint32At(facts.bytes, at + 80), plan.partitionDescriptorSet.volumeSpaceBlockCount);
      }
      // Appended partitions hold the host files; the EFI entry of the catalog points at them.
      const images = listBootCatalogImages(facts.catalog);
      for (const p of plan.appendedPartitions) {
        const host = await Deno.readFile(
          `${tmp.path}/${
            options.appendedPartitions.find((a) => a.partitionNumber === p.partitionNumber)!.hostPath
          }`,
        );
        const theirs = facts.bytes.subarray(p.lba * 2048, p.lba * 2048 + host.byteLength);
        assert.ok(
          host.every((b, i) => b === theirs[i]),
          `appended partition ${p.partitionNumber} at LBA ${p.lba}`,
        );
        options.boot.forEach((entry, i) => {
          if (entry.image.kind === "appendedPartition" && entry.image.partitionNumber === p.partitionNumber) {
            assert.equal(images[i].loadRba, p.lba, "El Torito load RBA of the appended partition");
          }
        });
      }
      for (const region of plan.tailRegions) {
        if (region.kind !== "zeros") continue;
        const bytes = facts.bytes.subarray(region.lba * 2048, (region.lba + region.blockCount) * 2048);
        assert.ok(bytes.every((b) => b === 0), `${region.purpose} zeros at LBA ${region.lba}`);
      }
      scenario.check?.(plan, facts);
    },
    { skipReason },
  );
}
