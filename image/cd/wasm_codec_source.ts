/**
 * The WebAssembly text of the data-sector encoder (see {@link ./wasm_codec.ts}): sync, header,
 * user data, EDC and RSPC P/Q parity of runs of Mode 1 and Mode 2 Form 1 sectors, the same
 * bytes as {@link ./sector.ts} (the reference, checked against it in the tests).
 *
 * The text is generated here rather than written out by hand because its hot parts are unrolled
 * with constant offsets: P parity takes 6 SIMD rows of 16 bytes per 86-byte row (24 rows), and Q
 * parity loads each of its 1118 words straight into its SIMD lane (`v128.load16_lane`) at the
 * offset the Q diagonal rule gives, 26 codeword pairs at once. Parity bytes come from the sums
 * by nibble table lookups (`i8x16.swizzle`); the EDC runs four interleaved chains whose results
 * are joined with shift tables (see `edcShiftTables` in edc.ts). `deno task wasm` compiles this
 * text into `wasm_codec_bytes.ts`; a test checks that those bytes are this text compiled.
 * @module
 */

import { ECC_PARITY_TABLE, Q_WORD_INDEX } from "./ecc.ts";

/** Independent EDC chains (their table lookups overlap), each of EDC_CHAIN_BYTES but the first. */
const EDC_CHAINS = 4;
const EDC_CHAIN_BYTES = 2048 / EDC_CHAINS;

/** Where things are in the module's memory (bytes). The loader fills the tables. */
export const WASM_CODEC_LAYOUT = {
  /** EDC slice-by-8 tables: 8 × 256 little-endian u32 (table t at t·1024). */
  edcTables: 0,
  /**
   * EDC shift tables, 4096 bytes each, one per {@link EDC_SHIFT_BYTES} entry: 4 × 256 u32 giving
   * the register after that many more zero bytes, one table per byte of the register.
   */
  edcShiftTables: 8192,
  /** First byte of the work area (user data in, raw sectors out). */
  work: 65536,
} as const;

/**
 * The EDC chains' shifts in bytes, chain 0 first: chain i is followed by the bytes of the chains
 * after it (see {@link WASM_CODEC_LAYOUT}.edcShiftTables).
 */
export const EDC_SHIFT_BYTES: readonly number[] = Array.from(
  { length: EDC_CHAINS - 1 },
  (_, i) => (EDC_CHAINS - 1 - i) * EDC_CHAIN_BYTES,
);

const L = WASM_CODEC_LAYOUT;
const SPLAT_1D = "v128.const i8x16 " + Array(16).fill("0x1d").join(" ");
const SPLAT_0F = "v128.const i8x16 " + Array(16).fill("0x0f").join(" ");

/** `a = xtime(a ^ t); b ^= t` on v128 locals (α-multiply per byte: shift, then 0x1D where bit 7 was set). */
function hornerStep(a: string, b: string, t: string): string {
  return `
    (local.set $x (v128.xor (local.get ${a}) (local.get ${t})))
    (local.set ${b} (v128.xor (local.get ${b}) (local.get ${t})))
    (local.set ${a} (v128.xor (i8x16.add (local.get $x) (local.get $x))
      (v128.and (i8x16.shr_s (local.get $x) (i32.const 7)) (${SPLAT_1D}))))`;
}

/** The 16 bytes as a v128 constant. */
function bytesConst(bytes: ArrayLike<number>): string {
  return "v128.const i8x16 " + Array.from({ length: 16 }, (_, i) => bytes[i]).join(" ");
}

/** B[y] = y·(α ⊕ 1)⁻¹ is linear: B[y] = B[low nibble] ⊕ B[high nibble << 4], two 16-entry tables. */
const B_LOW = bytesConst(Array.from({ length: 16 }, (_, n) => ECC_PARITY_TABLE[n]));
const B_HIGH = bytesConst(Array.from({ length: 16 }, (_, n) => ECC_PARITY_TABLE[n << 4]));

/**
 * Parity of the codewords in accumulators a/b (lanes = codewords): first B[F[a] ⊕ b] at `first`,
 * second (first ⊕ b) at `second`, `count` codewords; the last vector's valid bytes are stored
 * alone so nothing beyond is touched.
 */
function finishParity(vectors: number, count: number, first: number, second: number): string {
  const lines: string[] = [];
  const store = (offset: number, v: number, local: string) => {
    const valid = count - 16 * v;
    if (valid >= 16) return `(v128.store offset=${offset + 16 * v} (local.get $s) (local.get ${local}))`;
    // 4 or 6 bytes: a 32-bit lane, then a 16-bit lane.
    let out = `(v128.store32_lane offset=${offset + 16 * v} 0 (local.get $s) (local.get ${local}))`;
    if (valid === 6) {
      out += ` (v128.store16_lane offset=${offset + 16 * v + 4} 2 (local.get $s) (local.get ${local}))`;
    } else if (valid !== 4) throw new Error(`unexpected tail of ${valid} bytes`);
    return out;
  };
  for (let v = 0; v < vectors; v++) {
    // y = F[a] ^ b (F is xtime); parity = B[y] by nibbles.
    lines.push(`(local.set $x (local.get $a${v}))`);
    lines.push(`(local.set $x (v128.xor (local.get $b${v}) (v128.xor (i8x16.add (local.get $x) (local.get $x))
      (v128.and (i8x16.shr_s (local.get $x) (i32.const 7)) (${SPLAT_1D})))))`);
    lines.push(`(local.set $t (v128.xor
      (i8x16.swizzle (${B_LOW}) (v128.and (local.get $x) (${SPLAT_0F})))
      (i8x16.swizzle (${B_HIGH}) (i8x16.shr_u (local.get $x) (i32.const 4)))))`);
    lines.push(store(first, v, "$t"));
    lines.push(`(local.set $t (v128.xor (local.get $t) (local.get $b${v})))`);
    lines.push(store(second, v, "$t"));
  }
  return lines.join("\n    ");
}

/** P parity: 86 codewords; codeword `major` takes bytes 12 + major + 86·minor (minor 0..23). */
function pParity(): string {
  const lines: string[] = [];
  for (let minor = 0; minor < 24; minor++) {
    for (let v = 0; v < 6; v++) {
      // Lanes 86..95 of the last vector read the next row: their sums are never used.
      lines.push(`(local.set $t (v128.load offset=${12 + 86 * minor + 16 * v} (local.get $s)))`);
      lines.push(hornerStep(`$a${v}`, `$b${v}`, "$t"));
    }
  }
  lines.push(finishParity(6, 86, 2076, 2076 + 86));
  return lines.join("\n    ");
}

/**
 * Q parity: 26 codeword pairs (the two bytes of a 16-bit word) along diagonals; pair j takes the
 * words Q_WORD_INDEX[j·43 + minor] (minor 0..43) from byte 12. Lane l of vector g is pair 8g + l.
 */
function qParity(): string {
  const lines: string[] = [];
  for (let v = 0; v < 4; v++) {
    lines.push(`(local.set $a${v} (v128.const i64x2 0 0))`, `(local.set $b${v} (v128.const i64x2 0 0))`);
  }
  for (let minor = 0; minor < 43; minor++) {
    for (let v = 0; v < 4; v++) {
      let load = "(v128.const i64x2 0 0)";
      for (let lane = 0; lane < 8; lane++) {
        const pair = v * 8 + lane;
        if (pair >= 26) break;
        const offset = 12 + 2 * Q_WORD_INDEX[pair * 43 + minor];
        load = `(v128.load16_lane offset=${offset} ${lane} (local.get $s) ${load})`;
      }
      lines.push(`(local.set $t ${load})`);
      lines.push(hornerStep(`$a${v}`, `$b${v}`, "$t"));
    }
  }
  lines.push(finishParity(4, 52, 2248, 2248 + 52));
  return lines.join("\n    ");
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** A lookup at `base` (a table of 256 u32) indexed by byte `byte` of `word`. */
function lookup(base: number, word: string, byte: number): string {
  const index = byte === 0
    ? `(i32.shl (local.get ${word}) (i32.const 2))`
    : `(i32.shr_u (local.get ${word}) (i32.const ${8 * byte - 2}))`;
  return `(i32.load offset=${base} (i32.and ${index} (i32.const 1020)))`;
}

/** Eight bytes at `at` into the EDC register `crc` (slice-by-8: table t advances t more bytes). */
function edcStep(crc: string, at: string): string {
  const t = (table: number) => L.edcTables + 1024 * table;
  return `(local.set $a (i32.xor (local.get ${crc}) (i32.load (local.get ${at}))))
      (local.set $b (i32.load offset=4 (local.get ${at})))
      (local.set ${crc} (i32.xor
        (i32.xor (i32.xor ${lookup(t(7), "$a", 0)} ${lookup(t(6), "$a", 1)})
                 (i32.xor ${lookup(t(5), "$a", 2)} ${lookup(t(4), "$a", 3)}))
        (i32.xor (i32.xor ${lookup(t(3), "$b", 0)} ${lookup(t(2), "$b", 1)})
                 (i32.xor ${lookup(t(1), "$b", 2)} ${lookup(t(0), "$b", 3)}))))`;
}

/** The EDC register `crc` advanced by EDC_SHIFT_BYTES[shift] zero bytes (four lookups). */
function edcShift(shift: number, crc: string): string {
  const base = L.edcShiftTables + 4096 * shift;
  return `(i32.xor (i32.xor ${lookup(base, crc, 0)} ${lookup(base + 1024, crc, 1)})
        (i32.xor ${lookup(base + 2048, crc, 2)} ${lookup(base + 3072, crc, 3)}))`;
}

/**
 * The whole module text (exports `memory`, `encode_mode1`, `encode_form1`).
 *
 * @example
 * ```ts
 * const bytes = await compileWat(sectorCodecWat()); // wasm_codec_build.ts
 * ```
 */
export function sectorCodecWat(): string {
  return `(module
  (memory (export "memory") 1)

  ;; EDC of bytes p .. p + n (n a multiple of 8, at least 2048): ${EDC_CHAINS} independent chains,
  ;; so the table lookups of one overlap those of the others. Chain 0 takes what the others
  ;; (${EDC_CHAIN_BYTES} bytes each) leave; the EDC is the XOR of each chain's register shifted
  ;; past the bytes after it (the EDC is linear: no initial value, no final XOR).
  (func $edc (param $p i32) (param $n i32) (result i32)
    ${range(EDC_CHAINS).map((c) => `(local $c${c} i32)`).join(" ")}
    ${range(EDC_CHAINS).slice(1).map((c) => `(local $q${c} i32)`).join(" ")}
    (local $end i32) (local $a i32) (local $b i32)
    (local.set $q1 (i32.add (local.get $p) (i32.sub (local.get $n) (i32.const ${
    (EDC_CHAINS - 1) * EDC_CHAIN_BYTES
  }))))
    ${
    range(EDC_CHAINS).slice(2).map((c) =>
      `(local.set $q${c} (i32.add (local.get $q${c - 1}) (i32.const ${EDC_CHAIN_BYTES})))`
    ).join("\n    ")
  }
    ;; chain 0 alone for its first n - 2048 bytes
    (local.set $end (i32.sub (local.get $q1) (i32.const ${EDC_CHAIN_BYTES})))
    (block $head (loop $step
      (br_if $head (i32.ge_u (local.get $p) (local.get $end)))
      ${edcStep("$c0", "$p")}
      (local.set $p (i32.add (local.get $p) (i32.const 8)))
      (br $step)))
    ;; all chains together
    (local.set $end (local.get $q1))
    (loop $joint
      ${edcStep("$c0", "$p")}
      ${range(EDC_CHAINS).slice(1).map((c) => edcStep(`$c${c}`, `$q${c}`)).join("\n      ")}
      (local.set $p (i32.add (local.get $p) (i32.const 8)))
      ${
    range(EDC_CHAINS).slice(1).map((c) => `(local.set $q${c} (i32.add (local.get $q${c}) (i32.const 8)))`)
      .join("\n      ")
  }
      (br_if $joint (i32.lt_u (local.get $p) (local.get $end))))
    ${range(EDC_CHAINS - 1).map((c) => `(i32.xor ${edcShift(c, `$c${c}`)}`).join("\n    ")} (local.get $c${
    EDC_CHAINS - 1
  })${")".repeat(EDC_CHAINS - 1)})

  ;; P then Q parity of the sector at s (header, data and EDC in place).
  (func $ecc (param $s i32)
    (local $t v128) (local $x v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $a4 v128) (local $a5 v128)
    (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128) (local $b4 v128) (local $b5 v128)
    ${pParity()}
    ${qParity()})

  ;; BCD of 0..99.
  (func $bcd (param $v i32) (result i32)
    (i32.or (i32.shl (i32.div_u (local.get $v) (i32.const 10)) (i32.const 4))
            (i32.rem_u (local.get $v) (i32.const 10))))

  ;; Sync (0: 00 FF×10 00) and header (12: minute, second, frame in BCD, mode) of LBA lba.
  (func $sync_header (param $s i32) (param $lba i32) (param $mode i32)
    (local $abs i32)
    (i64.store (local.get $s) (i64.const 0xFFFFFFFFFFFFFF00))
    (i32.store offset=8 (local.get $s) (i32.const 0x00FFFFFF))
    (local.set $abs (i32.add (local.get $lba) (i32.const 150)))
    (if (i32.lt_s (local.get $abs) (i32.const 0))
      (then (local.set $abs (i32.add (local.get $abs) (i32.const 450000)))))
    (i32.store offset=12 (local.get $s) (i32.or
      (i32.or (call $bcd (i32.div_u (local.get $abs) (i32.const 4500)))
              (i32.shl (call $bcd (i32.rem_u (i32.div_u (local.get $abs) (i32.const 75)) (i32.const 60))) (i32.const 8)))
      (i32.or (i32.shl (call $bcd (i32.rem_u (local.get $abs) (i32.const 75))) (i32.const 16))
              (i32.shl (local.get $mode) (i32.const 24))))))

  ;; count Mode 1 sectors from LBA lba: 2048 bytes each from user, 2352 each to out.
  (func (export "encode_mode1") (param $lba i32) (param $count i32) (param $user i32) (param $out i32)
    (block $done (loop $sector
      (br_if $done (i32.eqz (local.get $count)))
      (call $sync_header (local.get $out) (local.get $lba) (i32.const 1))
      (memory.copy (i32.add (local.get $out) (i32.const 16)) (local.get $user) (i32.const 2048))
      (i32.store offset=2064 (local.get $out) (call $edc (local.get $out) (i32.const 2064)))
      (i64.store offset=2068 (local.get $out) (i64.const 0))
      (call $ecc (local.get $out))
      (local.set $lba (i32.add (local.get $lba) (i32.const 1)))
      (local.set $count (i32.sub (local.get $count) (i32.const 1)))
      (local.set $user (i32.add (local.get $user) (i32.const 2048)))
      (local.set $out (i32.add (local.get $out) (i32.const 2352)))
      (br $sector))))

  ;; count Mode 2 Form 1 sectors: sub-header (4 bytes, little-endian word) twice at 16, user data
  ;; at 24, EDC over 16..2071, P/Q with the header taken as zero, then the header.
  (func (export "encode_form1") (param $lba i32) (param $count i32) (param $user i32) (param $out i32) (param $sub i32)
    (block $done (loop $sector
      (br_if $done (i32.eqz (local.get $count)))
      (call $sync_header (local.get $out) (local.get $lba) (i32.const 2))
      (i32.store offset=12 (local.get $out) (i32.const 0))
      (i32.store offset=16 (local.get $out) (local.get $sub))
      (i32.store offset=20 (local.get $out) (local.get $sub))
      (memory.copy (i32.add (local.get $out) (i32.const 24)) (local.get $user) (i32.const 2048))
      (i32.store offset=2072 (local.get $out)
        (call $edc (i32.add (local.get $out) (i32.const 16)) (i32.const 2056)))
      (call $ecc (local.get $out))
      (call $sync_header (local.get $out) (local.get $lba) (i32.const 2))
      (local.set $lba (i32.add (local.get $lba) (i32.const 1)))
      (local.set $count (i32.sub (local.get $count) (i32.const 1)))
      (local.set $user (i32.add (local.get $user) (i32.const 2048)))
      (local.set $out (i32.add (local.get $out) (i32.const 2352)))
      (br $sector))))
)
`;
}
