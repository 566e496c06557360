/**
 * The real boot chains: Debian's kernel with a busybox initramfs whose /init prints a marker on
 * ttyS0, started by ISOLINUX (BIOS) and by GRUB EFI (UEFI), from our image and from xorriso's image
 * of the same arguments, each as CD and as disk. The kernel comes from Debian's linux-image package
 * (`apt-get download` + `dpkg -x`, done by .ci/run into /var/cache/discwright/vmlinuz).
 */
import assert from "node:assert/strict";
import { bootTest } from "../mod.ts";
import { buildWithDiscwright, buildWithXorriso, run, tempDir, toolTest } from "./_tools.ts";

const KERNEL = "/var/cache/discwright/vmlinuz";
const BUSYBOX = "/bin/busybox";
const MARKER = "DISCWRIGHT-LINUX-OK";
const MTOOLS_ENV = { MTOOLS_SKIP_CHECK: "1" };

async function makeLinuxTree(dir: string): Promise<string> {
  const tree = `${dir}/tree`;
  // initramfs: /init mounts devtmpfs, prints the marker on the serial port, powers off.
  await Deno.mkdir(`${dir}/initrd/bin`, { recursive: true });
  await Deno.copyFile(BUSYBOX, `${dir}/initrd/bin/busybox`);
  await Deno.chmod(`${dir}/initrd/bin/busybox`, 0o755);
  await Deno.writeTextFile(
    `${dir}/initrd/init`,
    `#!/bin/busybox sh\n/bin/busybox mkdir -p /dev\n/bin/busybox mount -t devtmpfs devtmpfs /dev\n` +
      `echo ${MARKER} > /dev/ttyS0\n/bin/busybox poweroff -f\n`,
  );
  await Deno.chmod(`${dir}/initrd/init`, 0o755);
  await Deno.mkdir(`${tree}/isolinux`, { recursive: true });
  await run("sh", [
    "-c",
    `cd "${dir}/initrd" && find . | "${BUSYBOX}" cpio -o -H newc > "${tree}/initrd.img"`,
  ]);
  await Deno.copyFile(KERNEL, `${tree}/vmlinuz`);
  // BIOS: ISOLINUX
  await Deno.copyFile("/usr/lib/ISOLINUX/isolinux.bin", `${tree}/isolinux/isolinux.bin`);
  await Deno.copyFile("/usr/lib/syslinux/modules/bios/ldlinux.c32", `${tree}/isolinux/ldlinux.c32`);
  await Deno.writeTextFile(
    `${tree}/isolinux/isolinux.cfg`,
    "SERIAL 0 115200\nDEFAULT linux\nPROMPT 0\nLABEL linux\n  KERNEL /vmlinuz\n  APPEND initrd=/initrd.img console=ttyS0 quiet\n",
  );
  // UEFI: GRUB EFI (grub-mkstandalone) in a FAT image, finding the kernel on the ISO
  await Deno.writeTextFile(
    `${dir}/grub.cfg`,
    "serial --unit=0 --speed=115200\nterminal_output serial console\nsearch --no-floppy --file /vmlinuz --set=root\n" +
      "linux /vmlinuz console=ttyS0 quiet\ninitrd /initrd.img\nboot\n",
  );
  await run("grub-mkstandalone", [
    "-O",
    "x86_64-efi",
    "-o",
    `${dir}/BOOTX64.EFI`,
    `boot/grub/grub.cfg=${dir}/grub.cfg`,
  ]);
  await run("mkfs.fat", ["-C", "-n", "EFIBOOT", `${tree}/efiboot.img`, "16384"]);
  await run("mmd", ["-i", `${tree}/efiboot.img`, "::/EFI", "::/EFI/BOOT"], { env: MTOOLS_ENV });
  await run("mcopy", ["-i", `${tree}/efiboot.img`, `${dir}/BOOTX64.EFI`, "::/EFI/BOOT/"], {
    env: MTOOLS_ENV,
  });
  return tree;
}

toolTest(
  "Linux boots (Debian kernel + busybox initramfs) via ISOLINUX and GRUB EFI, as CD and disk, from ours and xorriso's",
  [
    KERNEL,
    BUSYBOX,
    "xorriso",
    "qemu-system-x86_64",
    "grub-mkstandalone",
    "mkfs.fat",
    "mmd",
    "mcopy",
    "/usr/share/OVMF/OVMF_CODE_4M.fd",
  ],
  async (t) => {
    await using tmp = await tempDir("linux-boot-");
    const tree = await makeLinuxTree(tmp.path);
    const args = [
      "-quiet",
      "-R",
      "-J",
      "-V",
      "LINUXTEST",
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
      "-isohybrid-mbr",
      "/usr/lib/ISOLINUX/isohdpfx.bin",
      "-isohybrid-gpt-basdat",
    ];
    const images = { ours: `${tmp.path}/ours.iso`, xorriso: `${tmp.path}/theirs.iso` };
    const built = await buildWithDiscwright([...args, "-o", images.ours, tree]);
    assert.equal(built.code, 0, built.stderr);
    assert.equal((await buildWithXorriso([...args, "-o", images.xorriso, tree])).code, 0);
    for (const [who, image] of Object.entries(images)) {
      for (const firmware of ["bios", "uefi"] as const) {
        for (const media of ["cd", "disk"] as const) {
          await t.step(`${who}: ${firmware} as ${media}`, async () => {
            const result = await bootTest({ image, firmware, media, expect: MARKER, timeoutSeconds: 120 });
            assert.ok(result.ok, `no "${MARKER}"; console tail:\n${result.consoleTail}`);
          });
        }
      }
    }
  },
);
