/**
 * The `.sub` file beside a CloneCD `.img` or a BIN/CUE image's `.bin` (the BIN/CUE/SUB triple that
 * CDRWIN and dumping tools write): 96 bytes of sub-channel per sector of the main file, in the
 * same order, the eight channels P…W one after the other (12 bytes each, CloneCD's layout). The
 * disc model keeps sub-channel interleaved after each sector (2448-byte sectors), so a track
 * reads its main bytes and its `.sub` bytes together.
 * @module
 */

import { interleavePw, SUBCHANNEL_BYTES } from "./cd/subchannel.ts";
import { SECTOR_BYTES } from "./cd/sector.ts";
import { type Disc, type DiscTrack, discTracks, SectorFormat } from "./disc.ts";
import { type FileRegion, type Region, RegionList } from "./regions.ts";

/** Sectors one lazy region joins. */
const JOIN_SECTORS = 256;

/** A `.sub` file: its path and size. */
export interface SubFile {
  readonly path: string;
  readonly byteLength: number;
}

/**
 * The `.sub` at `path` when it exists and covers `sectors` sectors (a shorter one is ignored, as
 * CloneCD does), else undefined.
 *
 * @example
 * ```ts
 * const sub = findSubFile("game.sub", imgBytes / 2352);
 * ```
 */
export function findSubFile(path: string, sectors: number): SubFile | undefined {
  try {
    const { size, isFile } = Deno.statSync(path);
    return isFile && size >= sectors * SUBCHANNEL_BYTES ? { path, byteLength: size } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * 2448-byte sectors (2352 main + 96 interleaved P–W) of `sectorCount` sectors whose main bytes are
 * `main` (2352 per sector) and whose sub-channel starts at sector `firstSubSector` of `sub`.
 *
 * @example
 * ```ts
 * const regions = joinSubchannel(trackMain, sub, 0, 1000, "track 1");
 * ```
 */
export function joinSubchannel(
  main: RegionList,
  sub: SubFile,
  firstSubSector: number,
  sectorCount: number,
  label: string,
): RegionList {
  const subRegions = new RegionList([{
    kind: "file",
    label: `${sub.path}: sub-channel`,
    path: sub.path,
    fileByteOffset: 0,
    byteLength: sub.byteLength,
    fileByteLength: sub.byteLength,
  }]);
  const stride = SECTOR_BYTES + SUBCHANNEL_BYTES;
  const chunks: Region[] = [];
  for (let k = 0; k < sectorCount; k += JOIN_SECTORS) {
    const count = Math.min(JOIN_SECTORS, sectorCount - k);
    chunks.push({
      kind: "lazy",
      label: `${label}: sectors ${k}… with sub-channel`,
      byteLength: count * stride,
      compute: async () => {
        const bytes = await main.read(k * SECTOR_BYTES, count * SECTOR_BYTES);
        const linear = await subRegions.read(
          (firstSubSector + k) * SUBCHANNEL_BYTES,
          count * SUBCHANNEL_BYTES,
        );
        const out = new Uint8Array(count * stride);
        for (let n = 0; n < count; n++) {
          out.set(bytes.subarray(n * SECTOR_BYTES, (n + 1) * SECTOR_BYTES), n * stride);
          interleavePw(linear.subarray(n * SUBCHANNEL_BYTES), out, n * stride + SECTOR_BYTES);
        }
        return out;
      },
    });
  }
  return new RegionList(chunks);
}

/**
 * A BIN/CUE disc with the `.sub` beside its BIN: when every stored track is raw 2352-byte sectors
 * of one file and `BASE.sub` (BASE: that file's path without its extension) covers all of its
 * sectors, the tracks carry that sub-channel. Otherwise the disc as it is.
 *
 * @example
 * ```ts
 * const disc = withSubFileOfBin(cueSheetToDisc(sheet, resolve)); // game.cue + game.bin + game.sub
 * ```
 */
export function withSubFileOfBin(disc: Disc): Disc {
  let binPath: string | undefined;
  let binBytes = 0;
  for (const track of discTracks(disc)) {
    const storage = track.storage;
    if (!storage) continue;
    const [region, ...more] = storage.regions.regions;
    if (storage.format !== SectorFormat.raw || more.length > 0 || region?.kind !== "file") return disc;
    if ((binPath !== undefined && region.path !== binPath) || region.fileByteOffset % SECTOR_BYTES !== 0) {
      return disc;
    }
    binPath = region.path;
    binBytes = region.fileByteLength;
  }
  if (binPath === undefined) return disc;
  const sub = findSubFile(`${binPath.replace(/\.[^./]*$/, "")}.sub`, Math.floor(binBytes / SECTOR_BYTES));
  if (!sub) return disc;
  const join = (track: DiscTrack): DiscTrack => {
    const storage = track.storage;
    if (!storage) return track;
    const region = storage.regions.regions[0] as FileRegion;
    return {
      ...track,
      storage: {
        ...storage,
        format: SectorFormat.rawWithSubchannel,
        regions: joinSubchannel(
          storage.regions,
          sub,
          region.fileByteOffset / SECTOR_BYTES,
          storage.sectorCount,
          `${binPath}: track ${track.number}`,
        ),
      },
    };
  };
  return { ...disc, sessions: disc.sessions.map((s) => ({ ...s, tracks: s.tracks.map(join) })) };
}
