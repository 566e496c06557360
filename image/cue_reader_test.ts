import assert from "node:assert/strict";
import fc from "fast-check";
import { type CueSheet, cueSheetToDisc, decodeCueSheet, type ResolvedCueFile } from "./cue_reader.ts";
import { encodeDiscCue } from "./cue_writer.ts";
import { type Disc, discTracks, SectorFormat } from "./disc.ts";
import { FormatError } from "./errors.ts";

/** A resolver over made-up file sizes (no files needed). */
function sizes(byName: Record<string, number>): (file: CueSheet["files"][number]) => ResolvedCueFile {
  return (file) => {
    const size = byName[file.name];
    if (size === undefined) throw new Error(`no size for ${file.name}`);
    return { path: file.name, fileByteLength: size, dataByteOffset: 0, dataByteLength: size };
  };
}

const starts = (disc: Disc) => discTracks(disc).map((t) => [t.number, t.pregapLba, t.startLba, t.endLba]);

Deno.test("cue-sheet.md §3 [tested] layouts: stored gaps, generated gaps and two files all put track 2 at 475", () => {
  const single = decodeCueSheet(
    `FILE "mixed.bin" BINARY\n  TRACK 01 MODE1/2352\n    INDEX 01 00:00:00\n  TRACK 02 AUDIO\n    INDEX 00 00:04:25\n    INDEX 01 00:06:25\n`,
    "a.cue",
  );
  const a = cueSheetToDisc(single, sizes({ "mixed.bin": 875 * 2352 }));
  assert.deepEqual(starts(a), [[1, -150, 0, 325], [2, 325, 475, 875]]);
  assert.equal(a.sessions[0].leadOutLba, 875);

  const generated = decodeCueSheet(
    `FILE "m.bin" BINARY\nTRACK 01 MODE1/2352\nINDEX 01 00:00:00\nTRACK 02 AUDIO\nPREGAP 00:02:00\nINDEX 01 00:04:25\n`,
    "b.cue",
  );
  const b = cueSheetToDisc(generated, sizes({ "m.bin": (325 + 400) * 2352 }));
  assert.deepEqual(starts(b), [[1, -150, 0, 325], [2, 325, 475, 875]]);
  assert.equal(discTracks(b)[1].storage?.firstLba, 475, "the PREGAP is generated, not stored");

  const twoFiles = decodeCueSheet(
    `FILE "data.iso" BINARY\nTRACK 01 MODE1/2048\nINDEX 01 00:00:00\nPOSTGAP 00:02:00\n` +
      `FILE "t2.raw" BINARY\nTRACK 02 AUDIO\nPREGAP 00:02:00\nINDEX 01 00:00:00\n`,
    "c.cue",
  );
  const c = cueSheetToDisc(twoFiles, sizes({ "data.iso": 175 * 2048, "t2.raw": 400 * 2352 }));
  assert.deepEqual(starts(c), [[1, -150, 0, 325], [2, 325, 475, 875]]);
  assert.equal(discTracks(c)[0].storage?.format, SectorFormat.userData2048);
  assert.equal(discTracks(c)[0].postgapSectorCount, 150);
});

Deno.test("the whole grammar: case, quotes, BOM, CRLF, FILE names with spaces, CD-TEXT, REM, flags, ISRC, sessions", () => {
  const text = "\uFEFFrem GENRE Rock\r\nCATALOG 0123456789012\r\nperformer 'The Band'\r\ntitle Album\r\n" +
    `FILE "my disc.bin" binary\r\n  track 01 audio\r\n    title "Song one"\r\n    flags dcp pre\r\n` +
    `    isrc USABC9912345\r\n    index 01 00:00:00\r\n    index 02 00:01:00\r\n` +
    `REM SESSION 02\r\n  TRACK 02 MODE2/2352\r\n    INDEX 01 00:05:00\r\n`;
  const sheet = decodeCueSheet(text, "x.cue");
  assert.equal(sheet.catalog, "0123456789012");
  assert.deepEqual(sheet.cdText, { performer: "The Band", title: "Album" });
  assert.equal(sheet.files[0].name, "my disc.bin");
  assert.deepEqual(sheet.remarks, ["GENRE Rock"]);
  const disc = cueSheetToDisc(sheet, sizes({ "my disc.bin": (375 + 300) * 2352 }));
  const [t1, t2] = discTracks(disc);
  assert.deepEqual(t1.flags, { preEmphasis: true, copyPermitted: true, fourChannel: false });
  assert.equal(t1.isrc, "USABC9912345");
  assert.deepEqual(t1.cdText, { title: "Song one" });
  assert.deepEqual(t1.extraIndexLbas, [75]);
  assert.equal(disc.sessions.length, 2);
  assert.equal(disc.sessions[0].leadOutLba, 375);
  assert.equal(t2.startLba, 375 + 11_400, "session 2 starts after the lead-out, lead-in and pregap");
  assert.equal(t2.pregapLba, t2.startLba - 150);
  assert.equal(disc.sessions[1].type, 0x20);
});

Deno.test("errors name the sheet and the line", () => {
  const cases: [string, RegExp][] = [
    ["TRACK 01 AUDIO\nINDEX 01 00:00:00", /line 1: TRACK before any FILE/],
    ['FILE "a" BINARY\nINDEX 01 00:00:00', /line 2: INDEX before TRACK/],
    ['FILE "a" BINARY\nTRACK 01 AUDIO\nINDEX 01 00:60:00', /line 3: INDEX time "00:60:00"/],
    ['FILE "a" BINARY\nTRACK 01 AUDIO\nINDEX 01 00:00:75', /line 3: INDEX time "00:00:75"/],
    [
      'FILE "a" BINARY\nTRACK 01 AUDIO\nINDEX 01 00:00:00\nTRACK 03 AUDIO',
      /line 4: TRACK 03 follows TRACK 01/,
    ],
    ['FILE "a" BINARY\nTRACK 01 AUDIO\nTRACK 02 AUDIO', /line 2: TRACK 01 has no INDEX 01/],
    ['FILE "a" BINARY\nTRACK 01 AUDIO\nINDEX 02 00:00:00', /line 3: INDEX 02 before INDEX 01/],
    ['FILE "a" BINARY\nTRACK 01 AUDIO\nINDEX 01 00:00:00\nFLAGS DCP', /line 4: FLAGS after INDEX/],
    ['FILE "a" BINARY\nTRACK 01 AUDIO\nPOSTGAP 00:02:00', /line 3: POSTGAP before INDEX/],
    ['FILE "a" BINARY\nTRACK 01 AUDIO\nINDEX 01 00:00:00\nINDEX 01 00:01:00', /line 4: INDEX 01 given twice/],
    ['FILE "a" BINARY\nTRACK 01 AUDIO\nISRC nope\nINDEX 01 00:00:00', /line 3: ISRC "nope"/],
    ['CATALOG 12\nFILE "a" BINARY', /line 1: CATALOG "12" is not 13 digits/],
    ['FILE "a" ZIP', /line 1: FILE type "ZIP"/],
    ['FILE "a" BINARY\nTRACK 01 MODE3/2352', /line 2: track mode "MODE3\/2352"/],
    ['FILE "a" BINARY\nTRACK 100 AUDIO', /line 2: track number "100"/],
    ["BOGUS thing", /line 1: unknown command "BOGUS"/],
    ["REM only a remark", /it has no TRACK/],
  ];
  for (const [text, pattern] of cases) {
    assert.throws(
      () => decodeCueSheet(text, "bad.cue"),
      (e: unknown) => e instanceof FormatError && /"bad\.cue"/.test(e.message) && pattern.test(e.message),
      text,
    );
  }
  const sheet = decodeCueSheet('FILE "a.bin" BINARY\nTRACK 01 MODE1/2048\nINDEX 01 00:00:00', "odd.cue");
  assert.throws(
    () => cueSheetToDisc(sheet, sizes({ "a.bin": 2048 * 3 + 5 })),
    /line 2: .*whole 2048-byte sector/,
  );
  const late = decodeCueSheet('FILE "a.bin" BINARY\nTRACK 01 AUDIO\nINDEX 01 00:10:00', "late.cue");
  assert.throws(
    () => cueSheetToDisc(late, sizes({ "a.bin": 2352 * 10 })),
    /line 2: TRACK 01 starts past the end/,
  );
});

Deno.test("fuzzing: random and mutated sheets give a sheet or a FormatError, never anything else", () => {
  const valid =
    'CATALOG 0123456789012\nFILE "a.bin" BINARY\n  TRACK 01 MODE1/2352\n    INDEX 01 00:00:00\n  TRACK 02 AUDIO\n' +
    "    FLAGS DCP\n    PREGAP 00:02:00\n    INDEX 01 00:10:00\n    POSTGAP 00:01:00\n";
  const outcome = (text: string) => {
    try {
      const sheet = decodeCueSheet(text, "f.cue");
      cueSheetToDisc(
        sheet,
        () => ({
          path: "a.bin",
          fileByteLength: 2352 * 1000,
          dataByteOffset: 0,
          dataByteLength: 2352 * 1000,
        }),
      );
    } catch (error) {
      if (!(error instanceof FormatError)) throw error;
    }
  };
  fc.assert(fc.property(fc.string({ maxLength: 300 }), outcome), { numRuns: 500 });
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(valid.length), fc.string({ maxLength: 8 })), { maxLength: 6 }),
      (edits) => {
        let text = valid;
        for (const [at, insert] of edits) text = text.slice(0, at) + insert + text.slice(at + 1);
        outcome(text);
      },
    ),
    { numRuns: 1000 },
  );
});

Deno.test("round trip: a disc written as CUE reads back with the same tracks, gaps, flags, ISRC and CD-TEXT", () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          audio: fc.boolean(),
          sectors: fc.integer({ min: 300, max: 2000 }),
          pause: fc.integer({ min: 0, max: 300 }),
          dcp: fc.boolean(),
          title: fc.option(fc.stringMatching(/^[A-Za-z0-9 ]{1,20}$/), { nil: undefined }),
        }),
        { minLength: 1, maxLength: 8 },
      ),
      (specs) => {
        // Every track audio except maybe the first (a data track first, as mixed-mode discs have it).
        let lba = 0;
        const tracks = specs.map((s, i) => {
          const data = i === 0 && !s.audio;
          const pause = i === 0 ? 0 : s.pause;
          const pregapLba = i === 0 ? -150 : lba;
          const startLba = lba + pause;
          lba = startLba + s.sectors;
          return {
            number: i + 1,
            session: 1,
            mode: data ? "mode1" as const : "audio" as const,
            pregapLba,
            startLba,
            extraIndexLbas: [],
            endLba: lba,
            postgapSectorCount: 0,
            flags: { preEmphasis: false, copyPermitted: s.dcp, fourChannel: false },
            ...(s.title ? { cdText: { title: s.title } } : {}),
            storage: {
              format: SectorFormat.raw,
              firstLba: i === 0 ? 0 : pregapLba,
              sectorCount: lba - (i === 0 ? 0 : pregapLba),
              regions: undefined as never,
            },
          };
        });
        const disc: Disc = {
          sessions: [{ number: 1, type: 0, tracks, leadOutLba: lba }],
          catalog: "0123456789012",
        };
        const text = encodeDiscCue(disc, { bin: "x.bin" });
        const back = cueSheetToDisc(decodeCueSheet(text, "rt.cue"), sizes({ "x.bin": lba * 2352 }));
        assert.deepEqual(starts(back), starts(disc));
        assert.equal(back.catalog, disc.catalog);
        discTracks(back).forEach((t, i) => {
          assert.equal(t.mode, tracks[i].mode);
          assert.deepEqual(t.flags, tracks[i].flags);
          assert.deepEqual(t.cdText, tracks[i].cdText);
        });
      },
    ),
    { numRuns: 200 },
  );
});
