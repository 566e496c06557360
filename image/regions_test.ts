import assert from "node:assert/strict";
import fc from "fast-check";
import { SourceError } from "./errors.ts";
import { overlay, RegionListBuilder } from "./regions.ts";
import { CHUNK_BYTES, readRegionChunks, regionStream, writeRegionsToFile } from "./region_writer.ts";

async function collect(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

Deno.test("regions: random reads equal the streamed image, for every region kind", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/f.bin`;
    const fileBytes = Uint8Array.from({ length: 5000 }, (_, i) => (i * 7) & 0xff);
    await Deno.writeFile(path, fileBytes);
    const list = new RegionListBuilder()
      .bytes("head", Uint8Array.from([1, 2, 3]))
      .zeros("gap", 10)
      .file("file", path, 5000, 100, 4000)
      .add({ kind: "lazy", label: "lazy", byteLength: 4, compute: () => Uint8Array.from([9, 9, 9, 9]) })
      .build();
    const expected = new Uint8Array(3 + 10 + 4000 + 4);
    expected.set([1, 2, 3]);
    expected.set(fileBytes.subarray(100, 4100), 13);
    expected.set([9, 9, 9, 9], 4013);
    assert.deepEqual(await collect(regionStream(list)), expected);
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: expected.length }), fc.nat({ max: 300 }), async (at, length) => {
        const n = Math.min(length, expected.length - at);
        assert.deepEqual(await list.read(at, n), expected.subarray(at, at + n));
      }),
    );
    list.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("regions: overlay splits the regions underneath", async () => {
  const list = new RegionListBuilder().zeros("a", 100).zeros("b", 100).build();
  const patched = overlay(list, 90, Uint8Array.from({ length: 20 }, () => 0xff));
  assert.equal(patched.byteLength, 200);
  const bytes = await patched.read(0, 200);
  assert.ok(bytes.subarray(0, 90).every((b) => b === 0));
  assert.ok(bytes.subarray(90, 110).every((b) => b === 0xff));
  assert.ok(bytes.subarray(110).every((b) => b === 0));
});

Deno.test("writer: a source that changed size is an error and no output file is left", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/grows.bin`;
    await Deno.writeFile(path, new Uint8Array(100));
    const list = new RegionListBuilder().file("grows", path, 100).build();
    await Deno.writeFile(path, new Uint8Array(150)); // changed after it was scanned
    await assert.rejects(writeRegionsToFile(list, `${dir}/out.iso`), (e: unknown) => {
      assert.ok(e instanceof SourceError);
      assert.match(e.message, /changed size/);
      assert.match(e.message, /grows\.bin/);
      return true;
    });
    const left = [...Deno.readDirSync(dir)].map((e) => e.name);
    assert.deepEqual(left, ["grows.bin"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writer: an existing image is replaced by a new file (a hard link keeps the old bytes); a folder in the way is an error", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const out = `${dir}/out.iso`;
    await Deno.writeFile(out, new Uint8Array(5000).fill(1));
    await Deno.link(out, `${dir}/old.iso`);
    const list = new RegionListBuilder().bytes("new", new Uint8Array(4096).fill(2)).build();
    await writeRegionsToFile(list, out);
    assert.deepEqual(await Deno.readFile(out), new Uint8Array(4096).fill(2));
    // Unlinked, not truncated: whoever still has the old image keeps it whole.
    assert.deepEqual(await Deno.readFile(`${dir}/old.iso`), new Uint8Array(5000).fill(1));
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), ["old.iso", "out.iso"]);

    await Deno.mkdir(`${dir}/folder.iso`);
    await assert.rejects(writeRegionsToFile(list, `${dir}/folder.iso`), (e: unknown) => {
      assert.ok(e instanceof SourceError);
      assert.match(e.message, /^Cannot write the image: .*folder\.iso"$/);
      return true;
    });
    assert.ok(Deno.statSync(`${dir}/folder.iso`).isDirectory);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), [
      "folder.iso",
      "old.iso",
      "out.iso",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writer: small regions are packed into large chunks", async () => {
  const builder = new RegionListBuilder();
  for (let i = 0; i < 1000; i++) builder.bytes(`r${i}`, new Uint8Array(2048).fill(i & 0xff));
  const list = builder.build();
  const sizes: number[] = [];
  for await (const chunk of readRegionChunks(list)) sizes.push(chunk.byteLength);
  assert.equal(sizes.reduce((a, b) => a + b, 0), 2048 * 1000);
  // Full chunks but the last: 1000 regions become ceil(2 MB / CHUNK_BYTES) writes.
  assert.equal(sizes.length, Math.ceil((2048 * 1000) / CHUNK_BYTES), `chunks: ${sizes.length}`);
  assert.ok(sizes.slice(0, -1).every((n) => n === CHUNK_BYTES));
});

Deno.test("concurrent reads of one source file each get their own bytes (no shared file position)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const bytes = new Uint8Array(1 << 20).map((_, i) => (i * 7 + (i >> 10)) & 0xff);
    const path = `${dir}/source.bin`;
    await Deno.writeFile(path, bytes);
    const builder = new RegionListBuilder();
    builder.file("source", path, bytes.byteLength);
    const list = builder.build();
    await list.read(0, 16); // an open, cached handle: the concurrent reads below all want it
    const offsets = Array.from({ length: 64 }, (_, k) => (k * 15_731) % (bytes.byteLength - 65_536));
    const reads = await Promise.all(offsets.map((at) => list.read(at, 65_536)));
    reads.forEach((got, k) => {
      const want = bytes.subarray(offsets[k], offsets[k] + 65_536);
      assert.ok(got.every((b, i) => b === want[i]), `read ${k} at ${offsets[k]}`);
    });
    list.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writer: each computed region is released once, after its bytes were passed on", async () => {
  const released: string[] = [];
  const lazy = (label: string, byteLength: number) => ({
    kind: "lazy" as const,
    label,
    byteLength,
    compute: () => new Uint8Array(byteLength).fill(label.charCodeAt(0)),
    release: () => released.push(label),
  });
  // A small one (copied into the shared chunk) and one of several whole chunks (passed on as views).
  const list = new RegionListBuilder().add(lazy("a", 100)).add(lazy("b", CHUNK_BYTES * 2 + 7)).zeros("z", 3)
    .build();
  const seen: string[][] = [];
  for await (const _chunk of readRegionChunks(list)) seen.push([...released]);
  // Chunk 1: a and the start of b copied; chunk 2: a view of b's bytes (b still in use);
  // chunk 3: b's last 107 bytes copied and the zeros.
  assert.deepEqual(seen, [["a"], ["a"], ["a", "b"]]);
  assert.deepEqual(released, ["a", "b"]);
});
