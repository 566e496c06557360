/**
 * The isomd5sum media check (implantisomd5 / checkisomd5, used by Fedora and RHEL media): an MD5
 * of the image, and 20 "fragment sums" along the way, written as text into the Primary Volume
 * Descriptor's 512-byte Application Use field (PVD byte 883). The sum covers the volume (the
 * PVD's volume space size) except its last 15 sectors, with the Application Use field read as
 * spaces; it is computed in reads of 32 KiB, and a fragment sum is taken after the read in which
 * the fragment number changes, exactly as the C tools do.
 * @module
 */

import { createHash, type Hash } from "node:crypto";
import { FormatError } from "./errors.ts";

/** Where the PVD's Application Use field starts inside the PVD. */
export const APPLICATION_USE_OFFSET = 883;
/** Its length. */
export const APPLICATION_USE_BYTES = 512;
/** Sectors at the end of the volume left out of the sum (burned CDs misread them). */
export const ISOMD5_SKIP_SECTORS = 15;
/** Fragment sums recorded (3 hex characters each). */
export const ISOMD5_FRAGMENT_COUNT = 20;
/** Read size of the C tools; fragment boundaries depend on it. */
const READ_BYTES = 16 * 2048;

/** What the Application Use field records. */
export interface IsoMd5Record {
  /** MD5 of the volume (32 lower-case hex digits). */
  readonly md5: string;
  /** Fragment sums, 60 characters. */
  readonly fragmentSums: string;
  readonly fragmentCount: number;
  readonly skipSectors: number;
  /** RHLISOSTATUS: 1 for "supported" (pressed) media. */
  readonly supported: boolean;
}

/**
 * Computes the isomd5sum record of a volume from its bytes fed in order, in chunks of any size.
 *
 * @example
 * ```ts
 * const sum = new IsoMd5Accumulator({ volumeByteLength: blocks * 2048 });
 * for await (const chunk of readRegionChunks(plan.regions)) sum.update(chunk);
 * const text = encodeIsoMd5Record(sum.finish());
 * ```
 */
export class IsoMd5Accumulator {
  readonly #hash: Hash = createHash("md5");
  /** Bytes that are summed: the volume without its last 15 sectors. */
  readonly #total: number;
  readonly #appUseStart: number;
  #offset = 0;
  /** Bytes of the current 32 KiB read still to come. */
  #readStart = 0;
  #previousFragment = 0;
  readonly #fragmentSums: string[] = new Array(ISOMD5_FRAGMENT_COUNT).fill("");

  constructor(options: { volumeByteLength: number; pvdByteOffset?: number }) {
    this.#total = options.volumeByteLength - ISOMD5_SKIP_SECTORS * 2048;
    if (this.#total <= 0) {
      throw new FormatError(
        `Cannot compute an isomd5sum: the volume is ${options.volumeByteLength} bytes, not more than ${ISOMD5_SKIP_SECTORS} sectors`,
        { structure: "Primary Volume Descriptor", field: "volume space size" },
      );
    }
    this.#appUseStart = (options.pvdByteOffset ?? 16 * 2048) + APPLICATION_USE_OFFSET;
  }

  /** Feeds the next bytes of the image (bytes past the summed range are ignored). */
  update(chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.byteLength && this.#offset < this.#total) {
      // Up to the end of the current 32 KiB read (or of the summed range).
      const readEnd = Math.min(this.#readStart + READ_BYTES, this.#total);
      const take = Math.min(chunk.byteLength - at, readEnd - this.#offset);
      let piece = chunk.subarray(at, at + take);
      const appUseEnd = this.#appUseStart + APPLICATION_USE_BYTES;
      if (this.#offset < appUseEnd && this.#offset + take > this.#appUseStart) {
        piece = piece.slice(); // the Application Use field is summed as spaces
        const from = Math.max(this.#appUseStart, this.#offset) - this.#offset;
        const to = Math.min(appUseEnd, this.#offset + take) - this.#offset;
        piece.fill(0x20, from, to);
      }
      this.#hash.update(piece);
      this.#offset += take;
      at += take;
      if (this.#offset === readEnd) this.#endOfRead();
    }
  }

  /** After each 32 KiB read: a fragment sum when the read began in a new fragment. */
  #endOfRead(): void {
    const fragment = Math.floor((this.#readStart * (ISOMD5_FRAGMENT_COUNT + 1)) / this.#total);
    if (fragment !== this.#previousFragment) {
      const digest = this.#hash.copy().digest();
      // Each character: the first hex digit of a digest byte printed without padding ("%x").
      const sum = Array.from(digest.subarray(0, 3), (b) => b.toString(16)[0]).join("");
      if (fragment >= 1 && fragment <= ISOMD5_FRAGMENT_COUNT) this.#fragmentSums[fragment - 1] = sum;
      this.#previousFragment = fragment;
    }
    this.#readStart = this.#offset;
  }

  /**
   * The record, once every summed byte was fed.
   *
   * @throws {FormatError} fewer bytes than the volume size says were fed.
   */
  finish(options: { supported?: boolean } = {}): IsoMd5Record {
    if (this.#offset < this.#total) {
      throw new FormatError(
        `Cannot finish the isomd5sum: the image ends at byte ${this.#offset}, the volume says ${
          this.#total + ISOMD5_SKIP_SECTORS * 2048
        }`,
        { structure: "Primary Volume Descriptor", field: "volume space size" },
      );
    }
    return {
      md5: this.#hash.digest("hex"),
      fragmentSums: this.#fragmentSums.map((s) => s.padEnd(3, "0")).join(""),
      fragmentCount: ISOMD5_FRAGMENT_COUNT,
      skipSectors: ISOMD5_SKIP_SECTORS,
      supported: options.supported ?? false,
    };
  }
}

/**
 * The 512 bytes of the Application Use field that record `record`, as implantisomd5 writes them
 * (space padded).
 *
 * @example
 * ```ts
 * encodeIsoMd5Record(record); // "ISO MD5SUM = …;SKIPSECTORS = 15;RHLISOSTATUS=0;FRAGMENT SUMS = …;FRAGMENT COUNT = 20;THIS IS NOT …"
 * ```
 */
export function encodeIsoMd5Record(record: IsoMd5Record): Uint8Array {
  const text =
    `ISO MD5SUM = ${record.md5};SKIPSECTORS = ${record.skipSectors};RHLISOSTATUS=${
      record.supported ? 1 : 0
    };FRAGMENT SUMS = ${record.fragmentSums};FRAGMENT COUNT = ${record.fragmentCount};` +
    "THIS IS NOT THE SAME AS RUNNING MD5SUM ON THIS ISO!!";
  const out = new Uint8Array(APPLICATION_USE_BYTES).fill(0x20);
  out.set(new TextEncoder().encode(text));
  return out;
}

/**
 * The record in an Application Use field, or undefined when it holds none.
 *
 * @example
 * ```ts
 * const record = decodeIsoMd5Record(pvd.subarray(883, 883 + 512));
 * ```
 */
export function decodeIsoMd5Record(field: Uint8Array): IsoMd5Record | undefined {
  const text = new TextDecoder("latin1").decode(field);
  const md5 = /ISO MD5SUM = ([0-9a-f]{32})/.exec(text)?.[1];
  const skip = /SKIPSECTORS = (\d+);/.exec(text)?.[1];
  if (!md5 || skip === undefined) return undefined;
  return {
    md5,
    skipSectors: Number(skip),
    fragmentSums: /FRAGMENT SUMS = ([0-9a-f]{60})/.exec(text)?.[1] ?? "",
    fragmentCount: Number(/FRAGMENT COUNT = (\d+);/.exec(text)?.[1] ?? 0),
    supported: /RHLISOSTATUS=1/.test(text),
  };
}

/** The outcome of {@link checkIsoMd5}. */
export interface IsoMd5Check {
  readonly recorded: IsoMd5Record;
  readonly computed: IsoMd5Record;
  readonly ok: boolean;
  /** The first fragment (1-based) whose sum differs, when one does. */
  readonly badFragment?: number;
}

/**
 * Checks an image's recorded isomd5sum by reading it again (`read(byteOffset, length)`), or
 * returns undefined when the PVD records none.
 *
 * @example
 * ```ts
 * const check = await checkIsoMd5((o, n) => device.readBytes(o, n), pvd);
 * if (check && !check.ok) console.error("media check failed");
 * ```
 */
export async function checkIsoMd5(
  read: (byteOffset: number, byteLength: number) => Promise<Uint8Array>,
  pvd: Uint8Array,
  pvdByteOffset = 16 * 2048,
): Promise<IsoMd5Check | undefined> {
  const recorded = decodeIsoMd5Record(
    pvd.subarray(APPLICATION_USE_OFFSET, APPLICATION_USE_OFFSET + APPLICATION_USE_BYTES),
  );
  if (!recorded) return undefined;
  const volumeByteLength = new DataView(pvd.buffer, pvd.byteOffset).getUint32(80, true) * 2048;
  const sum = new IsoMd5Accumulator({ volumeByteLength, pvdByteOffset });
  const total = volumeByteLength - ISOMD5_SKIP_SECTORS * 2048;
  for (let at = 0; at < total; at += 1024 * 1024) {
    sum.update(await read(at, Math.min(1024 * 1024, total - at)));
  }
  const computed = sum.finish({ supported: recorded.supported });
  let badFragment: number | undefined;
  for (let f = 0; f < ISOMD5_FRAGMENT_COUNT && recorded.fragmentSums; f++) {
    const want = recorded.fragmentSums.slice(f * 3, f * 3 + 3);
    if (want !== computed.fragmentSums.slice(f * 3, f * 3 + 3)) {
      badFragment = f + 1;
      break;
    }
  }
  return { recorded, computed, ok: computed.md5 === recorded.md5, badFragment };
}
