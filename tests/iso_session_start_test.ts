/**
 * An ISO planned to start at a later session's LBA (`-C`-style, for a CD-Extra's data session):
 * every recorded LBA is absolute. Our reader and isoinfo (`-N`, the session offset) both read it.
 */
import assert from "node:assert/strict";
import { MemoryBlockDevice } from "../image/block_device.ts";
import { readRegionChunks } from "../image/region_writer.ts";
import { openIso } from "../authoring/iso9660/reader.ts";
import { defaultIsoPlanOptions, planIso } from "../authoring/iso9660/planner.ts";
import { scanSources } from "../authoring/source_tree.ts";
import { run, tempDir, toolTest } from "./_tools.ts";

const SESSION_LBA = 11_700;

async function bytesOf(list: Parameters<typeof readRegionChunks>[0]): Promise<Uint8Array> {
  const out = new Uint8Array(list.byteLength);
  let at = 0;
  for await (const chunk of readRegionChunks(list)) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

toolTest(
  "an ISO planned at a session start reads back at that LBA (ours and isoinfo -N)",
  ["isoinfo"],
  async () => {
    await using dir = await tempDir("session-start");
    await Deno.mkdir(`${dir.path}/tree/sub`, { recursive: true });
    await Deno.writeTextFile(`${dir.path}/tree/hello.txt`, "hello from session 2\n");
    await Deno.writeFile(`${dir.path}/tree/sub/data.bin`, new Uint8Array(5000).map((_, i) => i % 251));
    const tree = scanSources([{ hostPath: `${dir.path}/tree` }]);
    const options = defaultIsoPlanOptions({
      rockRidge: "rationalized",
      joliet: true,
      volumeTime: new Date(0),
    });
    const plan = planIso(tree, { ...options, sessionStartLba: SESSION_LBA });
    const flat = planIso(tree, options);
    assert.equal(plan.regions.byteLength, flat.regions.byteLength, "same size as the same tree at LBA 0");
    assert.equal(
      plan.volumeSpaceBlockCount,
      flat.volumeSpaceBlockCount + SESSION_LBA,
      "volume space counts from LBA 0",
    );
    const hello = plan.files.get("hello.txt")!;
    assert.ok(hello.lba > SESSION_LBA, `file extent ${hello.lba} is absolute`);

    const image = await bytesOf(plan.regions);
    const disc = new Uint8Array(SESSION_LBA * 2048 + image.byteLength);
    disc.set(image, SESSION_LBA * 2048);
    const iso = await openIso(new MemoryBlockDevice(disc, 2048), {
      sessionStartLba: SESSION_LBA,
      strict: true,
    });
    const names: string[] = [];
    for await (const entry of iso.walk()) names.push(entry.path);
    assert.deepEqual(names.sort(), ["hello.txt", "sub", "sub/data.bin"]);

    // isoinfo reads the session image file on its own, told where it starts on the disc.
    await Deno.writeFile(`${dir.path}/session.iso`, image);
    const listing = await run("isoinfo", [
      "-R",
      "-N",
      String(SESSION_LBA),
      "-i",
      `${dir.path}/session.iso`,
      "-l",
    ]);
    assert.match(listing.stdout, /hello\.txt/);
    assert.match(listing.stdout, /data\.bin/);
    const text = await run("isoinfo", [
      "-R",
      "-N",
      String(SESSION_LBA),
      "-i",
      `${dir.path}/session.iso`,
      "-x",
      "/hello.txt",
    ]);
    assert.equal(text.stdout, "hello from session 2\n");
  },
);
