import assert from "node:assert/strict";
import {
  DENO_HOST_FS,
  type HostFs,
  linuxHostFs,
  S_IFDIR,
  S_IFIFO,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
} from "./host_fs.ts";
import { scanSources } from "../authoring/source_tree.ts";
import { makeInteropTree } from "../tests/_fixtures.ts";
import { describeOsError } from "./regions.ts";

const LINUX_FFI_EXPECTED = Deno.build.os === "linux" &&
  (Deno.build.arch === "x86_64" || Deno.build.arch === "aarch64");

/** The Linux implementation, which must exist wherever it is expected (tests run with -A). */
function linux(): HostFs {
  const fs = linuxHostFs();
  assert.ok(fs, "linuxHostFs() is unavailable on Linux with FFI permission");
  return fs;
}

/** A tree with every kind of entry the scan meets, plus a FIFO and a name that is not UTF-8. */
async function makeTree(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "host-fs-" });
  await makeInteropTree(dir);
  const made = await new Deno.Command("sh", {
    args: ["-c", `mkfifo "$1/fifo" && : > "$1/$(printf 'bad\\377name')"`, "sh", dir],
  }).output();
  assert.ok(made.success, new TextDecoder().decode(made.stderr));
  return dir;
}

/** Every directory below `root` (root included), depth first, by Deno's listing. */
function directories(root: string): string[] {
  const found = [root];
  for (const entry of Deno.readDirSync(root)) {
    if (entry.isDirectory) found.push(...directories(`${root}/${entry.name}`));
  }
  return found;
}

Deno.test({
  name: "host fs: Linux getdents64/statx answers as Deno's readDirSync/lstatSync on every entry",
  ignore: !LINUX_FFI_EXPECTED,
  async fn() {
    const root = await makeTree();
    try {
      const fast = linux();
      assert.equal(fast.kind, "linux");
      // Reading a directory sets its access time once (relatime): settle it before comparing.
      for (const path of directories(root)) [...Deno.readDirSync(path)];
      let compared = 0;
      const kinds = new Set<number>();
      for (const path of directories(root)) {
        const a = fast.openDirectory(path);
        const b = DENO_HOST_FS.openDirectory(path);
        try {
          assert.deepEqual([...a.names].sort(), [...b.names].sort(), path);
          for (const name of a.names) {
            for (const follow of [false, true]) {
              let expected;
              try {
                expected = b.stat(name, follow);
              } catch (error) {
                // A dangling link, followed: both fail alike.
                assert.throws(() => a.stat(name, follow), (e) => e instanceof (error as Error).constructor);
                continue;
              }
              const actual = a.stat(name, follow);
              assert.deepEqual(actual, expected, `${path}/${name} (follow ${follow})`);
              kinds.add(actual.mode & S_IFMT);
              compared++;
            }
          }
        } finally {
          a.close();
          b.close();
        }
        assert.deepEqual(fast.stat(path, false), DENO_HOST_FS.stat(path, false), path);
      }
      assert.ok(compared > 100, `only ${compared} entries compared`);
      assert.deepEqual([...kinds].sort(), [S_IFIFO, S_IFDIR, S_IFREG, S_IFLNK].sort());
      // The name that is not UTF-8 comes through as Deno gives it (with U+FFFD).
      assert.ok(fast.openDirectory(root).names.includes("bad\uFFFDname"));
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test({
  name: "host fs: Linux errors are Deno's error classes with the system's message",
  ignore: !LINUX_FFI_EXPECTED,
  async fn() {
    const root = await Deno.makeTempDir({ prefix: "host-fs-" });
    try {
      await Deno.writeTextFile(`${root}/file`, "x");
      const fast = linux();
      for (const fs of [fast, DENO_HOST_FS]) {
        assert.throws(() => fs.stat(`${root}/missing`, false), (e) => {
          assert.ok(e instanceof Deno.errors.NotFound, `${fs.kind}: ${e}`);
          assert.equal(describeOsError(e), "no such file");
          return true;
        });
        assert.throws(() => fs.openDirectory(`${root}/file`), Deno.errors.NotADirectory, fs.kind);
        assert.throws(() => fs.openDirectory(`${root}/missing`), Deno.errors.NotFound, fs.kind);
        assert.throws(() => fs.stat(`${root}/file/below`, false), Deno.errors.NotADirectory, fs.kind);
      }
      assert.throws(() => fast.stat(`${root}/missing`, false), /No such file or directory \(os error 2\)/);
      // A closed directory refuses further stats instead of using a reused descriptor.
      const dir = fast.openDirectory(root);
      dir.close();
      assert.throws(() => dir.stat("file", false), /closed/);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test({
  name: "host fs: a scan through either implementation gives the same source tree",
  ignore: !LINUX_FFI_EXPECTED,
  async fn() {
    const root = await makeTree();
    try {
      await Deno.remove(`${root}/bad\uFFFDname`).catch(() => {}); // not removable by its lossy name
      await new Deno.Command("sh", { args: ["-c", `rm -f "$1"/bad*name`, "sh", root] }).output();
      // Reading a directory sets its access time once (relatime): settle it before comparing.
      scanSources([{ hostPath: root }], { hostFs: DENO_HOST_FS });
      for (const followLinks of [false, true]) {
        const options = { followLinks, exclude: ["dangling", "abslink"] }; // targets that do not exist
        const viaLinux = scanSources([{ hostPath: root }], { ...options, hostFs: linux() });
        const viaDeno = scanSources([{ hostPath: root }], { ...options, hostFs: DENO_HOST_FS });
        // Virtual directories take the scan's clock: compare the scanned part, the root's children.
        assert.deepEqual(viaLinux.root.children, viaDeno.root.children, `followLinks ${followLinks}`);
        assert.ok(viaLinux.root.children.length > 5);
      }
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test({
  name: "host fs: readFile reads whole files alike through both implementations, and fails alike",
  ignore: !LINUX_FFI_EXPECTED,
  async fn() {
    const root = await Deno.makeTempDir({ prefix: "host-fs-" });
    try {
      const sizes = [0, 1, 4095, 4096, 70_000];
      for (const size of sizes) {
        await Deno.writeFile(`${root}/f${size}`, new Uint8Array(size).map((_, i) => (i * 31 + size) & 0xff));
      }
      await Deno.mkdir(`${root}/dir`);
      for (const fs of [linux(), DENO_HOST_FS]) {
        for (const size of sizes) {
          const expected = await Deno.readFile(`${root}/f${size}`);
          // One byte of room past the size: the read ends at the size.
          const into = new Uint8Array(size + 1).fill(0xee);
          assert.equal(fs.readFile(`${root}/f${size}`, into, size), size, `${fs.kind} f${size}`);
          assert.deepEqual(into.subarray(0, size), expected);
          assert.equal(into[size], 0xee);
          // Told a smaller size, it reads on and shows that the file is longer.
          if (size > 0) {
            const grown = new Uint8Array(size + 1);
            assert.equal(fs.readFile(`${root}/f${size}`, grown, size - 1), size, `${fs.kind} f${size} grown`);
          }
          // Told a larger size, it stops at the end.
          assert.equal(fs.readFile(`${root}/f${size}`, new Uint8Array(size + 10), size + 5), size);
        }
        assert.throws(() => fs.readFile(`${root}/missing`, new Uint8Array(1), 0), Deno.errors.NotFound);
        assert.throws(() => fs.readFile(`${root}/dir`, new Uint8Array(1), 0), Deno.errors.IsADirectory);
      }
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test({
  name: "host fs: a directory larger than one getdents64 buffer is listed whole",
  ignore: !LINUX_FFI_EXPECTED,
  async fn() {
    const root = await Deno.makeTempDir({ prefix: "host-fs-" });
    try {
      // 3,000 names of 40 bytes: about 170 KB of directory records, several 64 KiB reads.
      const expected: string[] = [];
      for (let i = 0; i < 3000; i++) {
        const name = `entry-${String(i).padStart(6, "0")}-${"x".repeat(27)}`;
        expected.push(name);
        await Deno.writeFile(`${root}/${name}`, new Uint8Array(0));
      }
      const dir = linux().openDirectory(root);
      try {
        assert.deepEqual([...dir.names].sort(), expected);
      } finally {
        dir.close();
      }
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});
