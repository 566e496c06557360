/**
 * The NBD server: `disc serve --nbd` read by nbdinfo and qemu-img (byte for byte), QEMU booting a
 * hybrid ISO over NBD, and the protocol driven by a raw client: old-style EXPORT_NAME, simple
 * replies, writes refused or kept in an overlay, garbage and oversized lengths closing only the
 * offending connection, 50 clients at once, fuzzing.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { fatTreeFromEntries } from "../authoring/fat/build.ts";
import { planFat } from "../authoring/fat/planner.ts";
import { biosBootImage, BOOT_MARKER, UEFI_BOOT_MARKER, uefiApplication } from "../examples/boot_payload.ts";
import { bootTest, RegionList, writeRegionsToFile } from "../mod.ts";
import { regionExport } from "../emulate/nbd/image_export.ts";
import { NbdServer } from "../emulate/nbd/server.ts";
import {
  encodeRequest,
  NBD_IHAVEOPT,
  NBD_REQUEST_MAGIC,
  NBD_SIMPLE_REPLY_MAGIC,
  NbdCommand,
  NbdError,
  NbdOption,
} from "../emulate/nbd/protocol.ts";
import { buildWithDiscwright, REPO_ROOT, run, sameBytes, tempDir, toolTest } from "./_tools.ts";

/** A file-backed export of `path`. */
function fileExport(path: string, name: string, writableOverlay = false) {
  const size = Deno.statSync(path).size;
  const regions = new RegionList([{
    kind: "file",
    label: name,
    path,
    fileByteOffset: 0,
    byteLength: size,
    fileByteLength: size,
  }]);
  return regionExport(regions, { name, description: path, preferredBlockBytes: 2048, writableOverlay });
}

/** A minimal client speaking just enough NBD for the tests. */
class RawClient {
  #pending = new Uint8Array(0);
  private constructor(readonly conn: Deno.Conn) {}
  static async connect(port: number): Promise<RawClient> {
    return new RawClient(await Deno.connect({ hostname: "127.0.0.1", port }));
  }
  async read(n: number): Promise<Uint8Array> {
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      if (this.#pending.byteLength === 0) {
        const chunk = new Uint8Array(65536);
        const got = await this.conn.read(chunk);
        if (got === null) throw new Error(`closed after ${filled} of ${n} bytes`);
        this.#pending = chunk.subarray(0, got);
      }
      const take = Math.min(n - filled, this.#pending.byteLength);
      out.set(this.#pending.subarray(0, take), filled);
      this.#pending = this.#pending.subarray(take);
      filled += take;
    }
    return out;
  }
  async write(bytes: Uint8Array): Promise<void> {
    let done = 0;
    while (done < bytes.byteLength) done += await this.conn.write(bytes.subarray(done));
  }
  /** Greeting, client flags (no NO_ZEROES), NBD_OPT_EXPORT_NAME: returns the size. */
  async openOldStyle(name: string): Promise<{ size: bigint; flags: number }> {
    const greeting = await this.read(18);
    assert.equal(new TextDecoder().decode(greeting.subarray(0, 16)), "NBDMAGICIHAVEOPT");
    await this.write(Uint8Array.of(0, 0, 0, 1));
    const nameBytes = new TextEncoder().encode(name);
    const option = new Uint8Array(16 + nameBytes.byteLength);
    const view = new DataView(option.buffer);
    view.setBigUint64(0, NBD_IHAVEOPT);
    view.setUint32(8, NbdOption.exportName);
    view.setUint32(12, nameBytes.byteLength);
    option.set(nameBytes, 16);
    await this.write(option);
    const reply = await this.read(10 + 124);
    const replyView = new DataView(reply.buffer);
    assert.ok(reply.subarray(10).every((b) => b === 0), "124 zero bytes without NO_ZEROES");
    return { size: replyView.getBigUint64(0), flags: replyView.getUint16(8) };
  }
  async request(type: number, offset: number, length: number, cookie: bigint, payload?: Uint8Array) {
    await this.write(encodeRequest({
      magic: NBD_REQUEST_MAGIC,
      flags: 0,
      type,
      cookie,
      byteOffset: BigInt(offset),
      byteLength: length,
    }));
    if (payload) await this.write(payload);
    const header = await this.read(16);
    const view = new DataView(header.buffer);
    assert.equal(view.getUint32(0), NBD_SIMPLE_REPLY_MAGIC);
    assert.equal(view.getBigUint64(8), cookie);
    const error = view.getUint32(4);
    const data = type === NbdCommand.read && error === 0 ? await this.read(length) : undefined;
    return { error, data };
  }
  close() {
    try {
      this.conn.close();
    } catch { /* closed */ }
  }
}

Deno.test("NBD raw client: EXPORT_NAME, simple replies, EPERM for writes, EINVAL past the end", async () => {
  await using tmp = await tempDir("nbd-raw-");
  const image = new Uint8Array(300_000).map((_, i) => (i * 13) & 0xff);
  await Deno.writeFile(`${tmp.path}/disk.img`, image);
  const lines: string[] = [];
  await using server = NbdServer.listen({
    exports: [fileExport(`${tmp.path}/disk.img`, "disk")],
    port: 0,
    log: (l) => lines.push(l),
  });
  const client = await RawClient.connect(server.port);
  try {
    const { size, flags } = await client.openOldStyle("");
    assert.equal(size, 300_000n);
    assert.equal(flags & 0x0003, 0x0003, "HAS_FLAGS | READ_ONLY");
    const read = await client.request(NbdCommand.read, 1000, 5000, 7n);
    assert.equal(read.error, NbdError.ok);
    assert.ok(sameBytes(read.data!, image.subarray(1000, 6000)));
    assert.equal(
      (await client.request(NbdCommand.write, 0, 4, 8n, Uint8Array.of(1, 2, 3, 4))).error,
      NbdError.perm,
    );
    assert.equal((await client.request(NbdCommand.read, 299_999, 2, 9n)).error, NbdError.inval);
    assert.equal((await client.request(NbdCommand.flush, 0, 0, 10n)).error, NbdError.ok);
    assert.equal((await client.request(99, 0, 0, 11n)).error, NbdError.inval);
    await client.write(
      encodeRequest({
        magic: NBD_REQUEST_MAGIC,
        flags: 0,
        type: NbdCommand.disc,
        cookie: 12n,
        byteOffset: 0n,
        byteLength: 0,
      }),
    );
  } finally {
    client.close();
  }
  assert.ok(sameBytes(await Deno.readFile(`${tmp.path}/disk.img`), image), "the image is untouched");
});

Deno.test("NBD --writable-overlay: writes are read back, other clients see them, the image file never changes", async () => {
  await using tmp = await tempDir("nbd-overlay-");
  const image = new Uint8Array(20_000).fill(0x55);
  await Deno.writeFile(`${tmp.path}/disk.img`, image);
  await using server = NbdServer.listen({
    exports: [fileExport(`${tmp.path}/disk.img`, "disk", true)],
    port: 0,
  });
  const a = await RawClient.connect(server.port);
  const b = await RawClient.connect(server.port);
  try {
    await a.openOldStyle("disk");
    await b.openOldStyle("disk");
    const payload = new Uint8Array(5000).map((_, i) => i & 0xff);
    assert.equal((await a.request(NbdCommand.write, 4090, 5000, 1n, payload)).error, NbdError.ok);
    const back = await b.request(NbdCommand.read, 4000, 5200, 2n);
    assert.ok(sameBytes(back.data!.subarray(90, 5090), payload));
    assert.ok(back.data!.subarray(0, 90).every((x) => x === 0x55));
    assert.equal((await a.request(NbdCommand.writeZeroes, 0, 10, 3n)).error, NbdError.ok);
    assert.ok((await b.request(NbdCommand.read, 0, 10, 4n)).data!.every((x) => x === 0));
    assert.equal(
      (await a.request(NbdCommand.write, 19_999, 2, 5n, Uint8Array.of(1, 2))).error,
      NbdError.noSpc,
    );
  } finally {
    a.close();
    b.close();
  }
  assert.ok(sameBytes(await Deno.readFile(`${tmp.path}/disk.img`), image), "the image is untouched");
});

Deno.test("NBD: garbage, oversized lengths and abrupt disconnects close only their connection; 50 clients read in parallel", async () => {
  await using tmp = await tempDir("nbd-abuse-");
  const image = new Uint8Array(1 << 20).map((_, i) => (i * 7 + (i >> 9)) & 0xff);
  await Deno.writeFile(`${tmp.path}/disk.img`, image);
  const lines: string[] = [];
  await using server = NbdServer.listen({
    exports: [fileExport(`${tmp.path}/disk.img`, "disk")],
    port: 0,
    log: (l) => lines.push(l),
  });

  // An option claiming 1 GiB of data: refused before allocating, connection closed.
  const huge = await RawClient.connect(server.port);
  await huge.read(18);
  await huge.write(Uint8Array.of(0, 0, 0, 3));
  const option = new Uint8Array(16);
  new DataView(option.buffer).setBigUint64(0, NBD_IHAVEOPT);
  new DataView(option.buffer).setUint32(8, NbdOption.go);
  new DataView(option.buffer).setUint32(12, 1 << 30);
  await huge.write(option);
  await assert.rejects(() => huge.read(1), /closed/);
  huge.close();

  // Random garbage streams (fast-check), and a client that vanishes mid-request.
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 200 }), async (garbage) => {
      const c = await RawClient.connect(server.port);
      await c.read(18);
      await c.write(garbage).catch(() => {});
      c.close();
    }),
    { numRuns: 60 },
  );
  const vanishing = await RawClient.connect(server.port);
  await vanishing.openOldStyle("disk");
  await vanishing.write(
    encodeRequest({
      magic: NBD_REQUEST_MAGIC,
      flags: 0,
      type: NbdCommand.read,
      cookie: 1n,
      byteOffset: 0n,
      byteLength: 1 << 20,
    }),
  );
  vanishing.close();

  // A READ over the payload limit is an error reply, not a disconnect.
  const big = await RawClient.connect(server.port);
  await big.openOldStyle("disk");
  assert.equal((await big.request(NbdCommand.read, 0, 64 * 1024 * 1024, 2n)).error, NbdError.overflow);
  big.close();

  // 50 clients at once, each reading its own ranges.
  await Promise.all(Array.from({ length: 50 }, async (_, n) => {
    const c = await RawClient.connect(server.port);
    try {
      await c.openOldStyle("disk");
      for (let k = 0; k < 4; k++) {
        const offset = (n * 7919 + k * 104_729) % (image.byteLength - 70_000);
        const r = await c.request(NbdCommand.read, offset, 65_536, BigInt(n * 10 + k));
        assert.ok(sameBytes(r.data!, image.subarray(offset, offset + 65_536)), `client ${n} read ${k}`);
      }
    } finally {
      c.close();
    }
  }));
  assert.ok(lines.some((l) => /closed: option data of 1073741824 bytes/.test(l)), lines.join("\n"));
});

toolTest(
  "disc serve --nbd: nbdinfo lists the exports; qemu-img copies an ISO, a CUE's data track and a folder byte for byte",
  ["nbdinfo", "qemu-img", "xorriso"],
  async () => {
    await using tmp = await tempDir("nbd-serve-");
    await Deno.mkdir(`${tmp.path}/tree/docs`, { recursive: true });
    await Deno.writeTextFile(`${tmp.path}/tree/docs/a.txt`, "served\n");
    const env = { SOURCE_DATE_EPOCH: "1700000000" };
    const iso = `${tmp.path}/plain.iso`;
    assert.equal(
      (await buildWithDiscwright(["-quiet", "-r", "-J", "-joliet-long", "-o", iso, `${tmp.path}/tree`], {
        env,
      })).code,
      0,
    );
    await Deno.writeFile(`${tmp.path}/a.raw`, new Uint8Array(2352 * 300).fill(3));
    const cd = await run(Deno.execPath(), [
      "run",
      "-A",
      `${REPO_ROOT}/cli/disc.ts`,
      "cd",
      "-q",
      "-o",
      `${tmp.path}/mixed.cue`,
      "--data",
      iso,
      "--audio",
      `${tmp.path}/a.raw`,
    ]);
    assert.equal(cd.code, 0, cd.stderr);

    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const server = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        `${REPO_ROOT}/cli/disc.ts`,
        "serve",
        iso,
        `${tmp.path}/mixed.cue`,
        `${tmp.path}/tree`,
        "--nbd",
        `127.0.0.1:${port}`,
      ],
      env,
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    try {
      const reader = server.stdout.pipeThrough(new TextDecoderStream()).getReader();
      let printed = "";
      while (printed.split("\n").length <= 3) {
        const { value, done } = await reader.read();
        if (done) break;
        printed += value;
      }
      assert.deepEqual(printed.trim().split("\n"), [
        `nbd://127.0.0.1:${port}/plain`,
        `nbd://127.0.0.1:${port}/mixed`,
        `nbd://127.0.0.1:${port}/tree`,
      ]);
      const list = await run("nbdinfo", ["--list", `nbd://127.0.0.1:${port}`]);
      for (const name of ["plain", "mixed", "tree"]) {
        assert.match(list.stdout, new RegExp(`export="${name}"`));
      }
      assert.match(list.stdout, /is_read_only: true/);

      const copy = async (name: string) => {
        const out = `${tmp.path}/${name}.copy`;
        await run("qemu-img", ["convert", "-f", "raw", "-O", "raw", `nbd://127.0.0.1:${port}/${name}`, out]);
        return await Deno.readFile(out);
      };
      const isoBytes = await Deno.readFile(iso);
      assert.ok(sameBytes(await copy("plain"), isoBytes), "the ISO");
      const track = await copy("mixed");
      assert.ok(sameBytes(track.subarray(0, isoBytes.byteLength), isoBytes), "the CUE's data track");
      assert.ok(sameBytes(await copy("tree"), isoBytes), "the folder, planned as -r -J -joliet-long");
      await reader.cancel();
    } finally {
      server.kill("SIGTERM");
      const status = await server.status;
      assert.equal(status.code, 0, "stops cleanly on SIGTERM");
      await server.stderr.cancel().catch(() => {});
    }
  },
);

toolTest(
  "a hybrid ISO boots over NBD: as a CD with BIOS and as a disk with UEFI",
  ["xorriso", "qemu-system-x86_64", "/usr/share/OVMF/OVMF_CODE_4M.fd"],
  async (t) => {
    await using tmp = await tempDir("nbd-boot-");
    await Deno.mkdir(`${tmp.path}/tree`);
    await Deno.writeFile(`${tmp.path}/tree/boot.bin`, biosBootImage());
    await Deno.writeFile(`${tmp.path}/mbr.bin`, biosBootImage().subarray(0, 512));
    const esp = planFat(
      fatTreeFromEntries({ "EFI/BOOT/BOOTX64.EFI": uefiApplication() }, new Date(1700000000_000)),
      {
        size: "1440k",
        volumeLabel: "EFIBOOT",
      },
    );
    await writeRegionsToFile(esp.regions, `${tmp.path}/efiboot.img`);
    const iso = `${tmp.path}/hybrid.iso`;
    const built = await buildWithDiscwright([
      "-quiet",
      "-R",
      "-J",
      "-G",
      `${tmp.path}/mbr.bin`,
      "-b",
      "boot.bin",
      "-no-emul-boot",
      "-boot-load-size",
      "4",
      "-append_partition",
      "2",
      "0xef",
      `${tmp.path}/efiboot.img`,
      "-eltorito-alt-boot",
      "-e",
      "--interval:appended_partition_2:all::",
      "-no-emul-boot",
      "-o",
      iso,
      `${tmp.path}/tree`,
    ]);
    assert.equal(built.code, 0, built.stderr);
    const lines: string[] = [];
    await using server = NbdServer.listen({
      exports: [fileExport(iso, "hybrid")],
      port: 0,
      log: (l) => lines.push(l),
    });
    const drive = `file=nbd://127.0.0.1:${server.port}/hybrid,format=raw`;
    for (
      const [firmware, media, expect] of [["bios", "cd", BOOT_MARKER], [
        "uefi",
        "disk",
        UEFI_BOOT_MARKER,
      ]] as const
    ) {
      await t.step(`${firmware} as ${media}`, async () => {
        const result = await bootTest({
          image: { via: "drive", drive },
          firmware,
          media,
          expect,
          timeoutSeconds: 90,
        });
        assert.ok(
          result.ok,
          `no "${expect}"; console tail:\n${result.consoleTail}\n${result.qemuStderr ?? ""}`,
        );
      });
    }
    assert.equal(
      lines.filter((l) => /export "hybrid"/.test(l)).length,
      2,
      "QEMU read the image over NBD, once per boot",
    );
  },
);
