/**
 * `disc cd` as a library call: inspect the inputs (WAV headers, the data ISO or folder), plan,
 * and write OUT.bin + OUT.cue (+ OUT.toc, OUT.cdt, and with `--cooked` OUT.iso) all or nothing.
 * @module
 */

import { basename, dirname, join } from "node:path";
import { discTracks } from "../../image/disc.ts";
import { FormatError, SourceError, UsageError } from "../../image/errors.ts";
import {
  KeptAsTemporaryError,
  moveIntoPlace,
  type ProgressCallback,
  writeRegionsToFile,
} from "../../image/region_writer.ts";
import { describeOsError, RegionList } from "../../image/regions.ts";
import { checkCdAudio, inspectWavFile } from "../../image/wav.ts";
import { encodeDiscCue } from "../../image/cue_writer.ts";
import { encodeCdrdaoToc } from "../../image/cdrdao_toc.ts";
import { encodeCdTextPacks } from "../../image/cdtext.ts";
import { planIsoBuild } from "../build.ts";
import { parseMkisofsArgs } from "../mkisofs/options.ts";
import { isoBuildRequest } from "../mkisofs/request.ts";
import { type AudioInput, audioTracksOf, type CdInputs, type CdPlan, planCd } from "./plan.ts";
import type { CdRequest } from "./request.ts";

/** Environment of a build: SOURCE_DATE_EPOCH and the clock. */
export interface CdBuildEnvironment {
  readonly sourceDateEpoch?: string;
  readonly now: Date;
}

/** One file a CD build writes. */
export interface CdOutputFile {
  readonly path: string;
  readonly regions: RegionList;
}

/** What {@link planCdBuild} returns: the plan and every file to write. */
export interface CdBuildPlan {
  readonly plan: CdPlan;
  readonly files: readonly CdOutputFile[];
  readonly notes: readonly string[];
}

const AUDIO_NOT_PCM = /\.(flac|mp3|ogg|oga|opus|m4a|aac|aif|aiff|wma|ape)$/i;

/**
 * Inspects the inputs and plans every output file (nothing is written).
 *
 * @example
 * ```ts
 * const { files } = planCdBuild(request, { now: new Date() });
 * console.log(files.map((f) => f.path)); // ["out.bin", "out.cue"]
 * ```
 */
export function planCdBuild(request: CdRequest, env: CdBuildEnvironment): CdBuildPlan {
  const audio = new Map<string, AudioInput>();
  for (const track of audioTracksOf(request)) audio.set(track.path, inspectAudio(track.path));
  const data = request.tracks.find((t) => t.kind === "data");
  const inputs: CdInputs = {
    audio,
    dataTrack: data?.kind !== "data"
      ? undefined
      : (startLba) =>
        data.source.kind === "iso"
          ? isoFileRegions(data.source.path)
          : folderIsoRegions(data.source.path, request, env, startLba),
  };
  const plan = planCd(request, inputs);
  const base = request.cuePath.replace(/\.cue$/i, "");
  const binPath = `${base}.bin`;
  const files: CdOutputFile[] = [];
  const cookedPath = plan.cooked ? `${base}.iso` : undefined;
  const inputPaths = new Set([...audio.keys(), ...(data?.kind === "data" ? [data.source.path] : [])]);
  const hasText = plan.disc.cdText !== undefined ||
    plan.disc.sessions.some((s) => s.tracks.some((t) => t.cdText !== undefined));
  const cdtPath = hasText ? `${base}.cdt` : undefined;

  if (plan.cooked) files.push({ path: cookedPath!, regions: plan.cooked });
  files.push({ path: binPath, regions: plan.bin });
  // Raw packs without the 4-byte READ TOC header: libcdio (cd-info) reads only that form;
  // libmirage and libburn read both.
  if (cdtPath) {
    files.push({
      path: cdtPath,
      regions: bytes(
        encodeCdTextPacks({
          cdText: plan.disc.cdText,
          tracks: discTracks(plan.disc),
          catalog: plan.disc.catalog,
        }),
      ),
    });
  }
  const cue = encodeDiscCue(plan.disc, {
    bin: basename(binPath),
    cooked: cookedPath && basename(cookedPath),
    cdText: cdtPath && basename(cdtPath),
  });
  files.push({ path: request.cuePath, regions: bytes(new TextEncoder().encode(cue)) });
  if (request.toc) {
    if (plan.cooked) {
      throw new UsageError("Cannot write a cdrdao TOC with --cooked: the TOC describes the one raw BIN");
    }
    files.push({
      path: `${base}.toc`,
      regions: bytes(new TextEncoder().encode(encodeCdrdaoToc(plan.disc, basename(binPath)))),
    });
  }
  for (const file of files) {
    if (inputPaths.has(file.path)) {
      throw new UsageError(`Cannot build a CD: the output "${file.path}" is also an input`);
    }
  }
  return { plan, files, notes: plan.notes };
}

/**
 * Plans and writes every output. Each file goes to a temporary name first; all are renamed only
 * when all are complete, so a failed build leaves nothing behind.
 *
 * @example
 * ```ts
 * const built = await buildCd(request, { now: new Date() });
 * console.log(built.plan.disc.sessions[0].leadOutLba);
 * ```
 */
export async function buildCd(
  request: CdRequest,
  env: CdBuildEnvironment,
  onProgress?: ProgressCallback,
): Promise<CdBuildPlan> {
  const built = planCdBuild(request, env);
  const total = built.files.reduce((sum, f) => sum + f.regions.byteLength, 0);
  const temporary: string[] = [];
  let done = 0;
  try {
    for (const file of built.files) {
      const temp = join(dirname(file.path), `.${basename(file.path)}.part-${Deno.pid}`);
      temporary.push(temp);
      await writeRegionsToFile(file.regions, temp, onProgress && ((d) => onProgress(done + d, total)));
      done += file.regions.byteLength;
    }
    built.files.forEach((file, i) => moveIntoPlace(temporary[i], file.path));
  } catch (error) {
    for (const temp of temporary) {
      if (error instanceof KeptAsTemporaryError && error.temp === temp) continue;
      try {
        Deno.removeSync(temp);
      } catch { /* already gone */ }
    }
    throw error;
  }
  return built;
}

function bytes(data: Uint8Array): RegionList {
  return new RegionList([{ kind: "bytes", label: "text", bytes: data }]);
}

/** WAV (checked to be CD audio) or raw little-endian PCM; compressed formats are refused. */
function inspectAudio(path: string): AudioInput {
  let fileByteLength: number;
  let head: Uint8Array;
  try {
    fileByteLength = Deno.statSync(path).size;
    using file = Deno.openSync(path);
    head = new Uint8Array(12);
    file.readSync(head);
  } catch (error) {
    throw new SourceError(`Cannot read audio: ${describeOsError(error)}`, path);
  }
  const isRiff = String.fromCharCode(...head.subarray(0, 4)) === "RIFF" ||
    String.fromCharCode(...head.subarray(0, 4)) === "RF64";
  if (isRiff || /\.wave?$/i.test(path)) {
    const info = inspectWavFile(path);
    checkCdAudio(info, path);
    return { path, fileByteLength, pcmByteOffset: info.dataByteOffset, pcmByteLength: info.dataByteLength };
  }
  if (AUDIO_NOT_PCM.test(path) || String.fromCharCode(...head.subarray(0, 4)) === "fLaC") {
    throw new FormatError(
      `Cannot use audio "${path}": only WAV (PCM 16-bit 44.1 kHz stereo) and raw PCM are read; convert it first, e.g. ` +
        `sox "${path}" -r 44100 -c 2 -b 16 out.wav`,
      { structure: "audio file" },
    );
  }
  return { path, fileByteLength, pcmByteOffset: 0, pcmByteLength: fileByteLength };
}

/** An existing ISO image as the data track; it must be whole 2048-byte sectors with a PVD. */
function isoFileRegions(path: string): RegionList {
  let byteLength: number;
  const descriptor = new Uint8Array(6);
  try {
    byteLength = Deno.statSync(path).size;
    using file = Deno.openSync(path);
    file.seekSync(16 * 2048, Deno.SeekMode.Start);
    file.readSync(descriptor);
  } catch (error) {
    throw new SourceError(`Cannot read the data track: ${describeOsError(error)}`, path);
  }
  if (byteLength % 2048 !== 0 || byteLength < 17 * 2048) {
    throw new FormatError(
      `Cannot use "${path}" as the data track: ${byteLength} bytes is not an ISO image of whole 2048-byte sectors`,
      { structure: "ISO image" },
    );
  }
  if (String.fromCharCode(...descriptor.subarray(1, 6)) !== "CD001") {
    throw new FormatError(`Cannot use "${path}" as the data track: no ISO 9660 volume descriptor at LBA 16`, {
      structure: "Primary Volume Descriptor",
      lba: 16,
    });
  }
  return new RegionList([{
    kind: "file",
    label: `data track "${path}"`,
    path,
    fileByteOffset: 0,
    byteLength,
    fileByteLength: byteLength,
  }]);
}

/** A folder planned into an ISO (Rock Ridge + Joliet, as `-r -J`) whose LBAs start at `startLba`. */
function folderIsoRegions(
  path: string,
  request: CdRequest,
  env: CdBuildEnvironment,
  startLba: number,
): RegionList {
  const volumeId = (request.cdText?.title ?? "CDROM").slice(0, 32);
  const options = parseMkisofsArgs(["-r", "-J", "-joliet-long", "-V", volumeId, "-o", "unused.iso", path]);
  const isoRequest = isoBuildRequest(options, {
    sourceDateEpoch: env.sourceDateEpoch,
    now: env.now,
    readTextFile: (p) => Deno.readTextFileSync(p),
  });
  const plan = planIsoBuild({ ...isoRequest, plan: { ...isoRequest.plan, sessionStartLba: startLba } });
  return plan.regions;
}
