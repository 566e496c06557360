/**
 * The `Disc` model: sessions → tracks → index points, plus lead-out, as a CD drive reports them
 * (MMC READ TOC, READ TRACK INFORMATION, the Q sub-channel). Container readers (ISO, CUE/BIN, …)
 * produce a `Disc`; authoring plans one and writes it; emulation serves it. Every address is a
 * logical block address (LBA 0 = absolute MSF 00:02:00, track 1 index 01 on a normal disc).
 *
 * Sectors are *stored* (a slice of a host file or planned bytes, {@link TrackStorage}) or
 * *generated* (pregaps and post-gaps that no image stores: zero data sectors or digital silence).
 *
 * Specs: ../shared/specs/cd-sectors.md §1 and §7, cue-sheet.md §3.
 * @module
 */

import type { DvdStructures } from "./dvd.ts";
import type { RegionList } from "./regions.ts";

/** What a track's sectors hold (the track's "mode" in a CUE sheet, without the storage size). */
export const TrackMode = {
  /** CD-DA: 2352 bytes of 16-bit stereo PCM per sector. */
  audio: "audio",
  /** Yellow Book Mode 1: 2048 bytes of user data with EDC/ECC. */
  mode1: "mode1",
  /** Mode 2 without XA forms: 2336 bytes of user data, no EDC/ECC. */
  mode2Formless: "mode2-formless",
  /** CD-ROM XA Mode 2: Form 1 (2048 + EDC/ECC) and Form 2 (2324) sectors, told apart by sub-header. */
  mode2Xa: "mode2-xa",
} as const;
/** One of {@link TrackMode}'s values. */
export type TrackMode = typeof TrackMode[keyof typeof TrackMode];

/** How the sectors of a track are laid out in its source bytes. */
export const SectorFormat = {
  /** 2352 bytes per sector as on the disc: raw data sectors, or audio as little-endian PCM. */
  raw: "raw2352",
  /** 2352 bytes of audio PCM, big-endian samples (CUE `MOTOROLA`, cdrdao raw audio files). */
  rawBigEndianAudio: "raw2352-be",
  /** 2352 raw bytes followed by 96 bytes of raw interleaved P–W sub-channel (CUE `CDG`, …). */
  rawWithSubchannel: "raw2448",
  /** 2048 bytes of user data per sector (Mode 1 or Mode 2 Form 1; an ISO file). */
  userData2048: "user2048",
  /** 2336 bytes per sector: everything after the header (Mode 2 sub-header + data). */
  mode2After2336: "mode2-2336",
} as const;
/** One of {@link SectorFormat}'s values. */
export type SectorFormat = typeof SectorFormat[keyof typeof SectorFormat];

/** Bytes per stored sector in each {@link SectorFormat}. */
export const SECTOR_FORMAT_BYTES: Readonly<Record<SectorFormat, number>> = {
  "raw2352": 2352,
  "raw2352-be": 2352,
  "raw2448": 2448,
  "user2048": 2048,
  "mode2-2336": 2336,
};

/** Sectors per second of CD time (one MSF frame = one sector). */
export const SECTORS_PER_SECOND = 75;
/** Length of the pregap before track 1 index 01 (LBA −150 … −1), never stored in images. */
export const TRACK1_PREGAP_SECTORS = 150;
/** Gap between session 1's lead-out start and session 2's first track index 01 (6750 + 4500 + 150). */
export const SESSION1_GAP_SECTORS = 11400;
/** Gap between a later session's lead-out start and the next session's index 01 (2250 + 4500 + 150). */
export const LATER_SESSION_GAP_SECTORS = 6900;

/** The Q CONTROL flags a track carries besides "data" (cue-sheet.md §2 FLAGS). */
export interface TrackFlags {
  /** PRE: audio recorded with 50/15 µs pre-emphasis (CONTROL bit 0). */
  readonly preEmphasis: boolean;
  /** DCP: digital copy permitted (CONTROL bit 1). */
  readonly copyPermitted: boolean;
  /** 4CH: four-channel audio (CONTROL bit 3). */
  readonly fourChannel: boolean;
  /** SCMS: serial copy management (no CONTROL bit; kept as metadata). */
  readonly serialCopyManagement?: boolean;
}

/** No flags set. */
export const NO_TRACK_FLAGS: TrackFlags = { preEmphasis: false, copyPermitted: false, fourChannel: false };

/** CD-TEXT strings of the disc (track 0) or of one track (cue-sheet.md §6). */
export interface CdTextFields {
  readonly title?: string;
  readonly performer?: string;
  readonly songwriter?: string;
  readonly composer?: string;
  readonly arranger?: string;
  readonly message?: string;
  readonly discId?: string;
  readonly genre?: string;
  /** UPC/EAN of the disc (track 0) or ISRC of a track (pack type 0x8E). */
  readonly upcIsrc?: string;
}

/** Where a track's stored sectors come from. */
export interface TrackStorage {
  /** Layout of each stored sector. */
  readonly format: SectorFormat;
  /** LBA of the first stored sector (may be below the track's index 01 when its pregap is stored). */
  readonly firstLba: number;
  /** Number of stored sectors. */
  readonly sectorCount: number;
  /** The stored bytes: exactly `sectorCount × SECTOR_FORMAT_BYTES[format]` bytes. */
  readonly regions: RegionList;
  /** For `mode2-2336`/`user2048` Mode 2 data, the XA form of user2048 sectors (1) — default 1. */
  readonly xaForm?: 1 | 2;
}

/**
 * One track. Addresses are LBAs; the sectors `pregapLba … endLba − 1` belong to the track.
 *
 * @example
 * ```ts
 * const lengthSectors = track.endLba - track.startLba; // what READ TRACK INFORMATION reports
 * ```
 */
export interface DiscTrack {
  /** Track number, 1 … 99. */
  readonly number: number;
  /** Session number, 1 … 99. */
  readonly session: number;
  readonly mode: TrackMode;
  /** First sector of index 00 (the pregap); equals `startLba` when the track has no pregap. */
  readonly pregapLba: number;
  /** Index 01: the track start that READ TOC reports. */
  readonly startLba: number;
  /** LBAs of index 02, 03, … in order (usually empty). */
  readonly extraIndexLbas: readonly number[];
  /** One past the last sector of the track, post-gap included. */
  readonly endLba: number;
  /** Sectors at the end of the track that form its post-gap (included in `endLba`). */
  readonly postgapSectorCount: number;
  readonly flags: TrackFlags;
  /** ISRC, 12 characters `CCOOOYYSSSSS`. */
  readonly isrc?: string;
  readonly cdText?: CdTextFields;
  /** Stored sectors; sectors of the track outside it are generated (zero data or silence). */
  readonly storage?: TrackStorage;
}

/** Disc type of a session, TOC point A0 PSEC (cd-sectors.md §6). */
export const SessionType = {
  /** CD-DA or CD-ROM (Mode 1). */
  cdDaOrCdRom: 0x00,
  /** CD-i. */
  cdI: 0x10,
  /** CD-ROM XA (any Mode 2 track). */
  cdRomXa: 0x20,
} as const;
/** One of {@link SessionType}'s values. */
export type SessionType = typeof SessionType[keyof typeof SessionType];

/** One session: its tracks and the start of its lead-out. */
export interface DiscSession {
  /** Session number, 1 … 99. */
  readonly number: number;
  readonly type: SessionType;
  readonly tracks: readonly DiscTrack[];
  /** First LBA of the session's lead-out (= end of its last track). */
  readonly leadOutLba: number;
}

/**
 * A whole disc: what a drive reports about the media in it.
 *
 * @example
 * ```ts
 * for (const track of discTracks(disc)) console.log(track.number, track.mode, track.startLba);
 * ```
 */
export interface Disc {
  readonly sessions: readonly DiscSession[];
  /** Media catalog number (UPC/EAN, 13 digits). */
  readonly catalog?: string;
  /** Disc-level CD-TEXT (track 0). */
  readonly cdText?: CdTextFields;
  /** A DVD image's disc structures (PFI, DMI, copyright, BCA) and layer break, when it has them. */
  readonly dvd?: DvdStructures;
}

/**
 * All tracks of all sessions, in order.
 *
 * @example
 * ```ts
 * const audioTracks = discTracks(disc).filter((t) => t.mode === TrackMode.audio);
 * ```
 */
export function discTracks(disc: Disc): DiscTrack[] {
  return disc.sessions.flatMap((session) => [...session.tracks]);
}

/**
 * The lead-out LBA of the last session: the disc's total length in the program area.
 *
 * @example
 * ```ts
 * const lastLba = discLeadOutLba(disc) - 1; // what READ CAPACITY reports
 * ```
 */
export function discLeadOutLba(disc: Disc): number {
  const last = disc.sessions.at(-1);
  if (!last) throw new RangeError("Cannot find lead-out: the disc has no session");
  return last.leadOutLba;
}

/**
 * The track that owns `lba` (its pregap, body or post-gap), or undefined in lead-in/lead-out gaps.
 *
 * @example
 * ```ts
 * const track = trackAt(disc, 16); // track 1 on a data disc
 * ```
 */
export function trackAt(disc: Disc, lba: number): DiscTrack | undefined {
  for (const session of disc.sessions) {
    for (const track of session.tracks) {
      if (lba >= track.pregapLba && lba < track.endLba) return track;
    }
  }
  return undefined;
}

/**
 * The index number in force at `lba` within `track` (0 in the pregap).
 *
 * @example
 * ```ts
 * indexAt(track, track.startLba); // 1
 * ```
 */
export function indexAt(track: DiscTrack, lba: number): number {
  if (lba < track.startLba) return 0;
  let index = 1;
  for (const indexLba of track.extraIndexLbas) {
    if (lba >= indexLba) index++;
  }
  return index;
}

/**
 * The Q sub-channel CONTROL nibble of a track: data bit from its mode, the rest from its flags.
 *
 * @example
 * ```ts
 * controlNibble(dataTrack); // 0x4
 * ```
 */
export function controlNibble(track: Pick<DiscTrack, "mode" | "flags">): number {
  return (track.flags.preEmphasis ? 0x1 : 0) | (track.flags.copyPermitted ? 0x2 : 0) |
    (track.mode === TrackMode.audio ? 0 : 0x4) | (track.flags.fourChannel ? 0x8 : 0);
}

/**
 * The session type of a list of tracks, as cue2toc and libmirage derive it: any Mode 2 track →
 * CD-ROM XA; otherwise CD-DA/CD-ROM.
 *
 * @example
 * ```ts
 * sessionTypeOf([{ mode: "mode2-xa" }]); // 0x20
 * ```
 */
export function sessionTypeOf(tracks: readonly Pick<DiscTrack, "mode">[]): SessionType {
  return tracks.some((t) => t.mode === TrackMode.mode2Xa || t.mode === TrackMode.mode2Formless)
    ? SessionType.cdRomXa
    : SessionType.cdDaOrCdRom;
}

/**
 * Checks the invariants every `Disc` must satisfy (consecutive track numbers, ordered and
 * non-overlapping tracks, index points inside their track, storage inside the track and of the
 * right byte length). Returns the problems found, each naming the track; empty when sound.
 *
 * @example
 * ```ts
 * const problems = checkDisc(disc);
 * if (problems.length) throw new LayoutError(problems.join("; "));
 * ```
 */
export function checkDisc(disc: Disc): string[] {
  const problems: string[] = [];
  let previous: DiscTrack | undefined;
  disc.sessions.forEach((session, s) => {
    if (session.number !== s + 1) problems.push(`session ${s + 1} is numbered ${session.number}`);
    if (session.tracks.length === 0) problems.push(`session ${session.number} has no track`);
    for (const track of session.tracks) {
      const name = `track ${track.number}`;
      if (track.session !== session.number) problems.push(`${name} says session ${track.session}`);
      if (track.number < 1 || track.number > 99) problems.push(`${name} is outside 1..99`);
      if (previous && track.number !== previous.number + 1) {
        problems.push(`${name} follows track ${previous.number}`);
      }
      if (previous && track.pregapLba < previous.endLba) {
        problems.push(`${name} overlaps the track before it`);
      }
      if (!(track.pregapLba <= track.startLba && track.startLba < track.endLba)) {
        problems.push(`${name} has pregap ${track.pregapLba}, start ${track.startLba}, end ${track.endLba}`);
      }
      let lastIndexLba = track.startLba;
      for (const indexLba of track.extraIndexLbas) {
        if (indexLba <= lastIndexLba || indexLba >= track.endLba) {
          problems.push(`${name} has an index point at LBA ${indexLba} out of order`);
        }
        lastIndexLba = indexLba;
      }
      if (track.postgapSectorCount < 0 || track.postgapSectorCount > track.endLba - track.startLba) {
        problems.push(`${name} has a post-gap of ${track.postgapSectorCount} sectors`);
      }
      const storage = track.storage;
      if (storage) {
        if (storage.firstLba < track.pregapLba || storage.firstLba + storage.sectorCount > track.endLba) {
          problems.push(`${name} stores sectors outside the track`);
        }
        const expectedBytes = storage.sectorCount * SECTOR_FORMAT_BYTES[storage.format];
        if (storage.regions.byteLength !== expectedBytes) {
          problems.push(`${name} stores ${storage.regions.byteLength} bytes, expected ${expectedBytes}`);
        }
        if (storage.format === SectorFormat.userData2048 && track.mode === TrackMode.audio) {
          problems.push(`${name} is audio stored as 2048-byte sectors`);
        }
      }
      previous = track;
    }
    const last = session.tracks.at(-1);
    if (last && session.leadOutLba !== last.endLba) {
      problems.push(
        `session ${session.number} lead-out ${session.leadOutLba} is not the end of track ${last.number}`,
      );
    }
  });
  return problems;
}
