/**
 * Error kinds, typed by whose fault a failure is (see ../shared/design.md "Errors").
 *
 * - The caller's fault: plain `TypeError` / `RangeError` (a bad option, a name that cannot be
 *   represented) and {@link UsageError} for command-line misuse (exit code 2).
 * - The input's fault: {@link FormatError} (a corrupt image) and {@link SourceError} (a source file
 *   that is missing, unreadable or changed while being read).
 * - Our fault: {@link LayoutError}, always a bug.
 *
 * Messages follow "Cannot <action>: <reason>", with values quoted.
 * @module
 */

/** Where in an image a structure was found to be wrong. */
export interface FormatLocation {
  /** Name of the structure, as the spec names it, e.g. "Primary Volume Descriptor". */
  readonly structure: string;
  /** Field within the structure, e.g. "Location of Extent". */
  readonly field?: string;
  /** 2048-byte logical block address of the structure, when known. */
  readonly lba?: number;
  /** Byte offset from the start of the image, when known. */
  readonly byteOffset?: number;
}

/**
 * The input image is malformed. Carries the structure, field and position.
 *
 * @example
 * ```ts
 * throw new FormatError("Cannot read directory: record crosses a sector boundary", {
 *   structure: "Directory Record",
 *   field: "Length of Directory Record",
 *   lba: 20,
 * });
 * ```
 */
export class FormatError extends SyntaxError {
  readonly location: FormatLocation;
  constructor(message: string, location: FormatLocation) {
    const where = [
      location.lba !== undefined ? `LBA ${location.lba}` : undefined,
      location.byteOffset !== undefined ? `byte ${location.byteOffset}` : undefined,
    ].filter(Boolean).join(", ");
    super(where ? `${message} (${where})` : message);
    this.name = "FormatError";
    this.location = location;
  }
}

/**
 * A source file for a build is missing, unreadable, or changed while the image was written.
 *
 * @example
 * ```ts
 * throw new SourceError("Cannot read source: file changed size since it was scanned", "/tree/a.bin");
 * ```
 */
export class SourceError extends Error {
  /** Host path of the source file. */
  readonly path: string;
  /** What went wrong, without the path (the message is `reason: "path"`). */
  readonly reason: string;
  constructor(message: string, path: string, options?: ErrorOptions) {
    super(`${message}: "${path}"`, options);
    this.name = "SourceError";
    this.path = path;
    this.reason = message;
  }
}

/**
 * The command line is wrong (unknown option, missing argument). CLIs exit with code 2.
 *
 * @example
 * ```ts
 * throw new UsageError('Cannot parse options: unknown option "-frobnicate"');
 * ```
 */
export class UsageError extends TypeError {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * An internal invariant failed: the plan and the bytes disagree. Always a bug in discwright.
 *
 * @example
 * ```ts
 * throw new LayoutError("Cannot write region 3: produced 2040 bytes, planned 2048");
 * ```
 */
export class LayoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LayoutError";
  }
}
