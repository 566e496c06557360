/**
 * tgt (the Linux SCSI target framework's user-space daemon) as a peer to compare our iSCSI target
 * with: `tgtd -f` on a free loopback port with its own control socket, one target whose LUNs are
 * the given images (LUN 0 is tgt's own controller), killed on dispose. Needs root.
 */
import { run } from "./_tools.ts";

/** A free loopback TCP port. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** A running tgtd. */
export interface Tgt extends AsyncDisposable {
  readonly port: number;
  readonly iqn: string;
  /** `iscsi://127.0.0.1:PORT/IQN/LUN` of the image given at index `n` (LUN n + 1). */
  url(n: number): string;
}

/**
 * Starts tgtd serving `luns` in order as LUN 1, 2, … (a CD LUN with `cd: true`).
 *
 * @example
 * ```ts
 * await using tgt = await startTgt([{ path: "disk.img" }, { path: "cd.iso", cd: true }]);
 * console.log(tgt.url(1)); // iscsi://127.0.0.1:PORT/iqn…/2
 * ```
 */
export async function startTgt(luns: readonly { path: string; cd?: boolean }[]): Promise<Tgt> {
  const port = freePort();
  const control = String(100 + (port % 800));
  const iqn = "iqn.2026-12.dev.discwright:tgt";
  const daemon = new Deno.Command("tgtd", {
    args: ["-f", "-C", control, "--iscsi", `portal=127.0.0.1:${port}`],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const stop = async () => {
    try {
      daemon.kill("SIGKILL"); // tgtd -f ignores SIGTERM
    } catch {
      // already gone
    }
    await daemon.status;
  };
  const tgtadm = (...args: string[]) =>
    run("tgtadm", ["-C", control, "--lld", "iscsi", ...args], { allowFail: true });
  try {
    for (let attempt = 0;; attempt++) {
      const made = await tgtadm("--op", "new", "--mode", "target", "--tid", "1", "-T", iqn);
      if (made.code === 0) break;
      if (attempt >= 50) throw new Error(`tgtd did not start: ${made.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    for (const [n, lun] of luns.entries()) {
      const added = await tgtadm(
        ...["--op", "new", "--mode", "logicalunit", "--tid", "1", "--lun", String(n + 1), "-b", lun.path],
        ...(lun.cd ? ["--device-type", "cd"] : []),
      );
      if (added.code !== 0) throw new Error(`tgtadm could not add ${lun.path}: ${added.stderr}`);
    }
    const bound = await tgtadm("--op", "bind", "--mode", "target", "--tid", "1", "-I", "ALL");
    if (bound.code !== 0) throw new Error(`tgtadm could not bind: ${bound.stderr}`);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    port,
    iqn,
    url: (n) => `iscsi://127.0.0.1:${port}/${iqn}/${n + 1}`,
    [Symbol.asyncDispose]: stop,
  };
}
