/**
 * The QEMU boot harness (emulate/qemu/boot_test.ts) against images made by the oracles (xorriso,
 * mkfs.fat + mtools, sgdisk) around the self-made payloads of tests/boot_payloads.ts:
 *
 * - SeaBIOS: CD (El Torito no-emulation, with `-boot-info-table`), raw MBR disk, the same disk as a
 *   USB stick, a FAT12 1.44 MB floppy whose BPB is kept.
 * - OVMF: CD (El Torito EFI image), a GPT disk with an EFI system partition, the same disk as a USB
 *   stick; that disk's protective MBR also carries the BIOS program, so SeaBIOS boots it too.
 * - Failures: an image without a boot program times out with ok=false and a console tail, and no
 *   QEMU process is left; abort and `await using` stop QEMU as well.
 *
 * Boot times under TCG are printed at the end of each test (2-core machine, QEMU 7.2: SeaBIOS
 * boots take well under a second, OVMF boots about 5 s).
 */
import assert from "node:assert/strict";
import { bootTest, type BootTestOptions, type BootTestResult, QemuBoot } from "../emulate/qemu/boot_test.ts";
import {
  BIOS_MARKER,
  makeBiosBootImage,
  makeFloppyBootSector,
  makeMbrBootSector,
  makeUefiApplication,
  UEFI_MARKER,
} from "./boot_payloads.ts";
import { run, tempDir, toolTest } from "./_tools.ts";

const QEMU = "qemu-system-x86_64";
const OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd";
const MTOOLS_ENV = { MTOOLS_SKIP_CHECK: "1" };
/** Generous: other test files may be booting guests on the same two cores. */
const TIMEOUT_SECONDS = 90;
const MIB = 1024 * 1024;

/** Writes `bytes` into `path` at `byteOffset` without truncating it. */
async function writeAt(path: string, byteOffset: number, bytes: Uint8Array): Promise<void> {
  using file = await Deno.open(path, { write: true });
  await file.seek(byteOffset, Deno.SeekMode.Start);
  let done = 0;
  while (done < bytes.byteLength) done += await file.write(bytes.subarray(done));
}

/** A FAT image (mkfs.fat) holding `\EFI\BOOT\BOOTX64.EFI` = our UEFI application. */
async function makeEspImage(dir: string, path: string, kib: number): Promise<void> {
  await Deno.writeFile(`${dir}/BOOTX64.EFI`, makeUefiApplication(UEFI_MARKER));
  await run("mkfs.fat", ["-C", "-n", "EFIBOOT", path, String(kib)]);
  await run("mmd", ["-i", path, "::/EFI", "::/EFI/BOOT"], { env: MTOOLS_ENV });
  await run("mcopy", ["-i", path, `${dir}/BOOTX64.EFI`, "::/EFI/BOOT/BOOTX64.EFI"], { env: MTOOLS_ENV });
}

/** Runs one boot, asserts the marker was seen, and records the time. */
async function expectBoot(
  times: Map<string, number>,
  label: string,
  options: Omit<BootTestOptions, "timeoutSeconds">,
): Promise<BootTestResult> {
  const result = await bootTest({ ...options, timeoutSeconds: TIMEOUT_SECONDS });
  assert.ok(
    result.ok,
    `${label}: "${options.expect}" not seen (${result.outcome}); console:\n${result.consoleTail}\n` +
      `screen:\n${result.screenTail ?? ""}\nQEMU: ${result.qemuStderr}\n${result.command.join(" ")}`,
  );
  assert.equal(result.outcome, "seen");
  assertGone(result.pid);
  times.set(label, result.seconds);
  return result;
}

/** The process `pid` no longer exists (or, after a PID wrap, is no QEMU). */
function assertGone(pid: number): void {
  let comm: string | undefined;
  try {
    comm = Deno.readTextFileSync(`/proc/${pid}/comm`).trim();
  } catch {
    return; // gone
  }
  assert.ok(!comm.startsWith("qemu-system"), `QEMU (pid ${pid}) is still running`);
}

function report(title: string, times: Map<string, number>): void {
  const line = [...times].map(([label, seconds]) => `${label} ${seconds.toFixed(2)} s`).join(", ");
  console.log(`boot times under TCG (${title}): ${line}`);
}

toolTest(
  "boot harness: SeaBIOS boots the payload from cd, disk, usb and floppy",
  [QEMU, "xorriso", "mkfs.fat", "fsck.fat"],
  async (t) => {
    await using tmp = await tempDir("boot-harness-bios-");
    const times = new Map<string, number>();

    await t.step("cd: El Torito no-emulation image (xorriso, with a boot info table)", async () => {
      await Deno.mkdir(`${tmp.path}/tree`);
      await Deno.writeFile(`${tmp.path}/tree/boot.img`, makeBiosBootImage(BIOS_MARKER));
      const iso = `${tmp.path}/cd.iso`;
      await run("xorriso", [
        "-as",
        "mkisofs",
        "-quiet",
        "-o",
        iso,
        "-b",
        "boot.img",
        "-c",
        "boot.cat",
        "-no-emul-boot",
        "-boot-load-size",
        "4",
        "-boot-info-table", // patches bytes 8–63 of boot.img: the payload jumps over them
        `${tmp.path}/tree`,
      ]);
      await expectBoot(times, "bios cd", { image: iso, firmware: "bios", media: "cd", expect: BIOS_MARKER });
    });

    const disk = `${tmp.path}/disk.img`;
    await t.step("disk: a raw 1 MiB disk whose MBR is the payload", async () => {
      const bytes = new Uint8Array(MIB);
      bytes.set(makeMbrBootSector(BIOS_MARKER), 0);
      await Deno.writeFile(disk, bytes);
      const result = await expectBoot(times, "bios disk", {
        image: disk,
        firmware: "bios",
        media: "disk",
        expect: BIOS_MARKER,
      });
      assert.match(result.screenTail ?? "", /Booting from Hard Disk/); // SeaBIOS's screen, via COM2
    });

    await t.step("usb: the same disk as usb-storage on qemu-xhci", async () => {
      await expectBoot(times, "bios usb", {
        image: disk,
        firmware: "bios",
        media: "usb",
        expect: BIOS_MARKER,
      });
    });

    await t.step("floppy: a 1.44 MB FAT12 image (mkfs.fat) whose boot sector is the payload", async () => {
      const floppy = `${tmp.path}/floppy.img`;
      await run("mkfs.fat", ["-C", "-n", "DISCWRIGHT", floppy, "1440"]);
      const bytes = await Deno.readFile(floppy);
      bytes.set(makeFloppyBootSector(BIOS_MARKER, bytes.subarray(0, 512)), 0);
      await Deno.writeFile(floppy, bytes);
      const fsck = await run("fsck.fat", ["-n", floppy], { allowFail: true });
      assert.equal(fsck.code, 0, `the BPB was not kept:\n${fsck.stdout}${fsck.stderr}`);
      await expectBoot(times, "bios floppy", {
        image: floppy,
        firmware: "bios",
        media: "floppy",
        expect: BIOS_MARKER,
      });
    });

    await t.step("cd via a -drive backend spec (the extension point for NBD/iSCSI)", async () => {
      await expectBoot(times, "bios cd via drive", {
        image: { via: "drive", drive: `file=${tmp.path}/cd.iso,format=raw` },
        firmware: "bios",
        media: "cd",
        expect: BIOS_MARKER,
      });
    });
    report("SeaBIOS", times);
  },
);

toolTest(
  "boot harness: OVMF boots the UEFI application from cd, GPT disk and usb; the disk boots SeaBIOS too",
  [QEMU, OVMF_CODE, "xorriso", "mkfs.fat", "mmd", "mcopy", "sgdisk"],
  async (t) => {
    await using tmp = await tempDir("boot-harness-uefi-");
    const times = new Map<string, number>();

    await t.step("cd: El Torito EFI image (xorriso -e efi.img) holding BOOTX64.EFI", async () => {
      await Deno.mkdir(`${tmp.path}/tree`);
      await makeEspImage(tmp.path, `${tmp.path}/tree/efi.img`, 1440);
      const iso = `${tmp.path}/uefi.iso`;
      await run("xorriso", [
        "-as",
        "mkisofs",
        "-quiet",
        "-o",
        iso,
        "-e",
        "efi.img",
        "-no-emul-boot",
        `${tmp.path}/tree`,
      ]);
      await expectBoot(times, "uefi cd", { image: iso, firmware: "uefi", media: "cd", expect: UEFI_MARKER });
    });

    // 4 MiB GPT disk (sgdisk): partition 1 = EFI system partition at LBA 2048 (2 MiB, FAT12 from
    // mkfs.fat); the protective MBR's boot code is the BIOS payload.
    const disk = `${tmp.path}/gpt.img`;
    await t.step("disk: GPT disk with an EFI system partition (sgdisk, mkfs.fat, mcopy)", async () => {
      await Deno.writeFile(disk, new Uint8Array(4 * MIB));
      await run("sgdisk", ["-o", "-n", "1:2048:+2M", "-t", "1:ef00", "-c", "1:ESP", disk]);
      await makeEspImage(tmp.path, `${tmp.path}/esp.img`, 2048);
      await writeAt(disk, 2048 * 512, await Deno.readFile(`${tmp.path}/esp.img`));
      const sector0 = (await Deno.readFile(disk)).subarray(0, 512);
      await writeAt(disk, 0, makeMbrBootSector(BIOS_MARKER, sector0));
      const verify = await run("sgdisk", ["-v", disk], { allowFail: true });
      assert.match(verify.stdout, /No problems found/, verify.stdout);
      await expectBoot(times, "uefi disk", {
        image: disk,
        firmware: "uefi",
        media: "disk",
        expect: UEFI_MARKER,
      });
    });

    await t.step("usb: the same disk as usb-storage on qemu-xhci", async () => {
      await expectBoot(times, "uefi usb", {
        image: disk,
        firmware: "uefi",
        media: "usb",
        expect: UEFI_MARKER,
      });
    });

    await t.step("the same GPT disk under SeaBIOS runs the MBR payload", async () => {
      await expectBoot(times, "bios gpt disk", {
        image: disk,
        firmware: "bios",
        media: "disk",
        expect: BIOS_MARKER,
      });
    });
    report("OVMF", times);
  },
);

toolTest(
  "boot harness: an image without a boot program times out with a console tail, and QEMU is gone",
  [QEMU, OVMF_CODE, "xorriso"],
  async () => {
    await using tmp = await tempDir("boot-harness-fail-");
    await Deno.mkdir(`${tmp.path}/tree`);
    await Deno.writeTextFile(`${tmp.path}/tree/README.TXT`, "not bootable\n");
    const iso = `${tmp.path}/plain.iso`;
    await run("xorriso", ["-as", "mkisofs", "-quiet", "-o", iso, `${tmp.path}/tree`]);
    const started = performance.now();
    // Both at once: they mostly wait (two cores).
    const [bios, uefi] = await Promise.all([
      bootTest({ image: iso, firmware: "bios", media: "cd", expect: BIOS_MARKER, timeoutSeconds: 10 }),
      bootTest({ image: iso, firmware: "uefi", media: "cd", expect: UEFI_MARKER, timeoutSeconds: 10 }),
    ]);
    const seconds = (performance.now() - started) / 1000;
    for (const result of [bios, uefi]) {
      assert.equal(result.ok, false);
      assert.equal(result.outcome, "timeout");
      // The timer and performance.now() are different clocks: "10 s" may read as 9.9998 s.
      assert.ok(result.seconds >= 9.95 && result.seconds < 20, `gave up after ${result.seconds} s`);
      assertGone(result.pid);
    }
    // SeaBIOS says why on its screen (mirrored to COM2); OVMF's console is COM1 itself.
    assert.match(bios.screenTail ?? "", /Booting from DVD\/CD/);
    assert.match(bios.screenTail ?? "", /Boot failed|No bootable device/);
    assert.match(uefi.consoleTail, /BdsDxe|Shell/);
    assert.ok(uefi.consoleTail.split("\n").length <= 40);
    assert.ok(!uefi.consoleTail.includes("\x1b"), "escape sequences are stripped");
    console.log(`negative boots (bios + uefi in parallel, 10 s timeout): ${seconds.toFixed(2)} s`);
  },
);

toolTest(
  "boot harness: abort and `await using` stop QEMU",
  [QEMU, "pgrep"],
  async () => {
    await using tmp = await tempDir("boot-harness-stop-");
    const disk = `${tmp.path}/blank.img`; // no boot signature: SeaBIOS finds nothing to boot
    await Deno.writeFile(disk, new Uint8Array(MIB));

    const controller = new AbortController();
    const reason = new Error("stop now");
    setTimeout(() => controller.abort(reason), 1000);
    const started = performance.now();
    await assert.rejects(
      bootTest({
        image: disk,
        firmware: "bios",
        media: "disk",
        expect: BIOS_MARKER,
        timeoutSeconds: 60,
        signal: controller.signal,
      }),
      (error) => error === reason,
    );
    assert.ok(performance.now() - started < 10_000, "the abort did not stop the wait");
    const left = await run("pgrep", ["-f", disk], { allowFail: true });
    assert.equal(left.stdout.trim(), "", "a QEMU process is still running after the abort");

    let pid: number;
    {
      await using boot = await QemuBoot.start({ image: disk, firmware: "bios", media: "disk" });
      pid = boot.pid;
      assert.equal(await boot.waitFor(BIOS_MARKER, { timeoutSeconds: 1 }), "timeout");
      assert.ok(Deno.readTextFileSync(`/proc/${pid}/comm`).startsWith("qemu-system"));
    }
    assertGone(pid);
  },
);
