/**
 * `cli/build.ts --md5`: the isomd5sum media check implanted in the same pass as the write, against
 * isomd5sum's own tools: `checkisomd5` passes, `implantisomd5 --force` on the same image without
 * the option writes the very same bytes, one flipped byte fails both `checkisomd5` and
 * `disc verify`. Plus unit properties of the accumulator.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  decodeIsoMd5Record,
  encodeIsoMd5Record,
  ISOMD5_FRAGMENT_COUNT,
  IsoMd5Accumulator,
} from "../image/isomd5.ts";
import { buildWithDiscwright, REPO_ROOT, run, tempDir, toolTest } from "./_tools.ts";

const EPOCH = { SOURCE_DATE_EPOCH: "1700000000" };

async function makeTree(dir: string, dataBytes: number): Promise<string> {
  await Deno.mkdir(`${dir}/tree/sub`, { recursive: true });
  await Deno.writeFile(
    `${dir}/tree/data.bin`,
    new Uint8Array(dataBytes).map((_, i) => (i * 2654435761) >>> 24),
  );
  await Deno.writeTextFile(`${dir}/tree/sub/readme.txt`, "checked media\n");
  return `${dir}/tree`;
}

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.byteLength, b.byteLength);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.byteLength === b.byteLength ? -1 : n;
}

toolTest(
  "--md5: checkisomd5 passes; implantisomd5 on the same image writes the same bytes; a flipped byte fails checkisomd5 and disc verify",
  ["checkisomd5", "implantisomd5"],
  async () => {
    await using tmp = await tempDir("isomd5-");
    const tree = await makeTree(tmp.path, 3_000_000);
    const ours = `${tmp.path}/ours.iso`, plain = `${tmp.path}/plain.iso`;
    const built = await buildWithDiscwright(["-quiet", "-R", "-J", "--md5", "-o", ours, tree], {
      env: EPOCH,
    });
    assert.equal(built.code, 0, built.stderr);
    assert.equal((await run("checkisomd5", [ours], { allowFail: true })).code, 0, "checkisomd5 accepts ours");
    assert.equal(
      (await buildWithDiscwright(["-quiet", "-R", "-J", "-o", plain, tree], { env: EPOCH })).code,
      0,
    );
    await run("implantisomd5", ["--force", plain]);
    const difference = firstDifference(await Deno.readFile(ours), await Deno.readFile(plain));
    assert.equal(difference, -1, `ours and implantisomd5's differ at byte ${difference}`);

    const verified = await run(Deno.execPath(), ["run", "-A", `${REPO_ROOT}/cli/disc.ts`, "verify", ours]);
    assert.match(verified.stdout, /OK: isomd5sum [0-9a-f]{32} matches/);

    const bad = `${tmp.path}/bad.iso`;
    const bytes = await Deno.readFile(ours);
    bytes[1_500_000] ^= 0x01;
    await Deno.writeFile(bad, bytes);
    assert.equal(
      (await run("checkisomd5", [bad], { allowFail: true })).code,
      1,
      "checkisomd5 rejects the flip",
    );
    const refused = await run(Deno.execPath(), ["run", "-A", `${REPO_ROOT}/cli/disc.ts`, "verify", bad], {
      allowFail: true,
    });
    assert.equal(refused.code, 1);
    assert.match(
      refused.stdout,
      /error: isomd5sum: the image sums to [0-9a-f]{32}, the PVD records .*first bad fragment/,
    );
  },
);

toolTest(
  "--md5 on a small image (fewer 32 KiB reads than fragments): checkisomd5 passes ours (implantisomd5's own fails)",
  ["checkisomd5"],
  async () => {
    await using tmp = await tempDir("isomd5-small-");
    const tree = await makeTree(tmp.path, 10_000);
    const ours = `${tmp.path}/small.iso`;
    assert.equal((await buildWithDiscwright(["-quiet", "-R", "--md5", "-o", ours, tree])).code, 0);
    assert.equal((await run("checkisomd5", [ours], { allowFail: true })).code, 0);
  },
);

Deno.test("--md5 with -o - is a usage error (the PVD is patched after writing)", async () => {
  await using tmp = await tempDir("isomd5-stdout-");
  const tree = await makeTree(tmp.path, 100);
  const result = await buildWithDiscwright(["-quiet", "--md5", "-o", "-", tree]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /--md5.*standard output/);
});

Deno.test("isomd5sum accumulator: the same record however the image is cut into chunks; the text round-trips", () => {
  const image = new Uint8Array(40 * 2048 + 16 * 2048 * 30).map((_, i) => (i * 7919) >>> 5);
  const whole = new IsoMd5Accumulator({ volumeByteLength: image.byteLength });
  whole.update(image);
  const expected = whole.finish();
  assert.equal(expected.fragmentSums.length, 3 * ISOMD5_FRAGMENT_COUNT);
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 100_000 }), { minLength: 1, maxLength: 40 }), (cuts) => {
      const sum = new IsoMd5Accumulator({ volumeByteLength: image.byteLength });
      let at = 0;
      for (const cut of cuts) {
        sum.update(image.subarray(at, Math.min(image.byteLength, at + cut)));
        at = Math.min(image.byteLength, at + cut);
      }
      sum.update(image.subarray(at));
      assert.deepEqual(sum.finish(), expected);
    }),
    { numRuns: 50 },
  );
  // The Application Use field does not count: whatever it holds, the sum is the same.
  const stamped = image.slice();
  stamped.set(encodeIsoMd5Record(expected), 16 * 2048 + 883);
  const again = new IsoMd5Accumulator({ volumeByteLength: stamped.byteLength });
  again.update(stamped);
  assert.deepEqual(again.finish(), expected);
  assert.deepEqual(decodeIsoMd5Record(encodeIsoMd5Record(expected)), expected);
  assert.equal(decodeIsoMd5Record(new Uint8Array(512).fill(0x20)), undefined);
  assert.throws(() => new IsoMd5Accumulator({ volumeByteLength: 10 * 2048 }).finish(), /isomd5sum/);
});
