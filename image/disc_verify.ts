/**
 * Strict check of a {@link Disc}'s raw data sectors: every stored raw sector of a data track has
 * the sync pattern, its own address in the header, and matching EDC and P/Q parity
 * (cd-sectors.md §2–§4). Audio and cooked (2048-byte) tracks have nothing to check here.
 * @module
 */

import { checkRawSector, classifyRawSector } from "./cd/sector.ts";
import { type Disc, discTracks, SECTOR_FORMAT_BYTES, SectorFormat, TrackMode } from "./disc.ts";

/** One bad sector. */
export interface SectorProblem {
  readonly lba: number;
  readonly track: number;
  readonly message: string;
}

/** Sectors read at once. */
const VERIFY_CHUNK_SECTORS = 512;
/** Problems kept before the report is cut short. */
export const MAX_SECTOR_PROBLEMS = 1000;

/**
 * Checks every raw data sector. Returns the problems (at most {@link MAX_SECTOR_PROBLEMS}) and
 * how many sectors were checked.
 *
 * @example
 * ```ts
 * const { problems, checkedSectors } = await verifyDiscSectors(disc);
 * ```
 */
export async function verifyDiscSectors(
  disc: Disc,
): Promise<{ problems: SectorProblem[]; checkedSectors: number }> {
  const problems: SectorProblem[] = [];
  let checkedSectors = 0;
  for (const track of discTracks(disc)) {
    const storage = track.storage;
    if (track.mode === TrackMode.audio || !storage) continue;
    if (storage.format !== SectorFormat.raw && storage.format !== SectorFormat.rawWithSubchannel) continue;
    const stride = SECTOR_FORMAT_BYTES[storage.format];
    for (let first = 0; first < storage.sectorCount; first += VERIFY_CHUNK_SECTORS) {
      const count = Math.min(VERIFY_CHUNK_SECTORS, storage.sectorCount - first);
      const bytes = await storage.regions.read(first * stride, count * stride);
      for (let i = 0; i < count; i++) {
        const lba = storage.firstLba + first + i;
        const found = classifyRawSector(bytes, i * stride) === "audio"
          ? ["no sync pattern: not a data sector"]
          : checkRawSector(bytes, i * stride, lba);
        for (const message of found) {
          if (problems.length < MAX_SECTOR_PROBLEMS) problems.push({ lba, track: track.number, message });
        }
      }
      checkedSectors += count;
    }
    storage.regions.close();
  }
  return { problems, checkedSectors };
}
