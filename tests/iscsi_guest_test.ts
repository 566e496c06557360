/**
 * A Linux guest (Debian kernel, busybox initramfs, virtio-scsi) reads a mixed-mode CUE image that
 * `disc serve --iscsi` serves as an MMC drive, with QEMU passing the guest's SCSI commands through
 * (`scsi-block`): the TOC (data + audio tracks, lead-out), audio frames bit-exact through
 * CDROMREADAUDIO, an eject and an insert typed on the server's standard input reaching the guest,
 * and the new disc's file system mounting.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { discLeadOutLba, discTracks, loadCueDisc } from "../mod.ts";
import { encodeWavHeader } from "../image/wav.ts";
import { buildWithDiscwright, REPO_ROOT, run, tempDir, toolTest } from "./_tools.ts";
import {
  buildCdGuest,
  CD_GUEST_TOOLS,
  iscsiCdDrive,
  parseCdGuestTocs,
  runCdGuest,
} from "./_linux_cd_guest.ts";

const AUDIO_SECTORS = 320;
const FRAMES_READ = 75;

/** FNV-1a 64 of bytes, as cdprobe prints it. */
function fnv1a64(bytes: Uint8Array): string {
  let hash = 0xcbf29ce484222325n;
  for (const byte of bytes) hash = BigInt.asUintN(64, (hash ^ BigInt(byte)) * 0x100000001b3n);
  return hash.toString(16).padStart(16, "0");
}

toolTest(
  "Linux guest on virtio-scsi + scsi-block over our iSCSI target: mixed-mode TOC, CDROMREADAUDIO bit-exact, eject/insert from the host, mount",
  [...CD_GUEST_TOOLS, "xorriso"],
  async () => {
    await using tmp = await tempDir("iscsi-guest-");
    // Disc 1: a data track with /hello.txt and an audio track of a known pattern.
    await Deno.mkdir(`${tmp.path}/tree`);
    await Deno.writeTextFile(`${tmp.path}/tree/hello.txt`, "first disc\n");
    const pcm = new Uint8Array(AUDIO_SECTORS * 2352).map((_, i) => (i * 31 + (i >> 9)) & 0xff);
    await Deno.writeFile(`${tmp.path}/a.wav`, new Uint8Array([...encodeWavHeader(pcm.byteLength), ...pcm]));
    const cue = `${tmp.path}/mixed.cue`;
    const built = await run(Deno.execPath(), [
      "run",
      "-A",
      `${REPO_ROOT}/cli/disc.ts`,
      "cd",
      "-q",
      "-o",
      cue,
      "--data",
      `${tmp.path}/tree`,
      "--audio",
      `${tmp.path}/a.wav`,
    ]);
    assert.equal(built.code, 0, built.stderr);
    const disc = loadCueDisc(cue);
    const [data, audio] = discTracks(disc);
    // Disc 2: a plain ISO with another /hello.txt.
    await Deno.mkdir(`${tmp.path}/tree2`);
    const secondText = "second disc, inserted while serving\n";
    await Deno.writeTextFile(`${tmp.path}/tree2/hello.txt`, secondText);
    const second = `${tmp.path}/second.iso`;
    assert.equal((await buildWithDiscwright(["-quiet", "-R", "-o", second, `${tmp.path}/tree2`])).code, 0);
    const secondSectors = (await Deno.stat(second)).size / 2048;

    const server = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${REPO_ROOT}/cli/disc.ts`, "serve", "--iscsi", "127.0.0.1:0", cue],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const control = server.stdin.getWriter();
    const serverLog = new Response(server.stderr).text();
    try {
      const reader = server.stdout.pipeThrough(new TextDecoderStream()).getReader();
      let out = "";
      while (!/iscsi:\/\/\S+\n/.test(out)) {
        const { value, done } = await reader.read();
        assert.ok(!done, `the server printed no URL: ${out}`);
        out += value;
      }
      reader.releaseLock();
      const url = /iscsi:\/\/\S+/.exec(out)![0];

      const guest = await buildCdGuest(tmp.path, {
        probeArgs: [`audio:${audio.number}:${FRAMES_READ}`, "wait-change"],
        mountFile: "/hello.txt",
      });
      let changed = false;
      const result = await runCdGuest(guest, {
        drive: iscsiCdDrive(url, "scsi-block"),
        timeoutSeconds: 150,
        onLine: async (line) => {
          // The probe waits for a change after reading the TOC and the audio: take the disc out, then
          // put the second one in, as an operator at the server would.
          if (changed || !line.startsWith("STATUS")) return;
          changed = true;
          await control.write(new TextEncoder().encode("eject\n"));
          await new Promise((resolve) => setTimeout(resolve, 2000));
          await control.write(new TextEncoder().encode(`insert ${second}\n`));
        },
      });
      const why = `guest lines:\n${result.lines.join("\n")}\n--- console tail:\n${
        result.console.slice(-3000)
      }`;
      assert.ok(result.ended, why);
      const tocs = parseCdGuestTocs(result.lines);
      assert.equal(tocs.length, 2, why);
      assert.deepEqual(tocs[0], {
        first: 1,
        last: 2,
        tracks: [
          { n: 1, ctrl: 4, adr: 1, lba: data.startLba },
          { n: 2, ctrl: 0, adr: 1, lba: audio.startLba },
          { n: 170, ctrl: 0, adr: 1, lba: discLeadOutLba(disc) },
        ],
      }, why);
      const expectedHash = fnv1a64(pcm.subarray(0, FRAMES_READ * 2352));
      assert.ok(
        result.lines.includes(`AUDIO track=${audio.number} frames=${FRAMES_READ} fnv1a64=${expectedHash}`),
        why,
      );
      assert.ok(result.lines.includes("CHANGED"), why);
      assert.deepEqual(tocs[1].tracks.map((t) => [t.n, t.lba]), [[1, 0], [170, secondSectors]], why);
      const secondHash = createHash("sha256").update(secondText).digest("hex");
      assert.ok(result.lines.includes(`FILE sha256=${secondHash} path=/hello.txt`), why);
    } finally {
      await control.close().catch(() => {});
      try {
        server.kill("SIGTERM");
      } catch {
        // already gone
      }
      await server.status;
      const log = await serverLog;
      if (Deno.env.get("DEBUG_GUEST")) console.error(log);
    }
  },
);
