import assert from "node:assert/strict";
import type { SourceDirectory, SourceFile, SourceNode, SourceTree } from "../source_tree.ts";
import { decodeDirectoryRecord, FILE_FLAGS } from "./directory_record.ts";
import { decodePathTable } from "./path_table.ts";
import { defaultIsoPlanOptions, FULL_SECTION_BYTES, planIso, sectionLengths } from "./planner.ts";
import { decodeSuspEntries } from "./susp.ts";
import { decodeVolumeDescriptor, SECTOR_BYTES } from "./volume_descriptor.ts";

const time = new Date(Date.UTC(2024, 0, 2, 3, 4, 5));
const common = {
  uid: 1000,
  gid: 1000,
  mtime: time,
  atime: time,
  ctime: time,
  hiddenIso: false,
  hiddenJoliet: false,
  sortWeight: 0,
};

function file(name: string, byteLength: number, extra: Partial<SourceFile> = {}): SourceFile {
  return {
    ...common,
    kind: "file",
    name,
    hostPath: `/nonexistent/${name}`,
    mode: 0o100644,
    byteLength,
    inodeKey: undefined,
    ...extra,
  };
}
function dir(name: string, children: SourceNode[]): SourceDirectory {
  return { ...common, kind: "directory", name, hostPath: undefined, mode: 0o40755, children };
}
function tree(children: SourceNode[]): SourceTree {
  return { root: dir("", children), diagnostics: [] };
}

async function sector(plan: ReturnType<typeof planIso>, lba: number, count = 1): Promise<Uint8Array> {
  return await plan.regions.read(lba * SECTOR_BYTES, count * SECTOR_BYTES);
}

Deno.test("planner: sections of multi-extent files (4 GiB − 1, 4 GiB, 4 GiB + 1)", () => {
  assert.deepEqual(sectionLengths(2 ** 32 - 1), [2 ** 32 - 1]);
  assert.deepEqual(sectionLengths(2 ** 32), [FULL_SECTION_BYTES, 2048]);
  assert.deepEqual(sectionLengths(2 ** 32 + 1), [FULL_SECTION_BYTES, 2049]);
  assert.deepEqual(sectionLengths(2 ** 32 + 4096), [FULL_SECTION_BYTES, 6144]); // iso9660.md §9 example
});

Deno.test("planner: a 4 GiB + 4096 file is two records, the first flagged multi-extent, contiguous LBAs", async () => {
  const options = defaultIsoPlanOptions({
    volumeTime: time,
    naming: { ...defaultIsoPlanOptions().naming, level: 3 },
  });
  const plan = planIso(tree([file("big.bin", 2 ** 32 + 4096)]), options);
  const pvd = decodeVolumeDescriptor(await sector(plan, 16), 16);
  const root = await sector(plan, pvd.rootDirectoryRecord.extentLba);
  let at = root[0] + root[34]; // skip "." and ".."
  const first = decodeDirectoryRecord(root, at);
  at += root[at];
  const second = decodeDirectoryRecord(root, at);
  assert.equal(first.dataByteLength, FULL_SECTION_BYTES);
  assert.equal(first.fileFlags & FILE_FLAGS.multiExtent, FILE_FLAGS.multiExtent);
  assert.equal(second.dataByteLength, 6144);
  assert.equal(second.fileFlags, 0);
  assert.equal(second.extentLba, first.extentLba + FULL_SECTION_BYTES / SECTOR_BYTES);
  assert.deepEqual(new TextDecoder().decode(first.identifier), "BIG.BIN;1");
  assert.deepEqual(first.identifier, second.identifier);
});

Deno.test("planner: 4 GiB at level 2 is refused with the file and the option named", () => {
  const options = defaultIsoPlanOptions({ naming: { ...defaultIsoPlanOptions().naming, level: 2 } });
  assert.throws(() => planIso(tree([file("big.bin", 2 ** 32)]), options), /big\.bin.*-iso-level 3/);
});

Deno.test("planner: hard links share one extent; extents of different files never overlap", () => {
  const plan = planIso(
    tree([
      file("a", 5000, { inodeKey: "1:2" }),
      dir("d", [file("b", 5000, { inodeKey: "1:2" }), file("c", 1)]),
      file("e", 0),
    ]),
    defaultIsoPlanOptions({ rockRidge: "on", joliet: true }),
  );
  const a = plan.files.get("a")!;
  assert.equal(plan.files.size, 3); // a (=b), c, e
  const ranges = [...plan.files.values()].filter((f) => f.byteLength > 0)
    .map((f) => [f.lba, f.lba + Math.ceil(f.byteLength / 2048)]).sort((x, y) => x[0] - y[0]);
  for (let i = 1; i < ranges.length; i++) assert.ok(ranges[i][0] >= ranges[i - 1][1]);
  assert.ok(a.lba > 16);
});

Deno.test("planner: path tables are breadth-first, grouped by parent, L equals M", async () => {
  const plan = planIso(
    tree([dir("zz", [dir("b", [])]), dir("aa", [dir("c", []), dir("a", [])])]),
    defaultIsoPlanOptions({ volumeTime: time }),
  );
  const pvd = decodeVolumeDescriptor(await sector(plan, 16), 16);
  const l = decodePathTable(
    (await sector(plan, pvd.typeLPathTableLba)).subarray(0, pvd.pathTableByteLength),
    true,
    0,
  );
  const m = decodePathTable(
    (await sector(plan, pvd.typeMPathTableLba)).subarray(0, pvd.pathTableByteLength),
    false,
    0,
  );
  assert.deepEqual(l, m);
  const names = l.map((r) => new TextDecoder().decode(r.identifier));
  assert.deepEqual(names, ["\0", "AA", "ZZ", "A", "C", "B"]);
  assert.deepEqual(l.map((r) => r.parentDirectoryNumber), [1, 1, 1, 2, 2, 3]);
});

Deno.test("planner: a 250-byte Rock Ridge name goes through a continuation area inside one block", async () => {
  const long = "n".repeat(250);
  const plan = planIso(tree([file(long, 10)]), defaultIsoPlanOptions({ rockRidge: "on", volumeTime: time }));
  const pvd = decodeVolumeDescriptor(await sector(plan, 16), 16);
  const root = await sector(plan, pvd.rootDirectoryRecord.extentLba);
  const at = root[0] + root[root[0]];
  const record = decodeDirectoryRecord(root, at);
  const entries = decodeSuspEntries(record.systemUse);
  const ce = entries.find((e) => e.signature === "CE");
  assert.ok(ce && ce.signature === "CE");
  assert.ok(ce.byteOffset + ce.byteLength <= 2048);
  const area = (await sector(plan, ce.blockLba)).subarray(ce.byteOffset, ce.byteOffset + ce.byteLength);
  const all = [...entries, ...decodeSuspEntries(area)];
  const name = all.filter((e) => e.signature === "NM").map((e) =>
    new TextDecoder().decode((e as { name: Uint8Array }).name)
  )
    .join("");
  assert.equal(name, long);
});

Deno.test("planner: the same tree and options give identical bytes", async () => {
  const t = tree([dir("d", [file("x", 3000)]), file("y", 10)]);
  const a = planIso(
    t,
    defaultIsoPlanOptions({ rockRidge: "on", joliet: true, volumeTime: time, fileTimeOverride: time }),
  );
  const b = planIso(
    t,
    defaultIsoPlanOptions({ rockRidge: "on", joliet: true, volumeTime: time, fileTimeOverride: time }),
  );
  const metadataBytes = a.files.get("d/x")!.lba * SECTOR_BYTES;
  assert.deepEqual(await a.regions.read(0, metadataBytes), await b.regions.read(0, metadataBytes));
});

Deno.test("planner: a virtual file's regions are written as its data, placed by sort weight", async () => {
  const t = tree([file("a.txt", 10)]);
  const { addVirtualFile } = await import("../source_tree.ts");
  addVirtualFile(t, {
    isoPath: "boot/catalog.bin",
    contents: [{ kind: "bytes", label: "catalog", bytes: new Uint8Array(2048).fill(0xab) }],
    time,
    sortWeight: 100,
  });
  const plan = planIso(t, defaultIsoPlanOptions({ volumeTime: time }));
  const catalog = plan.files.get("boot/catalog.bin")!;
  assert.equal(catalog.byteLength, 2048);
  assert.ok(catalog.lba < plan.files.get("a.txt")!.lba); // heavier first
  const bytes = await plan.regions.read(catalog.lba * SECTOR_BYTES, 2048);
  assert.ok(bytes.every((b) => b === 0xab));
});
