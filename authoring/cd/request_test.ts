import assert from "node:assert/strict";
import { FormatError, UsageError } from "../../image/errors.ts";
import { type CdOptions, cdRequest, type CdRequestEnvironment } from "./request.ts";

function env(files: Record<string, string | "dir" | "file">): CdRequestEnvironment {
  return {
    statKind: (p) => {
      const v = files[p];
      return v === undefined ? undefined : v === "dir" ? "dir" : "file";
    },
    readTextFile: (p) => {
      const v = files[p];
      if (v === undefined || v === "dir" || v === "file") throw new Error("no such file");
      return v;
    },
  };
}

const SPEC = JSON.stringify({
  title: "Album",
  performer: "Band",
  catalog: "0123456789012",
  tracks: [
    { data: "tree", mode: "mode1", title: "Data" },
    {
      audio: "a.wav",
      title: "Song",
      isrc: "USABC9912345",
      flags: ["DCP", "PRE"],
      pregap: "00:03:00",
      index: ["00:30:00", "01:00:00"],
    },
    { audio: "/abs/b.raw" },
  ],
});

Deno.test("a disc spec gives tracks, CD-TEXT, flags, ISRC, gaps and index points; paths relative to it", () => {
  const r = cdRequest(
    { output: "out.cue", spec: "s/disc.json", title: "Override" },
    env({ "s/disc.json": SPEC, "s/tree": "dir", "s/a.wav": "file", "/abs/b.raw": "file" }),
  );
  assert.equal(r.layout, "mixed");
  assert.equal(r.catalog, "0123456789012");
  assert.deepEqual(r.cdText, { title: "Override", performer: "Band" });
  assert.equal(r.tracks.length, 3);
  const [data, a, b] = r.tracks;
  assert.deepEqual(data, {
    kind: "data",
    source: { kind: "dir", path: "s/tree" },
    mode: "mode1",
    cdText: { title: "Data" },
    flags: { preEmphasis: false, copyPermitted: false, fourChannel: false },
  });
  assert.equal(a.kind, "audio");
  if (a.kind !== "audio" || b.kind !== "audio") return;
  assert.equal(a.path, "s/a.wav");
  assert.equal(a.isrc, "USABC9912345");
  assert.deepEqual(a.flags, { preEmphasis: true, copyPermitted: true, fourChannel: false });
  assert.equal(a.pregapSectors, 225);
  assert.deepEqual(a.indexOffsetsSectors, [2250, 4500]);
  assert.equal(b.path, "/abs/b.raw");
  assert.equal(b.pregapSectors, undefined);
});

Deno.test("bad disc specs are refused naming the file and the JSON path", () => {
  const cases: [unknown, RegExp][] = [
    [{ tracks: [{ audio: "a.wav", isrc: "nope" }] }, /\.tracks\[0\]\.isrc "nope" is not an ISRC/],
    [
      { tracks: [{ audio: "a.wav", flags: ["LOUD"] }] },
      /\.tracks\[0\]\.flags must be a list of PRE, DCP, 4CH/,
    ],
    [{ tracks: [{ audio: "a.wav", pregap: "00:02:75" }] }, /\.tracks\[0\]\.pregap "00:02:75" is not a time/],
    [
      { tracks: [{ audio: "a.wav", index: ["00:02:00", "00:01:00"] }] },
      /\.tracks\[0\]\.index\[1\] is not after/,
    ],
    [{ tracks: [{ audio: "missing.wav" }] }, /\.tracks\[0\]\.audio "missing.wav" is not a file/],
    [{ tracks: [{ title: "x" }] }, /\.tracks\[0\] has neither "data" nor "audio"/],
    [{ tracks: [], colour: "red" }, /\.colour is not a known field/],
    [{ catalog: "123", tracks: [] }, /\.catalog "123" is not 13 digits/],
    [{ layout: "stacked", tracks: [] }, /\.layout "stacked"/],
    [{}, /\.tracks is not a list of tracks/],
  ];
  for (const [spec, pattern] of cases) {
    assert.throws(
      () =>
        cdRequest(
          { output: "o.cue", spec: "d.json" },
          env({ "d.json": JSON.stringify(spec), "a.wav": "file" }),
        ),
      (e: unknown) =>
        e instanceof FormatError && /Cannot read the disc spec "d\.json"/.test(e.message) &&
        pattern.test(e.message),
      `spec ${JSON.stringify(spec)}`,
    );
  }
  assert.throws(
    () => cdRequest({ output: "o.cue", spec: "d.json" }, env({ "d.json": "{ not json" })),
    (e: unknown) => e instanceof FormatError && /is not JSON/.test(e.message),
  );
});

Deno.test("command-line tracks: data first, CD-Extra puts it last in mode 2; misuse is a usage error", () => {
  const files = env({ tree: "dir", "a.wav": "file", "b.wav": "file", "x.iso": "file" });
  const mixed = cdRequest({ output: "o.cue", data: "tree", audio: ["a.wav", "b.wav"] }, files);
  assert.deepEqual(mixed.tracks.map((t) => t.kind), ["data", "audio", "audio"]);
  const extra = cdRequest({ output: "o.cue", data: "tree", audio: ["a.wav"], cdExtra: true }, files);
  assert.equal(extra.layout, "cd-extra");
  assert.deepEqual(extra.tracks.map((t) => t.kind), ["audio", "data"]);
  assert.equal(extra.tracks[1].kind === "data" && extra.tracks[1].mode, "mode2");

  const usage: [CdOptions, RegExp][] = [
    [{ output: "o.bin", data: "tree" }, /must be a \.cue file/],
    [{ output: "o.cue" }, /no tracks/],
    [{ output: "o.cue", data: "nowhere" }, /--data "nowhere" does not exist/],
    [{ output: "o.cue", audio: ["c.wav"] }, /--audio "c.wav" is not a file/],
    [{ output: "o.cue", data: "tree", dataMode: "mode3" }, /--data-mode "mode3"/],
    [{ output: "o.cue", data: "tree", catalog: "12" }, /--catalog "12"/],
    [{ output: "o.cue", audio: ["a.wav"], cooked: true }, /--cooked needs a data track/],
    [{ output: "o.cue", data: "tree", dataMode: "mode2", cooked: true }, /--cooked writes MODE1\/2048/],
    [{ output: "o.cue", data: "x.iso", audio: ["a.wav"], cdExtra: true }, /from an ISO file/],
    [{ output: "o.cue", data: "tree", cdExtra: true }, /needs audio tracks followed by one data track/],
    [{ output: "o.cue", data: "tree", spec: "d.json" }, /either with --spec or with --data/],
  ];
  for (const [options, pattern] of usage) {
    assert.throws(
      () => cdRequest(options, files),
      (e: unknown) => e instanceof UsageError && pattern.test(e.message),
      JSON.stringify(options),
    );
  }
});
