/**
 * Reading cdrdao TOC files (the `.toc` next to a .bin that `cdrdao read-cd` and `disc cd --toc`
 * write) into a {@link Disc}: disc type, CATALOG, TRACK with its mode (AUDIO, MODE1, MODE1_RAW,
 * MODE2, MODE2_FORM1, MODE2_RAW), COPY / PRE_EMPHASIS / FOUR_CHANNEL_AUDIO, ISRC, the data sources
 * (DATAFILE, FILE / AUDIOFILE with SWAP and #offset, ZERO, SILENCE), START, PREGAP and INDEX.
 * CD_TEXT blocks are skipped. Tracks follow each other from LBA 0 (track 1's 2-second pregap is
 * implied, as on every CD). One session.
 * @module
 */

import {
  type Disc,
  type DiscTrack,
  NO_TRACK_FLAGS,
  type SectorFormat,
  SectorFormat as Format,
  sessionTypeOf,
  TRACK1_PREGAP_SECTORS,
  TrackMode,
} from "./disc.ts";
import { FormatError, SourceError } from "./errors.ts";
import { describeOsError, type Region, RegionList } from "./regions.ts";

/** A track mode keyword: the Disc mode, the stored format and bytes per sector. */
const MODES: Readonly<Record<string, { mode: TrackMode; format: SectorFormat; bytes: number }>> = {
  AUDIO: { mode: TrackMode.audio, format: Format.rawBigEndianAudio, bytes: 2352 },
  MODE1: { mode: TrackMode.mode1, format: Format.userData2048, bytes: 2048 },
  MODE1_RAW: { mode: TrackMode.mode1, format: Format.raw, bytes: 2352 },
  MODE2: { mode: TrackMode.mode2Xa, format: Format.mode2After2336, bytes: 2336 },
  MODE2_FORM_MIX: { mode: TrackMode.mode2Xa, format: Format.mode2After2336, bytes: 2336 },
  MODE2_FORM1: { mode: TrackMode.mode2Xa, format: Format.userData2048, bytes: 2048 },
  MODE2_RAW: { mode: TrackMode.mode2Xa, format: Format.raw, bytes: 2352 },
};

interface Token {
  readonly text: string;
  readonly quoted: boolean;
  readonly line: number;
}

function tokenize(text: string, path: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  for (let i = 0; i < text.length;) {
    const c = text[i];
    if (c === "\n") {
      line++;
      i++;
    } else if (/\s/.test(c)) i++;
    else if (c === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
    } else if (c === '"') {
      let j = i + 1, value = "";
      while (j < text.length && text[j] !== '"') {
        if (text[j] === "\\" && j + 1 < text.length) j++;
        value += text[j++];
      }
      if (j >= text.length) {
        throw new FormatError(`${path}:${line}: a string is not closed`, { structure: "TOC file" });
      }
      tokens.push({ text: value, quoted: true, line });
      i = j + 1;
    } else if (c === "{" || c === "}" || c === ",") {
      tokens.push({ text: c, quoted: false, line });
      i++;
    } else {
      let j = i;
      while (j < text.length && !/[\s{}",]/.test(text[j])) j++;
      tokens.push({ text: text.slice(i, j), quoted: false, line });
      i = j;
    }
  }
  return tokens;
}

/** "mm:ss:ff" or a plain sector count → sectors. */
function sectorsOf(token: Token | undefined, path: string): number {
  const m = token && !token.quoted ? /^(\d+):(\d+):(\d+)$/.exec(token.text) : null;
  if (m) return Number(m[1]) * 4500 + Number(m[2]) * 75 + Number(m[3]);
  if (token && !token.quoted && /^\d+$/.test(token.text)) return Number(token.text);
  throw new FormatError(
    `${path}:${token?.line ?? "end"}: "${token?.text ?? ""}" is not a length (mm:ss:ff)`,
    {
      structure: "TOC file",
    },
  );
}

/**
 * Reads a cdrdao TOC file into a Disc whose tracks read from the files it names (relative to
 * the TOC's folder).
 *
 * @throws {FormatError} naming the line; {@link SourceError} for a missing data file.
 * @example
 * ```ts
 * const disc = loadCdrdaoToc("disc.toc");
 * ```
 */
export function loadCdrdaoToc(path: string): Disc {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (error) {
    throw new SourceError(`Cannot open image: ${describeOsError(error)}`, path);
  }
  const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/") + 1) : "";
  const tokens = tokenize(text, path);
  const fail = (token: Token | undefined, message: string): never => {
    throw new FormatError(`${path}:${token?.line ?? "end"}: ${message}`, { structure: "TOC file" });
  };
  const fileSizes = new Map<string, number>();
  const sizeOf = (name: string) => {
    const full = name.startsWith("/") ? name : `${dir}${name}`;
    let size = fileSizes.get(full);
    if (size === undefined) {
      try {
        size = Deno.statSync(full).size;
      } catch (error) {
        throw new SourceError(`Cannot open the TOC's data file: ${describeOsError(error)}`, full);
      }
      fileSizes.set(full, size);
    }
    return { full, size };
  };
  let i = 0;
  const skipBlock = () => {
    if (tokens[i]?.text !== "{") fail(tokens[i], "CD_TEXT must be followed by {");
    let depth = 0;
    do {
      if (tokens[i].text === "{") depth++;
      else if (tokens[i].text === "}") depth--;
      i++;
    } while (depth > 0 && i < tokens.length);
    if (depth > 0) fail(undefined, "a { block is not closed");
  };
  let catalog: string | undefined;
  const tracks: DiscTrack[] = [];
  let lba = 0;
  while (i < tokens.length) {
    const token = tokens[i++];
    switch (token.text) {
      case "CD_DA":
      case "CD_ROM":
      case "CD_ROM_XA":
      case "CD_I":
        break;
      case "CATALOG":
        catalog = tokens[i++]?.text;
        break;
      case "CD_TEXT":
        skipBlock();
        break;
      case "TRACK": {
        const modeToken = tokens[i++];
        const kind = MODES[modeToken?.text ?? ""] ??
          fail(modeToken, `track mode "${modeToken?.text}" is not supported`);
        if (tokens[i]?.text === "RW" || tokens[i]?.text === "RW_RAW") {
          fail(tokens[i], "sub-channel data in a TOC is not supported");
        }
        const number = tracks.length + 1;
        const flags = { ...NO_TRACK_FLAGS };
        let isrc: string | undefined;
        let length = 0;
        let startOffset: number | undefined;
        const indexes: number[] = [];
        const regions: Region[] = [];
        let storedFrom: number | undefined;
        let swap = false;
        let no = false;
        while (i < tokens.length && tokens[i].text !== "TRACK") {
          const t = tokens[i++];
          switch (t.text) {
            case "NO":
              no = true;
              continue;
            case "COPY":
              flags.copyPermitted = !no;
              break;
            case "PRE_EMPHASIS":
              flags.preEmphasis = !no;
              break;
            case "FOUR_CHANNEL_AUDIO":
              flags.fourChannel = true;
              break;
            case "TWO_CHANNEL_AUDIO":
              break;
            case "ISRC":
              isrc = tokens[i++]?.text;
              break;
            case "CD_TEXT":
              skipBlock();
              break;
            case "ZERO":
            case "SILENCE": {
              if (MODES[tokens[i]?.text ?? ""]) i++; // ZERO may name a data mode
              const n = sectorsOf(tokens[i++], path);
              if (storedFrom !== undefined) {
                if (kind.mode !== TrackMode.audio) {
                  fail(t, "ZERO inside a data track's stored sectors is not supported");
                }
                regions.push({
                  kind: "zero",
                  label: `${path}: track ${number} silence`,
                  byteLength: n * kind.bytes,
                });
              }
              length += n;
              break;
            }
            case "DATAFILE":
            case "FILE":
            case "AUDIOFILE": {
              const name = tokens[i++];
              if (!name?.quoted) fail(name, `${t.text} needs a quoted file name`);
              swap = false;
              if (tokens[i]?.text === "SWAP") {
                swap = true;
                i++;
              }
              let byteOffset = 0;
              if (tokens[i]?.text.startsWith("#")) byteOffset = Number(tokens[i++].text.slice(1));
              const { full, size } = sizeOf(name.text);
              let start = 0;
              if (t.text !== "DATAFILE") start = sectorsOf(tokens[i++], path);
              let n: number;
              const next = tokens[i];
              if (next && !next.quoted && /^(\d+:\d+:\d+|\d+)$/.test(next.text)) {
                n = sectorsOf(tokens[i++], path);
              } else n = Math.floor((size - byteOffset - start * kind.bytes) / kind.bytes);
              const from = byteOffset + start * kind.bytes;
              if (!Number.isSafeInteger(from) || n < 0 || from + n * kind.bytes > size) {
                fail(t, `${n} sectors from byte ${from} of "${name.text}" run past its ${size} bytes`);
              }
              storedFrom ??= length;
              regions.push({
                kind: "file",
                label: `${full}: track ${number}`,
                path: full,
                fileByteOffset: from,
                byteLength: n * kind.bytes,
                fileByteLength: size,
              });
              length += n;
              break;
            }
            case "START":
              startOffset = tokens[i] && /^\d+:\d+:\d+$/.test(tokens[i].text)
                ? sectorsOf(tokens[i++], path)
                : length;
              break;
            case "PREGAP": {
              const n = sectorsOf(tokens[i++], path);
              if (length > 0) fail(t, "PREGAP must come before the track's data");
              length += n;
              startOffset = n;
              break;
            }
            case "INDEX":
              indexes.push(sectorsOf(tokens[i++], path));
              break;
            default:
              fail(t, `"${t.text}" is not a TOC keyword this reader knows`);
          }
          no = false;
        }
        if (length === 0 || storedFrom === undefined) fail(modeToken, `track ${number} has no data`);
        const start = startOffset ?? 0;
        const format = kind.mode === TrackMode.audio && swap ? Format.raw : kind.format;
        const pregapLba = number === 1 && start === 0 ? -TRACK1_PREGAP_SECTORS : lba;
        tracks.push({
          number,
          session: 1,
          mode: kind.mode,
          pregapLba,
          startLba: lba + start,
          extraIndexLbas: indexes.map((x) => lba + start + x),
          endLba: lba + length,
          postgapSectorCount: 0,
          flags,
          isrc: isrc && /^[A-Z0-9]{12}$/.test(isrc) ? isrc : undefined,
          storage: {
            format,
            firstLba: lba + storedFrom!,
            sectorCount: length - storedFrom!,
            regions: new RegionList(regions),
          },
        });
        lba += length;
        break;
      }
      default:
        fail(token, `"${token.text}" is not a TOC keyword this reader knows`);
    }
  }
  if (tracks.length === 0) fail(undefined, "no TRACK");
  return {
    catalog: catalog && /^\d{13}$/.test(catalog) ? catalog : undefined,
    sessions: [{ number: 1, type: sessionTypeOf(tracks), tracks, leadOutLba: lba }],
  };
}
