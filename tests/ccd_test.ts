/**
 * CloneCD images: `disc convert X -o Y.ccd` writes .ccd/.img/.sub, `openImage` reads them back.
 * ccd2iso turns our .img of an ISO back into the ISO; a mixed-mode disc survives CUE → CCD →
 * CUE with the same BIN and the same sub-channel; damaged descriptors fail with one clear error.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { discTracks, FormatError, loadCcdDisc, loadCueDisc, readRawSectors, SourceError } from "../mod.ts";
import { makeDataIso, makeMixedCue } from "./_disc_fixtures.ts";
import { run, runDisc, sameBytes, tempDir, toolTest } from "./_tools.ts";

toolTest("ISO → CloneCD: ccd2iso gives the ISO back; our reader lists its files", ["ccd2iso"], async () => {
  await using tmp = await tempDir("ccd-iso-");
  const iso = await makeDataIso(tmp.path);
  assert.equal((await runDisc(["convert", iso, "-o", `${tmp.path}/data.ccd`])).code, 0);
  await run("ccd2iso", [`${tmp.path}/data.img`, `${tmp.path}/back.iso`]);
  assert.ok(sameBytes(await Deno.readFile(`${tmp.path}/back.iso`), await Deno.readFile(iso)));
  assert.match((await runDisc(["ls", `${tmp.path}/data.ccd`])).stdout, /hello\.txt/);
});

Deno.test("mixed-mode CUE → CloneCD → CUE: the same tracks, BIN and sub-channel", async () => {
  await using tmp = await tempDir("ccd-mixed-");
  const cue = await makeMixedCue(tmp.path);
  const ccd = `${tmp.path}/copy.ccd`;
  const converted = await runDisc(["convert", cue, "-o", ccd]);
  assert.equal(converted.code, 0, converted.stderr);
  const a = loadCueDisc(cue), b = loadCcdDisc(ccd);
  const shape = (d: typeof a) =>
    discTracks(d).map((t) => [t.number, t.mode, t.pregapLba, t.startLba, t.endLba]);
  assert.deepEqual(shape(b), shape(a));
  for (const t of discTracks(a)) {
    const from = Math.max(t.pregapLba, -150);
    const [x, y] = await Promise.all([
      readRawSectors(a, from, t.endLba - from, { subchannel: true }),
      readRawSectors(b, from, t.endLba - from, { subchannel: true }),
    ]);
    assert.ok(sameBytes(x.main, y.main), `track ${t.number}: main channel`);
    assert.ok(sameBytes(x.subchannel!, y.subchannel!), `track ${t.number}: sub-channel`);
  }
  assert.equal((await runDisc(["convert", ccd, "-o", `${tmp.path}/back.cue`])).code, 0);
  assert.ok(
    sameBytes(await Deno.readFile(`${tmp.path}/back.bin`), await Deno.readFile(`${tmp.path}/mixed.bin`)),
  );
  assert.match((await runDisc(["verify", ccd])).stdout, /OK: \d+ raw data sectors checked, 0 bad/);
});

Deno.test("CloneCD with R–W sub-channel → BIN/CUE/SUB → CloneCD: the .sub travels byte for byte; a CUE without one gets none", async () => {
  await using tmp = await tempDir("ccd-sub-");
  const cue = await makeMixedCue(tmp.path);
  assert.equal((await runDisc(["convert", cue, "-o", `${tmp.path}/a.ccd`])).code, 0);
  assert.equal(await exists(`${tmp.path}/a.sub`), true);
  // Put something only a real dump has into the R–W channels (CD+G-like), keeping P and Q.
  const sub = await Deno.readFile(`${tmp.path}/a.sub`);
  for (let at = 0; at < sub.byteLength; at += 96) {
    for (let i = 24; i < 96; i++) sub[at + i] = (at / 96 + i * 7) & 0xff; // channels R…W (12 bytes each)
  }
  await Deno.writeFile(`${tmp.path}/a.sub`, sub);

  const toCue = await runDisc(["convert", `${tmp.path}/a.ccd`, "-o", `${tmp.path}/b.cue`]);
  assert.equal(toCue.code, 0, toCue.stderr);
  assert.ok(
    sameBytes(await Deno.readFile(`${tmp.path}/b.sub`), sub),
    "BIN/CUE's .sub equals the CloneCD .sub",
  );
  assert.ok(sameBytes(await Deno.readFile(`${tmp.path}/b.bin`), await Deno.readFile(`${tmp.path}/a.img`)));
  assert.match((await runDisc(["info", `${tmp.path}/b.cue`, "--json"])).stdout, /raw2448/);

  const back = await runDisc(["convert", `${tmp.path}/b.cue`, "-o", `${tmp.path}/c.ccd`]);
  assert.equal(back.code, 0, back.stderr);
  assert.ok(sameBytes(await Deno.readFile(`${tmp.path}/c.sub`), sub), "and back to CloneCD");

  // The mixed CUE itself has no .sub: converting it to BIN/CUE writes none.
  assert.equal((await runDisc(["convert", cue, "-o", `${tmp.path}/plain.cue`])).code, 0);
  assert.equal(await exists(`${tmp.path}/plain.sub`), false);
  // A .sub shorter than the BIN is ignored (as CloneCD ignores it), not an error.
  await Deno.writeFile(`${tmp.path}/b.sub`, sub.subarray(0, 96 * 10));
  assert.doesNotMatch((await runDisc(["info", `${tmp.path}/b.cue`, "--json"])).stdout, /raw2448/);
});

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

Deno.test("CloneCD reader: bad lines, missing or short .img, damaged entries fail with FormatError or SourceError", async () => {
  await using tmp = await tempDir("ccd-bad-");
  const iso = await makeDataIso(tmp.path);
  assert.equal((await runDisc(["convert", iso, "-o", `${tmp.path}/good.ccd`])).code, 0);
  const text = await Deno.readTextFile(`${tmp.path}/good.ccd`);
  const img = await Deno.readFile(`${tmp.path}/good.img`);
  const write = async (ccdText: string, imgBytes: Uint8Array | null) => {
    await Deno.writeTextFile(`${tmp.path}/bad.ccd`, ccdText);
    await Deno.remove(`${tmp.path}/bad.img`).catch(() => {});
    await Deno.remove(`${tmp.path}/bad.sub`).catch(() => {});
    if (imgBytes) await Deno.writeFile(`${tmp.path}/bad.img`, imgBytes);
  };
  await write(text.replace("[Disc]", "[Disc]\r\nthis is not a key"), img);
  assert.throws(
    () => loadCcdDisc(`${tmp.path}/bad.ccd`),
    (e) => e instanceof FormatError && /bad\.ccd:\d+/.test(e.message),
  );
  await write(text, null);
  assert.throws(() => loadCcdDisc(`${tmp.path}/bad.ccd`), SourceError);
  await write(text, img.subarray(0, img.byteLength / 2));
  assert.throws(
    () => loadCcdDisc(`${tmp.path}/bad.ccd`),
    (e) => e instanceof FormatError && /runs past/.test(e.message),
  );
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: text.length - 1 }),
      fc.string({ maxLength: 4 }),
      async (at, insert) => {
        await write(text.slice(0, at) + insert + text.slice(at + 1), img);
        try {
          loadCcdDisc(`${tmp.path}/bad.ccd`);
        } catch (error) {
          assert.ok(error instanceof FormatError || error instanceof SourceError, String(error));
        }
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("disc convert to a multi-file image leaves nothing behind when one of its files cannot be written", async () => {
  await using tmp = await tempDir("ccd-atomic-");
  const iso = await makeDataIso(tmp.path);
  await Deno.mkdir(`${tmp.path}/out.sub`); // the .sub cannot take this name
  const failed = await runDisc(["convert", iso, "-o", `${tmp.path}/out.ccd`]);
  assert.equal(failed.code, 1, failed.stdout);
  const left = [...Deno.readDirSync(tmp.path)].map((e) => e.name).filter((n) =>
    n.startsWith("out") || n.startsWith(".")
  );
  assert.deepEqual(left, ["out.sub"], "only the folder that was there");
});
