/**
 * The boot harness without QEMU: the command lines per firmware and media (pure), the JUnit report,
 * and the process life cycle against small shell scripts standing in for QEMU (one that ignores
 * SIGTERM, one that exits with an error, one whose grandchild keeps the pipe open). Real boots are
 * in tests/boot_harness_test.ts.
 */
import assert from "node:assert/strict";
import { UsageError } from "../../image/errors.ts";
import {
  bootTest,
  bootTestJunit,
  type BootTestResult,
  formatBootFailure,
  QemuBoot,
  qemuBootArgs,
} from "./boot_test.ts";

const OVMF = { code: "/fw/CODE.fd", varsCopy: "/tmp/x/VARS.fd" };

/** The value after `flag` each time it occurs. */
function values(args: readonly string[], flag: string): string[] {
  return args.flatMap((a, i) => (a === flag ? [args[i + 1]] : []));
}

Deno.test("qemuBootArgs: BIOS from cd, disk, usb and floppy (pc, TCG, COM1 on stdout)", () => {
  const cd = qemuBootArgs({ image: "a,b.iso", firmware: "bios", media: "cd" });
  assert.deepEqual(values(cd, "-machine"), ["pc,accel=tcg"]);
  assert.deepEqual(values(cd, "-m"), ["512"]);
  assert.deepEqual(values(cd, "-drive"), [
    "file=a,,b.iso,format=raw,media=cdrom,if=none,id=boot0,readonly=on",
  ]);
  assert.deepEqual(values(cd, "-device"), ["ide-cd,drive=boot0,bootindex=0"]);
  assert.deepEqual(values(cd, "-serial"), ["stdio"]);
  for (const flag of ["-no-reboot", "-nodefaults"]) assert.ok(cd.includes(flag));
  assert.deepEqual(values(cd, "-display"), ["none"]);

  const disk = qemuBootArgs({ image: "d.img", firmware: "bios", media: "disk", memoryMiB: 256 });
  assert.deepEqual(values(disk, "-drive"), ["file=d.img,format=raw,if=none,id=boot0,snapshot=on"]);
  assert.deepEqual(values(disk, "-device"), ["ide-hd,drive=boot0,bootindex=0"]);
  assert.deepEqual(values(disk, "-m"), ["256"]);

  const usb = qemuBootArgs({ image: "d.img", firmware: "bios", media: "usb" });
  assert.deepEqual(values(usb, "-device"), [
    "qemu-xhci,id=xhci",
    "usb-storage,bus=xhci.0,drive=boot0,bootindex=0",
  ]);

  const floppy = qemuBootArgs({ image: "f.img", firmware: "bios", media: "floppy" });
  assert.deepEqual(values(floppy, "-drive"), ["file=f.img,format=raw,if=floppy,index=0,snapshot=on"]);
  assert.deepEqual(values(floppy, "-boot"), ["order=a"]);
});

Deno.test("qemuBootArgs: SeaBIOS's screen mirrored to COM2 when capture files are given", () => {
  const args = qemuBootArgs({ image: "a.iso", firmware: "bios", media: "cd" }, {
    screenLog: "/t/screen.log",
    serconPortFile: "/t/port",
  });
  assert.deepEqual(values(args, "-serial"), ["stdio", "file:/t/screen.log"]); // COM1, COM2 in this order
  assert.deepEqual(values(args, "-fw_cfg"), ["name=etc/sercon-port,file=/t/port"]);
});

Deno.test("qemuBootArgs: UEFI (q35, OVMF code read-only + a copy of the variables)", () => {
  const cd = qemuBootArgs({ image: "u.iso", firmware: "uefi", media: "cd" }, OVMF);
  assert.deepEqual(values(cd, "-machine"), ["q35,accel=tcg"]);
  assert.deepEqual(values(cd, "-drive"), [
    "if=pflash,format=raw,readonly=on,file=/fw/CODE.fd",
    "if=pflash,format=raw,file=/tmp/x/VARS.fd",
    "file=u.iso,format=raw,media=cdrom,if=none,id=boot0,readonly=on",
  ]);
  assert.deepEqual(values(cd, "-device"), ["ide-cd,drive=boot0,bootindex=0"]); // on q35's AHCI
  assert.deepEqual(values(cd, "-serial"), ["stdio"]); // OVMF's console is COM1 itself
  assert.throws(() => qemuBootArgs({ image: "u.iso", firmware: "uefi", media: "cd" }), TypeError);
  assert.throws(() => qemuBootArgs({ image: "f.img", firmware: "uefi", media: "floppy" }, OVMF), UsageError);
});

Deno.test("qemuBootArgs: a -drive backend spec is the extension point for NBD/iSCSI", () => {
  const drive = "file=nbd://127.0.0.1:10809/disc,format=raw";
  const cd = qemuBootArgs({ image: { via: "drive", drive }, firmware: "bios", media: "cd" });
  assert.deepEqual(values(cd, "-drive"), [`${drive},media=cdrom,if=none,id=boot0,readonly=on`]);
  const file = qemuBootArgs({ image: { via: "file", path: "x.img" }, firmware: "bios", media: "disk" });
  assert.deepEqual(values(file, "-drive"), ["file=x.img,format=raw,if=none,id=boot0,snapshot=on"]);
  assert.throws(
    () => qemuBootArgs({ image: { via: "drive", drive: "file=x,if=ide" }, firmware: "bios", media: "disk" }),
    TypeError,
  );
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => qemuBootArgs({ image: "x", firmware: "bios", media: "tape" as any }),
    /unknown media "tape"/,
  );
  assert.throws(
    () => qemuBootArgs({ image: "x", firmware: "bios", media: "cd", memoryMiB: 1.5 }),
    RangeError,
  );
});

const FAILED: BootTestResult = {
  ok: false,
  outcome: "timeout",
  seconds: 10.0123,
  consoleTail: "",
  screenTail: 'Booting from DVD/CD...\nBoot failed: <code 0005> & "more"',
  qemuStderr: "",
  pid: 1,
  command: ["qemu-system-x86_64"],
};

Deno.test("bootTestJunit: one test case; a failure carries the console (or screen) tail", () => {
  const xml = bootTestJunit("out.iso bios cd", FAILED, "DISCWRIGHT-BIOS-OK");
  assert.match(xml, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites tests="1" failures="1">/);
  assert.match(xml, /<testcase name="out.iso bios cd" classname="boot-test" time="10.012">/);
  assert.match(
    xml,
    /<failure message="expected text not seen on the serial console \(timeout\); COM1 stayed silent; screen tail:&#10;Booting from DVD\/CD...&#10;Boot failed: &lt;code 0005&gt; &amp; &quot;more&quot;" type="timeout">/,
  );
  assert.match(xml, /&quot;DISCWRIGHT-BIOS-OK&quot; not seen within 10.0 s/);

  const ok = bootTestJunit("a&b", { ...FAILED, ok: true, outcome: "seen", consoleTail: "OK" });
  assert.match(ok, /<testsuites tests="1" failures="0">/);
  assert.match(ok, /<testcase name="a&amp;b" classname="boot-test" time="10.012"><\/testcase>/);
  assert.doesNotMatch(ok, /<failure/);
  const withConsole = bootTestJunit("x", { ...FAILED, consoleTail: "BdsDxe: x\x01y" });
  assert.match(withConsole, /console tail:&#10;BdsDxe: xy"/); // control characters dropped
});

Deno.test("formatBootFailure: names the outcome and each tail", () => {
  const text = formatBootFailure("MARK", {
    ...FAILED,
    outcome: "exited",
    exitCode: 1,
    qemuStderr: "bad -drive",
  });
  assert.match(text, /^"MARK" not seen: QEMU exited \(code 1\) after 10.0 s/);
  assert.match(text, /--- serial console \(COM1\), last lines ---\n\(nothing\)/);
  assert.match(text, /--- screen \(SeaBIOS, via COM2\), last lines ---\nBooting from DVD/);
  assert.match(text, /--- QEMU stderr ---\nbad -drive/);
});

/** A shell script standing in for QEMU, in a temporary directory removed on disposal. */
async function fakeQemu(script: string): Promise<{ qemu: string; image: string } & AsyncDisposable> {
  const dir = await Deno.makeTempDir({ prefix: "fake-qemu-" });
  await Deno.writeTextFile(`${dir}/qemu`, `#!/bin/sh\n${script}\n`);
  await Deno.chmod(`${dir}/qemu`, 0o755);
  await Deno.writeFile(`${dir}/image.img`, new Uint8Array(512));
  return {
    qemu: `${dir}/qemu`,
    image: `${dir}/image.img`,
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
  };
}

function isRunning(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

Deno.test("bootTest: the text split over several writes is seen; the process is gone afterwards", async () => {
  await using fake = await fakeQemu(
    `printf 'SeaBIOS\\r\\nDISC'; sleep 0.2; printf '\\033[0mWRIGHT-BI'; sleep 0.2; printf 'OS-OK\\r\\n'; exec sleep 30`,
  );
  const result = await bootTest({
    image: fake.image,
    firmware: "bios",
    media: "cd",
    expect: "DISCWRIGHT-BIOS-OK",
    qemu: fake.qemu,
    timeoutSeconds: 20,
  });
  assert.equal(result.ok, true);
  assert.equal(result.outcome, "seen");
  assert.ok(result.seconds < 10);
  assert.equal(result.consoleTail, "SeaBIOS\nDISCWRIGHT-BIOS-OK");
  assert.equal(result.exitCode, undefined); // we stopped it
  assert.equal(result.qemuStderr, "");
  assert.equal(result.command[0], fake.qemu);
  assert.equal(isRunning(result.pid), false);
});

Deno.test("bootTest: a QEMU that exits early is reported with its exit code and stderr", async () => {
  await using fake = await fakeQemu(`echo 'qemu-system-x86_64: -drive x: Could not open' >&2; exit 1`);
  const result = await bootTest({
    image: fake.image,
    firmware: "bios",
    media: "disk",
    expect: "X",
    qemu: fake.qemu,
  });
  assert.equal(result.ok, false);
  assert.equal(result.outcome, "exited");
  assert.equal(result.exitCode, 1);
  assert.match(result.qemuStderr, /Could not open/);
  assert.ok(result.seconds < 10, "an early exit must not wait for the timeout");
});

Deno.test("QemuBoot: SIGTERM ignored → SIGKILL after the grace period; `await using` stops it", async () => {
  await using fake = await fakeQemu(`trap '' TERM; printf 'up\\n'; exec sleep 30`);
  let pid: number;
  const started = performance.now();
  {
    await using boot = await QemuBoot.start({
      image: fake.image,
      firmware: "bios",
      media: "cd",
      qemu: fake.qemu,
      killGraceSeconds: 0.3,
    });
    pid = boot.pid;
    assert.equal(await boot.waitFor("up", { timeoutSeconds: 10 }), "seen");
    assert.equal(isRunning(pid), true);
  }
  const seconds = (performance.now() - started) / 1000;
  assert.equal(isRunning(pid), false);
  assert.ok(seconds >= 0.3, `stopped after ${seconds} s: the grace period was skipped`);
});

Deno.test("QemuBoot: stop does not hang on a grandchild holding the console pipe", async () => {
  await using fake = await fakeQemu(`sleep 30 & echo "grandchild $!"; exec sleep 30`);
  const boot = await QemuBoot.start({ image: fake.image, firmware: "bios", media: "cd", qemu: fake.qemu });
  assert.equal(await boot.waitFor("\n", { timeoutSeconds: 10 }), "seen");
  const grandchild = Number(/grandchild (\d+)/.exec(boot.console.text)![1]);
  try {
    const started = performance.now();
    await boot.stop();
    await boot.stop(); // idempotent
    assert.ok(performance.now() - started < 5000);
    assert.equal(isRunning(boot.pid), false);
  } finally {
    Deno.kill(grandchild, "SIGKILL"); // the one process this test started besides the fake QEMU
  }
});

Deno.test("bootTest: abort rejects with the signal's reason and stops QEMU; usage errors", async () => {
  await using fake = await fakeQemu(`exec sleep 30`);
  const controller = new AbortController();
  const reason = new Error("enough");
  setTimeout(() => controller.abort(reason), 200);
  const options = { image: fake.image, firmware: "bios", media: "cd", expect: "X", qemu: fake.qemu } as const;
  await assert.rejects(bootTest({ ...options, signal: controller.signal }), (e) => e === reason);
  await assert.rejects(bootTest({ ...options, signal: AbortSignal.abort(reason) }), (e) => e === reason);
  await assert.rejects(bootTest({ ...options, expect: "" }), UsageError);
  await assert.rejects(bootTest({ ...options, image: `${fake.image}.missing` }), UsageError);
  await assert.rejects(bootTest({ ...options, timeoutSeconds: 0 }), RangeError);
  await assert.rejects(
    bootTest({ ...options, qemu: "/nonexistent/qemu-system-x86_64" }),
    /Cannot boot-test: "\/nonexistent\/qemu-system-x86_64" is not installed/,
  );
});
