/**
 * Alcohol 120% images: `disc convert X -o Y.mds` writes .mds/.mdf, `openImage` reads them back.
 * mdf2iso turns our .mdf of an ISO into the ISO; a mixed-mode disc survives CUE → MDS → CUE with
 * the same BIN; damaged descriptors fail with one FormatError or SourceError.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { discTracks, FormatError, loadCueDisc, loadMdsDisc, SourceError } from "../mod.ts";
import { makeDataIso, makeMixedCue } from "./_disc_fixtures.ts";
import { run, runDisc, sameBytes, tempDir, toolTest } from "./_tools.ts";

toolTest("ISO → MDS/MDF: mdf2iso gives the ISO back; our reader lists its files", ["mdf2iso"], async () => {
  await using tmp = await tempDir("mds-iso-");
  const iso = await makeDataIso(tmp.path);
  assert.equal((await runDisc(["convert", iso, "-o", `${tmp.path}/data.mds`])).code, 0);
  await run("mdf2iso", [`${tmp.path}/data.mdf`, `${tmp.path}/back.iso`]);
  assert.ok(sameBytes(await Deno.readFile(`${tmp.path}/back.iso`), await Deno.readFile(iso)));
  assert.match((await runDisc(["ls", `${tmp.path}/data.mds`])).stdout, /hello\.txt/);
});

Deno.test("mixed-mode CUE → MDS/MDF → CUE: the same tracks and BIN; damaged descriptors fail cleanly", async () => {
  await using tmp = await tempDir("mds-mixed-");
  const cue = await makeMixedCue(tmp.path);
  const mds = `${tmp.path}/copy.mds`;
  assert.equal((await runDisc(["convert", cue, "-o", mds])).code, 0);
  const shape = (d: ReturnType<typeof loadCueDisc>) =>
    discTracks(d).map((t) => [t.number, t.mode, t.pregapLba, t.startLba, t.endLba]);
  assert.deepEqual(shape(loadMdsDisc(mds)), shape(loadCueDisc(cue)));
  assert.equal((await runDisc(["convert", mds, "-o", `${tmp.path}/back.cue`])).code, 0);
  assert.ok(
    sameBytes(await Deno.readFile(`${tmp.path}/back.bin`), await Deno.readFile(`${tmp.path}/mixed.bin`)),
  );

  const good = await Deno.readFile(mds);
  const bad = `${tmp.path}/bad.mds`;
  await Deno.copyFile(`${tmp.path}/copy.mdf`, `${tmp.path}/bad.mdf`);
  await Deno.writeFile(bad, good.subarray(0, 60));
  assert.throws(() => loadMdsDisc(bad), FormatError);
  await Deno.writeFile(bad, good);
  await Deno.remove(`${tmp.path}/bad.mdf`);
  assert.throws(() => loadMdsDisc(bad), SourceError);
  await Deno.copyFile(`${tmp.path}/copy.mdf`, `${tmp.path}/bad.mdf`);
  await fc.assert(
    fc.asyncProperty(
      fc.array(
        fc.tuple(fc.integer({ min: 16, max: good.byteLength - 1 }), fc.integer({ min: 0, max: 255 })),
        { minLength: 1, maxLength: 5 },
      ),
      async (edits) => {
        const bytes = good.slice();
        for (const [at, value] of edits) bytes[at] = value;
        await Deno.writeFile(bad, bytes);
        try {
          loadMdsDisc(bad);
        } catch (error) {
          assert.ok(error instanceof FormatError || error instanceof SourceError, String(error));
        }
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("MDS reader: a DVD descriptor (2048-byte sectors, the track length in the extra-block field) built by hand", async () => {
  await using tmp = await tempDir("mds-dvd-");
  const iso = await makeDataIso(tmp.path);
  const data = await Deno.readFile(iso);
  const sectors = data.byteLength / 2048;
  await Deno.writeFile(`${tmp.path}/dvd.mdf`, data);
  const mds = new Uint8Array(88 + 24 + 80 + 16 + 6);
  const view = new DataView(mds.buffer);
  mds.set(new TextEncoder().encode("MEDIA DESCRIPTOR"), 0);
  mds[16] = 1; // version 1.5
  mds[17] = 5;
  view.setUint16(18, 0x10, true); // DVD-ROM
  view.setUint16(20, 1, true); // one session
  view.setUint32(80, 88, true); // session blocks
  view.setInt32(88, 0, true); // session start
  view.setInt32(88 + 4, sectors, true); // session end
  view.setUint16(88 + 8, 1, true); // session 1
  mds[88 + 10] = 1; // one block
  view.setUint16(88 + 12, 1, true);
  view.setUint16(88 + 14, 1, true);
  view.setUint32(88 + 20, 112, true); // track blocks at 112
  mds[112] = 0x02; // DVD track (Mode 1 nibble)
  mds[112 + 2] = 0x14;
  mds[112 + 4] = 1; // POINT 1
  view.setUint32(112 + 12, sectors, true); // DVD: the track length
  view.setUint16(112 + 16, 2048, true);
  view.setUint32(112 + 36, 0, true);
  view.setBigUint64(112 + 40, 0n, true);
  view.setUint32(112 + 48, 1, true);
  view.setUint32(112 + 52, 192, true); // footer at 192
  view.setUint32(192, 208, true); // file name at 208
  mds.set(new TextEncoder().encode("*.mdf"), 208);
  await Deno.writeFile(`${tmp.path}/dvd.mds`, mds);
  const [track] = discTracks(loadMdsDisc(`${tmp.path}/dvd.mds`));
  assert.deepEqual([track.mode, track.startLba, track.endLba], ["mode1", 0, sectors]);
  assert.equal((await runDisc(["convert", `${tmp.path}/dvd.mds`, "-o", `${tmp.path}/back.iso`])).code, 0);
  assert.ok(sameBytes(await Deno.readFile(`${tmp.path}/back.iso`), data));
});
