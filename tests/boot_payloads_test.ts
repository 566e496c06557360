/**
 * The self-made boot payloads: byte layout of each variant, the machine code against what nasm
 * assembles from the sources below (hex vectors recorded from nasm 2.16 `-f bin`; the nasm test
 * re-assembles them when nasm is installed), and the PE32+ headers a UEFI loader reads. Booting
 * them is tests/boot_harness_test.ts.
 */
import assert from "node:assert/strict";
import {
  BIOS_MARKER,
  BIOS_PROGRAM_CODE,
  makeBiosBootImage,
  makeFloppyBootSector,
  makeMbrBootSector,
  makeUefiApplication,
  MAX_BIOS_MARKER_LENGTH,
  UEFI_MARKER,
  UEFI_PROGRAM_CODE,
} from "./boot_payloads.ts";
import { run, tempDir, toolTest } from "./_tools.ts";

/** nasm source of the BIOS program (`msg` is appended by the tests). */
const BIOS_SOURCE = `bits 16
code:
    cli
    cld
    xor ax, ax
    mov ss, ax
    mov sp, 0x7c00
    call here
here:
    pop si
    add si, msg - here
    push cs
    pop ds
    mov dx, 0x3f9
    xor al, al
    out dx, al
    mov dx, 0x3fb
    mov al, 0x80
    out dx, al
    mov dx, 0x3f8
    mov al, 1
    out dx, al
    inc dx
    xor al, al
    out dx, al
    mov dx, 0x3fb
    mov al, 3
    out dx, al
    mov dx, 0x3fa
    mov al, 0xc7
    out dx, al
    mov dx, 0x3fc
    mov al, 3
    out dx, al
next_char:
    lodsb
    test al, al
    jz done
    mov ah, al
    mov dx, 0x3fd
    mov cx, 0xffff
wait_thre:
    in al, dx
    test al, 0x20
    jnz send
    loop wait_thre
send:
    mov dx, 0x3f8
    mov al, ah
    out dx, al
    jmp next_char
done:
    cli
    hlt
    jmp done
`;

/** nasm source of the UEFI application's code (`msg` is appended by the tests). */
const UEFI_SOURCE = `bits 64
entry:
    cld
    lea rsi, [rel msg]
next_char:
    lodsb
    test al, al
    jz done
    mov ah, al
    mov dx, 0x3fd
    mov ecx, 0x100000
wait_thre:
    in al, dx
    test al, 0x20
    jnz send
    loop wait_thre
send:
    mov dx, 0x3f8
    mov al, ah
    out dx, al
    jmp next_char
done:
    cli
    hlt
    jmp done
`;

/** `nasm -f bin` of BIOS_SOURCE / UEFI_SOURCE (without msg), as `xxd -p` printed it. */
const BIOS_CODE_HEX =
  "fafc31c08ed0bc007ce800005e83c64e0e1fbaf90330c0eebafb03b080eebaf803b001ee4230c0eebafb03b003ee" +
  "bafa03b0c7eebafc03b003eeac84c0741788c4bafd03b9ffffeca8207502e2f9baf80388e0eeebe4faf4ebfc";
const UEFI_CODE_HEX =
  "fc488d3524000000ac84c0741b88c466bafd03b900001000eca8207502e2f966baf80388e0eeebe0faf4ebfc";

const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
const ascii = (text: string) => new TextEncoder().encode(text);
const isZero = (bytes: Uint8Array) => bytes.every((b) => b === 0);

Deno.test("BIOS program: the bytes nasm assembles from the source", () => {
  assert.equal(hex(BIOS_PROGRAM_CODE), BIOS_CODE_HEX);
  assert.equal(hex(UEFI_PROGRAM_CODE), UEFI_CODE_HEX);
});

Deno.test("makeBiosBootImage: 2048 bytes, jump over the boot info table area, program at 64, 0x55AA", () => {
  const image = makeBiosBootImage("HELLO");
  assert.equal(image.byteLength, 2048);
  assert.equal(hex(image.subarray(0, 3)), "eb3e90"); // 0: jmp short 0x40; nop
  assert.ok(isZero(image.subarray(3, 64))); // 8–63: room for -boot-info-table
  assert.equal(hex(image.subarray(64, 64 + BIOS_PROGRAM_CODE.length)), BIOS_CODE_HEX);
  const msgAt = 64 + BIOS_PROGRAM_CODE.length; // 0x5a past the program start: "add si, 0x4e" from 0x0c
  assert.deepEqual(image.subarray(msgAt, msgAt + 8), ascii("HELLO\r\n\0"));
  assert.ok(isZero(image.subarray(msgAt + 8, 510)));
  assert.deepEqual([image[510], image[511]], [0x55, 0xaa]);
  assert.ok(isZero(image.subarray(512)));
  assert.deepEqual(makeBiosBootImage().subarray(msgAt, msgAt + BIOS_MARKER.length), ascii(BIOS_MARKER));
});

Deno.test("makeMbrBootSector: program before 440; disk signature and partition table kept from a sector", () => {
  const plain = makeMbrBootSector(BIOS_MARKER);
  assert.equal(plain.byteLength, 512);
  assert.deepEqual(plain.subarray(0, 440), makeBiosBootImage(BIOS_MARKER).subarray(0, 440));
  assert.ok(isZero(plain.subarray(440, 510)));
  assert.deepEqual([plain[510], plain[511]], [0x55, 0xaa]);

  const existing = new Uint8Array(512).fill(0xcc);
  existing.set([0x00, 0x00, 0x02, 0x00, 0xee], 446); // a protective MBR entry, say
  const kept = makeMbrBootSector(BIOS_MARKER, existing);
  assert.deepEqual(kept.subarray(0, 440), plain.subarray(0, 440));
  assert.deepEqual(kept.subarray(440, 510), existing.subarray(440, 510));
  assert.deepEqual([kept[510], kept[511]], [0x55, 0xaa]);
  assert.throws(() => makeMbrBootSector(BIOS_MARKER, new Uint8Array(100)), RangeError);
});

Deno.test("makeFloppyBootSector: jmp over a 62-byte BPB area, BPB kept, program at 62", () => {
  const bpb = new Uint8Array(512).fill(0xdd);
  bpb.set(ascii("mkfs.fat"), 3); // OEM name, then BPB (11) and extended BPB (36–61)
  const sector = makeFloppyBootSector("FLOPPY", bpb);
  assert.equal(sector.byteLength, 512);
  assert.equal(hex(sector.subarray(0, 3)), "eb3c90"); // 0: jmp short 0x3e; nop
  assert.deepEqual(sector.subarray(3, 62), bpb.subarray(3, 62));
  assert.equal(hex(sector.subarray(62, 62 + BIOS_PROGRAM_CODE.length)), BIOS_CODE_HEX);
  const msgAt = 62 + BIOS_PROGRAM_CODE.length;
  assert.deepEqual(sector.subarray(msgAt, msgAt + 9), ascii("FLOPPY\r\n\0"));
  assert.deepEqual([sector[510], sector[511]], [0x55, 0xaa]);
  assert.ok(isZero(makeFloppyBootSector("X").subarray(3, 62)));
  assert.throws(() => makeFloppyBootSector("X", new Uint8Array(61)), RangeError);
});

Deno.test("markers: printable ASCII only, and they must fit before the partition table / signature", () => {
  assert.equal(MAX_BIOS_MARKER_LENGTH, 440 - 64 - BIOS_PROGRAM_CODE.length - 3);
  const longest = "M".repeat(MAX_BIOS_MARKER_LENGTH);
  const image = makeBiosBootImage(longest);
  assert.equal(image[439], 0); // NUL, the last byte before the disk signature
  assert.throws(() => makeBiosBootImage(longest + "M"), RangeError);
  assert.throws(() => makeMbrBootSector(longest + "M"), RangeError);
  makeFloppyBootSector("F".repeat(510 - 62 - BIOS_PROGRAM_CODE.length - 3));
  assert.throws(() => makeFloppyBootSector("F".repeat(510 - 62 - BIOS_PROGRAM_CODE.length - 2)), RangeError);
  assert.throws(() => makeBiosBootImage("tab\there"), RangeError);
  assert.throws(() => makeUefiApplication("ünïcode"), RangeError);
});

/** The PE32+ fields edk2's loader reads (PeCoffLoaderGetImageInfo), decoded from the file. */
function readPe(pe: Uint8Array) {
  const view = new DataView(pe.buffer, pe.byteOffset, pe.byteLength);
  const peAt = view.getUint32(0x3c, true);
  const opt = peAt + 24;
  const section = opt + view.getUint16(peAt + 20, true);
  return {
    dosMagic: String.fromCharCode(pe[0], pe[1]),
    signature: String.fromCharCode(...pe.subarray(peAt, peAt + 4)),
    machine: view.getUint16(peAt + 4, true),
    sectionCount: view.getUint16(peAt + 6, true),
    characteristics: view.getUint16(peAt + 22, true),
    magic: view.getUint16(opt, true),
    entryRva: view.getUint32(opt + 16, true),
    imageBase: view.getBigUint64(opt + 24, true),
    sectionAlignment: view.getUint32(opt + 32, true),
    fileAlignment: view.getUint32(opt + 36, true),
    imageBytes: view.getUint32(opt + 56, true),
    headerBytes: view.getUint32(opt + 60, true),
    subsystem: view.getUint16(opt + 68, true),
    directoryCount: view.getUint32(opt + 108, true),
    directoriesEmpty: isZero(pe.subarray(opt + 112, opt + 240)),
    sectionName: new TextDecoder().decode(pe.subarray(section, section + 8)),
    virtualBytes: view.getUint32(section + 8, true),
    rva: view.getUint32(section + 12, true),
    rawBytes: view.getUint32(section + 16, true),
    rawAt: view.getUint32(section + 20, true),
    sectionFlags: view.getUint32(section + 36, true),
  };
}

Deno.test("makeUefiApplication: PE32+ x86-64 EFI application, code and message in .text", () => {
  const pe = makeUefiApplication();
  const h = readPe(pe);
  assert.equal(h.dosMagic, "MZ");
  assert.equal(h.signature, "PE\0\0");
  assert.equal(h.machine, 0x8664); // AMD64
  assert.equal(h.sectionCount, 1);
  assert.equal(h.characteristics & 0x0001, 0); // RELOCS_STRIPPED clear: loadable anywhere
  assert.equal(h.characteristics & 0x0002, 0x0002); // EXECUTABLE_IMAGE
  assert.equal(h.magic, 0x20b); // PE32+
  assert.equal(h.subsystem, 10); // EFI_APPLICATION
  assert.equal(h.entryRva, h.rva); // entry point = start of .text
  assert.equal(h.imageBase % 0x10000n, 0n);
  assert.equal(h.directoryCount, 16);
  assert.ok(h.directoriesEmpty); // no relocations, imports, ...
  assert.equal(h.sectionName, ".text\0\0\0");
  assert.equal(h.sectionFlags, 0x60000020); // CODE | EXECUTE | READ
  assert.equal(h.rawAt, h.headerBytes);
  assert.equal(h.rawAt % h.fileAlignment, 0);
  assert.equal(h.rva % h.sectionAlignment, 0);
  assert.equal(h.imageBytes % h.sectionAlignment, 0);
  assert.ok(h.rva + h.virtualBytes <= h.imageBytes);
  assert.equal(pe.byteLength, h.rawAt + h.rawBytes);
  assert.equal(hex(pe.subarray(h.rawAt, h.rawAt + UEFI_PROGRAM_CODE.length)), UEFI_CODE_HEX);
  const msgAt = h.rawAt + UEFI_PROGRAM_CODE.length; // lea rsi, [rip + 0x24] at 0x01 → 0x2c
  assert.equal(UEFI_PROGRAM_CODE.length, 0x2c);
  assert.deepEqual(pe.subarray(msgAt, msgAt + UEFI_MARKER.length + 3), ascii(`${UEFI_MARKER}\r\n\0`));
  assert.equal(h.virtualBytes, UEFI_PROGRAM_CODE.length + UEFI_MARKER.length + 3);

  const long = readPe(makeUefiApplication("L".repeat(600)));
  assert.equal(long.rawBytes, 0x400); // the section grows in file-alignment steps
  assert.equal(long.imageBytes, 0x2000);
});

toolTest("boot payloads: nasm assembles the same bytes from the sources", ["nasm"], async () => {
  await using tmp = await tempDir("payload-nasm-");
  const assemble = async (name: string, source: string): Promise<Uint8Array> => {
    await Deno.writeTextFile(`${tmp.path}/${name}.asm`, source);
    await run("nasm", ["-f", "bin", "-o", `${tmp.path}/${name}.bin`, `${tmp.path}/${name}.asm`]);
    return await Deno.readFile(`${tmp.path}/${name}.bin`);
  };
  const msg = (marker: string) => `msg: db "${marker}", 13, 10, 0\n`;
  assert.equal(hex(await assemble("bios", `${BIOS_SOURCE}msg:\n`)), BIOS_CODE_HEX);
  assert.equal(hex(await assemble("uefi", `${UEFI_SOURCE}msg:\n`)), UEFI_CODE_HEX);
  // Whole sectors: jump, padding, program, message, signature.
  const sector = (jumpTo: number, program: string, pad: number) =>
    `bits 16\n    jmp short code\n    nop\n    times ${jumpTo}-($-$$) db 0\n` +
    program.replace("bits 16\n", "") + msg(BIOS_MARKER) +
    `    times 510-($-$$) db 0\n    dw 0xaa55\n    times ${pad}-($-$$) db 0\n`;
  assert.deepEqual(await assemble("eltorito", sector(64, BIOS_SOURCE, 2048)), makeBiosBootImage(BIOS_MARKER));
  assert.deepEqual(await assemble("mbr", sector(64, BIOS_SOURCE, 512)), makeMbrBootSector(BIOS_MARKER));
  assert.deepEqual(await assemble("floppy", sector(62, BIOS_SOURCE, 512)), makeFloppyBootSector(BIOS_MARKER));
});
