/**
 * SCSI sense data as named values (SPC-4 §4.5; ../shared/specs/scsi-mmc.md): a handler throws
 * {@link CheckCondition} with one of {@link SENSE}'s entries, and the transport turns it into
 * CHECK CONDITION plus 18 bytes of fixed-format sense.
 * @module
 */

/** Sense key, additional sense code and qualifier. */
export interface Sense {
  readonly key: number;
  readonly asc: number;
  readonly ascq: number;
}

/** The sense values the device models use. */
export const SENSE = {
  noSense: { key: 0x0, asc: 0x00, ascq: 0x00 },
  invalidOpcode: { key: 0x5, asc: 0x20, ascq: 0x00 },
  lbaOutOfRange: { key: 0x5, asc: 0x21, ascq: 0x00 },
  invalidFieldInCdb: { key: 0x5, asc: 0x24, ascq: 0x00 },
  logicalUnitNotSupported: { key: 0x5, asc: 0x25, ascq: 0x00 },
  writeProtected: { key: 0x7, asc: 0x27, ascq: 0x00 },
  powerOnReset: { key: 0x6, asc: 0x29, ascq: 0x00 },
  mediumNotPresent: { key: 0x2, asc: 0x3a, ascq: 0x00 },
  illegalModeForThisTrack: { key: 0x5, asc: 0x64, ascq: 0x00 },
  miscompare: { key: 0xe, asc: 0x1d, ascq: 0x00 },
} as const satisfies Record<string, Sense>;

/** SCSI status bytes. */
export const ScsiStatus = { good: 0x00, checkCondition: 0x02, busy: 0x08 } as const;

/**
 * A command ended in CHECK CONDITION with this sense.
 *
 * @example
 * ```ts
 * throw new CheckCondition(SENSE.lbaOutOfRange, "READ(10) past the last block");
 * ```
 */
export class CheckCondition extends Error {
  constructor(readonly sense: Sense, message = "check condition") {
    super(message);
    this.name = "CheckCondition";
  }
}

/**
 * 18 bytes of fixed-format sense data (response code 0x70, current error).
 *
 * @example
 * ```ts
 * fixedSense(SENSE.invalidFieldInCdb); // 70 00 05 … 0a … 24 00 …
 * ```
 */
export function fixedSense(sense: Sense): Uint8Array {
  const out = new Uint8Array(18);
  out[0] = 0x70; // 0: response code, current error, fixed format
  out[2] = sense.key; // 2: sense key
  out[7] = 10; // 7: additional sense length (18 − 8)
  out[12] = sense.asc; // 12: additional sense code
  out[13] = sense.ascq; // 13: qualifier
  return out;
}
