/**
 * Reading a {@link Disc}'s tracks out as other files, lazily and in chunks: a data track's user
 * data (what bchunk writes as .iso) and an audio track's PCM (little-endian, for a WAV file).
 * Sectors a track does not store (generated gaps) read as zeros.
 * @module
 */

import {
  type Disc,
  type DiscTrack,
  discTracks,
  SECTOR_FORMAT_BYTES,
  SectorFormat,
  TrackMode,
  type TrackStorage,
} from "./disc.ts";
import { rawSectorRegions } from "./disc_sectors.ts";
import { linearSubchannel } from "./cd/subchannel.ts";
import { encodeDiscCue } from "./cue_writer.ts";
import { writeRegionsToFile } from "./region_writer.ts";
import { FormatError } from "./errors.ts";
import { type Region, RegionList } from "./regions.ts";
import { encodeWavHeader } from "./wav.ts";

/** Sectors read by one lazy region. */
export const CONVERT_CHUNK_SECTORS = 256;
/** Bytes of audio per sector. */
export const AUDIO_SECTOR_BYTES = 2352;

/** Turns one stored sector (its bytes in the storage format) into the output bytes. */
type SectorExtractor = (stored: Uint8Array, out: Uint8Array) => void;

/**
 * The stored-or-generated sectors `fromLba … toLba − 1` of a track, each turned into
 * `outBytesPerSector` bytes by `extract`, as lazy regions.
 */
function trackRegions(
  track: DiscTrack,
  fromLba: number,
  toLba: number,
  outBytesPerSector: number,
  extract: SectorExtractor,
  label: string,
): RegionList {
  const storage = track.storage;
  const regions: Region[] = [];
  for (let first = fromLba; first < toLba; first += CONVERT_CHUNK_SECTORS) {
    const count = Math.min(CONVERT_CHUNK_SECTORS, toLba - first);
    const storedFrom = storage ? Math.max(first, storage.firstLba) : 0;
    const storedTo = storage ? Math.min(first + count, storage.firstLba + storage.sectorCount) : 0;
    if (!storage || storedFrom >= storedTo) {
      regions.push({
        kind: "zero",
        label: `${label}: generated sectors at LBA ${first}`,
        byteLength: count * outBytesPerSector,
      });
      continue;
    }
    regions.push({
      kind: "lazy",
      label: `${label}: sectors at LBA ${first}`,
      byteLength: count * outBytesPerSector,
      compute: async () => {
        const stride = SECTOR_FORMAT_BYTES[storage.format];
        const stored = await storage.regions.read(
          (storedFrom - storage.firstLba) * stride,
          (storedTo - storedFrom) * stride,
        );
        const out = new Uint8Array(count * outBytesPerSector);
        for (let lba = storedFrom; lba < storedTo; lba++) {
          const i = lba - storedFrom;
          const at = (lba - first) * outBytesPerSector;
          extract(stored.subarray(i * stride, (i + 1) * stride), out.subarray(at, at + outBytesPerSector));
        }
        return out;
      },
    });
  }
  return new RegionList(regions);
}

/**
 * A data track's 2048-byte user data from index 01 to its end (post-gap included), as bchunk
 * writes it. Mode 2 Form 2 sectors are refused (they carry 2324 bytes).
 *
 * @example
 * ```ts
 * await writeRegionsToFile(dataTrackUserData(track), "track01.iso");
 * ```
 */
export function dataTrackUserData(track: DiscTrack): RegionList {
  if (track.mode === TrackMode.audio) {
    throw new FormatError(`Cannot read track ${track.number} as data: it is audio`, { structure: "track" });
  }
  const format = track.storage?.format ?? SectorFormat.userData2048;
  const skip = format === SectorFormat.userData2048 ? 0 : format === SectorFormat.mode2After2336
    ? 8 // sub-header ×2
    : track.mode === TrackMode.mode1
    ? 16 // sync + header
    : 24; // sync + header + sub-header ×2
  return trackRegions(track, track.startLba, track.endLba, 2048, (stored, out) => {
    if (skip === 24 && stored[18] & 0x20) {
      throw new FormatError(`Cannot convert track ${track.number}: it has Mode 2 Form 2 sectors`, {
        structure: "Mode 2 sub-header",
        field: "sub-mode",
      });
    }
    out.set(stored.subarray(skip, skip + 2048));
  }, `track ${track.number} user data`);
}

/**
 * An audio track's PCM (16-bit little-endian stereo) from index 01 to its end.
 *
 * @example
 * ```ts
 * const pcm = audioTrackPcm(track);
 * ```
 */
export function audioTrackPcm(track: DiscTrack): RegionList {
  if (track.mode !== TrackMode.audio) {
    throw new FormatError(`Cannot read track ${track.number} as audio: it is a data track`, {
      structure: "track",
    });
  }
  const bigEndian = track.storage?.format === SectorFormat.rawBigEndianAudio;
  return trackRegions(track, track.startLba, track.endLba, AUDIO_SECTOR_BYTES, (stored, out) => {
    out.set(stored.subarray(0, AUDIO_SECTOR_BYTES));
    if (bigEndian) {
      for (let i = 0; i < AUDIO_SECTOR_BYTES; i += 2) {
        const high = out[i];
        out[i] = out[i + 1];
        out[i + 1] = high;
      }
    }
  }, `track ${track.number} audio`);
}

/**
 * An audio track as a WAV file (44-byte header + PCM).
 *
 * @example
 * ```ts
 * await writeRegionsToFile(audioTrackWav(track), "track02.wav");
 * ```
 */
export function audioTrackWav(track: DiscTrack): RegionList {
  const pcm = audioTrackPcm(track);
  return new RegionList([
    { kind: "bytes", label: "WAV header", bytes: encodeWavHeader(pcm.byteLength) },
    ...pcm.regions,
  ]);
}

/** What {@link convertImage} writes. */
export interface ConvertTargets {
  /** The data track's user data as an ISO file. */
  readonly isoPath?: string;
  /** A folder for the audio tracks, written as trackNN.wav. */
  readonly wavDir?: string;
}

/**
 * Writes a disc's data track as an ISO and/or its audio tracks as WAV files (each file through a
 * temporary name, renamed when complete). Returns the paths written and notes.
 *
 * @example
 * ```ts
 * const { paths } = await convertImage(disc, { isoPath: "data.iso", wavDir: "audio" });
 * ```
 */
export async function convertImage(
  disc: Disc,
  targets: ConvertTargets,
): Promise<{ paths: string[]; notes: string[] }> {
  const paths: string[] = [];
  const notes: string[] = [];
  const tracks = discTracks(disc);
  if (targets.isoPath !== undefined) {
    const track = tracks.findLast((t) => t.mode !== TrackMode.audio);
    if (!track) {
      throw new FormatError("Cannot convert to ISO: the disc has no data track", { structure: "disc" });
    }
    const user = dataTrackUserData(track);
    const descriptor = await user.read(16 * 2048, 6).catch(() => new Uint8Array(6));
    if (String.fromCharCode(...descriptor.subarray(1, 6)) !== "CD001") {
      throw new FormatError(
        `Cannot convert to ISO: data track ${track.number} holds no ISO 9660 file system (no volume descriptor at its LBA 16)`,
        { structure: "Primary Volume Descriptor", lba: track.startLba + 16 },
      );
    }
    if (track.startLba !== 0) {
      notes.push(
        `track ${track.number} starts at LBA ${track.startLba} and its file system counts from there ` +
          `(read it with isoinfo -N ${track.startLba}, or mount with session=${track.session})`,
      );
    }
    await writeRegionsToFile(user, targets.isoPath);
    paths.push(targets.isoPath);
  }
  if (targets.wavDir !== undefined) {
    const audio = tracks.filter((t) => t.mode === TrackMode.audio);
    if (audio.length === 0) notes.push("the disc has no audio tracks: no WAV written");
    await Deno.mkdir(targets.wavDir, { recursive: true });
    for (const track of audio) {
      const path = `${targets.wavDir}/track${String(track.number).padStart(2, "0")}.wav`;
      await writeRegionsToFile(audioTrackWav(track), path);
      paths.push(path);
    }
  }
  return { paths, notes };
}

/**
 * Any disc as one raw BIN (2352-byte sectors: headers, EDC/ECC made for cooked tracks, pregaps
 * stored from track 2 on) and its CUE sheet: what `disc convert X -o OUT.cue` writes. Sessions
 * follow each other in the BIN (REM SESSION in the CUE), their gaps left out. Stored
 * sub-channel is not carried over (CUE has no place for it).
 *
 * @example
 * ```ts
 * const { bin, cue } = binCueOf(loadNrgDisc("game.nrg"), "game.bin");
 * await writeRegionsToFile(bin, "game.bin");
 * await Deno.writeTextFile("game.cue", cue);
 * ```
 */
export function binCueOf(disc: Disc, binName: string): { bin: RegionList; cue: string; sub?: RegionList } {
  const regions: Region[] = [];
  // Sub-channel stored in the source (CCD .sub, NRG/MDS 2448-byte sectors) goes to a .sub beside
  // the BIN, sector for sector (P and Q made from the layout where a track has none).
  const keepSub = discTracks(disc).some((t) => t.storage?.format === SectorFormat.rawWithSubchannel);
  const subRegions: Region[] = [];
  const sessions = disc.sessions.map((session) => ({
    ...session,
    tracks: session.tracks.map((track, i) => {
      const from = i === 0 ? track.startLba : track.pregapLba;
      const sectorCount = track.endLba - from;
      regions.push(...rawSectorRegions(disc, from, track.endLba, `track ${track.number}`));
      if (keepSub) {
        subRegions.push(
          ...rawSectorRegions(disc, from, track.endLba, `track ${track.number} .sub`, linearSubchannel),
        );
      }
      const storage: TrackStorage = {
        format: SectorFormat.raw,
        firstLba: from,
        sectorCount,
        regions: new RegionList([]),
      };
      return { ...track, storage };
    }),
  }));
  const cue = encodeDiscCue({ ...disc, sessions }, { bin: binName });
  return keepSub
    ? { bin: new RegionList(regions), cue, sub: new RegionList(subRegions) }
    : { bin: new RegionList(regions), cue };
}
