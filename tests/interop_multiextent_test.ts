/**
 * Multi-extent files at ISO level 3: sparse source files of 4 GiB − 1, 4 GiB and 4 GiB + 1 bytes, built
 * by ours and by xorriso (the oracle), checked with pycdlib (every directory record: extents, lengths,
 * the multi-extent flag, in the ISO 9660 and Joliet trees), `isoinfo -l -R` (sizes), `xorriso -lsl` and
 * `xorriso -extract_cut` (sizes and byte ranges), and `dd` at the extents' byte offsets.
 *
 * Each image is ~12 GiB of real writes (the zeros of the sparse files are written out), so the test
 * needs 30 GB free under the temp directory and is ignored with that reason otherwise. Each image is
 * deleted as soon as its checks are done. Kept in its own file so `deno test --parallel` runs it beside
 * the other tests.
 *
 * Observed with xorriso 1.5.4: a file of 4 GiB − 1 is one extent; larger files are cut into extents of
 * 0xFFFFF800 bytes (whole sectors) plus a last, shorter one; every record but the last has the
 * multi-extent flag (0x80); Rock Ridge and Joliet names repeat on every record.
 * @module
 */

import assert from "node:assert/strict";
import { randomBytes } from "./_fixtures.ts";
import {
  BUILDERS,
  freeBytesSync,
  pycdlibPython,
  readRange,
  run,
  sha256,
  tempDir,
  toolTest,
} from "./_tools.ts";

const GIB4 = 4 * 1024 ** 3;
const MIB = 1024 * 1024;
const FILES: Record<string, number> = {
  "a_4g_minus_1.bin": GIB4 - 1,
  "b_4g.bin": GIB4,
  "c_4g_plus_1.bin": GIB4 + 1,
};
const NEEDED_BYTES = 30e9;
const TMP = Deno.env.get("TMPDIR") ?? "/tmp";

const free = freeBytesSync(TMP);
const skipReason = !(free >= NEEDED_BYTES)
  ? `needs 30 GB free in ${TMP}, has ${(free / 1e9).toFixed(1)} GB`
  : undefined;

// One sparse source tree for both builders, removed at unload.
let treePromise: Promise<string> | undefined;
let treeDir: string | undefined;
globalThis.addEventListener("unload", () => {
  if (treeDir) {
    try {
      Deno.removeSync(treeDir, { recursive: true });
    } catch {
      // best effort
    }
  }
});

/** Sparse files with 1 MiB of pseudo-random data at the start and at the end (so offsets matter). */
function sparseTree(): Promise<string> {
  treePromise ??= (async () => {
    treeDir = await Deno.makeTempDir({ prefix: "discwright-multiextent-src-" });
    const root = `${treeDir}/tree`;
    await Deno.mkdir(root);
    let seed = 1;
    for (const [name, byteLength] of Object.entries(FILES)) {
      using file = await Deno.open(`${root}/${name}`, { write: true, create: true, truncate: true });
      await file.truncate(byteLength);
      for (const at of [0, byteLength - MIB]) {
        await file.seek(at, Deno.SeekMode.Start);
        const data = randomBytes(seed++, MIB);
        let done = 0;
        while (done < data.byteLength) done += await file.write(data.subarray(done));
      }
    }
    return root;
  })();
  return treePromise;
}

/** Every directory record of the root directory, in both trees, as pycdlib parses them. */
const PYCDLIB_RECORDS = String.raw`
import sys, json, pycdlib
iso = pycdlib.PyCdlib()
iso.open(sys.argv[1])
def records(key):
    out = []
    for c in iso.get_record(**{key: "/"}).children:
        ident = c.file_identifier()
        if ident in (b"\x00", b"\x01", b".", b".."):
            continue
        if key == "joliet_path":
            name = ident.decode("utf-16_be")
        elif c.rock_ridge is not None and c.rock_ridge.name():
            name = c.rock_ridge.name().decode("utf-8")
        else:
            name = ident.decode("ascii")
        out.append({"name": name, "iso": ident.decode("latin-1"), "lba": c.extent_location(),
                    "byteLength": c.data_length, "flags": c.file_flags})
    return out
json.dump({"rr": records("rr_path") if iso.has_rock_ridge() else None,
           "joliet": records("joliet_path") if iso.has_joliet() else None}, sys.stdout)
`;

interface DirRecord {
  readonly name: string;
  readonly iso: string;
  readonly lba: number;
  readonly byteLength: number;
  readonly flags: number;
}

const MULTI_EXTENT = 0x80;

/** Groups consecutive records of one file (all but the last carry the multi-extent flag). */
function groupExtents(records: readonly DirRecord[]): Map<string, DirRecord[]> {
  const files = new Map<string, DirRecord[]>();
  let current: DirRecord[] = [];
  for (const r of records) {
    current.push(r);
    if (!(r.flags & MULTI_EXTENT)) {
      const name = r.name.replace(/;\d+$/, "");
      assert.ok(current.every((x) => x.iso === r.iso), `records of ${name} share one identifier`);
      files.set(name, current);
      current = [];
    }
  }
  assert.equal(current.length, 0, "the last record of a file clears the multi-extent flag");
  return files;
}

function assertExtents(what: string, files: Map<string, DirRecord[]>) {
  for (const [name, byteLength] of Object.entries(FILES)) {
    const extents = files.get(name);
    assert.ok(extents, `${what}: ${name} is listed`);
    const total = extents.reduce((sum, r) => sum + r.byteLength, 0);
    assert.equal(total, byteLength, `${what}: ${name}: the extents add up to the file size`);
    for (const r of extents.slice(0, -1)) {
      assert.equal(r.byteLength % 2048, 0, `${what}: ${name}: a non-final extent is whole sectors`);
    }
    for (const r of extents) {
      assert.ok(r.byteLength <= 0xffffffff, `${what}: ${name}: extent length fits 32 bits`);
    }
    if (byteLength < GIB4) {
      assert.equal(extents.length, 1, `${what}: ${name} is a single extent (as xorriso does)`);
    } else assert.ok(extents.length >= 2, `${what}: ${name} needs more than one extent`);
  }
}

/** Reads `byteLength` bytes of a file at `fileOffset` from the image with dd, following its extents. */
async function ddFromExtents(
  image: string,
  extents: readonly DirRecord[],
  fileOffset: number,
  byteLength: number,
) {
  const parts: Uint8Array[] = [];
  let extentStart = 0;
  for (const r of extents) {
    const extentEnd = extentStart + r.byteLength;
    const from = Math.max(fileOffset, extentStart);
    const to = Math.min(fileOffset + byteLength, extentEnd);
    if (from < to) {
      const skip = r.lba * 2048 + (from - extentStart);
      const out = await run("dd", [
        `if=${image}`,
        "iflag=skip_bytes,count_bytes",
        `skip=${skip}`,
        `count=${to - from}`,
        "bs=1M",
        "status=none",
      ]);
      parts.push(out.stdoutBytes);
    }
    extentStart = extentEnd;
  }
  const joined = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    joined.set(p, at);
    at += p.byteLength;
  }
  return joined;
}

for (const builder of BUILDERS) {
  toolTest(
    `multi-extent ${builder.name} [-R -J -iso-level 3]: files of 4 GiB − 1, 4 GiB, 4 GiB + 1`,
    [...builder.tools, "pycdlib", "isoinfo", "xorriso", "dd"],
    async () => {
      const tree = await sparseTree();
      await using tmp = await tempDir(`discwright-multiextent-${builder.name}-`);
      const image = `${tmp.path}/big.iso`;
      const built = await builder.build(["-R", "-J", "-iso-level", "3", "-o", image, tree]);
      assert.equal(
        built.code,
        0,
        `build exited with ${built.code}: ${built.stderr.trimEnd().split("\n").slice(-8).join("\n")}`,
      );
      const st = await Deno.stat(image);
      assert.equal(st.size % 2048, 0, "image is whole sectors");
      assert.ok(st.size >= 3 * GIB4, "image holds the data of the three files");

      // pycdlib: every record, in the Rock Ridge-named ISO 9660 tree and in the Joliet tree.
      const py = JSON.parse((await run(pycdlibPython() ?? "python3", ["-c", PYCDLIB_RECORDS, image])).stdout);
      assert.ok(py.rr, "Rock Ridge present");
      assert.ok(py.joliet, "Joliet present");
      const isoFiles = groupExtents(py.rr);
      assertExtents("ISO 9660 tree", isoFiles);
      const jolietFiles = groupExtents(py.joliet);
      assertExtents("Joliet tree", jolietFiles);
      for (const name of Object.keys(FILES)) {
        assert.deepEqual(
          jolietFiles.get(name)!.map((r) => [r.lba, r.byteLength]),
          isoFiles.get(name)!.map((r) => [r.lba, r.byteLength]),
          `${name}: Joliet records point at the same extents`,
        );
      }

      // isoinfo: one line per record; the sizes of a name add up.
      const isoinfo = (await run("isoinfo", ["-l", "-R", "-i", image])).stdout;
      const sizes = new Map<string, number>();
      for (const line of isoinfo.split("\n")) {
        const m = /^-\S{9}\s+\d+\s+\d+\s+\d+\s+(\d+)\s+\w{3}\s+\d+\s+\d{4}\s+\[\s*\d+\s+\S+?\]?\s+(\S.*?)\s*$/
          .exec(line);
        if (m) sizes.set(m[2], (sizes.get(m[2]) ?? 0) + Number(m[1]));
      }
      assert.deepEqual(Object.fromEntries(sizes), FILES, "isoinfo -l -R: sizes per file");
      const d = (await run("isoinfo", ["-d", "-i", image])).stdout;
      assert.equal(
        Number(/^Volume size is: (\d+)$/m.exec(d)?.[1]) * 2048,
        st.size,
        "volume space size × 2048",
      );

      // xorriso: sizes, and byte ranges cut out of the files.
      const lsl = (await run("xorriso", ["-indev", image, "-lsl", "/"])).stdout;
      const xsizes: Record<string, number> = {};
      for (const m of lsl.matchAll(/^-\S+\s+\d+\s+\S+\s+\S+\s+(\d+)\s+.*'([^']+)'$/gm)) {
        xsizes[m[2]] = Number(m[1]);
      }
      assert.deepEqual(xsizes, FILES, "xorriso -lsl: sizes");

      for (const [name, byteLength] of Object.entries(FILES)) {
        for (const at of [0, byteLength - MIB]) {
          const wanted = sha256(await readRange(`${tree}/${name}`, at, MIB));
          const viaDd = await ddFromExtents(image, isoFiles.get(name)!, at, MIB);
          assert.equal(sha256(viaDd), wanted, `${name} @${at}: dd at the extents`);
          const cut = `${tmp.path}/cut.bin`;
          await run("xorriso", [
            "-osirrox",
            "on",
            "-indev",
            image,
            "-extract_cut",
            `/${name}`,
            String(at),
            String(MIB),
            cut,
          ]);
          assert.equal(sha256(await Deno.readFile(cut)), wanted, `${name} @${at}: xorriso -extract_cut`);
          await Deno.remove(cut);
        }
      }
    },
    { skipReason },
  );
}
