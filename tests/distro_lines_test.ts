/**
 * The mkisofs option sets real distributions pass to xorriso (../shared/specs/distro-command-lines.md),
 * run unchanged (paths aside) through cli/build.ts and through xorriso: the system area and El Torito
 * reports must have the same structure (positions and sizes of our slightly tighter layout aside).
 */
import assert from "node:assert/strict";
import { fatTreeFromEntries } from "../authoring/fat/build.ts";
import { planFat } from "../authoring/fat/planner.ts";
import { UEFI_BOOT_MARKER, uefiApplication } from "../examples/boot_payload.ts";
import { bootTest, writeRegionsToFile } from "../mod.ts";
import { buildWithDiscwright, buildWithXorriso, run, tempDir, toolTest } from "./_tools.ts";

const ISOHDPFX = "/usr/lib/ISOLINUX/isohdpfx.bin";
const GRUB_HYBRID = "/usr/lib/grub/i386-pc/boot_hybrid.img";
const TOOLS = ["xorriso", "grub-mkimage", ISOHDPFX, GRUB_HYBRID];
const BOOT_TOOLS = [...TOOLS, "qemu-system-x86_64", "/usr/share/OVMF/OVMF_CODE_4M.fd"];
/** What the BIOS chain of each line prints: ISOLINUX (no kernel to load) or GRUB's echo. */
const BIOS_MARKER = (line: string) =>
  line.startsWith("Debian") ? "Loading nothing" : "DISCWRIGHT-GRUB-BIOS-OK";

/** Two trees the way the distributions lay them out: isolinux, GRUB BIOS and EFI images. */
async function makeDistroTrees(dir: string): Promise<void> {
  const tree = `${dir}/tree`;
  await Deno.mkdir(`${tree}/isolinux`, { recursive: true });
  await Deno.mkdir(`${tree}/boot/grub/i386-pc`, { recursive: true });
  await Deno.mkdir(`${tree}/images`, { recursive: true });
  await Deno.copyFile("/usr/lib/ISOLINUX/isolinux.bin", `${tree}/isolinux/isolinux.bin`);
  await Deno.copyFile("/usr/lib/syslinux/modules/bios/ldlinux.c32", `${tree}/isolinux/ldlinux.c32`);
  await Deno.writeTextFile(`${tree}/isolinux/isolinux.cfg`, "SERIAL 0 115200\nPROMPT 0\nDEFAULT nothing\n");
  await run("grub-mkimage", [
    "-O",
    "i386-pc-eltorito",
    "-o",
    `${tree}/images/eltorito.img`,
    "-p",
    "/boot/grub",
    "biosdisk",
    "iso9660",
    "normal",
    "echo",
    "serial",
  ]);
  await Deno.copyFile(`${tree}/images/eltorito.img`, `${tree}/boot/grub/i386-pc/eltorito.img`);
  await Deno.writeTextFile(
    `${tree}/boot/grub/grub.cfg`,
    "serial --unit=0 --speed=115200\nterminal_output serial\necho DISCWRIGHT-GRUB-BIOS-OK\n",
  );
  // The EFI system partition image: our hand-built UEFI application as EFI/BOOT/BOOTX64.EFI.
  const esp = planFat(
    fatTreeFromEntries({ "EFI/BOOT/BOOTX64.EFI": uefiApplication() }, new Date(1700000000_000)),
    {
      size: "1440k",
      volumeLabel: "EFIBOOT",
    },
  );
  await writeRegionsToFile(esp.regions, `${dir}/efi.img`);
  await Deno.copyFile(`${dir}/efi.img`, `${tree}/boot/grub/efi.img`);
  await Deno.mkdir(`${dir}/tree2/pool/main`, { recursive: true });
  await Deno.writeTextFile(`${dir}/tree2/pool/main/package.deb`, "not really a package\n");
  await Deno.writeTextFile(`${tree}/README.txt`, "distro test\n");
}

function lines(dir: string, out: string): Record<string, string[]> {
  const tree = `${dir}/tree`;
  return {
    "Debian installer (debian-cd)": [
      "-r",
      "-checksum_algorithm_iso",
      "sha256,sha512",
      "-V",
      "Debian test",
      "-o",
      out,
      "-J",
      "-joliet-long",
      "-cache-inodes",
      "-isohybrid-mbr",
      ISOHDPFX,
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
      tree,
      `${dir}/tree2`,
    ],
    "Debian Live (live-build)": [
      "-R",
      "-r",
      "-J",
      "-joliet-long",
      "-l",
      "-cache-inodes",
      "-iso-level",
      "3",
      "-isohybrid-mbr",
      ISOHDPFX,
      "-partition_offset",
      "16",
      "-A",
      "Debian Live",
      "-p",
      "live-build",
      "-publisher",
      "Debian Live project",
      "-V",
      "Debian live test",
      "--modification-date=2024010203040500",
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
      "-append_partition",
      "2",
      "0x01",
      `${dir}/efi.img`,
      "-o",
      out,
      tree,
    ],
    "grub-mkrescue 2.06 without its HFS+ options (-efi-boot-part --efi-boot-image, protective label)": [
      "-graft-points",
      "--modification-date=2024010203040500",
      "-b",
      "boot/grub/i386-pc/eltorito.img",
      "-no-emul-boot",
      "-boot-load-size",
      "4",
      "-boot-info-table",
      "--grub2-boot-info",
      "--grub2-mbr",
      GRUB_HYBRID,
      "--efi-boot",
      "boot/grub/efi.img",
      "-efi-boot-part",
      "--efi-boot-image",
      "--protective-msdos-label",
      "-o",
      out,
      "-r",
      tree,
      "--sort-weight",
      "0",
      "/",
      "--sort-weight",
      "1",
      "/boot",
    ],
    "-efi-boot-part with a host file": [
      "-R",
      "-J",
      "-b",
      "images/eltorito.img",
      "-no-emul-boot",
      "-boot-load-size",
      "4",
      "-boot-info-table",
      "--grub2-boot-info",
      "--grub2-mbr",
      GRUB_HYBRID,
      "-efi-boot-part",
      `${dir}/efi.img`,
      "--protective-msdos-label",
      "-o",
      out,
      tree,
    ],
    "Fedora (lorax)": [
      "-o",
      out,
      "-R",
      "-J",
      "-V",
      "Fedora-test",
      "--grub2-mbr",
      GRUB_HYBRID,
      "-partition_offset",
      "16",
      "-appended_part_as_gpt",
      "-append_partition",
      "2",
      "C12A7328-F81F-11D2-BA4B-00A0C93EC93B",
      `${dir}/efi.img`,
      "-iso_mbr_part_type",
      "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7",
      "-c",
      "boot.cat",
      "--boot-catalog-hide",
      "-b",
      "images/eltorito.img",
      "-no-emul-boot",
      "-boot-load-size",
      "4",
      "-boot-info-table",
      "--grub2-boot-info",
      "-eltorito-alt-boot",
      "-e",
      "--interval:appended_partition_2:all::",
      "-no-emul-boot",
      "-graft-points",
      `/=${tree}`,
      `/extra=${dir}/tree2`,
    ],
  };
}

/** The reports with positions masked: starts, sizes of the ISO part, catalog and image LBAs. */
async function structure(iso: string): Promise<string[]> {
  const { stdout } = await run("xorriso", [
    "-indev",
    iso,
    "-report_system_area",
    "plain",
    "-report_el_torito",
    "plain",
  ]);
  return stdout.split("\n").filter((l) => /^(MBR|GPT|APM|System area|Partition offset|El Torito)/.test(l))
    .map((l) =>
      l.replace(/^(GPT (disk|partition) GUID .*?)[0-9a-f]{32}$/, "$1<GUID>") // random or derived per image
        .replace(/^(MBR partition +: +\d+ +0x[0-9a-f]+ +0x[0-9a-f]+)( +\d+)( +\d+)$/, "$1 <start> <blocks>")
        .replace(/^(GPT lba range +:).*$/, "$1 <range>")
        .replace(/^((GPT|APM) start and size : +\d+)( +\d+)( +\d+)$/, "$1 <start> <blocks>")
        .replace(/^(El Torito catalog +:) +\d+/, "$1 <LBA>")
        .replace(/^(El Torito boot img .*?)\d+\s*$/, "$1<LBA>")
    );
}

for (const name of Object.keys(lines("", ""))) {
  toolTest(`distro line "${name}": builds, and its structure equals xorriso's`, TOOLS, async () => {
    await using tmp = await tempDir("distro-");
    await makeDistroTrees(tmp.path);
    const ours = await buildWithDiscwright(["-quiet", ...lines(tmp.path, `${tmp.path}/ours.iso`)[name]]);
    assert.equal(ours.code, 0, ours.stderr);
    assert.equal(
      (await buildWithXorriso(["-quiet", ...lines(tmp.path, `${tmp.path}/theirs.iso`)[name]])).code,
      0,
    );
    const a = await structure(`${tmp.path}/ours.iso`);
    assert.ok(a.some((l) => l.startsWith("El Torito boot img")), a.join("\n"));
    assert.deepEqual(a, await structure(`${tmp.path}/theirs.iso`));
  });
}

toolTest("distro line grub-mkrescue 2.06: refused clearly by the first unsupported option (HFS+)", [
  "xorriso",
], async () => {
  await using tmp = await tempDir("distro-");
  await Deno.mkdir(`${tmp.path}/tree/boot/grub/i386-pc`, { recursive: true });
  await Deno.writeFile(`${tmp.path}/tree/boot/grub/i386-pc/eltorito.img`, new Uint8Array(4096));
  await Deno.writeFile(`${tmp.path}/efi.img`, new Uint8Array(65536));
  const result = await buildWithDiscwright([
    "-quiet",
    "-graft-points",
    "--modification-date=2024010203040500",
    "-b",
    "boot/grub/i386-pc/eltorito.img",
    "-no-emul-boot",
    "-boot-load-size",
    "4",
    "-boot-info-table",
    "--grub2-boot-info",
    "--grub2-mbr",
    GRUB_HYBRID,
    "-hfsplus",
    "-apm-block-size",
    "2048",
    "--efi-boot",
    "efi.img",
    "-efi-boot-part",
    "--efi-boot-image",
    "--protective-msdos-label",
    "-o",
    `${tmp.path}/out.iso`,
    "-r",
    `${tmp.path}/tree`,
    "--sort-weight",
    "0",
    "/",
    "--sort-weight",
    "1",
    "/boot",
  ]);
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, /^build: Cannot build with -hfsplus: HFS\+ is not supported\n$/);
});

for (const name of Object.keys(lines("", ""))) {
  toolTest(
    `distro line "${name}": ours and xorriso's image boot BIOS and UEFI as CD and disk (UEFI CD needs an EFI entry)`,
    BOOT_TOOLS,
    async (t) => {
      await using tmp = await tempDir("distro-boot-");
      await makeDistroTrees(tmp.path);
      const images = { ours: `${tmp.path}/ours.iso`, xorriso: `${tmp.path}/theirs.iso` };
      const built = await buildWithDiscwright(["-quiet", ...lines(tmp.path, images.ours)[name]]);
      assert.equal(built.code, 0, built.stderr);
      assert.equal((await buildWithXorriso(["-quiet", ...lines(tmp.path, images.xorriso)[name]])).code, 0);
      for (const [who, image] of Object.entries(images)) {
        for (const firmware of ["bios", "uefi"] as const) {
          for (const media of ["cd", "disk"] as const) {
            // A line without an EFI El Torito entry (-e/--efi-boot) gives UEFI nothing to boot from a CD.
            const args = lines(tmp.path, image)[name];
            if (
              firmware === "uefi" && media === "cd" && !args.includes("-e") && !args.includes("--efi-boot")
            ) continue;
            await t.step(`${who}: ${firmware} as ${media}`, async () => {
              const expect = firmware === "bios" ? BIOS_MARKER(name) : UEFI_BOOT_MARKER;
              const result = await bootTest({ image, firmware, media, expect, timeoutSeconds: 90 });
              assert.ok(result.ok, `no "${expect}"; console tail:\n${result.consoleTail}`);
            });
          }
        }
      }
    },
  );
}
