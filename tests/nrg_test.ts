/**
 * NRG (Nero) images: our writer (`disc convert X -o Y.nrg`) and reader (`openImage` sniffs the
 * footer), against the tools here that read NRG: `iat` (byte-exact ISO), `nrg2iso` (the ISO is
 * the prefix of what it writes), `cd-info` (track list and lead-out). Round trips of a mixed-mode
 * disc keep every raw sector; damaged images fail with one FormatError naming the chunk.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { discTracks, FormatError, loadCueDisc, loadNrgDisc, openImage, readRawSectors } from "../mod.ts";

import { makeDataIso, makeMixedCue } from "./_disc_fixtures.ts";
import { REPO_ROOT, run, runDisc, sameBytes, tempDir, toolTest } from "./_tools.ts";

/** cd-info's track list: [number, LSN] pairs, lead-out as 170. */
function cdInfoTracks(stdout: string): number[][] {
  return [...stdout.matchAll(/^\s*(\d+): \d\d:\d\d:\d\d\s+(\d+)/gm)].map((m) => [Number(m[1]), Number(m[2])]);
}

toolTest(
  "ISO → NRG: iat gives the ISO back byte for byte, nrg2iso's output starts with it, cd-info lists the data track and lead-out; our reader serves the same ISO",
  ["iat", "nrg2iso", "cd-info"],
  async () => {
    await using tmp = await tempDir("nrg-iso-");
    const iso = await makeDataIso(tmp.path);
    const nrg = `${tmp.path}/data.nrg`;
    const converted = await runDisc(["convert", iso, "-o", nrg]);
    assert.equal(converted.code, 0, converted.stderr);
    const isoBytes = await Deno.readFile(iso);
    await run("iat", [nrg, `${tmp.path}/iat.iso`]);
    assert.ok(sameBytes(await Deno.readFile(`${tmp.path}/iat.iso`), isoBytes), "iat: the same ISO");
    await run("nrg2iso", [nrg, `${tmp.path}/n2i.iso`], { allowFail: true });
    const n2i = await Deno.readFile(`${tmp.path}/n2i.iso`);
    assert.ok(sameBytes(n2i.subarray(0, isoBytes.byteLength), isoBytes), "nrg2iso: the ISO comes first");
    const info = await run("cd-info", ["--no-device-info", "-q", "--nrg-file", nrg], { allowFail: true });
    assert.deepEqual(cdInfoTracks(info.stdout), [[1, 0], [170, isoBytes.byteLength / 2048]], info.stdout);
    assert.match(info.stdout, /1: 00:02:00\s+000000 data/);
    // Ours: sniffed by its footer, the data track is the ISO.
    const back = `${tmp.path}/back.iso`;
    assert.equal((await runDisc(["convert", nrg, "-o", back])).code, 0);
    assert.ok(sameBytes(await Deno.readFile(back), isoBytes));
    const listed = await runDisc(["ls", nrg]);
    assert.match(listed.stdout, /hello\.txt/);
  },
);

toolTest(
  "mixed-mode CUE → NRG → our reader: the same tracks and every raw sector; cd-info agrees on the track LBAs; NRG → ISO equals the CUE's data track",
  ["cd-info"],
  async () => {
    await using tmp = await tempDir("nrg-mixed-");
    const cue = await makeMixedCue(tmp.path);
    const nrg = `${tmp.path}/mixed.nrg`;
    assert.equal((await runDisc(["convert", cue, "-o", nrg])).code, 0);
    const a = loadCueDisc(cue);
    const b = loadNrgDisc(nrg);
    const ta = discTracks(a), tb = discTracks(b);
    assert.deepEqual(
      tb.map((t) => [t.number, t.mode, t.startLba, t.endLba]),
      ta.map((t) => [t.number, t.mode, t.startLba, t.endLba]),
    );
    assert.equal(b.sessions[0].leadOutLba, a.sessions[0].leadOutLba);
    for (const t of ta) {
      const from = Math.max(t.pregapLba, -150);
      const [x, y] = await Promise.all([
        readRawSectors(a, from, t.endLba - from),
        readRawSectors(b, from, t.endLba - from),
      ]);
      assert.ok(sameBytes(x.main, y.main), `track ${t.number}: raw sectors differ`);
    }
    const info = await run("cd-info", ["--no-device-info", "-q", "--nrg-file", nrg], { allowFail: true });
    assert.deepEqual(cdInfoTracks(info.stdout), [...ta.map((t) => [t.number, t.startLba]), [
      170,
      a.sessions[0].leadOutLba,
    ]], info.stdout);
    assert.equal((await runDisc(["convert", cue, "-o", `${tmp.path}/from-cue.iso`])).code, 0);
    assert.equal((await runDisc(["convert", nrg, "-o", `${tmp.path}/from-nrg.iso`])).code, 0);
    assert.ok(
      sameBytes(
        await Deno.readFile(`${tmp.path}/from-cue.iso`),
        await Deno.readFile(`${tmp.path}/from-nrg.iso`),
      ),
    );
    const shown = await runDisc(["info", nrg]);
    assert.match(shown.stdout, /2 track\(s\)/);
  },
);

Deno.test("NRG reader: damaged images fail with a FormatError naming the chunk, never another error or a hang", async () => {
  await using tmp = await tempDir("nrg-fuzz-");
  const iso = await makeDataIso(tmp.path);
  const nrg = `${tmp.path}/good.nrg`;
  assert.equal((await runDisc(["convert", iso, "-o", nrg])).code, 0);
  const good = await Deno.readFile(nrg);
  const view = new DataView(good.buffer);
  const chainOffset = Number(view.getBigUint64(good.byteLength - 8));
  const bad = `${tmp.path}/bad.nrg`;
  // Truncated: the footer is gone.
  await Deno.writeFile(bad, good.subarray(0, good.byteLength - 5));
  assert.throws(() => loadNrgDisc(bad), FormatError);
  await fc.assert(
    fc.asyncProperty(
      fc.array(
        fc.tuple(
          fc.integer({ min: chainOffset, max: good.byteLength - 1 }),
          fc.integer({ min: 0, max: 255 }),
        ),
        {
          minLength: 1,
          maxLength: 6,
        },
      ),
      async (edits) => {
        const bytes = good.slice();
        for (const [at, value] of edits) bytes[at] = value;
        await Deno.writeFile(bad, bytes);
        try {
          const loaded = loadNrgDisc(bad);
          assert.ok(loaded.sessions.length >= 1);
        } catch (error) {
          assert.ok(error instanceof FormatError, `${error}`);
        }
      },
    ),
    { numRuns: 300 },
  );
  // And openImage on a damaged chain names the file.
  const bytes = good.slice();
  bytes.fill(0x41, chainOffset, chainOffset + 8);
  await Deno.writeFile(bad, bytes);
  await assert.rejects(async () => (await openImage(bad)).close(), /bad\.nrg/);
});

/** An NRG chunk: 4-character id, u32 big-endian length, payload. */
function chunkOf(id: string, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + payload.byteLength);
  out.set(new TextEncoder().encode(id));
  new DataView(out.buffer).setUint32(4, payload.byteLength);
  out.set(payload, 8);
  return out;
}

Deno.test("NRG reader: a track-at-once image (ETN2, no stored pregap) built by hand reads as one Mode 1 track", async () => {
  await using tmp = await tempDir("nrg-tao-");
  const iso = await Deno.readFile(await makeDataIso(tmp.path));
  const etn = new Uint8Array(32);
  const etnView = new DataView(etn.buffer);
  etnView.setBigUint64(0, 0n); // track data at file offset 0
  etnView.setBigUint64(8, BigInt(iso.byteLength)); // its length
  etn[19] = 0x00; // mode code: Mode 1, 2048-byte sectors
  etnView.setUint32(28, iso.byteLength / 2048); // sectors
  const chain = [
    chunkOf("ETN2", etn),
    chunkOf("SINF", Uint8Array.of(0, 0, 0, 1)),
    chunkOf("END!", new Uint8Array(0)),
  ];
  const footer = new Uint8Array(12);
  footer.set(new TextEncoder().encode("NER5"));
  new DataView(footer.buffer).setBigUint64(4, BigInt(iso.byteLength));
  const nrg = `${tmp.path}/tao.nrg`;
  await Deno.writeFile(nrg, new Uint8Array([...iso, ...chain.flatMap((c) => [...c]), ...footer]));
  const loaded = loadNrgDisc(nrg);
  const [track] = discTracks(loaded);
  assert.deepEqual([track.mode, track.startLba, track.endLba], ["mode1", 0, iso.byteLength / 2048]);
  assert.equal((await runDisc(["convert", nrg, "-o", `${tmp.path}/tao.iso`])).code, 0);
  assert.ok(sameBytes(await Deno.readFile(`${tmp.path}/tao.iso`), iso));
});

toolTest(
  "anything → BIN/CUE: CUE → NRG → CUE gives the very same BIN; ISO → BIN/CUE reads back through bchunk and cd-info",
  ["bchunk", "cd-info"],
  async () => {
    await using tmp = await tempDir("bincue-");
    const cue = await makeMixedCue(tmp.path);
    const nrg = `${tmp.path}/mixed.nrg`;
    assert.equal((await runDisc(["convert", cue, "-o", nrg])).code, 0);
    const back = await runDisc(["convert", nrg, "-o", `${tmp.path}/back.cue`]);
    assert.equal(back.code, 0, back.stderr);
    assert.ok(
      sameBytes(await Deno.readFile(`${tmp.path}/back.bin`), await Deno.readFile(`${tmp.path}/mixed.bin`)),
    );
    const a = discTracks(loadCueDisc(cue)), b = discTracks(loadCueDisc(`${tmp.path}/back.cue`));
    assert.deepEqual(
      b.map((t) => [t.number, t.mode, t.pregapLba, t.startLba, t.endLba]),
      a.map((t) => [t.number, t.mode, t.pregapLba, t.startLba, t.endLba]),
    );
    const iso = await makeDataIso(tmp.path);
    assert.equal((await runDisc(["convert", iso, "-o", `${tmp.path}/iso.cue`])).code, 0);
    await run("bchunk", [`${tmp.path}/iso.bin`, `${tmp.path}/iso.cue`, `${tmp.path}/bchunk`]);
    assert.ok(sameBytes(await Deno.readFile(`${tmp.path}/bchunk01.iso`), await Deno.readFile(iso)));
    const info = await run("cd-info", ["--no-device-info", "-q", "--cue-file", `${tmp.path}/iso.cue`], {
      allowFail: true,
    });
    assert.match(info.stdout, /1: 00:02:00\s+000000 data/);
  },
);

toolTest(
  "disc serve takes NRG, CloneCD and Alcohol images: over NBD each serves its data track byte for byte; over iSCSI the MMC drive reports its TOC",
  ["qemu-img", "iscsi-readcapacity16"],
  async () => {
    await using tmp = await tempDir("serve-formats-");
    const cue = await makeMixedCue(tmp.path);
    const images = [`${tmp.path}/m.nrg`, `${tmp.path}/m.ccd`, `${tmp.path}/m.mds`];
    for (const image of images) assert.equal((await runDisc(["convert", cue, "-o", image])).code, 0);
    assert.equal((await runDisc(["convert", cue, "-o", `${tmp.path}/data-track.iso`])).code, 0);
    const want = await Deno.readFile(`${tmp.path}/data-track.iso`);
    const server = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        `${REPO_ROOT}/cli/disc.ts`,
        "serve",
        ...images,
        "--nbd",
        "127.0.0.1:0",
        "--iscsi",
        "127.0.0.1:0",
      ],
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    try {
      const reader = server.stdout.pipeThrough(new TextDecoderStream()).getReader();
      let out = "";
      while ((out.match(/:\/\//g) ?? []).length < 6) {
        const { value, done } = await reader.read();
        assert.ok(!done, out);
        out += value;
      }
      reader.releaseLock();
      const urls = out.trim().split("\n");
      for (const url of urls.filter((u) => u.startsWith("nbd://"))) {
        const copy = `${tmp.path}/copy.raw`;
        await run("qemu-img", ["convert", "-f", "raw", "-O", "raw", url, copy]);
        const got = await Deno.readFile(copy);
        // The export is the data track's blocks from LBA 0; the ISO is its first part.
        assert.ok(sameBytes(got.subarray(0, want.byteLength), want), `${url}: data track`);
      }
      for (const url of urls.filter((u) => u.startsWith("iscsi://"))) {
        const capacity = await run("iscsi-readcapacity16", [url]);
        assert.match(capacity.stdout, /LOGICAL BLOCK LENGTH IN BYTES:2048/, url);
        const lastLba = loadCueDisc(cue).sessions[0].leadOutLba - 1;
        assert.match(
          capacity.stdout,
          new RegExp(`RETURNED LOGICAL BLOCK ADDRESS:${lastLba}\\b`),
          `${url}: the lead-out - 1`,
        );
      }
    } finally {
      await server.stdin.close().catch(() => {});
      server.kill("SIGTERM");
      await server.status;
    }
  },
);

Deno.test("NRG reader: a v1 image (NERO footer, CUES with MSF, DAOI with 32-bit offsets) built by hand", async () => {
  await using tmp = await tempDir("nrg-v1-");
  const iso = await Deno.readFile(await makeDataIso(tmp.path));
  const sectors = iso.byteLength / 2048;
  const pregap = new Uint8Array(150 * 2048);
  // CUES: lead-in, track 1 index 0 and 1, lead-out; addresses as absolute M S F (binary).
  const msf = (
    lba: number,
  ) => [Math.floor((lba + 150) / 4500), Math.floor((lba + 150) / 75) % 60, (lba + 150) % 75];
  const cues = Uint8Array.from([
    ...[0x41, 0x00, 0x00, 0, 0, ...msf(-150)],
    ...[0x41, 0x01, 0x00, 0, 0, ...msf(-150)],
    ...[0x41, 0x01, 0x01, 0, 0, ...msf(0)],
    ...[0x41, 0xaa, 0x01, 0, 0, ...msf(sectors)],
  ]);
  const daoi = new Uint8Array(22 + 30);
  const view = new DataView(daoi.buffer);
  daoi[20] = 1; // first track
  daoi[21] = 1; // last track
  view.setUint16(22 + 12, 2048); // sector size
  daoi[22 + 14] = 0x00; // mode code: Mode 1, 2048
  view.setUint32(22 + 18, 0); // index 0 offset
  view.setUint32(22 + 22, pregap.byteLength); // index 1 offset
  view.setUint32(22 + 26, pregap.byteLength + iso.byteLength); // end offset
  const chain = [chunkOf("CUES", cues), chunkOf("DAOI", daoi), chunkOf("END!", new Uint8Array(0))];
  const footer = new Uint8Array(8);
  footer.set(new TextEncoder().encode("NERO"));
  new DataView(footer.buffer).setUint32(4, pregap.byteLength + iso.byteLength);
  const nrg = `${tmp.path}/v1.nrg`;
  await Deno.writeFile(nrg, new Uint8Array([...pregap, ...iso, ...chain.flatMap((c) => [...c]), ...footer]));
  const [track] = discTracks(loadNrgDisc(nrg));
  assert.deepEqual([track.mode, track.pregapLba, track.startLba, track.endLba], ["mode1", -150, 0, sectors]);
  assert.equal((await runDisc(["convert", nrg, "-o", `${tmp.path}/v1.iso`])).code, 0);
  assert.ok(sameBytes(await Deno.readFile(`${tmp.path}/v1.iso`), iso));
});

Deno.test("NRG with two sessions (a CD-Extra): written and read back with the same sessions, tracks and sectors", async () => {
  await using tmp = await tempDir("nrg-extra-");
  const cue = await makeMixedCue(tmp.path, ["--cd-extra"]);
  const nrg = `${tmp.path}/extra.nrg`;
  assert.equal((await runDisc(["convert", cue, "-o", nrg])).code, 0);
  const a = loadCueDisc(cue), b = loadNrgDisc(nrg);
  const shape = (d: typeof a) =>
    d.sessions.map((
      s,
    ) => [s.number, s.leadOutLba, s.tracks.map((t) => [t.number, t.mode, t.startLba, t.endLba])]);
  assert.deepEqual(shape(b), shape(a));
  for (const t of discTracks(a)) {
    const [x, y] = await Promise.all([
      readRawSectors(a, t.startLba, t.endLba - t.startLba),
      readRawSectors(b, t.startLba, t.endLba - t.startLba),
    ]);
    assert.ok(sameBytes(x.main, y.main), `track ${t.number}`);
  }
  assert.match((await runDisc(["ls", nrg])).stdout, /hello\.txt/);
});
