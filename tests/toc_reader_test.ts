/**
 * cdrdao TOC files as images: the .toc that `disc cd --toc` writes reads back as the same disc
 * as its CUE (tracks, LBAs, every raw sector through the BIN), cdrdao's own `show-toc` agrees on
 * the track starts, and damaged TOC text fails with one FormatError naming the line.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { discTracks, FormatError, loadCdrdaoToc, loadCueDisc, SourceError } from "../mod.ts";
import { makeMixedCue } from "./_disc_fixtures.ts";
import { run, runDisc, tempDir, toolTest } from "./_tools.ts";

toolTest("a cdrdao TOC reads as the same disc as its CUE; cdrdao show-toc agrees on the track starts", [
  "cdrdao",
], async () => {
  await using tmp = await tempDir("toc-read-");
  const cue = await makeMixedCue(tmp.path, ["--toc", "--title", "T"]);
  const toc = cue.replace(/\.cue$/, ".toc");
  const a = loadCueDisc(cue), b = loadCdrdaoToc(toc);
  const shape = (d: typeof a) =>
    discTracks(d).map((t) => [t.number, t.mode, t.pregapLba, t.startLba, t.endLba]);
  assert.deepEqual(shape(b), shape(a));
  assert.equal((await runDisc(["convert", toc, "-o", `${tmp.path}/back.cue`])).code, 0);
  const [x, y] = [await Deno.readFile(`${tmp.path}/back.bin`), await Deno.readFile(`${tmp.path}/mixed.bin`)];
  assert.ok(x.byteLength === y.byteLength && x.every((v, i) => v === y[i]), "the same raw sectors");
  const shown = await run("cdrdao", ["show-toc", toc], { allowFail: true });
  const starts = [...shown.stdout.matchAll(/START\s+\d\d:\d\d:\d\d\(\s*(\d+)\)/g)].map((m) => Number(m[1]));
  assert.deepEqual(starts, discTracks(b).map((t) => t.startLba), shown.stdout);
  assert.match((await runDisc(["ls", toc])).stdout, /hello\.txt/);
});

toolTest(
  "a cdrdao TOC in the form libcdio parses: cd-info and our reader agree on the track types and starts",
  ["cd-info"],
  async () => {
    await using tmp = await tempDir("toc-cdinfo-");
    const cue = await makeMixedCue(tmp.path, ["--toc"]);
    // libcdio's TOC parser takes neither `#byte-offset` nor SWAP: the same TOC with the offsets
    // as MSF times into the file (they are whole sectors) and big-endian audio (samples do not
    // matter to a track list).
    const msf = (sectors: number) =>
      [Math.floor(sectors / 4500), Math.floor(sectors / 75) % 60, sectors % 75].map((n) =>
        String(n).padStart(2, "0")
      )
        .join(":");
    const text = (await Deno.readTextFile(cue.replace(/\.cue$/, ".toc")))
      .replace(/ SWAP/g, "")
      .replace(/#(\d+) 0 /g, (_, bytes) => `${msf(Number(bytes) / 2352)} `)
      .replace(/DATAFILE ("[^"]+") #0 /g, "DATAFILE $1 ");
    const toc = `${tmp.path}/libcdio.toc`;
    await Deno.writeTextFile(toc, text);
    const ours = discTracks(loadCdrdaoToc(toc));
    assert.deepEqual(ours.map((t) => t.startLba), discTracks(loadCueDisc(cue)).map((t) => t.startLba));
    // cd-info looks for the TOC's files from its working directory.
    const info = await run("cd-info", ["--no-device-info", "--toc-file", toc], {
      allowFail: true,
      cwd: tmp.path,
    });
    const listed = [...info.stdout.matchAll(/^\s+(\d+): \d\d:\d\d:\d\d\s+(\d+) (data|audio)/gm)]
      .map((m) => [Number(m[1]), Number(m[2]), m[3]] as const).filter(([n]) => n !== 170);
    assert.deepEqual(
      listed.map(([n, , type]) => [n, type]),
      ours.map((t) => [t.number, t.mode === "audio" ? "audio" : "data"]),
      info.stdout,
    );
    // libcdio places track 1 at the DATAFILE's length, not at LSN 0 (its parser's quirk); the
    // later tracks start where ours do.
    assert.deepEqual(
      listed.slice(1).map(([, lsn]) => lsn),
      ours.slice(1).map((t) => t.startLba),
      info.stdout,
    );
  },
);

Deno.test("cdrdao TOC reader: unknown keywords, bad lengths, missing files fail with one error naming the line", async () => {
  await using tmp = await tempDir("toc-bad-");
  await Deno.writeFile(`${tmp.path}/d.bin`, new Uint8Array(2352 * 400));
  const good =
    'CD_ROM\nTRACK MODE1_RAW\nDATAFILE "d.bin" #0 00:04:00\nTRACK AUDIO\nFILE "d.bin" SWAP #705600 0 00:01:00\nSTART 00:00:30\n';
  const write = (text: string) => Deno.writeTextFileSync(`${tmp.path}/x.toc`, text);
  write(good);
  const loaded = loadCdrdaoToc(`${tmp.path}/x.toc`);
  assert.deepEqual(discTracks(loaded).map((t) => [t.startLba, t.endLba]), [[0, 300], [330, 375]]);
  write(good.replace("TRACK AUDIO", "TRACK AUDIO\nWOBBLE"));
  assert.throws(() => loadCdrdaoToc(`${tmp.path}/x.toc`), /x\.toc:5: "WOBBLE"/);
  write(good.replace("00:04:00", "00:09:00"));
  assert.throws(() => loadCdrdaoToc(`${tmp.path}/x.toc`), /x\.toc:3: .* run past/);
  write(good.replace('"d.bin" #0', '"nope.bin" #0'));
  assert.throws(() => loadCdrdaoToc(`${tmp.path}/x.toc`), SourceError);
  fc.assert(
    fc.property(fc.integer({ min: 0, max: good.length - 1 }), fc.string({ maxLength: 3 }), (at, insert) => {
      write(good.slice(0, at) + insert + good.slice(at + 1));
      try {
        loadCdrdaoToc(`${tmp.path}/x.toc`);
      } catch (error) {
        assert.ok(error instanceof FormatError || error instanceof SourceError, String(error));
      }
    }),
    { numRuns: 300 },
  );
});
