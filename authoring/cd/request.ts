/**
 * What `disc cd` is asked to build: a list of tracks (one data track, any number of audio
 * tracks), disc-level CD-TEXT and catalog, from command-line options or a JSON disc spec.
 *
 * The disc spec (`--spec disc.json`; paths relative to the spec file):
 * ```json
 * {
 *   "title": "Album", "performer": "Band", "catalog": "0123456789012",
 *   "layout": "mixed",
 *   "tracks": [
 *     { "data": "tree/", "mode": "mode1" },
 *     { "audio": "song.wav", "title": "Song", "performer": "Band", "songwriter": "Writer",
 *       "isrc": "USABC9912345", "flags": ["DCP", "PRE", "4CH"], "pregap": "00:02:00",
 *       "index": ["00:30:00"] }
 *   ]
 * }
 * ```
 * `layout` is `"mixed"` (data track first, one session) or `"cd-extra"` (audio in session 1, the
 * data track last, in session 2).
 * @module
 */

import { FormatError, UsageError } from "../../image/errors.ts";
import type { CdTextFields, TrackFlags } from "../../image/disc.ts";

/** The data track's source: an ISO image (used as is) or a folder (planned into one on the fly). */
export type CdDataSource =
  | { readonly kind: "iso"; readonly path: string }
  | { readonly kind: "dir"; readonly path: string };

/** Sector mode of the data track: Yellow Book Mode 1, or CD-ROM XA Mode 2 Form 1. */
export type CdDataMode = "mode1" | "mode2";

/** How sessions are arranged. */
export type CdLayout = "mixed" | "cd-extra";

/** One requested track. */
export type CdTrackRequest =
  | {
    readonly kind: "data";
    readonly source: CdDataSource;
    readonly mode: CdDataMode;
    readonly cdText?: CdTextFields;
    readonly flags: TrackFlags;
  }
  | {
    readonly kind: "audio";
    /** A RIFF WAVE file (PCM 16-bit 44.1 kHz stereo) or raw little-endian PCM (any other name). */
    readonly path: string;
    readonly cdText?: CdTextFields;
    readonly isrc?: string;
    readonly flags: TrackFlags;
    /** Pause before index 01 in sectors; default 150 after a data track, otherwise 0. */
    readonly pregapSectors?: number;
    /** Index 02, 03, … as sector offsets from index 01. */
    readonly indexOffsetsSectors: readonly number[];
  };

/** A whole `disc cd` request. */
export interface CdRequest {
  /** The CUE sheet to write; the BIN (and .toc, .cdt, cooked .iso) go beside it. */
  readonly cuePath: string;
  readonly layout: CdLayout;
  readonly tracks: readonly CdTrackRequest[];
  readonly catalog?: string;
  readonly cdText?: CdTextFields;
  /** `--cooked`: keep the data track as MODE1/2048 in its own file. */
  readonly cooked: boolean;
  /** `--toc`: also write a cdrdao TOC file. */
  readonly toc: boolean;
  /** `--overburn`: allow up to 99:59:74 instead of refusing past 80 minutes. */
  readonly overburn: boolean;
}

/** The `disc cd` command-line options, as the CLI parsed them. */
export interface CdOptions {
  readonly output: string;
  readonly data?: string;
  readonly dataMode?: string;
  readonly audio?: readonly string[];
  readonly title?: string;
  readonly performer?: string;
  readonly songwriter?: string;
  readonly catalog?: string;
  readonly spec?: string;
  readonly cooked?: boolean;
  readonly toc?: boolean;
  readonly overburn?: boolean;
  readonly cdExtra?: boolean;
}

/** What the request needs from the host: file kinds and the spec's text. */
export interface CdRequestEnvironment {
  /** "dir", "file", or undefined when the path does not exist. */
  readonly statKind: (path: string) => "dir" | "file" | undefined;
  readonly readTextFile: (path: string) => string;
}

const FLAG_NAMES = ["PRE", "DCP", "4CH", "SCMS"] as const;
const CATALOG_PATTERN = /^\d{13}$/;
const ISRC_PATTERN = /^[A-Z0-9]{5}\d{7}$/;
const TIME_PATTERN = /^(\d{1,3}):([0-5]\d):([0-6]\d|7[0-4])$/;

/**
 * Turns `disc cd` options (and the disc spec they name) into a request. Usage mistakes throw
 * UsageError; a bad spec file throws FormatError naming the file and the JSON path.
 *
 * @example
 * ```ts
 * const request = cdRequest(
 *   { output: "out.cue", data: "tree", audio: ["a.wav"] },
 *   { statKind: (p) => (p === "tree" ? "dir" : "file"), readTextFile: Deno.readTextFileSync },
 * );
 * ```
 */
export function cdRequest(o: CdOptions, env: CdRequestEnvironment): CdRequest {
  if (!o.output.toLowerCase().endsWith(".cue")) {
    throw new UsageError(
      `Cannot build a CD: the output "${o.output}" must be a .cue file (the .bin goes beside it)`,
    );
  }
  if (o.dataMode !== undefined && o.dataMode !== "mode1" && o.dataMode !== "mode2") {
    throw new UsageError(`Cannot build a CD: --data-mode "${o.dataMode}" is not mode1 or mode2`);
  }
  if (o.catalog !== undefined && !CATALOG_PATTERN.test(o.catalog)) {
    throw new UsageError(`Cannot build a CD: --catalog "${o.catalog}" is not 13 digits (UPC/EAN)`);
  }
  const common = {
    cuePath: o.output,
    cooked: o.cooked ?? false,
    toc: o.toc ?? false,
    overburn: o.overburn ?? false,
  };
  const cliText = textFields({ title: o.title, performer: o.performer, songwriter: o.songwriter });

  let request: CdRequest;
  if (o.spec !== undefined) {
    if (o.data !== undefined || (o.audio?.length ?? 0) > 0) {
      throw new UsageError(
        "Cannot build a CD: give tracks either with --spec or with --data/--audio, not both",
      );
    }
    const spec = readSpec(o.spec, env);
    request = {
      ...common,
      ...spec,
      layout: o.cdExtra ? "cd-extra" : spec.layout,
      catalog: o.catalog ?? spec.catalog,
      cdText: mergeText(spec.cdText, cliText),
    };
  } else {
    const tracks: CdTrackRequest[] = [];
    const mode = (o.dataMode ?? (o.cdExtra ? "mode2" : "mode1")) as CdDataMode;
    const data: CdTrackRequest | undefined = o.data === undefined ? undefined : {
      kind: "data",
      source: dataSource(o.data, env, "--data"),
      mode,
      flags: NO_FLAGS,
    };
    if (data && !o.cdExtra) tracks.push(data);
    for (const path of o.audio ?? []) {
      if (env.statKind(path) !== "file") {
        throw new UsageError(`Cannot build a CD: --audio "${path}" is not a file`);
      }
      tracks.push({ kind: "audio", path, flags: NO_FLAGS, indexOffsetsSectors: [] });
    }
    if (data && o.cdExtra) tracks.push(data);
    request = {
      ...common,
      layout: o.cdExtra ? "cd-extra" : "mixed",
      tracks,
      catalog: o.catalog,
      cdText: cliText,
    };
  }
  checkTrackOrder(request);
  return request;
}

const NO_FLAGS: TrackFlags = { preEmphasis: false, copyPermitted: false, fourChannel: false };

function checkTrackOrder(r: CdRequest): void {
  if (r.tracks.length === 0) {
    throw new UsageError("Cannot build a CD: no tracks (give --data and/or --audio)");
  }
  const dataIndexes = r.tracks.flatMap((t, i) => (t.kind === "data" ? [i] : []));
  if (dataIndexes.length > 1) throw new UsageError("Cannot build a CD: only one data track is supported");
  const at = dataIndexes[0];
  if (r.layout === "mixed" && at !== undefined && at !== 0) {
    throw new UsageError(
      "Cannot build a CD: in a mixed-mode disc the data track comes first (or use cd-extra)",
    );
  }
  if (r.layout === "cd-extra") {
    if (at === undefined || at !== r.tracks.length - 1 || r.tracks.length < 2) {
      throw new UsageError("Cannot build a CD-Extra disc: it needs audio tracks followed by one data track");
    }
    const data = r.tracks[at];
    if (data.kind === "data" && data.mode !== "mode2") {
      throw new UsageError("Cannot build a CD-Extra disc: its data track is CD-ROM XA (--data-mode mode2)");
    }
    if (data.kind === "data" && data.source.kind === "iso") {
      throw new UsageError(
        "Cannot build a CD-Extra disc from an ISO file: its LBAs must start at session 2; give a folder to --data",
      );
    }
  }
  if (r.toc && r.layout === "cd-extra") {
    throw new UsageError("Cannot write a cdrdao TOC for a CD-Extra disc: cdrdao writes one session per TOC");
  }
  if (r.cooked && (at === undefined || r.layout === "cd-extra")) {
    throw new UsageError("Cannot build a CD: --cooked needs a data track as track 1 (mixed layout)");
  }
  if (r.cooked && r.tracks[0].kind === "data" && r.tracks[0].mode !== "mode1") {
    throw new UsageError(
      "Cannot build a CD: --cooked writes MODE1/2048; it does not go with --data-mode mode2",
    );
  }
}

function dataSource(path: string, env: CdRequestEnvironment, where: string): CdDataSource {
  const kind = env.statKind(path);
  if (kind === undefined) throw new UsageError(`Cannot build a CD: ${where} "${path}" does not exist`);
  return { kind: kind === "dir" ? "dir" : "iso", path };
}

function textFields(fields: CdTextFields): CdTextFields | undefined {
  const entries = Object.entries(fields).filter(([, v]) => v !== undefined);
  return entries.length ? Object.fromEntries(entries) as CdTextFields : undefined;
}

function mergeText(a: CdTextFields | undefined, b: CdTextFields | undefined): CdTextFields | undefined {
  return a || b ? { ...a, ...b } : undefined;
}

/** Sectors in a relative `mm:ss:ff` time; undefined when it is not one. */
function parseTime(text: string): number | undefined {
  const m = TIME_PATTERN.exec(text);
  return m ? (Number(m[1]) * 60 + Number(m[2])) * 75 + Number(m[3]) : undefined;
}

/** Reads and checks a disc spec; paths in it are relative to its folder. */
function readSpec(
  specPath: string,
  env: CdRequestEnvironment,
): Omit<CdRequest, "cuePath" | "cooked" | "toc" | "overburn"> {
  let text: string;
  try {
    text = env.readTextFile(specPath);
  } catch (error) {
    throw new UsageError(
      `Cannot read the disc spec "${specPath}": ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const fail = (path: string, reason: string): never => {
    throw new FormatError(`Cannot read the disc spec "${specPath}": ${path} ${reason}`, {
      structure: "disc spec",
      field: path,
    });
  };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    fail("(whole file)", `is not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const base = specPath.includes("/") ? specPath.slice(0, specPath.lastIndexOf("/") + 1) : "";
  const resolve = (p: string) => (p.startsWith("/") ? p : base + p);

  const obj = (value: unknown, path: string): Record<string, unknown> => {
    if (typeof value !== "object" || value === null || Array.isArray(value)) fail(path, "is not an object");
    return value as Record<string, unknown>;
  };
  const str = (value: unknown, path: string): string | undefined => {
    if (value === undefined) return undefined;
    if (typeof value !== "string") return fail(path, `is not a string`);
    return value;
  };
  const onlyKeys = (o: Record<string, unknown>, keys: readonly string[], path: string) => {
    for (const key of Object.keys(o)) {
      if (!keys.includes(key)) fail(`${path}.${key}`, `is not a known field (known: ${keys.join(", ")})`);
    }
  };
  const cdText = (o: Record<string, unknown>, path: string): CdTextFields | undefined =>
    textFields({
      title: str(o.title, `${path}.title`),
      performer: str(o.performer, `${path}.performer`),
      songwriter: str(o.songwriter, `${path}.songwriter`),
      composer: str(o.composer, `${path}.composer`),
      arranger: str(o.arranger, `${path}.arranger`),
      message: str(o.message, `${path}.message`),
      genre: str(o.genre, `${path}.genre`),
    });
  const TEXT_KEYS = ["title", "performer", "songwriter", "composer", "arranger", "message", "genre"];

  const root = obj(json, "(top level)");
  onlyKeys(root, [...TEXT_KEYS, "catalog", "layout", "tracks"], "");
  const catalog = str(root.catalog, ".catalog");
  if (catalog !== undefined && !CATALOG_PATTERN.test(catalog)) {
    fail(".catalog", `"${catalog}" is not 13 digits`);
  }
  const layout = str(root.layout, ".layout") ?? "mixed";
  if (layout !== "mixed" && layout !== "cd-extra") {
    fail(".layout", `"${layout}" is not "mixed" or "cd-extra"`);
  }
  if (!Array.isArray(root.tracks)) return fail(".tracks", "is not a list of tracks");

  const tracks = root.tracks.map((value, i): CdTrackRequest => {
    const path = `.tracks[${i}]`;
    const t = obj(value, path);
    const flagList = t.flags === undefined ? [] : t.flags;
    if (!Array.isArray(flagList) || flagList.some((f) => !FLAG_NAMES.includes(f))) {
      fail(`${path}.flags`, `must be a list of ${FLAG_NAMES.join(", ")}`);
    }
    const flagSet = new Set(flagList as string[]);
    const flags: TrackFlags = {
      preEmphasis: flagSet.has("PRE"),
      copyPermitted: flagSet.has("DCP"),
      fourChannel: flagSet.has("4CH"),
      ...(flagSet.has("SCMS") ? { serialCopyManagement: true } : {}),
    };
    if (t.data !== undefined) {
      onlyKeys(t, [...TEXT_KEYS, "data", "mode", "flags"], path);
      const mode = str(t.mode, `${path}.mode`) ?? (layout === "cd-extra" ? "mode2" : "mode1");
      if (mode !== "mode1" && mode !== "mode2") fail(`${path}.mode`, `"${mode}" is not mode1 or mode2`);
      const source = resolve(str(t.data, `${path}.data`)!);
      const kind = env.statKind(source);
      if (kind === undefined) fail(`${path}.data`, `"${source}" does not exist`);
      return {
        kind: "data",
        source: { kind: kind === "dir" ? "dir" : "iso", path: source },
        mode: mode as CdDataMode,
        cdText: cdText(t, path),
        flags,
      };
    }
    if (t.audio === undefined) return fail(path, 'has neither "data" nor "audio"');
    onlyKeys(t, [...TEXT_KEYS, "audio", "isrc", "flags", "pregap", "index"], path);
    const audio = resolve(str(t.audio, `${path}.audio`)!);
    if (env.statKind(audio) !== "file") fail(`${path}.audio`, `"${audio}" is not a file`);
    const isrc = str(t.isrc, `${path}.isrc`);
    if (isrc !== undefined && !ISRC_PATTERN.test(isrc)) {
      fail(`${path}.isrc`, `"${isrc}" is not an ISRC (12 characters CCOOOYYSSSSS, e.g. USABC9912345)`);
    }
    const pregapText = str(t.pregap, `${path}.pregap`);
    const pregapSectors = pregapText === undefined ? undefined : parseTime(pregapText);
    if (pregapText !== undefined && pregapSectors === undefined) {
      fail(`${path}.pregap`, `"${pregapText}" is not a time mm:ss:ff`);
    }
    const indexList = t.index === undefined ? [] : t.index;
    if (!Array.isArray(indexList)) return fail(`${path}.index`, "is not a list of times");
    const indexOffsetsSectors = indexList.map((v, k) => {
      const sectors = typeof v === "string" ? parseTime(v) : undefined;
      if (sectors === undefined || sectors === 0) {
        fail(`${path}.index[${k}]`, `${JSON.stringify(v)} is not a time mm:ss:ff after index 01`);
      }
      return sectors!;
    });
    for (let k = 1; k < indexOffsetsSectors.length; k++) {
      if (indexOffsetsSectors[k] <= indexOffsetsSectors[k - 1]) {
        fail(`${path}.index[${k}]`, "is not after the one before");
      }
    }
    return {
      kind: "audio",
      path: audio,
      cdText: cdText(t, path),
      isrc,
      flags,
      pregapSectors,
      indexOffsetsSectors,
    };
  });
  return { layout: layout as CdLayout, tracks, catalog, cdText: cdText(root, "") };
}
