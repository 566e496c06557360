/**
 * Writes the CUE sheet of a {@link Disc} laid out the way discwright authors it
 * (cue-sheet.md §2–§4): one BINARY file of raw 2352-byte sectors from track 1 index 01 to the
 * last lead-out, the gaps between sessions left out; stored pregaps as INDEX 00; post-gaps part
 * of their track. With a cooked data track (2048-byte sectors in its own file) that file comes
 * first and the track's post-gap is a generated POSTGAP.
 * @module
 */

import { type CdTextFields, type Disc, type DiscTrack, SectorFormat, TrackMode } from "./disc.ts";
import { framesToTime } from "./cd/msf.ts";

/** Names of the files the CUE refers to. */
export interface CueFiles {
  /** The raw BIN. */
  readonly bin: string;
  /** With a cooked data track: its 2048-byte file. */
  readonly cooked?: string;
  /** A binary CD-TEXT file (CDTEXTFILE). */
  readonly cdText?: string;
}

/** Quotes a CUE string: double quotes, which CUE strings cannot escape, become single quotes. */
function quote(text: string): string {
  return `"${text.replaceAll('"', "'")}"`;
}

const TEXT_KEYWORDS: readonly [keyof CdTextFields, string][] = [
  ["title", "TITLE"],
  ["performer", "PERFORMER"],
  ["songwriter", "SONGWRITER"],
];
const REM_TEXT: readonly [keyof CdTextFields, string][] = [
  ["composer", "COMPOSER"],
  ["genre", "GENRE"],
];

function textLines(fields: CdTextFields | undefined, indent: string): string[] {
  if (!fields) return [];
  return [
    ...TEXT_KEYWORDS.flatMap(([key, word]) =>
      fields[key] !== undefined ? [`${indent}${word} ${quote(fields[key]!)}`] : []
    ),
    ...REM_TEXT.flatMap(([key, word]) =>
      fields[key] !== undefined ? [`${indent}REM ${word} ${quote(fields[key]!)}`] : []
    ),
  ];
}

function modeKeyword(track: DiscTrack): string {
  if (track.mode === TrackMode.audio) return "AUDIO";
  if (track.storage?.format === SectorFormat.userData2048) return "MODE1/2048";
  return track.mode === TrackMode.mode1 ? "MODE1/2352" : "MODE2/2352";
}

/**
 * The CUE text (CRLF line ends, as CDRWIN writes; every reader here accepts them).
 *
 * @example
 * ```ts
 * await Deno.writeTextFile("out.cue", encodeDiscCue(plan.disc, { bin: "out.bin" }));
 * ```
 */
export function encodeDiscCue(disc: Disc, files: CueFiles): string {
  const lines: string[] = [];
  if (disc.catalog) lines.push(`CATALOG ${disc.catalog}`);
  if (files.cdText) lines.push(`CDTEXTFILE ${quote(files.cdText)}`);
  lines.push(...textLines(disc.cdText, ""));
  const multiSession = disc.sessions.length > 1;
  let currentFile: string | undefined;
  /** BIN sector where the current session's stored sectors start, and that session's first stored LBA. */
  let binSector = 0;
  for (const session of disc.sessions) {
    if (multiSession) lines.push(`REM SESSION ${String(session.number).padStart(2, "0")}`);
    const rawTracks = session.tracks.filter((t) =>
      t.storage && t.storage.format !== SectorFormat.userData2048
    );
    const firstStoredLba = Math.min(...rawTracks.map((t) => t.storage!.firstLba));
    const sessionBinSector = binSector;
    for (const track of session.tracks) {
      const cooked = track.storage?.format === SectorFormat.userData2048;
      const file = cooked ? files.cooked! : files.bin;
      if (file !== currentFile) {
        lines.push(`FILE ${quote(file)} BINARY`);
        currentFile = file;
      }
      lines.push(`  TRACK ${String(track.number).padStart(2, "0")} ${modeKeyword(track)}`);
      const flags = [
        ...(track.flags.copyPermitted ? ["DCP"] : []),
        ...(track.flags.fourChannel ? ["4CH"] : []),
        ...(track.flags.preEmphasis ? ["PRE"] : []),
        ...(track.flags.serialCopyManagement ? ["SCMS"] : []),
      ];
      if (flags.length) lines.push(`    FLAGS ${flags.join(" ")}`);
      if (track.isrc) lines.push(`    ISRC ${track.isrc}`);
      lines.push(...textLines(track.cdText, "    "));
      // Position in the file: a cooked track has its own file from sector 0; raw tracks count
      // BIN sectors (sessions are stored back to back).
      const fileSector = (lba: number) =>
        cooked ? lba - track.startLba : sessionBinSector + (lba - firstStoredLba);
      if (track.storage && track.storage.firstLba < track.startLba) {
        lines.push(`    INDEX 00 ${framesToTime(fileSector(track.pregapLba))}`);
      }
      lines.push(`    INDEX 01 ${framesToTime(fileSector(track.startLba))}`);
      track.extraIndexLbas.forEach((lba, i) => {
        lines.push(`    INDEX ${String(i + 2).padStart(2, "0")} ${framesToTime(fileSector(lba))}`);
      });
      if (cooked && track.postgapSectorCount > 0) {
        lines.push(`    POSTGAP ${framesToTime(track.postgapSectorCount)}`);
      }
    }
    binSector += rawTracks.reduce((sum, t) => sum + t.storage!.sectorCount, 0);
  }
  return lines.join("\r\n") + "\r\n";
}
