import assert from "node:assert/strict";
import { scanSources, type SourceFile } from "./source_tree.ts";

Deno.test("scan: times are whole seconds, and equal times share one Date", async () => {
  const dir = await Deno.makeTempDir({ prefix: "scan-times-" });
  try {
    for (
      const [name, ms] of [["a", 1_700_000_000_250], ["b", 1_700_000_000_999], [
        "c",
        1_700_000_001_000,
      ]] as const
    ) {
      await Deno.writeTextFile(`${dir}/${name}`, name);
      await Deno.utime(`${dir}/${name}`, new Date(ms), new Date(ms));
    }
    const files = scanSources([{ hostPath: dir }]).root.children as SourceFile[];
    const [a, b, c] = ["a", "b", "c"].map((n) => files.find((f) => f.name === n)!);
    assert.equal(a.mtime.getTime(), 1_700_000_000_000);
    assert.equal(a.atime.getTime(), 1_700_000_000_000);
    assert.equal(b.mtime, a.mtime); // the same object
    assert.equal(c.mtime.getTime(), 1_700_000_001_000);
    assert.notEqual(c.mtime, a.mtime);
    for (const f of files) assert.equal(f.ctime.getTime() % 1000, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
