/**
 * An independent, deliberately slow check of raw CD data sectors, written straight from the
 * definitions in cd-sectors.md and sharing no code with image/cd/: EDC by bit-serial polynomial
 * division, P and Q parity by evaluating the parity-check equations over GF(2^8) (ECMA-130
 * Annex A) — not by recomputing parity the way the encoder does.
 * @module
 */

const EXP = new Uint8Array(512);
const LOG = new Uint8Array(256);
{
  let x = 1;
  for (let i = 0; i < 255; i++) {
    EXP[i] = x;
    LOG[x] = i;
    x <<= 1;
    if (x & 0x100) x ^= 0x11d;
  }
  for (let i = 255; i < 512; i++) EXP[i] = EXP[i - 255];
}
const mul = (a: number, b: number) => (a === 0 || b === 0 ? 0 : EXP[LOG[a] + LOG[b]]);
const alphaPow = (n: number) => EXP[n % 255];

/** EDC bit by bit: reflected CRC-32 with polynomial 0xD8018001, init 0, no final XOR. */
function edcBitSerial(bytes: Uint8Array, start: number, end: number): number {
  let crc = 0;
  for (let i = start; i < end; i++) {
    crc ^= bytes[i];
    for (let bit = 0; bit < 8; bit++) crc = (crc & 1) ? (crc >>> 1) ^ 0xd8018001 : crc >>> 1;
  }
  return crc >>> 0;
}

/** Evaluates H·v = 0 for every P and Q codeword of both byte planes. */
function parityProblems(s: Uint8Array): string[] {
  const problems: string[] = [];
  for (const plane of [0, 1]) {
    const at = (word: number) => s[12 + 2 * word + plane];
    for (let np = 0; np < 43; np++) {
      let s0 = 0, s1 = 0;
      for (let mp = 0; mp < 26; mp++) {
        const v = at(43 * mp + np);
        s0 ^= v;
        s1 ^= mul(alphaPow(25 - mp), v);
      }
      if (s0 !== 0 || s1 !== 0) {
        problems.push(`P codeword ${np} of plane ${plane} fails its parity check`);
        break;
      }
    }
    for (let nq = 0; nq < 26; nq++) {
      let s0 = 0, s1 = 0;
      for (let mq = 0; mq < 45; mq++) {
        const word = mq < 43 ? (44 * mq + 43 * nq) % 1118 : 1118 + nq + (mq - 43) * 26;
        const v = at(word);
        s0 ^= v;
        s1 ^= mul(alphaPow(44 - mq), v);
      }
      if (s0 !== 0 || s1 !== 0) {
        problems.push(`Q codeword ${nq} of plane ${plane} fails its parity check`);
        break;
      }
    }
  }
  return problems;
}

const SYNC = [0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00];
const bcd = (n: number) => ((Math.floor(n / 10) << 4) | (n % 10));

/**
 * Checks a raw Mode 1 or Mode 2 Form 1 sector at `offset` that should sit at `lba`: sync, BCD
 * header address, EDC, and the P/Q parity equations. Returns the problems (empty when sound).
 */
export function oracleCheckRawSector(bytes: Uint8Array, offset: number, lba: number): string[] {
  const s = bytes.slice(offset, offset + 2352);
  const problems: string[] = [];
  if (s.byteLength !== 2352) return ["sector is short"];
  if (SYNC.some((b, i) => s[12 - 12 + i] !== b)) problems.push("sync pattern is wrong");
  const absolute = lba + 150;
  const header = [bcd(Math.floor(absolute / 4500)), bcd(Math.floor(absolute / 75) % 60), bcd(absolute % 75)];
  if (header.some((b, i) => s[12 + i] !== b)) problems.push(`header address is not LBA ${lba}`);
  const mode = s[15];
  const edcLe = (at: number) => (s[at] | (s[at + 1] << 8) | (s[at + 2] << 16) | (s[at + 3] << 24)) >>> 0;
  if (mode === 1) {
    if (edcBitSerial(s, 0, 2064) !== edcLe(2064)) problems.push("EDC is wrong");
    if (s.subarray(2068, 2076).some((b) => b !== 0)) problems.push("intermediate bytes are not zero");
  } else if (mode === 2 && !(s[18] & 0x20)) {
    if (edcBitSerial(s, 16, 2072) !== edcLe(2072)) problems.push("EDC is wrong");
    s.fill(0, 12, 16); // Form 1: parity is computed with a zero header
  } else {
    return [...problems, `mode byte ${mode} is not Mode 1 or Mode 2 Form 1`];
  }
  return [...problems, ...parityProblems(s)];
}
