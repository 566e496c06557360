/**
 * A Debian-style hybrid tree for boot tests: ISOLINUX for BIOS (prints BIOS_MARKER) and a FAT
 * image holding a GRUB EFI application (prints UEFI_MARKER on COM1), built with
 * grub-mkstandalone, mkfs.fat and mtools.
 */
import { run } from "./_tools.ts";

const MTOOLS_ENV = { MTOOLS_SKIP_CHECK: "1" };

/** What ISOLINUX prints when its config boots nothing. */
export const BIOS_MARKER = "Loading nothing";
/** What the GRUB EFI image prints. */
export const UEFI_MARKER = "DISCWRIGHT-GRUB-EFI-OK";
/** The isohybrid MBR template of syslinux. */
export const ISOHDPFX = "/usr/lib/ISOLINUX/isohdpfx.bin";
/** The BIOS El Torito entry of the tree: ISOLINUX, no emulation, boot info table. */
export const BIOS_ENTRY: readonly string[] = [
  "-b",
  "isolinux/isolinux.bin",
  "-c",
  "isolinux/boot.cat",
  "-no-emul-boot",
  "-boot-load-size",
  "4",
  "-boot-info-table",
];
/** Debian's layout: isohybrid MBR, BIOS entry, the EFI image as second entry, GPT. */
export const DEBIAN_STYLE_BOOT: readonly string[] = [
  "-isohybrid-mbr",
  ISOHDPFX,
  ...BIOS_ENTRY,
  "-eltorito-alt-boot",
  "-e",
  "efiboot.img",
  "-no-emul-boot",
  "-isohybrid-gpt-basdat",
];

/** Tools {@link makeHybridTree} needs. */
export const HYBRID_TREE_TOOLS: readonly string[] = [
  "/usr/lib/ISOLINUX/isolinux.bin",
  "grub-mkstandalone",
  "mkfs.fat",
  "mmd",
  "mcopy",
];

/** isolinux (BIOS) + a FAT image holding a GRUB EFI application that prints UEFI_MARKER on COM1. */
export async function makeHybridTree(root: string, work: string): Promise<void> {
  await Deno.mkdir(`${root}/isolinux`, { recursive: true });
  await Deno.copyFile("/usr/lib/ISOLINUX/isolinux.bin", `${root}/isolinux/isolinux.bin`);
  await Deno.copyFile("/usr/lib/syslinux/modules/bios/ldlinux.c32", `${root}/isolinux/ldlinux.c32`);
  await Deno.writeTextFile(`${root}/isolinux/isolinux.cfg`, "SERIAL 0 115200\nPROMPT 0\nDEFAULT nothing\n");
  await Deno.writeTextFile(
    `${work}/grub.cfg`,
    `serial --unit=0 --speed=115200\nterminal_output serial console\necho ${UEFI_MARKER}\nsleep 1\nhalt\n`,
  );
  await run("grub-mkstandalone", [
    "-O",
    "x86_64-efi",
    "-o",
    `${work}/BOOTX64.EFI`,
    `boot/grub/grub.cfg=${work}/grub.cfg`,
  ]);
  await run("mkfs.fat", ["-C", "-n", "EFIBOOT", `${root}/efiboot.img`, "16384"]);
  await run("mmd", ["-i", `${root}/efiboot.img`, "::/EFI", "::/EFI/BOOT"], { env: MTOOLS_ENV });
  await run("mcopy", ["-i", `${root}/efiboot.img`, `${work}/BOOTX64.EFI`, "::/EFI/BOOT/"], {
    env: MTOOLS_ENV,
  });
  await Deno.copyFile(`${root}/efiboot.img`, `${work}/efi-appended.img`);
  await Deno.writeTextFile(`${root}/readme.txt`, "hybrid\n");
}
