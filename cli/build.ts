/**
 * `deno run -A cli/build.ts [xorriso -as mkisofs options] -o OUT.iso PATH...`
 *
 * Thin: parse, build through the library, print. Exit 0 ok, 1 failure, 2 usage error.
 * @module
 */

// Imports name the modules a build needs, not mod.ts: loading every module (servers, Node
// compatibility for MD5 and the progress bar) would cost a plain build a tenth of a second.
// Remastering and --md5 load theirs when asked.
import { countSmallFiles, planIsoBuild } from "../authoring/build.ts";
import { MKISOFS_HELP, MKISOFS_VERSION_TEXT } from "../authoring/mkisofs/help.ts";
import { parseMkisofsArgs } from "../authoring/mkisofs/options.ts";
import { isoBuildRequest, lookupHostId } from "../authoring/mkisofs/request.ts";
import { UsageError } from "../image/errors.ts";
import {
  prestartFileReaders,
  READ_AHEAD_MIN_FILES,
  stopPrestartedFileReaders,
} from "../image/file_read_ahead.ts";
import { type WriteHooks, writeRegionsToFile } from "../image/region_writer.ts";
import { runMain } from "./_main.ts";
import { terminalProgress } from "./_progress.ts";

/**
 * Runs the builder on `args` and returns the exit code.
 *
 * @example
 * ```ts
 * const code = await buildMain(["-R", "-J", "-o", "out.iso", "tree"]);
 * ```
 */
export async function buildMain(args: readonly string[]): Promise<number> {
  if (args.includes("-indev")) {
    // xorriso's remastering commands: -indev IN -outdev OUT -boot_image any replay -map … -rm …
    const { parseXorrisoRemaster, remasterIso } = await import("../authoring/remaster/remaster.ts");
    const commands = parseXorrisoRemaster(args);
    const notes = await remasterIso(commands.indev, commands.outdev, {
      add: commands.add,
      remove: commands.remove,
      sourceDateEpoch: Deno.env.get("SOURCE_DATE_EPOCH"),
    });
    for (const note of notes) console.error(`build: note: ${note}`);
    return 0;
  }
  const options = parseMkisofsArgs(args);
  if (options.help) {
    console.log(MKISOFS_HELP);
    return 0;
  }
  if (options.version) {
    console.log(MKISOFS_VERSION_TEXT);
    return 0;
  }
  try {
    const request = isoBuildRequest(options, {
      sourceDateEpoch: Deno.env.get("SOURCE_DATE_EPOCH"),
      now: new Date(),
      readTextFile: (path) => Deno.readTextFileSync(path),
      lookupId: lookupHostId,
    });
    const say = (text: string) => {
      if (!options.quiet) console.error(`build: ${text}`);
    };
    request.notes.forEach((n) => say(`note: ${n}`));
    // Many small files: reader threads start now, while the image is planned, and are ready when
    // writing begins. A tree of few files starts none.
    const plan = planIsoBuild(request, {
      afterScan: (tree) => {
        if (!options.printSize && countSmallFiles(tree) >= READ_AHEAD_MIN_FILES) prestartFileReaders();
      },
    });
    plan.diagnostics.forEach((d) => say(`warning: ${d}`));
    if (options.printSize) {
      console.log(String(plan.volumeSpaceBlockCount));
      return 0;
    }
    // --md5: the isomd5sum media check (checkisomd5), summed while writing and patched into the PVD
    // before the image gets its name.
    let hooks: WriteHooks = {};
    if (options.md5) {
      if (request.outputPath === "-") {
        throw new UsageError(
          "Cannot implant --md5 into standard output: give -o FILE (the PVD is patched after writing)",
        );
      }
      const { APPLICATION_USE_OFFSET, encodeIsoMd5Record, IsoMd5Accumulator } = await import(
        "../image/isomd5.ts"
      );
      const sum = new IsoMd5Accumulator({ volumeByteLength: plan.volumeSpaceBlockCount * 2048 });
      hooks = {
        observe: (chunk) => sum.update(chunk),
        beforeRename: async (file) => {
          const record = sum.finish();
          await file.seek(16 * 2048 + APPLICATION_USE_OFFSET, Deno.SeekMode.Start);
          const bytes = encodeIsoMd5Record(record);
          for (let done = 0; done < bytes.byteLength;) done += await file.write(bytes.subarray(done));
          say(`isomd5sum ${record.md5} implanted`);
        },
      };
    }
    const progress = terminalProgress("Writing", options.quiet || request.outputPath === "-");
    try {
      await writeRegionsToFile(plan.regions, request.outputPath!, progress.update, hooks);
    } finally {
      progress.done();
    }
    if (options.verbose > 0) {
      say(
        `wrote "${request.outputPath}": ${plan.volumeSpaceBlockCount} blocks of 2048 bytes, ${plan.files.size} files`,
      );
    }
  } finally {
    stopPrestartedFileReaders(); // the ones no write took
  }
  return 0;
}

if (import.meta.main) await runMain("build", () => buildMain(Deno.args));
