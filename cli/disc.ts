/**
 * `deno run -A cli/disc.ts <command>`: build, info, ls, extract, verify.
 *
 * Thin: parse arguments, call the library through mod.ts, print. Exit 0 ok, 1 failure, 2 usage.
 * @module
 */

import { Command, CommanderError, Option } from "commander";
import {
  type BootMedia,
  bootTest,
  bootTestJunit,
  describeIso,
  DISCWRIGHT_VERSION,
  extractIso,
  FileBlockDevice,
  type Firmware,
  formatIsoInfo,
  type IsoEntry,
  type IsoView,
  openIso,
  UsageError,
  verifyIso,
} from "../mod.ts";
import { buildMain } from "./build.ts";
import { runMain } from "./_main.ts";

const VIEWS: readonly IsoView[] = ["rockridge", "joliet", "iso9660"];

/**
 * Runs `disc` with `args` and returns the exit code.
 *
 * @example
 * ```ts
 * const code = await discMain(["info", "out.iso", "--json"]);
 * ```
 */
export async function discMain(args: readonly string[]): Promise<number> {
  let code = 0;
  const program = new Command("disc")
    .description("Author, read, convert and serve optical disc images.")
    .version(DISCWRIGHT_VERSION)
    .option("--debug", "print stack traces of errors")
    .exitOverride()
    .enablePositionalOptions()
    .configureOutput({ outputError: () => {} })
    .showHelpAfterError(false);

  program.command("build")
    .description("build an ISO image; takes the options of xorriso -as mkisofs (see `disc build -help`)")
    .allowUnknownOption()
    .passThroughOptions()
    .helpOption(false)
    .argument("[args...]")
    .action(async (rest: string[]) => {
      code = await buildMain(rest);
    });

  const viewOption = () =>
    new Option("--view <view>", "which directory tree to read (default: the best the image has)").choices(
      VIEWS,
    );

  program.command("info")
    .description("show volume descriptors, sizes and the extensions present")
    .argument("<image>")
    .option("--json", "print JSON")
    .action(async (imagePath: string, opts: { json?: boolean }) => {
      using device = await FileBlockDevice.open(imagePath);
      const image = await openIso(device);
      const info = await describeIso(image);
      console.log(opts.json ? JSON.stringify(info, null, 2) : formatIsoInfo(info));
    });

  program.command("ls")
    .description("list a directory of the image")
    .argument("<image>")
    .argument("[path]", "directory or file inside the image", "/")
    .option("-l, --long", "long listing: mode, links, owner, size, date")
    .option("-R, --recursive", "list subdirectories too")
    .addOption(viewOption())
    .action(
      async (
        imagePath: string,
        path: string,
        opts: { long?: boolean; recursive?: boolean; view?: IsoView },
      ) => {
        using device = await FileBlockDevice.open(imagePath);
        const image = await openIso(device);
        const view = opts.view ?? image.defaultView;
        if (!image.views.includes(view)) {
          throw new UsageError(`Cannot list: "${imagePath}" has no ${view} tree`);
        }
        const entry = await image.lookup(path, view);
        if (!entry) throw new Error(`Cannot list: no "${path}" in "${imagePath}"`);
        const entries: IsoEntry[] = [];
        if (entry.kind !== "directory") entries.push(entry);
        else if (opts.recursive) {
          for await (const e of image.walk(view, entry.path)) if (e.path !== entry.path) entries.push(e);
        } else for await (const e of image.readDirectory(entry.path, view)) entries.push(e);
        for (const e of entries) {
          console.log(opts.long ? longLine(e, !!opts.recursive) : opts.recursive ? e.path : e.name);
        }
      },
    );

  program.command("extract")
    .description("extract files; names that would escape DEST are refused, links are never followed")
    .argument("<image>")
    .argument("<dest>")
    .argument("[path]", "only this directory or file")
    .addOption(viewOption())
    .action(async (imagePath: string, dest: string, path: string | undefined, opts: { view?: IsoView }) => {
      using device = await FileBlockDevice.open(imagePath);
      const image = await openIso(device);
      const diagnostics = await extractIso(image, dest, { view: opts.view, path });
      for (const d of diagnostics) console.error(`disc: warning: ${d}`);
    });

  program.command("verify")
    .description("check the image's structure strictly; every problem is named with its LBA")
    .argument("<image>")
    .option("--json", "print the report as JSON")
    .action(async (imagePath: string, opts: { json?: boolean }) => {
      using device = await FileBlockDevice.open(imagePath);
      const report = await verifyIso(device);
      if (opts.json) console.log(JSON.stringify(report, null, 2));
      else {
        for (const p of report.problems) {
          console.log(
            `${p.severity}: ${p.lba !== undefined ? `LBA ${p.lba}: ` : ""}${p.structure}: ${p.message}`,
          );
        }
        const s = report.summary;
        console.log(
          `${s.ok ? "OK" : "FAILED"}: ${s.errorCount} errors, ${s.warningCount} warnings; ` +
            `${s.directoryCount} directories, ${s.fileCount} files, level ${s.isoLevel}` +
            `${s.hasRockRidge ? ", Rock Ridge" : ""}${s.hasJoliet ? ", Joliet" : ""}${
              s.elTorito ? ", El Torito" : ""
            }`,
        );
      }
      if (!report.summary.ok) code = 1;
    });

  program.command("boot-test")
    .description("boot IMAGE under QEMU and wait for TEXT on the serial console (COM1)")
    .argument("<image>")
    .addOption(
      new Option("--firmware <firmware>", "SeaBIOS or OVMF").choices(["bios", "uefi"]).default("bios"),
    )
    .addOption(
      new Option("--media <media>", "how the image is attached").choices(["cd", "disk", "usb", "floppy"])
        .default("cd"),
    )
    .requiredOption("--expect <text>", "text that means the boot worked")
    .option("--timeout <seconds>", "give up after this many seconds", "60")
    .option("--junit <file>", "also write a JUnit XML report")
    .action(
      async (
        imagePath: string,
        opts: { firmware: Firmware; media: BootMedia; expect: string; timeout: string; junit?: string },
      ) => {
        const timeoutSeconds = Number(opts.timeout);
        if (!(timeoutSeconds > 0)) {
          throw new UsageError(`Cannot boot-test: --timeout "${opts.timeout}" is not a positive number`);
        }
        // Ctrl-C / SIGTERM stop QEMU before we exit (bootTest rejects with the reason).
        const interrupt = new AbortController();
        const onSignal = () => interrupt.abort(new Error("Cannot boot-test: interrupted"));
        const signals = ["SIGINT", "SIGTERM"] as const;
        for (const name of signals) Deno.addSignalListener(name, onSignal);
        let result;
        try {
          result = await bootTest({
            image: imagePath,
            firmware: opts.firmware,
            media: opts.media,
            expect: opts.expect,
            timeoutSeconds,
            signal: interrupt.signal,
          });
        } finally {
          for (const name of signals) Deno.removeSignalListener(name, onSignal);
        }
        if (opts.junit) {
          await Deno.writeTextFile(
            opts.junit,
            bootTestJunit(`${imagePath} ${opts.firmware} ${opts.media}`, result, opts.expect),
          );
        }
        if (result.ok) {
          console.log(
            `boot-test: "${opts.expect}" seen after ${
              result.seconds.toFixed(1)
            } s (${opts.firmware}, ${opts.media})`,
          );
        } else {
          const why = result.outcome === "exited"
            ? `QEMU exited (code ${result.exitCode}) after ${result.seconds.toFixed(1)} s`
            : `not seen within ${timeoutSeconds} s`;
          console.error(
            `disc: boot-test failed: "${opts.expect}" ${why} (${opts.firmware}, ${opts.media}); console tail:`,
          );
          console.error(result.consoleTail);
          if (result.screenTail) console.error(`--- screen (SeaBIOS) ---\n${result.screenTail}`);
          if (result.qemuStderr) console.error(`--- QEMU ---\n${result.qemuStderr}`);
          code = 1;
        }
      },
    );

  try {
    await program.parseAsync(["deno", "disc", ...args.filter((a) => a !== "--debug" || args[0] === "build")]);
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === "commander.helpDisplayed" || error.code === "commander.version") return 0;
      if (error.code === "commander.help") return 0;
      throw new UsageError(error.message.replace(/^error: /, "Cannot parse arguments: "));
    }
    throw error;
  }
  return code;
}

/** One `ls -l` style line. */
function longLine(e: IsoEntry, fullPath: boolean): string {
  const type = { file: "-", directory: "d", symlink: "l", device: "c", fifo: "p", socket: "s" }[e.kind];
  const mode = e.mode === undefined ? (e.kind === "directory" ? 0o555 : 0o444) : e.mode;
  let perms = "";
  for (let shift = 6; shift >= 0; shift -= 3) {
    const bits = (mode >> shift) & 7;
    perms += (bits & 4 ? "r" : "-") + (bits & 2 ? "w" : "-") + (bits & 1 ? "x" : "-");
  }
  const date = e.mtime ? e.mtime.toISOString().replace("T", " ").slice(0, 16) : "                ";
  const name = fullPath ? e.path : e.name;
  const target = e.kind === "symlink" && e.linkTarget !== undefined ? ` -> ${e.linkTarget}` : "";
  return `${type}${perms} ${String(e.linkCount ?? 1).padStart(3)} ${String(e.uid ?? 0).padStart(5)} ${
    String(e.gid ?? 0).padStart(5)
  } ${String(e.byteLength).padStart(12)} ${date} ${name}${target}`;
}

if (import.meta.main) await runMain("disc", () => discMain(Deno.args));
