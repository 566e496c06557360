/**
 * `deno run -A cli/build.ts [xorriso -as mkisofs options] -o OUT.iso PATH...`
 *
 * Thin: parse, build through the library, print. Exit 0 ok, 1 failure, 2 usage error.
 * @module
 */

import {
  isoBuildRequest,
  lookupHostId,
  MKISOFS_HELP,
  MKISOFS_VERSION_TEXT,
  parseMkisofsArgs,
  planIsoBuild,
  writeRegionsToFile,
} from "../mod.ts";
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
  const options = parseMkisofsArgs(args);
  if (options.help) {
    console.log(MKISOFS_HELP);
    return 0;
  }
  if (options.version) {
    console.log(MKISOFS_VERSION_TEXT);
    return 0;
  }
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
  const plan = planIsoBuild(request);
  plan.diagnostics.forEach((d) => say(`warning: ${d}`));
  if (options.printSize) {
    console.log(String(plan.volumeSpaceBlockCount));
    return 0;
  }
  const progress = terminalProgress("Writing", options.quiet || request.outputPath === "-");
  try {
    await writeRegionsToFile(plan.regions, request.outputPath!, progress.update);
  } finally {
    progress.done();
  }
  if (options.verbose > 0) {
    say(
      `wrote "${request.outputPath}": ${plan.volumeSpaceBlockCount} blocks of 2048 bytes, ${plan.files.size} files`,
    );
  }
  return 0;
}

if (import.meta.main) await runMain("build", () => buildMain(Deno.args));
