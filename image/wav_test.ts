import assert from "node:assert/strict";
import fc from "fast-check";
import { FormatError, SourceError } from "./errors.ts";
import {
  checkCdAudio,
  decodeWavHeader,
  encodeWavHeader,
  inspectWavFile,
  WAV_HEADER_BYTES,
  WavFormatTag,
  type WavInfo,
} from "./wav.ts";

const text = (s: string) => [...s].map((c) => c.charCodeAt(0));
const u16 = (n: number) => [n & 0xff, n >>> 8];
const u32 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24];

/** A chunk with its pad byte. */
function chunk(id: string, body: number[], declared = body.length): number[] {
  return [...text(id), ...u32(declared), ...body, ...(body.length & 1 ? [0] : [])];
}

function fmtBody(tag = 1, channels = 2, rate = 44100, bits = 16): number[] {
  const align = channels * bits / 8;
  return [...u16(tag), ...u16(channels), ...u32(rate), ...u32(rate * align), ...u16(align), ...u16(bits)];
}

function riff(...chunks: number[][]): Uint8Array {
  const body = chunks.flat();
  return Uint8Array.from([...text("RIFF"), ...u32(4 + body.length), ...text("WAVE"), ...body]);
}

const CD: Omit<WavInfo, "dataByteOffset" | "dataByteLength"> = {
  sampleRate: 44100,
  channelCount: 2,
  bitsPerSample: 16,
  formatTag: 1,
};

Deno.test("encodeWavHeader: canonical 44-byte CD header, byte by byte", () => {
  const h = encodeWavHeader(2352);
  assert.equal(h.length, WAV_HEADER_BYTES);
  assert.deepEqual([...h], [
    ...text("RIFF"), // 0: id
    ...u32(36 + 2352), // 4: RIFF size
    ...text("WAVE"), // 8: form type
    ...text("fmt "), // 12
    16,
    0,
    0,
    0, // 16: fmt size
    1,
    0, // 20: PCM
    2,
    0, // 22: stereo
    0x44,
    0xac,
    0,
    0, // 24: 44100
    0x10,
    0xb1,
    0x02,
    0, // 28: 176400 bytes/s
    4,
    0, // 32: block align
    16,
    0, // 34: bits
    ...text("data"), // 36
    0x30,
    0x09,
    0,
    0, // 40: 2352
  ]);
});

Deno.test("encodeWavHeader: refuses partial frames and > 4 GiB", () => {
  assert.throws(() => encodeWavHeader(2), RangeError);
  assert.throws(() => encodeWavHeader(-4), RangeError);
  assert.throws(() => encodeWavHeader(2 ** 32), RangeError);
});

Deno.test("encodeWavHeader + PCM decodes back, and checkCdAudio accepts it (property)", () => {
  fc.assert(fc.property(fc.nat(10_000), (frames) => {
    const pcmByteLength = frames * 4;
    const file = new Uint8Array(WAV_HEADER_BYTES + pcmByteLength);
    file.set(encodeWavHeader(pcmByteLength));
    const info = decodeWavHeader(file, "x.wav", file.length);
    assert.deepEqual(info, { dataByteOffset: 44, dataByteLength: pcmByteLength, ...CD });
    checkCdAudio(info, "x.wav");
    // only the header given, the whole file length told
    assert.deepEqual(decodeWavHeader(file.subarray(0, 44), "x.wav", file.length), info);
  }));
});

Deno.test("decodeWavHeader: chunks in any order, odd chunk padding, LIST/fact skipped", () => {
  const bytes = riff(
    chunk("LIST", text("INFOISFT\x03\x00\x00\x00ab\x00")), // 15 bytes: odd, padded
    chunk("data", [1, 2, 3, 4, 5, 6, 7, 8]),
    chunk("fact", u32(2)),
    chunk("fmt ", fmtBody()),
  );
  const info = decodeWavHeader(bytes, "o.wav", bytes.length);
  assert.deepEqual(info, { dataByteOffset: 12 + 8 + 16 + 8, dataByteLength: 8, ...CD });
  assert.deepEqual([...bytes.subarray(info.dataByteOffset, info.dataByteOffset + 8)], [
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
  ]);
});

Deno.test("decodeWavHeader: streaming data sizes 0 and 0xFFFFFFFF mean the rest of the file", () => {
  for (const declared of [0, 0xffffffff]) {
    const bytes = riff(chunk("fmt ", fmtBody()), chunk("data", new Array(100).fill(7), declared));
    const info = decodeWavHeader(bytes, "s.wav", bytes.length);
    assert.equal(info.dataByteOffset, 44);
    assert.equal(info.dataByteLength, 100);
  }
});

Deno.test("decodeWavHeader: WAVE_FORMAT_EXTENSIBLE reports its sub-format", () => {
  const guidTail = [0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xaa, 0, 0x38, 0x9b, 0x71];
  const ext = (sub: number) => [
    ...fmtBody(0xfffe),
    ...u16(22), // cbSize
    ...u16(16), // valid bits
    ...u32(3), // channel mask
    ...u16(sub),
    ...guidTail,
  ];
  const pcm = riff(chunk("fmt ", ext(1)), chunk("data", [0, 0, 0, 0]));
  assert.equal(decodeWavHeader(pcm, "e.wav", pcm.length).formatTag, WavFormatTag.pcm);
  checkCdAudio(decodeWavHeader(pcm, "e.wav", pcm.length), "e.wav");
  const float = riff(chunk("fmt ", ext(3)), chunk("data", [0, 0, 0, 0]));
  assert.equal(decodeWavHeader(float, "e.wav", float.length).formatTag, WavFormatTag.ieeeFloat);
});

Deno.test("decodeWavHeader: RF64 with a ds64 chunk", () => {
  const ds64 = [...u32(0), ...u32(0), ...u32(12), ...u32(0), ...u32(3), ...u32(0), ...u32(0)];
  const body = [
    ...chunk("ds64", ds64),
    ...chunk("fmt ", fmtBody()),
    ...chunk("data", new Array(16).fill(1), 0xffffffff),
  ];
  const bytes = Uint8Array.from([...text("RF64"), ...u32(0xffffffff), ...text("WAVE"), ...body]);
  const info = decodeWavHeader(bytes, "r.wav", bytes.length);
  assert.equal(info.dataByteLength, 12); // from ds64, not the rest of the file (16)
});

function formatErrorMatching(pattern: RegExp) {
  return (error: unknown) => error instanceof FormatError && pattern.test(error.message);
}

Deno.test("decodeWavHeader: refusals are FormatErrors naming the file", () => {
  const good = riff(chunk("fmt ", fmtBody()), chunk("data", new Array(8).fill(0)));
  const notRiff = good.slice();
  notRiff.set(text("RIFX"), 0);
  assert.throws(
    () => decodeWavHeader(notRiff, "n.wav", notRiff.length),
    formatErrorMatching(/"n\.wav".*not a RIFF/),
  );
  const notWave = good.slice();
  notWave.set(text("AVI "), 8);
  assert.throws(() => decodeWavHeader(notWave, "n.wav", notWave.length), formatErrorMatching(/"AVI "/));
  const noFmt = riff(chunk("data", [0, 0, 0, 0]));
  assert.throws(() => decodeWavHeader(noFmt, "n.wav", noFmt.length), formatErrorMatching(/no fmt chunk/));
  const noData = riff(chunk("fmt ", fmtBody()));
  assert.throws(() => decodeWavHeader(noData, "n.wav", noData.length), formatErrorMatching(/no data chunk/));
  assert.throws(() => decodeWavHeader(new Uint8Array(3), "n.wav", 3), formatErrorMatching(/too short/));
  // truncated: the data chunk claims 1000 bytes, 8 follow
  const truncated = riff(chunk("fmt ", fmtBody()), chunk("data", new Array(8).fill(0), 1000));
  assert.throws(
    () => decodeWavHeader(truncated, "t.wav", truncated.length),
    formatErrorMatching(
      /"t\.wav": file is truncated: the data chunk claims 1000 bytes but only 8 .*expected 1044/,
    ),
  );
  // the header bytes stop before the data chunk header
  assert.throws(
    () => decodeWavHeader(good.subarray(0, 38), "h.wav", good.length),
    formatErrorMatching(/beyond the 38/),
  );
  assert.throws(() => decodeWavHeader(good, "h.wav", 10), RangeError);
});

Deno.test("checkCdAudio: names the file, what it is, and how to convert", () => {
  const cases: [Partial<WavInfo>, RegExp][] = [
    [{ sampleRate: 48000, channelCount: 1, bitsPerSample: 24 }, /48000 Hz mono 24-bit PCM/],
    [{ formatTag: 3, bitsPerSample: 32 }, /44100 Hz stereo 32-bit IEEE float/],
    [{ channelCount: 6 }, /6-channel/],
    [{ formatTag: 0x55 }, /MPEG Layer 3/],
  ];
  for (const [change, what] of cases) {
    const info = { dataByteOffset: 44, dataByteLength: 0, ...CD, ...change };
    assert.throws(() => checkCdAudio(info, "in.wav"), (e: unknown) => {
      assert.ok(e instanceof FormatError);
      assert.match(e.message, /^Cannot use WAVE file "in\.wav" as CD audio/);
      assert.match(e.message, what);
      assert.match(e.message, /sox "in\.wav" -r 44100 -c 2 -b 16/);
      assert.match(e.message, /ffmpeg -i "in\.wav" -ar 44100 -ac 2 -c:a pcm_s16le/);
      return true;
    });
  }
});

Deno.test("inspectWavFile: reads the header of a file; SourceError when missing", () => {
  const dir = Deno.makeTempDirSync({ prefix: "wav-" });
  try {
    const path = `${dir}/a.wav`;
    const pcm = new Uint8Array(2352 * 3).fill(0x55);
    const big = riff(
      chunk("LIST", new Array(5000).fill(0x20)),
      chunk("fmt ", fmtBody()),
      chunk("data", [...pcm]),
    );
    Deno.writeFileSync(path, big);
    assert.deepEqual(inspectWavFile(path), {
      dataByteOffset: 12 + 5008 + 24 + 8,
      dataByteLength: 2352 * 3,
      ...CD,
    });
    assert.throws(() => inspectWavFile(`${dir}/missing.wav`), (e: unknown) => e instanceof SourceError);
    assert.throws(() => inspectWavFile(dir), (e: unknown) => e instanceof SourceError);
    Deno.writeFileSync(path, big.subarray(0, 5000));
    assert.throws(() => inspectWavFile(path), FormatError);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("decodeWavHeader fuzz: only FormatError escapes, and it always ends", () => {
  const chunkArb = fc.tuple(
    fc.constantFrom("fmt ", "data", "LIST", "fact", "ds64", "JUNK", "\0\0\0\0"),
    fc.uint8Array({ maxLength: 48 }),
    fc.option(fc.constantFrom(0, 1, 15, 16, 17, 39, 40, 0xffffffff, 0x7fffffff), { nil: undefined }),
  );
  const fileArb = fc.tuple(
    fc.constantFrom("RIFF", "RF64", "RIFX"),
    fc.array(chunkArb, { maxLength: 6 }),
    fc.nat(16),
    fc.nat(64),
  ).map(([id, chunks, cut, extra]) => {
    const body = chunks.flatMap(([cid, b, declared]) => chunk(cid, [...b], declared ?? b.length));
    const bytes = Uint8Array.from([...text(id), ...u32(4 + body.length), ...text("WAVE"), ...body]);
    return { bytes: bytes.subarray(0, Math.max(0, bytes.length - cut)), extra };
  });
  fc.assert(
    fc.property(fc.oneof(fileArb, fc.record({ bytes: fc.uint8Array({ maxLength: 80 }), extra: fc.nat(8) })), (
      { bytes, extra },
    ) => {
      try {
        const info = decodeWavHeader(bytes, "f.wav", bytes.length + extra);
        assert.ok(info.dataByteOffset + info.dataByteLength <= bytes.length + extra);
      } catch (error) {
        if (!(error instanceof FormatError)) throw error;
      }
    }),
    { numRuns: 3000 },
  );
});
