/**
 * Remastering: a Debian-style hybrid ISO built by xorriso (ISOLINUX + isohdpfx MBR, an EFI image
 * as second El Torito entry, GPT) is rebuilt with a new file by `cli/build.ts -indev … -outdev …
 * -boot_image any replay -map … -rm …` and by `disc remaster`. The result still boots the four
 * ways (BIOS/UEFI × CD/disk), the new file reads back, the removed one is gone.
 */
import assert from "node:assert/strict";
import { bootTest } from "../mod.ts";
import { buildWithDiscwright, buildWithXorriso, run, runDisc, tempDir, toolTest } from "./_tools.ts";
import {
  BIOS_MARKER,
  DEBIAN_STYLE_BOOT,
  HYBRID_TREE_TOOLS,
  makeHybridTree,
  UEFI_MARKER,
} from "./_hybrid_tree.ts";

const DEBIAN_STYLE = ["-R", "-J", "-V", "DEBIANLIKE", ...DEBIAN_STYLE_BOOT];

toolTest(
  "remaster a Debian-style hybrid ISO made by xorriso: the new file is there, the removed one gone, and it boots BIOS/UEFI as CD and disk",
  [...HYBRID_TREE_TOOLS, "xorriso", "qemu-system-x86_64", "/usr/share/OVMF/OVMF_CODE_4M.fd"],
  async (t) => {
    await using tmp = await tempDir("remaster-");
    await Deno.mkdir(`${tmp.path}/tree`);
    await makeHybridTree(`${tmp.path}/tree`, tmp.path);
    const original = `${tmp.path}/debianlike.iso`;
    assert.equal((await buildWithXorriso([...DEBIAN_STYLE, "-o", original, `${tmp.path}/tree`])).code, 0);
    await Deno.writeTextFile(`${tmp.path}/added.txt`, "added by the remaster\n");

    const viaBuild = `${tmp.path}/via-build.iso`;
    const built = await buildWithDiscwright([
      "-indev",
      original,
      "-outdev",
      viaBuild,
      "-boot_image",
      "any",
      "replay",
      "-map",
      `${tmp.path}/added.txt`,
      "/extra/added.txt",
      "-rm",
      "/readme.txt",
    ]);
    assert.equal(built.code, 0, built.stderr);
    const viaDisc = `${tmp.path}/via-disc.iso`;
    const remastered = await runDisc([
      "remaster",
      original,
      "-o",
      viaDisc,
      "--add",
      `${tmp.path}/added.txt=/extra/added.txt`,
      "--rm",
      "readme.txt",
    ]);
    assert.equal(remastered.code, 0, remastered.stderr);

    for (const iso of [viaBuild, viaDisc]) {
      const listing = await run("xorriso", ["-indev", iso, "-find", "/", "-type", "f"], { allowFail: true });
      assert.match(listing.stdout, /'\/extra\/added\.txt'/);
      assert.doesNotMatch(listing.stdout, /readme\.txt/);
      await run("xorriso", [
        "-osirrox",
        "on",
        "-indev",
        iso,
        "-extract",
        "/extra/added.txt",
        `${tmp.path}/out.txt`,
      ]);
      assert.equal(await Deno.readTextFile(`${tmp.path}/out.txt`), "added by the remaster\n");
      await Deno.remove(`${tmp.path}/out.txt`);
      const report = await run("xorriso", ["-indev", iso, "-report_el_torito", "plain"], { allowFail: true });
      assert.match(report.stdout, /El Torito boot img :\s+1\s+BIOS\s+y\s+none/);
      assert.match(report.stdout, /El Torito boot img :\s+2\s+UEFI\s+y\s+none/);
    }
    for (const firmware of ["bios", "uefi"] as const) {
      for (const media of ["cd", "disk"] as const) {
        await t.step(`${firmware} as ${media}`, async () => {
          const expect = firmware === "bios" ? BIOS_MARKER : UEFI_MARKER;
          const result = await bootTest({ image: viaBuild, firmware, media, expect, timeoutSeconds: 90 });
          assert.ok(result.ok, `no "${expect}":\n${result.consoleTail}`);
        });
      }
    }
  },
);

Deno.test("remaster: a path to remove that is not there, a missing source and unknown xorriso commands fail with one message", async () => {
  await using tmp = await tempDir("remaster-bad-");
  await Deno.mkdir(`${tmp.path}/tree`);
  await Deno.writeTextFile(`${tmp.path}/tree/a.txt`, "a\n");
  const iso = `${tmp.path}/in.iso`;
  assert.equal((await buildWithDiscwright(["-quiet", "-R", "-o", iso, `${tmp.path}/tree`])).code, 0);
  const missingPath = await runDisc(["remaster", iso, "-o", `${tmp.path}/out.iso`, "--rm", "nope.txt"]);
  assert.equal(missingPath.code, 2);
  assert.match(missingPath.stderr, /Cannot remove "nope\.txt"/);
  const missingSource = await runDisc([
    "remaster",
    iso,
    "-o",
    `${tmp.path}/out.iso`,
    "--add",
    `${tmp.path}/nope=/x`,
  ]);
  assert.equal(missingSource.code, 1);
  assert.match(missingSource.stderr, /nope/);
  const unknown = await buildWithDiscwright([
    "-indev",
    iso,
    "-outdev",
    `${tmp.path}/out.iso`,
    "-chmod",
    "0755",
    "/a.txt",
  ]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /-chmod/);
  assert.deepEqual(
    [...Deno.readDirSync(tmp.path)].map((e) => e.name).sort(),
    ["in.iso", "tree"],
    "nothing left behind",
  );
});
