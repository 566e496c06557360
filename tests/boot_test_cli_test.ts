/**
 * `disc boot-test` as a user runs it: every media under SeaBIOS with the hand-assembled boot
 * program, a failure that times out (exit 1, console tail, JUnit, QEMU gone), and usage errors.
 */
import assert from "node:assert/strict";
import { biosBootImage, BOOT_MARKER } from "../examples/boot_payload.ts";
import { qemuBootArgs, stripAnsi } from "../mod.ts";
import { buildWithDiscwright, run, runDisc, tempDir, toolTest } from "./_tools.ts";

/** A CD image (El Torito, no emulation), a 1 MiB disk and a 1.44 MB floppy, each booting the program. */
async function makeBootables(dir: string): Promise<{ cd: string; disk: string; floppy: string }> {
  await Deno.mkdir(`${dir}/tree`);
  await Deno.writeFile(`${dir}/tree/boot.bin`, biosBootImage());
  const cd = `${dir}/cd.iso`;
  assert.equal(
    (await buildWithDiscwright([
      "-quiet",
      "-b",
      "boot.bin",
      "-no-emul-boot",
      "-boot-load-size",
      "4",
      "-o",
      cd,
      `${dir}/tree`,
    ])).code,
    0,
  );
  const disk = new Uint8Array(1024 * 1024);
  disk.set(biosBootImage().subarray(0, 512)); // the program is its own boot sector (0x55AA at 510)
  await Deno.writeFile(`${dir}/disk.img`, disk);
  const floppy = new Uint8Array(1_474_560);
  floppy.set(biosBootImage().subarray(0, 512));
  await Deno.writeFile(`${dir}/floppy.img`, floppy);
  return { cd, disk: `${dir}/disk.img`, floppy: `${dir}/floppy.img` };
}

toolTest(
  "disc boot-test: BIOS boots from cd, disk, usb and floppy; exit 0",
  ["qemu-system-x86_64"],
  async (t) => {
    await using tmp = await tempDir("boot-test-");
    const images = await makeBootables(tmp.path);
    for (
      const [media, image] of [["cd", images.cd], ["disk", images.disk], ["usb", images.disk], [
        "floppy",
        images.floppy,
      ]]
    ) {
      await t.step(media, async () => {
        const r = await runDisc([
          "boot-test",
          image,
          "--firmware",
          "bios",
          "--media",
          media,
          "--expect",
          BOOT_MARKER,
          "--timeout",
          "60",
        ]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, new RegExp(`"${BOOT_MARKER}" seen after`));
      });
    }
  },
);

toolTest("disc boot-test: text not seen → exit 1 with the console tail, a JUnit failure, and no QEMU left", [
  "qemu-system-x86_64",
  "pgrep",
], async () => {
  await using tmp = await tempDir("boot-test-");
  const images = await makeBootables(tmp.path);
  const junit = `${tmp.path}/boot.xml`;
  const r = await runDisc([
    "boot-test",
    images.cd,
    "--expect",
    "NEVER-PRINTED",
    "--timeout",
    "3",
    "--junit",
    junit,
  ]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /"NEVER-PRINTED" not seen within 3 s/);
  assert.match(r.stderr, new RegExp(BOOT_MARKER)); // the tail shows what the guest did print
  const xml = await Deno.readTextFile(junit);
  assert.match(xml, /<testsuites tests="1" failures="1">/);
  assert.match(xml, /<failure message="expected text not seen/);
  const left = await run("pgrep", ["-f", images.cd], { allowFail: true });
  assert.equal(left.stdout.trim(), "", "a QEMU process is still running");
});

Deno.test("disc boot-test: usage errors exit 2", async () => {
  assert.equal((await runDisc(["boot-test", "x.iso", "--expect", "x", "--media", "tape"])).code, 2);
  assert.equal((await runDisc(["boot-test", "x.iso"])).code, 2); // --expect is required
  assert.equal(
    (await runDisc(["boot-test", "x.iso", "--expect", "x", "--firmware", "uefi", "--media", "floppy"])).code,
    2,
  );
  assert.equal((await runDisc(["boot-test", "/nonexistent.iso", "--expect", "x"])).code, 2);
});

Deno.test("boot-test: QEMU arguments (TCG always, disks as snapshots, CDs read-only) and ANSI stripping", () => {
  const cd = qemuBootArgs({ image: "a,b.iso", firmware: "bios", media: "cd", expect: "x" });
  assert.deepEqual(cd.slice(0, 2), ["-machine", "pc,accel=tcg"]);
  assert.ok(cd.includes("file=a,,b.iso,format=raw,media=cdrom,if=none,id=boot0,readonly=on"));
  const disk = qemuBootArgs({ image: "d.img", firmware: "uefi", media: "disk", expect: "x" }, {
    code: "C.fd",
    varsCopy: "V.fd",
  });
  assert.deepEqual(disk.slice(0, 2), ["-machine", "q35,accel=tcg"]);
  assert.ok(disk.some((a) => a.includes("snapshot=on")));
  assert.ok(disk.includes("if=pflash,format=raw,readonly=on,file=C.fd"));
  assert.equal(stripAnsi("\x1b[2J\x1b[01;01HBdsDxe: loading\r\n\x1b[0m"), "BdsDxe: loading\n");
});

for (const via of ["nbd", "iscsi"] as const) {
  toolTest(
    `disc boot-test --via ${via}: the image is served by our ${
      via === "nbd" ? "NBD server" : "iSCSI target"
    } on a loopback port and boots (cd and disk)`,
    ["qemu-system-x86_64"],
    async (t) => {
      await using tmp = await tempDir(`boot-test-${via}-`);
      const images = await makeBootables(tmp.path);
      for (const [media, image] of [["cd", images.cd], ["disk", images.disk]]) {
        await t.step(media, async () => {
          const r = await runDisc([
            "boot-test",
            image,
            "--via",
            via,
            "--media",
            media,
            "--expect",
            BOOT_MARKER,
            "--timeout",
            "60",
          ]);
          assert.equal(r.code, 0, r.stderr);
          assert.match(r.stdout, new RegExp(`"${BOOT_MARKER}" seen after`));
          assert.match(
            r.stderr,
            via === "nbd"
              ? /serving ".*" at nbd:\/\/127\.0\.0\.1:\d+\/boot/
              : /serving ".*" at iscsi:\/\/127\.0\.0\.1:\d+\/iqn\.[^/]+\/0/,
          );
        });
      }
    },
  );
}
