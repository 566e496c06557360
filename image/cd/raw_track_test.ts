import assert from "node:assert/strict";
import { SourceError } from "../errors.ts";
import { RegionList } from "../regions.ts";
import { readRegionChunks } from "../region_writer.ts";
import {
  generatedDataSectors,
  mode1RawRegions,
  mode2Form1RawRegions,
  PREFETCH_CHUNKS,
  RAW_CHUNK_SECTORS,
} from "./raw_track.ts";
import { checkRawSector, classifyRawSector, userDataOf } from "./sector.ts";

// Enough chunks for the worker pool, for buffers the writer released to be reused by the chunks
// after the first PREFETCH_CHUNKS + 1, and a short last one.
const SECTORS = RAW_CHUNK_SECTORS * (PREFETCH_CHUNKS + 5) + 17;

function userData(): Uint8Array {
  return new Uint8Array(SECTORS * 2048).map((_, i) => (i * 7 + (i >> 11)) & 0xff);
}

async function readInOrder(list: RegionList): Promise<Uint8Array> {
  const out = new Uint8Array(list.byteLength);
  let at = 0;
  for await (const chunk of readRegionChunks(list)) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

for (
  const [name, encode, kind] of [
    ["Mode 1", mode1RawRegions, "mode1"],
    ["Mode 2 Form 1", mode2Form1RawRegions, "mode2-form1"],
  ] as const
) {
  Deno.test(`${name} raw track: read in order (worker pool) and at random (inline) give the same sound sectors`, async () => {
    const user = userData();
    const source = new RegionList([{ kind: "bytes", label: "user", bytes: user }]);
    const firstLba = 11_400;
    const inOrder = await readInOrder(encode(source, firstLba, "t"));
    assert.equal(inOrder.byteLength, SECTORS * 2352);
    for (let i = 0; i < SECTORS; i++) {
      const at = i * 2352;
      assert.equal(classifyRawSector(inOrder, at), kind);
      assert.deepEqual(checkRawSector(inOrder, at, firstLba + i), [], `sector ${i}`);
      assert.ok(
        userDataOf(inOrder, at).every((b, k) => b === user[i * 2048 + k]),
        `user data of sector ${i}`,
      );
    }
    // Random access: chunks out of order, encoded on this thread.
    const random = encode(source, firstLba, "t");
    for (const sector of [SECTORS - 1, 0, RAW_CHUNK_SECTORS * 5 + 3, 1]) {
      const bytes = await random.read(sector * 2352, 2352);
      assert.ok(bytes.every((b, k) => b === inOrder[sector * 2352 + k]), `random read of sector ${sector}`);
    }
  });
}

Deno.test("generated gap sectors carry their own LBA and zero data", async () => {
  const gap = await readInOrder(generatedDataSectors("mode1", 300, 150));
  for (let i = 0; i < 150; i++) {
    assert.deepEqual(checkRawSector(gap, i * 2352, 300 + i), []);
    assert.ok(userDataOf(gap, i * 2352).every((b) => b === 0));
  }
});

Deno.test("a data track from a host file (read by the encoder workers themselves) equals the same bytes given in memory", async () => {
  const user = userData();
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/data.iso`;
    await Deno.writeFile(path, new Uint8Array([...new Uint8Array(4096).fill(0xee), ...user]));
    // The track starts 4096 bytes into the file, as a region of a larger file would.
    const fromFile = new RegionList([
      {
        kind: "file",
        label: "data",
        path,
        fileByteOffset: 4096,
        byteLength: user.byteLength,
        fileByteLength: user.byteLength + 4096,
      },
    ]);
    const inMemory = new RegionList([{ kind: "bytes", label: "user", bytes: user }]);
    assert.deepEqual(
      await readInOrder(mode1RawRegions(fromFile, 0, "t")),
      await readInOrder(mode1RawRegions(inMemory, 0, "t")),
    );
    // A source that is no longer as scanned: one SourceError naming it.
    await Deno.truncate(path, 8192);
    await assert.rejects(readInOrder(mode1RawRegions(fromFile, 0, "t")), (e: unknown) => {
      assert.ok(e instanceof SourceError, String(e));
      assert.match(e.message, /changed size/);
      assert.match(e.message, /data\.iso/);
      return true;
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
