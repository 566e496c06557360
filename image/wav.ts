/**
 * RIFF WAVE reader (and a 44-byte header writer) for CD audio sources: a CUE `FILE "x.wav" WAVE`,
 * `disc convert --wav`. Only the header chunks are read: where the PCM data starts, how long it is,
 * and its sample format. CD audio is 44100 Hz, 2 channels, 16-bit little-endian PCM
 * (cue-sheet.md §2 FILE types).
 *
 * Layout (Microsoft "Multimedia Programming Interface and Data Specifications 1.0", RIFF; EBU
 * Tech 3306 for RF64): `"RIFF" <u32 LE size> "WAVE"` then chunks `<4-char id> <u32 LE size>
 * <bytes>`, each padded to an even length. Chunks may come in any order; `fmt ` and `data` are
 * required, everything else (`LIST`, `fact`, `bext`, `JUNK`, …) is skipped. RF64 files say
 * `"RF64" 0xFFFFFFFF "WAVE"` and carry the real 64-bit sizes in a `ds64` chunk.
 * @module
 */

import { FormatError, SourceError } from "./errors.ts";
import { describeOsError } from "./regions.ts";

/** Where the PCM data of a WAVE file is and what it holds. */
export interface WavInfo {
  /** Byte offset of the first PCM byte (the `data` chunk's contents) in the file. */
  readonly dataByteOffset: number;
  /** Bytes of PCM data (the `data` chunk's size; the rest of the file when a streaming writer left it 0 or 0xFFFFFFFF). */
  readonly dataByteLength: number;
  readonly sampleRate: number;
  readonly channelCount: number;
  readonly bitsPerSample: number;
  /**
   * The effective format tag ({@link WavFormatTag}): 1 PCM, 3 IEEE float, … For
   * WAVE_FORMAT_EXTENSIBLE files this is the sub-format's tag (so extensible PCM reports 1).
   */
  readonly formatTag: number;
}

/** A few WAVE format tags (`wFormatTag`, mmreg.h). */
export const WavFormatTag = {
  pcm: 0x0001,
  adpcm: 0x0002,
  ieeeFloat: 0x0003,
  aLaw: 0x0006,
  muLaw: 0x0007,
  imaAdpcm: 0x0011,
  mpegLayer3: 0x0055,
  extensible: 0xfffe,
} as const;

/** Bytes of the canonical header {@link encodeWavHeader} writes. */
export const WAV_HEADER_BYTES = 44;

/** CD audio: 44100 Hz. */
export const CD_SAMPLE_RATE = 44100;
/** CD audio: 2 channels. */
export const CD_CHANNEL_COUNT = 2;
/** CD audio: 16 bits per sample. */
export const CD_BITS_PER_SAMPLE = 16;

/** Bytes 2..15 of every KSDATAFORMAT_SUBTYPE_* GUID (`xxxxxxxx-0000-0010-8000-00aa00389b71`, LE). */
const SUBTYPE_GUID_TAIL = [
  0x00,
  0x00,
  0x00,
  0x00,
  0x10,
  0x00,
  0x80,
  0x00,
  0x00,
  0xaa,
  0x00,
  0x38,
  0x9b,
  0x71,
];

/** A RIFF size field meaning "unknown" (streaming writers) or "see ds64" (RF64). */
const SIZE_UNKNOWN = 0xffffffff;
/** Largest `fmt `/`ds64` chunk we read into memory; real ones are 16–40 (fmt) and 28+ (ds64) bytes. */
const MAX_HEADER_CHUNK_BYTES = 1 << 16;

/** Reads up to `byteLength` bytes at `byteOffset` (fewer at the end of what is available). */
type ReadAt = (byteOffset: number, byteLength: number) => Uint8Array;

function ascii(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]);
}

function printableId(id: string): string {
  return JSON.stringify(id);
}

/**
 * The chunk walk shared by {@link decodeWavHeader} (bytes in memory) and {@link inspectWavFile}
 * (seek and read). Every step advances by at least 8 bytes, so it always ends.
 */
function walkWav(read: ReadAt, name: string, fileByteLength: number, availableByteLength: number): WavInfo {
  const fail = (reason: string, structure: string, byteOffset?: number, field?: string): never => {
    throw new FormatError(`Cannot read WAVE file "${name}": ${reason}`, { structure, field, byteOffset });
  };
  const need = (byteOffset: number, byteLength: number, what: string): Uint8Array => {
    const bytes = read(byteOffset, byteLength);
    if (bytes.length < byteLength) {
      if (byteOffset + byteLength > fileByteLength) {
        fail(
          `${what} needs ${byteLength} bytes at byte ${byteOffset}, the file has ${fileByteLength}`,
          what,
          byteOffset,
        );
      }
      fail(
        `${what} at byte ${byteOffset} lies beyond the ${availableByteLength} header bytes given`,
        what,
        byteOffset,
      );
    }
    return bytes;
  };

  if (fileByteLength < 12) fail(`too short for a RIFF header (${fileByteLength} bytes)`, "RIFF header", 0);
  const riff = need(0, 12, "RIFF header");
  // 0: "RIFF" (or "RF64"/"BW64" for 64-bit files, EBU Tech 3306 / ITU-R BS.2088)
  const riffId = ascii(riff, 0);
  const isRf64 = riffId === "RF64" || riffId === "BW64";
  if (riffId !== "RIFF" && !isRf64) {
    fail(`not a RIFF file (starts with ${printableId(riffId)})`, "RIFF header", 0);
  }
  // 8: form type "WAVE"
  const formType = ascii(riff, 8);
  if (formType !== "WAVE") fail(`RIFF form type is ${printableId(formType)}, not "WAVE"`, "RIFF header", 8);

  let ds64DataByteLength: number | undefined;
  let format: Omit<WavInfo, "dataByteOffset" | "dataByteLength"> | undefined;
  let data: { dataByteOffset: number; dataByteLength: number } | undefined;
  let at = 12;
  while (at + 8 <= fileByteLength && !(format && data)) {
    const header = read(at, 8);
    if (header.length < 8) {
      if (at + 8 > availableByteLength) need(at, 8, "chunk header");
      break;
    }
    const view = new DataView(header.buffer, header.byteOffset, 8);
    const id = ascii(header, 0); // 0: chunk id
    const chunkByteLength = view.getUint32(4, true); // 4: chunk size, LE, without the pad byte
    const contentAt = at + 8;
    const remaining = fileByteLength - contentAt;

    if (id === "data") {
      let dataByteLength = chunkByteLength;
      if (isRf64 && chunkByteLength === SIZE_UNKNOWN && ds64DataByteLength !== undefined) {
        dataByteLength = ds64DataByteLength;
      } else if (chunkByteLength === 0 || chunkByteLength === SIZE_UNKNOWN) {
        dataByteLength = remaining; // a streaming writer never came back to fill in the size
      }
      if (dataByteLength > remaining) {
        fail(
          `file is truncated: the data chunk claims ${dataByteLength} bytes but only ${remaining} follow byte ${contentAt}` +
            ` (the file has ${fileByteLength} bytes, expected ${contentAt + dataByteLength})`,
          "data chunk",
          at + 4,
          "size",
        );
      }
      data = { dataByteOffset: contentAt, dataByteLength };
      at = contentAt + dataByteLength + (dataByteLength & 1);
      continue;
    }

    if (id === "fmt " || (id === "ds64" && isRf64)) {
      if (chunkByteLength > MAX_HEADER_CHUNK_BYTES) {
        fail(
          `${printableId(id)} chunk of ${chunkByteLength} bytes is implausibly large`,
          `${id} chunk`,
          at + 4,
        );
      }
      if (chunkByteLength > remaining) {
        fail(
          `the ${printableId(id)} chunk claims ${chunkByteLength} bytes but only ${remaining} follow`,
          `${id} chunk`,
          at + 4,
          "size",
        );
      }
      const body = need(contentAt, chunkByteLength, `${id} chunk`);
      const bodyView = new DataView(body.buffer, body.byteOffset, body.length);
      if (id === "ds64") {
        if (chunkByteLength < 24) {
          fail(`ds64 chunk has ${chunkByteLength} bytes, needs 24`, "ds64 chunk", at + 4);
        }
        // 8: data size, u64 LE (0: RIFF size, 16: sample count)
        const big = bodyView.getBigUint64(8, true);
        if (big > BigInt(Number.MAX_SAFE_INTEGER)) {
          fail(`ds64 data size ${big} is too large`, "ds64 chunk", contentAt + 8);
        }
        ds64DataByteLength = Number(big);
      } else {
        if (format) fail("it has two fmt chunks", "fmt chunk", at);
        format = decodeFmt(bodyView, fail, contentAt);
      }
    } else if (chunkByteLength === SIZE_UNKNOWN) {
      fail(`chunk ${printableId(id)} has an unknown size (0xFFFFFFFF)`, "chunk header", at + 4, "size");
    }
    at = contentAt + chunkByteLength + (chunkByteLength & 1); // odd chunks carry a pad byte
  }
  if (!format) return fail("it has no fmt chunk", "fmt chunk");
  if (!data) return fail("it has no data chunk", "data chunk");
  return { ...data, ...format };
}

function decodeFmt(
  view: DataView,
  fail: (reason: string, structure: string, byteOffset?: number, field?: string) => never,
  contentAt: number,
): Omit<WavInfo, "dataByteOffset" | "dataByteLength"> {
  if (view.byteLength < 16) fail(`fmt chunk has ${view.byteLength} bytes, needs 16`, "fmt chunk", contentAt);
  let formatTag = view.getUint16(0, true); // 0: wFormatTag
  const channelCount = view.getUint16(2, true); // 2: nChannels
  const sampleRate = view.getUint32(4, true); // 4: nSamplesPerSec
  // 8: nAvgBytesPerSec, 12: nBlockAlign (derived; not trusted)
  const bitsPerSample = view.getUint16(14, true); // 14: wBitsPerSample
  if (channelCount === 0) fail("fmt chunk says 0 channels", "fmt chunk", contentAt + 2, "nChannels");
  if (sampleRate === 0) {
    fail("fmt chunk says 0 samples per second", "fmt chunk", contentAt + 4, "nSamplesPerSec");
  }
  if (formatTag === WavFormatTag.extensible) {
    // 16: cbSize, 18: wValidBitsPerSample, 20: dwChannelMask, 24: SubFormat GUID (WAVEFORMATEXTENSIBLE)
    if (view.byteLength < 40) {
      fail(`WAVE_FORMAT_EXTENSIBLE fmt chunk has ${view.byteLength} bytes, needs 40`, "fmt chunk", contentAt);
    }
    const subFormat = view.getUint16(24, true);
    const isStandardGuid = SUBTYPE_GUID_TAIL.every((b, i) => view.getUint8(26 + i) === b);
    formatTag = isStandardGuid ? subFormat : WavFormatTag.extensible; // unknown GUID: stays "extensible"
  }
  return { sampleRate, channelCount, bitsPerSample, formatTag };
}

/**
 * Decodes the header of a WAVE file from its first bytes: `bytes` must reach at least past the
 * `fmt ` chunk and the `data` chunk's header (4 KiB covers ordinary files; {@link inspectWavFile}
 * reads only what it needs). `fileByteLength` is the whole file's size, to size a `data` chunk
 * left at 0/0xFFFFFFFF by a streaming writer and to detect truncated files.
 *
 * @throws {FormatError} not RIFF/WAVE, no `fmt `/`data` chunk, a truncated file, or a needed
 *   chunk beyond `bytes`.
 * @throws {RangeError} `fileByteLength` is smaller than `bytes` or not a safe integer.
 * @example
 * ```ts
 * const info = decodeWavHeader(headerBytes, "01.wav", fileByteLength);
 * checkCdAudio(info, "01.wav");
 * const sectorCount = info.dataByteLength / 2352;
 * ```
 */
export function decodeWavHeader(bytes: Uint8Array, name: string, fileByteLength: number): WavInfo {
  if (!Number.isSafeInteger(fileByteLength) || fileByteLength < bytes.length) {
    throw new RangeError(
      `Cannot decode WAVE header of "${name}": file length ${fileByteLength} is below the ${bytes.length} bytes given`,
    );
  }
  const read: ReadAt = (byteOffset, byteLength) =>
    bytes.subarray(Math.min(byteOffset, bytes.length), Math.min(byteOffset + byteLength, bytes.length));
  return walkWav(read, name, fileByteLength, bytes.length);
}

/**
 * Reads the header chunks of a WAVE file (seeking over `data` and other chunks, never reading the
 * audio) and returns where its PCM data is. Synchronous.
 *
 * @throws {SourceError} the file is missing or unreadable.
 * @throws {FormatError} the file is not a sound WAVE file (see {@link decodeWavHeader}).
 * @example
 * ```ts
 * const info = inspectWavFile("tracks/01.wav");
 * checkCdAudio(info, "tracks/01.wav");
 * ```
 */
export function inspectWavFile(path: string): WavInfo {
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path, { read: true });
  } catch (error) {
    throw new SourceError(`Cannot open WAVE file: ${describeOsError(error)}`, path, { cause: error });
  }
  try {
    let fileByteLength: number;
    try {
      const stat = file.statSync();
      if (!stat.isFile) throw new Deno.errors.IsADirectory("not a regular file");
      fileByteLength = stat.size;
    } catch (error) {
      throw new SourceError(`Cannot read WAVE file: ${describeOsError(error)}`, path, { cause: error });
    }
    const read: ReadAt = (byteOffset, byteLength) => {
      const buffer = new Uint8Array(Math.max(0, Math.min(byteLength, fileByteLength - byteOffset)));
      try {
        file.seekSync(byteOffset, Deno.SeekMode.Start);
        let done = 0;
        while (done < buffer.length) {
          const n = file.readSync(buffer.subarray(done));
          if (n === null || n === 0) break;
          done += n;
        }
        return buffer.subarray(0, done);
      } catch (error) {
        throw new SourceError(`Cannot read WAVE file: ${describeOsError(error)}`, path, { cause: error });
      }
    };
    return walkWav(read, path, fileByteLength, fileByteLength);
  } finally {
    file.close();
  }
}

/** A short description of a WAVE format ("48000 Hz mono 24-bit PCM"). */
export function describeWavFormat(
  info: Pick<WavInfo, "sampleRate" | "channelCount" | "bitsPerSample" | "formatTag">,
): string {
  const channels = info.channelCount === 1
    ? "mono"
    : info.channelCount === 2
    ? "stereo"
    : `${info.channelCount}-channel`;
  return `${info.sampleRate} Hz ${channels} ${info.bitsPerSample}-bit ${formatName(info.formatTag)}`;
}

function formatName(tag: number): string {
  switch (tag) {
    case WavFormatTag.pcm:
      return "PCM";
    case WavFormatTag.ieeeFloat:
      return "IEEE float";
    case WavFormatTag.adpcm:
      return "MS ADPCM";
    case WavFormatTag.aLaw:
      return "A-law";
    case WavFormatTag.muLaw:
      return "mu-law";
    case WavFormatTag.imaAdpcm:
      return "IMA ADPCM";
    case WavFormatTag.mpegLayer3:
      return "MPEG Layer 3";
    case WavFormatTag.extensible:
      return "extensible (unknown sub-format)";
    default:
      return `format 0x${tag.toString(16).padStart(4, "0")}`;
  }
}

/**
 * Throws unless the WAVE data is CD audio: PCM (format 1, or WAVE_FORMAT_EXTENSIBLE with the PCM
 * sub-format), 16-bit, 44100 Hz, stereo. The message names the file, what it is, and a command
 * that converts it.
 *
 * @throws {FormatError} any other format.
 * @example
 * ```ts
 * checkCdAudio(inspectWavFile("a.wav"), "a.wav");
 * // FormatError: Cannot use WAVE file "a.wav" as CD audio: it is 48000 Hz mono 24-bit PCM, … sox "a.wav" -r 44100 -c 2 -b 16 …
 * ```
 */
export function checkCdAudio(info: WavInfo, name: string): void {
  const ok = info.formatTag === WavFormatTag.pcm && info.bitsPerSample === CD_BITS_PER_SAMPLE &&
    info.sampleRate === CD_SAMPLE_RATE && info.channelCount === CD_CHANNEL_COUNT;
  if (ok) return;
  const out = name.replace(/(\.wave?)?$/i, "-cd.wav");
  throw new FormatError(
    `Cannot use WAVE file "${name}" as CD audio: it is ${describeWavFormat(info)}, CD audio needs ` +
      `44100 Hz stereo 16-bit PCM; convert it with: sox "${name}" -r 44100 -c 2 -b 16 -e signed-integer "${out}" ` +
      `(or: ffmpeg -i "${name}" -ar 44100 -ac 2 -c:a pcm_s16le "${out}")`,
    { structure: "fmt chunk", field: "wFormatTag/nChannels/nSamplesPerSec/wBitsPerSample" },
  );
}

/**
 * The canonical 44-byte header of a 44100 Hz stereo 16-bit PCM WAVE file whose `data` chunk holds
 * `pcmByteLength` bytes (they follow the header; CD sectors are 2352 bytes = 588 frames).
 *
 * @throws {RangeError} `pcmByteLength` is not a multiple of 4 or does not fit a RIFF file.
 * @example
 * ```ts
 * const header = encodeWavHeader(sectorCount * 2352);
 * ```
 */
export function encodeWavHeader(pcmByteLength: number): Uint8Array {
  if (!Number.isSafeInteger(pcmByteLength) || pcmByteLength < 0 || pcmByteLength % 4 !== 0) {
    throw new RangeError(
      `Cannot encode WAVE header: PCM length ${pcmByteLength} is not a whole number of frames`,
    );
  }
  if (pcmByteLength > SIZE_UNKNOWN - 1 - 36) {
    throw new RangeError(
      `Cannot encode WAVE header: PCM length ${pcmByteLength} exceeds a RIFF file's 4 GiB`,
    );
  }
  const bytes = new Uint8Array(WAV_HEADER_BYTES);
  const view = new DataView(bytes.buffer);
  const setId = (at: number, id: string) => {
    for (let i = 0; i < 4; i++) bytes[at + i] = id.charCodeAt(i);
  };
  const blockAlign = CD_CHANNEL_COUNT * CD_BITS_PER_SAMPLE / 8;
  setId(0, "RIFF"); // 0: RIFF id
  view.setUint32(4, 36 + pcmByteLength, true); // 4: RIFF size = file length - 8
  setId(8, "WAVE"); // 8: form type
  setId(12, "fmt "); // 12: fmt chunk id
  view.setUint32(16, 16, true); // 16: fmt chunk size (PCMWAVEFORMAT)
  view.setUint16(20, WavFormatTag.pcm, true); // 20: wFormatTag
  view.setUint16(22, CD_CHANNEL_COUNT, true); // 22: nChannels
  view.setUint32(24, CD_SAMPLE_RATE, true); // 24: nSamplesPerSec
  view.setUint32(28, CD_SAMPLE_RATE * blockAlign, true); // 28: nAvgBytesPerSec = 176400
  view.setUint16(32, blockAlign, true); // 32: nBlockAlign = 4
  view.setUint16(34, CD_BITS_PER_SAMPLE, true); // 34: wBitsPerSample
  setId(36, "data"); // 36: data chunk id
  view.setUint32(40, pcmByteLength, true); // 40: data chunk size
  return bytes;
}
