import assert from "node:assert/strict";
import fc from "fast-check";
import { UsageError } from "../../image/errors.ts";
import { DISCWRIGHT_VERSION, MKISOFS_HELP, MKISOFS_VERSION_TEXT } from "./help.ts";
import {
  EL_TORITO_PLATFORM,
  type ElToritoEntry,
  guidToBytes,
  MAX_BOOT_ENTRIES,
  MKISOFS_OPTION_NAMES,
  type MkisofsOptions,
  parseMkisofsArgs,
  PARTITION_TYPE_GUID,
} from "./options.ts";

/** Splits a command line at blanks (the test lines quote nothing). */
function words(line: string): string[] {
  return line.trim().split(/\s+/);
}

function parse(line: string): MkisofsOptions {
  return parseMkisofsArgs(words(line));
}

/** Asserts a UsageError whose message contains every fragment. */
function assertRefused(args: readonly string[], ...fragments: string[]): void {
  assert.throws(
    () => parseMkisofsArgs(args),
    (error: unknown) => {
      assert.ok(error instanceof UsageError, `expected UsageError, got ${error}`);
      assert.match(error.message, /^Cannot parse options: /);
      for (const fragment of fragments) {
        assert.ok(error.message.includes(fragment), `${JSON.stringify(error.message)} lacks ${fragment}`);
      }
      return true;
    },
  );
}

function warnings(options: MkisofsOptions): string[] {
  return options.diagnostics.filter((d) => d.level === "warning").map((d) => d.message);
}

/** An entry with the defaults of a `-b` image, overridden by `fields`. */
function biosEntry(isoPath: string, fields: Partial<ElToritoEntry> = {}): ElToritoEntry {
  return {
    option: "-b",
    image: { kind: "isoPath", isoPath },
    platformId: EL_TORITO_PLATFORM.x86,
    emulation: "floppy",
    bootInfoTable: false,
    grub2BootInfo: false,
    bootable: true,
    isohybridApmHfsplus: false,
    ...fields,
  };
}

// ---------------------------------------------------------------------------------------------
// The distributions' full option sets (shared/specs/distro-command-lines.md)
// ---------------------------------------------------------------------------------------------

Deno.test("Arch Linux (mkarchiso): ISOLINUX + EFI entry on an appended ESP", () => {
  const o = parse(`-as mkisofs
    -iso-level 3 -full-iso9660-filenames -joliet -joliet-long -rational-rock
    -volid ARCH_202401 -appid ArchLinuxLive -publisher ArchLinux -preparer mkarchiso
    -eltorito-boot boot/syslinux/isolinux.bin -eltorito-catalog boot/syslinux/boot.cat
    -no-emul-boot -boot-load-size 4 -boot-info-table
    -isohybrid-mbr /work/isohdpfx.bin --mbr-force-bootable -partition_offset 16
    -append_partition 2 C12A7328-F81F-11D2-BA4B-00A0C93EC93B /work/efiboot.img
    -isohybrid-gpt-basdat
    -eltorito-alt-boot -e --interval:appended_partition_2:all:: -no-emul-boot
    -no-pad -output /out/arch.iso /work/iso/`);
  assert.equal(o.isoLevel, 3);
  assert.equal(o.iso1999, false);
  assert.equal(o.fullIso9660Filenames, true);
  assert.equal(o.joliet, true);
  assert.equal(o.jolietLong, true);
  assert.equal(o.rockRidge, "rationalized");
  assert.equal(o.volumeId, "ARCH_202401");
  assert.equal(o.applicationId, "ArchLinuxLive");
  assert.equal(o.publisher, "ArchLinux");
  assert.equal(o.preparer, "mkarchiso");
  assert.deepEqual(o.boot, [
    biosEntry("/boot/syslinux/isolinux.bin", {
      emulation: "none",
      loadSectorCount: 4,
      bootInfoTable: true,
      isohybridGpt: "basicData",
    }),
    {
      option: "-e",
      image: { kind: "appendedPartition", partitionNumber: 2 },
      platformId: EL_TORITO_PLATFORM.efi,
      emulation: "none",
      loadSectorCount: "full",
      bootInfoTable: false,
      grub2BootInfo: false,
      bootable: true,
      isohybridApmHfsplus: false,
    },
  ]);
  assert.equal(o.bootCatalogPath, "/boot/syslinux/boot.cat");
  assert.equal(o.isohybridMbr, "/work/isohdpfx.bin");
  assert.equal(o.grub2Mbr, undefined);
  assert.equal(o.systemAreaFile, undefined);
  assert.equal(o.mbrForceBootable, true);
  assert.equal(o.partitionOffsetLba, 16);
  assert.deepEqual(o.appendedPartitions, [
    {
      partitionNumber: 2,
      type: { kind: "gpt", guid: PARTITION_TYPE_GUID.efiSystem },
      hostPath: "/work/efiboot.img",
    },
  ]);
  assert.equal(o.isohybridGptBasdat, true);
  assert.equal(o.isohybridApmHfsplus, false);
  assert.equal(o.pad, false);
  assert.equal(o.outputPath, "/out/arch.iso");
  assert.deepEqual(o.pathspecs, [{ hostPath: "/work/iso/" }]);
  assert.deepEqual(o.diagnostics, []);
});

Deno.test("Debian installer (debian-cd): ESP file in the tree, GPT + APM, two trees", () => {
  const o = parse(`-as mkisofs
    -r -checksum_algorithm_iso sha256,sha512 -V Debian_12 -o /out/debian.iso -J -joliet-long -cache-inodes
    -isohybrid-mbr /usr/lib/ISOLINUX/isohdpfx.bin
    -b isolinux/isolinux.bin -c isolinux/boot.cat -boot-load-size 4 -boot-info-table -no-emul-boot
    -eltorito-alt-boot -e boot/grub/efi.img -no-emul-boot -isohybrid-gpt-basdat -isohybrid-apm-hfsplus
    CD1 /tmp/boot1/CD1`);
  assert.equal(o.rockRidge, "rationalized");
  assert.deepEqual(o.checksumAlgorithms, ["sha256", "sha512"]);
  assert.equal(o.volumeId, "Debian_12");
  assert.equal(o.outputPath, "/out/debian.iso");
  assert.equal(o.joliet, true);
  assert.equal(o.jolietLong, true);
  assert.equal(o.cacheInodes, true);
  assert.equal(o.isohybridMbr, "/usr/lib/ISOLINUX/isohdpfx.bin");
  assert.deepEqual(o.boot, [
    biosEntry("/isolinux/isolinux.bin", { emulation: "none", loadSectorCount: 4, bootInfoTable: true }),
    {
      option: "-e",
      image: { kind: "isoPath", isoPath: "/boot/grub/efi.img" },
      platformId: EL_TORITO_PLATFORM.efi,
      emulation: "none",
      loadSectorCount: "full",
      bootInfoTable: false,
      grub2BootInfo: false,
      bootable: true,
      isohybridGpt: "basicData",
      isohybridApmHfsplus: true,
    },
  ]);
  assert.equal(o.bootCatalogPath, "/isolinux/boot.cat");
  assert.equal(o.isohybridGptBasdat, true);
  assert.equal(o.isohybridApmHfsplus, true);
  assert.deepEqual(o.appendedPartitions, []);
  assert.equal(o.pad, true);
  assert.deepEqual(o.pathspecs, [{ hostPath: "CD1" }, { hostPath: "/tmp/boot1/CD1" }]);
  assert.deepEqual(o.diagnostics, []);
});

Deno.test("Debian Live (live-build): ESP in the tree and appended with MBR type 0x01", () => {
  const o = parse(`-as mkisofs
    -R -r -J -joliet-long -l -cache-inodes -iso-level 3
    -isohybrid-mbr /usr/lib/ISOLINUX/isohdpfx.bin -partition_offset 16
    -A Debian_Live -p live-build -publisher Debian -V Debian_bookworm
    --modification-date=2024010203040506
    -b isolinux/isolinux.bin -c isolinux/boot.cat -no-emul-boot -boot-load-size 4 -boot-info-table
    -eltorito-alt-boot -e boot/grub/efi.img -no-emul-boot
    -append_partition 2 0x01 /build/efi.img
    -o /out/live.iso binary`);
  assert.equal(o.rockRidge, "rationalized");
  assert.equal(o.joliet, true);
  assert.equal(o.fullIso9660Filenames, true);
  assert.equal(o.isoLevel, 3);
  assert.equal(o.applicationId, "Debian_Live");
  assert.equal(o.preparer, "live-build");
  assert.equal(o.publisher, "Debian");
  assert.equal(o.volumeId, "Debian_bookworm");
  assert.equal(o.modificationDate, "2024010203040506");
  assert.deepEqual(o.modificationDateUtc, new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 60)));
  assert.equal(o.partitionOffsetLba, 16);
  assert.equal(o.boot.length, 2);
  assert.deepEqual(
    o.boot[0],
    biosEntry("/isolinux/isolinux.bin", {
      emulation: "none",
      loadSectorCount: 4,
      bootInfoTable: true,
    }),
  );
  assert.deepEqual(o.boot[1].image, { kind: "isoPath", isoPath: "/boot/grub/efi.img" });
  assert.equal(o.boot[1].platformId, EL_TORITO_PLATFORM.efi);
  assert.equal(o.boot[1].emulation, "none");
  assert.deepEqual(o.appendedPartitions, [
    { partitionNumber: 2, type: { kind: "mbr", code: 0x01 }, hostPath: "/build/efi.img" },
  ]);
  assert.equal(o.isohybridGptBasdat, false);
  assert.deepEqual(o.pathspecs, [{ hostPath: "binary" }]);
  assert.deepEqual(o.diagnostics, []);
});

Deno.test("Fedora (lorax): GRUB2 MBR, valid GPT with appended ESP, hidden catalog, graft points", () => {
  const o = parse(`-as mkisofs
    -o /out/boot.iso -R -J -V Fedora-S-dvd-x86_64-40
    --grub2-mbr /usr/lib/grub/i386-pc/boot_hybrid.img -partition_offset 16 -appended_part_as_gpt
    -append_partition 2 C12A7328-F81F-11D2-BA4B-00A0C93EC93B /tmp/lorax/images/efiboot.img
    -iso_mbr_part_type EBD0A0A2-B9E5-4433-87C0-68B6B72699C7
    -c boot.cat --boot-catalog-hide
    -b images/eltorito.img -no-emul-boot -boot-load-size 4 -boot-info-table --grub2-boot-info
    -eltorito-alt-boot -e --interval:appended_partition_2:all:: -no-emul-boot
    -graft-points
    images/install.img=/tmp/lorax/images/install.img
    boot/grub2=/tmp/lorax/boot/grub2
    images/pxeboot=/tmp/lorax/images/pxeboot
    EFI/BOOT=/tmp/lorax/EFI/BOOT`);
  assert.equal(o.outputPath, "/out/boot.iso");
  assert.equal(o.rockRidge, "on");
  assert.equal(o.joliet, true);
  assert.equal(o.volumeId, "Fedora-S-dvd-x86_64-40");
  assert.equal(o.grub2Mbr, "/usr/lib/grub/i386-pc/boot_hybrid.img");
  assert.equal(o.isohybridMbr, undefined);
  assert.equal(o.protectiveMsdosLabel, false);
  assert.equal(o.partitionOffsetLba, 16);
  assert.equal(o.appendedPartAsGpt, true);
  assert.deepEqual(o.appendedPartitions, [
    {
      partitionNumber: 2,
      type: { kind: "gpt", guid: PARTITION_TYPE_GUID.efiSystem },
      hostPath: "/tmp/lorax/images/efiboot.img",
    },
  ]);
  assert.deepEqual(o.isoMbrPartType, { kind: "gpt", guid: PARTITION_TYPE_GUID.basicData });
  assert.equal(o.bootCatalogPath, "/boot.cat");
  assert.equal(o.hideBootCatalog, true);
  assert.deepEqual(o.boot, [
    biosEntry("/images/eltorito.img", {
      emulation: "none",
      loadSectorCount: 4,
      bootInfoTable: true,
      grub2BootInfo: true,
    }),
    {
      option: "-e",
      image: { kind: "appendedPartition", partitionNumber: 2 },
      platformId: EL_TORITO_PLATFORM.efi,
      emulation: "none",
      loadSectorCount: "full",
      bootInfoTable: false,
      grub2BootInfo: false,
      bootable: true,
      isohybridApmHfsplus: false,
    },
  ]);
  assert.equal(o.isohybridGptBasdat, false);
  assert.equal(o.graftPoints, true);
  assert.deepEqual(o.pathspecs, [
    { isoPath: "images/install.img", hostPath: "/tmp/lorax/images/install.img" },
    { isoPath: "boot/grub2", hostPath: "/tmp/lorax/boot/grub2" },
    { isoPath: "images/pxeboot", hostPath: "/tmp/lorax/images/pxeboot" },
    { isoPath: "EFI/BOOT", hostPath: "/tmp/lorax/EFI/BOOT" },
  ]);
  // xorriso says so too: a Joliet volume id holds 16 characters.
  assert.deepEqual(o.diagnostics, [{
    level: "warning",
    message:
      'volume id "Fedora-S-dvd-x86_64-40" is longer than the 16 characters Joliet can hold; it is cut there',
  }]);
});

Deno.test("grub-mkrescue 2.06: --efi-boot entry, -efi-boot-part --efi-boot-image, HFS+ recorded", () => {
  const o = parse(`-as mkisofs
    -graft-points --modification-date=2023061512000000
    -b boot/grub/i386-pc/eltorito.img -no-emul-boot -boot-load-size 4 -boot-info-table
    --grub2-boot-info --grub2-mbr /usr/lib/grub/i386-pc/boot_hybrid.img
    -hfsplus -apm-block-size 2048
    -hfsplus-file-creator-type chrp tbxj /System/Library/CoreServices/.disk_label
    -hfs-bless-by i /System/Library/CoreServices/boot.efi
    --efi-boot efi.img -efi-boot-part --efi-boot-image
    --protective-msdos-label -o /out/rescue.iso -r /tmp/grub.XYZ
    --sort-weight 0 / --sort-weight 1 /boot
    /home/user/extra`);
  assert.equal(o.graftPoints, true);
  assert.equal(o.modificationDate, "2023061512000000");
  assert.deepEqual(o.modificationDateUtc, new Date(Date.UTC(2023, 5, 15, 12, 0, 0, 0)));
  assert.deepEqual(o.boot, [
    biosEntry("/boot/grub/i386-pc/eltorito.img", {
      emulation: "none",
      loadSectorCount: 4,
      bootInfoTable: true,
      grub2BootInfo: true,
    }),
    {
      option: "--efi-boot",
      image: { kind: "isoPath", isoPath: "/efi.img" },
      platformId: EL_TORITO_PLATFORM.efi,
      emulation: "none",
      loadSectorCount: "full",
      bootInfoTable: false,
      grub2BootInfo: false,
      bootable: true,
      isohybridApmHfsplus: false,
    },
  ]);
  assert.equal(o.bootCatalogPath, "/boot.catalog");
  assert.equal(o.grub2Mbr, "/usr/lib/grub/i386-pc/boot_hybrid.img");
  assert.equal(o.protectiveMsdosLabel, true);
  assert.deepEqual(o.efiBootPart, { kind: "firstEfiBootImage" });
  assert.equal(o.hfsplus, true);
  assert.equal(o.apmBlockByteLength, 2048);
  assert.deepEqual(o.hfsplusFileCreatorTypes, [
    { creator: "chrp", type: "tbxj", isoPath: "/System/Library/CoreServices/.disk_label" },
  ]);
  assert.deepEqual(o.hfsBlessings, [
    { blessing: "intel_bootfile", isoPath: "/System/Library/CoreServices/boot.efi" },
  ]);
  assert.equal(o.outputPath, "/out/rescue.iso");
  assert.equal(o.rockRidge, "rationalized");
  assert.deepEqual(o.pathspecs, [{ hostPath: "/tmp/grub.XYZ" }, { hostPath: "/home/user/extra" }]);
  assert.deepEqual(o.sortWeights, [{ weight: 0, isoPath: "/" }, { weight: 1, isoPath: "/boot" }]);
  assert.deepEqual(o.diagnostics, []);
});

// ---------------------------------------------------------------------------------------------
// El Torito order rules
// ---------------------------------------------------------------------------------------------

Deno.test("El Torito: boot options before -b apply to the entry -b names", () => {
  const o = parse("-no-emul-boot -boot-load-size 4 -boot-info-table -b isolinux.bin tree");
  assert.deepEqual(o.boot, [
    biosEntry("/isolinux.bin", { emulation: "none", loadSectorCount: 4, bootInfoTable: true }),
  ]);
  assert.deepEqual(o.diagnostics, []);
});

Deno.test("El Torito: -eltorito-alt-boot starts a fresh entry; settings do not carry over", () => {
  const o = parse(
    "-b a.img -no-emul-boot -boot-load-size 4 -boot-info-table --grub2-boot-info -eltorito-alt-boot -b c.img",
  );
  assert.deepEqual(o.boot, [
    biosEntry("/a.img", { emulation: "none", loadSectorCount: 4, bootInfoTable: true, grub2BootInfo: true }),
    biosEntry("/c.img"),
  ]);
});

Deno.test("El Torito: floppy emulation by default, hard disk and none on request (last wins)", () => {
  assert.equal(parse("-b a.img").boot[0].emulation, "floppy");
  assert.equal(parse("-b a.img").boot[0].loadSectorCount, undefined);
  assert.equal(parse("-b a.img -hard-disk-boot").boot[0].emulation, "hardDisk");
  assert.equal(parse("-hard-disk-boot -b a.img").boot[0].emulation, "hardDisk");
  assert.equal(parse("-hard-disk-boot -no-emul-boot -b a.img").boot[0].emulation, "none");
  assert.equal(parse("-no-emul-boot -b a.img -hard-disk-boot").boot[0].emulation, "hardDisk");
});

Deno.test("El Torito: -eltorito-alt-boot with no image yet changes nothing (xorriso keeps the settings)", () => {
  const o = parse("-eltorito-alt-boot -no-emul-boot -eltorito-alt-boot -b x.img -eltorito-alt-boot");
  assert.deepEqual(o.boot, [biosEntry("/x.img", { emulation: "none", loadSectorCount: "full" })]);
  assert.deepEqual(o.diagnostics, []);
});

Deno.test("El Torito: load size defaults to full for no-emulation entries; explicit values kept", () => {
  assert.equal(parse("-b a -no-emul-boot").boot[0].loadSectorCount, "full");
  assert.equal(parse("-b a -no-emul-boot -boot-load-size full").boot[0].loadSectorCount, "full");
  assert.equal(parse("-b a -no-emul-boot -boot-load-size 65535").boot[0].loadSectorCount, 65535);
  assert.equal(parse("-b a -boot-load-size 1").boot[0].loadSectorCount, 1);
  assertRefused(words("-b a -boot-load-size 65536"), '"-boot-load-size"', '"65536"');
  assertRefused(words("-b a -boot-load-size 4k"), '"-boot-load-size"', '"4k"');
  assertRefused(words("-b a -boot-load-size -1"), '"-boot-load-size"', '"-1"');
});

Deno.test("El Torito: a second -b in one entry replaces the first, with a warning", () => {
  const o = parse("-b a.img -no-emul-boot -b c.img");
  assert.deepEqual(o.boot, [biosEntry("/c.img", { emulation: "none", loadSectorCount: "full" })]);
  assert.equal(warnings(o).length, 1);
  assert.match(warnings(o)[0], /"-b" "c\.img" replaces boot image "\/a\.img"/);
});

Deno.test("El Torito: -e makes an EFI entry; without -no-emul-boot it emulates a floppy (warned)", () => {
  const o = parse("-e efi.img");
  assert.equal(o.boot[0].platformId, EL_TORITO_PLATFORM.efi);
  assert.equal(o.boot[0].emulation, "floppy");
  assert.equal(warnings(o).length, 1);
  assert.match(warnings(o)[0], /emulates a floppy/);
});

Deno.test("El Torito: -eltorito-platform sets the platform of later -b and implies -eltorito-alt-boot", () => {
  const o = parse("-b bios.img -no-emul-boot -eltorito-platform efi -b uefi.img -no-emul-boot");
  assert.deepEqual(o.boot.map((e) => [e.image, e.platformId]), [
    [{ kind: "isoPath", isoPath: "/bios.img" }, 0x00],
    [{ kind: "isoPath", isoPath: "/uefi.img" }, 0xef],
  ]);
  // Given first, it applies to the first -b; it survives -eltorito-alt-boot; -e ignores it.
  const p = parse("-eltorito-platform PPC -b a -eltorito-alt-boot -b c -eltorito-alt-boot -e d");
  assert.deepEqual(p.boot.map((e) => e.platformId), [0x01, 0x01, 0xef]);
  // The same platform again does not start an entry.
  assert.equal(parse("-b a -eltorito-platform x86 -no-emul-boot").boot.length, 1);
  for (const [value, id] of [["Mac", 2], ["0xEF", 0xef], ["239", 0xef], ["bios", 0], ["0", 0]] as const) {
    assert.equal(parse(`-eltorito-platform ${value} -b a`).boot[0].platformId, id, value);
  }
  assertRefused(["-eltorito-platform", "arm"], '"-eltorito-platform"', '"arm"');
  assertRefused(["-eltorito-platform", "256"], '"-eltorito-platform"', '"256"');
});

Deno.test("El Torito: --efi-boot finishes the current entry and is a complete entry of its own", () => {
  const o = parse("-b bios.img -boot-info-table -boot-load-size 4 --efi-boot efi.img -b next.img");
  assert.deepEqual(o.boot.map((e) => [e.option, e.image, e.platformId, e.emulation, e.bootInfoTable]), [
    ["-b", { kind: "isoPath", isoPath: "/bios.img" }, 0x00, "floppy", true],
    ["--efi-boot", { kind: "isoPath", isoPath: "/efi.img" }, 0xef, "none", false],
    ["-b", { kind: "isoPath", isoPath: "/next.img" }, 0x00, "floppy", false],
  ]);
  // Settings given between the previous entry and --efi-boot belong to the EFI entry,
  // except the boot info table, which xorriso drops for it.
  const p = parse("-boot-info-table -boot-load-size 8 -eltorito-id 1234 --efi-boot efi.img");
  assert.equal(p.boot[0].bootInfoTable, false);
  assert.equal(p.boot[0].loadSectorCount, 8);
  assert.deepEqual(p.boot[0].idBytes, new TextEncoder().encode("1234"));
});

Deno.test("El Torito: options after the last entry apply to nothing and are warned about", () => {
  const o = parse("-b a.img -eltorito-alt-boot -no-emul-boot -boot-info-table");
  assert.equal(o.boot.length, 1);
  assert.equal(o.boot[0].bootInfoTable, false);
  assert.equal(warnings(o).length, 1);
  assert.match(warnings(o)[0], /"-no-emul-boot", "-boot-info-table" were given after the last boot image/);
  assert.equal(warnings(parse("--efi-boot e.img -no-emul-boot")).length, 1);
});

Deno.test("El Torito: -isohybrid-* belong to the entry being built when they are given", () => {
  const before = parse(
    "-isohybrid-mbr m.bin -b a -isohybrid-gpt-basdat -eltorito-alt-boot -e e -no-emul-boot",
  );
  assert.deepEqual(before.boot.map((e) => e.isohybridGpt), ["basicData", undefined]);
  const after = parse(
    "-isohybrid-mbr m.bin -b a -eltorito-alt-boot -e e -isohybrid-gpt-hfsplus -isohybrid-apm-hfsplus",
  );
  assert.deepEqual(after.boot.map((e) => [e.isohybridGpt, e.isohybridApmHfsplus]), [
    [undefined, false],
    ["hfsplus", true],
  ]);
  assert.equal(after.isohybridGptHfsplus, true);
  assert.equal(after.isohybridGptBasdat, false);
  // basdat and hfsplus replace each other within an entry.
  assert.equal(
    parse("-isohybrid-mbr m -b a -isohybrid-gpt-hfsplus -isohybrid-gpt-basdat").boot[0].isohybridGpt,
    "basicData",
  );
  // Without -isohybrid-mbr or -part_like_isohybrid they do nothing in xorriso.
  assert.match(
    warnings(parse("-b a -isohybrid-gpt-basdat")).join(),
    /need -isohybrid-mbr or -part_like_isohybrid/,
  );
  assert.deepEqual(warnings(parse("-part_like_isohybrid -b a -isohybrid-gpt-basdat")), []);
});

Deno.test("El Torito: boot catalog path, default, and hiding", () => {
  assert.equal(parse("-b a").bootCatalogPath, "/boot.catalog");
  assert.equal(parse("-c isolinux/boot.cat -b a").bootCatalogPath, "/isolinux/boot.cat");
  assert.equal(parse("-b a -eltorito-catalog /x/boot.cat").bootCatalogPath, "/x/boot.cat");
  assert.equal(parse("tree").bootCatalogPath, undefined);
  const lonely = parse("-c boot.cat tree");
  assert.equal(lonely.bootCatalogPath, "/boot.cat");
  assert.match(warnings(lonely).join(), /without any boot image/);
  assert.equal(parse("--boot-catalog-hide -b a").hideBootCatalog, true);
});

Deno.test("El Torito: -no-boot, -eltorito-id and -eltorito-selcrit attach to the current entry", () => {
  const hexId = "41".repeat(28);
  const o = parse(
    `-b a -no-boot -eltorito-id ${hexId} -eltorito-selcrit 00ff10 -eltorito-alt-boot -b c -eltorito-id ${
      "x".repeat(40)
    }`,
  );
  assert.equal(o.boot[0].bootable, false);
  assert.deepEqual(o.boot[0].idBytes, new Uint8Array(28).fill(0x41));
  assert.deepEqual(o.boot[0].selectionCriteria, new Uint8Array([0x00, 0xff, 0x10]));
  assert.equal(o.boot[1].bootable, true);
  assert.deepEqual(o.boot[1].idBytes, new Uint8Array(28).fill(0x78));
  assert.equal(o.boot[1].selectionCriteria, undefined);
  assertRefused(["-eltorito-selcrit", "abc"], '"-eltorito-selcrit"', '"abc"');
  assertRefused(["-eltorito-selcrit", "00".repeat(21)], '"-eltorito-selcrit"');
});

Deno.test("El Torito: --interval boot images", () => {
  assert.deepEqual(parse("-e --interval:appended_partition_3:all::").boot[0].image, {
    kind: "appendedPartition",
    partitionNumber: 3,
  });
  // Ubuntu's remaster recipes leave the interval empty.
  assert.deepEqual(parse("-e --interval:appended_partition_2:::").boot[0].image, {
    kind: "appendedPartition",
    partitionNumber: 2,
  });
  assert.deepEqual(parse("--efi-boot --interval:appended_partition_8:all::").boot[0].image, {
    kind: "appendedPartition",
    partitionNumber: 8,
  });
  for (
    const value of [
      "--interval:appended_partition_9:all::",
      "--interval:appended_partition_0:all::",
      "--interval:local_fs:0-32767::/tmp/x.iso",
      "--interval:imported_iso:45056d-47103d::",
      "--interval:appended_partition_2:0-1023::",
    ]
  ) assertRefused(["-e", value], '"-e"', JSON.stringify(value));
  assertRefused(["-b", ""], '"-b"');
});

Deno.test(`El Torito: at most ${MAX_BOOT_ENTRIES} entries`, () => {
  const entry = (i: number) => ["-b", `b${i}`, "-eltorito-alt-boot"];
  assert.equal(
    parseMkisofsArgs(Array.from({ length: MAX_BOOT_ENTRIES }, (_, i) => entry(i)).flat()).boot.length,
    32,
  );
  assertRefused(
    Array.from({ length: MAX_BOOT_ENTRIES + 1 }, (_, i) => entry(i)).flat(),
    "too many El Torito entries",
  );
});

// ---------------------------------------------------------------------------------------------
// Pathspecs and graft points
// ---------------------------------------------------------------------------------------------

Deno.test("pathspecs: plain paths are host paths, taken literally", () => {
  const o = parse("a b=c d\\=e -");
  assert.deepEqual(o.pathspecs, [{ hostPath: "a" }, { hostPath: "b=c" }, { hostPath: "d\\=e" }, {
    hostPath: "-",
  }]);
  assert.equal(o.graftPoints, false);
});

Deno.test("pathspecs: -graft-points splits at the first unescaped '=' and unescapes both parts", () => {
  const o = parseMkisofsArgs([
    "-graft-points",
    "/dir=/tmp/directory",
    "/with_\\=_and_\\\\/file=/tmp/directory/file",
    "a=b=c",
    "x\\y=/host\\=z",
    "/only/host",
    "=/into/root",
    "esc\\\\=/p",
  ]);
  assert.deepEqual(o.pathspecs, [
    { isoPath: "/dir", hostPath: "/tmp/directory" },
    { isoPath: "/with_=_and_\\/file", hostPath: "/tmp/directory/file" },
    { isoPath: "a", hostPath: "b=c" },
    { isoPath: "x\\y", hostPath: "/host=z" },
    { hostPath: "/only/host" },
    { isoPath: "", hostPath: "/into/root" },
    { isoPath: "esc\\", hostPath: "/p" },
  ]);
});

Deno.test("pathspecs: -graft-points applies to later pathspecs only (xorriso order), with a warning", () => {
  const o = parse("a=b -graft-points c=d");
  assert.deepEqual(o.pathspecs, [{ hostPath: "a=b" }, { isoPath: "c", hostPath: "d" }]);
  assert.equal(warnings(o).length, 1);
  assert.match(warnings(o)[0], /"a=b" came before -graft-points/);
  assert.deepEqual(warnings(parse("plain -graft-points c=d")), []);
});

Deno.test("pathspecs: refusals", () => {
  assertRefused([""], "empty pathspec");
  assertRefused(["-graft-points", "/x="], '"/x="', "no host path");
});

Deno.test("input: -root, exclusions, hiding, -f", () => {
  const o = parse(`-root sub -m *.o -exclude .git -x tmp -old-exclude /abs/path -exclude-list ex.txt
    -hide secret -hide-list h.txt -hide-joliet j -hide-joliet-list jl.txt -hide-hfsplus h
    -hide-hfsplus-list hl.txt -follow-links tree`);
  assert.equal(o.rootIsoPath, "/sub");
  assert.deepEqual(o.exclude, ["*.o", ".git", "tmp", "/abs/path"]);
  assert.deepEqual(o.excludeLists, ["ex.txt"]);
  assert.deepEqual(o.hide, ["secret"]);
  assert.deepEqual(o.hideLists, ["h.txt"]);
  assert.deepEqual(o.hideJoliet, ["j"]);
  assert.deepEqual(o.hideJolietLists, ["jl.txt"]);
  assert.deepEqual(o.hideHfsplus, ["h"]);
  assert.deepEqual(o.hideHfsplusLists, ["hl.txt"]);
  assert.equal(o.followLinks, true);
  assert.deepEqual(o.diagnostics, []);
  const late = parse("tree -m *.o");
  assert.deepEqual(late.exclude, ["*.o"]);
  assert.match(warnings(late).join(), /"-m" came after a pathspec/);
});

// ---------------------------------------------------------------------------------------------
// Option spelling
// ---------------------------------------------------------------------------------------------

Deno.test("spelling: '--name' works wherever xorriso knows '-name'", () => {
  const o = parse(
    "--joliet-long --output out.iso --volid V --rational-rock --iso-level 2 --eltorito-boot b tree",
  );
  assert.equal(o.jolietLong, true);
  assert.equal(o.outputPath, "out.iso");
  assert.equal(o.volumeId, "V");
  assert.equal(o.rockRidge, "rationalized");
  assert.equal(o.isoLevel, 2);
  assert.equal(o.boot.length, 1);
  assert.equal(parse("--help").help, true);
  assert.equal(parse("--version").version, true);
  assert.equal(parse("--debug").debug, true);
});

Deno.test("spelling: two-dash-only options are not accepted with one dash (with a hint)", () => {
  assertRefused(["-grub2-mbr", "x"], 'unknown option "-grub2-mbr"', 'did you mean "--grub2-mbr"?');
  assertRefused(["-efi-boot", "x"], 'unknown option "-efi-boot"', 'did you mean "--efi-boot"?');
  assertRefused(["-modification-date=2020"], "--modification-date=YYYYMMDDhhmmsscc");
  assertRefused(["--modification-date"], "--modification-date=YYYYMMDDhhmmsscc");
  assertRefused(["-output=x.iso"], 'unknown option "-output=x.iso"', "takes its value as the next argument");
  assertRefused(["--o", "x"], 'unknown option "--o"');
  assertRefused(["---joliet"], 'unknown option "---joliet"');
});

Deno.test("spelling: fused single-letter flags", () => {
  const o = parse("-rJ -lNd -vv -fDUT tree");
  assert.equal(o.rockRidge, "rationalized");
  assert.equal(o.joliet, true);
  assert.equal(o.fullIso9660Filenames, true);
  assert.equal(o.omitVersionNumbers, true);
  assert.equal(o.omitPeriod, true);
  assert.equal(o.verbose, 2);
  assert.equal(o.followLinks, true);
  assert.equal(o.disableDeepRelocation, true);
  assert.equal(o.untranslatedFilenames, true);
  assertRefused(["-rJq"], 'unknown option "-rJq"');
});

Deno.test("spelling: '-as mkisofs' is skipped; '--' ends the dialect", () => {
  assert.equal(parse("-as mkisofs -J tree").joliet, true);
  assert.deepEqual(parse("-J tree --").pathspecs, [{ hostPath: "tree" }]);
  assertRefused(["-J", "--", "-outdev", "x"], 'native xorriso commands after "--"', '"-outdev"');
  // xorriso looks for "--" before reading arguments, so "--" cannot be an option argument.
  assertRefused(["-V", "--"], '"-V" needs an argument');
  assertRefused(["-as", "cdrecord"], '"-as" "cdrecord" is not supported');
  assertRefused(["-as"], '"-as" needs an argument');
  assertRefused(["-J", "-as", "mkisofs"], 'unknown option "-as"');
});

// ---------------------------------------------------------------------------------------------
// Other options
// ---------------------------------------------------------------------------------------------

Deno.test("defaults are xorriso's", () => {
  const o = parseMkisofsArgs([]);
  assert.equal(o.rockRidge, "on");
  assert.equal(o.joliet, false);
  assert.equal(o.isoLevel, 1);
  assert.equal(o.pad, true);
  assert.equal(o.emulToc, false);
  assert.equal(o.partitionOffsetLba, 0);
  assert.equal(o.partitionCylAlign, "auto");
  assert.equal(o.outputPath, undefined);
  assert.deepEqual(o.boot, []);
  assert.deepEqual(o.pathspecs, []);
  assert.deepEqual(o.diagnostics, []);
});

Deno.test("Rock Ridge: -R does not undo -r; --norock does", () => {
  assert.equal(parse("-r -R").rockRidge, "rationalized");
  assert.equal(parse("-R -r").rockRidge, "rationalized");
  assert.equal(parse("-r --norock").rockRidge, "off");
  assert.equal(parse("-r --norock -R").rockRidge, "on");
  assert.equal(parse("--norock -rock").rockRidge, "on");
});

Deno.test("naming options", () => {
  const o = parse(`-iso-level 4 -max-iso9660-filenames -relaxed-filenames -allow-lowercase
    -untranslated_name_len 96 -omit-period -omit-version-number -allow-leading-dots -allow-multidot
    -disallow_dir_id_ext -joliet-utf16 -file_name_limit 253 -rr_reloc_dir /RR_MOVED`);
  assert.equal(o.isoLevel, 4);
  assert.equal(o.iso1999, true);
  assert.equal(o.maxIso9660Filenames, true);
  assert.equal(o.relaxedFilenames, true);
  assert.equal(o.allowLowercase, true);
  assert.equal(o.untranslatedNameCharLimit, 96);
  assert.equal(o.omitPeriod, true);
  assert.equal(o.omitVersionNumbers, true);
  assert.equal(o.allowLeadingDots, true);
  assert.equal(o.allowMultidot, true);
  assert.equal(o.disallowDirIdExt, true);
  assert.equal(o.jolietUtf16, true);
  assert.equal(o.fileNameByteLimit, 253);
  assert.equal(o.rrRelocDir, "RR_MOVED");
  assert.equal(parse("-hide-rr-moved").rrRelocDir, ".rr_moved");
  assert.equal(parse("-ldots").allowLeadingDots, true);
  assert.equal(parse("-L").allowLeadingDots, true);
  // -iso-level 4 stays remembered (xorriso never clears its ISO 9660:1999 switch).
  assert.deepEqual(
    [parse("-iso-level 4 -iso-level 2").isoLevel, parse("-iso-level 4 -iso-level 2").iso1999],
    [
      2,
      true,
    ],
  );
  assertRefused(["-iso-level", "5"], '"-iso-level"', '"5"');
  assertRefused(["-iso-level", "0"], '"-iso-level"', '"0"');
  assertRefused(["-untranslated_name_len", "97"], '"-untranslated_name_len"', '"97"');
  assertRefused(["-file_name_limit", "63"], '"-file_name_limit"', '"63"');
  assertRefused(["-rr_reloc_dir", "a/b"], '"-rr_reloc_dir"', '"a/b"');
});

Deno.test("identifiers, ownership and modes", () => {
  const o = parse(`-V VOL -volset SET -P PUB -p PREP -A APP -sysid SYS -copyright C.TXT -abstract A.TXT
    -biblio B.TXT --application_use 0x41 -uid 0 -gid users -dir-mode 0755 -file-mode a+r,u+w
    -new-dir-mode u=rwx,go=rx`);
  assert.deepEqual(
    [o.volumeId, o.volumeSetId, o.publisher, o.preparer, o.applicationId, o.systemId],
    ["VOL", "SET", "PUB", "PREP", "APP", "SYS"],
  );
  assert.deepEqual([o.copyrightFile, o.abstractFile, o.bibliographicFile], ["C.TXT", "A.TXT", "B.TXT"]);
  assert.equal(parse(`-V ${"V".repeat(32)}`).volumeId?.length, 32);
  assertRefused(["-V", "V".repeat(33)], '"-V"', "33 bytes, at most 32");
  assertRefused(["-volid", "é".repeat(17)], '"-volid"', "34 bytes, at most 32");
  assertRefused(["-publisher", "P".repeat(129)], '"-publisher"', "at most 128");
  assertRefused(["-sysid", "S".repeat(33)], '"-sysid"', "at most 32");
  assertRefused(["-copyright", "C".repeat(38)], '"-copyright"', "at most 37");
  assert.equal(o.applicationUse, "0x41");
  assert.equal(o.uid, 0);
  assert.equal(o.gid, "users");
  assert.equal(o.dirMode, 0o755);
  assert.equal(o.fileMode, 0o644);
  assert.equal(o.newDirMode, 0o755);
  assert.equal(parse("-dir-mode a=rwxt,go-w").dirMode, 0o1755);
  assert.equal(parse("-file-mode ug+s,a=r").fileMode, 0o444);
  assert.equal(parse("-file-mode u=rws").fileMode, 0o4600);
  assert.equal(parse("-uid 5 -uid -").uid, undefined);
  assertRefused(["-dir-mode", "755"], '"-dir-mode"', '"755"');
  assertRefused(["-dir-mode", "0789"], '"-dir-mode"', '"0789"');
  assertRefused(["-file-mode", "u+q"], '"-file-mode"', '"u+q"');
  assertRefused(["-uid", "99999999999"], '"-uid"', '"99999999999"');
});

Deno.test("dates: --modification-date= (16 digits, UTC) and --set_all_file_dates", () => {
  const o = parse("--modification-date=2999123123595999");
  assert.deepEqual(o.modificationDateUtc, new Date(Date.UTC(2999, 11, 31, 23, 59, 59, 990)));
  assert.equal(parse("--modification-date=2024022900000000").modificationDate, "2024022900000000");
  assert.equal(
    parse("--modification-date=2024010100000000 --modification-date=default").modificationDate,
    undefined,
  );
  for (
    const bad of [
      "2023022900000000",
      "1969123123595900",
      "3000010100000000",
      "2024130100000000",
      "2024010124000000",
      "202401010000000",
      "2024-01-01",
    ]
  ) assertRefused([`--modification-date=${bad}`], '"--modification-date="', JSON.stringify(bad));
  assert.equal(parse("--set_all_file_dates set_to_mtime").setAllFileDates, "set_to_mtime");
  assert.equal(
    parse("--set_all_file_dates 2007110814511300 --set_all_file_dates default").setAllFileDates,
    undefined,
  );
});

Deno.test("layout, recording and checksum options", () => {
  const o = parse(`-no-pad -pad --emul-toc --old-empty --stdio_sync 16m -sort s.txt
    --sort-weight -5 /a --sort-weight-list w.txt --sort-weight-patterns p.txt --for_backup --xattr
    -z -checksum_algorithm_iso all -checksum_algorithm_template md5,md5,sha1 -print-size -quiet
    -log-file log.txt -o stdio:/out.iso`);
  assert.equal(o.pad, true);
  assert.equal(o.emulToc, true);
  assert.equal(o.oldEmpty, true);
  assert.equal(o.stdioSync, "16m");
  assert.equal(o.sortFile, "s.txt");
  assert.deepEqual(o.sortWeights, [{ weight: -5, isoPath: "/a" }]);
  assert.deepEqual(o.sortWeightList, { hostPath: "p.txt", patterns: true });
  assert.deepEqual([o.hardlinks, o.acl, o.md5, o.xattr], [true, true, true, "user"]);
  assert.equal(o.transparentCompression, true);
  assert.deepEqual(o.checksumAlgorithms, ["md5", "sha1", "sha256", "sha512"]);
  assert.deepEqual(o.checksumAlgorithmsTemplate, ["md5", "sha1"]);
  assert.equal(o.printSize, true);
  assert.equal(o.quiet, true);
  assert.equal(o.logFile, "log.txt");
  assert.equal(o.outputPath, "/out.iso");
  assert.match(o.diagnostics.map((d) => d.message).join(), /"-sort" is recorded, but xorriso ignores it/);
  assert.equal(parse("-o -").outputPath, "-");
  assertRefused(["-checksum_algorithm_iso", "sha256,crc32"], '"-checksum_algorithm_iso"', '"sha256,crc32"');
  assertRefused(["--sort-weight", "2147483648", "/a"], '"--sort-weight"', '"2147483648"');
  assertRefused(["--stdio_sync", "sometimes"], '"--stdio_sync"', '"sometimes"');
});

Deno.test("character sets: only UTF-8", () => {
  for (const name of ["utf-8", "UTF-8", "utf8", "UTF8"]) {
    assert.equal(parse(`-input-charset ${name} -output-charset ${name}`).inputCharset, "UTF-8");
  }
  assertRefused(
    ["-input-charset", "iso8859-1"],
    '"-input-charset"',
    '"iso8859-1"',
    "only utf-8 is supported",
  );
  assertRefused(["-output-charset", "default"], '"-output-charset"', "only utf-8 is supported");
});

Deno.test("ignored options are accepted with a note", () => {
  const o = parse("-T -no-bak -volset-size 1 -check-session x -gui --no_rc tree");
  assert.deepEqual(o.pathspecs, [{ hostPath: "tree" }]);
  assert.equal(o.diagnostics.length, 6);
  assert.ok(o.diagnostics.every((d) => d.level === "note"));
  assert.equal(parse("-no-cache-inodes").cacheInodes, false);
});

// ---------------------------------------------------------------------------------------------
// System area and partitions
// ---------------------------------------------------------------------------------------------

Deno.test("system area: one file; -isohybrid-mbr, --grub2-mbr and -G replace each other's file", () => {
  const sa = (line: string) => {
    const o = parse(line);
    return [o.systemAreaFile, o.isohybridMbr, o.grub2Mbr, o.protectiveMsdosLabel];
  };
  assert.deepEqual(sa("-G a"), ["a", undefined, undefined, false]);
  assert.deepEqual(sa("-generic-boot a"), ["a", undefined, undefined, false]);
  assert.deepEqual(sa("--embedded-boot a"), ["a", undefined, undefined, false]);
  assert.deepEqual(sa("-G a -isohybrid-mbr b"), [undefined, "b", undefined, false]);
  // -G keeps the way the file is patched, only the file changes.
  assert.deepEqual(sa("-isohybrid-mbr b -G a"), [undefined, "a", undefined, false]);
  assert.deepEqual(sa("-isohybrid-mbr b --grub2-mbr c"), [undefined, undefined, "c", false]);
  assert.deepEqual(sa("--grub2-mbr c --protective-msdos-label"), [undefined, undefined, "c", true]);
  // A protective label and an isohybrid MBR exclude each other; the later one wins.
  assert.deepEqual(sa("-isohybrid-mbr b --protective-msdos-label"), ["b", undefined, undefined, true]);
  assert.deepEqual(sa("--protective-msdos-label -isohybrid-mbr b"), [undefined, "b", undefined, false]);
  assertRefused(["-isohybrid-mbr", "."], '"-isohybrid-mbr"', '"."');
  assertRefused(["--grub2-mbr", "--interval:local_fs:0s-15s:zero_mbrpt:x.iso"], '"--grub2-mbr"', "interval");
  assertRefused(["-G", ""], '"-G"');
});

Deno.test("partitions: -append_partition types, replacement and cancellation", () => {
  const o = parse(`-append_partition 3 FAT16 c.img -append_partition 1 0xEF a.img
    -append_partition 2 a2a0d0ebe5b9334487c068b6b72699c7 b.img -append_partition 4 Linux d.img
    -append_partition 5 FAT12 e.img -append_partition 6 0x0 f.img -append_partition 8 Linux x.img
    -append_partition 4 0x83 d2.img`);
  assert.deepEqual(o.appendedPartitions, [
    { partitionNumber: 1, type: { kind: "mbr", code: 0xef }, hostPath: "a.img" },
    { partitionNumber: 2, type: { kind: "gpt", guid: PARTITION_TYPE_GUID.basicData }, hostPath: "b.img" },
    { partitionNumber: 3, type: { kind: "mbr", code: 0x06 }, hostPath: "c.img" },
    { partitionNumber: 4, type: { kind: "mbr", code: 0x83 }, hostPath: "d2.img" },
    { partitionNumber: 5, type: { kind: "mbr", code: 0x01 }, hostPath: "e.img" },
    { partitionNumber: 6, type: { kind: "mbr", code: 0x00 }, hostPath: "f.img" },
    { partitionNumber: 8, type: { kind: "mbr", code: 0x83 }, hostPath: "x.img" },
  ]);
  const cancelled = parseMkisofsArgs([
    "-append_partition",
    "2",
    "0xef",
    "a",
    "-append_partition",
    "2",
    "0xef",
    "",
  ]);
  assert.deepEqual(cancelled.appendedPartitions, []);
  assert.deepEqual(
    parseMkisofsArgs(["-append_partition", "2", "", "z"]).appendedPartitions[0].type,
    { kind: "mbr", code: 0 },
  );
  assertRefused(words("-append_partition 9 0xef a"), '"-append_partition"', '"9"');
  assertRefused(words("-append_partition 0 0xef a"), '"-append_partition"', '"0"');
  assertRefused(words("-append_partition 2 239 a"), '"-append_partition"', '"239"', "decimal");
  assertRefused(words("-append_partition 2 0x100 a"), '"-append_partition"', '"0x100"');
  assertRefused(words("-append_partition 2 fat12 a"), '"-append_partition"', '"fat12"');
  assertRefused(words("-append_partition 2 0xef"), '"-append_partition" needs 3 arguments');
  assertRefused(
    words("-append_partition 2 0xef --interval:local_fs:0-1::x"),
    '"-append_partition"',
    "interval",
  );
});

Deno.test("partitions: -iso_mbr_part_type, --gpt_disk_guid, geometry, offset, alignment", () => {
  assert.deepEqual(parse("-iso_mbr_part_type 0x83").isoMbrPartType, { kind: "mbr", code: 0x83 });
  assert.deepEqual(parse("-iso_mbr_part_type 131").isoMbrPartType, { kind: "mbr", code: 0x83 });
  assert.deepEqual(parse("-iso_mbr_part_type a2a0d0ebe5b9334487c068b6b72699c7").isoMbrPartType, {
    kind: "gpt",
    guid: PARTITION_TYPE_GUID.basicData,
  });
  assert.equal(parse("-iso_mbr_part_type 0x83 -iso_mbr_part_type default").isoMbrPartType, undefined);
  assertRefused(["-iso_mbr_part_type", "256"], '"-iso_mbr_part_type"', '"256"');
  assert.deepEqual(parse("--gpt_disk_guid 2303cd2a-73c7-424a-a298-25632da7f446").gptDiskGuid, {
    kind: "guid",
    guid: "2303CD2A-73C7-424A-A298-25632DA7F446",
  });
  // The 32-digit form is the on-disk byte order (xorriso's own example of the same GUID).
  assert.deepEqual(parse("--gpt_disk_guid 2acd0323c7734a42a29825632da7f446").gptDiskGuid, {
    kind: "guid",
    guid: "2303CD2A-73C7-424A-A298-25632DA7F446",
  });
  assert.deepEqual(parse("--gpt_disk_guid modification-date").gptDiskGuid, { kind: "modificationDate" });
  assert.equal(parse("--gpt_disk_guid random").gptDiskGuid, undefined);
  assertRefused(["--gpt_disk_guid", "xyz"], '"--gpt_disk_guid"', '"xyz"');
  const g = parse("-partition_hd_cyl 255 -partition_sec_hd 63 -partition_cyl_align all -partition_offset 32");
  assert.deepEqual(
    [g.partitionHeadsPerCylinder, g.partitionSectorsPerHead, g.partitionCylAlign, g.partitionOffsetLba],
    [255, 63, "all", 32],
  );
  assertRefused(["-partition_offset", "8"], '"-partition_offset"', '"8"');
  assertRefused(["-partition_offset", "0x10"], '"-partition_offset"', '"0x10"');
  assertRefused(["-partition_hd_cyl", "256"], '"-partition_hd_cyl"', '"256"');
  assertRefused(["-partition_sec_hd", "64"], '"-partition_sec_hd"', '"64"');
  assertRefused(["-partition_cyl_align", "yes"], '"-partition_cyl_align"', '"yes"');
});

Deno.test("partitions: flags and extra partitions", () => {
  const o = parse(`-appended_part_as_gpt -appended_part_as_apm -part_like_isohybrid -efi-boot-part esp.img
    -prep-boot-part prep.img -chrp-boot --mbr-force-bootable`);
  assert.deepEqual(
    [o.appendedPartAsGpt, o.appendedPartAsApm, o.partLikeIsohybrid, o.chrpBootPart, o.mbrForceBootable],
    [true, true, true, true, true],
  );
  assert.deepEqual(o.efiBootPart, { kind: "file", hostPath: "esp.img" });
  assert.equal(o.prepBootPart, "prep.img");
  assert.equal(parse("-chrp-boot-part").chrpBootPart, true);
});

Deno.test("HFS+ options are recorded", () => {
  const o = parse(`-hfsplus -hfsplus-serial-no 0123456789ABCDEF -hfsplus-block-size 512 -apm-block-size 0
    -hfs-bless-by ppc_bootdir /ppc -hfs-bless-by 9 /os9 -hfs-bless /host/dir`);
  assert.equal(o.hfsplusSerialNumber, "0123456789abcdef");
  assert.equal(o.hfsplusBlockByteLength, 512);
  assert.equal(o.apmBlockByteLength, 0);
  assert.deepEqual(o.hfsBlessings, [
    { blessing: "ppc_bootdir", isoPath: "/ppc" },
    { blessing: "os9_folder", isoPath: "/os9" },
  ]);
  assert.deepEqual(o.hfsBlessHostDirs, ["/host/dir"]);
  assertRefused(["-hfsplus-serial-no", "123"], '"-hfsplus-serial-no"', '"123"');
  assertRefused(["-apm-block-size", "1024"], '"-apm-block-size"', '"1024"');
  assertRefused(["-hfs-bless-by", "q", "/x"], '"-hfs-bless-by"', '"q"');
  assertRefused(["-hfsplus-file-creator-type", "chr", "tbxj", "/x"], '"-hfsplus-file-creator-type"', '"chr"');
});

// ---------------------------------------------------------------------------------------------
// Refusals: every message names the option (and the value when there is one)
// ---------------------------------------------------------------------------------------------

Deno.test("refusals: unknown options", () => {
  assertRefused(["-frob"], 'unknown option "-frob"');
  assertRefused(["--frobnicate"], 'unknown option "--frobnicate"');
  assertRefused(["-J", "-Jx", "tree"], 'unknown option "-Jx"');
});

Deno.test("refusals: missing arguments name the option as written", () => {
  for (
    const option of [
      "-o",
      "-output",
      "--output",
      "-V",
      "-b",
      "-e",
      "--efi-boot",
      "-c",
      "-boot-load-size",
      "-m",
    ]
  ) {
    assertRefused(["tree", option], `${JSON.stringify(option)} needs an argument`);
  }
  assertRefused(["--sort-weight", "1"], '"--sort-weight" needs 2 arguments');
  assertRefused(["-hfsplus-file-creator-type", "a", "b"], '"-hfsplus-file-creator-type" needs 3 arguments');
});

Deno.test("refusals: options xorriso knows that discwright does not support", () => {
  const cases: [string[], string][] = [
    [["-M", "old.iso"], "existing image"],
    [["-C", "0,1000"], "existing image"],
    [["--old-root-no-ino"], "existing image"],
    [["-old-root", "/"], "existing image"],
    [["-path-list", "l.txt"], "pathspecs from a file"],
    [["--quoted_path_list", "l.txt"], "pathspecs from a file"],
    [["-jigdo-jigdo", "x.jigdo"], "jigdo"],
    [["-md5-list", "x"], "jigdo"],
    [["-mips-boot", "/x"], "MIPS"],
    [["-sparc-boot", "a,b"], "SPARC"],
    [["-hppa-cmdline", "x"], "HP-PA"],
    [["-alpha-boot", "/x"], "Alpha"],
    [["--zisofs-version-2"], "zisofs"],
    [["--scdbackup_tag", "a", "b"], "scdbackup"],
    [["-udf"], "xorriso does not support it either"],
    [["--udf"], "xorriso does not support it either"],
    [["-dvd-video"], "xorriso does not support it either"],
    [["-hfs"], "xorriso does not support it either"],
    [["-find"], "xorriso does not support it either"],
    [["errctl=x"], "xorriso does not support it either"],
  ];
  for (const [args, reason] of cases) {
    assertRefused(args, `option ${JSON.stringify(args[0])} is not supported`, reason);
  }
});

// ---------------------------------------------------------------------------------------------
// Help, version, helpers, fuzzing
// ---------------------------------------------------------------------------------------------

Deno.test("help text lists every supported option; version matches deno.json", async () => {
  for (const name of MKISOFS_OPTION_NAMES) {
    const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const after = name.endsWith("=") ? "" : "($|[\\s,)=])";
    assert.match(MKISOFS_HELP, new RegExp(`(^|[\\s,(])${escaped}${after}`, "m"), `help lacks ${name}`);
  }
  const denoJson = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url)));
  assert.equal(DISCWRIGHT_VERSION, denoJson.version);
  assert.equal(DISCWRIGHT_VERSION, "0.1.0");
  assert.match(MKISOFS_VERSION_TEXT, /^mkisofs 2\.01-Emulation .*0\.1\.0/);
  const o = parse("-help -version");
  assert.deepEqual([o.help, o.version], [true, true]);
});

Deno.test("guidToBytes gives the on-disk (mixed-endian) GUID", () => {
  assert.deepEqual(
    guidToBytes(PARTITION_TYPE_GUID.efiSystem),
    new Uint8Array([
      0x28,
      0x73,
      0x2a,
      0xc1,
      0x1f,
      0xf8,
      0xd2,
      0x11,
      0xba,
      0x4b,
      0x00,
      0xa0,
      0xc9,
      0x3e,
      0xc9,
      0x3b,
    ]),
  );
  assert.throws(() => guidToBytes("nope"), TypeError);
});

Deno.test("fuzz: any argument list parses or throws UsageError, nothing else", () => {
  const known = fc.constantFrom(
    ...MKISOFS_OPTION_NAMES,
    "-as",
    "mkisofs",
    "--",
    "-M",
    "-udf",
    "--interval:appended_partition_2:all::",
  );
  const value = fc.oneof(
    fc.string(),
    fc.constantFrom(
      "0",
      "4",
      "16",
      "full",
      "0xef",
      "efi",
      "x86",
      "",
      ".",
      "utf-8",
      "all",
      "2024010100000000",
    ),
    fc.constantFrom(PARTITION_TYPE_GUID.efiSystem, "a2a0d0ebe5b9334487c068b6b72699c7", "u=rwx,go+rx", "0755"),
    fc.constantFrom("a=b", "a\\=b=c", "--interval:appended_partition_9:all::", "--modification-date=2024"),
  );
  fc.assert(
    fc.property(fc.array(fc.oneof(known, value), { maxLength: 24 }), (args) => {
      try {
        const o = parseMkisofsArgs(args);
        assert.ok(o.boot.length <= MAX_BOOT_ENTRIES);
        for (const e of o.boot) assert.ok(e.platformId >= 0 && e.platformId <= 0xff);
      } catch (error) {
        if (!(error instanceof UsageError)) throw error;
        assert.match(error.message, /^Cannot parse options: /);
      }
    }),
    { numRuns: 3000 },
  );
});
