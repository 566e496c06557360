/**
 * Alcohol 120% images: `disc convert X -o Y.mds` writes .mds/.mdf, `openImage` reads them back.
 * mdf2iso turns our .mdf of an ISO into the ISO; a mixed-mode disc survives CUE → MDS → CUE with
 * the same BIN; damaged descriptors fail with one FormatError or SourceError.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  CheckCondition,
  discTracks,
  FormatError,
  loadCueDisc,
  loadMdsDisc,
  OpticalLun,
  SourceError,
} from "../mod.ts";
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

/** `dvd.mdf` in `dir`: the 2048-byte sectors of a small data ISO. */
async function dvdData(dir: string): Promise<{ data: Uint8Array; sectors: number }> {
  const data = await Deno.readFile(await makeDataIso(dir));
  await Deno.writeFile(`${dir}/dvd.mdf`, data);
  return { data, sectors: data.byteLength / 2048 };
}

/** A hand-built DVD .mds for the 2048-byte sectors of `dvd.mdf`, with `extra` bytes after the file name. */
function dvdMds(sectors: number, extra = 0): { mds: Uint8Array; view: DataView; extraAt: number } {
  const mds = new Uint8Array(88 + 24 + 80 + 16 + 6 + extra);
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
  return { mds, view, extraAt: 214 };
}

Deno.test("MDS reader: a DVD descriptor (2048-byte sectors, the track length in the extra-block field) built by hand", async () => {
  await using tmp = await tempDir("mds-dvd-");
  const { data, sectors } = await dvdData(tmp.path);
  const { mds } = dvdMds(sectors);
  await Deno.writeFile(`${tmp.path}/dvd.mds`, mds);
  const [track] = discTracks(loadMdsDisc(`${tmp.path}/dvd.mds`));
  assert.deepEqual([track.mode, track.startLba, track.endLba], ["mode1", 0, sectors]);
  assert.equal((await runDisc(["convert", `${tmp.path}/dvd.mds`, "-o", `${tmp.path}/back.iso`])).code, 0);
  assert.ok(sameBytes(await Deno.readFile(`${tmp.path}/back.iso`), data));
});

Deno.test("MDS dual-layer DVD: PFI/DMI/copyright per layer and BCA are read, the layer break comes from the PFI, a drive serves them, and MDS → MDS keeps them", async () => {
  await using tmp = await tempDir("mds-dvd9-");
  const { data, sectors } = await dvdData(tmp.path);
  const layerBytes = 4 + 2048 + 2048;
  const bca = Uint8Array.from({ length: 64 }, (_, i) => 0xb0 ^ i);
  const { mds, view, extraAt } = dvdMds(sectors, 2 * layerBytes + bca.byteLength);
  const layerBreak = Math.floor(sectors / 2);
  view.setUint32(64, extraAt, true); // 64: disc-structures offset
  view.setUint16(26, bca.byteLength, true); // 26: BCA length
  view.setUint32(36, extraAt + 2 * layerBytes, true); // 36: BCA offset
  mds.set(bca, extraAt + 2 * layerBytes);
  const pfis: Uint8Array[] = [];
  for (const layer of [0, 1]) {
    const at = extraAt + layer * layerBytes;
    mds.set([0x01, 0x02, 0x00, 0x00], at); // copyright: CSS, region byte
    mds.fill(0xd0 + layer, at + 4, at + 4 + 2048); // DMI
    const pfi = new Uint8Array(2048);
    const pfiView = new DataView(pfi.buffer);
    pfi[0] = 0x01; // DVD-ROM
    pfi[2] = 0x31; // two layers, opposite track path
    pfiView.setUint32(4, 0x030000); // start PSN of the data area
    pfiView.setUint32(12, 0x030000 + layerBreak - 1); // end PSN in layer 0
    pfi[2047] = layer; // tells the layers apart
    mds.set(pfi, at + 4 + 2048);
    pfis.push(pfi);
  }
  await Deno.writeFile(`${tmp.path}/dvd.mds`, mds);

  const disc = loadMdsDisc(`${tmp.path}/dvd.mds`);
  assert.equal(disc.dvd?.layers.length, 2);
  assert.equal(disc.dvd?.layerBreakSectors, layerBreak);
  assert.ok(sameBytes(disc.dvd!.bca!, bca));
  assert.ok(sameBytes(disc.dvd!.layers[1].pfi, pfis[1]));
  assert.deepEqual([...disc.dvd!.layers[0].copyright], [0x01, 0x02, 0x00, 0x00]);
  const info = await runDisc(["info", `${tmp.path}/dvd.mds`]);
  assert.match(
    info.stdout,
    new RegExp(
      `DVD: 2 layer\\(s\\), layer break after sector ${
        layerBreak - 1
      } \\(layer 1 starts at LBA ${layerBreak}\\), BCA 64 bytes`,
    ),
  );

  // A drive serving the image answers READ DVD STRUCTURE from the image's structures.
  const lun = new OpticalLun({ media: { disc }, serial: "DVD9", targetName: "iqn.2026-12.test:dvd" });
  const structure = async (format: number, layer = 0) =>
    (await lun.execute(Uint8Array.of(0xad, 0, 0, 0, 0, 0, layer, format, 0x10, 0, 0, 0)))!.subarray(4);
  assert.ok(sameBytes(await structure(0x00, 1), pfis[1]));
  assert.ok(sameBytes(await structure(0x00, 0), pfis[0]));
  assert.ok(sameBytes(await structure(0x03), bca));
  assert.equal((await structure(0x04, 1))[0], 0xd1);
  assert.deepEqual([...await structure(0x01, 0)], [0x01, 0x02, 0x00, 0x00]);
  const list = await structure(0xff);
  assert.deepEqual([list[0], list[4], list[8], list[12], list[16]], [0x00, 0x01, 0x03, 0x04, 0xff]);
  await assert.rejects(lun.execute(Uint8Array.of(0xad, 0, 0, 0, 0, 0, 2, 0, 0x10, 0, 0, 0)), CheckCondition);

  // MDS → MDS keeps them byte for byte.
  assert.equal((await runDisc(["convert", `${tmp.path}/dvd.mds`, "-o", `${tmp.path}/copy.mds`])).code, 0);
  const copy = loadMdsDisc(`${tmp.path}/copy.mds`);
  assert.equal(copy.dvd?.layerBreakSectors, layerBreak);
  for (const layer of [0, 1]) {
    for (const field of ["pfi", "dmi", "copyright"] as const) {
      assert.ok(
        sameBytes(copy.dvd!.layers[layer][field], disc.dvd!.layers[layer][field]),
        `${field} ${layer}`,
      );
    }
  }
  assert.ok(sameBytes(copy.dvd!.bca!, bca));
  assert.ok(sameBytes(await Deno.readFile(`${tmp.path}/copy.mdf`), data));

  // Structures that run past the end of the .mds: one FormatError naming them.
  await Deno.writeFile(`${tmp.path}/cut.mds`, mds.subarray(0, extraAt + layerBytes + 100));
  await Deno.copyFile(`${tmp.path}/dvd.mdf`, `${tmp.path}/cut.mdf`);
  assert.throws(() => loadMdsDisc(`${tmp.path}/cut.mds`), (e: unknown) => {
    assert.ok(e instanceof FormatError, String(e));
    assert.match(e.message, /past the end/);
    assert.match(String(e.location?.structure), /DVD structures \(layer 1\)/);
    return true;
  });
});
