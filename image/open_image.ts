/**
 * Opens an image file whatever its container, sniffed by content (not only by extension):
 * a CUE sheet (with its BIN/WAV files) or a plain ISO of 2048-byte sectors. Every image becomes a
 * {@link Disc}, and its file system track a 2048-byte {@link BlockDevice}.
 * @module
 */

import { type BlockDevice, FileBlockDevice } from "./block_device.ts";
import {
  type Disc,
  NO_TRACK_FLAGS,
  SectorFormat,
  SessionType,
  TRACK1_PREGAP_SECTORS,
  TrackMode,
} from "./disc.ts";
import { dataTrackDevice, firstDataTrack } from "./disc_device.ts";
import { dataTrackUserData } from "./disc_convert.ts";
import { FormatError } from "./errors.ts";
import { SourceError } from "./errors.ts";
import { describeOsError, RegionList } from "./regions.ts";
import { loadCueDisc } from "./cue_reader.ts";
import { isNrgFile, loadNrgDisc } from "./nrg.ts";
import { loadCcdDisc } from "./ccd.ts";
import { isMdsFile, loadMdsDisc } from "./mds.ts";
import { loadCdrdaoToc } from "./cdrdao_toc_reader.ts";

/** Container formats {@link openImage} recognises. */
export type ImageContainer = "iso" | "cue" | "nrg" | "ccd" | "mds" | "toc";

/** An opened image. */
export interface OpenedImage extends Disposable {
  readonly path: string;
  readonly container: ImageContainer;
  readonly disc: Disc;
  /**
   * The track holding the file system as 2048-byte blocks numbered by disc LBA, or undefined on
   * an audio-only disc.
   */
  readonly dataDevice?: BlockDevice;
  /** Where that track's session starts: pass to `openIso` as `sessionStartLba`. */
  readonly sessionStartLba: number;
  close(): void;
}

const CUE_KEYWORD = /^\s*(REM|FILE|CATALOG|TITLE|PERFORMER|SONGWRITER|CDTEXTFILE|TRACK)\b/im;

/**
 * Says which container a file is, from its first bytes (and its name as a tie-breaker).
 *
 * @example
 * ```ts
 * sniffContainer("game.cue"); // "cue"
 * ```
 */
export function sniffContainer(path: string): ImageContainer {
  let head: Uint8Array;
  try {
    using file = Deno.openSync(path);
    head = new Uint8Array(4096);
    const read = file.readSync(head) ?? 0;
    head = head.subarray(0, read);
  } catch (error) {
    throw new SourceError(`Cannot open image: ${describeOsError(error)}`, path);
  }
  const isText = head.every((b) => b === 9 || b === 10 || b === 13 || b >= 32);
  if (isText && /^\s*\[(CloneCD|Disc)\]/im.test(new TextDecoder().decode(head))) return "ccd";
  const tocText = isText ? new TextDecoder().decode(head) : "";
  if (
    /^\s*(CD_DA|CD_ROM|CD_ROM_XA|CD_I)\s*$/m.test(tocText) ||
    (/\.toc$/i.test(path) && /\bTRACK\s+(AUDIO|MODE)/.test(tocText))
  ) {
    return "toc";
  }
  if (isText && head.byteLength > 0 && CUE_KEYWORD.test(new TextDecoder().decode(head))) return "cue";
  if (/\.cue$/i.test(path) && isText) return "cue";
  if (isNrgFile(path)) return "nrg";
  if (isMdsFile(path)) return "mds";
  return "iso";
}

/**
 * A plain ISO file as a one-track Mode 1 disc.
 *
 * @example
 * ```ts
 * const disc = isoFileDisc("out.iso", Deno.statSync("out.iso").size);
 * ```
 */
export function isoFileDisc(path: string, byteLength: number): Disc {
  const sectorCount = Math.floor(byteLength / 2048);
  return userDataDisc(
    new RegionList([{
      kind: "file",
      label: `ISO "${path}"`,
      path,
      fileByteOffset: 0,
      byteLength: sectorCount * 2048,
      fileByteLength: byteLength,
    }]),
  );
}

/**
 * 2048-byte sectors (an ISO file, a planned ISO) as a one-track Mode 1 disc; a partial last
 * sector is padded with zeros.
 *
 * @example
 * ```ts
 * const disc = userDataDisc(planIsoBuild(request).regions);
 * ```
 */
export function userDataDisc(regions: RegionList): Disc {
  const sectorCount = Math.ceil(regions.byteLength / 2048);
  const padding = sectorCount * 2048 - regions.byteLength;
  const stored = padding === 0 ? regions : new RegionList([
    ...regions.regions,
    { kind: "zero", label: "padding to a whole sector", byteLength: padding },
  ]);
  return {
    sessions: [{
      number: 1,
      type: SessionType.cdDaOrCdRom,
      leadOutLba: sectorCount,
      tracks: [{
        number: 1,
        session: 1,
        mode: TrackMode.mode1,
        pregapLba: -TRACK1_PREGAP_SECTORS,
        startLba: 0,
        extraIndexLbas: [],
        endLba: sectorCount,
        postgapSectorCount: 0,
        flags: NO_TRACK_FLAGS,
        storage: { format: SectorFormat.userData2048, firstLba: 0, sectorCount, regions: stored },
      }],
    }],
  };
}

/**
 * Opens an ISO or CUE image.
 *
 * @example
 * ```ts
 * using image = await openImage("mixed.cue");
 * const iso = await openIso(image.dataDevice!, { sessionStartLba: image.sessionStartLba });
 * ```
 */
export async function openImage(path: string): Promise<OpenedImage> {
  const container = sniffContainer(path);
  if (container !== "iso") {
    const disc = container === "cue"
      ? loadCueDisc(path)
      : container === "nrg"
      ? loadNrgDisc(path)
      : container === "mds"
      ? loadMdsDisc(path)
      : container === "toc"
      ? loadCdrdaoToc(path)
      : loadCcdDisc(path);
    const track = firstDataTrack(disc);
    const device = track ? dataTrackDevice(disc, track) : undefined;
    const session = track ? disc.sessions[track.session - 1] : undefined;
    const sessionStartLba = session && session.number > 1 ? session.tracks[0].startLba : 0;
    const close = () => {
      for (const s of disc.sessions) for (const t of s.tracks) t.storage?.regions.close();
    };
    return { path, container, disc, dataDevice: device, sessionStartLba, close, [Symbol.dispose]: close };
  }
  const device = await FileBlockDevice.open(path);
  const disc = isoFileDisc(path, device.blockCount * device.blockByteLength);
  const close = () => device.close();
  return { path, container, disc, dataDevice: device, sessionStartLba: 0, close, [Symbol.dispose]: close };
}

/**
 * The bytes a block-level export of the image serves: a plain image file as it is (an ISO, a
 * hybrid ISO, a raw disk image), a CUE image's file-system track as 2048-byte user data.
 *
 * @example
 * ```ts
 * using image = await openImage("disc.cue");
 * const bytes = imageBytes(image); // RegionList of the data track's user data
 * ```
 */
export function imageBytes(opened: OpenedImage): RegionList {
  if (opened.container === "iso") {
    const byteLength = Deno.statSync(opened.path).size;
    return new RegionList([{
      kind: "file",
      label: `image "${opened.path}"`,
      path: opened.path,
      fileByteOffset: 0,
      byteLength,
      fileByteLength: byteLength,
    }]);
  }
  const track = firstDataTrack(opened.disc);
  if (!track) {
    throw new FormatError(`Cannot serve "${opened.path}" as blocks: it has no data track (an audio CD)`, {
      structure: "disc",
    });
  }
  return dataTrackUserData(track);
}
