/**
 * Small discs the image-format tests share: a data tree (DIR/tree with hello.txt and a 200 KB
 * pattern file), its ISO (DIR/data.iso), and a mixed-mode BIN/CUE (DIR/mixed.cue + .bin) with
 * that tree as track 1 and 320 sectors of patterned audio (DIR/a.wav) as track 2.
 */
import assert from "node:assert/strict";
import { encodeWavHeader } from "../image/wav.ts";
import { buildWithDiscwright, runDisc } from "./_tools.ts";

/** Sectors of audio in {@link makeMixedCue}'s track 2. */
export const MIXED_AUDIO_SECTORS = 320;

/** DIR/tree: hello.txt and data.bin. Returns the tree's path. */
export async function makeDataTree(dir: string): Promise<string> {
  await Deno.mkdir(`${dir}/tree`, { recursive: true });
  await Deno.writeTextFile(`${dir}/tree/hello.txt`, "hello from a disc image\n");
  await Deno.writeFile(`${dir}/tree/data.bin`, new Uint8Array(200_000).map((_, i) => (i * 131) >>> 3));
  return `${dir}/tree`;
}

/** DIR/data.iso of {@link makeDataTree} (Rock Ridge). Returns its path. */
export async function makeDataIso(dir: string): Promise<string> {
  const iso = `${dir}/data.iso`;
  const built = await buildWithDiscwright(["-quiet", "-R", "-o", iso, await makeDataTree(dir)]);
  assert.equal(built.code, 0, built.stderr);
  return iso;
}

/** DIR/mixed.cue + .bin from `disc cd` (extra options such as --toc or --cd-extra appended). */
export async function makeMixedCue(dir: string, extra: readonly string[] = []): Promise<string> {
  const tree = await makeDataTree(dir);
  const pcm = new Uint8Array(MIXED_AUDIO_SECTORS * 2352).map((_, i) => (i * 7 + (i >> 8)) & 0xff);
  await Deno.writeFile(`${dir}/a.wav`, new Uint8Array([...encodeWavHeader(pcm.byteLength), ...pcm]));
  const cue = `${dir}/mixed.cue`;
  const built = await runDisc(["cd", "-q", "-o", cue, "--data", tree, "--audio", `${dir}/a.wav`, ...extra]);
  assert.equal(built.code, 0, built.stderr);
  return cue;
}
