/**
 * A tiny BIOS boot program, assembled by hand, that prints a marker line on COM1 and halts. It
 * serves as an El Torito no-emulation boot image (loaded at 0x7C00) in the demo and in tests, so
 * that no boot loader binary has to be committed. The bytes were cross-checked with nasm (source
 * in the comments).
 * @module
 */

/** The line the payload prints on COM1 (followed by CR LF). */
export const BOOT_MARKER = "DISCWRIGHT-BOOT-OK";

/**
 * The boot image: 2048 bytes (one CD sector; load it with `-boot-load-size 4`), with 0x55AA at
 * 510 so the same bytes also work as a boot sector.
 *
 * @example
 * ```ts
 * await Deno.writeFile("boot.bin", biosBootImage());
 * // deno run -A cli/build.ts -b boot.bin -no-emul-boot -boot-load-size 4 -o out.iso tree/
 * ```
 */
export function biosBootImage(marker: string = BOOT_MARKER): Uint8Array {
  // deno-fmt-ignore
  const code = [
    0xfa,             //  0: cli
    0xfc,             //  1: cld
    0xe8, 0x00, 0x00, //  2: call next          (pushes the address of "next")
    0x5e,             //  5: next: pop si       (si = where we run, whatever CS is)
    0x83, 0xc6, 0x14, //  6: add si, msg - next (20)
    0x0e,             //  9: push cs
    0x1f,             // 10: pop ds
    0xba, 0xf8, 0x03, // 11: mov dx, 0x3f8      (COM1 data register)
    0xac,             // 14: loop: lodsb
    0x84, 0xc0,       // 15: test al, al
    0x74, 0x03,       // 17: jz done            (+3 → 22)
    0xee,             // 19: out dx, al
    0xeb, 0xf8,       // 20: jmp loop           (−8 → 14)
    0xf4,             // 22: done: hlt
    0xeb, 0xfd,       // 23: jmp done           (−3 → 22)
  ];
  const text = new TextEncoder().encode(`${marker}\r\n\0`); // 25: msg
  if (code.length + text.byteLength > 510) throw new RangeError("Cannot build boot image: marker too long");
  const image = new Uint8Array(2048);
  image.set(code, 0);
  image.set(text, code.length);
  image[510] = 0x55; // 510: boot signature
  image[511] = 0xaa;
  return image;
}

/** The line the UEFI application prints on COM1. */
export const UEFI_BOOT_MARKER = "DISCWRIGHT-UEFI-OK";

/**
 * A UEFI application (PE32+, x86-64, subsystem EFI_APPLICATION) built by hand: it writes a marker
 * line to COM1 with `out` and halts. Put it at EFI/BOOT/BOOTX64.EFI of a FAT image (e.g. with
 * `--efi-boot-dir`). The code is position independent, so the image needs no relocations.
 *
 * @example
 * ```ts
 * await Deno.writeFile("efi/EFI/BOOT/BOOTX64.EFI", uefiApplication());
 * ```
 */
export function uefiApplication(marker: string = UEFI_BOOT_MARKER): Uint8Array {
  // deno-fmt-ignore
  const code = [
    0xfc,                                     //  0: cld
    0x48, 0x8d, 0x35, 0x10, 0x00, 0x00, 0x00, //  1: lea rsi, [rip + 0x10]  (msg at 0x18)
    0x66, 0xba, 0xf8, 0x03,                   //  8: mov dx, 0x3f8          (COM1)
    0xac,                                     // 12: loop: lodsb
    0x84, 0xc0,                               // 13: test al, al
    0x74, 0x03,                               // 15: jz done               (+3 → 0x14)
    0xee,                                     // 17: out dx, al
    0xeb, 0xf8,                               // 18: jmp loop              (−8 → 0x0c)
    0xfa,                                     // 20: done: cli
    0xf4,                                     // 21: hlt
    0xeb, 0xfc,                               // 22: jmp done              (−4 → 0x14)
  ];
  const text = new TextEncoder().encode(`${marker}\r\n\0`); // 24: msg
  const FILE_ALIGNMENT = 0x200;
  const SECTION_RVA = 0x1000;
  const out = new Uint8Array(2 * FILE_ALIGNMENT);
  const view = new DataView(out.buffer);
  // DOS header
  out.set([0x4d, 0x5a], 0); // 0: "MZ"
  view.setUint32(0x3c, 0x40, true); // 0x3c: e_lfanew → PE header at 0x40
  // PE signature and COFF file header (PE/COFF spec §3.2, §3.3)
  out.set([0x50, 0x45, 0, 0], 0x40); // 0x40: "PE\0\0"
  const coff = 0x44;
  view.setUint16(coff + 0, 0x8664, true); // Machine: AMD64
  view.setUint16(coff + 2, 1, true); // NumberOfSections
  view.setUint16(coff + 16, 240, true); // SizeOfOptionalHeader (PE32+ with 16 data directories)
  view.setUint16(coff + 18, 0x0022, true); // Characteristics: EXECUTABLE_IMAGE | LARGE_ADDRESS_AWARE
  // Optional header, PE32+ (§3.4)
  const opt = coff + 20; // 0x58
  view.setUint16(opt + 0, 0x20b, true); // Magic: PE32+
  view.setUint32(opt + 4, FILE_ALIGNMENT, true); // SizeOfCode
  view.setUint32(opt + 16, SECTION_RVA, true); // AddressOfEntryPoint
  view.setUint32(opt + 20, SECTION_RVA, true); // BaseOfCode
  view.setBigUint64(opt + 24, 0x400000n, true); // ImageBase
  view.setUint32(opt + 32, 0x1000, true); // SectionAlignment
  view.setUint32(opt + 36, FILE_ALIGNMENT, true); // FileAlignment
  view.setUint32(opt + 56, 2 * 0x1000, true); // SizeOfImage (headers page + .text page)
  view.setUint32(opt + 60, FILE_ALIGNMENT, true); // SizeOfHeaders
  view.setUint16(opt + 68, 10, true); // Subsystem: EFI_APPLICATION
  view.setBigUint64(opt + 72, 0x100000n, true); // SizeOfStackReserve
  view.setBigUint64(opt + 80, 0x1000n, true); // SizeOfStackCommit
  view.setBigUint64(opt + 88, 0x100000n, true); // SizeOfHeapReserve
  view.setBigUint64(opt + 96, 0x1000n, true); // SizeOfHeapCommit
  view.setUint32(opt + 108, 16, true); // NumberOfRvaAndSizes (all 16 directories empty)
  // Section header ".text" (§4)
  const section = opt + 240; // 0x148
  out.set(new TextEncoder().encode(".text"), section); // Name
  view.setUint32(section + 8, code.length + text.byteLength, true); // VirtualSize
  view.setUint32(section + 12, SECTION_RVA, true); // VirtualAddress
  view.setUint32(section + 16, FILE_ALIGNMENT, true); // SizeOfRawData
  view.setUint32(section + 20, FILE_ALIGNMENT, true); // PointerToRawData
  view.setUint32(section + 36, 0x60000020, true); // Characteristics: CODE | EXECUTE | READ
  out.set(code, FILE_ALIGNMENT); // the section's bytes
  out.set(text, FILE_ALIGNMENT + code.length);
  return out;
}
