/**
 * Binary CD-TEXT: the 18-byte packs a drive returns for MMC READ TOC format 5, that a recorder
 * writes into the lead-in, and that a CUE `CDTEXTFILE` / cdrecord `textfile=` / cdrskin `.cdt`
 * file holds (cue-sheet.md §6; CRC as the Q sub-channel's, cd-sectors.md §6).
 *
 * A pack: `0: pack type, 1: track number (bit 7 extension), 2: sequence number, 3: DBCC (bit 7) |
 * block (bits 6–4) | character position (bits 3–0), 4–15: 12 data bytes, 16–17: CRC-16`. For each
 * pack type the NUL-terminated strings of the disc (track 0) and of every track are written
 * back to back and cut into 12-byte pieces; byte 1 names the track whose string the pack starts
 * in and the character position counts the characters of that string before it (15 = 15 or more).
 * Each block ends with three SIZE_INFO (0x8F) packs: character code, first/last track, pack
 * counts per type, the last sequence number of each block and each block's language.
 *
 * What we write: block 0 only, language English (0x09), character code ISO-8859-1 (0x00).
 * Strings must be printable ISO-8859-1 (U+0020–U+007E, U+00A0–U+00FF); anything else is
 * refused with a RangeError naming the track and field — silently writing '?' would burn
 * wrong text into a lead-in that cannot be changed later.
 * @module
 */

import type { CdTextFields } from "./disc.ts";
import { FormatError, type FormatLocation } from "./errors.ts";

/** Bytes per CD-TEXT pack. */
export const CD_TEXT_PACK_BYTES = 18;
/** Bytes of the MMC READ TOC header some `.cdt` writers put in front of the packs. */
export const CD_TEXT_FILE_HEADER_BYTES = 4;
/** Packs per block: the sequence number is one byte. */
export const MAX_PACKS_PER_BLOCK = 256;

/** CD-TEXT pack types (MMC-3 Annex J; cue-sheet.md §6). */
export const CdTextPackType = {
  title: 0x80,
  performer: 0x81,
  songwriter: 0x82,
  composer: 0x83,
  arranger: 0x84,
  message: 0x85,
  discId: 0x86,
  genre: 0x87,
  tocInfo1: 0x88,
  tocInfo2: 0x89,
  closedInfo: 0x8d,
  upcIsrc: 0x8e,
  sizeInfo: 0x8f,
} as const;

/** SIZE_INFO character codes. */
export const CdTextCharacterCode = {
  iso8859_1: 0x00,
  ascii: 0x01,
  msJis: 0x80,
} as const;

/** The language code we write for block 0: English (EBU Tech 3264 / MMC). */
export const LANGUAGE_ENGLISH = 0x09;

/** The CD-TEXT genre codes (Sony/MMC table; byte pair at the start of a GENRE pack's data). */
export const CD_TEXT_GENRES: readonly string[] = [
  "Not Used",
  "Not Defined",
  "Adult Contemporary",
  "Alternative Rock",
  "Childrens Music",
  "Classical",
  "Contemporary Christian",
  "Country",
  "Dance",
  "Easy Listening",
  "Erotic",
  "Folk",
  "Gospel",
  "Hip Hop",
  "Jazz",
  "Latin",
  "Musical",
  "New Age",
  "Opera",
  "Operetta",
  "Pop Music",
  "Rap",
  "Reggae",
  "Rock Music",
  "Rhythm & Blues",
  "Sound Effects",
  "Spoken Word",
  "World Music",
];

/** The text fields written per track (and for the disc), in pack-type order. */
const TRACK_TEXT_TYPES: readonly (readonly [number, keyof CdTextFields, string])[] = [
  [CdTextPackType.title, "title", "TITLE"],
  [CdTextPackType.performer, "performer", "PERFORMER"],
  [CdTextPackType.songwriter, "songwriter", "SONGWRITER"],
  [CdTextPackType.composer, "composer", "COMPOSER"],
  [CdTextPackType.arranger, "arranger", "ARRANGER"],
  [CdTextPackType.message, "message", "MESSAGE"],
];

/** One track as the encoder needs it (a `DiscTrack` fits). */
export interface CdTextTrackInput {
  readonly number: number;
  readonly cdText?: CdTextFields;
  /** Written as the track's UPC_ISRC (0x8E) text unless `cdText.upcIsrc` is set. */
  readonly isrc?: string;
}

/** What the encoder needs of a disc (a `Disc` flattened to its tracks fits). */
export interface CdTextInput {
  readonly cdText?: CdTextFields;
  readonly tracks: readonly CdTextTrackInput[];
  /** Written as the disc's UPC_ISRC (0x8E) text unless `cdText.upcIsrc` is set. */
  readonly catalog?: string;
}

/** Options of {@link encodeCdTextPacks}. */
export interface CdTextEncodeOptions {
  /**
   * Write a track string equal to the previous track's as a single TAB (0x09), the MMC shortcut
   * libburn uses. Default false: every string is written out.
   */
  readonly useTab?: boolean;
}

/**
 * CRC-16 of a pack's first 16 bytes: polynomial 0x1021, MSB first, initial value 0, result
 * inverted (the Q sub-channel CRC, cd-sectors.md §6).
 *
 * @example
 * ```ts
 * cdTextCrc(pack.subarray(0, 16)) === ((pack[16] << 8) | pack[17]);
 * ```
 */
export function cdTextCrc(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
  }
  return crc ^ 0xffff;
}

/** Latin-1 bytes of a string plus its NUL; RangeError naming the field for anything else. */
function latin1(text: string, where: string): number[] {
  const bytes: number[] = [];
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (!((code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff))) {
      throw new RangeError(
        `Cannot encode CD-TEXT: ${where} "${text}" has the character ${JSON.stringify(char)} (U+${
          code.toString(16).toUpperCase().padStart(4, "0")
        }), outside printable ISO-8859-1`,
      );
    }
    bytes.push(code);
  }
  bytes.push(0);
  return bytes;
}

/** Builds a block's packs: sequence numbers, character positions and CRCs. */
class PackWriter {
  readonly packs: Uint8Array[] = [];
  readonly countByType = new Array<number>(16).fill(0);

  /** Writes `items` of one pack type back to back; `binaryBytes` leading bytes do not count as characters. */
  write(
    type: number,
    items: readonly { track: number; bytes: readonly number[]; binaryBytes?: number }[],
  ): void {
    let pack: Uint8Array | undefined;
    let used = 0;
    for (const item of items) {
      item.bytes.forEach((byte, i) => {
        if (!pack || used === 12) {
          if (pack) this.#finish(pack);
          const characterPosition = Math.min(15, Math.max(0, i - (item.binaryBytes ?? 0)));
          pack = this.#start(type, item.track, characterPosition);
          used = 0;
        }
        pack[4 + used++] = byte; // 4..15: data
      });
    }
    if (pack) this.#finish(pack);
  }

  #start(type: number, track: number, characterPosition: number): Uint8Array {
    if (this.packs.length >= MAX_PACKS_PER_BLOCK) {
      throw new RangeError(
        `Cannot encode CD-TEXT: the text needs more than ${MAX_PACKS_PER_BLOCK} packs (one block)`,
      );
    }
    const pack = new Uint8Array(CD_TEXT_PACK_BYTES);
    pack[0] = type; // 0: pack type
    pack[1] = track; // 1: track number, extension flag 0
    pack[2] = this.packs.length; // 2: sequence number within the block
    pack[3] = (0 << 7) | (0 << 4) | characterPosition; // 3: single-byte, block 0, character position
    this.countByType[type - 0x80]++;
    this.packs.push(pack);
    return pack;
  }

  #finish(pack: Uint8Array): void {
    const crc = cdTextCrc(pack.subarray(0, 16));
    pack[16] = crc >> 8; // 16: CRC-16, big-endian, inverted
    pack[17] = crc & 0xff;
  }
}

/**
 * The data of a GENRE item (pack 0x87, cdrdao's `GENRE { … }`): the genre code whose name matches
 * `genre` (case-insensitive; else 1 "Not Defined"), big-endian, then `genre` as text with its NUL.
 *
 * @throws {RangeError} a character outside printable ISO-8859-1.
 * @example
 * ```ts
 * cdTextGenreBytes("Jazz"); // [0x00, 0x0e, 0x4a, 0x61, 0x7a, 0x7a, 0x00]
 * ```
 */
export function cdTextGenreBytes(genre: string): number[] {
  const found = CD_TEXT_GENRES.findIndex((name, i) => i >= 2 && name.toLowerCase() === genre.toLowerCase());
  const code = found >= 0 ? found : 1;
  return [code >> 8, code & 0xff, ...cdTextLatin1Bytes(genre, "disc GENRE")]; // 0: code (BE), 2: text
}

/**
 * The ISO-8859-1 bytes of a CD-TEXT string followed by its NUL.
 *
 * @throws {RangeError} a character outside printable ISO-8859-1 (U+0020–U+007E, U+00A0–U+00FF),
 *   naming `where` (e.g. "track 2 TITLE").
 * @example
 * ```ts
 * cdTextLatin1Bytes("Café", "disc TITLE"); // [0x43, 0x61, 0x66, 0xe9, 0x00]
 * ```
 */
export function cdTextLatin1Bytes(text: string, where: string): number[] {
  return latin1(text, where);
}

function checkTracks(tracks: readonly CdTextTrackInput[]): void {
  if (tracks.length === 0) throw new RangeError("Cannot encode CD-TEXT: the disc has no track");
  tracks.forEach((track, i) => {
    const expected = tracks[0].number + i;
    if (
      !Number.isInteger(track.number) || track.number < 1 || track.number > 99 || track.number !== expected
    ) {
      throw new RangeError(
        `Cannot encode CD-TEXT: track numbers must run 1..99 without gaps, found "${track.number}" where "${expected}" belongs`,
      );
    }
    for (const field of ["discId", "genre"] as const) {
      if (track.cdText?.[field] !== undefined) {
        throw new RangeError(
          `Cannot encode CD-TEXT: track ${track.number} has ${field === "genre" ? "GENRE" : "DISC_ID"} ` +
            `"${track.cdText[field]}", which CD-TEXT holds for the disc only`,
        );
      }
    }
  });
}

function hasText(fields: CdTextFields | undefined): boolean {
  return !!fields && Object.values(fields).some((v) => v !== undefined && v !== "");
}

/**
 * The CD-TEXT packs (block 0, English, ISO-8859-1) of a disc: TITLE, PERFORMER, SONGWRITER,
 * COMPOSER, ARRANGER, MESSAGE for the disc and its tracks, DISC_ID and GENRE for the disc,
 * UPC/EAN and ISRCs (0x8E), then the three SIZE_INFO packs. A type is written when the disc or
 * any track has it; tracks without it get an empty string. Returns no bytes when neither the disc
 * nor a track has CD-TEXT (a catalog number and ISRCs alone do not make CD-TEXT).
 *
 * GENRE is written as the genre code whose name matches (case-insensitive, else 1 "Not Defined")
 * followed by the string itself.
 *
 * @throws {RangeError} a character outside printable ISO-8859-1 (naming track and field), GENRE
 *   or DISC_ID on a track, track numbers not consecutive in 1..99, more than 256 packs.
 * @example
 * ```ts
 * const packs = encodeCdTextPacks({
 *   cdText: { title: "Album", performer: "Band" },
 *   tracks: [{ number: 1, cdText: { title: "Song" } }],
 * });
 * packs.length; // 18 × (packs)
 * ```
 */
export function encodeCdTextPacks(disc: CdTextInput, options: CdTextEncodeOptions = {}): Uint8Array {
  checkTracks(disc.tracks);
  if (!hasText(disc.cdText) && !disc.tracks.some((t) => hasText(t.cdText))) return new Uint8Array(0);
  const firstTrack = disc.tracks[0].number;
  const lastTrack = disc.tracks.at(-1)!.number;
  const writer = new PackWriter();

  const discUpc = disc.cdText?.upcIsrc ?? disc.catalog;
  const perTrack: [number, (t: CdTextTrackInput) => string | undefined, string | undefined, string][] = [
    ...TRACK_TEXT_TYPES.map(([type, field, label]) =>
      [type, (t: CdTextTrackInput) => t.cdText?.[field], disc.cdText?.[field], label] as [
        number,
        (t: CdTextTrackInput) => string | undefined,
        string | undefined,
        string,
      ]
    ),
  ];
  const writeTextType = (
    type: number,
    label: string,
    discValue: string | undefined,
    trackValue: (t: CdTextTrackInput) => string | undefined,
  ) => {
    const values = disc.tracks.map(trackValue);
    if (!discValue && !values.some(Boolean)) return;
    const items = [{ track: 0, bytes: latin1(discValue ?? "", `disc ${label}`) }];
    values.forEach((value, i) => {
      const number = disc.tracks[i].number;
      const same = options.useTab && i > 0 && value && value === values[i - 1];
      items.push({
        track: number,
        bytes: same ? [0x09, 0] : latin1(value ?? "", `track ${number} ${label}`),
      });
    });
    writer.write(type, items);
  };

  for (const [type, trackValue, discValue, label] of perTrack) {
    writeTextType(type, label, discValue, trackValue);
  }
  if (disc.cdText?.discId) {
    writer.write(CdTextPackType.discId, [{ track: 0, bytes: latin1(disc.cdText.discId, "disc DISC_ID") }]);
  }
  if (disc.cdText?.genre) {
    writer.write(CdTextPackType.genre, [{
      track: 0,
      bytes: cdTextGenreBytes(disc.cdText.genre),
      binaryBytes: 2,
    }]);
  }
  writeTextType(CdTextPackType.upcIsrc, "UPC_EAN/ISRC", discUpc, (t) => t.cdText?.upcIsrc ?? t.isrc);

  // SIZE_INFO: 36 bytes in three packs whose "track number" is 0, 1, 2
  const total = writer.packs.length + 3;
  if (total > MAX_PACKS_PER_BLOCK) {
    throw new RangeError(
      `Cannot encode CD-TEXT: the text needs ${total} packs, one block holds ${MAX_PACKS_PER_BLOCK}`,
    );
  }
  const counts = [...writer.countByType];
  counts[CdTextPackType.sizeInfo - 0x80] = 3;
  const info = new Array<number>(36).fill(0);
  info[0] = CdTextCharacterCode.iso8859_1; // 0: character code of block 0
  info[1] = firstTrack; // 1: first track number
  info[2] = lastTrack; // 2: last track number
  info[3] = 0x00; // 3: copyright flags (none)
  counts.forEach((count, i) => info[4 + i] = count); // 4..19: packs per type 0x80..0x8F
  info[20] = total - 1; // 20..27: last sequence number of blocks 0..7 (only block 0 used)
  info[28] = LANGUAGE_ENGLISH; // 28..35: language code of blocks 0..7
  for (let p = 0; p < 3; p++) {
    writer.write(CdTextPackType.sizeInfo, [{
      track: p,
      bytes: info.slice(p * 12, p * 12 + 12),
      binaryBytes: 12,
    }]);
  }

  const bytes = new Uint8Array(writer.packs.length * CD_TEXT_PACK_BYTES);
  writer.packs.forEach((pack, i) => bytes.set(pack, i * CD_TEXT_PACK_BYTES));
  return bytes;
}

/**
 * A `.cdt` CD-TEXT file as a CUE `CDTEXTFILE`, cdrecord/cdrskin `textfile=` and libburn's
 * `burn_cdtext_from_packfile` read it: the 4-byte MMC READ TOC format-5 header (data length =
 * pack bytes + 2, big-endian; two reserved bytes) followed by the packs of
 * {@link encodeCdTextPacks}. No trailing NUL. Empty when there is no CD-TEXT.
 *
 * @example
 * ```ts
 * await Deno.writeFile("disc.cdt", encodeCdTextFile(disc));
 * ```
 */
export function encodeCdTextFile(disc: CdTextInput, options: CdTextEncodeOptions = {}): Uint8Array {
  const packs = encodeCdTextPacks(disc, options);
  if (packs.length === 0) return packs;
  const bytes = new Uint8Array(CD_TEXT_FILE_HEADER_BYTES + packs.length);
  new DataView(bytes.buffer).setUint16(0, packs.length + 2, false); // 0: data length (after this field), BE
  // 2, 3: reserved
  bytes.set(packs, CD_TEXT_FILE_HEADER_BYTES); // 4: packs
  return bytes;
}

/** How {@link decodeCdTextPacks} treats problems (same convention as the other decoders). */
export interface CdTextDecodePolicy {
  /** Throw a FormatError on any problem (default false). */
  readonly strict?: boolean;
  /** Where lenient decoding records the problems it skipped. */
  readonly diagnostics?: string[];
}

/** Block 0 of decoded CD-TEXT. */
export interface CdTextDecoded {
  /** Disc (track 0) fields; `upcIsrc` is the UPC/EAN. */
  readonly cdText?: CdTextFields;
  /** Tracks `firstTrack … lastTrack`; `cdText.upcIsrc` is the ISRC. */
  readonly tracks: readonly { readonly number: number; readonly cdText?: CdTextFields }[];
  readonly firstTrack: number;
  readonly lastTrack: number;
  /** {@link CdTextCharacterCode} of block 0. */
  readonly characterCode: number;
  /** Language code of block 0 (0x09 English). */
  readonly languageCode: number;
  /** The GENRE pack's code, when present. */
  readonly genreCode?: number;
  /** Packs in the input (all blocks). */
  readonly packCount: number;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Decodes CD-TEXT packs (a `.cdt` file or a READ TOC format-5 answer): tolerates the 4-byte
 * header and a trailing 0x00 (length ≡ 0, 1, 4 or 5 mod 18), checks every CRC, sequence
 * numbers and the SIZE_INFO counts, and returns block 0's strings (TAB = same as the previous
 * track). Other blocks (languages) are skipped with a diagnostic.
 *
 * Policy: strict throws a FormatError for the first problem (naming the pack index); lenient (the
 * default) records it in `policy.diagnostics` and goes on — a bad CRC keeps the pack's data.
 *
 * @throws {FormatError} a length that cannot be packs, no pack at all, or (strict) any problem.
 * @example
 * ```ts
 * const diagnostics: string[] = [];
 * const text = decodeCdTextPacks(await Deno.readFile("disc.cdt"), "disc.cdt", { diagnostics });
 * console.log(text.cdText?.title, text.tracks.map((t) => t.cdText?.title));
 * ```
 */
export function decodeCdTextPacks(
  bytes: Uint8Array,
  name: string,
  policy: CdTextDecodePolicy = {},
): CdTextDecoded {
  const problem = (message: string, location: FormatLocation) => {
    const error = new FormatError(`Cannot read CD-TEXT "${name}": ${message}`, location);
    if (policy.strict) throw error;
    policy.diagnostics?.push(error.message);
  };
  const note = (message: string) => policy.diagnostics?.push(`CD-TEXT "${name}": ${message}`);

  // framing: [4-byte header] packs [0x00]
  const remainder = bytes.length % CD_TEXT_PACK_BYTES;
  const headerBytes = remainder === 4 || remainder === 5 ? CD_TEXT_FILE_HEADER_BYTES : 0;
  if (![0, 1, 4, 5].includes(remainder)) {
    throw new FormatError(
      `Cannot read CD-TEXT "${name}": ${bytes.length} bytes are not 18-byte packs (with an optional 4-byte header and trailing 0x00)`,
      { structure: "CD-TEXT file", byteOffset: 0 },
    );
  }
  const packCount = Math.floor((bytes.length - headerBytes) / CD_TEXT_PACK_BYTES);
  if (packCount === 0) {
    throw new FormatError(`Cannot read CD-TEXT "${name}": it holds no pack`, { structure: "CD-TEXT file" });
  }
  if (headerBytes) {
    const declared = (bytes[0] << 8) | bytes[1];
    const packBytes = packCount * CD_TEXT_PACK_BYTES;
    if (declared !== packBytes + 2 && declared !== packBytes + 3) {
      problem(`header says ${declared} bytes follow its length field, the packs take ${packBytes + 2}`, {
        structure: "CD-TEXT header",
        field: "Data Length",
        byteOffset: 0,
      });
    }
  }
  if (remainder === 1 || remainder === 5) {
    if (bytes.at(-1) !== 0) {
      problem(`trailing byte is 0x${bytes.at(-1)!.toString(16)}, not 0x00`, {
        structure: "CD-TEXT file",
        byteOffset: bytes.length - 1,
      });
    }
  }

  const allCrcZero = (() => {
    for (let i = 0; i < packCount; i++) {
      const at = headerBytes + i * CD_TEXT_PACK_BYTES;
      if (bytes[at + 16] || bytes[at + 17]) return false;
    }
    return true;
  })();
  if (allCrcZero && !policy.strict) note("every pack CRC is 0 (written without CRCs); not checked");

  const block0: Uint8Array[] = [];
  const otherBlocks = new Set<number>();
  for (let i = 0; i < packCount; i++) {
    const at = headerBytes + i * CD_TEXT_PACK_BYTES;
    const pack = bytes.subarray(at, at + CD_TEXT_PACK_BYTES);
    const type = pack[0];
    const where = `pack ${i} (type 0x${type.toString(16).padStart(2, "0")})`;
    if (!allCrcZero || policy.strict) {
      const crc = cdTextCrc(pack.subarray(0, 16));
      const stored = (pack[16] << 8) | pack[17];
      if (crc !== stored) {
        problem(
          `${where} has CRC 0x${stored.toString(16).padStart(4, "0")}, expected 0x${
            crc.toString(16).padStart(4, "0")
          }`,
          { structure: "CD-TEXT pack", field: "CRC", byteOffset: at + 16 },
        );
      }
    }
    if (type < 0x80 || type > 0x8f) {
      problem(`${where} has an unknown pack type`, {
        structure: "CD-TEXT pack",
        field: "pack type",
        byteOffset: at,
      });
      continue;
    }
    const block = (pack[3] >> 4) & 0x07;
    if (block !== 0) {
      otherBlocks.add(block);
      continue;
    }
    if (pack[3] & 0x80 && type !== CdTextPackType.sizeInfo) {
      problem(`${where} holds double-byte (MS-JIS) text, which is not supported`, {
        structure: "CD-TEXT pack",
        field: "DBCC",
        byteOffset: at + 3,
      });
      continue;
    }
    if (pack[2] !== block0.length) {
      problem(`${where} has sequence number ${pack[2]}, expected ${block0.length}`, {
        structure: "CD-TEXT pack",
        field: "sequence number",
        byteOffset: at + 2,
      });
    }
    block0.push(pack);
  }
  if (otherBlocks.size) note(`blocks ${[...otherBlocks].sort().join(", ")} (other languages) skipped`);

  // SIZE_INFO
  const sizePacks = block0.filter((p) => p[0] === CdTextPackType.sizeInfo);
  let info: Uint8Array | undefined;
  if (sizePacks.length === 3) {
    info = new Uint8Array(36);
    sizePacks.forEach((p, i) => info!.set(p.subarray(4, 16), i * 12));
  } else {
    problem(`block 0 has ${sizePacks.length} SIZE_INFO (0x8F) packs, expected 3`, {
      structure: "CD-TEXT SIZE_INFO",
    });
  }
  const textPacks = block0.filter((p) => p[0] !== CdTextPackType.sizeInfo);
  if (info) {
    for (let t = 0; t < 16; t++) {
      const actual = t === 15 ? sizePacks.length : textPacks.filter((p) => p[0] === 0x80 + t).length;
      if (info[4 + t] !== actual) {
        problem(
          `SIZE_INFO counts ${info[4 + t]} packs of type 0x${(0x80 + t).toString(16)}, found ${actual}`,
          {
            structure: "CD-TEXT SIZE_INFO",
            field: "pack count",
          },
        );
      }
    }
    if (info[20] !== block0.length - 1) {
      problem(`SIZE_INFO says block 0 ends at sequence number ${info[20]}, it ends at ${block0.length - 1}`, {
        structure: "CD-TEXT SIZE_INFO",
        field: "last sequence number",
      });
    }
  }
  // without SIZE_INFO: tracks from the lowest one a pack names, up to the last one with a string
  const seenTracks = textPacks.map((p) => p[1] & 0x7f).filter((t) => t > 0);
  let firstTrack = info?.[1] ?? (seenTracks.length ? Math.min(...seenTracks) : 1);
  let lastTrack = info?.[2] ?? 99;
  if (firstTrack < 1 || firstTrack > 99 || lastTrack < firstTrack || lastTrack > 99) {
    problem(`SIZE_INFO track range ${firstTrack}..${lastTrack} is not within 1..99`, {
      structure: "CD-TEXT SIZE_INFO",
      field: "first/last track",
    });
    firstTrack = Math.min(Math.max(firstTrack, 1), 99);
    lastTrack = Math.min(Math.max(lastTrack, firstTrack), 99);
  }

  const discFields: Mutable<CdTextFields> = {};
  const trackFields: Mutable<CdTextFields>[] = [];
  for (let n = firstTrack; n <= lastTrack; n++) trackFields.push({});
  const fieldsOf = (track: number): Mutable<CdTextFields> | undefined =>
    track === 0 ? discFields : trackFields[track - firstTrack];
  let genreCode: number | undefined;

  const dataOf = (type: number) => {
    const packs = textPacks.filter((p) => p[0] === type);
    const data = new Uint8Array(packs.length * 12);
    packs.forEach((p, i) => data.set(p.subarray(4, 16), i * 12));
    return { packs, data };
  };
  const text = (data: Uint8Array) => String.fromCharCode(...data);

  const stringTypes: [number, keyof CdTextFields][] = [
    ...TRACK_TEXT_TYPES.map(([type, field]) => [type, field] as [number, keyof CdTextFields]),
    [CdTextPackType.discId, "discId"],
    [CdTextPackType.upcIsrc, "upcIsrc"],
  ];
  for (const [type, field] of stringTypes) {
    const { packs, data } = dataOf(type);
    if (packs.length === 0) continue;
    let track = packs[0][1] & 0x7f;
    let start = 0;
    let previous: string | undefined;
    for (let i = 0; i < data.length && track <= lastTrack; i++) {
      if (data[i] !== 0) continue;
      let value = text(data.subarray(start, i));
      if (value === "\t" && track > 0) value = previous ?? "";
      const fields = fieldsOf(track);
      if (value !== "" && fields) fields[field] = value;
      previous = value;
      start = i + 1;
      track = track === 0 ? firstTrack : track + 1;
    }
    if (start < data.length && data.subarray(start).some((b) => b !== 0) && track <= lastTrack) {
      problem(`the last ${field} string is not NUL-terminated`, { structure: "CD-TEXT pack", field: "text" });
    }
  }
  {
    const { packs, data } = dataOf(CdTextPackType.genre);
    if (packs.length > 0 && data.length >= 2) {
      genreCode = (data[0] << 8) | data[1]; // 0: genre code, big-endian
      const end = data.indexOf(0, 2);
      const supplementary = text(data.subarray(2, end < 0 ? data.length : end)); // 2: text
      const genre = supplementary || (genreCode >= 2 ? CD_TEXT_GENRES[genreCode] : undefined);
      if (genre) discFields.genre = genre;
    }
  }

  const nonEmpty = (fields: CdTextFields) => Object.keys(fields).length ? fields : undefined;
  if (!info) {
    while (trackFields.length > 1 && !nonEmpty(trackFields.at(-1)!)) trackFields.pop();
    lastTrack = firstTrack + trackFields.length - 1;
  }
  const characterCode = info?.[0] ?? CdTextCharacterCode.iso8859_1;
  if (characterCode !== CdTextCharacterCode.iso8859_1 && characterCode !== CdTextCharacterCode.ascii) {
    note(`character code 0x${characterCode.toString(16)} read as ISO-8859-1`);
  }
  return {
    cdText: nonEmpty(discFields),
    tracks: trackFields.map((fields, i) => ({ number: firstTrack + i, cdText: nonEmpty(fields) })),
    firstTrack,
    lastTrack,
    characterCode,
    languageCode: info?.[28] ?? LANGUAGE_ENGLISH,
    genreCode,
    packCount,
  };
}
