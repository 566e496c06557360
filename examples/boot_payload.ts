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
