/**
 * Any sector of a {@link Disc} as a drive reads it raw: 2352 bytes of main channel (sync, header,
 * EDC and ECC synthesised for tracks stored cooked; zero data sectors or digital silence where
 * the image stores nothing) and 96 bytes of interleaved P–W sub-channel (the stored one, or P and
 * Q made from the track layout). What MMC READ CD serves (../shared/specs/scsi-mmc.md §4).
 * @module
 */

import {
  controlNibble,
  type Disc,
  type DiscTrack,
  discTracks,
  indexAt,
  SECTOR_FORMAT_BYTES,
  SectorFormat,
  TRACK1_PREGAP_SECTORS,
  TrackMode,
} from "./disc.ts";
import { encodeRawSectors } from "./cd/encode_run.ts";
import type { Region } from "./regions.ts";
import { encodeMode2FormlessSector, SECTOR_BYTES } from "./cd/sector.ts";
import { encodeQPosition, interleaveSubchannel, type QPosition, SUBCHANNEL_BYTES } from "./cd/subchannel.ts";

/** Raw sectors read from a disc. */
export interface RawSectors {
  /** 2352 bytes per sector. */
  readonly main: Uint8Array;
  /** 96 bytes of raw interleaved P–W per sector (when asked for). */
  readonly subchannel?: Uint8Array;
}

/**
 * The track an LBA belongs to, counting the unstored track-1 pregap (LBA −150 … −1) as track 1's.
 *
 * @example
 * ```ts
 * discTrackAt(disc, -150)?.number; // 1
 * ```
 */
export function discTrackAt(disc: Disc, lba: number): DiscTrack | undefined {
  const tracks = discTracks(disc);
  if (tracks.length && lba < tracks[0].pregapLba && lba >= -TRACK1_PREGAP_SECTORS) return tracks[0];
  return tracks.find((t) => lba >= t.pregapLba && lba < t.endLba);
}

/**
 * The Q position of a sector (track, index, relative time) as the disc's sub-channel carries it.
 *
 * @example
 * ```ts
 * qPositionAt(disc, 0); // { control: 4, track: 1, index: 1, relativeSectors: 0, lba: 0 }
 * ```
 */
export function qPositionAt(disc: Disc, lba: number): QPosition {
  const track = discTrackAt(disc, lba);
  if (!track) return { control: 0x4, track: 0xaa, index: 1, relativeSectors: 0, lba };
  return trackQPosition(track, lba);
}

/** The Q position of `lba` inside `track` (its pregap included). */
function trackQPosition(track: DiscTrack, lba: number): QPosition {
  return {
    control: controlNibble(track),
    track: track.number,
    index: lba < track.startLba ? 0 : indexAt(track, lba),
    relativeSectors: lba - track.startLba,
    lba,
  };
}

/**
 * Reads `count` raw sectors from `lba` (LBA −150 upwards), across tracks. An LBA outside every
 * track (a gap between sessions, the lead-out) is a RangeError naming it.
 *
 * @example
 * ```ts
 * const { main, subchannel } = await readRawSectors(disc, 16, 1, { subchannel: true });
 * ```
 */
export async function readRawSectors(
  disc: Disc,
  lba: number,
  count: number,
  options: { subchannel?: boolean } = {},
): Promise<RawSectors> {
  const main = new Uint8Array(count * SECTOR_BYTES);
  const subchannel = options.subchannel ? new Uint8Array(count * SUBCHANNEL_BYTES) : undefined;
  let done = 0;
  while (done < count) {
    const at = lba + done;
    const track = discTrackAt(disc, at);
    if (!track) throw new RangeError(`LBA ${at} is in no track of the disc`);
    const run = Math.min(count - done, track.endLba - at);
    const storedSub = await readTrackRun(
      track,
      at,
      run,
      main.subarray(done * SECTOR_BYTES),
      subchannel !== undefined,
    );
    if (subchannel) {
      for (let i = 0; i < run; i++) {
        const out = subchannel.subarray((done + i) * SUBCHANNEL_BYTES, (done + i + 1) * SUBCHANNEL_BYTES);
        const stored = storedSub?.[i];
        if (stored) out.set(stored);
        else {
          const position = trackQPosition(track, at + i);
          interleaveSubchannel(encodeQPosition(position), position.index === 0, out);
        }
      }
    }
    done += run;
  }
  return { main, subchannel };
}

/**
 * Fills `out` with `count` raw sectors of `track` from `lba`; returns the stored sub-channel
 * blocks (raw2448 storage) by sector, where there are some.
 */
async function readTrackRun(
  track: DiscTrack,
  lba: number,
  count: number,
  out: Uint8Array,
  wantSub: boolean,
): Promise<(Uint8Array | undefined)[] | undefined> {
  const storage = track.storage;
  const storedFrom = storage ? Math.max(lba, storage.firstLba) : lba;
  const storedTo = storage ? Math.min(lba + count, storage.firstLba + storage.sectorCount) : lba;
  // Generated sectors before and after the stored ones.
  const generate = (from: number, to: number) => {
    if (from >= to || track.mode === TrackMode.audio) return; // silence is zeros
    const kind = track.mode === TrackMode.mode1
      ? "mode1"
      : track.mode === TrackMode.mode2Xa
      ? "form1"
      : "mode0";
    out.set(encodeRawSectors(kind, from, to - from), (from - lba) * SECTOR_BYTES);
  };
  if (!storage || storedFrom >= storedTo) {
    generate(lba, lba + count);
    return undefined;
  }
  generate(lba, storedFrom);
  generate(storedTo, lba + count);
  const stride = SECTOR_FORMAT_BYTES[storage.format];
  const n = storedTo - storedFrom;
  const stored = await storage.regions.read((storedFrom - storage.firstLba) * stride, n * stride);
  const base = (storedFrom - lba) * SECTOR_BYTES;
  switch (storage.format) {
    case SectorFormat.raw:
      out.set(stored, base);
      return undefined;
    case SectorFormat.rawWithSubchannel: {
      const subs: (Uint8Array | undefined)[] = new Array(count);
      for (let i = 0; i < n; i++) {
        out.set(stored.subarray(i * stride, i * stride + SECTOR_BYTES), base + i * SECTOR_BYTES);
        if (wantSub) {
          subs[storedFrom - lba + i] = stored.subarray(i * stride + SECTOR_BYTES, (i + 1) * stride);
        }
      }
      return subs;
    }
    case SectorFormat.rawBigEndianAudio:
      for (let i = 0; i < stored.byteLength; i += 2) {
        out[base + i] = stored[i + 1]; // samples to little-endian, as drives return them
        out[base + i + 1] = stored[i];
      }
      return undefined;
    case SectorFormat.userData2048:
      if (track.mode === TrackMode.audio) {
        throw new RangeError(`track ${track.number}: audio stored as 2048-byte sectors`);
      }
      out.set(
        encodeRawSectors(track.mode === TrackMode.mode1 ? "mode1" : "form1", storedFrom, n, stored),
        base,
      );
      return undefined;
    case SectorFormat.mode2After2336:
      for (let i = 0; i < n; i++) {
        encodeMode2FormlessSector(
          storedFrom + i,
          stored.subarray(i * stride, (i + 1) * stride),
          out,
          base + i * SECTOR_BYTES,
          2,
        );
      }
      return undefined;
  }
}

/** Sectors computed by one lazy region of {@link rawSectorRegions}. */
export const RAW_REGION_SECTORS = 256;

/**
 * Raw sectors `fromLba … toLba − 1` of a disc as lazy regions of {@link RAW_REGION_SECTORS}
 * sectors (what the image writers stream): the 2352-byte main channel, or with `subchannel` the
 * 96 bytes of interleaved P–W of each sector passed through `subchannel` (e.g. to de-interleave).
 *
 * @example
 * ```ts
 * const bin = new RegionList(rawSectorRegions(disc, 0, 300, "track 1"));
 * ```
 */
export function rawSectorRegions(
  disc: Disc,
  fromLba: number,
  toLba: number,
  label: string,
  subchannel?: (raw: Uint8Array) => Uint8Array,
): Region[] {
  const regions: Region[] = [];
  for (let lba = fromLba; lba < toLba; lba += RAW_REGION_SECTORS) {
    const first = lba, count = Math.min(RAW_REGION_SECTORS, toLba - lba);
    regions.push({
      kind: "lazy",
      label: `${label}: ${subchannel ? "sub-channel" : "raw sectors"} at LBA ${first}`,
      byteLength: count * (subchannel ? SUBCHANNEL_BYTES : SECTOR_BYTES),
      compute: subchannel
        ? async () => subchannel((await readRawSectors(disc, first, count, { subchannel: true })).subchannel!)
        : async () => (await readRawSectors(disc, first, count)).main,
    });
  }
  return regions;
}
