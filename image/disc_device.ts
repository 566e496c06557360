/**
 * A data track of a {@link Disc} seen as 2048-byte blocks: what an ISO 9660 reader (and MMC
 * READ(10)) sees. Block numbers are the disc's LBAs, so an ISO in a later session, whose extents
 * are absolute, reads as it is. Sectors outside the track's stored range read as zeros.
 * @module
 */

import type { BlockDevice } from "./block_device.ts";
import { checkBlockRange } from "./block_device.ts";
import {
  type Disc,
  type DiscTrack,
  discTracks,
  SECTOR_FORMAT_BYTES,
  SectorFormat,
  TrackMode,
} from "./disc.ts";
import { FormatError } from "./errors.ts";

/** User data bytes per sector that this device returns. */
export const USER_DATA_BYTES = 2048;

/** Where the 2048 user bytes start inside one stored sector of a track. */
function userDataByteOffset(track: DiscTrack): number {
  const storage = track.storage!;
  switch (storage.format) {
    case SectorFormat.userData2048:
      return 0;
    case SectorFormat.mode2After2336:
      return 8; // 0: sub-header ×2 (8 bytes), then Form 1 user data
    case SectorFormat.raw:
    case SectorFormat.rawWithSubchannel:
      // Mode 1: 16 = after sync (12) + header (4). Mode 2 Form 1: 24 = after the sub-header copies.
      return track.mode === TrackMode.mode1 ? 16 : 24;
    case SectorFormat.rawBigEndianAudio:
      throw new FormatError(`Cannot read track ${track.number} as data: it is audio`, {
        structure: "track",
        field: "mode",
      });
  }
}

/**
 * The first data track of the disc (or the given one) as a 2048-byte block device.
 *
 * @example
 * ```ts
 * const disc = await loadCueDisc("game.cue");
 * const image = await openIso(dataTrackDevice(disc), { sessionStartLba: firstDataTrack(disc)!.startLba });
 * ```
 */
export function dataTrackDevice(
  disc: Disc,
  track: DiscTrack | undefined = firstDataTrack(disc),
): BlockDevice {
  if (!track) {
    throw new FormatError("Cannot read the disc as data: it has no data track", { structure: "disc" });
  }
  if (track.mode === TrackMode.audio) {
    throw new FormatError(`Cannot read track ${track.number} as data: it is audio`, {
      structure: "track",
      field: "mode",
    });
  }
  return new DataTrackDevice(track);
}

/**
 * The data track an ISO 9660 reader should open: the last one (a CD-Extra's file system is in
 * its last session), or undefined for an audio-only disc.
 *
 * @example
 * ```ts
 * const track = firstDataTrack(disc); // track 1 on a mixed-mode disc
 * ```
 */
export function firstDataTrack(disc: Disc): DiscTrack | undefined {
  return discTracks(disc).findLast((t) => t.mode !== TrackMode.audio);
}

class DataTrackDevice implements BlockDevice {
  readonly blockByteLength = USER_DATA_BYTES;
  readonly blockCount: number;
  readonly #track: DiscTrack;

  constructor(track: DiscTrack) {
    this.#track = track;
    this.blockCount = track.endLba;
  }

  async read(lba: number, blockCount: number): Promise<Uint8Array> {
    checkBlockRange(this, lba, blockCount);
    const storage = this.#track.storage;
    if (!storage) return new Uint8Array(blockCount * USER_DATA_BYTES);
    const from = Math.max(lba, storage.firstLba);
    const to = Math.min(lba + blockCount, storage.firstLba + storage.sectorCount);
    if (from >= to) return new Uint8Array(blockCount * USER_DATA_BYTES);
    const stride = SECTOR_FORMAT_BYTES[storage.format];
    const first = (from - storage.firstLba) * stride;
    const stored = await storage.regions.read(first, (to - from) * stride);
    if (stride === USER_DATA_BYTES && from === lba && to === lba + blockCount) return stored; // all stored: no copy
    const out = new Uint8Array(blockCount * USER_DATA_BYTES);
    if (stride === USER_DATA_BYTES) {
      out.set(stored, (from - lba) * USER_DATA_BYTES);
      return out;
    }
    const skip = userDataByteOffset(this.#track);
    for (let i = 0; i < to - from; i++) {
      const at = i * stride + skip;
      out.set(stored.subarray(at, at + USER_DATA_BYTES), (from - lba + i) * USER_DATA_BYTES);
    }
    return out;
  }

  close(): void {
    this.#track.storage?.regions.close();
  }
}
