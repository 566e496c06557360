/**
 * Bench hygiene shared by the benchmarks that write large images.
 * @module
 */

/**
 * Writes `byteLength` zero bytes to a scratch file and deletes it, untimed, right before a run: every
 * tool then writes its image into memory the kernel has just had in use. Without it, on this
 * project's VM, the run after a large delete was slow or not at random (`perf`: 86 % of a slow run
 * in the kernel's copy into freshly allocated page-cache pages; a tool's 1.5 GB build took 0.7 s or
 * 5 s depending on what ran before it).
 */
export async function warmPageCache(dir: string, byteLength: number): Promise<void> {
  const path = `${dir}/warm-page-cache.tmp`;
  const block = new Uint8Array(256 * 1024);
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  try {
    for (let done = 0; done < byteLength; done += block.byteLength) {
      for (let at = 0; at < block.byteLength;) at += file.writeSync(block.subarray(at));
    }
  } finally {
    file.close();
    await Deno.remove(path).catch(() => {});
  }
  // No writeback of it may run during the measured run (a multi-threaded tool would lose a core to it).
  await new Deno.Command("sync").output().catch(() => undefined);
}
