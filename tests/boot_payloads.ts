/**
 * Boot payloads the boot tests make themselves, so that no boot loader binary is committed: a few
 * hand-assembled instructions that print a marker line on COM1 and halt.
 *
 * - {@link makeBiosBootImage}: El Torito no-emulation boot image (2048 bytes, loaded at 0x7C00).
 * - {@link makeMbrBootSector}: the same program as a hard disk / USB master boot record.
 * - {@link makeFloppyBootSector}: the same program behind a FAT12/16 BPB (floppy boot sector).
 * - {@link makeUefiApplication}: a PE32+ x86-64 EFI application (`\EFI\BOOT\BOOTX64.EFI`).
 *
 * The machine code is written byte by byte with the instruction each byte sequence encodes. It was
 * cross-checked against nasm 2.16 (`nasm -f bin`) of the source in the comments; the nasm sources
 * are in boot_payloads_test.ts, whose nasm test repeats that check when nasm is installed. Nothing
 * here needs nasm.
 * @module
 */

/** Marker the BIOS programs print by default. */
export const BIOS_MARKER = "DISCWRIGHT-BIOS-OK";
/** Marker the UEFI application prints by default. */
export const UEFI_MARKER = "DISCWRIGHT-UEFI-OK";

/** Bytes of a disk (and floppy) sector. */
const SECTOR_BYTES = 512;
/** Bytes of a CD sector: the El Torito boot image is one. */
const CD_SECTOR_BYTES = 2048;
/** 510: boot signature 0x55 0xAA (little-endian 0xAA55) of a boot sector. */
const BOOT_SIGNATURE_BYTE_OFFSET = 510;
/** 440: disk signature, then the partition table at 446 (UEFI §5.2.1): MBR code must end here. */
const MBR_CODE_END = 440;
/**
 * 64: where the program starts in the El Torito image and the MBR. Bytes 8–63 stay free for a Boot
 * Info Table (mkisofs `-boot-info-table` patches them), so the image survives that option.
 */
const IMAGE_CODE_BYTE_OFFSET = 64;
/** 62: first byte after a FAT12/16 BPB and extended BPB (OEM name at 3, BPB at 11, EBPB at 36). */
const FLOPPY_CODE_BYTE_OFFSET = 62;

/**
 * The real-mode program (16-bit), position independent: it runs the same whether the BIOS jumped to
 * 0000:7C00 or to 07C0:0000 (El Torito allows both), and wherever in the sector it sits. It sets
 * COM1 to 115200 baud 8N1, writes each byte of the message after polling the line status register
 * (bounded, so a machine without a UART still halts), then halts for good.
 *
 * nasm source (`bits 16`), one line per comment below; `msg` follows the code directly.
 */
// deno-fmt-ignore
const BIOS_CODE: readonly number[] = [
  0xfa,             // 00: cli
  0xfc,             // 01: cld
  0x31, 0xc0,       // 02: xor ax, ax
  0x8e, 0xd0,       // 04: mov ss, ax
  0xbc, 0x00, 0x7c, // 06: mov sp, 0x7c00           (stack below the program)
  0xe8, 0x00, 0x00, // 09: call here                (pushes the offset of "here")
  0x5e,             // 0c: here: pop si             (si = our own offset within CS)
  0x83, 0xc6, 0x4e, // 0d: add si, msg - here       (0x5a - 0x0c = 0x4e)
  0x0e,             // 10: push cs
  0x1f,             // 11: pop ds                   (ds:si = message)
  0xba, 0xf9, 0x03, // 12: mov dx, 0x3f9            (IER)
  0x30, 0xc0,       // 15: xor al, al
  0xee,             // 17: out dx, al               (no UART interrupts)
  0xba, 0xfb, 0x03, // 18: mov dx, 0x3fb            (LCR)
  0xb0, 0x80,       // 1b: mov al, 0x80
  0xee,             // 1d: out dx, al               (DLAB = 1: divisor latch)
  0xba, 0xf8, 0x03, // 1e: mov dx, 0x3f8            (DLL)
  0xb0, 0x01,       // 21: mov al, 1
  0xee,             // 23: out dx, al               (divisor 1 = 115200 baud)
  0x42,             // 24: inc dx                   (DLM, 0x3f9)
  0x30, 0xc0,       // 25: xor al, al
  0xee,             // 27: out dx, al
  0xba, 0xfb, 0x03, // 28: mov dx, 0x3fb            (LCR)
  0xb0, 0x03,       // 2b: mov al, 3
  0xee,             // 2d: out dx, al               (8 data bits, no parity, 1 stop bit; DLAB = 0)
  0xba, 0xfa, 0x03, // 2e: mov dx, 0x3fa            (FCR)
  0xb0, 0xc7,       // 31: mov al, 0xc7
  0xee,             // 33: out dx, al               (FIFOs on and cleared)
  0xba, 0xfc, 0x03, // 34: mov dx, 0x3fc            (MCR)
  0xb0, 0x03,       // 37: mov al, 3
  0xee,             // 39: out dx, al               (DTR | RTS)
  0xac,             // 3a: next_char: lodsb
  0x84, 0xc0,       // 3b: test al, al
  0x74, 0x17,       // 3d: jz done                  (+0x17 → 0x56)
  0x88, 0xc4,       // 3f: mov ah, al               (keep the byte)
  0xba, 0xfd, 0x03, // 41: mov dx, 0x3fd            (LSR)
  0xb9, 0xff, 0xff, // 44: mov cx, 0xffff           (poll at most 65535 times)
  0xec,             // 47: wait_thre: in al, dx
  0xa8, 0x20,       // 48: test al, 0x20            (THR empty?)
  0x75, 0x02,       // 4a: jnz send                 (+2 → 0x4e)
  0xe2, 0xf9,       // 4c: loop wait_thre           (−7 → 0x47)
  0xba, 0xf8, 0x03, // 4e: send: mov dx, 0x3f8      (THR)
  0x88, 0xe0,       // 51: mov al, ah
  0xee,             // 53: out dx, al
  0xeb, 0xe4,       // 54: jmp next_char            (−0x1c → 0x3a)
  0xfa,             // 56: done: cli
  0xf4,             // 57: hlt
  0xeb, 0xfc,       // 58: jmp done                 (−4 → 0x56)
                    // 5a: msg: db marker, 13, 10, 0
];

/**
 * The x86-64 program of the UEFI application: the same loop as {@link BIOS_CODE} in long mode.
 * It does not reprogram the UART (OVMF's serial driver owns it, at 115200 8N1), it only polls the
 * line status register before each byte. RCX (ImageHandle) and RDX (SystemTable) are not used.
 *
 * nasm source (`bits 64`), one line per comment below; `msg` follows the code directly.
 */
// deno-fmt-ignore
const UEFI_CODE: readonly number[] = [
  0xfc,                                     // 00: cld
  0x48, 0x8d, 0x35, 0x24, 0x00, 0x00, 0x00, // 01: lea rsi, [rel msg]      (0x08 + 0x24 = 0x2c)
  0xac,                                     // 08: next_char: lodsb
  0x84, 0xc0,                               // 09: test al, al
  0x74, 0x1b,                               // 0b: jz done               (+0x1b → 0x28)
  0x88, 0xc4,                               // 0d: mov ah, al
  0x66, 0xba, 0xfd, 0x03,                   // 0f: mov dx, 0x3fd         (LSR)
  0xb9, 0x00, 0x00, 0x10, 0x00,             // 13: mov ecx, 0x100000     (poll at most 2^20 times)
  0xec,                                     // 18: wait_thre: in al, dx
  0xa8, 0x20,                               // 19: test al, 0x20         (THR empty?)
  0x75, 0x02,                               // 1b: jnz send              (+2 → 0x1f)
  0xe2, 0xf9,                               // 1d: loop wait_thre        (−7 → 0x18)
  0x66, 0xba, 0xf8, 0x03,                   // 1f: send: mov dx, 0x3f8   (THR)
  0x88, 0xe0,                               // 23: mov al, ah
  0xee,                                     // 25: out dx, al
  0xeb, 0xe0,                               // 26: jmp next_char         (−0x20 → 0x08)
  0xfa,                                     // 28: done: cli
  0xf4,                                     // 29: hlt
  0xeb, 0xfc,                               // 2a: jmp done              (−4 → 0x28)
                                            // 2c: msg: db marker, 13, 10, 0
];

/** The machine code of the BIOS program (for tests that compare it with an assembler's output). */
export const BIOS_PROGRAM_CODE: Uint8Array = Uint8Array.from(BIOS_CODE);
/** The machine code of the UEFI application's `.text` before its message. */
export const UEFI_PROGRAM_CODE: Uint8Array = Uint8Array.from(UEFI_CODE);

/** `marker` CR LF NUL as bytes; printable ASCII only. */
function messageBytes(marker: string, maxMarkerLength: number): Uint8Array {
  if (!/^[\x20-\x7e]*$/.test(marker)) {
    throw new RangeError(`Cannot build boot payload: marker "${marker}" is not printable ASCII`);
  }
  if (marker.length > maxMarkerLength) {
    throw new RangeError(
      `Cannot build boot payload: marker of ${marker.length} characters is longer than ${maxMarkerLength}`,
    );
  }
  return new TextEncoder().encode(`${marker}\r\n\0`);
}

/** The BIOS program followed by its message. */
function biosProgram(marker: string, codeByteOffset: number, codeEnd: number): Uint8Array {
  const room = codeEnd - codeByteOffset - BIOS_CODE.length - 3; // CR LF NUL
  const message = messageBytes(marker, room);
  const program = new Uint8Array(BIOS_CODE.length + message.byteLength);
  program.set(BIOS_CODE, 0);
  program.set(message, BIOS_CODE.length);
  return program;
}

/** Longest marker {@link makeBiosBootImage} and {@link makeMbrBootSector} take (283). */
export const MAX_BIOS_MARKER_LENGTH: number = MBR_CODE_END - IMAGE_CODE_BYTE_OFFSET - BIOS_CODE.length - 3;

/**
 * An El Torito no-emulation boot image: one 2048-byte CD sector, loaded at 0x7C00 (use
 * `-boot-load-size 4`). Byte 0 jumps over bytes 8–63 (free for `-boot-info-table`) to the program
 * at 64; 0x55AA at 510 makes its first 512 bytes a valid MBR as well.
 *
 * @example
 * ```ts
 * await Deno.writeFile("tree/boot.img", makeBiosBootImage("DISCWRIGHT-BIOS-OK"));
 * // xorriso -as mkisofs -b boot.img -no-emul-boot -boot-load-size 4 -o cd.iso tree
 * ```
 */
export function makeBiosBootImage(marker: string = BIOS_MARKER): Uint8Array {
  const image = new Uint8Array(CD_SECTOR_BYTES);
  image.set([0xeb, IMAGE_CODE_BYTE_OFFSET - 2, 0x90], 0); // 0: jmp short 0x40; nop
  image.set(biosProgram(marker, IMAGE_CODE_BYTE_OFFSET, MBR_CODE_END), IMAGE_CODE_BYTE_OFFSET); // 64: program
  image.set([0x55, 0xaa], BOOT_SIGNATURE_BYTE_OFFSET); // 510: boot signature
  return image;
}

/**
 * A master boot record (512 bytes) that runs the BIOS program: for a raw hard disk or USB image.
 * With `existingSector` (e.g. sector 0 of a disk that sgdisk or sfdisk partitioned), its disk
 * signature and partition table (bytes 440–509) are kept, so the disk stays partitioned.
 *
 * @example
 * ```ts
 * const disk = new Uint8Array(1 << 20);
 * disk.set(makeMbrBootSector("DISCWRIGHT-BIOS-OK"), 0);
 * ```
 */
export function makeMbrBootSector(marker: string = BIOS_MARKER, existingSector?: Uint8Array): Uint8Array {
  const sector = new Uint8Array(SECTOR_BYTES);
  if (existingSector) {
    if (existingSector.byteLength < SECTOR_BYTES) {
      throw new RangeError(
        `Cannot build MBR: existing sector has ${existingSector.byteLength} bytes, not ${SECTOR_BYTES}`,
      );
    }
    sector.set(existingSector.subarray(MBR_CODE_END, BOOT_SIGNATURE_BYTE_OFFSET), MBR_CODE_END); // 440–509
  }
  sector.set(makeBiosBootImage(marker).subarray(0, MBR_CODE_END), 0); // 0–439: jump + program
  sector.set([0x55, 0xaa], BOOT_SIGNATURE_BYTE_OFFSET); // 510: boot signature
  return sector;
}

/**
 * A floppy boot sector (512 bytes): `jmp short 0x3E; nop` at 0, the OEM name, BPB and extended BPB
 * (bytes 3–61) taken from `bpbBytes` (a FAT12/16 boot sector, e.g. what mkfs.fat wrote) or zero,
 * the BIOS program at 62, 0x55AA at 510. Writing it over sector 0 of a FAT12 image keeps the file
 * system valid.
 *
 * @example
 * ```ts
 * const floppy = await Deno.readFile("floppy.img"); // mkfs.fat -C floppy.img 1440
 * floppy.set(makeFloppyBootSector("DISCWRIGHT-BIOS-OK", floppy.subarray(0, 512)), 0);
 * ```
 */
export function makeFloppyBootSector(marker: string = BIOS_MARKER, bpbBytes?: Uint8Array): Uint8Array {
  const sector = new Uint8Array(SECTOR_BYTES);
  sector.set([0xeb, FLOPPY_CODE_BYTE_OFFSET - 2, 0x90], 0); // 0: jmp short 0x3e; nop
  if (bpbBytes) {
    if (bpbBytes.byteLength < FLOPPY_CODE_BYTE_OFFSET) {
      throw new RangeError(
        `Cannot build floppy boot sector: BPB bytes are ${bpbBytes.byteLength} long, need ${FLOPPY_CODE_BYTE_OFFSET}`,
      );
    }
    sector.set(bpbBytes.subarray(3, FLOPPY_CODE_BYTE_OFFSET), 3); // 3–61: OEM name, BPB, extended BPB
  }
  sector.set(
    biosProgram(marker, FLOPPY_CODE_BYTE_OFFSET, BOOT_SIGNATURE_BYTE_OFFSET),
    FLOPPY_CODE_BYTE_OFFSET,
  );
  sector.set([0x55, 0xaa], BOOT_SIGNATURE_BYTE_OFFSET); // 510: boot signature
  return sector;
}

/** PE/COFF layout of {@link makeUefiApplication}. */
const PE = {
  /** e_lfanew: the PE signature follows the 64-byte DOS header directly. */
  signatureByteOffset: 0x40,
  fileAlignment: 0x200,
  sectionAlignment: 0x1000,
  /** RVA of `.text` (the headers occupy the first page of the image). */
  textRva: 0x1000,
  /** Optional header of PE32+ with 16 data directories. */
  optionalHeaderBytes: 240,
  /** Preferred load address; the code is position independent, so the loader may place it anywhere. */
  imageBase: 0x400000n,
} as const;

/** Longest marker {@link makeUefiApplication} takes. */
export const MAX_UEFI_MARKER_LENGTH = 1024;

/**
 * A UEFI application: PE32+ for x86-64, subsystem EFI_APPLICATION (10), one `.text` section with
 * the code and its message. It writes the marker line to COM1 and halts (it never returns). It has
 * no relocations and does not claim to be stripped of them (IMAGE_FILE_RELOCS_STRIPPED clear), so
 * edk2's loader may place it at any address. Put it at `\EFI\BOOT\BOOTX64.EFI` of a FAT volume.
 *
 * @example
 * ```ts
 * await Deno.writeFile("BOOTX64.EFI", makeUefiApplication("DISCWRIGHT-UEFI-OK"));
 * // mkfs.fat -C efi.img 1440 && mmd -i efi.img ::/EFI ::/EFI/BOOT && mcopy -i efi.img BOOTX64.EFI ::/EFI/BOOT/
 * ```
 */
export function makeUefiApplication(marker: string = UEFI_MARKER): Uint8Array {
  const message = messageBytes(marker, MAX_UEFI_MARKER_LENGTH);
  const textBytes = UEFI_CODE.length + message.byteLength;
  const rawBytes = align(textBytes, PE.fileAlignment);
  const headerBytes = PE.fileAlignment; // all headers fit in the first 512 bytes
  const out = new Uint8Array(headerBytes + rawBytes);
  const view = new DataView(out.buffer);
  const ascii = (text: string, at: number) => out.set(new TextEncoder().encode(text), at);

  // DOS header (PE/COFF spec §2: only e_magic and e_lfanew matter to a UEFI loader)
  ascii("MZ", 0x00); // 0x00: e_magic
  view.setUint32(0x3c, PE.signatureByteOffset, true); // 0x3c: e_lfanew

  // PE signature (§3.2)
  ascii("PE\0\0", PE.signatureByteOffset); // 0x40

  // COFF file header (§3.3), 20 bytes at 0x44
  const coff = PE.signatureByteOffset + 4;
  view.setUint16(coff + 0, 0x8664, true); // 0: Machine = IMAGE_FILE_MACHINE_AMD64
  view.setUint16(coff + 2, 1, true); // 2: NumberOfSections
  view.setUint32(coff + 4, 0, true); // 4: TimeDateStamp (0: reproducible)
  view.setUint16(coff + 16, PE.optionalHeaderBytes, true); // 16: SizeOfOptionalHeader
  view.setUint16(coff + 18, 0x0022, true); // 18: Characteristics = EXECUTABLE_IMAGE | LARGE_ADDRESS_AWARE

  // Optional header, PE32+ (§3.4), 240 bytes at 0x58
  const opt = coff + 20;
  const imageBytes = PE.textRva + align(textBytes, PE.sectionAlignment);
  view.setUint16(opt + 0, 0x20b, true); // 0: Magic = PE32+
  view.setUint32(opt + 4, rawBytes, true); // 4: SizeOfCode
  view.setUint32(opt + 16, PE.textRva, true); // 16: AddressOfEntryPoint (start of .text)
  view.setUint32(opt + 20, PE.textRva, true); // 20: BaseOfCode
  view.setBigUint64(opt + 24, PE.imageBase, true); // 24: ImageBase
  view.setUint32(opt + 32, PE.sectionAlignment, true); // 32: SectionAlignment
  view.setUint32(opt + 36, PE.fileAlignment, true); // 36: FileAlignment
  view.setUint32(opt + 56, imageBytes, true); // 56: SizeOfImage
  view.setUint32(opt + 60, headerBytes, true); // 60: SizeOfHeaders
  view.setUint32(opt + 64, 0, true); // 64: CheckSum (not checked by UEFI loaders)
  view.setUint16(opt + 68, 10, true); // 68: Subsystem = IMAGE_SUBSYSTEM_EFI_APPLICATION
  view.setUint16(opt + 70, 0, true); // 70: DllCharacteristics
  view.setBigUint64(opt + 72, 0x10000n, true); // 72: SizeOfStackReserve
  view.setBigUint64(opt + 80, 0x10000n, true); // 80: SizeOfStackCommit
  view.setBigUint64(opt + 88, 0n, true); // 88: SizeOfHeapReserve
  view.setBigUint64(opt + 96, 0n, true); // 96: SizeOfHeapCommit
  view.setUint32(opt + 108, 16, true); // 108: NumberOfRvaAndSizes; 112..239: 16 empty data directories

  // Section table (§4), one 40-byte header at 0x148
  const section = opt + PE.optionalHeaderBytes;
  ascii(".text", section); // 0: Name (8 bytes, NUL padded)
  view.setUint32(section + 8, textBytes, true); // 8: VirtualSize
  view.setUint32(section + 12, PE.textRva, true); // 12: VirtualAddress
  view.setUint32(section + 16, rawBytes, true); // 16: SizeOfRawData
  view.setUint32(section + 20, headerBytes, true); // 20: PointerToRawData
  view.setUint32(section + 36, 0x60000020, true); // 36: Characteristics = CNT_CODE | MEM_EXECUTE | MEM_READ

  // .text: the code, then the message it reads RIP-relative
  out.set(UEFI_CODE, headerBytes);
  out.set(message, headerBytes + UEFI_CODE.length);
  return out;
}

function align(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment;
}
