/**
 * CloneCD images (../shared/specs/cue-sheet.md §8, image-formats.md §4): `.ccd` (INI text: the
 * full TOC as [Entry n] sections, [TRACK n] index points), `.img` (every program-area sector as
 * raw 2352 bytes from LBA 0, sessions back to back without the gaps between them) and an optional
 * `.sub` (96 bytes per sector, P…W one channel after the other). {@link loadCcdDisc} reads one
 * into a {@link Disc} (the sub-channel, when present, is served with the sectors);
 * {@link ccdFilesOf} writes one from any disc.
 * @module
 */

import {
  controlNibble,
  type Disc,
  type DiscSession,
  type DiscTrack,
  NO_TRACK_FLAGS,
  SectorFormat,
  sessionTypeOf,
  TRACK1_PREGAP_SECTORS,
  TrackMode,
} from "./disc.ts";
import { rawSectorRegions } from "./disc_sectors.ts";
import { FormatError, SourceError } from "./errors.ts";
import { describeOsError, type Region, RegionList, sliceRegion } from "./regions.ts";
import { findSubFile, joinSubchannel } from "./sub_file.ts";
import { classifyRawSector, SECTOR_BYTES } from "./cd/sector.ts";
import { lbaToMsf } from "./cd/msf.ts";
import { linearSubchannel } from "./cd/subchannel.ts";

/** A parsed .ccd: sections by lower-case name, keys by lower-case name. */
export type CcdSections = Map<string, Map<string, string>>;

/**
 * Parses .ccd text (INI: `[Section]` and `Key=Value` lines; names are case-insensitive).
 *
 * @example
 * ```ts
 * parseCcd("[Disc]\nSessions=1\n").get("disc")?.get("sessions"); // "1"
 * ```
 */
export function parseCcd(text: string, path = "image.ccd"): CcdSections {
  const sections: CcdSections = new Map();
  let current: Map<string, string> | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith(";") || line.startsWith("#")) return;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      current = new Map();
      sections.set(section[1].trim().toLowerCase(), current);
      return;
    }
    const eq = line.indexOf("=");
    if (eq < 0 || !current) {
      throw new FormatError(`${path}:${i + 1}: "${line}" is neither a [section] nor a key=value line`, {
        structure: "CCD file",
      });
    }
    current.set(line.slice(0, eq).trim().toLowerCase(), line.slice(eq + 1).trim());
  });
  return sections;
}

function number(sections: CcdSections, section: string, key: string, path: string): number | undefined {
  const text = sections.get(section)?.get(key);
  if (text === undefined) return undefined;
  const value = /^0x[0-9a-f]+$/i.test(text) ? parseInt(text, 16) : /^-?\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value)) {
    throw new FormatError(`${path}: [${section}] ${key}=${text} is not a number`, {
      structure: "CCD file",
      field: key,
    });
  }
  return value;
}

/** The disc a full TOC entry list describes: per session its tracks' starts and lead-out. */
interface TocSession {
  number: number;
  type: number;
  tracks: { number: number; control: number; startLba: number }[];
  leadOutLba: number;
}

function fileRegion(path: string, label: string): { region: RegionList; byteLength: number } {
  let size: number;
  try {
    size = Deno.statSync(path).size;
  } catch (error) {
    throw new SourceError(`Cannot open the image's ${label}: ${describeOsError(error)}`, path);
  }
  return {
    byteLength: size,
    region: new RegionList([{
      kind: "file",
      label,
      path,
      fileByteOffset: 0,
      byteLength: size,
      fileByteLength: size,
    }]),
  };
}

/**
 * Reads a CloneCD image (.ccd with its .img and, if present, .sub next to it) into a Disc.
 *
 * @throws {FormatError} naming the .ccd line or key at fault; {@link SourceError} for a missing .img.
 * @example
 * ```ts
 * const disc = loadCcdDisc("game.ccd");
 * ```
 */
export function loadCcdDisc(ccdPath: string): Disc {
  let text: string;
  try {
    text = Deno.readTextFileSync(ccdPath);
  } catch (error) {
    throw new SourceError(`Cannot open image: ${describeOsError(error)}`, ccdPath);
  }
  const sections = parseCcd(text, ccdPath);
  if (!sections.has("clonecd") && !sections.has("disc")) {
    throw new FormatError(`${ccdPath}: no [CloneCD] or [Disc] section: not a CloneCD descriptor`, {
      structure: "CCD file",
    });
  }
  if ((number(sections, "disc", "datatracksscrambled", ccdPath) ?? 0) !== 0) {
    throw new FormatError(`${ccdPath}: DataTracksScrambled=1 images are not supported`, {
      structure: "CCD file",
      field: "DataTracksScrambled",
    });
  }
  // The full TOC.
  const tocSessions = new Map<number, TocSession>();
  const session = (n: number) => {
    let s = tocSessions.get(n);
    if (!s) tocSessions.set(n, s = { number: n, type: 0, tracks: [], leadOutLba: -1 });
    return s;
  };
  for (const [name] of sections) {
    if (!/^entry \d+$/.test(name)) continue;
    const get = (key: string) => {
      const value = number(sections, name, key, ccdPath);
      if (value === undefined) {
        throw new FormatError(`${ccdPath}: [${name}] has no ${key}`, { structure: "CCD file", field: key });
      }
      return value;
    };
    const point = get("point");
    const s = session(get("session"));
    const pLba = get("pmin") * 4500 + get("psec") * 75 + get("pframe") - 150;
    if (point === 0xa0) s.type = get("psec");
    else if (point === 0xa2) s.leadOutLba = pLba;
    else if (point >= 1 && point <= 99) {
      s.tracks.push({ number: point, control: get("control"), startLba: pLba });
    }
  }
  const ordered = [...tocSessions.values()].sort((a, b) => a.number - b.number);
  if (ordered.length === 0 || ordered.some((s) => s.tracks.length === 0 || s.leadOutLba < 0)) {
    throw new FormatError(
      `${ccdPath}: the [Entry] sections do not describe a disc (tracks and an A2 lead-out per session)`,
      {
        structure: "CCD file",
        field: "Entry",
      },
    );
  }
  const base = ccdPath.replace(/\.ccd$/i, "");
  const img = fileRegion(`${base}.img`, ".img");
  const imgSectors = Math.floor(img.byteLength / SECTOR_BYTES);
  const sub = findSubFile(`${base}.sub`, imgSectors); // a missing or short .sub is ignored
  // Walk the tracks in order, mapping .img sectors to LBAs (sessions back to back).
  let imgSector = 0;
  const sessions: DiscSession[] = [];
  for (const s of ordered) {
    s.tracks.sort((a, b) => a.number - b.number);
    const tracks: DiscTrack[] = [];
    s.tracks.forEach((t, i) => {
      const next = s.tracks[i + 1];
      const endLba = next ? next.startLba : s.leadOutLba;
      const index0 = number(sections, `track ${t.number}`, "index 0", ccdPath);
      const nextIndex0 = next ? number(sections, `track ${next.number}`, "index 0", ccdPath) : undefined;
      const trackEnd = nextIndex0 !== undefined && next ? Math.min(endLba, nextIndex0) : endLba;
      const firstOfSession = i === 0;
      const pregapLba = index0 !== undefined && index0 < t.startLba
        ? index0
        : t.number === 1
        ? -TRACK1_PREGAP_SECTORS
        : t.startLba;
      const storedFrom = firstOfSession ? t.startLba : pregapLba;
      const storedCount = trackEnd - storedFrom;
      if (storedCount <= 0 || imgSector + storedCount > imgSectors) {
        throw new FormatError(
          `${ccdPath}: track ${t.number} (LBA ${storedFrom}…${trackEnd}) runs past the ${imgSectors} sectors of the .img`,
          { structure: "CCD file", field: `TRACK ${t.number}` },
        );
      }
      const fileFirst = imgSector;
      imgSector += storedCount;
      const audio = (t.control & 0x4) === 0;
      const isrc = sections.get(`track ${t.number}`)?.get("isrc");
      const main = new RegionList([
        sliceRegion(
          img.region.regions[0],
          fileFirst * SECTOR_BYTES,
          (fileFirst + storedCount) * SECTOR_BYTES,
        ),
      ]);
      const label = `${ccdPath}: track ${t.number}`;
      tracks.push({
        number: t.number,
        session: s.number,
        mode: audio ? TrackMode.audio : TrackMode.mode1, // refined from the first sector below
        pregapLba,
        startLba: t.startLba,
        extraIndexLbas: [],
        endLba: trackEnd,
        postgapSectorCount: 0,
        flags: {
          ...NO_TRACK_FLAGS,
          copyPermitted: (t.control & 0x2) !== 0,
          preEmphasis: audio && (t.control & 0x1) !== 0,
        },
        isrc: isrc && /^[A-Z0-9]{12}$/.test(isrc) ? isrc : undefined,
        storage: {
          format: sub ? SectorFormat.rawWithSubchannel : SectorFormat.raw,
          firstLba: storedFrom,
          sectorCount: storedCount,
          regions: sub ? joinSubchannel(main, sub, fileFirst, storedCount, label) : main,
        },
      });
    });
    sessions.push({
      number: s.number,
      type: s.type as DiscSession["type"],
      tracks,
      leadOutLba: s.leadOutLba,
    });
  }
  // Track modes from the sectors themselves (MODE= is unreliable): sync + byte 15 of index 01.
  using file = Deno.openSync(`${base}.img`);
  for (const s of sessions) {
    for (let i = 0; i < s.tracks.length; i++) {
      const t = s.tracks[i];
      if (t.mode === TrackMode.audio) continue;
      const sector = new Uint8Array(SECTOR_BYTES);
      file.seekSync((fileSectorOf(sessions, t, t.startLba)) * SECTOR_BYTES, Deno.SeekMode.Start);
      file.readSync(sector);
      const kind = classifyRawSector(sector);
      const mode = kind.startsWith("mode2") ? TrackMode.mode2Xa : TrackMode.mode1;
      (s.tracks as DiscTrack[])[i] = { ...t, mode };
    }
    (s as { type: DiscSession["type"] }).type = sessionTypeOf(s.tracks);
  }
  const catalog = sections.get("disc")?.get("catalog");
  return { sessions, catalog: catalog && /^\d{13}$/.test(catalog) ? catalog : undefined };
}

/** Where an LBA of a stored track lies in the .img (sessions back to back). */
function fileSectorOf(sessions: readonly DiscSession[], track: DiscTrack, lba: number): number {
  let before = 0;
  for (const s of sessions) {
    for (const t of s.tracks) {
      if (t === track) return before + (lba - t.storage!.firstLba);
      before += t.storage!.sectorCount;
    }
  }
  return before;
}

/**
 * A CloneCD image of any disc: the .ccd text, the .img (raw sectors, track 1 from index 01,
 * later tracks with their pregaps) and the .sub (stored sub-channel or P and Q made from the
 * layout, as 96 bytes P…W one channel after the other).
 *
 * @example
 * ```ts
 * const { ccd, img, sub } = ccdFilesOf(disc);
 * await writeRegionsToFile(img, "game.img");
 * ```
 */
export function ccdFilesOf(disc: Disc): { ccd: string; img: RegionList; sub: RegionList } {
  const img: Region[] = [];
  const sub: Region[] = [];
  const entries: string[][] = [];
  const tracksText: string[] = [];
  const entry = (session: number, point: number, control: number, p: number[]) => {
    const pLba = p[0] * 4500 + p[1] * 75 + p[2] - 150;
    entries.push([
      `Session=${session}`,
      `Point=0x${point.toString(16).padStart(2, "0")}`,
      "ADR=0x01",
      `Control=0x${control.toString(16).padStart(2, "0")}`,
      "TrackNo=0",
      "AMin=0",
      "ASec=0",
      "AFrame=0",
      "ALBA=-150",
      "Zero=0",
      `PMin=${p[0]}`,
      `PSec=${p[1]}`,
      `PFrame=${p[2]}`,
      `PLBA=${pLba}`,
    ]);
  };
  const msf = (lba: number) => {
    const m = lbaToMsf(lba);
    return [m.minute, m.second, m.frame];
  };
  for (const session of disc.sessions) {
    const first = session.tracks[0], last = session.tracks.at(-1)!;
    entry(session.number, 0xa0, controlNibble(first), [first.number, session.type, 0]);
    entry(session.number, 0xa1, controlNibble(last), [last.number, 0, 0]);
    entry(session.number, 0xa2, controlNibble(last), msf(session.leadOutLba));
    session.tracks.forEach((track, i) => {
      entry(session.number, track.number, controlNibble(track), msf(track.startLba));
      const from = i === 0 ? track.startLba : track.pregapLba;
      const lines = [
        `[TRACK ${track.number}]`,
        `MODE=${track.mode === TrackMode.audio ? 0 : track.mode === TrackMode.mode1 ? 1 : 2}`,
      ];
      if (track.isrc) lines.push(`ISRC=${track.isrc}`);
      if (from < track.startLba) lines.push(`INDEX 0=${from}`);
      lines.push(`INDEX 1=${track.startLba}`);
      tracksText.push(lines.join("\r\n"));
      // The two files are written one after the other: each chunk is read when its file needs it.
      img.push(...rawSectorRegions(disc, from, track.endLba, `track ${track.number} .img`));
      sub.push(...rawSectorRegions(disc, from, track.endLba, `track ${track.number} .sub`, linearSubchannel));
    });
  }
  const lines = [
    "[CloneCD]",
    "Version=3",
    "[Disc]",
    `TocEntries=${entries.length}`,
    `Sessions=${disc.sessions.length}`,
    "DataTracksScrambled=0",
    "CDTextLength=0",
    ...(disc.catalog ? [`CATALOG=${disc.catalog}`] : []),
    ...disc.sessions.map((s) =>
      `[Session ${s.number}]\r\nPreGapMode=${s.tracks[0].mode === TrackMode.audio ? 0 : 1}\r\nPreGapSubC=0`
    ),
    ...entries.map((e, i) => [`[Entry ${i}]`, ...e].join("\r\n")),
    ...tracksText,
  ];
  return { ccd: lines.join("\r\n") + "\r\n", img: new RegionList(img), sub: new RegionList(sub) };
}
