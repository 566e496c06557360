/**
 * Shared CLI plumbing: exit codes (0 ok, 1 failure, 2 usage), one clear line per error, the
 * stack only with `--debug`.
 * @module
 */

import { UsageError } from "../image/errors.ts";

/** Exit codes of every discwright command. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/**
 * Runs a command's main function and exits with the right code. Errors print as one line on
 * stderr ("discwright: <message>"); `--debug` (or DISCWRIGHT_DEBUG=1) adds the stack.
 *
 * @example
 * ```ts
 * await runMain("disc", async () => { console.log("hi"); return 0; });
 * ```
 */
export async function runMain(program: string, main: () => Promise<number>): Promise<never> {
  const debug = Deno.args.includes("--debug") || Deno.env.get("DISCWRIGHT_DEBUG") === "1";
  let code: number;
  try {
    code = await main();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`${program}: ${message}`);
    if (debug && error instanceof Error && error.stack) console.error(error.stack);
    code = error instanceof UsageError ? EXIT.usage : EXIT.failure;
  }
  Deno.exit(code);
}
