/** Test helper: "01 02 0a" → bytes; spaces, "|" and "# comments" to the end of a line are ignored. */
export function hex(text: string): Uint8Array {
  const clean = text.replace(/#[^\n]*/g, "").replace(/[\s|]/g, "");
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Test helper: ASCII text → bytes. */
export function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

/** Test helper: concatenation. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}
