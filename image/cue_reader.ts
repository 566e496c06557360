/**
 * Reads CUE sheets (CDRWIN syntax as cdrdao, libcue and libmirage accept it; cue-sheet.md) into
 * a {@link Disc}: the whole grammar — FILE BINARY/MOTOROLA/WAVE, every track mode, PREGAP vs
 * INDEX 00, POSTGAP, multi-file and single-file layouts, REM SESSION, CD-TEXT keywords — with
 * errors naming the line.
 *
 * Two steps: {@link decodeCueSheet} (pure text → {@link CueSheet}) and {@link cueSheetToDisc}
 * (sheet + the files' sizes → Disc, the track-start algorithm of cue-sheet.md §3).
 * @module
 */

import {
  type CdTextFields,
  type Disc,
  type DiscSession,
  type DiscTrack,
  LATER_SESSION_GAP_SECTORS,
  SECTOR_FORMAT_BYTES,
  SectorFormat,
  SESSION1_GAP_SECTORS,
  sessionTypeOf,
  TRACK1_PREGAP_SECTORS,
  type TrackFlags,
  TrackMode,
} from "./disc.ts";
import { withSubFileOfBin } from "./sub_file.ts";
import { FormatError, SourceError } from "./errors.ts";
import { describeOsError, RegionList } from "./regions.ts";
import { checkCdAudio, inspectWavFile } from "./wav.ts";

/** FILE types. */
export type CueFileType = "BINARY" | "MOTOROLA" | "WAVE" | "AIFF" | "MP3" | "FLAC";

/** TRACK modes with what they mean for the model. */
export const CUE_TRACK_MODES: Readonly<Record<string, { mode: TrackMode; format: SectorFormat }>> = {
  "AUDIO": { mode: TrackMode.audio, format: SectorFormat.raw },
  "CDG": { mode: TrackMode.audio, format: SectorFormat.rawWithSubchannel },
  "MODE1/2048": { mode: TrackMode.mode1, format: SectorFormat.userData2048 },
  "MODE1/2352": { mode: TrackMode.mode1, format: SectorFormat.raw },
  "MODE2/2048": { mode: TrackMode.mode2Xa, format: SectorFormat.userData2048 },
  "MODE2/2336": { mode: TrackMode.mode2Xa, format: SectorFormat.mode2After2336 },
  "MODE2/2352": { mode: TrackMode.mode2Xa, format: SectorFormat.raw },
  "CDI/2336": { mode: TrackMode.mode2Xa, format: SectorFormat.mode2After2336 },
  "CDI/2352": { mode: TrackMode.mode2Xa, format: SectorFormat.raw },
};

/** One TRACK of a sheet. */
export interface CueTrack {
  readonly number: number;
  /** The mode keyword as written, upper case ("MODE1/2352"). */
  readonly modeKeyword: string;
  /** Index of the FILE this track's data is in ({@link CueSheet.files}). */
  readonly fileIndex: number;
  readonly flags: TrackFlags;
  readonly isrc?: string;
  readonly cdText?: CdTextFields;
  /** PREGAP / POSTGAP in frames (generated, not in the file). */
  readonly pregapFrames?: number;
  readonly postgapFrames?: number;
  /** INDEX nn → frames from the start of the FILE. */
  readonly indexes: ReadonlyMap<number, number>;
  /** Session number (REM SESSION), 1 when the sheet has none. */
  readonly session: number;
  /** 1-based line of the TRACK command. */
  readonly line: number;
}

/** A parsed sheet. */
export interface CueSheet {
  readonly name: string;
  readonly catalog?: string;
  readonly cdTextFile?: string;
  readonly cdText?: CdTextFields;
  readonly files: readonly { readonly name: string; readonly type: CueFileType; readonly line: number }[];
  readonly tracks: readonly CueTrack[];
  /** REM lines other than SESSION, as "KEY value". */
  readonly remarks: readonly string[];
}

const TEXT_FIELDS: Readonly<Record<string, keyof CdTextFields>> = {
  TITLE: "title",
  PERFORMER: "performer",
  SONGWRITER: "songwriter",
  COMPOSER: "composer",
  ARRANGER: "arranger",
  MESSAGE: "message",
  DISC_ID: "discId",
  GENRE: "genre",
  UPC_EAN: "upcIsrc",
};
const FILE_TYPES: readonly CueFileType[] = ["BINARY", "MOTOROLA", "WAVE", "AIFF", "MP3", "FLAC"];

/** Splits a line into tokens; "double" and 'single' quoted strings keep their spaces. */
function tokenize(line: string): string[] {
  const tokens: string[] = [];
  const pattern = /"([^"]*)"?|'([^']*)'?|(\S+)/g;
  for (const m of line.matchAll(pattern)) tokens.push(m[1] ?? m[2] ?? m[3]);
  return tokens;
}

/** Frames of an "mm:ss:ff" (or "ss:ff", "ff") CUE time; undefined when malformed. */
function parseFrames(text: string): number | undefined {
  const parts = text.split(":");
  if (parts.length > 3 || parts.some((p) => !/^\d{1,4}$/.test(p))) return undefined;
  const [ff, ss = 0, mm = 0] = parts.map(Number).reverse();
  if (ff > 74 || ss > 59) return undefined;
  return (mm * 60 + ss) * 75 + ff;
}

/**
 * Parses CUE text. Throws FormatError naming the sheet and line for anything it cannot read.
 *
 * @example
 * ```ts
 * const sheet = decodeCueSheet(await Deno.readTextFile("x.cue"), "x.cue");
 * ```
 */
export function decodeCueSheet(text: string, name: string): CueSheet {
  const lines = text.replace(/^\uFEFF/, "").split(/\r\n|\r|\n/);
  const files: { name: string; type: CueFileType; line: number }[] = [];
  const tracks: CueTrack[] = [];
  const remarks: string[] = [];
  let catalog: string | undefined;
  let cdTextFile: string | undefined;
  const discText: Record<string, string> = {};
  let session = 1;
  type Building =
    & {
      -readonly [K in keyof CueTrack]: CueTrack[K];
    }
    & { text: Record<string, string>; indexes: Map<number, number>; afterIndex: boolean };
  let track: Building | undefined;

  const fail = (lineNumber: number, reason: string): never => {
    throw new FormatError(`Cannot read "${name}" line ${lineNumber}: ${reason}`, {
      structure: "CUE sheet",
      field: `line ${lineNumber}`,
    });
  };
  const finish = () => {
    if (!track) return;
    if (!track.indexes.has(1)) fail(track.line, `TRACK ${pad(track.number)} has no INDEX 01`);
    const { text: trackText, afterIndex: _a, ...rest } = track;
    tracks.push({ ...rest, cdText: Object.keys(trackText).length ? trackText as CdTextFields : undefined });
    track = undefined;
  };

  lines.forEach((raw, i) => {
    const n = i + 1;
    const tokens = tokenize(raw.trim());
    if (tokens.length === 0) return;
    const keyword = tokens[0].toUpperCase();
    const args = tokens.slice(1);
    const need = (count: number) => {
      if (args.length < count) fail(n, `${keyword} needs ${count} argument(s)`);
    };
    switch (keyword) {
      case "REM": {
        const key = (args[0] ?? "").toUpperCase();
        if (key === "SESSION") {
          const value = Number(args[1]);
          if (!Number.isInteger(value) || value < 1 || value > 99) {
            fail(n, `REM SESSION "${args[1]}" is not 1..99`);
          }
          if (value < session) fail(n, `REM SESSION ${value} goes back from session ${session}`);
          finish();
          session = value;
        } else if (args.length) remarks.push(args.join(" "));
        return;
      }
      case "CATALOG":
        need(1);
        if (!/^\d{13}$/.test(args[0])) fail(n, `CATALOG "${args[0]}" is not 13 digits`);
        if (track) fail(n, "CATALOG after the first TRACK");
        catalog = args[0];
        return;
      case "CDTEXTFILE":
        need(1);
        cdTextFile = args[0];
        return;
      case "FILE": {
        need(2);
        const type = args.at(-1)!.toUpperCase() as CueFileType;
        if (!FILE_TYPES.includes(type)) {
          fail(n, `FILE type "${args.at(-1)}" is not one of ${FILE_TYPES.join(", ")}`);
        }
        // The name is everything before the type (libmirage); quotes already stripped.
        files.push({ name: args.slice(0, -1).join(" "), type, line: n });
        if (track && !track.afterIndex) track.fileIndex = files.length - 1;
        else finish();
        return;
      }
      case "TRACK": {
        need(2);
        finish();
        const number = Number(args[0]);
        if (!/^\d{1,2}$/.test(args[0]) || number < 1 || number > 99) {
          fail(n, `track number "${args[0]}" is not 1..99`);
        }
        const previous = tracks.at(-1);
        if (previous && number !== previous.number + 1) {
          fail(n, `TRACK ${pad(number)} follows TRACK ${pad(previous.number)} (numbers go up by one)`);
        }
        const modeKeyword = args[1].toUpperCase();
        if (!CUE_TRACK_MODES[modeKeyword]) {
          fail(n, `track mode "${args[1]}" is not one of ${Object.keys(CUE_TRACK_MODES).join(", ")}`);
        }
        if (files.length === 0) fail(n, "TRACK before any FILE");
        track = {
          number,
          modeKeyword,
          fileIndex: files.length - 1,
          flags: { preEmphasis: false, copyPermitted: false, fourChannel: false },
          indexes: new Map(),
          session,
          line: n,
          text: {},
          afterIndex: false,
        };
        return;
      }
      case "FLAGS": {
        if (!track) return fail(n, "FLAGS before TRACK");
        if (track.afterIndex) fail(n, "FLAGS after INDEX");
        const set = new Set(args.map((a) => a.toUpperCase()));
        for (const flag of set) {
          if (!["DCP", "4CH", "PRE", "SCMS"].includes(flag)) fail(n, `unknown flag "${flag}"`);
        }
        track.flags = {
          preEmphasis: set.has("PRE"),
          copyPermitted: set.has("DCP"),
          fourChannel: set.has("4CH"),
          ...(set.has("SCMS") ? { serialCopyManagement: true } : {}),
        };
        return;
      }
      case "ISRC": {
        need(1);
        if (!track) { // libcue: a disc-level ISRC is CD-TEXT
          discText.upcIsrc = args[0];
          return;
        }
        if (!/^[A-Za-z0-9]{5}\d{7}$/.test(args[0])) fail(n, `ISRC "${args[0]}" is not CCOOOYYSSSSS`);
        track.isrc = args[0].toUpperCase();
        return;
      }
      case "PREGAP":
      case "POSTGAP": {
        need(1);
        if (!track) return fail(n, `${keyword} before TRACK`);
        const frames = parseFrames(args[0]);
        if (frames === undefined) fail(n, `${keyword} time "${args[0]}" is not mm:ss:ff`);
        if (keyword === "PREGAP") {
          if (track.afterIndex) fail(n, "PREGAP after INDEX");
          track.pregapFrames = frames;
        } else {
          if (!track.afterIndex) fail(n, "POSTGAP before INDEX");
          track.postgapFrames = frames;
        }
        return;
      }
      case "INDEX": {
        need(2);
        if (!track) return fail(n, "INDEX before TRACK");
        const number = Number(args[0]);
        if (!/^\d{1,2}$/.test(args[0]) || number > 99) fail(n, `index number "${args[0]}" is not 0..99`);
        const frames = parseFrames(args[1]);
        if (frames === undefined) {
          fail(n, `INDEX time "${args[1]}" is not mm:ss:ff (seconds < 60, frames < 75)`);
        }
        if (track.postgapFrames !== undefined) fail(n, "INDEX after POSTGAP");
        if (track.indexes.has(number)) fail(n, `INDEX ${pad(number)} given twice`);
        const numbers = [...track.indexes.keys()];
        const last = numbers.at(-1);
        if (last !== undefined && number !== last + 1) {
          fail(n, `INDEX ${pad(number)} follows INDEX ${pad(last)}`);
        }
        if (last === undefined && number > 1) fail(n, `INDEX ${pad(number)} before INDEX 01`);
        const lastFrames = last === undefined ? undefined : track.indexes.get(last)!;
        if (lastFrames !== undefined && frames! < lastFrames && files[track.fileIndex] === files.at(-1)) {
          fail(n, `INDEX ${pad(number)} at ${args[1]} is before the index before it`);
        }
        track.indexes.set(number, frames!);
        track.afterIndex = true;
        return;
      }
      default: {
        const field = TEXT_FIELDS[keyword];
        if (field) {
          const value = args.join(" ");
          if (track) track.text[field] = value;
          else discText[field] = value;
          return;
        }
        fail(n, `unknown command "${tokens[0]}"`);
      }
    }
  });
  finish();
  if (tracks.length === 0) {
    throw new FormatError(`Cannot read "${name}": it has no TRACK`, { structure: "CUE sheet" });
  }
  return {
    name,
    catalog,
    cdTextFile,
    cdText: Object.keys(discText).length ? discText as CdTextFields : undefined,
    files,
    tracks,
    remarks,
  };
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

/** Where a FILE's sector data lies. */
export interface ResolvedCueFile {
  readonly path: string;
  /** Size of the whole file, for the writer's change check. */
  readonly fileByteLength: number;
  /** Where the sector data starts (a WAV's data chunk) and how long it is. */
  readonly dataByteOffset: number;
  readonly dataByteLength: number;
}

/**
 * Turns a sheet into a Disc (cue-sheet.md §3): tracks of each FILE placed back to back, PREGAP
 * and POSTGAP generated, track 1 index 01 at LBA 0, later sessions after the 11400/6900 gap.
 *
 * @example
 * ```ts
 * const disc = cueSheetToDisc(sheet, resolveCueFileNextTo("x.cue"));
 * ```
 */
export function cueSheetToDisc(
  sheet: CueSheet,
  resolve: (file: CueSheet["files"][number]) => ResolvedCueFile,
): Disc {
  const resolved = sheet.files.map((f) => resolve(f));
  const fail = (line: number, reason: string): never => {
    throw new FormatError(`Cannot read "${sheet.name}" line ${line}: ${reason}`, {
      structure: "CUE sheet",
      field: `line ${line}`,
    });
  };
  // Pass 1: per FILE, the byte offset and sector count of each track's data.
  const placed = sheet.tracks.map((track, i) => {
    const file = resolved[track.fileIndex];
    const fileType = sheet.files[track.fileIndex].type;
    const spec = CUE_TRACK_MODES[track.modeKeyword];
    if (fileType !== "BINARY" && fileType !== "MOTOROLA" && spec.mode !== TrackMode.audio) {
      fail(track.line, `a ${fileType} file holds audio only, not ${track.modeKeyword}`);
    }
    if (fileType === "AIFF" || fileType === "MP3" || fileType === "FLAC") {
      fail(
        sheet.files[track.fileIndex].line,
        `${fileType} files are not read; convert to WAV (sox IN OUT.wav)`,
      );
    }
    const format = fileType === "MOTOROLA" && spec.mode === TrackMode.audio
      ? SectorFormat.rawBigEndianAudio
      : spec.format;
    const bytesPerSector = SECTOR_FORMAT_BYTES[format];
    const first = track.indexes.get(0) ?? track.indexes.get(1)!;
    const next = sheet.tracks[i + 1];
    const sameFile = next !== undefined && next.fileIndex === track.fileIndex;
    return { track, file, format, bytesPerSector, first, sameFile, next };
  });
  let byteOffset = 0;
  let lastFile = -1;
  const extents = placed.map((p) => {
    if (p.track.fileIndex !== lastFile) {
      byteOffset = p.first * p.bytesPerSector;
      lastFile = p.track.fileIndex;
    }
    const start = byteOffset;
    let frames: number;
    if (p.sameFile) {
      const nextFirst = p.next!.indexes.get(0) ?? p.next!.indexes.get(1)!;
      frames = nextFirst - p.first;
      if (frames < 0) fail(p.next!.line, `TRACK ${pad(p.next!.number)} starts before the track before it`);
    } else {
      const left = p.file.dataByteLength - start;
      if (left < 0) {
        fail(p.track.line, `TRACK ${pad(p.track.number)} starts past the end of "${p.file.path}"`);
      }
      frames = Math.floor(left / p.bytesPerSector);
      if (
        left % p.bytesPerSector !== 0 && p.format !== SectorFormat.raw &&
        p.format !== SectorFormat.rawBigEndianAudio
      ) {
        fail(p.track.line, `"${p.file.path}" does not end on a whole ${p.bytesPerSector}-byte sector`);
      }
    }
    if (start + frames * p.bytesPerSector > p.file.dataByteLength) {
      fail(p.track.line, `TRACK ${pad(p.track.number)} runs past the end of "${p.file.path}"`);
    }
    byteOffset = start + frames * p.bytesPerSector;
    return { ...p, byteOffset: start, frames };
  });

  // Pass 2: LBAs. pos counts disc sectors from an arbitrary origin; track 1 index 01 becomes 0.
  let pos = 0;
  const laid = extents.map((e, i) => {
    if (i > 0 && e.track.session !== extents[i - 1].track.session) {
      // A later session: the lead-out and lead-in between are not in the image.
      // Session 1's lead-out (6750) + the next lead-in (4500) + the 150-sector pregap; later lead-outs are 2250.
      pos += extents[i - 1].track.session === 1 ? SESSION1_GAP_SECTORS : LATER_SESSION_GAP_SECTORS;
    }
    const pregapStart = pos;
    pos += e.track.pregapFrames ?? 0;
    const storedStart = pos;
    const indexLbas = new Map([...e.track.indexes].map(([n, f]) => [n, pos + (f - e.first)] as const));
    pos += e.frames;
    const bodyEnd = pos;
    pos += e.track.postgapFrames ?? 0;
    return { e, pregapStart, storedStart, indexLbas, bodyEnd, end: pos };
  });
  const shift = -laid[0].indexLbas.get(1)!;

  const tracks: DiscTrack[] = laid.map(({ e, pregapStart, storedStart, indexLbas, end }, i) => {
    const startLba = indexLbas.get(1)! + shift;
    const indexZero = indexLbas.get(0);
    let pregapLba = Math.min(pregapStart, indexZero ?? pregapStart) + shift;
    const firstOfSession = i === 0 || e.track.session !== laid[i - 1].e.track.session;
    if (firstOfSession) pregapLba = Math.min(pregapLba, startLba - TRACK1_PREGAP_SECTORS);
    const endLba = end + shift;
    if (endLba <= startLba) fail(e.track.line, `TRACK ${pad(e.track.number)} has no sectors after INDEX 01`);
    const regions = new RegionList(
      e.frames === 0 ? [] : [{
        kind: "file",
        label: `track ${e.track.number} "${e.file.path}"`,
        path: e.file.path,
        fileByteOffset: e.file.dataByteOffset + e.byteOffset,
        byteLength: e.frames * e.bytesPerSector,
        fileByteLength: e.file.fileByteLength,
      }],
    );
    return {
      number: e.track.number,
      session: e.track.session,
      mode: CUE_TRACK_MODES[e.track.modeKeyword].mode,
      pregapLba,
      startLba,
      extraIndexLbas: [...indexLbas].filter(([n]) => n >= 2).map(([, lba]) => lba + shift),
      endLba,
      postgapSectorCount: e.track.postgapFrames ?? 0,
      flags: e.track.flags,
      ...(e.track.isrc ? { isrc: e.track.isrc } : {}),
      ...(e.track.cdText ? { cdText: e.track.cdText } : {}),
      ...(e.frames > 0
        ? {
          storage: {
            format: e.format,
            firstLba: storedStart + shift,
            sectorCount: e.frames,
            regions,
            ...(e.track.modeKeyword === "MODE2/2048" ? { xaForm: 1 as const } : {}),
          },
        }
        : {}),
    };
  });
  const sessions: DiscSession[] = [];
  for (const track of tracks) {
    const session = sessions.at(-1);
    if (session && session.number === track.session) (session.tracks as DiscTrack[]).push(track);
    else {
      if (track.session !== sessions.length + 1) {
        fail(
          sheet.tracks.find((t) => t.number === track.number)!.line,
          `session ${track.session} follows session ${sessions.length}`,
        );
      }
      sessions.push({ number: track.session, type: 0, tracks: [track], leadOutLba: 0 });
    }
  }
  return {
    sessions: sessions.map((s) => ({
      ...s,
      type: sessionTypeOf(s.tracks),
      leadOutLba: s.tracks.at(-1)!.endLba,
    })),
    ...(sheet.catalog ? { catalog: sheet.catalog } : {}),
    ...(sheet.cdText ? { cdText: sheet.cdText } : {}),
  };
}

/**
 * A resolver that finds each FILE next to the CUE: as written, then case-insensitively (as
 * libmirage does); WAVE files are checked to be CD audio and their data chunk located.
 *
 * @example
 * ```ts
 * const disc = cueSheetToDisc(sheet, resolveCueFileNextTo("/images/x.cue"));
 * ```
 */
export function resolveCueFileNextTo(cuePath: string): (file: CueSheet["files"][number]) => ResolvedCueFile {
  const dir = cuePath.includes("/") ? cuePath.slice(0, cuePath.lastIndexOf("/")) : ".";
  return (file) => {
    const wanted = file.name.replaceAll("\\", "/");
    const base = wanted.slice(wanted.lastIndexOf("/") + 1);
    const candidates = [wanted.startsWith("/") ? wanted : `${dir}/${wanted}`, `${dir}/${base}`];
    let path = candidates.find((c) => exists(c));
    if (!path) {
      try {
        const match = [...Deno.readDirSync(dir)].find((e) => e.name.toLowerCase() === base.toLowerCase());
        if (match) path = `${dir}/${match.name}`;
      } catch { /* the folder is unreadable: reported below */ }
    }
    if (!path) {
      throw new SourceError(
        `Cannot open "${file.name}" named by ${cuePath} line ${file.line}: no such file`,
        `${dir}/${wanted}`,
      );
    }
    let size: number;
    try {
      size = Deno.statSync(path).size;
    } catch (error) {
      throw new SourceError(
        `Cannot read the file named by ${cuePath} line ${file.line}: ${describeOsError(error)}`,
        path,
      );
    }
    if (file.type === "WAVE") {
      const info = inspectWavFile(path);
      checkCdAudio(info, path);
      return {
        path,
        fileByteLength: size,
        dataByteOffset: info.dataByteOffset,
        dataByteLength: info.dataByteLength,
      };
    }
    return { path, fileByteLength: size, dataByteOffset: 0, dataByteLength: size };
  };
}

function exists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/**
 * Reads a CUE file and the files it names into a Disc.
 *
 * @example
 * ```ts
 * const disc = loadCueDisc("mixed.cue");
 * ```
 */
export function loadCueDisc(cuePath: string): Disc {
  let bytes: Uint8Array;
  try {
    bytes = Deno.readFileSync(cuePath);
  } catch (error) {
    throw new SourceError(`Cannot read CUE sheet: ${describeOsError(error)}`, cuePath);
  }
  if (bytes.byteLength > 1024 * 1024) {
    throw new FormatError(
      `Cannot read "${cuePath}": ${bytes.byteLength} bytes is too large for a CUE sheet`,
      {
        structure: "CUE sheet",
      },
    );
  }
  // UTF-8 when it decodes; otherwise Latin-1 (CDRWIN-era sheets), so every byte means something.
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    text = new TextDecoder("latin1").decode(bytes);
  }
  // A .sub beside the BIN (BIN/CUE/SUB, as CDRWIN and dumping tools write it) adds sub-channel.
  return withSubFileOfBin(cueSheetToDisc(decodeCueSheet(text, cuePath), resolveCueFileNextTo(cuePath)));
}
