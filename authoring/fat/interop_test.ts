/**
 * Our FAT images checked by independent readers: fsck.fat (dosfstools) must find nothing to fix,
 * mtools must list every name and read back every byte, and a PC booting the volume must show the
 * boot stub's message.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { writeRegionsToFile } from "../../image/region_writer.ts";
import { readRange, run, sha256File, tempDir, toolTest } from "../../tests/_tools.ts";
import { buildFatImageFromDirectory, fatTreeFromEntries } from "./build.ts";
import { type FatPlan, type FatPlanOptions, planFat } from "./planner.ts";
import { longNameProblem, nameKey } from "./short_name.ts";

const T = new Date(Date.UTC(2024, 4, 6, 7, 8, 10));
const FAT_TOOLS = ["fsck.fat", "mdir", "mtype", "mcopy", "minfo"];
/** mtools refuses some geometries without it; UTF-8 so that long names print as written. */
const MTOOLS_ENV = { MTOOLS_SKIP_CHECK: "1", LC_ALL: "C.UTF-8" };

/** Deterministic pseudo-random bytes. */
function bytesOf(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed * 2654435761 >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** The test tree: image path → bytes (null for a directory). */
function testTree(): Map<string, Uint8Array | null> {
  const tree = new Map<string, Uint8Array | null>([
    ["EFI/", null],
    ["EFI/BOOT/", null],
    ["EFI/BOOT/BOOTX64.EFI", bytesOf(150_000, 1)],
    ["A long name.text", new TextEncoder().encode("hello\n")],
    ["Ünïcödé файл ☃.txt", new TextEncoder().encode("unicode\n")],
    ["readme.txt", new TextEncoder().encode("lower case 8.3\n")],
    ["Mixed Case Dir/", null],
    ["Mixed Case Dir/archive.name.with.dots.tar.gz", bytesOf(5000, 2)],
    ["Mixed Case Dir/" + "x".repeat(200) + ".txt", bytesOf(10, 3)],
    ["empty.bin", new Uint8Array(0)],
    ["many/", null],
  ]);
  let deep = "deep";
  tree.set("deep/", null);
  for (let i = 1; i <= 12; i++) {
    deep += `/level ${i}`;
    tree.set(`${deep}/`, null);
  }
  tree.set(`${deep}/bottom.txt`, new TextEncoder().encode("deep\n"));
  for (let i = 0; i < 1000; i++) {
    tree.set(`many/entry number ${String(i).padStart(4, "0")}.txt`, new TextEncoder().encode(`${i}\n`));
  }
  return tree;
}

async function writeHostTree(root: string, tree: Map<string, Uint8Array | null>): Promise<void> {
  for (const [path, bytes] of tree) {
    if (bytes === null) await Deno.mkdir(`${root}/${path}`, { recursive: true });
    else await Deno.writeFile(`${root}/${path}`, bytes);
  }
}

/** fsck.fat -n -v: exit code 0, and its cluster summary agrees with the plan. */
async function checkFsck(image: string, plan: FatPlan): Promise<string> {
  const fsck = await run("fsck.fat", ["-n", "-v", image], { allowFail: true });
  assert.equal(fsck.code, 0, `fsck.fat found problems:\n${fsck.stdout}\n${fsck.stderr}`);
  const used = plan.clusterCount - plan.freeClusterCount;
  assert.match(fsck.stdout, new RegExp(`: \\d+ files, ${used}/${plan.clusterCount} clusters`));
  return fsck.stdout;
}

/** mdir -/ -b: every path of the tree, directories with a trailing "/". */
async function checkListing(image: string, tree: Map<string, Uint8Array | null>): Promise<void> {
  const mdir = await run("mdir", ["-i", image, "-/", "-b", "::"], {
    env: MTOOLS_ENV,
    allowFail: tree.size === 0,
  });
  const listed = mdir.stdout.split("\n").filter((line) => line !== "").sort();
  const expected = [...tree.keys()].map((path) => `::/${path}`).sort();
  assert.deepEqual(listed, expected);
}

async function readBack(image: string, path: string): Promise<Uint8Array> {
  return (await run("mcopy", ["-i", image, `::/${path}`, "-"], { env: MTOOLS_ENV })).stdoutBytes;
}

const VARIANTS: { name: string; fatType: 12 | 16 | 32; options: FatPlanOptions; clusterBytes: number }[] = [
  { name: "FAT12 1.44 MB floppy", fatType: 12, options: { size: "1440k" }, clusterBytes: 512 },
  {
    name: "FAT16 16 MiB",
    fatType: 16,
    options: { size: { byteLength: 16 * 1024 * 1024 } },
    clusterBytes: 2048,
  },
  {
    name: "FAT32 40 MiB, 512-byte clusters",
    fatType: 32,
    options: { size: { byteLength: 40 * 1024 * 1024 }, fatType: 32, sectorsPerCluster: 1 },
    clusterBytes: 512,
  },
];

for (const variant of VARIANTS) {
  toolTest(
    `FAT interop: ${variant.name} from a host tree — fsck.fat clean, mtools reads it all`,
    FAT_TOOLS,
    async () => {
      await using tmp = await tempDir("fat-interop-");
      const tree = testTree();
      await writeHostTree(`${tmp.path}/tree`, tree);
      const image = `${tmp.path}/fat.img`;
      const plan = await buildFatImageFromDirectory(`${tmp.path}/tree`, image, {
        ...variant.options,
        volumeLabel: "DISCWRIGHT",
        volumeSerial: 0x1234abcd,
        timestamp: T,
      });
      assert.equal(plan.fatType, variant.fatType);
      assert.equal(plan.clusterByteLength, variant.clusterBytes);
      assert.deepEqual(plan.diagnostics, []);
      assert.equal((await Deno.stat(image)).size, plan.sectorCount * 512);

      const fsck = await checkFsck(image, plan);
      assert.match(fsck, new RegExp(`${variant.fatType === 12 ? 12 : variant.fatType} bit entries`));
      await checkListing(image, tree);
      for (
        const path of [
          "EFI/BOOT/BOOTX64.EFI",
          "A long name.text",
          "Ünïcödé файл ☃.txt",
          "Mixed Case Dir/archive.name.with.dots.tar.gz",
          "Mixed Case Dir/" + "x".repeat(200) + ".txt",
          "empty.bin",
          "deep/level 1/level 2/level 3/level 4/level 5/level 6/level 7/level 8/level 9/level 10/level 11/level 12/bottom.txt",
          "many/entry number 0000.txt",
          "many/entry number 0999.txt",
        ]
      ) {
        assert.deepEqual(await readBack(image, path), tree.get(path), path);
      }
      const mtype = await run("mtype", ["-i", image, "::/readme.txt"], { env: MTOOLS_ENV });
      assert.equal(mtype.stdout, "lower case 8.3\n");

      const minfo = (await run("minfo", ["-i", image, "::"], { env: MTOOLS_ENV })).stdout;
      assert.match(minfo, /sector size: 512 bytes/);
      assert.match(minfo, new RegExp(`cluster size: ${variant.clusterBytes / 512} sectors`));
      assert.match(minfo, /fats: 2/);
      assert.match(minfo, /serial number: 1234ABCD/);
      assert.match(minfo, /disk label="DISCWRIGHT "/);
      assert.match(minfo, new RegExp(`disk type="FAT${variant.fatType}   "`));
      if (variant.fatType === 12) {
        assert.match(minfo, /sectors per track: 18\b/);
        assert.match(minfo, /heads: 2\b/);
        assert.match(minfo, /media descriptor byte: 0xf0/);
        assert.match(minfo, /max available root directory slots: 224/);
      }
      if (variant.fatType === 32) assert.match(minfo, /rootCluster=2/);
    },
  );
}

toolTest("FAT interop: an 'auto'-sized EFI image and an empty volume pass fsck.fat", FAT_TOOLS, async () => {
  await using tmp = await tempDir("fat-fit-");
  const esp = fatTreeFromEntries({
    "EFI/BOOT/BOOTX64.EFI": bytesOf(700_000, 9),
    "EFI/BOOT/grub.cfg": bytesOf(300, 4),
  }, T);
  for (
    const [name, tree, options] of [
      ["fit", esp, {}],
      ["fit-fat16", esp, { fatType: 16 }],
      ["fit-fat32", esp, { fatType: 32 }],
      ["empty", fatTreeFromEntries({}), { size: "2880k" }],
    ] as const
  ) {
    const plan = planFat(tree, { ...options, timestamp: T });
    const image = `${tmp.path}/${name}.img`;
    await writeRegionsToFile(plan.regions, image);
    await checkFsck(image, plan);
    if (name !== "empty") {
      assert.deepEqual(await readBack(image, "EFI/BOOT/BOOTX64.EFI"), bytesOf(700_000, 9), name);
    }
  }
});

toolTest(
  "FAT reproducibility: the same tree, time and serial give the same image bytes",
  ["fsck.fat"],
  async () => {
    await using tmp = await tempDir("fat-repro-");
    const tree = new Map([...testTree()].slice(0, 11));
    await writeHostTree(`${tmp.path}/tree`, tree);
    const options: FatPlanOptions = { size: "1440k", timestamp: T, volumeLabel: "REPRO" };
    await buildFatImageFromDirectory(`${tmp.path}/tree`, `${tmp.path}/a.img`, options);
    await buildFatImageFromDirectory(`${tmp.path}/tree`, `${tmp.path}/b.img`, options);
    assert.equal(await sha256File(`${tmp.path}/a.img`), await sha256File(`${tmp.path}/b.img`));
    // Without a fixed time the files' mtimes are used: still the same for an unchanged tree.
    const c = await buildFatImageFromDirectory(`${tmp.path}/tree`, `${tmp.path}/c.img`, {
      size: "1440k",
      volumeLabel: "X",
    });
    await buildFatImageFromDirectory(`${tmp.path}/tree`, `${tmp.path}/d.img`, {
      size: "1440k",
      volumeLabel: "X",
    });
    assert.equal(await sha256File(`${tmp.path}/c.img`), await sha256File(`${tmp.path}/d.img`));
    await checkFsck(`${tmp.path}/c.img`, c);
  },
);

toolTest(
  "FAT property: random small trees → fsck.fat clean, mtools lists every name",
  FAT_TOOLS,
  async () => {
    await using tmp = await tempDir("fat-prop-");
    // BMP characters only: mtools 4.0.32 shows each half of a surrogate pair as "_".
    const nameChar = fc.constantFrom(..."aAbBzZ09 .~-_+,;=[]$()éÄж☃");
    const name = fc.string({ unit: nameChar, minLength: 1, maxLength: 20 }).filter((n) =>
      longNameProblem(n) === undefined
    );
    const file = fc.record({ kind: fc.constant("file" as const), size: fc.integer({ min: 0, max: 3000 }) });
    type Node = { kind: "file"; size: number } | { kind: "dir"; children: [string, Node][] };
    const { node } = fc.letrec<{ node: Node }>((tie) => ({
      node: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        file,
        fc.record({
          kind: fc.constant("dir" as const),
          children: fc.uniqueArray(fc.tuple(name, tie("node")), {
            selector: ([n]) => nameKey(n),
            maxLength: 6,
          }),
        }),
      ),
    }));
    const rootChildren = fc.uniqueArray(fc.tuple(name, node), {
      selector: ([n]) => nameKey(n),
      maxLength: 8,
    });
    let run_ = 0;
    await fc.assert(
      fc.asyncProperty(
        rootChildren,
        fc.constantFrom(12 as const, 16 as const, 32 as const, "auto" as const),
        async (children, fatType) => {
          const tree = new Map<string, Uint8Array | null>();
          const walk = (prefix: string, list: [string, Node][]) => {
            for (const [n, child] of list) {
              if (child.kind === "file") tree.set(prefix + n, bytesOf(child.size, tree.size + 1));
              else {
                tree.set(`${prefix}${n}/`, null);
                walk(`${prefix}${n}/`, child.children);
              }
            }
          };
          walk("", children);
          const plan = planFat(fatTreeFromEntries(tree, T), { fatType, volumeLabel: "PROP" });
          const image = `${tmp.path}/prop-${run_++}.img`;
          await writeRegionsToFile(plan.regions, image);
          await checkFsck(image, plan);
          await checkListing(image, tree);
          // mcopy expands [ ] * ? in its arguments: read back a file whose path has none.
          const someFile = [...tree].find(([path, bytes]) =>
            bytes !== null && bytes.byteLength > 0 && !/[[\]*?]/.test(path)
          );
          if (someFile) assert.deepEqual(await readBack(image, someFile[0]), someFile[1]);
          await Deno.remove(image);
        },
      ),
      { numRuns: 100 },
    );
  },
);

/** Boots an image in QEMU (TCG) and returns the VGA text screen once `marker` shows up (or at the deadline). */
async function bootScreen(dir: string, driveArgs: string[], marker: string): Promise<string> {
  const dump = `vga-${crypto.randomUUID()}.bin`; // relative: the monitor reads "/" in a path as division
  const child = new Deno.Command("qemu-system-x86_64", {
    args: [
      "-machine",
      "accel=tcg",
      "-display",
      "none",
      "-nodefaults",
      "-vga",
      "std",
      "-monitor",
      "stdio",
      ...driveArgs,
    ],
    cwd: dir,
    stdin: "piped",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const writer = child.stdin.getWriter();
  let screen = "";
  try {
    const deadline = Date.now() + 40_000;
    while (Date.now() < deadline && !screen.includes(marker)) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      await writer.write(new TextEncoder().encode(`pmemsave 0xb8000 4000 ${dump}\n`));
      await new Promise((resolve) => setTimeout(resolve, 200));
      const bytes = await Deno.readFile(`${dir}/${dump}`).catch(() => new Uint8Array());
      screen = String.fromCharCode(...bytes.filter((_, i) => i % 2 === 0));
    }
  } finally {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
    await writer.close().catch(() => {});
    await child.status;
  }
  return screen;
}

toolTest(
  "FAT boot stub: a PC booting the volume is told there is nothing to start",
  ["qemu-system-x86_64"],
  async () => {
    await using tmp = await tempDir("fat-boot-");
    const tree = fatTreeFromEntries({ "EFI/BOOT/BOOTX64.EFI": bytesOf(1000, 5) }, T);
    const floppy = planFat(tree, { size: "1440k" });
    const disk = planFat(tree, { fatType: 32 });
    await writeRegionsToFile(floppy.regions, `${tmp.path}/floppy.img`);
    await writeRegionsToFile(disk.regions, `${tmp.path}/disk.img`);
    assert.deepEqual(await readRange(`${tmp.path}/disk.img`, 510, 2), Uint8Array.of(0x55, 0xaa));
    const marker = "has no operating system to start";
    const [fromFloppy, fromDisk] = await Promise.all([
      bootScreen(
        tmp.path,
        ["-drive", `file=${tmp.path}/floppy.img,format=raw,if=floppy`, "-boot", "a"],
        marker,
      ),
      bootScreen(tmp.path, ["-drive", `file=${tmp.path}/disk.img,format=raw,if=ide`, "-boot", "c"], marker),
    ]);
    assert.ok(fromFloppy.includes(marker), `floppy screen:\n${fromFloppy.replace(/\s+/g, " ")}`);
    assert.ok(fromDisk.includes(marker), `disk screen:\n${fromDisk.replace(/\s+/g, " ")}`);
  },
);

toolTest(
  "FAT interop: 7z lists names outside the BMP (surrogate pairs) that mtools cannot show",
  ["7z"],
  async () => {
    await using tmp = await tempDir("fat-7z-");
    const entries = new Map<string, Uint8Array | null>([
      ["emoji 😀 name.txt", bytesOf(20, 1)],
      ["𝔘𝔫𝔦𝔠𝔬𝔡𝔢 dir/", null],
      ["𝔘𝔫𝔦𝔠𝔬𝔡𝔢 dir/ünïcödé.bin", bytesOf(700, 2)],
    ]);
    for (const fatType of [12, 32] as const) {
      const plan = planFat(fatTreeFromEntries(entries, T), { fatType });
      const image = `${tmp.path}/fat${fatType}.img`;
      await writeRegionsToFile(plan.regions, image);
      const listing = await run("7z", ["l", "-slt", image], { env: { LC_ALL: "C.UTF-8" } });
      const paths = listing.stdout.split("\n").filter((l) => l.startsWith("Path = ")).map((l) => l.slice(7))
        .slice(1);
      assert.deepEqual(paths.sort(), [...entries.keys()].map((p) => p.replace(/\/$/, "")).sort());
      const extracted = await run("7z", ["e", "-so", image, "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 dir/ünïcödé.bin"], {
        env: { LC_ALL: "C.UTF-8" },
      });
      assert.deepEqual(extracted.stdoutBytes, entries.get("𝔘𝔫𝔦𝔠𝔬𝔡𝔢 dir/ünïcödé.bin"));
    }
  },
);
