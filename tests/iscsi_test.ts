/**
 * The iSCSI target (first part of issue 5) against libiscsi's tools and QEMU: discovery,
 * INQUIRY of a CD and a disk LUN, READ CAPACITY(16), qemu-img copying LUNs byte for byte, a
 * hybrid ISO booting over iSCSI, and garbage on one connection not disturbing the others.
 */
import assert from "node:assert/strict";
import { fatTreeFromEntries } from "../authoring/fat/build.ts";
import { planFat } from "../authoring/fat/planner.ts";
import { biosBootImage, BOOT_MARKER, UEFI_BOOT_MARKER, uefiApplication } from "../examples/boot_payload.ts";
import { bootTest, isoFileDisc, MemoryOverlay, OpticalLun, RegionList, writeRegionsToFile } from "../mod.ts";
import { IscsiTarget } from "../emulate/iscsi/target.ts";
import { BlockLun, type LunKind } from "../emulate/scsi/block_lun.ts";
import { buildWithDiscwright, run, sameBytes, tempDir, toolTest } from "./_tools.ts";
import { startTgt } from "./_tgt.ts";

const IQN = "iqn.2026-11.dev.discwright:test";

/** A host file as a LU source. */
function fileSource(path: string) {
  const size = Deno.statSync(path).size;
  const regions = new RegionList([{
    kind: "file",
    label: path,
    path,
    fileByteOffset: 0,
    byteLength: size,
    fileByteLength: size,
  }]);
  return { byteLength: size, read: (offset: number, length: number) => regions.read(offset, length) };
}

function lunOf(path: string, kind: LunKind, n: number): BlockLun {
  return new BlockLun({ kind, source: fileSource(path), serial: `TEST${n}`, targetName: IQN });
}

toolTest(
  "iSCSI: iscsi-ls discovers the target, iscsi-inq and iscsi-readcapacity16 describe a CD and a disk LUN, qemu-img copies both",
  ["iscsi-ls", "iscsi-inq", "iscsi-readcapacity16", "qemu-img"],
  async () => {
    await using tmp = await tempDir("iscsi-");
    const cd = new Uint8Array(2048 * 700).map((_, i) => (i * 31 + (i >> 11)) & 0xff);
    const disk = new Uint8Array(512 * 3001).map((_, i) => (i * 17) & 0xff);
    await Deno.writeFile(`${tmp.path}/cd.iso`, cd);
    await Deno.writeFile(`${tmp.path}/disk.img`, disk);
    const lines: string[] = [];
    await using target = IscsiTarget.listen({
      targetName: IQN,
      luns: [lunOf(`${tmp.path}/cd.iso`, "cd", 0), lunOf(`${tmp.path}/disk.img`, "disk", 1)],
      port: 0,
      log: (l) => lines.push(l),
    });
    const portal = `iscsi://127.0.0.1:${target.port}`;

    // Garbage first: a connection that sends a broken PDU is closed, nothing else happens.
    const junk = await Deno.connect({ hostname: "127.0.0.1", port: target.port });
    await junk.write(new Uint8Array(48).fill(0xff));
    const buffer = new Uint8Array(64);
    assert.equal(await junk.read(buffer).catch(() => null), null, "the target closes a broken connection");
    junk.close();

    const ls = await run("iscsi-ls", [portal]);
    assert.match(
      ls.stdout,
      new RegExp(`Target:${IQN.replaceAll(".", "\\.")} Portal:127\\.0\\.0\\.1:${target.port},1`),
    );
    const inqCd = await run("iscsi-inq", [`${portal}/${IQN}/0`]);
    assert.match(inqCd.stdout, /Peripheral Device Type:MMC/);
    assert.match(inqCd.stdout, /Removable:1/);
    const inqDisk = await run("iscsi-inq", [`${portal}/${IQN}/1`]);
    assert.match(inqDisk.stdout, /Peripheral Device Type:DIRECT_ACCESS/);
    const vpd = await run("iscsi-inq", ["-e", "1", "-c", "0", `${portal}/${IQN}/1`]);
    assert.deepEqual(vpd.stdout.match(/^Page:0x[0-9a-f]{2}/gm), [
      "Page:0x00",
      "Page:0x80",
      "Page:0x83",
      "Page:0xb0",
      "Page:0xb1",
      "Page:0xb2",
    ]);
    const capacity = await run("iscsi-readcapacity16", [`${portal}/${IQN}/1`]);
    assert.match(capacity.stdout, /RETURNED LOGICAL BLOCK ADDRESS:3000/);
    assert.match(capacity.stdout, /LOGICAL BLOCK LENGTH IN BYTES:512/);
    const capacityCd = await run("iscsi-readcapacity16", [`${portal}/${IQN}/0`]);
    assert.match(capacityCd.stdout, /RETURNED LOGICAL BLOCK ADDRESS:699/);
    assert.match(capacityCd.stdout, /LOGICAL BLOCK LENGTH IN BYTES:2048/);

    for (const [n, bytes] of [[0, cd], [1, disk]] as const) {
      const out = `${tmp.path}/copy${n}`;
      await run("qemu-img", ["convert", "-f", "raw", "-O", "raw", `${portal}/${IQN}/${n}`, out]);
      assert.ok(sameBytes(await Deno.readFile(out), bytes), `LUN ${n} byte for byte`);
    }
    assert.ok(lines.some((l) => /discovery session/.test(l)), lines.join("\n"));
    assert.ok(lines.some((l) => /closed: /.test(l)), "the broken connection was logged");
  },
);

toolTest(
  "a hybrid ISO boots over iSCSI: ide-cd BIOS; scsi-cd and scsi-block (pass-through to our MMC drive) BIOS and UEFI; disk UEFI",
  ["xorriso", "qemu-system-x86_64", "/usr/share/OVMF/OVMF_CODE_4M.fd"],
  async (t) => {
    await using tmp = await tempDir("iscsi-boot-");
    await Deno.mkdir(`${tmp.path}/tree`);
    await Deno.writeFile(`${tmp.path}/tree/boot.bin`, biosBootImage());
    await Deno.writeFile(`${tmp.path}/mbr.bin`, biosBootImage().subarray(0, 512));
    const esp = planFat(
      fatTreeFromEntries({ "EFI/BOOT/BOOTX64.EFI": uefiApplication() }, new Date(1700000000_000)),
      {
        size: "1440k",
        volumeLabel: "EFIBOOT",
      },
    );
    await writeRegionsToFile(esp.regions, `${tmp.path}/efiboot.img`);
    const iso = `${tmp.path}/hybrid.iso`;
    const built = await buildWithDiscwright([
      "-quiet",
      "-R",
      "-J",
      "-G",
      `${tmp.path}/mbr.bin`,
      "-b",
      "boot.bin",
      "-no-emul-boot",
      "-boot-load-size",
      "4",
      "-append_partition",
      "2",
      "0xef",
      `${tmp.path}/efiboot.img`,
      "-eltorito-alt-boot",
      "-e",
      "--interval:appended_partition_2:all::",
      "-no-emul-boot",
      "-o",
      iso,
      `${tmp.path}/tree`,
    ]);
    assert.equal(built.code, 0, built.stderr);
    const lines: string[] = [];
    await using target = IscsiTarget.listen({
      targetName: IQN,
      luns: [
        new OpticalLun({
          media: { disc: isoFileDisc(iso, Deno.statSync(iso).size) },
          serial: "DW000000",
          targetName: IQN,
        }),
        lunOf(iso, "disk", 1),
      ],
      port: 0,
      log: (l) => lines.push(l),
    });
    const cases = [
      ["bios", "cd", 0, BOOT_MARKER],
      ["bios", "scsi-cd", 0, BOOT_MARKER],
      ["uefi", "scsi-cd", 0, UEFI_BOOT_MARKER],
      ["bios", "scsi-block", 0, BOOT_MARKER],
      ["uefi", "scsi-block", 0, UEFI_BOOT_MARKER],
      ["uefi", "disk", 1, UEFI_BOOT_MARKER],
    ] as const;
    for (const [firmware, media, lun, expect] of cases) {
      await t.step(`${firmware} as ${media}`, async () => {
        const drive = `file=iscsi://127.0.0.1:${target.port}/${IQN}/${lun},format=raw`;
        const result = await bootTest({
          image: { via: "drive", drive },
          firmware,
          media,
          expect,
          timeoutSeconds: 90,
        });
        assert.ok(
          result.ok,
          `no "${expect}"; console tail:\n${result.consoleTail}\n${result.qemuStderr ?? ""}`,
        );
      });
    }
    assert.equal(lines.filter((l) => /logged in to/.test(l)).length >= 2, true, lines.join("\n"));
  },
);

toolTest(
  "iSCSI with --chap: libiscsi logs in with the right secret; a wrong secret or none is an authentication failure",
  [
    "iscsi-inq",
  ],
  async () => {
    await using tmp = await tempDir("iscsi-chap-");
    await Deno.writeFile(`${tmp.path}/cd.iso`, new Uint8Array(2048 * 20));
    const lines: string[] = [];
    await using target = IscsiTarget.listen({
      targetName: IQN,
      luns: [lunOf(`${tmp.path}/cd.iso`, "cd", 0)],
      port: 0,
      chap: { user: "alice", secret: "secretsecret" },
      log: (l) => lines.push(l),
    });
    const url = (credentials: string) => `iscsi://${credentials}127.0.0.1:${target.port}/${IQN}/0`;
    const ok = await run("iscsi-inq", [url("alice%secretsecret@")]);
    assert.match(ok.stdout, /Peripheral Device Type:MMC/);
    for (const credentials of ["alice%wrongsecret1@", "mallory%secretsecret@", ""]) {
      const refused = await run("iscsi-inq", [url(credentials)], { allowFail: true });
      assert.notEqual(refused.code, 0, credentials);
      assert.match(refused.stdout + refused.stderr, /Authentication failure/, credentials);
    }
    assert.equal(lines.filter((l) => /logged in to/.test(l)).length, 1, lines.join("\n"));
  },
);

/** Tests passed by libiscsi's suite on our LUNs when this test was written (libiscsi 1.19, 230 tests). */
const SUITE_FLOOR = { disk: 229, cd: 223 } as const;

/** Runs iscsi-test-cu --test=ALL against one LUN URL; the number of tests passed and run. */
async function suitePassed(url: string): Promise<{ passed: number; total: number }> {
  const suite = await run("iscsi-test-cu", ["--test=ALL", "--dataloss", url], { allowFail: true });
  const summary = /tests\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)/.exec(suite.stdout);
  assert.ok(summary, `no run summary for ${url}:\n${suite.stdout.slice(-2000)}`);
  return { passed: Number(summary[3]), total: Number(summary[1]) };
}

toolTest(
  "iscsi-test-cu --test=ALL on a disk LUN (writable overlay) and a CD LUN: ours and tgt on the same images, in the same run",
  ["iscsi-test-cu", "tgtd", "tgtadm"],
  async () => {
    await using tmp = await tempDir("iscsi-suite-");
    const images = { disk: `${tmp.path}/disk.img`, cd: `${tmp.path}/cd.iso` };
    for (const suffix of ["ours", "tgt"]) {
      await Deno.writeFile(`${images.disk}.${suffix}`, new Uint8Array(0));
      await Deno.truncate(`${images.disk}.${suffix}`, 16 * 1024 * 1024); // sparse 16 MiB
      await Deno.writeFile(`${images.cd}.${suffix}`, new Uint8Array(2048 * 4096));
    }
    // Ours: the disk keeps writes in memory (disc serve --writable-overlay), the CD is the MMC drive.
    const overlay = new MemoryOverlay(fileSource(`${images.disk}.ours`));
    await using target = IscsiTarget.listen({
      targetName: IQN,
      luns: [
        new BlockLun({
          kind: "disk",
          source: overlay,
          serial: "DW000000",
          targetName: IQN,
        }),
        new OpticalLun({
          media: { disc: isoFileDisc(`${images.cd}.ours`, 2048 * 4096) },
          serial: "DW000001",
          targetName: IQN,
        }),
      ],
      port: 0,
    });
    // tgt 1.0.85 on copies of the same images.
    await using tgt = await startTgt([{ path: `${images.disk}.tgt` }, {
      path: `${images.cd}.tgt`,
      cd: true,
    }]);
    for (const [kind, lun] of [["disk", 0], ["cd", 1]] as const) {
      const ours = await suitePassed(`iscsi://127.0.0.1:${target.port}/${IQN}/${lun}`);
      const theirs = await suitePassed(tgt.url(lun));
      console.log(
        `iscsi-test-cu on a ${kind} LUN: ours ${ours.passed} of ${ours.total} passed, tgt ${theirs.passed} of ${theirs.total}`,
      );
      assert.ok(ours.passed > theirs.passed, `${kind}: ours ${ours.passed}, tgt ${theirs.passed}`);
      assert.ok(
        ours.passed >= SUITE_FLOOR[kind],
        `${kind}: ${ours.passed} passed, fewer than ${SUITE_FLOOR[kind]}`,
      );
    }
    const untouched = await Deno.readFile(`${images.disk}.ours`);
    assert.ok(untouched.every((b) => b === 0), "the overlay kept every write off the image file");
  },
);
