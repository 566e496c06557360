/**
 * The table of contents of a {@link Disc} as plain JSON-able data ({@link describeDisc}) and as a
 * track list for people ({@link formatDiscInfo}, in the spirit of `cd-info`).
 * @module
 */

import {
  type CdTextFields,
  controlNibble,
  type Disc,
  discTracks,
  SECTOR_FORMAT_BYTES,
  SessionType,
  TrackMode,
} from "./disc.ts";

/** One track in {@link DiscInfo}. */
export interface DiscTrackInfo {
  readonly number: number;
  readonly session: number;
  readonly mode: string;
  /** Index 01 LBA (what READ TOC reports) and its absolute MSF "mm:ss:ff". */
  readonly startLba: number;
  readonly startMsf: string;
  /** Index 00 LBA; equals startLba without a pregap. */
  readonly pregapLba: number;
  readonly pregapSectors: number;
  /** From index 01 to the end of the track (post-gap included), in sectors and as "mm:ss:ff". */
  readonly lengthSectors: number;
  readonly length: string;
  readonly postgapSectors: number;
  readonly indexLbas: readonly number[];
  readonly control: number;
  readonly flags: readonly string[];
  readonly isrc?: string;
  readonly cdText?: CdTextFields;
  /** How the track is stored ("raw2352", "user2048", …, or "generated"). */
  readonly storage: string;
}

/** What {@link describeDisc} returns. */
export interface DiscInfo {
  readonly sessionCount: number;
  readonly trackCount: number;
  readonly firstTrack: number;
  readonly lastTrack: number;
  readonly leadOutLba: number;
  readonly leadOutMsf: string;
  readonly sessions: readonly { number: number; type: string; leadOutLba: number }[];
  readonly catalog?: string;
  readonly cdText?: CdTextFields;
  /** A DVD image's structures: layers, layer break (sectors in layer 0), BCA bytes. */
  readonly dvd?: { readonly layers: number; readonly layerBreakSectors?: number; readonly bcaBytes?: number };
  readonly tracks: readonly DiscTrackInfo[];
}

const MODE_NAMES: Record<string, string> = {
  [TrackMode.audio]: "audio",
  [TrackMode.mode1]: "data (Mode 1)",
  [TrackMode.mode2Formless]: "data (Mode 2)",
  [TrackMode.mode2Xa]: "data (Mode 2 XA)",
};

const SESSION_NAMES: Record<number, string> = {
  [SessionType.cdDaOrCdRom]: "CD-DA or CD-ROM",
  [SessionType.cdI]: "CD-i",
  [SessionType.cdRomXa]: "CD-ROM XA",
};

/** "mm:ss:ff" of a sector count (no 150 offset). */
function durationText(sectorCount: number): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(Math.floor(sectorCount / 4500))}:${two(Math.floor(sectorCount / 75) % 60)}:${
    two(sectorCount % 75)
  }`;
}

/** Absolute MSF "mm:ss:ff" of an LBA (LBA 0 = 00:02:00). */
function msfText(lba: number): string {
  return durationText(lba + 150 < 0 ? lba + 450150 : lba + 150);
}

/**
 * Summarises a disc's TOC.
 *
 * @example
 * ```ts
 * console.log(JSON.stringify(describeDisc(disc), null, 2));
 * ```
 */
export function describeDisc(disc: Disc): DiscInfo {
  const tracks = discTracks(disc);
  const leadOutLba = disc.sessions.at(-1)?.leadOutLba ?? 0;
  return {
    sessionCount: disc.sessions.length,
    trackCount: tracks.length,
    firstTrack: tracks[0]?.number ?? 0,
    lastTrack: tracks.at(-1)?.number ?? 0,
    leadOutLba,
    leadOutMsf: msfText(leadOutLba),
    sessions: disc.sessions.map((s) => ({
      number: s.number,
      type: SESSION_NAMES[s.type] ?? `0x${s.type.toString(16)}`,
      leadOutLba: s.leadOutLba,
    })),
    ...(disc.catalog ? { catalog: disc.catalog } : {}),
    ...(disc.dvd
      ? {
        dvd: {
          layers: disc.dvd.layers.length,
          ...(disc.dvd.layerBreakSectors !== undefined
            ? { layerBreakSectors: disc.dvd.layerBreakSectors }
            : {}),
          ...(disc.dvd.bca ? { bcaBytes: disc.dvd.bca.byteLength } : {}),
        },
      }
      : {}),
    ...(disc.cdText ? { cdText: disc.cdText } : {}),
    tracks: tracks.map((t) => {
      const flags = [
        ...(t.flags.copyPermitted ? ["DCP"] : []),
        ...(t.flags.preEmphasis ? ["PRE"] : []),
        ...(t.flags.fourChannel ? ["4CH"] : []),
        ...(t.flags.serialCopyManagement ? ["SCMS"] : []),
      ];
      return {
        number: t.number,
        session: t.session,
        mode: MODE_NAMES[t.mode],
        startLba: t.startLba,
        startMsf: msfText(t.startLba),
        pregapLba: t.pregapLba,
        pregapSectors: t.startLba - t.pregapLba,
        lengthSectors: t.endLba - t.startLba,
        length: durationText(t.endLba - t.startLba),
        postgapSectors: t.postgapSectorCount,
        indexLbas: [t.startLba, ...t.extraIndexLbas],
        control: controlNibble(t),
        flags,
        ...(t.isrc ? { isrc: t.isrc } : {}),
        ...(t.cdText ? { cdText: t.cdText } : {}),
        storage: t.storage
          ? `${t.storage.format} (${SECTOR_FORMAT_BYTES[t.storage.format]} bytes/sector)`
          : "generated",
      };
    }),
  };
}

function textLine(fields: CdTextFields | undefined): string {
  if (!fields) return "";
  return Object.entries(fields).map(([k, v]) => `${k.toUpperCase()} ${JSON.stringify(v)}`).join(", ");
}

/**
 * The TOC as a table: one line per track with start LBA/MSF, length, pregap, flags and ISRC,
 * then CD-TEXT.
 *
 * @example
 * ```ts
 * console.log(formatDiscInfo(describeDisc(disc)));
 * ```
 */
export function formatDiscInfo(info: DiscInfo): string {
  const lines: string[] = [];
  lines.push(
    `Disc: ${info.trackCount} track(s) (${info.firstTrack}-${info.lastTrack}) in ${info.sessionCount} session(s); ` +
      `lead-out at LBA ${info.leadOutLba} (${info.leadOutMsf})`,
  );
  if (info.catalog) lines.push(`Catalog (MCN): ${info.catalog}`);
  if (info.dvd) {
    lines.push(
      `DVD: ${info.dvd.layers} layer(s)` +
        (info.dvd.layerBreakSectors !== undefined
          ? `, layer break after sector ${
            info.dvd.layerBreakSectors - 1
          } (layer 1 starts at LBA ${info.dvd.layerBreakSectors})`
          : "") +
        (info.dvd.bcaBytes !== undefined ? `, BCA ${info.dvd.bcaBytes} bytes` : ""),
    );
  }
  if (info.cdText) lines.push(`CD-TEXT: ${textLine(info.cdText)}`);
  const header =
    "  #  Mode               Start LBA  Start MSF  Length    Sectors  Pregap  Postgap  Flags    ISRC";
  for (const session of info.sessions) {
    lines.push(`Session ${session.number} (${session.type}), lead-out at LBA ${session.leadOutLba}`);
    lines.push(header);
    for (const t of info.tracks.filter((t) => t.session === session.number)) {
      lines.push(
        `  ${String(t.number).padStart(2)} ${t.mode.padEnd(18)} ${
          String(t.startLba).padStart(9)
        }  ${t.startMsf}   ` +
          `${t.length}  ${String(t.lengthSectors).padStart(7)}  ${String(t.pregapSectors).padStart(6)}  ` +
          `${String(t.postgapSectors).padStart(7)}  ${(t.flags.join(",") || "-").padEnd(7)}  ${
            t.isrc ?? "-"
          }`,
      );
      if (t.indexLbas.length > 1) {
        lines.push(`     index points: ${t.indexLbas.map((l, i) => `${i + 1}@${l}`).join(" ")}`);
      }
      if (t.cdText) lines.push(`     CD-TEXT: ${textLine(t.cdText)}`);
    }
  }
  return lines.join("\n");
}
