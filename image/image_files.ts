/**
 * The files of a disc image in the format an output name asks for: `.cue` (+ `.bin`, and `.sub`
 * when the disc has stored sub-channel), `.nrg`,
 * `.ccd` (+ `.img`, `.sub`), `.mds` (+ `.mdf`). The descriptor that names the data files comes
 * last, so that writing them in order (all or nothing, {@link writeFilesAllOrNothing}) never
 * leaves a descriptor without its data.
 * @module
 */

import type { Disc } from "./disc.ts";
import { binCueOf } from "./disc_convert.ts";
import { nrgRegions } from "./nrg_writer.ts";
import { ccdFilesOf } from "./ccd.ts";
import { mdsFilesOf } from "./mds.ts";
import { RegionList } from "./regions.ts";

function bytesFile(text: string | Uint8Array, label: string): RegionList {
  const bytes = typeof text === "string" ? new TextEncoder().encode(text) : text;
  return new RegionList([{ kind: "bytes", label, bytes }]);
}

/**
 * `[regions, path]` of every file of `disc` as the image `outputPath` names by its extension, or
 * undefined when the extension is none of .cue, .nrg, .ccd, .mds.
 *
 * @example
 * ```ts
 * const files = discImageFiles(disc, "out.ccd"); // out.img, out.sub, out.ccd
 * if (files) await writeFilesAllOrNothing(files);
 * ```
 */
export function discImageFiles(disc: Disc, outputPath: string): [RegionList, string][] | undefined {
  const extension = /\.([^./]+)$/.exec(outputPath)?.[1].toLowerCase();
  const base = outputPath.replace(/\.[^./]+$/, "");
  switch (extension) {
    case "nrg":
      return [[nrgRegions(disc), outputPath]];
    case "cue": {
      const { bin, cue, sub } = binCueOf(disc, `${base}.bin`.split("/").pop()!);
      return [
        [bin, `${base}.bin`],
        ...(sub ? [[sub, `${base}.sub`] as [RegionList, string]] : []),
        [bytesFile(cue, "CUE sheet"), outputPath],
      ];
    }
    case "ccd": {
      const { ccd, img, sub } = ccdFilesOf(disc);
      return [[img, `${base}.img`], [sub, `${base}.sub`], [bytesFile(ccd, "CCD descriptor"), outputPath]];
    }
    case "mds": {
      const { mds, mdf } = mdsFilesOf(disc);
      return [[mdf, `${base}.mdf`], [bytesFile(mds, "MDS descriptor"), outputPath]];
    }
    default:
      return undefined;
  }
}
