/**
 * cdrdao TOC writer (cue-sheet.md §7; `cdrdao(1)` "TOC FILES") for the layout our CD authoring
 * writes: ONE raw BIN holding every sector of the disc from track 1 index 01 (LBA 0) to the
 * lead-out, 2352 bytes each — data sectors raw (sync, header, EDC/ECC), audio as little-endian
 * 16-bit stereo PCM, pregaps of tracks 2… and post-gaps stored like any other sector.
 *
 * - Data tracks are `MODE1_RAW` / `MODE2_RAW` with `DATAFILE "bin" #byteOffset MM:SS:FF`.
 * - Audio tracks are `FILE "bin" SWAP #byteOffset 0 MM:SS:FF`. cdrdao takes raw audio files as
 *   big-endian; the `SWAP` keyword (after the file name; accepted by cdrdao 1.2.4, tested with
 *   `cdrdao show-data`, which prints the samples) makes it read our little-endian samples. The
 *   alternative, `cdrdao write --swap`, would swap every audio file of the TOC.
 * - A stored pregap (index 00) is part of the track's data, closed by `START MM:SS:FF`; a post-gap
 *   is simply part of the track. Extra index points are `INDEX MM:SS:FF` from the track start.
 *   Track 1's 150-sector pregap (LBA −150…−1) is never in the BIN: cdrdao writes it itself.
 * - Session type `CD_DA` (audio only), `CD_ROM` (Mode 1 ± audio), `CD_ROM_XA` (any Mode 2), `CD_I`.
 * - `CATALOG`, `COPY`, `PRE_EMPHASIS`, `FOUR_CHANNEL_AUDIO`, `ISRC` (audio tracks), and CD-TEXT as
 *   `CD_TEXT` blocks (language 0 = English) where every item used anywhere is given for the disc
 *   and for every track (cdrdao's rule), `GENRE` as its binary code + text.
 * - A TOC describes one session: a multi-session disc (CD-Extra) is refused with a RangeError.
 *
 * The text is ASCII: non-ASCII ISO-8859-1 characters in CD-TEXT are written as octal escapes
 * (`\351`), which cdrdao turns back into the byte.
 * @module
 */

import { cdTextGenreBytes, cdTextLatin1Bytes } from "./cdtext.ts";
import { framesToTime } from "./cd/msf.ts";
import { type CdTextFields, type Disc, SessionType, TrackMode } from "./disc.ts";

/** Bytes per sector in the BIN the TOC describes. */
export const TOC_BIN_SECTOR_BYTES = 2352;

/** CD-TEXT items of a TOC's `LANGUAGE` block, in the order cdrdao lists them. */
const TOC_TEXT_ITEMS: readonly (readonly [keyof CdTextFields, string])[] = [
  ["title", "TITLE"],
  ["performer", "PERFORMER"],
  ["songwriter", "SONGWRITER"],
  ["composer", "COMPOSER"],
  ["arranger", "ARRANGER"],
  ["message", "MESSAGE"],
];

/** A TOC string literal of bytes: `"` and `\` escaped, everything outside printable ASCII as octal. */
function quoteBytes(bytes: readonly number[]): string {
  let out = '"';
  for (const byte of bytes) {
    if (byte === 0x22 || byte === 0x5c) out += "\\" + String.fromCharCode(byte);
    else if (byte >= 0x20 && byte <= 0x7e) out += String.fromCharCode(byte);
    else out += "\\" + byte.toString(8).padStart(3, "0");
  }
  return out + '"';
}

/** A CD-TEXT string as a TOC literal (ISO-8859-1, RangeError naming the field otherwise). */
function quoteText(text: string, where: string): string {
  return quoteBytes(cdTextLatin1Bytes(text, where).slice(0, -1));
}

/** The BIN file name as a TOC literal (the name is bytes in UTF-8; `"`/`\` escaped). */
function quoteFileName(name: string): string {
  if (name.length === 0 || /[\0\n\r]/.test(name)) {
    throw new RangeError(`Cannot write a cdrdao TOC: file name ${JSON.stringify(name)} cannot be quoted`);
  }
  return quoteBytes([...new TextEncoder().encode(name)]);
}

function msf(sectorCount: number): string {
  return framesToTime(sectorCount);
}

function sessionKeyword(disc: Disc): string {
  const session = disc.sessions[0];
  if (session.type === SessionType.cdRomXa) return "CD_ROM_XA";
  if (session.type === SessionType.cdI) return "CD_I";
  const anyMode2 = session.tracks.some((t) =>
    t.mode === TrackMode.mode2Xa || t.mode === TrackMode.mode2Formless
  );
  if (anyMode2) return "CD_ROM_XA";
  return session.tracks.every((t) => t.mode === TrackMode.audio) ? "CD_DA" : "CD_ROM";
}

/**
 * The cdrdao TOC of a single-session disc stored as one raw BIN (see the module comment).
 * `binFileName` is written as given (usually relative to the TOC's directory).
 *
 * @throws {RangeError} more than one session; track 1 not starting at LBA 0; tracks not
 *   contiguous; a catalog that is not 13 digits or an ISRC not `CCOOOYYSSSSS`; CD-TEXT that is not
 *   ISO-8859-1 or GENRE/DISC_ID on a track.
 * @example
 * ```ts
 * await Deno.writeTextFile("disc.toc", encodeCdrdaoToc(disc, "disc.bin"));
 * // cdrdao write --device /dev/sr0 disc.toc
 * ```
 */
export function encodeCdrdaoToc(disc: Disc, binFileName: string): string {
  if (disc.sessions.length !== 1) {
    throw new RangeError(
      `Cannot write a cdrdao TOC: the disc has ${disc.sessions.length} sessions and a TOC describes one ` +
        `(write each session with its own TOC and "cdrdao write --multi")`,
    );
  }
  const session = disc.sessions[0];
  const tracks = session.tracks;
  if (tracks.length === 0) throw new RangeError("Cannot write a cdrdao TOC: the session has no track");
  if (tracks[0].startLba !== 0) {
    throw new RangeError(
      `Cannot write a cdrdao TOC: track ${tracks[0].number} starts at LBA ${tracks[0].startLba}, not 0`,
    );
  }
  if (tracks[0].number !== 1) {
    throw new RangeError(
      `Cannot write a cdrdao TOC: the first track is numbered ${tracks[0].number}; cdrdao counts from 1`,
    );
  }
  const file = quoteFileName(binFileName);
  const lines: string[] = [
    `// cdrdao TOC written by discwright: ${tracks.length} track(s) in ${JSON.stringify(binFileName)},`,
    `// ${TOC_BIN_SECTOR_BYTES} bytes per sector from track 1 index 01 to the lead-out (LBA ${session.leadOutLba})`,
  ];

  if (disc.catalog !== undefined) {
    if (!/^[0-9]{13}$/.test(disc.catalog)) {
      throw new RangeError(`Cannot write a cdrdao TOC: catalog "${disc.catalog}" is not 13 digits`);
    }
    lines.push(`CATALOG "${disc.catalog}"`);
  }
  lines.push(sessionKeyword(disc), "");

  // CD-TEXT: every item used anywhere goes to the disc and to every track (cdrdao(1) "CD-TEXT Blocks")
  const trackTexts = tracks.map((t) => t.cdText);
  const used = TOC_TEXT_ITEMS.filter(([field]) => [disc.cdText, ...trackTexts].some((f) => f?.[field]));
  const anyIsrcText = [disc.cdText?.upcIsrc, ...trackTexts.map((f) => f?.upcIsrc)].some(Boolean);
  for (const track of tracks) {
    for (const field of ["genre", "discId"] as const) {
      if (track.cdText?.[field]) {
        throw new RangeError(
          `Cannot write a cdrdao TOC: track ${track.number} has CD-TEXT ${
            field === "genre" ? "GENRE" : "DISC_ID"
          } ` +
            `"${track.cdText[field]}", which belongs to the disc only`,
        );
      }
    }
  }
  const hasCdText = used.length > 0 || anyIsrcText || !!disc.cdText?.discId || !!disc.cdText?.genre;
  // a DISC_ID needs an ISRC item on every track (cdrdao(1))
  const writeIsrcItems = anyIsrcText || !!disc.cdText?.discId;
  if (hasCdText) {
    const discText = disc.cdText ?? {};
    lines.push("CD_TEXT {", "  LANGUAGE_MAP {", "    0 : EN", "  }", "  LANGUAGE 0 {");
    for (const [field, item] of used) {
      lines.push(`    ${item} ${quoteText(discText[field] ?? "", `disc ${item}`)}`);
    }
    if (discText.discId) lines.push(`    DISC_ID ${quoteText(discText.discId, "disc DISC_ID")}`);
    if (discText.genre) lines.push(`    GENRE { ${cdTextGenreBytes(discText.genre).join(", ")} }`);
    if (writeIsrcItems) lines.push(`    UPC_EAN ${quoteText(discText.upcIsrc ?? "", "disc UPC_EAN")}`);
    lines.push("  }", "}", "");
  }

  let expectedPregapLba = 0;
  for (const [i, track] of tracks.entries()) {
    const name = `track ${track.number}`;
    if (track.number !== i + 1) {
      throw new RangeError(`Cannot write a cdrdao TOC: ${name} is numbered out of order (expected ${i + 1})`);
    }
    // track 1's pregap below LBA 0 is not in the BIN; cdrdao writes its own
    const firstLba = i === 0 ? 0 : track.pregapLba;
    if (firstLba !== expectedPregapLba) {
      throw new RangeError(
        `Cannot write a cdrdao TOC: ${name} begins at LBA ${firstLba} but the previous track ends at ${expectedPregapLba}`,
      );
    }
    if (track.endLba <= track.startLba || track.startLba < firstLba) {
      throw new RangeError(`Cannot write a cdrdao TOC: ${name} spans LBA ${firstLba}..${track.endLba}`);
    }
    const isAudio = track.mode === TrackMode.audio;
    const mode = isAudio ? "AUDIO" : track.mode === TrackMode.mode1 ? "MODE1_RAW" : "MODE2_RAW";
    lines.push(
      `// track ${track.number}: LBA ${track.startLba}..${track.endLba - 1}` +
        (track.startLba > firstLba ? `, pregap from ${firstLba}` : "") +
        (track.postgapSectorCount ? `, post-gap ${track.postgapSectorCount} sectors` : ""),
    );
    lines.push(`TRACK ${mode}`);
    if (track.flags.copyPermitted) lines.push("COPY");
    if (track.flags.preEmphasis) {
      if (!isAudio) throw new RangeError(`Cannot write a cdrdao TOC: ${name} is data with pre-emphasis`);
      lines.push("PRE_EMPHASIS");
    }
    if (track.flags.fourChannel) {
      if (!isAudio) {
        throw new RangeError(`Cannot write a cdrdao TOC: ${name} is data with four-channel audio`);
      }
      lines.push("FOUR_CHANNEL_AUDIO");
    }
    if (track.isrc !== undefined) {
      if (!/^[A-Z0-9]{5}[0-9]{7}$/.test(track.isrc)) {
        throw new RangeError(`Cannot write a cdrdao TOC: ${name} ISRC "${track.isrc}" is not CCOOOYYSSSSS`);
      }
      // data tracks carry no ISRC in their Q sub-channel; cdrdao ignores it there
      if (isAudio) lines.push(`ISRC "${track.isrc}"`);
    }
    if (hasCdText) {
      const text = track.cdText ?? {};
      lines.push("CD_TEXT {", "  LANGUAGE 0 {");
      for (const [field, item] of used) {
        lines.push(`    ${item} ${quoteText(text[field] ?? "", `${name} ${item}`)}`);
      }
      if (writeIsrcItems) lines.push(`    ISRC ${quoteText(text.upcIsrc ?? "", `${name} ISRC`)}`);
      lines.push("  }", "}");
    }
    const byteOffset = firstLba * TOC_BIN_SECTOR_BYTES;
    const length = msf(track.endLba - firstLba);
    // audio: start sample 0 after the byte offset; SWAP = the file's samples are little-endian
    lines.push(
      isAudio ? `FILE ${file} SWAP #${byteOffset} 0 ${length}` : `DATAFILE ${file} #${byteOffset} ${length}`,
    );
    if (track.startLba > firstLba) lines.push(`START ${msf(track.startLba - firstLba)}`);
    for (const indexLba of track.extraIndexLbas) lines.push(`INDEX ${msf(indexLba - track.startLba)}`);
    lines.push("");
    expectedPregapLba = track.endLba;
  }
  if (session.leadOutLba !== expectedPregapLba) {
    throw new RangeError(
      `Cannot write a cdrdao TOC: the tracks end at LBA ${expectedPregapLba}, the lead-out is at ${session.leadOutLba}`,
    );
  }
  return lines.join("\n");
}

/**
 * The byte length of the BIN a TOC from {@link encodeCdrdaoToc} describes: every sector up to the
 * lead-out of session 1.
 *
 * @example
 * ```ts
 * assert((await Deno.stat("disc.bin")).size === cdrdaoBinByteLength(disc));
 * ```
 */
export function cdrdaoBinByteLength(disc: Disc): number {
  const first = disc.sessions[0];
  if (!first) throw new RangeError("Cannot size the BIN: the disc has no session");
  return first.leadOutLba * TOC_BIN_SECTOR_BYTES;
}
