/**
 * ISOHybrid images from cli/build.ts compared with xorriso's image of the same arguments
 * (`xorriso -report_system_area plain`; start LBAs and GUIDs aside), and the boot matrix: BIOS and
 * UEFI, each as CD and as disk, for our image and for xorriso's (ISOLINUX for BIOS, a GRUB EFI
 * image from grub-mkstandalone for UEFI, both printing on COM1).
 */
import assert from "node:assert/strict";
import { bootTest } from "../mod.ts";
import { buildWithDiscwright, buildWithXorriso, run, sha256File, tempDir, toolTest } from "./_tools.ts";
import {
  BIOS_ENTRY,
  BIOS_MARKER,
  DEBIAN_STYLE_BOOT,
  ISOHDPFX,
  makeHybridTree,
  UEFI_MARKER,
} from "./_hybrid_tree.ts";

const OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd";
const MTOOLS_ENV = { MTOOLS_SKIP_CHECK: "1" };
function cases(work: string): Record<string, string[]> {
  return {
    "isohybrid MBR only": ["-isohybrid-mbr", ISOHDPFX, ...BIOS_ENTRY],
    "isohybrid MBR + GPT (EFI image in the tree)": [...DEBIAN_STYLE_BOOT],
    "Debian: GPT + Apple partition map": [...DEBIAN_STYLE_BOOT, "-isohybrid-apm-hfsplus"],
    "EFI image as appended partition 2 (GPT type)": [
      "-isohybrid-mbr",
      ISOHDPFX,
      "--mbr-force-bootable",
      ...BIOS_ENTRY,
      "-append_partition",
      "2",
      "C12A7328-F81F-11D2-BA4B-00A0C93EC93B",
      `${work}/efi-appended.img`,
      "-appended_part_as_gpt",
      "-eltorito-alt-boot",
      "-e",
      "--interval:appended_partition_2:all::",
      "-no-emul-boot",
    ],
    "Arch Linux (mkarchiso): -partition_offset 16, ESP appended as GPT partition 2": [
      "-iso-level",
      "3",
      "-full-iso9660-filenames",
      "-joliet",
      "-joliet-long",
      "-rational-rock",
      "-volid",
      "ARCH_TEST",
      "-appid",
      "Arch Linux live/rescue medium",
      "-publisher",
      "Arch Linux <https://archlinux.org>",
      "-preparer",
      "prepared by mkarchiso",
      "-eltorito-boot",
      "isolinux/isolinux.bin",
      "-eltorito-catalog",
      "isolinux/boot.cat",
      "-no-emul-boot",
      "-boot-load-size",
      "4",
      "-boot-info-table",
      "-isohybrid-mbr",
      ISOHDPFX,
      "--mbr-force-bootable",
      "-partition_offset",
      "16",
      "-append_partition",
      "2",
      "C12A7328-F81F-11D2-BA4B-00A0C93EC93B",
      `${work}/efi-appended.img`,
      "-isohybrid-gpt-basdat",
      "-eltorito-alt-boot",
      "-e",
      "--interval:appended_partition_2:all::",
      "-no-emul-boot",
    ],
    "-partition_cyl_align all, two appended partitions": [
      "-isohybrid-mbr",
      ISOHDPFX,
      ...BIOS_ENTRY,
      "-append_partition",
      "2",
      "0xef",
      `${work}/efi-appended.img`,
      "-append_partition",
      "3",
      "0x83",
      `${work}/efi-appended.img`,
      "-partition_cyl_align",
      "all",
    ],
    "-partition_cyl_align on": ["-isohybrid-mbr", ISOHDPFX, ...BIOS_ENTRY, "-partition_cyl_align", "on"],
    "EFI image as appended partition 2 (MBR type 0xef)": [
      "-isohybrid-mbr",
      ISOHDPFX,
      ...BIOS_ENTRY,
      "-append_partition",
      "2",
      "0xef",
      `${work}/efi-appended.img`,
      "-eltorito-alt-boot",
      "-e",
      "--interval:appended_partition_2:all::",
      "-no-emul-boot",
    ],
  };
}

/** The system area report with start LBAs and GUIDs masked (our layout is a few blocks tighter). */
async function systemAreaReport(iso: string): Promise<string[]> {
  const { stdout } = await run("xorriso", ["-indev", iso, "-report_system_area", "plain"]);
  return stdout.split("\n").filter((l) => /^(MBR|GPT|APM|ISO image|System area|Partition offset)/.test(l))
    .map((l) =>
      l.replace(/^(GPT (disk|partition) GUID .*?)[0-9a-f]{32}$/, "$1<GUID>") // random or derived per image
        .replace(/^(MBR partition +: +\d+ +0x[0-9a-f]+ +0x[0-9a-f]+ +)(\d+)/, "$1<start>")
        .replace(/^(GPT start and size : +\d+ +)(\d+)/, "$1<start>")
        .replace(/^(APM start and size : +\d+ +)(\d+)/, "$1<start>")
    );
}

for (const name of Object.keys(cases(""))) {
  toolTest(
    `hybrid "${name}": ours and xorriso report the same system area`,
    ["xorriso", "mkfs.fat", "mmd", "mcopy", "grub-mkstandalone"],
    async () => {
      await using tmp = await tempDir("hybrid-");
      await makeHybridTree(`${tmp.path}/tree`, tmp.path);
      const args = cases(tmp.path)[name];
      const ours = `${tmp.path}/ours.iso`;
      const theirs = `${tmp.path}/theirs.iso`;
      const built = await buildWithDiscwright([
        "-quiet",
        "-R",
        "-J",
        ...args,
        "-o",
        ours,
        `${tmp.path}/tree`,
      ]);
      assert.equal(built.code, 0, built.stderr);
      assert.equal(
        (await buildWithXorriso(["-quiet", "-R", "-J", ...args, "-o", theirs, `${tmp.path}/tree`])).code,
        0,
      );
      const a = await systemAreaReport(ours);
      assert.ok(a.length >= 5, a.join("\n"));
      assert.deepEqual(a, await systemAreaReport(theirs));
      assert.equal((await Deno.stat(ours)).size, (await Deno.stat(theirs)).size, "image sizes");
    },
  );
}

/** Boots `iso` and waits for `marker` on COM1 (the shared harness; QEMU is always stopped). */
async function boots(
  iso: string,
  firmware: "bios" | "uefi",
  media: "cd" | "disk",
  marker: string,
  _work: string,
): Promise<boolean> {
  return (await bootTest({ image: iso, firmware, media, expect: marker, timeoutSeconds: 120 })).ok;
}

for (
  const layout of [
    "isohybrid MBR + GPT (EFI image in the tree)",
    "Arch Linux (mkarchiso): -partition_offset 16, ESP appended as GPT partition 2",
  ]
) {
  toolTest(
    `hybrid boot matrix "${layout}": BIOS and UEFI, as CD and as disk, ours and xorriso's`,
    ["xorriso", "mkfs.fat", "mmd", "mcopy", "grub-mkstandalone", "qemu-system-x86_64", OVMF_CODE],
    async (t) => {
      await using tmp = await tempDir("hybrid-boot-");
      await makeHybridTree(`${tmp.path}/tree`, tmp.path);
      const args = ["-R", "-J", ...cases(tmp.path)[layout]];
      const images = {
        ours: `${tmp.path}/ours.iso`,
        xorriso: `${tmp.path}/theirs.iso`,
      };
      assert.equal(
        (await buildWithDiscwright(["-quiet", ...args, "-o", images.ours, `${tmp.path}/tree`])).code,
        0,
      );
      assert.equal(
        (await buildWithXorriso(["-quiet", ...args, "-o", images.xorriso, `${tmp.path}/tree`])).code,
        0,
      );
      for (const [who, iso] of Object.entries(images)) {
        for (const firmware of ["bios", "uefi"] as const) {
          for (const media of ["cd", "disk"] as const) {
            await t.step(`${who}: ${firmware} as ${media}`, async () => {
              const marker = firmware === "bios" ? BIOS_MARKER : UEFI_MARKER;
              assert.ok(await boots(iso, firmware, media, marker, tmp.path), `no "${marker}" on COM1`);
            });
          }
        }
      }
    },
  );
}

toolTest("hybrid -partition_offset 16: the partition alone is a valid ISO 9660 file system", [
  "mkfs.fat",
  "mmd",
  "mcopy",
  "grub-mkstandalone",
], async () => {
  await using tmp = await tempDir("hybrid-offset-");
  await makeHybridTree(`${tmp.path}/tree`, tmp.path);
  const iso = `${tmp.path}/ours.iso`;
  const args =
    cases(tmp.path)["Arch Linux (mkarchiso): -partition_offset 16, ESP appended as GPT partition 2"];
  assert.equal((await buildWithDiscwright(["-quiet", ...args, "-o", iso, `${tmp.path}/tree`])).code, 0);
  const bytes = await Deno.readFile(iso);
  await Deno.writeFile(`${tmp.path}/partition.iso`, bytes.subarray(16 * 2048)); // what a USB stick's partition 1 shows
  const { FileBlockDevice, openIso, verifyIso } = await import("../mod.ts");
  using device = await FileBlockDevice.open(`${tmp.path}/partition.iso`);
  const report = await verifyIso(device);
  assert.ok(report.summary.ok, JSON.stringify(report.problems.slice(0, 5)));
  const image = await openIso(device);
  const names: string[] = [];
  for await (const e of image.walk("rockridge")) names.push(e.path);
  assert.ok(names.includes("isolinux/isolinux.cfg") && names.includes("readme.txt"), names.join(", "));
});

toolTest("hybrid: with SOURCE_DATE_EPOCH two builds are the same bytes (MBR id and GUIDs derived)", [
  "mkfs.fat",
  "mmd",
  "mcopy",
  "grub-mkstandalone",
], async () => {
  await using tmp = await tempDir("hybrid-repro-");
  await makeHybridTree(`${tmp.path}/tree`, tmp.path);
  const args = ["-quiet", "-R", "-J", ...cases(tmp.path)["EFI image as appended partition 2 (GPT type)"]];
  const env = { SOURCE_DATE_EPOCH: "1700000000" };
  assert.equal(
    (await buildWithDiscwright([...args, "-o", `${tmp.path}/a.iso`, `${tmp.path}/tree`], { env })).code,
    0,
  );
  assert.equal(
    (await buildWithDiscwright([...args, "-o", `${tmp.path}/b.iso`, `${tmp.path}/tree`], { env })).code,
    0,
  );
  assert.equal(await sha256File(`${tmp.path}/a.iso`), await sha256File(`${tmp.path}/b.iso`));
});

toolTest(
  "hybrid GRUB2 (--grub2-mbr, --grub2-boot-info, hidden catalog): same reports as xorriso, GRUB starts as CD and as disk",
  ["xorriso", "grub-mkimage", "qemu-system-x86_64", "/usr/lib/grub/i386-pc/boot_hybrid.img"],
  async () => {
    await using tmp = await tempDir("hybrid-grub-");
    const tree = `${tmp.path}/tree`;
    await Deno.mkdir(`${tree}/boot/grub/i386-pc`, { recursive: true });
    await run("grub-mkimage", [
      "-O",
      "i386-pc-eltorito",
      "-o",
      `${tree}/boot/grub/i386-pc/eltorito.img`,
      "-p",
      "/boot/grub",
      "biosdisk",
      "iso9660",
      "normal",
      "echo",
      "serial",
    ]);
    await Deno.writeTextFile(
      `${tree}/boot/grub/grub.cfg`,
      "serial --unit=0 --speed=115200\nterminal_output serial\necho DISCWRIGHT-GRUB-BIOS-OK\n",
    );
    const args = [
      "-quiet",
      "-R",
      "-J",
      "--grub2-mbr",
      "/usr/lib/grub/i386-pc/boot_hybrid.img",
      "-b",
      "boot/grub/i386-pc/eltorito.img",
      "-no-emul-boot",
      "-boot-load-size",
      "4",
      "-boot-info-table",
      "--grub2-boot-info",
      "-c",
      "boot.cat",
      "--boot-catalog-hide",
    ];
    const ours = `${tmp.path}/ours.iso`;
    const theirs = `${tmp.path}/theirs.iso`;
    assert.equal((await buildWithDiscwright([...args, "-o", ours, tree])).code, 0);
    assert.equal((await buildWithXorriso([...args, "-o", theirs, tree])).code, 0);
    const report = async (iso: string) => {
      const { stdout } = await run("xorriso", [
        "-indev",
        iso,
        "-report_system_area",
        "plain",
        "-report_el_torito",
        "plain",
      ]);
      return stdout.split("\n").filter((l) => /^(MBR|GPT|System area|El Torito)/.test(l)).map((l) => {
        if (l.startsWith("El Torito catalog")) return l.replace(/: +\d+/, ": <LBA>");
        if (l.startsWith("El Torito boot img")) return l.replace(/\d+\s*$/, "<LBA>");
        return l;
      });
    };
    const a = await report(ours);
    assert.ok(
      a.some((l) => l.includes("grub2-mbr")) && a.some((l) => l.includes("grub2-boot-info")),
      a.join("\n"),
    );
    assert.deepEqual(a, await report(theirs));
    for (const media of ["cd", "disk"] as const) {
      assert.ok(
        await boots(ours, "bios", media, "DISCWRIGHT-GRUB-BIOS-OK", tmp.path),
        `GRUB did not start as ${media}`,
      );
    }
  },
);

toolTest(
  "--efi-boot-dir: the FAT image made from a folder is fsck.fat-clean, lists in mtools, and OVMF boots it as CD and disk",
  [
    "xorriso",
    "fsck.fat",
    "mdir",
    "mkfs.fat",
    "mmd",
    "mcopy",
    "grub-mkstandalone",
    "qemu-system-x86_64",
    OVMF_CODE,
  ],
  async () => {
    await using tmp = await tempDir("efi-boot-dir-");
    await makeHybridTree(`${tmp.path}/tree`, tmp.path);
    await Deno.remove(`${tmp.path}/tree/efiboot.img`);
    await Deno.mkdir(`${tmp.path}/efi/EFI/BOOT`, { recursive: true });
    await Deno.copyFile(`${tmp.path}/BOOTX64.EFI`, `${tmp.path}/efi/EFI/BOOT/BOOTX64.EFI`);
    const iso = `${tmp.path}/ours.iso`;
    const built = await buildWithDiscwright([
      "-quiet",
      "-R",
      "-J",
      ...BIOS_ENTRY,
      "--efi-boot-dir",
      `${tmp.path}/efi`,
      "-isohybrid-gpt-basdat",
      "-isohybrid-mbr",
      ISOHDPFX,
      "-o",
      iso,
      `${tmp.path}/tree`,
    ], { env: { SOURCE_DATE_EPOCH: "1700000000" } });
    assert.equal(built.code, 0, built.stderr);
    const fat = `${tmp.path}/efiboot.img`;
    await run("xorriso", ["-osirrox", "on", "-indev", iso, "-extract", "/efiboot.img", fat]);
    const fsck = await run("fsck.fat", ["-n", fat]);
    assert.equal(fsck.code, 0, fsck.stdout);
    const listing = await run("mdir", ["-i", fat, "-/", "-b", "::"], { env: MTOOLS_ENV });
    assert.match(listing.stdout, /::\/EFI\/BOOT\/BOOTX64\.EFI/);
    for (const media of ["cd", "disk"] as const) {
      assert.ok(
        await boots(iso, "uefi", media, UEFI_MARKER, tmp.path),
        `OVMF did not start GRUB as ${media}`,
      );
    }
  },
);
