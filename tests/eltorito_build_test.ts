/**
 * El Torito built by cli/build.ts compared with xorriso's image of the same arguments
 * (`xorriso -report_el_torito plain`, LBAs aside), and an ISOLINUX boot under SeaBIOS.
 */
import assert from "node:assert/strict";
import { buildWithDiscwright, buildWithXorriso, run, sha256File, tempDir, toolTest } from "./_tools.ts";

const ISOLINUX = "/usr/lib/ISOLINUX/isolinux.bin";
const LDLINUX = "/usr/lib/syslinux/modules/bios/ldlinux.c32";

/** A tree with isolinux, an EFI FAT image, a 1.44 MB floppy image and a hard-disk image with an MBR. */
async function makeBootTree(root: string): Promise<void> {
  await Deno.mkdir(`${root}/isolinux`, { recursive: true });
  await Deno.copyFile(ISOLINUX, `${root}/isolinux/isolinux.bin`);
  await Deno.copyFile(LDLINUX, `${root}/isolinux/ldlinux.c32`);
  await Deno.writeTextFile(`${root}/isolinux/isolinux.cfg`, "SERIAL 0 115200\nPROMPT 0\nDEFAULT nothing\n");
  await run("mkfs.fat", ["-C", "-n", "EFIBOOT", `${root}/efiboot.img`, "1024"]);
  await run("mmd", ["-i", `${root}/efiboot.img`, "::/EFI", "::/EFI/BOOT"], {
    env: { MTOOLS_SKIP_CHECK: "1" },
  });
  await run("mkfs.fat", ["-C", `${root}/floppy.img`, "1440"]);
  const disk = new Uint8Array(64 * 1024);
  disk.set([0x80, 0, 2, 0, 0x83, 0, 0, 0, 1, 0, 0, 0, 127, 0, 0, 0], 446); // one partition from LBA 1
  disk[510] = 0x55;
  disk[511] = 0xaa;
  await Deno.writeFile(`${root}/disk.img`, disk);
  await Deno.writeTextFile(`${root}/readme.txt`, "bootable\n");
  // An EFI image too big for the catalog's 16-bit sector count (sparse: no disk space used).
  const big = await Deno.open(`${root}/big-efi.img`, { write: true, create: true });
  await big.truncate(40 * 1024 * 1024);
  big.close();
}

/** `-report_el_torito plain` without LBAs (the layouts differ by a few blocks). */
async function elToritoReport(iso: string): Promise<string[]> {
  const { stdout } = await run("xorriso", ["-indev", iso, "-report_el_torito", "plain"]);
  return stdout.split("\n").filter((l) => l.startsWith("El Torito")).map((l) => {
    if (l.startsWith("El Torito catalog")) return l.replace(/: +\d+/, ": <LBA>"); // LBA, then block count
    if (l.startsWith("El Torito boot img")) return l.replace(/\d+\s*$/, "<LBA>"); // the last column
    return l;
  });
}

const CASES: Record<string, string[]> = {
  "BIOS isolinux + EFI": [
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
    "efiboot.img",
    "-no-emul-boot",
  ],
  "hidden catalog": [
    "-b",
    "isolinux/isolinux.bin",
    "-no-emul-boot",
    "-boot-load-size",
    "4",
    "--boot-catalog-hide",
  ],
  "floppy emulation": ["-b", "floppy.img", "-c", "boot.cat"],
  "hard disk emulation": ["-b", "disk.img", "-hard-disk-boot", "-c", "boot.cat"],
  "EFI image over 32 MiB (load size 0, as xorriso writes it)": [
    "-b",
    "isolinux/isolinux.bin",
    "-no-emul-boot",
    "-eltorito-alt-boot",
    "-e",
    "big-efi.img",
    "-no-emul-boot",
  ],
  "three entries and a platform id": [
    "-b",
    "isolinux/isolinux.bin",
    "-no-emul-boot",
    "-eltorito-alt-boot",
    "-eltorito-platform",
    "efi",
    "-b",
    "efiboot.img",
    "-no-emul-boot",
    "-eltorito-alt-boot",
    "-b",
    "floppy.img",
  ],
};

for (const [name, args] of Object.entries(CASES)) {
  toolTest(
    `El Torito "${name}": ours and xorriso report the same entries`,
    ["xorriso", "mkfs.fat", "mmd"],
    async () => {
      await using tmp = await tempDir("eltorito-");
      await makeBootTree(`${tmp.path}/tree`);
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
      const a = await elToritoReport(ours);
      assert.ok(a.length >= 3, a.join("\n"));
      assert.deepEqual(a, await elToritoReport(theirs));
    },
  );
}

toolTest(
  "El Torito: the boot info table goes into the image, the source isolinux.bin is untouched, ISOLINUX starts under SeaBIOS",
  ["xorriso", "mkfs.fat", "mmd", "qemu-system-x86_64"],
  async () => {
    await using tmp = await tempDir("eltorito-");
    await makeBootTree(`${tmp.path}/tree`);
    const before = await sha256File(`${tmp.path}/tree/isolinux/isolinux.bin`);
    const args = [...CASES["BIOS isolinux + EFI"], "-R", "-J"];
    const serial: Record<string, string> = {};
    for (const [who, build] of [["ours", buildWithDiscwright], ["xorriso", buildWithXorriso]] as const) {
      const iso = `${tmp.path}/${who}.iso`;
      assert.equal((await build(["-quiet", ...args, "-o", iso, `${tmp.path}/tree`])).code, 0);
      const log = `${tmp.path}/${who}.serial`;
      // ISOLINUX prints its banner on COM1 (SERIAL 0 in isolinux.cfg), then fails to load "nothing".
      const qemu = new Deno.Command("qemu-system-x86_64", {
        args: [
          "-machine",
          "accel=tcg",
          "-m",
          "256",
          "-cdrom",
          iso,
          "-boot",
          "d",
          "-display",
          "none",
          "-serial",
          `file:${log}`,
          "-no-reboot",
        ],
        stdout: "null",
        stderr: "null",
      }).spawn();
      try {
        const deadline = Date.now() + 60_000;
        while (Date.now() < deadline) {
          const text = await Deno.readTextFile(log).catch(() => "");
          if (text.includes("Loading nothing")) break;
          await new Promise((r) => setTimeout(r, 250));
        }
      } finally {
        qemu.kill("SIGKILL");
        await qemu.status;
      }
      serial[who] = await Deno.readTextFile(log);
    }
    assert.match(serial.ours, /ISOLINUX 6\.\d+/);
    assert.match(serial.ours, /Loading nothing/);
    assert.equal(serial.ours, serial.xorriso);
    assert.equal(await sha256File(`${tmp.path}/tree/isolinux/isolinux.bin`), before);
  },
);
