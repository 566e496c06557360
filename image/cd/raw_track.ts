/**
 * Raw 2352-byte data tracks as region lists, computed lazily in chunks: a 650 MB track is never
 * held in memory. The source is the track's user data (2048-byte sectors, e.g. a planned ISO).
 * @module
 */

import type { TrackMode } from "../disc.ts";
import { type FileRegion, type Region, RegionList, sliceRegion } from "../regions.ts";
import { encodeRawSectors, type RawSectorKind } from "./encode_run.ts";
import { SectorEncoderPool } from "./encoder_pool.ts";
import { SECTOR_BYTES, USER_DATA_BYTES } from "./sector.ts";

/** Sectors computed by one lazy region (about 2.4 MB of raw sectors; fewer, larger jobs for the workers). */
export const RAW_CHUNK_SECTORS = 1024;
/** Chunks encoded ahead on worker threads while the writer consumes them in order. */
export const PREFETCH_CHUNKS = 8;
/** Tracks shorter than this are encoded on the calling thread (a worker start costs more). */
const PARALLEL_MIN_CHUNKS = 8;

/**
 * Lazy regions of raw sectors. Read in order (writing an image), chunks are encoded ahead on
 * the shared worker pool, so both cores work while the main thread does the I/O; read at random
 * (serving), each chunk is encoded when asked for. Source reads of the chunks ahead run at the
 * same time (RegionList reads are safe concurrently: each holds its own file handle).
 */
function rawRegions(
  source: RegionList | undefined,
  sectorCount: number,
  firstLba: number,
  label: string,
  kind: RawSectorKind,
): RegionList {
  const chunkCount = Math.ceil(sectorCount / RAW_CHUNK_SECTORS);
  const parallel = chunkCount >= PARALLEL_MIN_CHUNKS;
  const ahead = new Map<number, Promise<Uint8Array>>();
  let lastAsked = -1;
  // Buffers of full chunks that the writer is done with (see LazyRegion.release), reused for the
  // next chunks' user data and raw sectors: fresh 2 MB arrays cost page faults and zeroing.
  const spareUser: ArrayBuffer[] = [];
  const spareRaw: ArrayBuffer[] = [];
  const fullUserBytes = RAW_CHUNK_SECTORS * USER_DATA_BYTES;
  const fullRawBytes = RAW_CHUNK_SECTORS * SECTOR_BYTES;
  // The chunk computed last (only it may be released: random readers never release, and nothing
  // else is kept alive for them).
  let lastComputed: { readonly k: number; readonly bytes: Uint8Array } | undefined;

  const encodeChunk = (k: number, onWorker: boolean): Promise<Uint8Array> => {
    const first = k * RAW_CHUNK_SECTORS;
    const count = Math.min(RAW_CHUNK_SECTORS, sectorCount - first);
    const full = count === RAW_CHUNK_SECTORS;
    const rawInto = full ? spareRaw.pop() : undefined;
    // A chunk inside one host file (a data track from an ISO file): the worker reads it itself,
    // straight into its encoder.
    const fileRegion = onWorker && source
      ? fileRegionOf(source, first * USER_DATA_BYTES, count * USER_DATA_BYTES)
      : undefined;
    if (fileRegion) {
      return SectorEncoderPool.shared.encode(kind, firstLba + first, count, fileRegion, rawInto).then((r) =>
        r.raw
      );
    }
    const userInto = full && spareUser.length > 0 ? new Uint8Array(spareUser.pop()!) : undefined;
    // Reads of the chunks ahead run at once (each read has its own file handle).
    const user = source
      ? source.read(first * USER_DATA_BYTES, count * USER_DATA_BYTES, userInto)
      : Promise.resolve(undefined);
    return user.then(async (data) => {
      if (!onWorker) {
        return encodeRawSectors(kind, firstLba + first, count, data, rawInto && new Uint8Array(rawInto));
      }
      const run = await SectorEncoderPool.shared.encode(kind, firstLba + first, count, data, rawInto);
      if (run.user?.byteLength === fullUserBytes) spareUser.push(run.user);
      return run.raw;
    });
  };

  const regions: Region[] = [];
  for (let k = 0; k < chunkCount; k++) {
    const count = Math.min(RAW_CHUNK_SECTORS, sectorCount - k * RAW_CHUNK_SECTORS);
    regions.push({
      kind: "lazy",
      label: `${label}: raw sectors at LBA ${firstLba + k * RAW_CHUNK_SECTORS}`,
      byteLength: count * SECTOR_BYTES,
      compute: async () => {
        const sequential = parallel && k === lastAsked + 1;
        lastAsked = k;
        let bytes = ahead.get(k);
        ahead.delete(k);
        bytes ??= encodeChunk(k, sequential);
        if (sequential) {
          for (let next = k + 1; next <= k + PREFETCH_CHUNKS && next < chunkCount; next++) {
            if (ahead.has(next)) continue;
            const pending = encodeChunk(next, true);
            pending.catch(() => {}); // reported when (if) the writer asks for this chunk
            ahead.set(next, pending);
          }
        }
        const out = await bytes;
        if (k === chunkCount - 1) source?.close();
        lastComputed = { k, bytes: out };
        return out;
      },
      release: () => {
        if (lastComputed?.k !== k) return;
        const buffer = lastComputed.bytes.buffer;
        lastComputed = undefined;
        if (buffer instanceof ArrayBuffer && buffer.byteLength === fullRawBytes) spareRaw.push(buffer);
      },
    });
  }
  return new RegionList(regions);
}

/** The part of a host-file region holding bytes `byteOffset .. + byteLength` of `list`, when one file region holds them all. */
function fileRegionOf(list: RegionList, byteOffset: number, byteLength: number): FileRegion | undefined {
  const index = list.indexAt(byteOffset);
  const region = list.regions[index];
  const inRegion = byteOffset - list.byteStarts[index];
  if (region.kind !== "file" || inRegion + byteLength > region.byteLength) return undefined;
  return sliceRegion(region, inRegion, inRegion + byteLength) as FileRegion;
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
  return rawRegions(source, sectorsOf(source), firstLba, label, "mode1");
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
  return rawRegions(source, sectorsOf(source), firstLba, label, "form1");
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
  const kind: RawSectorKind = mode === "mode1" ? "mode1" : mode === "mode2-xa" ? "form1" : "mode0";
  return rawRegions(undefined, sectorCount, firstLba, `generated ${mode} sectors`, kind);
}
