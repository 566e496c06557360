/**
 * Bad input to `cli/build.ts`: every case exits 1 (2 for usage), prints one line naming the file
 * and the reason, and leaves no output file (and no temporary file) behind.
 */
import assert from "node:assert/strict";
import { buildWithDiscwright, tempDir } from "./_tools.ts";

function assertFailedCleanly(
  out: string,
  result: { code: number; stderr: string },
  expectedCode: number,
  mentions: RegExp[],
): void {
  assert.equal(result.code, expectedCode, result.stderr);
  const lines = result.stderr.trim().split("\n");
  assert.equal(lines.length, 1, `one line expected, got:\n${result.stderr}`);
  for (const re of mentions) assert.match(lines[0], re);
  const dir = out.slice(0, out.lastIndexOf("/"));
  const left = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n !== "tree");
  assert.deepEqual(left, [], `left behind: ${left.join(", ")}`);
}

Deno.test("build: a file that changes size during the build (a /proc file: stat says 0 bytes) → exit 1, nothing written", async () => {
  await using tmp = await tempDir("build-errors-");
  const out = `${tmp.path}/out.iso`;
  const result = await buildWithDiscwright(["-quiet", "-graft-points", "-o", out, "version=/proc/version"]);
  assertFailedCleanly(out, result, 1, [/\/proc\/version/, /changed size/]);
});

Deno.test("build: a file name that is not UTF-8 → exit 1 naming it, nothing written", async () => {
  await using tmp = await tempDir("build-errors-");
  await Deno.mkdir(`${tmp.path}/tree`);
  // Deno cannot create a non-UTF-8 name itself; the shell can.
  const made = await new Deno.Command("sh", {
    args: ["-c", `printf x > "$(printf '${tmp.path}/tree/bad\\377.txt')"`],
  })
    .output();
  assert.equal(made.code, 0);
  const out = `${tmp.path}/out.iso`;
  const result = await buildWithDiscwright(["-quiet", "-o", out, `${tmp.path}/tree`]);
  assertFailedCleanly(out, result, 1, [/not valid UTF-8/, /tree\/bad/]);
});

Deno.test("build: a graft-point name longer than 255 bytes → exit 1 naming it, nothing written", async () => {
  await using tmp = await tempDir("build-errors-");
  await Deno.mkdir(`${tmp.path}/tree`);
  await Deno.writeTextFile(`${tmp.path}/tree/a.txt`, "a");
  const out = `${tmp.path}/out.iso`;
  const long = "n".repeat(300);
  const result = await buildWithDiscwright([
    "-quiet",
    "-graft-points",
    "-o",
    out,
    `${long}=${tmp.path}/tree/a.txt`,
  ]);
  assertFailedCleanly(out, result, 1, [/300 bytes, more than 255/]);
});

Deno.test("build: a file of 4 GiB at -iso-level 2 → exit 1 naming the file and the option", async () => {
  await using tmp = await tempDir("build-errors-");
  await Deno.mkdir(`${tmp.path}/tree`);
  const big = await Deno.open(`${tmp.path}/tree/big.bin`, { write: true, create: true });
  await big.truncate(2 ** 32); // sparse: no disk space used
  big.close();
  const out = `${tmp.path}/out.iso`;
  const result = await buildWithDiscwright(["-quiet", "-iso-level", "2", "-o", out, `${tmp.path}/tree`]);
  assertFailedCleanly(out, result, 1, [/big\.bin/, /-iso-level 3/]);
});

Deno.test("build: a boot image that is not in the tree → exit 2 naming the option and the path", async () => {
  await using tmp = await tempDir("build-errors-");
  await Deno.mkdir(`${tmp.path}/tree`);
  await Deno.writeTextFile(`${tmp.path}/tree/a.txt`, "x");
  const out = `${tmp.path}/out.iso`;
  const result = await buildWithDiscwright([
    "-quiet",
    "-b",
    "isolinux/isolinux.bin",
    "-no-emul-boot",
    "-o",
    out,
    `${tmp.path}/tree`,
  ]);
  assertFailedCleanly(out, result, 2, [/-b/, /"\/isolinux\/isolinux\.bin"/, /not in the image tree/]);
});

Deno.test("build: floppy emulation of an image that is not a floppy size → exit 2 naming it", async () => {
  await using tmp = await tempDir("build-errors-");
  await Deno.mkdir(`${tmp.path}/tree`);
  await Deno.writeFile(`${tmp.path}/tree/boot.img`, new Uint8Array(4096));
  const out = `${tmp.path}/out.iso`;
  const result = await buildWithDiscwright(["-quiet", "-b", "boot.img", "-o", out, `${tmp.path}/tree`]);
  assertFailedCleanly(out, result, 2, [/"\/boot\.img"/, /floppy emulation/, /4096 bytes/]);
});

Deno.test("build: a missing MBR template → exit 2 naming the option and the file", async () => {
  await using tmp = await tempDir("build-errors-");
  await Deno.mkdir(`${tmp.path}/tree`);
  await Deno.writeFile(`${tmp.path}/tree/boot.img`, new Uint8Array(4096));
  const out = `${tmp.path}/out.iso`;
  const result = await buildWithDiscwright(
    [
      "-quiet",
      "-isohybrid-mbr",
      "/nonexistent/isohdpfx.bin",
      "-b",
      "boot.img",
      "-no-emul-boot",
      "-o",
      out,
      `${tmp.path}/tree`,
    ],
  );
  assertFailedCleanly(out, result, 2, [
    /-isohybrid-mbr/,
    /"\/nonexistent\/isohdpfx\.bin"/,
    /no such file/,
  ]);
});

Deno.test("build: a missing -efi-boot-part file → exit 2 naming the option and the file", async () => {
  await using tmp = await tempDir("build-errors-");
  await Deno.mkdir(`${tmp.path}/tree`);
  await Deno.writeFile(`${tmp.path}/tree/boot.img`, new Uint8Array(4096));
  const out = `${tmp.path}/out.iso`;
  const result = await buildWithDiscwright(
    [
      "-quiet",
      "-b",
      "boot.img",
      "-no-emul-boot",
      "-efi-boot-part",
      "/nonexistent/esp.img",
      "-o",
      out,
      `${tmp.path}/tree`,
    ],
  );
  assertFailedCleanly(out, result, 2, [/-efi-boot-part/, /"\/nonexistent\/esp\.img"/, /no such file/]);
});

Deno.test("build: a -boot-load-size that does not fit 16 bits → exit 2 naming the option, nothing written", async () => {
  await using tmp = await tempDir("build-errors-");
  await Deno.mkdir(`${tmp.path}/tree`);
  await Deno.writeFile(`${tmp.path}/tree/boot.img`, new Uint8Array(4096));
  const out = `${tmp.path}/out.iso`;
  const result = await buildWithDiscwright(
    ["-quiet", "-b", "boot.img", "-no-emul-boot", "-boot-load-size", "70000", "-o", out, `${tmp.path}/tree`],
  );
  assertFailedCleanly(out, result, 2, [/-boot-load-size/, /65535/, /"70000"/]);
});
