import assert from "node:assert/strict";
import { discTracks } from "../../image/disc.ts";
import { RegionList } from "../../image/regions.ts";
import { checkRawSector } from "../../image/cd/sector.ts";
import { type AudioInput, MAX_CD_SECTORS, planCd } from "./plan.ts";
import type { CdRequest, CdTrackRequest } from "./request.ts";

const NO_FLAGS = { preEmphasis: false, copyPermitted: false, fourChannel: false };

function request(tracks: CdTrackRequest[], extra: Partial<CdRequest> = {}): CdRequest {
  return {
    cuePath: "out.cue",
    layout: "mixed",
    tracks,
    cooked: false,
    toc: false,
    overburn: false,
    ...extra,
  };
}
const data = (mode: "mode1" | "mode2" = "mode1"): CdTrackRequest => ({
  kind: "data",
  source: { kind: "dir", path: "tree" },
  mode,
  flags: NO_FLAGS,
});
const audio = (
  path: string,
  more: Partial<Extract<CdTrackRequest, { kind: "audio" }>> = {},
): CdTrackRequest => ({
  kind: "audio",
  path,
  flags: NO_FLAGS,
  indexOffsetsSectors: [],
  ...more,
});
function audioInput(path: string, sectors: number, extraBytes = 0): AudioInput {
  const pcm = sectors * 2352 + extraBytes;
  return { path, fileByteLength: pcm + 44, pcmByteOffset: 44, pcmByteLength: pcm };
}
const userData = (sectors: number) => () =>
  new RegionList([{ kind: "zero", label: "iso", byteLength: sectors * 2048 }]);

Deno.test("mixed mode: data 175 sectors + 150 post-gap, audio pregap 150 → track 2 at 475, lead-out 875 (cdrdao's figures)", async () => {
  const plan = planCd(request([data(), audio("a.wav")]), {
    audio: new Map([["a.wav", audioInput("a.wav", 400)]]),
    dataTrack: userData(175),
  });
  const [t1, t2] = discTracks(plan.disc);
  assert.deepEqual([t1.pregapLba, t1.startLba, t1.endLba, t1.postgapSectorCount], [-150, 0, 325, 150]);
  assert.deepEqual([t2.pregapLba, t2.startLba, t2.endLba], [325, 475, 875]);
  assert.equal(plan.disc.sessions[0].leadOutLba, 875);
  assert.equal(plan.bin.byteLength, 875 * 2352);
  assert.equal(t1.storage?.sectorCount, 325);
  assert.equal(t2.storage?.firstLba, 325);
  // Every data sector (user data and post-gap) is a sound Mode 1 sector at its own LBA.
  const bin = await plan.bin.read(0, 325 * 2352);
  for (let lba = 0; lba < 325; lba++) {
    assert.deepEqual(checkRawSector(bin, lba * 2352, lba), [], `LBA ${lba}`);
  }
});

Deno.test("short tracks are padded to 4 s with a note; audio is padded to a whole sector", () => {
  const plan = planCd(request([data(), audio("a.wav"), audio("b.wav", { pregapSectors: 75 })]), {
    audio: new Map([["a.wav", audioInput("a.wav", 10, 100)], ["b.wav", audioInput("b.wav", 500)]]),
    dataTrack: userData(20),
  });
  const [t1, t2, t3] = discTracks(plan.disc);
  assert.equal(t1.endLba - t1.startLba, 300, "data + post-gap make 4 s");
  assert.equal(t2.endLba - t2.startLba, 300);
  assert.equal(t3.startLba - t3.pregapLba, 75);
  assert.equal(plan.notes.length, 2);
  assert.match(plan.notes[1], /"a\.wav" lasts 11 sectors; padded with silence/);
});

Deno.test("CD-Extra: audio in session 1, the data track opens session 2 at lead-out + 11400", () => {
  let dataStart = -1;
  const plan = planCd(request([audio("a.wav"), audio("b.wav"), data("mode2")], { layout: "cd-extra" }), {
    audio: new Map([["a.wav", audioInput("a.wav", 400)], ["b.wav", audioInput("b.wav", 300)]]),
    dataTrack: (lba) => {
      dataStart = lba;
      return userData(400)();
    },
  });
  assert.equal(plan.disc.sessions.length, 2);
  assert.equal(plan.disc.sessions[0].leadOutLba, 700);
  assert.equal(plan.disc.sessions[1].type, 0x20);
  const t3 = plan.disc.sessions[1].tracks[0];
  assert.deepEqual([t3.number, t3.session, t3.startLba, t3.pregapLba, t3.mode], [
    3,
    2,
    12_100,
    11_950,
    "mode2-xa",
  ]);
  assert.equal(dataStart, 12_100, "the ISO is planned at its session's start");
  assert.equal(plan.bin.byteLength, (700 + 400) * 2352, "the gap between sessions is not stored");
});

Deno.test("refusals: over 80 minutes without --overburn, audio right after data without a pause, index past the end", () => {
  const long = audioInput("long.wav", MAX_CD_SECTORS);
  assert.throws(
    () => planCd(request([audio("long.wav")]), { audio: new Map([["long.wav", long]]) }),
    /longer than an 80-minute CD \(use --overburn/,
  );
  const ok = planCd(request([audio("long.wav")], { overburn: true }), {
    audio: new Map([["long.wav", long]]),
  });
  assert.equal(ok.disc.sessions[0].leadOutLba, MAX_CD_SECTORS);
  assert.throws(
    () =>
      planCd(request([data(), audio("a.wav", { pregapSectors: 0 })]), {
        audio: new Map([["a.wav", audioInput("a.wav", 400)]]),
        dataTrack: userData(400),
      }),
    /needs a pause of at least 2 s/,
  );
  assert.throws(
    () =>
      planCd(request([audio("a.wav", { indexOffsetsSectors: [400] })]), {
        audio: new Map([["a.wav", audioInput("a.wav", 400)]]),
      }),
    /index point at 400 sectors is past its end/,
  );
});
