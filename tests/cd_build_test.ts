/**
 * `disc cd` end to end: a mixed-mode BIN/CUE from an ISO (or a folder) and WAVs, read back by
 * cd-info, bchunk, cdrdao and cuetools, every data sector checked by an independent checker,
 * the CUE parsed back and its raw sectors re-emitted identical; `disc info/ls/extract/convert`
 * on the CUE; CD-Extra; bad input refused with nothing written.
 */
import assert from "node:assert/strict";
import { discTracks, TrackMode } from "../image/disc.ts";
import { loadCueDisc } from "../image/cue_reader.ts";
import { mode1RawRegions } from "../image/cd/raw_track.ts";
import { dataTrackUserData } from "../image/disc_convert.ts";
import { oracleCheckRawSector } from "./_cd_oracle.ts";
import { buildWithDiscwright, run, runDisc, tempDir, toolTest } from "./_tools.ts";

/** WAV files made by sox: a 5 s sine and a 4.5 s (padded to 4 s minimum anyway) pink noise. */
async function makeAudio(dir: string): Promise<{ a: string; b: string }> {
  const a = `${dir}/a.wav`, b = `${dir}/b.wav`;
  await run("sox", ["-n", "-r", "44100", "-c", "2", "-b", "16", a, "synth", "5", "sine", "440"]);
  await run("sox", [
    "-n",
    "-r",
    "44100",
    "-c",
    "2",
    "-b",
    "16",
    b,
    "synth",
    "4.5",
    "pinknoise",
    "vol",
    "0.3",
  ]);
  return { a, b };
}

/** The PCM of a WAV written by sox (a plain 44-byte header). */
async function pcmOf(path: string): Promise<Uint8Array> {
  const bytes = await Deno.readFile(path);
  assert.equal(new TextDecoder().decode(bytes.subarray(36, 40)), "data");
  return bytes.subarray(44);
}

/** Byte equality that names the first difference (assert.deepEqual would diff megabytes). */
function assertSameBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  assert.equal(actual.byteLength, expected.byteLength, `${what}: length`);
  const at = actual.findIndex((b, i) => b !== expected[i]);
  assert.equal(at, -1, `${what}: first difference at byte ${at}`);
}

function isZero(bytes: Uint8Array): boolean {
  return bytes.every((b) => b === 0);
}

async function makeIso(dir: string): Promise<string> {
  await Deno.mkdir(`${dir}/tree/docs`, { recursive: true });
  await Deno.writeTextFile(`${dir}/tree/docs/readme.txt`, "the data track\n");
  await Deno.writeFile(`${dir}/tree/blob.bin`, new Uint8Array(300_000).map((_, i) => (i * 31) & 0xff));
  const iso = `${dir}/data.iso`;
  const built = await buildWithDiscwright(["-quiet", "-R", "-J", "-V", "MIXED", "-o", iso, `${dir}/tree`]);
  assert.equal(built.code, 0, built.stderr);
  return iso;
}

const SPEC = (iso: string, a: string, b: string) =>
  JSON.stringify({
    title: "Album",
    performer: "Band",
    catalog: "0123456789012",
    tracks: [
      { data: iso },
      { audio: a, title: "Sine", performer: "Oscillator", isrc: "USABC9912345", flags: ["DCP"] },
      {
        audio: b,
        title: "Noise",
        songwriter: "Nobody",
        flags: ["PRE"],
        pregap: "00:01:00",
        index: ["00:02:00"],
      },
    ],
  });

toolTest(
  "disc cd: a mixed-mode BIN/CUE that cd-info, bchunk, cdrdao and cueconvert read as we wrote it",
  ["sox", "cd-info", "bchunk", "cdrdao", "cueconvert", "xorriso"],
  async () => {
    await using tmp = await tempDir("cd-build-");
    const iso = await makeIso(tmp.path);
    const { a, b } = await makeAudio(tmp.path);
    await Deno.writeTextFile(`${tmp.path}/disc.json`, SPEC(iso, a, b));
    const cue = `${tmp.path}/out/mixed.cue`;
    await Deno.mkdir(`${tmp.path}/out`);
    const built = await runDisc(["cd", "-o", cue, "--spec", `${tmp.path}/disc.json`, "--toc"]);
    assert.equal(built.code, 0, built.stderr);
    const entries = [...Deno.readDirSync(`${tmp.path}/out`)].map((e) => e.name).sort();
    assert.deepEqual(entries, ["mixed.bin", "mixed.cdt", "mixed.cue", "mixed.toc"]);

    // Our own reading of the CUE: the layout the planner promised.
    const parsed = loadCueDisc(cue);
    const [t1, t2, t3] = discTracks(parsed);
    const isoSectors = (await Deno.stat(iso)).size / 2048;
    assert.equal(t1.mode, TrackMode.mode1);
    assert.equal(t1.startLba, 0);
    assert.equal(t1.endLba, isoSectors + 150, "data + 2 s post-gap");
    assert.equal(t2.startLba, t1.endLba + 150, "2 s pause after the data track");
    assert.equal(t2.isrc, "USABC9912345");
    assert.equal(t3.startLba - t3.pregapLba, 75);
    assert.deepEqual(t3.extraIndexLbas, [t3.startLba + 150]);
    const leadOut = parsed.sessions[0].leadOutLba;

    // cd-info: tracks, LSNs, types, copy flag, lead-out, MCN, CD-TEXT.
    const info = await run("cd-info", ["--no-device-info", "--cue-file", cue]);
    const lsn = (n: number) => String(n).padStart(6, "0");
    assert.match(info.stdout, new RegExp(`^\\s+1: \\S+\\s+${lsn(0)} data`, "m"));
    assert.match(
      info.stdout,
      new RegExp(`^\\s+2: \\S+\\s+${lsn(t2.startLba)} audio\\s+false\\s+yes\\s+2\\s+no`, "m"),
    );
    assert.match(
      info.stdout,
      new RegExp(`^\\s+3: \\S+\\s+${lsn(t3.startLba)} audio\\s+false\\s+no\\s+2\\s+yes`, "m"),
    );
    assert.match(info.stdout, new RegExp(`^170: \\S+\\s+${lsn(leadOut)} leadout`, "m"));
    assert.match(info.stdout, /Media Catalog Number \(MCN\): 0123456789012/);
    assert.match(info.stdout, /CD-TEXT for Disc:\s+TITLE: Album\s+PERFORMER: Band/);
    assert.match(info.stdout, /CD-TEXT for Track\s+2:\s+TITLE: Sine\s+PERFORMER: Oscillator/);
    assert.match(info.stdout, /CD-TEXT for Track\s+3:\s+TITLE: Noise\s+SONGWRITER: Nobody/);

    // bchunk: the data track is the input ISO (then the zero post-gap), the audio bit-exact.
    const split = await run("bchunk", ["-w", `${tmp.path}/out/mixed.bin`, cue, `${tmp.path}/bchunk`]);
    assert.match(split.stdout, /Track {2}1: MODE1\/2352/);
    const isoBytes = await Deno.readFile(iso);
    const track1 = await Deno.readFile(`${tmp.path}/bchunk01.iso`);
    assertSameBytes(track1.subarray(0, isoBytes.byteLength), isoBytes, "bchunk's data track");
    assert.ok(isZero(track1.subarray(isoBytes.byteLength)), "post-gap user data is zero");
    // bchunk starts a track at its last INDEX line: track 3's INDEX 02 is 150 sectors in.
    for (const [n, wav, skipSectors] of [[2, a, 0], [3, b, 150]] as const) {
      const ours = await pcmOf(`${tmp.path}/bchunk0${n}.wav`);
      const input = (await pcmOf(wav)).subarray(skipSectors * 2352);
      assertSameBytes(ours.subarray(0, input.byteLength), input, `track ${n} audio`);
      assert.ok(isZero(ours.subarray(input.byteLength)), `track ${n} is padded with silence`);
    }

    // cdrdao accepts our TOC and reports the same starts; cueconvert parses our CUE.
    const toc = await run("cdrdao", ["show-toc", `${tmp.path}/out/mixed.toc`], { cwd: `${tmp.path}/out` });
    assert.match(toc.stdout + toc.stderr, /TRACK\s+1/);
    assert.match(toc.stdout + toc.stderr, /TRACK\s+3/);
    // cueconvert parses the CUE and writes it as a cdrdao TOC.
    const converted = await run("cueconvert", [cue]);
    assert.deepEqual(converted.stdout.match(/^TRACK \S+/gm), [
      "TRACK MODE1_RAW",
      "TRACK AUDIO",
      "TRACK AUDIO",
    ]);
    assert.match(converted.stdout, /ISRC "USABC9912345"/);
    assert.match(converted.stdout, /TITLE "Noise"/);

    // Every data sector (user data, post-gap) checked by an independent implementation.
    const bin = await Deno.readFile(`${tmp.path}/out/mixed.bin`);
    for (let lba = 0; lba < t1.endLba; lba++) {
      assert.deepEqual(oracleCheckRawSector(bin, lba * 2352, lba), [], `LBA ${lba}`);
    }

    // Round trip: CUE → Disc → user data → raw sectors again: identical to the BIN.
    const reEncoded = await mode1RawRegions(dataTrackUserData(t1), 0, "re-encoded").read(0, t1.endLba * 2352);
    assertSameBytes(reEncoded, bin.subarray(0, t1.endLba * 2352), "re-encoded data track");
  },
);

toolTest(
  "disc info/ls/extract/convert read a CUE image's data and audio tracks",
  ["sox", "xorriso"],
  async () => {
    await using tmp = await tempDir("cd-read-");
    const { a } = await makeAudio(tmp.path);
    await Deno.mkdir(`${tmp.path}/tree/docs`, { recursive: true });
    await Deno.writeTextFile(`${tmp.path}/tree/docs/readme.txt`, "built on the fly\n");
    const cue = `${tmp.path}/fly.cue`;
    const built = await runDisc([
      "cd",
      "-q",
      "-o",
      cue,
      "--data",
      `${tmp.path}/tree`,
      "--audio",
      a,
      "--title",
      "Fly",
    ]);
    assert.equal(built.code, 0, built.stderr);

    const info = await runDisc(["info", cue]);
    assert.equal(info.code, 0, info.stderr);
    assert.match(info.stdout, /^\s+1 data \(Mode 1\)\s+0\s+00:02:00/m);
    assert.match(info.stdout, /^\s+2 audio/m);
    assert.match(info.stdout, /CD-TEXT: TITLE "Fly"/);
    assert.match(info.stdout, /Volume id:\s+Fly/);
    const json = JSON.parse((await runDisc(["info", cue, "--json"])).stdout);
    assert.equal(json.disc.trackCount, 2);
    assert.equal(json.iso.volumeIdentifier, "Fly");

    const ls = await runDisc(["ls", cue, "docs"]);
    assert.equal(ls.code, 0, ls.stderr);
    assert.equal(ls.stdout.trim(), "readme.txt");
    const extract = await runDisc(["extract", cue, `${tmp.path}/x`]);
    assert.equal(extract.code, 0, extract.stderr);
    assert.equal(await Deno.readTextFile(`${tmp.path}/x/docs/readme.txt`), "built on the fly\n");

    const convert = await runDisc(["convert", cue, "-o", `${tmp.path}/data.iso`, "--wav", `${tmp.path}/wav`]);
    assert.equal(convert.code, 0, convert.stderr);
    const osirrox = await run("xorriso", [
      "-osirrox",
      "on",
      "-indev",
      `${tmp.path}/data.iso`,
      "-extract",
      "/",
      `${tmp.path}/o`,
    ]);
    assert.equal(osirrox.code, 0);
    assert.equal(await Deno.readTextFile(`${tmp.path}/o/docs/readme.txt`), "built on the fly\n");
    const pcm = await pcmOf(`${tmp.path}/wav/track02.wav`);
    const input = await pcmOf(a);
    assertSameBytes(pcm.subarray(0, input.byteLength), input, "converted WAV");

    // An audio-only disc has nothing to convert to ISO.
    const audioOnly = `${tmp.path}/audio.cue`;
    assert.equal((await runDisc(["cd", "-q", "-o", audioOnly, "--audio", a])).code, 0);
    const refused = await runDisc(["convert", audioOnly, "-o", `${tmp.path}/none.iso`]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /has no data track/);
  },
);

toolTest("disc cd --cd-extra: audio in session 1, the file system in session 2 at its absolute LBAs", [
  "sox",
  "isoinfo",
], async () => {
  await using tmp = await tempDir("cd-extra-");
  const { a, b } = await makeAudio(tmp.path);
  await Deno.mkdir(`${tmp.path}/tree`);
  await Deno.writeTextFile(`${tmp.path}/tree/extra.txt`, "enhanced\n");
  const cue = `${tmp.path}/extra.cue`;
  const built = await runDisc([
    "cd",
    "-q",
    "-o",
    cue,
    "--cd-extra",
    "--data",
    `${tmp.path}/tree`,
    "--audio",
    a,
    "--audio",
    b,
  ]);
  assert.equal(built.code, 0, built.stderr);
  const text = await Deno.readTextFile(cue);
  assert.match(text, /REM SESSION 02/);
  assert.match(text, /TRACK 03 MODE2\/2352/);

  const parsed = loadCueDisc(cue);
  assert.equal(parsed.sessions.length, 2);
  const data = parsed.sessions[1].tracks[0];
  assert.equal(data.startLba, parsed.sessions[0].leadOutLba + 11_400);
  const ls = await runDisc(["ls", cue]);
  assert.equal(ls.code, 0, ls.stderr);
  assert.equal(ls.stdout.trim(), "extra.txt");

  const convert = await runDisc(["convert", cue, "-o", `${tmp.path}/s2.iso`]);
  assert.equal(convert.code, 0, convert.stderr);
  assert.match(convert.stderr, new RegExp(`isoinfo -N ${data.startLba}`));
  const isoinfo = await run("isoinfo", [
    "-R",
    "-N",
    String(data.startLba),
    "-i",
    `${tmp.path}/s2.iso`,
    "-x",
    "/extra.txt",
  ]);
  assert.equal(isoinfo.stdout, "enhanced\n");
});

toolTest(
  "disc cd refuses bad audio and impossible discs with one line, exit 1, nothing written",
  ["sox"],
  async () => {
    await using tmp = await tempDir("cd-bad-");
    const p = tmp.path;
    await run("sox", [
      "-n",
      "-r",
      "48000",
      "-c",
      "2",
      "-b",
      "16",
      `${p}/48k.wav`,
      "synth",
      "5",
      "sine",
      "440",
    ]);
    await run("sox", [
      "-n",
      "-r",
      "44100",
      "-c",
      "1",
      "-b",
      "16",
      `${p}/mono.wav`,
      "synth",
      "5",
      "sine",
      "440",
    ]);
    await run("sox", [
      "-n",
      "-r",
      "44100",
      "-c",
      "2",
      "-b",
      "16",
      `${p}/ok.wav`,
      "synth",
      "5",
      "sine",
      "440",
    ]);
    const ok = await Deno.readFile(`${p}/ok.wav`);
    await Deno.writeFile(`${p}/truncated.wav`, ok.subarray(0, 100_000));
    await Deno.writeFile(`${p}/song.flac`, new TextEncoder().encode("fLaC...."));
    await Deno.writeFile(`${p}/long.raw`, new Uint8Array(0));
    await Deno.truncate(`${p}/long.raw`, 81 * 60 * 75 * 2352);
    const cases: [string[], RegExp][] = [
      [["--audio", `${p}/48k.wav`], /48k\.wav.*48000 Hz.*sox/],
      [["--audio", `${p}/mono.wav`], /mono\.wav.*mono/],
      [["--audio", `${p}/truncated.wav`], /truncated\.wav/],
      [["--audio", `${p}/song.flac`], /song\.flac.*convert it first/],
      [["--audio", `${p}/long.raw`], /longer than an 80-minute CD \(use --overburn/],
      [
        Array.from({ length: 100 }, () => ["--audio", `${p}/ok.wav`]).flat(),
        /100 tracks, a CD holds at most 99/,
      ],
    ];
    for (const [args, pattern] of cases) {
      const result = await runDisc(["cd", "-q", "-o", `${p}/out/x.cue`, ...args]);
      assert.equal(result.code, 1, `${args[1]}: ${result.stderr}`);
      assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
      assert.match(result.stderr, pattern);
    }
    const missing = await runDisc(["cd", "-q", "-o", `${p}/x.cue`, "--audio", `${p}/nope.wav`]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.wav" is not a file/);
    assert.deepEqual([...Deno.readDirSync(p)].map((e) => e.name).filter((n) => /^x\.|\.part-/.test(n)), []);
    await Deno.mkdir(`${p}/out`, { recursive: true });
    assert.deepEqual([...Deno.readDirSync(`${p}/out`)], [], "nothing written");
    // Over 80 minutes is fine with --overburn.
    const over = await runDisc([
      "cd",
      "-q",
      "-o",
      `${p}/out/x.cue`,
      "--overburn",
      "--audio",
      `${p}/long.raw`,
    ]);
    assert.equal(over.code, 0, over.stderr);
  },
);

toolTest("disc cd is reproducible with SOURCE_DATE_EPOCH (a folder data track)", ["sox"], async () => {
  await using tmp = await tempDir("cd-repro-");
  const { a } = await makeAudio(tmp.path);
  await Deno.mkdir(`${tmp.path}/tree`);
  await Deno.writeTextFile(`${tmp.path}/tree/f.txt`, "same\n");
  const env = { SOURCE_DATE_EPOCH: "1700000000" };
  for (const n of [1, 2]) {
    const r = await runDisc([
      "cd",
      "-q",
      "-o",
      `${tmp.path}/r${n}.cue`,
      "--data",
      `${tmp.path}/tree`,
      "--audio",
      a,
    ], env);
    assert.equal(r.code, 0, r.stderr);
  }
  assertSameBytes(
    await Deno.readFile(`${tmp.path}/r1.bin`),
    await Deno.readFile(`${tmp.path}/r2.bin`),
    "second build",
  );
});

toolTest("disc cd --cooked: the data track stays a 2048-byte ISO file, the CUE names both files", [
  "sox",
  "xorriso",
], async () => {
  await using tmp = await tempDir("cd-cooked-");
  const iso = await makeIso(tmp.path);
  const { a } = await makeAudio(tmp.path);
  const raw = await runDisc(["cd", "-q", "-o", `${tmp.path}/raw.cue`, "--data", iso, "--audio", a]);
  const cooked = await runDisc([
    "cd",
    "-q",
    "-o",
    `${tmp.path}/ck.cue`,
    "--data",
    iso,
    "--audio",
    a,
    "--cooked",
  ]);
  assert.equal(raw.code, 0, raw.stderr);
  assert.equal(cooked.code, 0, cooked.stderr);
  assertSameBytes(
    await Deno.readFile(`${tmp.path}/ck.iso`),
    await Deno.readFile(iso),
    "the cooked data file",
  );
  const text = await Deno.readTextFile(`${tmp.path}/ck.cue`);
  assert.match(
    text,
    /FILE "ck\.iso" BINARY\r\n {2}TRACK 01 MODE1\/2048\r\n {4}INDEX 01 00:00:00\r\n {4}POSTGAP 00:02:00/,
  );
  assert.match(
    text,
    /FILE "ck\.bin" BINARY\r\n {2}TRACK 02 AUDIO\r\n {4}INDEX 00 00:00:00\r\n {4}INDEX 01 00:02:00/,
  );
  // The same disc as the raw build (libcdio and bchunk read single-FILE sheets only, so our reader checks it).
  const starts = (cue: string) =>
    discTracks(loadCueDisc(cue)).map((t) => [t.pregapLba, t.startLba, t.endLba]);
  assert.deepEqual(starts(`${tmp.path}/ck.cue`), starts(`${tmp.path}/raw.cue`));
  const ls = await runDisc(["ls", `${tmp.path}/ck.cue`, "docs"]);
  assert.equal(ls.stdout.trim(), "readme.txt");
  assert.equal(
    (await runDisc(["cd", "-q", "-o", `${tmp.path}/t.cue`, "--data", iso, "--cooked", "--toc"])).code,
    2,
  );
});

Deno.test("reading a CUE that names a missing file or has a bad line: exit 1, one line naming the file or the line", async () => {
  await using tmp = await tempDir("cd-badcue-");
  await Deno.writeTextFile(
    `${tmp.path}/missing.cue`,
    'FILE "gone.bin" BINARY\n  TRACK 01 MODE1/2352\n    INDEX 01 00:00:00\n',
  );
  const missing = await runDisc(["info", `${tmp.path}/missing.cue`]);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr.trim().split("\n").length, 1, missing.stderr);
  assert.match(missing.stderr, /Cannot open "gone\.bin" named by .*missing\.cue line 1: no such file/);

  await Deno.writeFile(`${tmp.path}/d.bin`, new Uint8Array(2352 * 300));
  await Deno.writeTextFile(
    `${tmp.path}/bad.cue`,
    'FILE "d.bin" BINARY\n  TRACK 01 MODE1/2352\n    INDEX 01 00:00:99\n',
  );
  const bad = await runDisc(["ls", `${tmp.path}/bad.cue`]);
  assert.equal(bad.code, 1);
  assert.equal(bad.stderr.trim().split("\n").length, 1, bad.stderr);
  assert.match(bad.stderr, /bad\.cue" line 3: INDEX time "00:00:99"/);

  // A data track whose sectors are damaged: verify names the LBA.
  await Deno.writeTextFile(
    `${tmp.path}/zero.cue`,
    'FILE "d.bin" BINARY\n  TRACK 01 MODE1/2352\n    INDEX 01 00:00:00\n',
  );
  const verify = await runDisc(["verify", `${tmp.path}/zero.cue`]);
  assert.equal(verify.code, 1);
  assert.match(verify.stdout, /^error: LBA 0: track 1: no sync pattern/m);
});
