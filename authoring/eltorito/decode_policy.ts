/**
 * How a decoder treats a structure that is readable but wrong (a bad checksum, a reserved field that
 * is not zero): strict decoders throw the {@link FormatError}, lenient ones record its message and go
 * on (see ../../../shared/design.md "Binary structures").
 * @module
 */

import { FormatError, type FormatLocation } from "../../image/errors.ts";

/**
 * Decoder policy: `strict` throws on every malformation (verification); otherwise problems that
 * do not prevent decoding are appended to `diagnostics` (when given) and decoding continues.
 *
 * @example
 * ```ts
 * const diagnostics: string[] = [];
 * const catalog = decodeBootCatalog(sector, 0, { diagnostics });
 * for (const message of diagnostics) console.warn(message);
 * ```
 */
export interface DecodePolicy {
  /** Throw a FormatError on any problem (default false). */
  readonly strict?: boolean;
  /** Where lenient decoding records the problems it skipped. */
  readonly diagnostics?: string[];
}

/**
 * Reports a recoverable problem: throws it under a strict policy, records it otherwise.
 *
 * @example
 * ```ts
 * if (sum !== 0) {
 *   reportProblem(policy, "Cannot verify boot catalog: checksum does not add up to 0", {
 *     structure: "Validation Entry",
 *     field: "Checksum",
 *   });
 * }
 * ```
 */
export function reportProblem(policy: DecodePolicy, message: string, location: FormatLocation): void {
  const error = new FormatError(message, location);
  if (policy.strict) throw error;
  policy.diagnostics?.push(error.message);
}
