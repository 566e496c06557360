/** `deno task demo` (the README's first command) authors the example ISO and boots it. */
import assert from "node:assert/strict";
import { REPO_ROOT, run, toolTest } from "./_tools.ts";

toolTest(
  "deno task demo: builds, verifies, lists and boots the example under QEMU",
  ["qemu-system-x86_64"],
  async () => {
    const result = await run(Deno.execPath(), ["task", "demo"], { cwd: REPO_ROOT, allowFail: true });
    assert.equal(result.code, 0, result.stderr + result.stdout);
    assert.match(result.stdout, /OK: 0 errors, 0 warnings; .* El Torito/);
    for (const run of ["bios, cd", "bios, disk"]) {
      assert.match(result.stdout, new RegExp(`booted \\(${run}\\) and printed "DISCWRIGHT-BOOT-OK"`));
    }
    for (const run of ["uefi, cd", "uefi, disk"]) {
      assert.match(result.stdout, new RegExp(`booted \\(${run}\\) and printed "DISCWRIGHT-UEFI-OK"`));
    }
    assert.doesNotMatch(result.stdout, /SKIPPED/);
  },
);
