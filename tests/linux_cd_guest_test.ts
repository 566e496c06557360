/**
 * Validates the Linux CD guest fixture (tests/_linux_cd_guest.ts) against QEMU's own emulated CD on
 * virtio-scsi: the TOC the guest reads, a file on the mounted data track, the error of CDROMREADAUDIO
 * on a data track, and a disc change (eject + insert through the QEMU monitor) seen by `wait-change`.
 */
import assert from "node:assert/strict";
import {
  buildCdGuest,
  CD_GUEST_TOOLS,
  type CdGuestRun,
  isoCdDrive,
  parseCdGuestTocs,
  runCdGuest,
} from "./_linux_cd_guest.ts";
import { buildWithXorriso, sha256, tempDir, toolTest } from "./_tools.ts";

const HELLO = "hello from the disc\n";

async function makeIso(dir: string, name: string, files: Record<string, string>): Promise<string> {
  const tree = `${dir}/${name}-tree`;
  await Deno.mkdir(tree, { recursive: true });
  for (const [path, text] of Object.entries(files)) await Deno.writeTextFile(`${tree}/${path}`, text);
  const iso = `${dir}/${name}.iso`;
  const built = await buildWithXorriso(["-quiet", "-R", "-J", "-V", name.toUpperCase(), "-o", iso, tree]);
  assert.equal(built.code, 0, built.stderr);
  return iso;
}

function explain(run: CdGuestRun): string {
  return `lines: ${JSON.stringify(run.lines)}\ncommand: ${run.command.join(" ")}\n` +
    `console tail:\n${run.console.slice(-3000)}\nstderr: ${run.stderr}`;
}

/**
 * Runs commands on a QEMU human monitor listening on a unix socket, one connection for all (the
 * socket accepts one client at a time); each command's answer ends with the next "(qemu) " prompt.
 */
async function monitor(socket: string, ...commands: (string | number)[]): Promise<string> {
  using conn = await Deno.connect({ transport: "unix", path: socket });
  const decoder = new TextDecoder();
  const buf = new Uint8Array(4096);
  let out = "";
  const untilPrompt = async () => {
    while (!out.endsWith("(qemu) ")) {
      const n = await conn.read(buf);
      if (n === null) throw new Error(`monitor closed; got:\n${out}`);
      out += decoder.decode(buf.subarray(0, n));
    }
  };
  await untilPrompt();
  for (const command of commands) {
    if (typeof command === "number") {
      await new Promise((resolve) => setTimeout(resolve, command));
      continue;
    }
    out = "";
    await conn.write(new TextEncoder().encode(`${command}\n`));
    await untilPrompt();
  }
  return out;
}

toolTest(
  "Linux CD guest: reads the TOC and a file of QEMU's emulated CD, and sees a disc change",
  [...CD_GUEST_TOOLS, "xorriso"],
  async (t) => {
    await using tmp = await tempDir("linux-cd-guest-");
    const iso = await makeIso(tmp.path, "cdguest", { "hello.txt": HELLO });
    const sectors = (await Deno.stat(iso)).size / 2048;

    await t.step("TOC + mounted file", async () => {
      const guest = await buildCdGuest(`${tmp.path}/guest`, { probeArgs: [], mountFile: "/hello.txt" });
      const run = await runCdGuest(guest, { drive: isoCdDrive(iso) });
      console.log(`boot took ${run.seconds.toFixed(1)} s`);
      assert.ok(run.ended && !run.timedOut, explain(run));
      const tocs = parseCdGuestTocs(run.lines);
      assert.equal(tocs.length, 1, explain(run));
      assert.deepEqual(tocs[0], {
        first: 1,
        last: 1,
        tracks: [{ n: 1, ctrl: 4, adr: 1, lba: 0 }, {
          n: 170,
          ctrl: tocs[0]?.tracks[1]?.ctrl,
          adr: 1,
          lba: sectors,
        }],
      }, explain(run));
      assert.ok(run.lines.includes("DONE"), explain(run));
      assert.ok(run.lines.includes("EXIT 0"), explain(run));
      assert.ok(
        run.lines.includes(`FILE sha256=${sha256(new TextEncoder().encode(HELLO))} path=/hello.txt`),
        explain(run),
      );
    });

    await t.step("CDROMREADAUDIO on a data track is an error line", async () => {
      const guest = await buildCdGuest(`${tmp.path}/guest`, { probeArgs: ["audio:1:75"] });
      const run = await runCdGuest(guest, { drive: isoCdDrive(iso) });
      console.log(
        `boot took ${run.seconds.toFixed(1)} s; audio: ${run.lines.filter((l) => /^(AUDIO|ERROR)/.test(l))}`,
      );
      assert.ok(run.ended, explain(run));
      assert.ok(run.lines.some((l) => /^ERROR audio errno=\d+ \(.+\)$/.test(l)), explain(run));
      assert.ok(run.lines.includes("EXIT 1"), explain(run));
    });

    await t.step("wait-change: eject and insert another disc", async () => {
      const iso2 = await makeIso(tmp.path, "second", {
        "hello.txt": "second disc\n",
        "more.txt": "x".repeat(300000),
      });
      const sectors2 = (await Deno.stat(iso2)).size / 2048;
      const socket = `${tmp.path}/monitor.sock`;
      const guest = await buildCdGuest(`${tmp.path}/guest`, {
        probeArgs: ["wait-change"],
        mountFile: "/hello.txt",
      });
      let swapped = false;
      const run = await runCdGuest(guest, {
        drive: isoCdDrive(iso),
        extraArgs: ["-monitor", `unix:${socket},server=on,wait=off`],
        onLine: async (line) => {
          if (line === "STATUS CDS_DISC_OK" && !swapped) {
            swapped = true;
            await monitor(socket, "eject -f cd", 2000, `change cd ${iso2} raw read-only`);
          }
        },
      });
      console.log(`boot took ${run.seconds.toFixed(1)} s; lines: ${JSON.stringify(run.lines)}`);
      assert.ok(run.ended, explain(run));
      const tocs = parseCdGuestTocs(run.lines);
      assert.equal(tocs.length, 2, explain(run));
      assert.equal(tocs[1].tracks.at(-1)?.lba, sectors2, explain(run));
      assert.ok(run.lines.includes("CHANGED"), explain(run));
      assert.ok(run.lines.includes("EXIT 0"), explain(run));
      assert.ok(
        run.lines.includes(
          `FILE sha256=${sha256(new TextEncoder().encode("second disc\n"))} path=/hello.txt`,
        ),
        explain(run),
      );
    });
  },
);
