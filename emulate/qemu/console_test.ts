import assert from "node:assert/strict";
import fc from "fast-check";
import { AnsiStripper, lastLines, SerialConsole, stripAnsi } from "./console.ts";

const ESC = "\x1b";

Deno.test("stripAnsi: CSI, OSC, charset and two-byte escapes and CR are removed, text kept", () => {
  // SeaBIOS sercon's first bytes, observed: ESC c, ESC [?7l, ESC [2J, ESC [0m
  assert.equal(
    stripAnsi(`${ESC}c${ESC}[?7l${ESC}[2J${ESC}[0mSeaBIOS (version 1.16.2)\r\n`),
    "SeaBIOS (version 1.16.2)\n",
  );
  // OVMF's terminal driver: cursor positions and colours
  assert.equal(
    stripAnsi(`${ESC}[01;01H${ESC}[=3h${ESC}[2J${ESC}[01;01HBdsDxe: loading\r\n`),
    "BdsDxe: loading\n",
  );
  assert.equal(stripAnsi(`a${ESC}]0;title\x07b${ESC}]2;t${ESC}\\c`), "abc"); // OSC ended by BEL or ST
  assert.equal(stripAnsi(`${ESC}(Bx${ESC})0y${ESC}7z${ESC}8`), "xyz");
  assert.equal(stripAnsi("plain ünïcode ✓"), "plain ünïcode ✓");
});

Deno.test("AnsiStripper: the same output however the input is split into chunks", () => {
  const piece = fc.oneof(
    fc.string({ maxLength: 8 }),
    fc.constantFrom(
      `${ESC}[0m`,
      `${ESC}[01;01H`,
      `${ESC}[?7l`,
      `${ESC}c`,
      `${ESC}(B`,
      "\r\n",
      `${ESC}]0;t\x07`,
    ),
  );
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 6 }), (pieces, cuts) => {
      const text = pieces.join("");
      const positions = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
      const stripper = new AnsiStripper();
      let out = "";
      let from = 0;
      for (const at of [...positions, text.length]) {
        out += stripper.push(text.slice(from, at));
        from = at;
      }
      assert.equal(out, stripAnsi(text));
      assert.ok(!out.includes("\r"));
    }),
  );
});

Deno.test("SerialConsole: text split across chunks, escapes and UTF-8 sequences is found", async () => {
  const serial = new SerialConsole();
  const seen = serial.waitFor("DISCWRIGHT-BIOS-OK", 5000);
  const bytes = new TextEncoder().encode(`Booting ✓ DISC${ESC}[0mWRIGHT-BI${ESC}[01;01HOS-OK\r\n`);
  for (const [from, to] of [[0, 9], [9, 10], [10, 17], [17, 19], [19, 30], [30, bytes.length]]) {
    serial.push(bytes.subarray(from, to)); // splits "✓" (3 bytes) and the escape sequences
  }
  assert.equal(await seen, "seen");
  assert.equal(serial.text, "Booting ✓ DISCWRIGHT-BIOS-OK\n");
});

Deno.test("SerialConsole: a text that appeared before the wait counts; timeout, close and abort", async () => {
  const serial = new SerialConsole();
  serial.push("early MARK\n");
  assert.equal(await serial.waitFor("MARK", 10), "seen");
  assert.equal(await serial.waitFor("LATER", 10), "timeout");
  const controller = new AbortController();
  const aborted = serial.waitFor("LATER", 5000, controller.signal);
  controller.abort();
  assert.equal(await aborted, "aborted");
  const closed = serial.waitFor("LATER", 5000);
  serial.close();
  assert.equal(await closed, "closed");
  assert.equal(await serial.waitFor("LATER", 5000), "closed");
  assert.equal(await serial.waitFor("MARK", 5000), "seen"); // still in the retained text
  assert.throws(() => serial.waitFor("", 1), RangeError);
});

Deno.test("SerialConsole: memory stays bounded and matching still works at the boundary", async () => {
  const serial = new SerialConsole({ retainedLength: 100 });
  const seen = serial.waitFor("NEEDLE", 5000);
  for (let i = 0; i < 1000; i++) serial.push("0123456789");
  assert.ok(serial.text.length <= 200);
  serial.push("NEE");
  for (let i = 0; i < 3; i++) serial.push("");
  serial.push("DLE");
  assert.equal(await seen, "seen");
  fc.assert(
    fc.property(fc.array(fc.string({ maxLength: 30 }), { maxLength: 40 }), (chunks) => {
      const console = new SerialConsole({ retainedLength: 16 });
      for (const chunk of chunks) console.push(chunk);
      return console.text.length <= 32 && chunks.join("").endsWith(console.text);
    }),
  );
});

Deno.test("lastLines: the last n lines, a final newline is not an extra line", () => {
  assert.equal(lastLines("a\nb\nc\n", 2), "b\nc");
  assert.equal(lastLines("a\nb\nc", 5), "a\nb\nc");
  assert.equal(lastLines("", 3), "");
});
