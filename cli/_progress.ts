/**
 * A progress bar on stderr, shown only when stderr is a terminal and the job has run for more
 * than a second.
 * @module
 */

import type cliProgressModule from "cli-progress";
import type { ProgressCallback } from "../image/region_writer.ts";

type CliProgress = typeof cliProgressModule;

/** Delay before the bar appears. */
const SHOW_AFTER_MS = 1000;

/**
 * Returns a progress callback and a `done()` to call at the end (also on failure).
 *
 * @example
 * ```ts
 * const progress = terminalProgress("Writing image");
 * try { await writeRegionsToFile(regions, path, progress.update); } finally { progress.done(); }
 * ```
 */
export function terminalProgress(label: string, quiet = false): { update: ProgressCallback; done(): void } {
  if (quiet || !Deno.stderr.isTerminal()) return { update: () => {}, done: () => {} };
  const started = Date.now();
  // Loaded only for a terminal (it brings in Node compatibility, which costs start-up time).
  let cliProgress: CliProgress | undefined;
  let stderr: NodeJS.WriteStream | undefined;
  Promise.all([import("cli-progress"), import("node:process")]).then(([bars, process]) => {
    cliProgress = bars.default;
    stderr = process.default.stderr;
  }, () => {}); // no bar then
  let bar: cliProgressModule.SingleBar | undefined;
  return {
    update(doneBytes, totalBytes) {
      if (!bar && cliProgress && Date.now() - started > SHOW_AFTER_MS) {
        bar = new cliProgress.SingleBar({
          format: `${label} [{bar}] {percentage}% | {doneMiB}/{totalMiB} MiB | {eta_formatted}`,
          stream: stderr,
          hideCursor: true,
        }, cliProgress.Presets.shades_classic);
        bar.start(totalBytes, doneBytes, { doneMiB: mib(doneBytes), totalMiB: mib(totalBytes) });
      }
      bar?.update(doneBytes, { doneMiB: mib(doneBytes), totalMiB: mib(totalBytes) });
    },
    done() {
      bar?.stop();
    },
  };
}

function mib(bytes: number): string {
  return (bytes / 1048576).toFixed(0);
}
