/**
 * `disc usb`: ISO mode (FAT32 partition with the ISO's files, MBR or GPT) checked with fdisk,
 * sgdisk, fsck.fat and mdir, and booted under OVMF from QEMU's usb-storage to the UEFI marker;
 * dd mode copies a hybrid ISO byte for byte and warns about a non-hybrid one; bad sizes and
 * missing files fail cleanly with nothing written; SOURCE_DATE_EPOCH makes the stick reproducible;
 * with --bios, SYSLINUX makes the stick boot under SeaBIOS too.
 */
import assert from "node:assert/strict";
import { bootTest } from "../mod.ts";
import { biosBootImage, UEFI_BOOT_MARKER, uefiApplication } from "../examples/boot_payload.ts";
import { buildWithDiscwright, run, runDisc, tempDir, toolTest } from "./_tools.ts";
import { BIOS_ENTRY, BIOS_MARKER } from "./_hybrid_tree.ts";

const MTOOLS_ENV = { MTOOLS_SKIP_CHECK: "1" };

/** An ISO whose tree holds EFI/BOOT/BOOTX64.EFI (our UEFI test application) and a text file. */
async function makeUefiIso(dir: string, extra: string[] = []): Promise<string> {
  await Deno.mkdir(`${dir}/tree/EFI/BOOT`, { recursive: true });
  await Deno.writeFile(`${dir}/tree/EFI/BOOT/BOOTX64.EFI`, uefiApplication());
  await Deno.writeTextFile(`${dir}/tree/readme.txt`, "a stick made from an ISO\n");
  await Deno.writeFile(`${dir}/tree/boot.bin`, biosBootImage());
  const iso = `${dir}/u.iso`;
  const built = await buildWithDiscwright([
    "-quiet",
    "-R",
    "-J",
    "-V",
    "USBTEST",
    ...extra,
    "-o",
    iso,
    `${dir}/tree`,
  ]);
  assert.equal(built.code, 0, built.stderr);
  return iso;
}

toolTest(
  "disc usb --mode iso: MBR and GPT sticks pass fdisk/sgdisk and fsck.fat, mdir lists the ISO's files, OVMF boots each from usb-storage",
  ["fdisk", "sgdisk", "fsck.fat", "mdir", "qemu-system-x86_64", "/usr/share/OVMF/OVMF_CODE_4M.fd"],
  async (t) => {
    await using tmp = await tempDir("usb-iso-");
    const iso = await makeUefiIso(tmp.path);
    for (const table of ["mbr", "gpt"] as const) {
      await t.step(table, async () => {
        const stick = `${tmp.path}/${table}.img`;
        const made = await runDisc(["usb", iso, "-o", stick, "--size", "80M", "--table", table]);
        assert.equal(made.code, 0, made.stderr);
        assert.equal((await Deno.stat(stick)).size, 80 * 1024 * 1024);
        if (table === "mbr") {
          const fdisk = await run("fdisk", ["-l", stick]);
          assert.match(fdisk.stdout, /\.img1 \*\s+2048\s+163839\s+161792\s+79M\s+c W95 FAT32 \(LBA\)/);
        } else {
          const sgdisk = await run("sgdisk", ["-v", stick]);
          assert.match(sgdisk.stdout, /No problems found/);
          const list = await run("sgdisk", ["-p", stick]);
          assert.match(list.stdout, /1\s+2048\s+\d+\s+[\d.]+ MiB\s+EF00/);
        }
        const partition = `${tmp.path}/${table}-part.img`;
        const bytes = await Deno.readFile(stick);
        await Deno.writeFile(
          partition,
          bytes.subarray(1024 * 1024, table === "gpt" ? bytes.byteLength - 33 * 512 : undefined),
        );
        const fsck = await run("fsck.fat", ["-n", partition], { allowFail: true });
        assert.equal(fsck.code, 0, fsck.stdout + fsck.stderr);
        const mdir = await run("mdir", ["-i", `${stick}@@1M`, "-/", "-b", "::"], { env: MTOOLS_ENV });
        assert.match(mdir.stdout, /::\/EFI\/BOOT\/BOOTX64\.EFI/);
        assert.match(mdir.stdout, /::\/readme\.txt/);
        const booted = await bootTest({
          image: stick,
          firmware: "uefi",
          media: "usb",
          expect: UEFI_BOOT_MARKER,
          timeoutSeconds: 90,
        });
        assert.ok(booted.ok, `no "${UEFI_BOOT_MARKER}":\n${booted.consoleTail}`);
      });
    }
  },
);

toolTest(
  "disc usb --mode iso --bios: SYSLINUX makes MBR and GPT sticks boot under SeaBIOS to the ISO's ISOLINUX config, and OVMF still boots them",
  [
    "syslinux",
    "fsck.fat",
    "qemu-system-x86_64",
    "/usr/share/OVMF/OVMF_CODE_4M.fd",
    "/usr/lib/ISOLINUX/isolinux.bin",
    "/usr/lib/syslinux/modules/bios/ldlinux.c32",
  ],
  async (t) => {
    await using tmp = await tempDir("usb-bios-");
    // ISOLINUX (prints BIOS_MARKER on COM1) and our UEFI application, in one ISO.
    await Deno.mkdir(`${tmp.path}/tree/isolinux`, { recursive: true });
    await Deno.copyFile("/usr/lib/ISOLINUX/isolinux.bin", `${tmp.path}/tree/isolinux/isolinux.bin`);
    await Deno.copyFile(
      "/usr/lib/syslinux/modules/bios/ldlinux.c32",
      `${tmp.path}/tree/isolinux/ldlinux.c32`,
    );
    await Deno.writeTextFile(
      `${tmp.path}/tree/isolinux/isolinux.cfg`,
      "SERIAL 0 115200\nPROMPT 0\nDEFAULT nothing\n",
    );
    const iso = await makeUefiIso(tmp.path, [...BIOS_ENTRY]);
    for (const table of ["mbr", "gpt"] as const) {
      await t.step(table, async () => {
        const stick = `${tmp.path}/${table}.img`;
        const made = await runDisc(["usb", iso, "-o", stick, "--size", "80M", "--table", table, "--bios"]);
        assert.equal(made.code, 0, made.stderr);
        assert.match(made.stdout, /SYSLINUX for BIOS/);
        assert.doesNotMatch(made.stderr, /UEFI-bootable only/);
        const bytes = await Deno.readFile(stick);
        const partition = `${tmp.path}/${table}-part.img`;
        await Deno.writeFile(
          partition,
          bytes.subarray(1024 * 1024, table === "gpt" ? bytes.byteLength - 33 * 512 : undefined),
        );
        const fsck = await run("fsck.fat", ["-n", partition], { allowFail: true });
        assert.equal(fsck.code, 0, fsck.stdout + fsck.stderr);
        const mdir = await run("mdir", ["-a", "-i", `${stick}@@1M`, "-/", "-b", "::"], { env: MTOOLS_ENV });
        assert.match(mdir.stdout, /::\/ldlinux\.sys/i);
        assert.match(mdir.stdout, /::\/syslinux\.cfg/);
        for (
          const [firmware, expect] of [["bios", BIOS_MARKER], ["uefi", UEFI_BOOT_MARKER]] as const
        ) {
          const booted = await bootTest({ image: stick, firmware, media: "usb", expect, timeoutSeconds: 90 });
          assert.ok(booted.ok, `${firmware}: no "${expect}":\n${booted.consoleTail}`);
        }
      });
    }
    // Refusals: --bios with dd; an ISO without isolinux.cfg. Exit 2, one line, no stick left.
    const dd = await runDisc(["usb", iso, "-o", `${tmp.path}/dd.img`, "--mode", "dd", "--bios"]);
    assert.equal(dd.code, 2, dd.stderr);
    assert.match(dd.stderr, /--bios is for --mode iso/);
    const plain = await makeUefiIso(`${tmp.path}/plain`);
    const none = await runDisc(["usb", plain, "-o", `${tmp.path}/none.img`, "--size", "64M", "--bios"]);
    assert.equal(none.code, 2, none.stderr);
    assert.match(none.stderr, /no ISOLINUX configuration \(isolinux\.cfg\)/);
    assert.equal(none.stderr.trim().split("\n").length, 1);
    for (const name of ["dd.img", "none.img"]) {
      assert.equal(await Deno.stat(`${tmp.path}/${name}`).then(() => true, () => false), false, name);
    }
    assert.deepEqual([...Deno.readDirSync(tmp.path)].filter((e) => e.name.startsWith(".")), []);
  },
);

toolTest(
  "disc usb --mode dd: a hybrid ISO is copied byte for byte (padded to --size); a plain ISO is copied with a warning",
  ["mkfs.fat"],
  async () => {
    await using tmp = await tempDir("usb-dd-");
    await run("mkfs.fat", ["-C", `${tmp.path}/esp.img`, "1440"]);
    await Deno.writeFile(`${tmp.path}/mbr.bin`, biosBootImage().subarray(0, 512));
    const hybrid = await makeUefiIso(tmp.path, [
      "-G",
      `${tmp.path}/mbr.bin`,
      "-append_partition",
      "2",
      "0xef",
      `${tmp.path}/esp.img`,
    ]);
    const stick = `${tmp.path}/dd.img`;
    const made = await runDisc(["usb", hybrid, "-o", stick, "--mode", "dd", "--size", "4M"]);
    assert.equal(made.code, 0, made.stderr);
    assert.doesNotMatch(made.stderr, /not a hybrid/);
    const isoBytes = await Deno.readFile(hybrid);
    const stickBytes = await Deno.readFile(stick);
    assert.equal(stickBytes.byteLength, 4 * 1024 * 1024);
    assert.ok(isoBytes.every((b, i) => stickBytes[i] === b), "the ISO comes first, unchanged");
    assert.ok(stickBytes.subarray(isoBytes.byteLength).every((b) => b === 0), "then zeros");
    await Deno.mkdir(`${tmp.path}/plain`);
    const plain = `${tmp.path}/plain/p.iso`;
    assert.equal((await buildWithDiscwright(["-quiet", "-o", plain, `${tmp.path}/tree`])).code, 0);
    const warned = await runDisc(["usb", plain, "-o", `${tmp.path}/p.img`, "--mode", "dd"]);
    assert.equal(warned.code, 0);
    assert.match(warned.stderr, /not a hybrid ISO .* will not boot from USB/);
  },
);

Deno.test("disc usb: a stick too small, a bad --size, a missing ISO fail with one message and leave no file; SOURCE_DATE_EPOCH makes it reproducible", async () => {
  await using tmp = await tempDir("usb-bad-");
  const iso = await makeUefiIso(tmp.path);
  const out = `${tmp.path}/out.img`;
  const small = await runDisc(["usb", iso, "-o", out, "--size", "16M"]);
  assert.equal(small.code, 1);
  assert.match(small.stderr, /FAT32 needs at least 64 MiB/);
  const odd = await runDisc(["usb", iso, "-o", out, "--size", "1000"]);
  assert.equal(odd.code, 2);
  assert.match(odd.stderr, /--size "1000"/);
  const missing = await runDisc(["usb", `${tmp.path}/nope.iso`, "-o", out]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /nope\.iso/);
  assert.deepEqual(
    [...Deno.readDirSync(tmp.path)].map((e) => e.name).filter((n) => n.includes("out") || n.startsWith(".")),
    [],
  );
  const env = { SOURCE_DATE_EPOCH: "1700000000" };
  assert.equal(
    (await runDisc(["usb", iso, "-o", `${tmp.path}/a.img`, "--size", "64M", "--table", "gpt"], env)).code,
    0,
  );
  assert.equal(
    (await runDisc(["usb", iso, "-o", `${tmp.path}/b.img`, "--size", "64M", "--table", "gpt"], env)).code,
    0,
  );
  const [a, b] = [await Deno.readFile(`${tmp.path}/a.img`), await Deno.readFile(`${tmp.path}/b.img`)];
  assert.ok(a.byteLength === b.byteLength && a.every((x, i) => x === b[i]), "two builds, the same bytes");
});
