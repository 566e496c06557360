/**
 * `cli/disc.ts` as a user runs it: info, ls, extract, verify, and `cli/build.ts -o -`; device and
 * FIFO entries; the ISO 9660:1999 tree of `-iso-level 4` compared with xorriso's.
 */
import assert from "node:assert/strict";
import { FileBlockDevice, openIso } from "../mod.ts";
import {
  buildWithDiscwright,
  buildWithXorriso,
  REPO_ROOT,
  run,
  runDisc,
  sha256,
  tempDir,
  toolTest,
} from "./_tools.ts";

async function makeTree(root: string): Promise<void> {
  await Deno.mkdir(`${root}/docs/sub`, { recursive: true });
  await Deno.writeTextFile(`${root}/docs/hello.txt`, "hello\n");
  await Deno.writeTextFile(`${root}/readme.txt`, "readme\n");
  await Deno.symlink("../readme.txt", `${root}/docs/link`);
}

Deno.test("disc: info (text and --json), ls -l, extract, verify on a built image", async () => {
  await using tmp = await tempDir("disc-cli-");
  await makeTree(`${tmp.path}/t`);
  const iso = `${tmp.path}/a.iso`;
  assert.equal(
    (await buildWithDiscwright(["-quiet", "-R", "-J", "-V", "CLITEST", "-o", iso, `${tmp.path}/t`])).code,
    0,
  );

  const info = await runDisc(["info", iso, "--json"]);
  assert.equal(info.code, 0, info.stderr);
  const json = JSON.parse(info.stdout);
  assert.equal(json.volumeIdentifier, "CLITEST");
  assert.deepEqual(json.extensions.rockRidge, { present: true, identifier: "RRIP_1991A" });
  assert.deepEqual(json.extensions.joliet, { present: true, level: 3 });
  assert.match((await runDisc(["info", iso])).stdout, /Volume id:\s+CLITEST/);

  const ls = await runDisc(["ls", iso, "docs", "-l"]);
  assert.equal(ls.code, 0, ls.stderr);
  assert.match(ls.stdout, /^-rw-r--r-- .* hello\.txt$/m);
  assert.match(ls.stdout, /^l.* link -> \.\.\/readme\.txt$/m);
  assert.match(ls.stdout, /^d.* sub$/m);
  const joliet = await runDisc(["ls", iso, "/", "--view", "joliet"]);
  assert.deepEqual(joliet.stdout.trim().split("\n"), ["docs", "readme.txt"]);
  assert.equal((await runDisc(["ls", iso, "nope"])).code, 1);
  assert.equal((await runDisc(["ls", iso, "--view", "udf"])).code, 2);

  const dest = `${tmp.path}/out`;
  const extract = await runDisc(["extract", iso, dest]);
  assert.equal(extract.code, 0, extract.stderr);
  assert.equal(await Deno.readTextFile(`${dest}/docs/hello.txt`), "hello\n");
  assert.equal(await Deno.readLink(`${dest}/docs/link`), "../readme.txt");

  const verify = await runDisc(["verify", iso]);
  assert.equal(verify.code, 0, verify.stdout);
  assert.match(verify.stdout, /^OK: 0 errors/m);
});

Deno.test("disc: verify exits 1 and names the LBA of a corrupted structure", async () => {
  await using tmp = await tempDir("disc-cli-");
  await makeTree(`${tmp.path}/t`);
  const iso = `${tmp.path}/a.iso`;
  assert.equal((await buildWithDiscwright(["-quiet", "-R", "-o", iso, `${tmp.path}/t`])).code, 0);
  const bytes = await Deno.readFile(iso);
  bytes[16 * 2048 + 84] ^= 0xff; // big-endian half of the Volume Space Size
  await Deno.writeFile(iso, bytes);
  const verify = await runDisc(["verify", iso]);
  assert.equal(verify.code, 1);
  assert.match(verify.stdout, /error: LBA 16: .*Volume Space Size/i);
});

Deno.test("disc: usage errors exit 2, a missing image exits 1, one line each", async () => {
  for (const args of [["frobnicate"], ["ls"], ["info", "--no-such-flag", "x.iso"]]) {
    const r = await runDisc(args);
    assert.equal(r.code, 2, args.join(" "));
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
  }
  const missing = await runDisc(["info", "/nonexistent/x.iso"]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /Cannot open image: no such file: "\/nonexistent\/x\.iso"/);
});

Deno.test("build: -o - writes the same bytes to standard output as to a file", async () => {
  await using tmp = await tempDir("disc-cli-");
  await makeTree(`${tmp.path}/t`);
  const env = { SOURCE_DATE_EPOCH: "1700000000" };
  assert.equal(
    (await buildWithDiscwright(["-quiet", "-R", "-J", "-o", `${tmp.path}/a.iso`, `${tmp.path}/t`], { env }))
      .code,
    0,
  );
  const piped = await run(Deno.execPath(), [
    "run",
    "-A",
    `${REPO_ROOT}/cli/build.ts`,
    "-quiet",
    "-R",
    "-J",
    "-o",
    "-",
    `${tmp.path}/t`,
  ], { env });
  assert.equal(sha256(piped.stdoutBytes), sha256(await Deno.readFile(`${tmp.path}/a.iso`)));
});

toolTest("build: a FIFO and a character device keep their type and number (Rock Ridge PX/PN)", [
  "mknod",
  "mkfifo",
], async () => {
  await using tmp = await tempDir("disc-cli-");
  await Deno.mkdir(`${tmp.path}/t`);
  await run("mkfifo", [`${tmp.path}/t/fifo`]);
  const isRoot = Deno.uid() === 0;
  if (isRoot) await run("mknod", [`${tmp.path}/t/tty5`, "c", "4", "5"]);
  const iso = `${tmp.path}/a.iso`;
  assert.equal((await buildWithDiscwright(["-quiet", "-R", "-J", "-o", iso, `${tmp.path}/t`])).code, 0);
  using device = await FileBlockDevice.open(iso);
  const image = await openIso(device);
  assert.equal((await image.lookup("fifo", "rockridge"))?.kind, "fifo");
  assert.equal(await image.lookup("fifo", "joliet"), undefined); // Joliet has files and directories only
  if (isRoot) {
    const tty = await image.lookup("tty5", "rockridge");
    assert.equal(tty?.kind, "device");
    assert.deepEqual(tty?.device, { major: 4, minor: 5 });
    const listing = await run("isoinfo", ["-l", "-R", "-i", iso], { allowFail: true });
    if (listing.code === 0) assert.match(listing.stdout, /^c.*tty5/m);
  }
});

toolTest(
  "build: -iso-level 4 writes an ISO 9660:1999 tree laid out like xorriso's",
  ["xorriso"],
  async () => {
    await using tmp = await tempDir("disc-cli-");
    await makeTree(`${tmp.path}/t`);
    await Deno.writeTextFile(
      `${tmp.path}/t/a rather long name with spaces, commas and more than 31 chars.txt`,
      "x",
    );
    await Deno.remove(`${tmp.path}/t/docs/link`); // symlinks only exist in Rock Ridge
    const env = { SOURCE_DATE_EPOCH: "1700000000" };
    const ours = `${tmp.path}/ours.iso`;
    const theirs = `${tmp.path}/theirs.iso`;
    assert.equal(
      (await buildWithDiscwright(["-quiet", "-iso-level", "4", "-o", ours, `${tmp.path}/t`], { env })).code,
      0,
    );
    assert.equal(
      (await buildWithXorriso(["-quiet", "-iso-level", "4", "-o", theirs, `${tmp.path}/t`], { env })).code,
      0,
    );
    const describe = async (path: string) => {
      const bytes = await Deno.readFile(path);
      const evd = bytes.subarray(17 * 2048, 18 * 2048);
      // 0: type 2, 6: version 2 (Enhanced Volume Descriptor), 881: file structure version 2
      const root = new DataView(evd.buffer, evd.byteOffset).getUint32(158, true);
      const names: string[] = [];
      const walk = (lba: number, prefix: string, depth: number) => {
        const dir = bytes.subarray(lba * 2048, lba * 2048 + 2048);
        for (let at = 0; at < 2048 && dir[at] > 0; at += dir[at]) {
          const idLength = dir[at + 32];
          const id = dir.subarray(at + 33, at + 33 + idLength);
          if (idLength === 1 && id[0] <= 1) continue;
          const name = new TextDecoder().decode(id);
          names.push(prefix + name);
          if (dir[at + 25] & 2 && depth < 8) {
            walk(
              new DataView(dir.buffer, dir.byteOffset).getUint32(at + 2, true),
              `${prefix}${name}/`,
              depth + 1,
            );
          }
        }
      };
      walk(root, "", 0);
      return { type: evd[0], version: evd[6], fileStructureVersion: evd[881], names };
    };
    const a = await describe(ours);
    const b = await describe(theirs);
    assert.deepEqual(a, b);
    assert.equal(a.version, 2);
    assert.ok(a.names.includes("a rather long name with spaces, commas and more than 31 chars.txt"));
  },
);
