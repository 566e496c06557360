/**
 * One behaviour suite run against every BlockDevice implementation (hono's common.case.test
 * style): each implementation supplies a factory that backs a device with given bytes.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  type BlockDevice,
  FileBlockDevice,
  MemoryBlockDevice,
  readDeviceBytes,
  RegionBlockDevice,
} from "./block_device.ts";
import { RegionListBuilder } from "./regions.ts";

/** Makes a device over `bytes`; `dispose` cleans up what the factory created. */
type DeviceFactory = (
  bytes: Uint8Array,
  blockByteLength: number,
) => Promise<{ device: BlockDevice; dispose: () => Promise<void> }>;

function patterned(byteLength: number, seed = 1): Uint8Array {
  const out = new Uint8Array(byteLength);
  let x = seed;
  for (let i = 0; i < byteLength; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

function expectedBlocks(bytes: Uint8Array, blockByteLength: number, lba: number, count: number): Uint8Array {
  const out = new Uint8Array(count * blockByteLength);
  const start = lba * blockByteLength;
  out.set(bytes.subarray(start, Math.min(bytes.byteLength, start + out.byteLength)));
  return out;
}

function runBlockDeviceSuite(name: string, make: DeviceFactory): void {
  const test = (what: string, fn: () => Promise<void>) => Deno.test(`BlockDevice ${name}: ${what}`, fn);

  test("block count and block size", async () => {
    const { device, dispose } = await make(patterned(4 * 2048), 2048);
    try {
      assert.equal(device.blockByteLength, 2048);
      assert.equal(device.blockCount, 4);
    } finally {
      await dispose();
    }
  });

  test("reads exact blocks at random", async () => {
    const bytes = patterned(10 * 2048, 7);
    const { device, dispose } = await make(bytes, 2048);
    try {
      for (const [lba, count] of [[0, 1], [3, 2], [9, 1], [0, 10], [5, 0]]) {
        const got = await device.read(lba, count);
        assert.equal(got.byteLength, count * 2048);
        assert.deepEqual(got, expectedBlocks(bytes, 2048, lba, count));
      }
    } finally {
      await dispose();
    }
  });

  test("a short final block reads zero-padded", async () => {
    const bytes = patterned(2 * 2048 + 100, 3);
    const { device, dispose } = await make(bytes, 2048);
    try {
      assert.equal(device.blockCount, 3);
      const last = await device.read(2, 1);
      assert.equal(last.byteLength, 2048);
      assert.deepEqual(last.subarray(0, 100), bytes.subarray(4096));
      assert.ok(last.subarray(100).every((b) => b === 0));
      assert.deepEqual(await device.read(1, 2), expectedBlocks(bytes, 2048, 1, 2));
    } finally {
      await dispose();
    }
  });

  test("reads outside the device are RangeErrors", async () => {
    const { device, dispose } = await make(patterned(3 * 2048), 2048);
    try {
      for (const [lba, count] of [[3, 1], [2, 2], [-1, 1], [0, -1], [0.5, 1], [1, 1.5], [4, 0]]) {
        await assert.rejects(device.read(lba, count), RangeError, `read(${lba}, ${count})`);
      }
      assert.equal((await device.read(3, 0)).byteLength, 0); // an empty read at the end is fine
    } finally {
      await dispose();
    }
  });

  test("other block sizes", async () => {
    const bytes = patterned(5 * 512 + 17, 11);
    const { device, dispose } = await make(bytes, 512);
    try {
      assert.equal(device.blockByteLength, 512);
      assert.equal(device.blockCount, 6);
      assert.deepEqual(await device.read(4, 2), expectedBlocks(bytes, 512, 4, 2));
    } finally {
      await dispose();
    }
  });

  test("returned bytes belong to the caller", async () => {
    const bytes = patterned(2 * 2048, 5);
    const { device, dispose } = await make(bytes, 2048);
    try {
      const first = await device.read(0, 1);
      first.fill(0xaa);
      assert.deepEqual(await device.read(0, 1), expectedBlocks(bytes, 2048, 0, 1));
    } finally {
      await dispose();
    }
  });

  test("concurrent reads return their own blocks", async () => {
    const bytes = patterned(64 * 2048, 9);
    const { device, dispose } = await make(bytes, 2048);
    try {
      const lbas = Array.from({ length: 64 }, (_, i) => (i * 37) % 64);
      const got = await Promise.all(lbas.map((lba) => device.read(lba, 1)));
      got.forEach((block, i) => assert.deepEqual(block, expectedBlocks(bytes, 2048, lbas[i], 1)));
    } finally {
      await dispose();
    }
  });

  test("readDeviceBytes reads unaligned byte ranges", async () => {
    const bytes = patterned(6 * 2048 + 300, 13);
    const { device, dispose } = await make(bytes, 2048);
    try {
      await fc.assert(
        fc.asyncProperty(fc.nat(bytes.byteLength), fc.nat(5000), async (offset, length) => {
          const end = Math.min(offset + length, bytes.byteLength);
          assert.deepEqual(await readDeviceBytes(device, offset, end - offset), bytes.subarray(offset, end));
        }),
        { numRuns: 60 },
      );
      await assert.rejects(readDeviceBytes(device, 7 * 2048 - 1, 2), RangeError);
    } finally {
      await dispose();
    }
  });
}

runBlockDeviceSuite("MemoryBlockDevice", (bytes, blockByteLength) =>
  Promise.resolve({
    device: new MemoryBlockDevice(bytes.slice(), blockByteLength),
    dispose: () => Promise.resolve(),
  }));

runBlockDeviceSuite("FileBlockDevice", async (bytes, blockByteLength) => {
  const path = await Deno.makeTempFile({ prefix: "discwright-bd-" });
  await Deno.writeFile(path, bytes);
  const device = await FileBlockDevice.open(path, blockByteLength);
  return {
    device,
    dispose: async () => {
      device.close();
      await Deno.remove(path);
    },
  };
});

runBlockDeviceSuite("RegionBlockDevice", async (bytes, blockByteLength) => {
  // Split the bytes over every region kind: in-memory bytes, a host file slice, zeros, lazy.
  const path = await Deno.makeTempFile({ prefix: "discwright-bd-" });
  await Deno.writeFile(path, bytes);
  const builder = new RegionListBuilder();
  const cuts = [0, Math.floor(bytes.byteLength / 4), Math.floor(bytes.byteLength / 2), bytes.byteLength];
  builder.bytes("head", bytes.slice(cuts[0], cuts[1]));
  builder.file("middle", path, bytes.byteLength, cuts[1], cuts[2] - cuts[1]);
  const tail = bytes.slice(cuts[2], cuts[3]);
  const zeroRun = tail.every((b) => b === 0);
  if (zeroRun) builder.zeros("tail", tail.byteLength);
  else {
    builder.add({
      kind: "lazy",
      label: "tail",
      byteLength: tail.byteLength,
      compute: () => tail,
    });
  }
  const device = new RegionBlockDevice(builder.build(), blockByteLength);
  return {
    device,
    dispose: async () => {
      device.close();
      await Deno.remove(path);
    },
  };
});

Deno.test("BlockDevice FileBlockDevice: using closes the file", async () => {
  const path = await Deno.makeTempFile({ prefix: "discwright-bd-" });
  try {
    await Deno.writeFile(path, patterned(4096));
    let kept: FileBlockDevice | undefined;
    {
      using device = await FileBlockDevice.open(path);
      kept = device;
      assert.equal((await device.read(1, 1)).byteLength, 2048);
    }
    await assert.rejects(kept.read(0, 1), TypeError);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("BlockDevice FileBlockDevice: refuses a directory and a bad block size", async () => {
  const dir = await Deno.makeTempDir({ prefix: "discwright-bd-" });
  try {
    await assert.rejects(FileBlockDevice.open(dir), Error);
    await assert.rejects(FileBlockDevice.open(dir, 0), RangeError);
  } finally {
    await Deno.remove(dir);
  }
});

Deno.test("BlockDevice RegionBlockDevice: zero regions read as zeros", async () => {
  const list = new RegionListBuilder().zeros("all", 3 * 2048 + 5).build();
  const device = new RegionBlockDevice(list);
  assert.equal(device.blockCount, 4);
  assert.ok((await device.read(0, 4)).every((b) => b === 0));
});
