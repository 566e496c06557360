import assert from "node:assert/strict";
import fc from "fast-check";
import { cdrdaoBinByteLength, encodeCdrdaoToc } from "./cdrdao_toc.ts";
import { type Disc, type DiscTrack, NO_TRACK_FLAGS, SessionType, type TrackMode } from "./disc.ts";

/** A track of a one-BIN disc (no storage: the TOC does not look at it). */
function tocTrack(
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

/** The mixed-mode layout of the interop test: 300 + 150 post-gap Mode 1, 150 stored pregap + 300 audio. */
const MIXED: Disc = {
  catalog: "0123456789012",
  cdText: { title: "Mixed", performer: "Us", genre: "Jazz" },
  sessions: [{
    number: 1,
    type: SessionType.cdDaOrCdRom,
    leadOutLba: 900,
    tracks: [
      tocTrack(1, "mode1", -150, 0, 450, { postgapSectorCount: 150, cdText: { title: "Data" } }),
      tocTrack(2, "audio", 450, 600, 900, {
        isrc: "USABC9912345",
        flags: { preEmphasis: true, copyPermitted: true, fourChannel: false },
        extraIndexLbas: [675],
        cdText: { title: "Song é", performer: 'A "B"' },
      }),
    ],
  }],
};

Deno.test("encodeCdrdaoToc: mixed-mode vector, line by line", () => {
  assert.equal(
    encodeCdrdaoToc(MIXED, "mixed.bin"),
    [
      '// cdrdao TOC written by discwright: 2 track(s) in "mixed.bin",',
      "// 2352 bytes per sector from track 1 index 01 to the lead-out (LBA 900)",
      'CATALOG "0123456789012"',
      "CD_ROM", // Mode 1 + audio
      "",
      "CD_TEXT {",
      "  LANGUAGE_MAP {",
      "    0 : EN",
      "  }",
      "  LANGUAGE 0 {",
      '    TITLE "Mixed"',
      '    PERFORMER "Us"',
      "    GENRE { 0, 14, 74, 97, 122, 122, 0 }", // code 14 (Jazz), "Jazz\0"
      "  }",
      "}",
      "",
      "// track 1: LBA 0..449, post-gap 150 sectors",
      "TRACK MODE1_RAW",
      "CD_TEXT {",
      "  LANGUAGE 0 {",
      '    TITLE "Data"',
      '    PERFORMER ""', // cdrdao: an item used anywhere is given everywhere
      "  }",
      "}",
      'DATAFILE "mixed.bin" #0 00:06:00', // 450 sectors, post-gap included
      "",
      "// track 2: LBA 600..899, pregap from 450",
      "TRACK AUDIO",
      "COPY",
      "PRE_EMPHASIS",
      'ISRC "USABC9912345"',
      "CD_TEXT {",
      "  LANGUAGE 0 {",
      '    TITLE "Song \\351"', // é as an octal escape
      '    PERFORMER "A \\"B\\""',
      "  }",
      "}",
      'FILE "mixed.bin" SWAP #1058400 0 00:06:00', // byte 450 × 2352, 450 sectors, little-endian samples
      "START 00:02:00", // 150 stored pregap sectors
      "INDEX 00:01:00", // index 02 at LBA 675 = start + 75
      "",
    ].join("\n"),
  );
  assert.equal(cdrdaoBinByteLength(MIXED), 900 * 2352);
});

Deno.test("encodeCdrdaoToc: session types", () => {
  const one = (mode: TrackMode, type: SessionType = SessionType.cdDaOrCdRom): Disc => ({
    sessions: [{ number: 1, type, leadOutLba: 300, tracks: [tocTrack(1, mode, -150, 0, 300)] }],
  });
  assert.match(encodeCdrdaoToc(one("audio"), "a.bin"), /^CD_DA$/m);
  assert.match(encodeCdrdaoToc(one("mode1"), "a.bin"), /^CD_ROM$/m);
  assert.match(
    encodeCdrdaoToc(one("mode2-xa", SessionType.cdRomXa), "a.bin"),
    /^CD_ROM_XA$\n[^]*TRACK MODE2_RAW/m,
  );
  assert.match(encodeCdrdaoToc(one("mode2-formless"), "a.bin"), /^CD_ROM_XA$/m);
  assert.doesNotMatch(encodeCdrdaoToc(one("audio"), "a.bin"), /CD_TEXT|CATALOG/);
});

Deno.test("encodeCdrdaoToc: refusals", () => {
  const session = MIXED.sessions[0];
  const cdExtra: Disc = {
    sessions: [session, { ...session, number: 2, tracks: [{ ...session.tracks[1], number: 3, session: 2 }] }],
  };
  assert.throws(() => encodeCdrdaoToc(cdExtra, "x.bin"), /2 sessions and a TOC describes one/);
  const withTracks = (tracks: DiscTrack[], extra: Partial<Disc> = {}): Disc => ({
    ...extra,
    sessions: [{ ...session, tracks, leadOutLba: tracks.at(-1)!.endLba }],
  });
  const [t1, t2] = session.tracks;
  assert.throws(
    () => encodeCdrdaoToc(withTracks([t1, { ...t2, pregapLba: 460 }]), "x.bin"),
    /begins at LBA 460/,
  );
  assert.throws(() => encodeCdrdaoToc(withTracks([{ ...t1, startLba: 10 }]), "x.bin"), /starts at LBA 10/);
  assert.throws(() => encodeCdrdaoToc(withTracks([t1], { catalog: "123" }), "x.bin"), /catalog "123"/);
  assert.throws(() => encodeCdrdaoToc(withTracks([t1, { ...t2, isrc: "us-abc" }]), "x.bin"), /ISRC "us-abc"/);
  assert.throws(
    () => encodeCdrdaoToc(withTracks([{ ...t1, cdText: { title: "€" } }]), "x.bin"),
    (e: unknown) => e instanceof RangeError && /track 1 TITLE "€"/.test(e.message),
  );
  assert.throws(
    () => encodeCdrdaoToc(withTracks([{ ...t1, cdText: { genre: "Rock" } }]), "x.bin"),
    /disc only/,
  );
  assert.throws(
    () => encodeCdrdaoToc(withTracks([{ ...t1, flags: { ...NO_TRACK_FLAGS, preEmphasis: true } }]), "x.bin"),
    /data with pre-emphasis/,
  );
  assert.throws(
    () => encodeCdrdaoToc({ ...MIXED, sessions: [{ ...session, leadOutLba: 901 }] }, "x.bin"),
    /lead-out/,
  );
  assert.throws(() => encodeCdrdaoToc(MIXED, "a\nb.bin"), RangeError);
});

Deno.test("encodeCdrdaoToc: a DISC_ID brings UPC_EAN and an ISRC item on every track", () => {
  const toc = encodeCdrdaoToc({ ...MIXED, cdText: { discId: "XY12345" } }, "x.bin");
  assert.match(toc, /DISC_ID "XY12345"\n {4}UPC_EAN ""/);
  assert.equal(toc.match(/^ {4}ISRC ""$/gm)?.length, 2);
});

Deno.test("encodeCdrdaoToc (property): track lengths add up to the lead-out and offsets follow", () => {
  const layout = fc.array(
    fc.record({
      audio: fc.boolean(),
      pregap: fc.nat(300),
      body: fc.integer({ min: 1, max: 1000 }),
      index2: fc.option(fc.nat(999), { nil: undefined }),
    }),
    { minLength: 1, maxLength: 20 },
  );
  fc.assert(fc.property(layout, (specs) => {
    let lba = 0;
    const tracks = specs.map((spec, i) => {
      const pregapLba = i === 0 ? -150 : lba;
      const startLba = i === 0 ? 0 : lba + spec.pregap;
      const endLba = startLba + spec.body;
      const index2 = spec.index2 !== undefined && spec.index2 + 1 < spec.body
        ? [startLba + spec.index2 + 1]
        : [];
      lba = endLba;
      return tocTrack(i + 1, spec.audio ? "audio" : "mode1", pregapLba, startLba, endLba, {
        extraIndexLbas: index2,
      });
    });
    const disc: Disc = { sessions: [{ number: 1, type: SessionType.cdDaOrCdRom, tracks, leadOutLba: lba }] };
    const toc = encodeCdrdaoToc(disc, "d.bin");
    const frames = (t: string) => {
      const [m, s, f] = t.split(":").map(Number);
      return (m * 60 + s) * 75 + f;
    };
    let next = 0;
    let total = 0;
    for (
      const match of toc.matchAll(/(?:DATAFILE "d\.bin"|FILE "d\.bin" SWAP) #(\d+) (?:0 )?(\d\d:\d\d:\d\d)/g)
    ) {
      assert.equal(Number(match[1]), next * 2352);
      next += frames(match[2]);
      total += frames(match[2]);
    }
    assert.equal(total, lba);
  }));
});
