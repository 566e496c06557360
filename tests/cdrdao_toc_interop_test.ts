/**
 * Our cdrdao TOC against cdrdao 1.2.4 itself, on a real tiny mixed-mode BIN: 300 Mode 1 sectors +
 * a 150-sector post-gap, then an audio track with a 150-sector stored pregap and 300 sectors of a
 * known sample pattern (left = n, right = −n, little-endian as in our BIN).
 * - `cdrdao show-toc`: session type, catalog, track starts/ends, pregap, flags, ISRC.
 * - `cdrdao toc-info`: 900 blocks (the lengths add up to the BIN); `cdrdao read-test` reads them all.
 * - `toc2cue`: the CUE sheet cdrdao derives has the same index points.
 * - `cdrdao show-data` prints the audio samples: with our `SWAP` they are n / −n (the byte order is
 *   right); the same TOC without `SWAP` shows byte-swapped noise, so the check can tell.
 * cdrdao has no command that prints a TOC's CD-TEXT; it parses our CD_TEXT blocks (a syntax error
 * fails every command above) and the packs themselves are checked against libburn elsewhere.
 */
import assert from "node:assert/strict";
import { encodeMode1Sector } from "../image/cd/sector.ts";
import { cdrdaoBinByteLength, encodeCdrdaoToc } from "../image/cdrdao_toc.ts";
import { type Disc, type DiscTrack, NO_TRACK_FLAGS, SessionType, type TrackMode } from "../image/disc.ts";
import { run, tempDir, toolTest } from "./_tools.ts";

function track(
  number: number,
  mode: TrackMode,
  pregapLba: number,
  startLba: number,
  endLba: number,
  extra: Partial<DiscTrack> = {},
): DiscTrack {
  return {
    number,
    session: 1,
    mode,
    pregapLba,
    startLba,
    endLba,
    extraIndexLbas: [],
    postgapSectorCount: 0,
    flags: NO_TRACK_FLAGS,
    ...extra,
  };
}

const DISC: Disc = {
  catalog: "0123456789012",
  cdText: { title: "Mixed Disc", performer: "discwright", discId: "XY12345", genre: "Jazz" },
  sessions: [{
    number: 1,
    type: SessionType.cdDaOrCdRom,
    leadOutLba: 900,
    tracks: [
      track(1, "mode1", -150, 0, 450, { postgapSectorCount: 150, cdText: { title: "Data track" } }),
      track(2, "audio", 450, 600, 900, {
        isrc: "USABC9912345",
        flags: { preEmphasis: true, copyPermitted: true, fourChannel: false },
        extraIndexLbas: [675],
        cdText: { title: "Ramp é", performer: "Saw", upcIsrc: "USABC9912345" },
      }),
    ],
  }],
};

/** Samples per sector of CD audio. */
const SAMPLES = 588;
const AUDIO_FIRST_LBA = 600;

function buildBin(): Uint8Array {
  const bin = new Uint8Array(cdrdaoBinByteLength(DISC));
  const userData = new Uint8Array(2048);
  for (let lba = 0; lba < 450; lba++) {
    userData.fill(lba < 300 ? lba & 0xff : 0);
    encodeMode1Sector(lba, userData, bin, lba * 2352);
  }
  // 450..599: stored audio pregap, silence (zeros); 600..899: left = n, right = −n, little-endian
  const view = new DataView(bin.buffer);
  for (let n = 0; n < 300 * SAMPLES; n++) {
    const at = AUDIO_FIRST_LBA * 2352 + n * 4;
    view.setInt16(at, n % 32000, true);
    view.setInt16(at + 2, -(n % 32000), true);
  }
  return bin;
}

async function writeImage(dir: string): Promise<string> {
  await Deno.writeFile(`${dir}/mixed.bin`, buildBin());
  const tocPath = `${dir}/mixed.toc`;
  await Deno.writeTextFile(tocPath, encodeCdrdaoToc(DISC, "mixed.bin"));
  return tocPath;
}

toolTest(
  "cdrdao show-toc / toc-info / read-test accept our TOC and report our layout",
  ["cdrdao"],
  async () => {
    await using tmp = await tempDir("cdrdao-toc-");
    const toc = await writeImage(tmp.path);
    const show = await run("cdrdao", ["show-toc", toc], { cwd: tmp.path });
    const out = show.stdout + show.stderr;
    assert.doesNotMatch(out, /ERROR|WARNING/, out);
    assert.match(out, /TOC TYPE: CD_ROM/);
    assert.match(out, /CATALOG NUMBER: 0123456789012/);
    const [track1, track2] = out.split(/^TRACK /m).slice(1);
    assert.match(track1, /1\s+Mode MODE1_RAW:/);
    assert.match(track1, /START\s+00:00:00\(\s*0\)/);
    assert.match(track1, /END\s+00:06:00\(\s*450\)/);
    assert.match(track2, /2\s+Mode AUDIO:/);
    assert.match(track2, /ISRC US ABC 99 12345/);
    assert.match(track2, /COPY PERMITTED/);
    assert.match(track2, /PRE-EMPHASIS/);
    assert.doesNotMatch(track2, /NO PRE-EMPHASIS/);
    assert.match(track2, /PREGAP\s+00:02:00\(\s*150\)/);
    assert.match(track2, /START\s+00:08:00\(\s*600\)/);
    assert.match(track2, /INDEX\s+2\s+00:09:00\(\s*675\)/);
    assert.match(track2, /END\s+00:12:00\(\s*900\)/);

    const info = await run("cdrdao", ["toc-info", toc], { cwd: tmp.path });
    assert.match(info.stdout + info.stderr, /2 tracks, length 00:12:00, 900 blocks/);
    const readTest = await run("cdrdao", ["read-test", toc], { cwd: tmp.path });
    assert.match(readTest.stdout + readTest.stderr, /Read 900 blocks/);
  },
);

toolTest(
  "toc2cue: the CUE cdrdao derives from our TOC has our track starts, pregap and DCP flag",
  ["cdrdao", "toc2cue"],
  async () => {
    await using tmp = await tempDir("cdrdao-toc-");
    const toc = await writeImage(tmp.path);
    await run("toc2cue", [toc, `${tmp.path}/mixed.cue`], { cwd: tmp.path });
    const cue = await Deno.readTextFile(`${tmp.path}/mixed.cue`);
    const lines = cue.split("\n").map((line) => line.trim()).filter((line) => line);
    const expected = [
      'FILE "mixed.bin" BINARY',
      "TRACK 01 MODE1/2352",
      "INDEX 01 00:00:00",
      "TRACK 02 AUDIO",
      "FLAGS DCP",
      "INDEX 00 00:06:00",
      "INDEX 01 00:08:00",
    ];
    // toc2cue 1.2.4 writes neither INDEX 02 nor PRE into the CUE (show-toc above reports both)
    for (const line of expected) assert.ok(lines.includes(line), `missing ${line} in\n${cue}`);
    const order = expected.map((line) => lines.indexOf(line));
    assert.deepEqual(order, [...order].sort((a, b) => a - b));
  },
);

/** Left/right samples `cdrdao show-data` prints for sample numbers `from … from + count − 1`. */
async function samplesShown(
  tocPath: string,
  cwd: string,
  from: number,
  count: number,
): Promise<[number, number][]> {
  const out = (await run("cdrdao", ["show-data", tocPath], { cwd })).stdout;
  const samples: [number, number][] = [];
  for (const match of out.matchAll(/^\s*(\d+):\s+(-?\d+)\s+(-?\d+)$/gm)) {
    const n = Number(match[1]);
    if (n >= from && n < from + count) samples.push([Number(match[2]), Number(match[3])]);
  }
  return samples;
}

toolTest("cdrdao show-data: with SWAP our little-endian samples read as n / -n", ["cdrdao"], async () => {
  await using tmp = await tempDir("cdrdao-toc-");
  const toc = await writeImage(tmp.path);
  // show-data numbers samples from track 1 index 01; the ramp starts at LBA 600
  const first = AUDIO_FIRST_LBA * SAMPLES;
  const pick = [0, 1, 2, 255, 256, 1000, 31999].map((n) => n + first);
  const shown = await samplesShown(toc, tmp.path, first, 32000);
  assert.equal(shown.length, 32000);
  for (const sample of pick) assert.deepEqual(shown[sample - first], [sample - first, first - sample || 0]);
  // the stored pregap just before is silence
  const pregap = await samplesShown(toc, tmp.path, 450 * SAMPLES, 4);
  assert.deepEqual(pregap, [[0, 0], [0, 0], [0, 0], [0, 0]]);

  // control: without SWAP cdrdao takes the file as big-endian and the ramp turns into noise
  const noSwap = `${tmp.path}/noswap.toc`;
  await Deno.writeTextFile(noSwap, (await Deno.readTextFile(toc)).replace(" SWAP ", " "));
  const swapped = await samplesShown(noSwap, tmp.path, first, 3);
  assert.deepEqual(swapped, [[0, 0], [256, -1], [512, -257]]);
});
