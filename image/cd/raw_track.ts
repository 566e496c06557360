/**
 * Raw 2352-byte data tracks as region lists, computed lazily in chunks: a 650 MB track is never
 * held in memory. The source is the track's user data (2048-byte sectors, e.g. a planned ISO).
 * @module
 */

import type { TrackMode } from "../disc.ts";
import { type Region, RegionList } from "../regions.ts";
import {
  encodeMode1Sector,
  encodeMode2Form1Sector,
  encodeMode2FormlessSector,
  FORM1_SUBHEADER,
  SECTOR_BYTES,
  USER_DATA_BYTES,
} from "./sector.ts";

/** Sectors computed by one lazy region (about 600 KB of raw sectors). */
export const RAW_CHUNK_SECTORS = 256;

type SectorEncoder = (lba: number, userData: Uint8Array | undefined, out: Uint8Array, at: number) => void;

const ENCODERS: Record<"mode1" | "form1" | "mode0", SectorEncoder> = {
  mode1: encodeMode1Sector,
  // XA Form 1 with sub-header "Data" (00 00 08 00), as cdrdao writes MODE2_FORM1 data.
  form1: (lba, data, out, at) => encodeMode2Form1Sector(lba, FORM1_SUBHEADER, data, out, at),
  mode0: (lba, _data, out, at) => encodeMode2FormlessSector(lba, undefined, out, at, 0),
};

function rawRegions(
  source: RegionList | undefined,
  sectorCount: number,
  firstLba: number,
  label: string,
  encode: SectorEncoder,
): RegionList {
  const regions: Region[] = [];
  for (let first = 0; first < sectorCount; first += RAW_CHUNK_SECTORS) {
    const count = Math.min(RAW_CHUNK_SECTORS, sectorCount - first);
    const isLast = first + count >= sectorCount;
    regions.push({
      kind: "lazy",
      label: `${label}: raw sectors at LBA ${firstLba + first}`,
      byteLength: count * SECTOR_BYTES,
      compute: async () => {
        const out = new Uint8Array(count * SECTOR_BYTES);
        const user = source ? await source.read(first * USER_DATA_BYTES, count * USER_DATA_BYTES) : undefined;
        if (isLast) source?.close();
        for (let i = 0; i < count; i++) {
          const data = user?.subarray(i * USER_DATA_BYTES, (i + 1) * USER_DATA_BYTES);
          encode(firstLba + first + i, data, out, i * SECTOR_BYTES);
        }
        return out;
      },
    });
  }
  return new RegionList(regions);
}

function sectorsOf(source: RegionList): number {
  if (source.byteLength % USER_DATA_BYTES !== 0) {
    throw new RangeError(
      `Cannot encode a data track: ${source.byteLength} bytes is not whole 2048-byte sectors`,
    );
  }
  return source.byteLength / USER_DATA_BYTES;
}

/**
 * Mode 1 raw sectors (sync, header, data, EDC, ECC) of `source`, the first at `firstLba`.
 *
 * @example
 * ```ts
 * const raw = mode1RawRegions(isoPlan.regions, 0, "data track");
 * ```
 */
export function mode1RawRegions(source: RegionList, firstLba: number, label: string): RegionList {
  return rawRegions(source, sectorsOf(source), firstLba, label, ENCODERS.mode1);
}

/**
 * CD-ROM XA Mode 2 Form 1 raw sectors of `source` (sub-header 00 00 08 00 in every sector).
 *
 * @example
 * ```ts
 * const raw = mode2Form1RawRegions(isoPlan.regions, 11_700, "CD-Extra data");
 * ```
 */
export function mode2Form1RawRegions(source: RegionList, firstLba: number, label: string): RegionList {
  return rawRegions(source, sectorsOf(source), firstLba, label, ENCODERS.form1);
}

/**
 * Zero-data sectors of a data track's mode (pregaps, post-gaps, padding): headers, EDC and ECC
 * still differ per LBA. Audio tracks need no such function (silence is zeros).
 *
 * @example
 * ```ts
 * const postgap = generatedDataSectors("mode1", 1_200, 150);
 * ```
 */
export function generatedDataSectors(mode: TrackMode, firstLba: number, sectorCount: number): RegionList {
  const encode = mode === "mode1" ? ENCODERS.mode1 : mode === "mode2-xa" ? ENCODERS.form1 : ENCODERS.mode0;
  return rawRegions(undefined, sectorCount, firstLba, `generated ${mode} sectors`, encode);
}
