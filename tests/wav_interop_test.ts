/**
 * WAVE files written by sox: CD audio is accepted with the data offset/length sox reports;
 * 48 kHz, mono, 24-bit and float files are refused with a conversion hint; sox's conversion
 * command from that hint produces a file we accept.
 */
import assert from "node:assert/strict";
import { FormatError } from "../image/errors.ts";
import { checkCdAudio, decodeWavHeader, encodeWavHeader, inspectWavFile } from "../image/wav.ts";
import { run, tempDir, toolTest } from "./_tools.ts";

toolTest("sox CD-audio WAV: inspected, accepted, data length = sox's sample count × 4", ["sox"], async () => {
  await using tmp = await tempDir("wav-sox-");
  const path = `${tmp.path}/t.wav`;
  await run("sox", ["-n", "-r", "44100", "-c", "2", "-b", "16", path, "synth", "1", "sine", "440"]);
  const info = inspectWavFile(path);
  checkCdAudio(info, path);
  const samples = Number((await run("soxi", ["-s", path])).stdout.trim());
  assert.equal(samples, 44100);
  assert.equal(info.dataByteLength, samples * 4);
  assert.equal(info.dataByteOffset + info.dataByteLength, (await Deno.stat(path)).size);
  // the PCM we locate is what sox decodes to raw little-endian 16-bit
  const raw =
    (await run("sox", [path, "-t", "raw", "-e", "signed-integer", "-b", "16", "-L", "-"])).stdoutBytes;
  const file = await Deno.readFile(path);
  assert.deepEqual(file.subarray(info.dataByteOffset), raw);
});

toolTest(
  "sox refusals: 48 kHz, mono, 24-bit, float; the suggested sox command fixes them",
  ["sox"],
  async () => {
    await using tmp = await tempDir("wav-sox-");
    const cases: [string, string[], RegExp][] = [
      ["48k.wav", ["-r", "48000", "-c", "2", "-b", "16"], /48000 Hz stereo 16-bit PCM/],
      ["mono.wav", ["-r", "44100", "-c", "1", "-b", "16"], /44100 Hz mono 16-bit PCM/],
      ["24.wav", ["-r", "44100", "-c", "2", "-b", "24"], /44100 Hz stereo 24-bit PCM/],
      ["float.wav", ["-r", "44100", "-c", "2", "-e", "floating-point", "-b", "32"], /32-bit IEEE float/],
      ["all.wav", ["-r", "48000", "-c", "1", "-b", "24"], /48000 Hz mono 24-bit PCM/],
    ];
    for (const [name, format, what] of cases) {
      const path = `${tmp.path}/${name}`;
      await run("sox", ["-n", ...format, path, "synth", "0.2", "sine", "440"]);
      const info = inspectWavFile(path);
      let message = "";
      assert.throws(() => checkCdAudio(info, path), (e: unknown) => {
        assert.ok(e instanceof FormatError);
        message = e.message;
        return true;
      });
      assert.match(message, what);
      assert.ok(message.includes(`"${path}"`), message);
      // run the sox command the message suggests
      const command = message.match(/sox "([^"]+)" (.*?) "([^"]+)"/);
      assert.ok(command, message);
      await run("sox", [command[1], ...command[2].split(" "), command[3]]);
      checkCdAudio(inspectWavFile(command[3]), command[3]);
    }
  },
);

toolTest("encodeWavHeader: sox reads our header and PCM back", ["sox"], async () => {
  await using tmp = await tempDir("wav-sox-");
  const pcm = new Uint8Array(2352 * 2);
  const view = new DataView(pcm.buffer);
  for (let i = 0; i < pcm.length / 2; i++) view.setInt16(i * 2, (i * 97) % 30000 - 15000, true);
  const path = `${tmp.path}/ours.wav`;
  const file = new Uint8Array(44 + pcm.length);
  file.set(encodeWavHeader(pcm.length));
  file.set(pcm, 44);
  await Deno.writeFile(path, file);
  const info = (await run("soxi", [path])).stdout;
  assert.match(info, /Channels\s*: 2/);
  assert.match(info, /Sample Rate\s*: 44100/);
  assert.match(info, /Precision\s*: 16-bit/);
  assert.match(info, /1176 samples/);
  const raw =
    (await run("sox", [path, "-t", "raw", "-e", "signed-integer", "-b", "16", "-L", "-"])).stdoutBytes;
  assert.deepEqual(raw, pcm);
  assert.deepEqual(decodeWavHeader(file, path, file.length).dataByteLength, pcm.length);
});
