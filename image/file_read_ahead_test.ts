import assert from "node:assert/strict";
import { SourceError } from "./errors.ts";
import { FileReadAhead, READ_AHEAD_MIN_FILES } from "./file_read_ahead.ts";
import { RegionListBuilder } from "./regions.ts";
import { readRegionChunks, writeRegionsToFile } from "./region_writer.ts";

/** `count` files of varied sizes (0 bytes to 3 KiB, one of 1 MiB to make a batch of its own). */
async function makeFiles(dir: string, count: number): Promise<{ path: string; bytes: Uint8Array }[]> {
  const files = [];
  for (let i = 0; i < count; i++) {
    const size = i === 7 ? 1024 * 1024 : (i * 37) % 3072;
    const bytes = Uint8Array.from({ length: size }, (_, k) => (k * 13 + i) & 0xff);
    const path = `${dir}/f${i}.bin`;
    await Deno.writeFile(path, bytes);
    files.push({ path, bytes });
  }
  return files;
}

/** The parts back to back. */
async function concat(parts: Uint8Array[]): Promise<Uint8Array> {
  return new Uint8Array(await new Blob(parts as BlobPart[]).arrayBuffer());
}

Deno.test("read-ahead: many files come back in order, byte for byte, across batches and threads", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const files = await makeFiles(dir, 1500); // > 512 files per batch: several batches per thread
    using ahead = new FileReadAhead(files.map((f) => ({ path: f.path, byteLength: f.bytes.byteLength })));
    // Once a reader has answered, the files are taken: the readers and this thread share the rest.
    for (let waited = 0; ahead.batchesReadByThreads === 0 && waited < 20_000; waited += 10) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.ok(ahead.batchesReadByThreads > 0, "no reader thread answered");
    for (const f of files) assert.deepEqual(await ahead.next(), f.bytes, f.path);
    assert.ok(ahead.batchCount >= 3);
    assert.equal(ahead.batchesReadByThreads + ahead.batchesReadHere, ahead.batchCount);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("read-ahead: batches no reader has started are read on the asking thread, in order", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const files = await makeFiles(dir, 1500);
    // With no reader threads, no batch is ever started by one: this thread reads them all. (With
    // fresh threads, which side takes the first batch is a race; the test above checks that every
    // batch is read exactly once by one side.)
    const wholeFiles = files.map((f) => ({ path: f.path, byteLength: f.bytes.byteLength }));
    using ahead = new FileReadAhead(wholeFiles, { readerThreads: 0 });
    for (const f of files) {
      const next = ahead.next();
      assert.deepEqual(next instanceof Promise ? await next : next, f.bytes, f.path);
    }
    assert.ok(ahead.batchCount >= 3);
    assert.equal(ahead.batchesReadHere, ahead.batchCount);
    assert.equal(ahead.batchesReadByThreads, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

for (
  const [label, change, expected] of [
    [
      "grew",
      (p: string) => Deno.writeFileSync(p, new Uint8Array(5000)),
      /changed size .*\(100 -> 5000 bytes\)/,
    ],
    [
      "shrank",
      (p: string) => Deno.writeFileSync(p, new Uint8Array(10)),
      /changed size .*\(100 -> 10 bytes\)/,
    ],
    ["vanished", (p: string) => Deno.removeSync(p), /no such file/],
  ] as const
) {
  Deno.test(`read-ahead: a file that ${label} since the scan fails with a SourceError naming it`, async () => {
    const dir = await Deno.makeTempDir();
    try {
      const files = await makeFiles(dir, 400);
      const scanned = files.map((f) => ({ path: f.path, byteLength: f.bytes.byteLength }));
      const victim = `${dir}/victim.bin`;
      Deno.writeFileSync(victim, new Uint8Array(100));
      scanned.splice(300, 0, { path: victim, byteLength: 100 });
      change(victim);
      using ahead = new FileReadAhead(scanned);
      // The batch holding the file fails as a whole: the error may come a few files early.
      const readAll = async () => {
        for (let i = 0; i < scanned.length; i++) await ahead.next();
      };
      await assert.rejects(readAll(), (e: unknown) => {
        assert.ok(e instanceof SourceError, String(e));
        assert.match(e.message, expected);
        assert.match(e.message, /victim\.bin/);
        return true;
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("writer: with many small files (read ahead) the image equals the one read on the writer's thread", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const files = await makeFiles(dir, READ_AHEAD_MIN_FILES + 40);
    const regions = (list: typeof files) => {
      const b = new RegionListBuilder().bytes("head", Uint8Array.from([1, 2, 3]));
      for (const f of list) b.file(f.path, f.path, f.bytes.byteLength).zeros("pad", 5);
      return b.build();
    };
    const expected = await concat([
      Uint8Array.from([1, 2, 3]),
      ...files.flatMap((f) => [f.bytes, new Uint8Array(5)]),
    ]);
    const image = async (list: typeof files) => {
      const chunks: Uint8Array[] = [];
      for await (const chunk of readRegionChunks(regions(list))) chunks.push(chunk.slice());
      return concat(chunks);
    };
    assert.deepEqual(await image(files), expected);
    // The same files, fewer of them: read on the writer's thread, same bytes.
    const few = await image(files.slice(0, READ_AHEAD_MIN_FILES - 1));
    assert.deepEqual(few, expected.slice(0, few.byteLength));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writer: a file that grew among many small files → SourceError, no output or temporary file left", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/src`);
    const files = await makeFiles(`${dir}/src`, READ_AHEAD_MIN_FILES + 40);
    const b = new RegionListBuilder();
    for (const f of files) b.file(f.path, f.path, f.bytes.byteLength);
    const list = b.build();
    Deno.writeFileSync(files[200].path, new Uint8Array(files[200].bytes.byteLength + 1));
    await assert.rejects(writeRegionsToFile(list, `${dir}/out.iso`), (e: unknown) => {
      assert.ok(e instanceof SourceError, String(e));
      assert.match(e.message, /f200\.bin/);
      return true;
    });
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["src"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
