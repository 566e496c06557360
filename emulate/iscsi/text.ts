/**
 * iSCSI text key=value data (RFC 7143 §6.1; iscsi.md "Text format"): NUL-terminated UTF-8
 * `key=value` strings, in the data segment of Login and Text PDUs.
 * @module
 */

/** Longest key (bytes). */
export const MAX_KEY_BYTES = 63;
/** Longest value we accept (generous: CHAP challenges and SendTargets lists are long). */
export const MAX_VALUE_BYTES = 8192;

/**
 * Splits text data into ordered [key, value] pairs. A trailing fragment without NUL is an error
 * (callers concatenate C=1 continuations first). Throws RangeError naming the problem.
 *
 * @example
 * ```ts
 * decodeTextKeys(new TextEncoder().encode("HeaderDigest=None\0")); // [["HeaderDigest", "None"]]
 * ```
 */
export function decodeTextKeys(data: Uint8Array): [string, string][] {
  const pairs: [string, string][] = [];
  let start = 0;
  // Padding may leave NULs after the last pair: skip empty strings.
  for (let i = 0; i < data.byteLength; i++) {
    if (data[i] !== 0) continue;
    if (i > start) pairs.push(splitPair(data.subarray(start, i)));
    start = i + 1;
  }
  if (start < data.byteLength) throw new RangeError("text data does not end with NUL");
  return pairs;
}

function splitPair(bytes: Uint8Array): [string, string] {
  const eq = bytes.indexOf(0x3d);
  if (eq <= 0) throw new RangeError(`"${new TextDecoder().decode(bytes.subarray(0, 64))}" is not key=value`);
  if (eq > MAX_KEY_BYTES) throw new RangeError(`key of ${eq} bytes is over ${MAX_KEY_BYTES}`);
  if (bytes.byteLength - eq - 1 > MAX_VALUE_BYTES) {
    throw new RangeError(`value over ${MAX_VALUE_BYTES} bytes`);
  }
  const decoder = new TextDecoder("utf-8", { fatal: true });
  try {
    return [decoder.decode(bytes.subarray(0, eq)), decoder.decode(bytes.subarray(eq + 1))];
  } catch {
    throw new RangeError("text data is not UTF-8");
  }
}

/**
 * Encodes pairs as NUL-terminated `key=value` strings.
 *
 * @example
 * ```ts
 * encodeTextKeys([["TargetPortalGroupTag", "1"]]);
 * ```
 */
export function encodeTextKeys(pairs: readonly (readonly [string, string])[]): Uint8Array {
  return new TextEncoder().encode(pairs.map(([k, v]) => `${k}=${v}\0`).join(""));
}

/** How an operational key's result is found (§13). */
export type KeyResult = "list" | "min" | "max" | "or" | "and" | "declarative";

/**
 * The answer a responder gives to an offered value, by the key's result function and the
 * responder's own value (for "list", its supported values).
 *
 * @example
 * ```ts
 * negotiate("min", "262144", "65536"); // "65536"
 * negotiate("list", "None,CRC32C", ["None"]); // "None"
 * ```
 */
export function negotiate(kind: KeyResult, offered: string, own: string | readonly string[]): string {
  switch (kind) {
    case "list": {
      const supported = Array.isArray(own) ? own : [own as string];
      return offered.split(",").find((v) => supported.includes(v)) ?? "Reject";
    }
    case "min":
    case "max": {
      const a = parseNumber(offered), b = parseNumber(own as string);
      if (a === undefined || b === undefined) return "Reject";
      return String(kind === "min" ? Math.min(a, b) : Math.max(a, b));
    }
    case "or":
    case "and": {
      if (offered !== "Yes" && offered !== "No") return "Reject";
      const a = offered === "Yes", b = own === "Yes";
      return (kind === "or" ? a || b : a && b) ? "Yes" : "No";
    }
    case "declarative":
      return own as string;
  }
}

/** A decimal or 0x-hex number; undefined when it is neither. */
export function parseNumber(text: string): number | undefined {
  if (/^\d{1,10}$/.test(text)) return Number(text);
  if (/^0x[0-9a-fA-F]{1,8}$/.test(text)) return parseInt(text.slice(2), 16);
  return undefined;
}
