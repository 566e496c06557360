/**
 * `deno run -A cli/disc.ts <command>`: build, cd, info, ls, extract, convert, serve, verify, boot-test.
 *
 * Thin: parse arguments, call the library through mod.ts, print. Exit 0 ok, 1 failure, 2 usage.
 * @module
 */

import { Command, CommanderError, Option } from "commander";
import {
  BlockLun,
  type BootMedia,
  bootTest,
  bootTestJunit,
  buildCd,
  buildUsbImage,
  cdRequest,
  checkIsoMd5,
  convertImage,
  describeDisc,
  describeIso,
  describeRawImage,
  type Disc,
  discImageFiles,
  DISCWRIGHT_VERSION,
  extractIso,
  type Firmware,
  formatDiscInfo,
  FormatError,
  formatIsoInfo,
  formatRawImageInfo,
  imageBytes,
  IscsiTarget,
  isoBuildRequest,
  type IsoEntry,
  ISOMD5_FRAGMENT_COUNT,
  type IsoMd5Check,
  type IsoView,
  MemoryOverlay,
  NbdServer,
  type OpenedImage,
  openImage,
  openIso,
  OpticalLun,
  parseMkisofsArgs,
  planIsoBuild,
  readDeviceBytes,
  regionExport,
  remasterIso,
  UsageError,
  userDataDisc,
  verifyDiscSectors,
  verifyIso,
  writeFilesAllOrNothing,
} from "../mod.ts";
import { buildMain } from "./build.ts";
import { runMain } from "./_main.ts";
import { terminalProgress } from "./_progress.ts";

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
      using opened = await openImage(imagePath);
      if (opened.container === "iso") {
        // A plain image: the ISO 9660 volume if there is one, and any partition table (a hybrid
        // ISO, a disk or USB image, a floppy).
        const device = opened.dataDevice!;
        const size = device.blockCount * device.blockByteLength;
        const read = (at: number, length: number) =>
          at >= size
            ? Promise.resolve(new Uint8Array(0))
            : readDeviceBytes(device, at, Math.min(length, size - at));
        const raw = await describeRawImage(read, size);
        const pvd = await read(16 * 2048 + 1, 5);
        const info = String.fromCharCode(...pvd) === "CD001"
          ? await describeIso(await openIso(device))
          : undefined;
        if (opts.json) console.log(JSON.stringify(info ? { ...info, rawImage: raw } : raw, null, 2));
        else {
          if (info) console.log(formatIsoInfo(info));
          if (!info || raw.table !== "none") console.log(`${info ? "\n" : ""}${formatRawImageInfo(raw)}`);
        }
        return;
      }
      const disc = describeDisc(opened.disc);
      const iso = opened.dataDevice ? await describeIso(await openFileSystem(opened)) : undefined;
      if (opts.json) console.log(JSON.stringify({ disc, iso }, null, 2));
      else {
        console.log(formatDiscInfo(disc));
        if (iso) console.log(`\nFile system (data track):\n${formatIsoInfo(iso)}`);
      }
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
        using opened = await openImage(imagePath);
        const image = await openFileSystem(opened);
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
      using opened = await openImage(imagePath);
      const image = await openFileSystem(opened);
      const diagnostics = await extractIso(image, dest, { view: opts.view, path });
      for (const d of diagnostics) console.error(`disc: warning: ${d}`);
    });

  program.command("cd")
    .description("author a mixed-mode CD as BIN/CUE: a data track (ISO or folder) and CD-audio tracks")
    .requiredOption(
      "-o, --output <cue>",
      "the CUE sheet to write; OUT.bin (and .toc, .cdt, .iso) go beside it",
    )
    .option("--data <iso|dir>", "the data track: an ISO image, or a folder built into one on the fly")
    .addOption(new Option("--data-mode <mode>", "sector mode of the data track").choices(["mode1", "mode2"]))
    .option(
      "--audio <file>",
      "an audio track: WAV (PCM 16-bit 44.1 kHz stereo) or raw PCM; repeat",
      collect,
      [],
    )
    .option("--title <text>", "CD-TEXT title of the disc")
    .option("--performer <text>", "CD-TEXT performer of the disc")
    .option("--songwriter <text>", "CD-TEXT songwriter of the disc")
    .option("--catalog <ean>", "media catalog number (13 digits)")
    .option(
      "--spec <json>",
      "a JSON disc description with per-track CD-TEXT, ISRC, flags, pregaps, index points",
    )
    .option("--cooked", "keep the data track as MODE1/2048 in its own file (OUT.iso)")
    .option("--toc", "also write a cdrdao TOC file (OUT.toc)")
    .option("--cd-extra", "Enhanced CD: audio in session 1, the data track (CD-ROM XA) in session 2")
    .option("--overburn", "allow more than 80 minutes (up to 99:59:74)")
    .option("-q, --quiet", "no notes and no progress bar")
    .action(async (opts: CdCommandOptions) => {
      const request = cdRequest({ ...opts, cdExtra: opts.cdExtra }, {
        statKind: (path) => {
          try {
            return Deno.statSync(path).isDirectory ? "dir" : "file";
          } catch {
            return undefined;
          }
        },
        readTextFile: (path) => Deno.readTextFileSync(path),
      });
      const progress = terminalProgress("Writing", opts.quiet ?? false);
      let built;
      try {
        built = await buildCd(
          request,
          { sourceDateEpoch: Deno.env.get("SOURCE_DATE_EPOCH"), now: new Date() },
          progress.update,
        );
      } finally {
        progress.done();
      }
      if (!opts.quiet) { for (const note of built.notes) console.error(`disc: note: ${note}`); }
      const disc = describeDisc(built.plan.disc);
      console.log(
        `wrote ${built.files.map((f) => `"${f.path}"`).join(", ")}: ${disc.trackCount} tracks, ` +
          `${disc.sessionCount} session(s), lead-out at ${disc.leadOutMsf} (LBA ${disc.leadOutLba})`,
      );
    });

  program.command("convert")
    .description(
      "convert an image: the data track to an ISO (-o X.iso), the audio tracks to WAV files (--wav DIR)",
    )
    .argument("<image>")
    .option(
      "-o, --output <file>",
      "OUT.iso: the data track's user data; OUT.cue (+.bin), OUT.nrg, OUT.ccd (+.img .sub), OUT.mds (+.mdf): the whole disc",
    )
    .option("--wav <dir>", "write each audio track as trackNN.wav into this folder")
    .action(async (imagePath: string, opts: { output?: string; wav?: string }) => {
      if (!opts.output && !opts.wav) {
        throw new UsageError("Cannot convert: give -o OUT.iso|.cue|.nrg|.ccd|.mds and/or --wav DIR");
      }
      using opened = await openImage(imagePath);
      // Whole-disc formats by the output's extension; .iso (and --wav) below.
      const files = opts.output ? discImageFiles(opened.disc, opts.output) : undefined;
      if (files) {
        await writeFilesAllOrNothing(files);
        console.log(`wrote ${files.map(([, path]) => `"${path}"`).join(", ")}`);
        if (!opts.wav) return;
        opts.output = undefined;
      }
      const written = await convertImage(opened.disc, { isoPath: opts.output, wavDir: opts.wav });
      for (const note of written.notes) console.error(`disc: note: ${note}`);
      console.log(`wrote ${written.paths.map((p) => `"${p}"`).join(", ")}`);
    });

  program.command("usb")
    .description(
      "make a USB stick image from an ISO: dd mode copies it, ISO mode makes a FAT32 partition with its files",
    )
    .argument("<iso>")
    .requiredOption("-o, --output <disk.img>", "the stick image to write")
    .option("--size <size>", "stick size (bytes, or with K, M, G, T suffix)")
    .addOption(
      new Option("--mode <mode>", "dd: copy the (hybrid) ISO; iso: FAT32 with the ISO's files").choices([
        "iso",
        "dd",
      ]).default("iso"),
    )
    .addOption(
      new Option("--table <table>", "partition table of ISO mode").choices(["mbr", "gpt"]).default("mbr"),
    )
    .option(
      "--bios",
      "ISO mode: also BIOS-bootable through SYSLINUX (needs the syslinux installer and the ISO's isolinux.cfg)",
    )
    .action(
      async (
        isoPath: string,
        opts: { output: string; size?: string; mode: "iso" | "dd"; table: "mbr" | "gpt"; bios?: boolean },
      ) => {
        const diskByteLength = opts.size === undefined ? undefined : parseSize(opts.size);
        const epoch = Deno.env.get("SOURCE_DATE_EPOCH");
        const progress = terminalProgress("Writing", false);
        let result;
        try {
          result = await buildUsbImage(isoPath, opts.output, {
            mode: opts.mode,
            table: opts.table,
            bios: opts.bios ?? false,
            diskByteLength,
            sourceDateEpoch: epoch === undefined ? undefined : Number(epoch),
            onProgress: progress.update,
          });
        } finally {
          progress.done();
        }
        for (const warning of result.warnings) console.error(`disc: usb: warning: ${warning}`);
        console.log(
          `wrote "${opts.output}": ${result.diskByteLength} bytes (${opts.mode} mode${
            opts.mode === "iso" ? `, ${opts.table}${opts.bios ? ", SYSLINUX for BIOS" : ""}` : ""
          })`,
        );
      },
    );

  program.command("remaster")
    .description("rebuild an ISO with files added, replaced or removed, its boot equipment replayed")
    .argument("<iso>")
    .requiredOption("-o, --output <iso>", "the new image")
    .option(
      "--add <src=dest>",
      "add or replace: host file or folder SRC at image path DEST (repeatable)",
      collect,
      [],
    )
    .option("--rm <path>", "remove a file or folder of the image (repeatable)", collect, [])
    .action(async (isoPath: string, opts: { output: string; add: string[]; rm: string[] }) => {
      const add = opts.add.map((pair) => {
        const eq = pair.indexOf("=");
        if (eq <= 0 || eq === pair.length - 1) {
          throw new UsageError(`Cannot use --add "${pair}": give SRC=DEST`);
        }
        return { source: pair.slice(0, eq), destination: pair.slice(eq + 1) };
      });
      const notes = await remasterIso(isoPath, opts.output, {
        add,
        remove: opts.rm,
        sourceDateEpoch: Deno.env.get("SOURCE_DATE_EPOCH"),
      });
      for (const note of notes) console.error(`disc: remaster: note: ${note}`);
      console.log(`wrote "${opts.output}"`);
    });

  program.command("serve")
    .description("serve images over NBD and/or iSCSI until interrupted")
    .argument("<images...>", "ISO, CUE/BIN, raw disk images, or folders (planned into an ISO, never written)")
    .option("--nbd [host:port]", "NBD on this address (default 127.0.0.1:10809)")
    .option("--iscsi [host:port]", "iSCSI target on this address (default 127.0.0.1:3260); one LUN per image")
    .option("--iqn <name>", `the target's iSCSI name (default ${DEFAULT_IQN})`)
    .option("--chap <user:secret>", "require CHAP (MD5) with this user and secret for iSCSI logins")
    .addOption(
      new Option("--as <kind>", "present images as CDs (2048-byte blocks) or disks (512)").choices([
        "cd",
        "disk",
      ]),
    )
    .option("--writable-overlay", "accept writes into memory; the images are never changed")
    .action(
      async (
        images: string[],
        opts: {
          nbd?: string | true;
          iscsi?: string | true;
          iqn?: string;
          chap?: string;
          as?: string;
          writableOverlay?: boolean;
        },
      ) => {
        if (opts.nbd === undefined && opts.iscsi === undefined) {
          throw new UsageError("Cannot serve: give --nbd [HOST:]PORT and/or --iscsi [HOST:]PORT");
        }
        const names = new Set<string>();
        const opened: OpenedImage[] = [];
        const exports = [];
        const discs: Disc[] = [];
        try {
          for (const path of images) {
            let name = path.replace(/\/+$/, "").split("/").pop()!.replace(/\.[^.]*$/, "") || "disc";
            for (let n = 2; names.has(name); n++) name = `${name}-${n}`;
            names.add(name);
            let bytes;
            let disc;
            let isCd = opts.as !== "disk";
            if (Deno.statSync(path).isDirectory) {
              bytes = planFolderIso(path);
              disc = userDataDisc(bytes);
            } else {
              const image = await openImage(path);
              opened.push(image);
              disc = image.disc;
              bytes = imageBytes(image);
              if (opts.as === undefined) isCd = image.container !== "iso" || bytes.byteLength % 2048 === 0;
            }
            discs.push(disc);
            exports.push(regionExport(bytes, {
              name,
              description: path,
              preferredBlockBytes: isCd ? 2048 : 512,
              writableOverlay: opts.writableOverlay,
            }));
          }
          const log = (line: string) => console.error(line);
          await using nbd = opts.nbd === undefined
            ? undefined
            : NbdServer.listen({ exports, ...hostPort(opts.nbd, 10809), log });
          const iqn = opts.iqn ?? DEFAULT_IQN;
          const luns = exports.map((e, n) => {
            const serial = `DW${String(n).padStart(6, "0")}`;
            if (e.preferredBlockBytes !== 2048) {
              // --writable-overlay: writes over iSCSI are kept in memory (apart from NBD's).
              const source = opts.writableOverlay ? new MemoryOverlay(e) : e;
              return new BlockLun({ kind: "disk", source, serial, targetName: iqn });
            }
            const drive = new OpticalLun({
              media: { disc: discs[n], name: images[n] },
              serial,
              targetName: iqn,
            });
            drive.onMediaChange = (line) => log(`iscsi: LUN ${n}: ${line}`);
            return drive;
          });
          await using iscsi = opts.iscsi === undefined ? undefined : IscsiTarget.listen({
            targetName: iqn,
            luns,
            ...hostPort(opts.iscsi, 3260),
            chap: opts.chap === undefined ? undefined : chapOption(opts.chap),
            log,
          });
          for (const url of [...(nbd?.urls ?? []), ...(iscsi?.urls ?? [])]) console.log(url);
          const stop = Promise.withResolvers<void>();
          const onSignal = () => stop.resolve();
          // Media control on standard input: "eject [LUN]", "insert [LUN] IMAGE".
          if (iscsi) void mediaControl(luns, opened, log);
          for (const name of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(name, onSignal);
          await stop.promise;
          for (const name of ["SIGINT", "SIGTERM"] as const) Deno.removeSignalListener(name, onSignal);
          console.error("disc: serve: stopping");
        } finally {
          for (const image of opened) image.close();
        }
      },
    );

  program.command("verify")
    .description(
      "check the image strictly: its file system, and on a CD image every raw data sector's EDC/ECC",
    )
    .argument("<image>")
    .option("--json", "print the report as JSON")
    .action(async (imagePath: string, opts: { json?: boolean }) => {
      using opened = await openImage(imagePath);
      const sectors = opened.container === "iso" ? undefined : await verifyDiscSectors(opened.disc);
      const report = opened.dataDevice && opened.sessionStartLba === 0
        ? await verifyIso(opened.dataDevice)
        : undefined;
      // An implanted isomd5sum (implantisomd5, build --md5) is checked too.
      let md5: IsoMd5Check | undefined;
      if (opened.dataDevice && opened.sessionStartLba === 0 && opened.dataDevice.blockCount > 16) {
        const device = opened.dataDevice;
        const pvd = await device.read(16, 1);
        const read = (at: number, length: number) => {
          if (at + length > device.blockCount * 2048) {
            throw new FormatError(
              `Cannot check the isomd5sum: the PVD's volume size runs past the end of the image (${
                device.blockCount * 2048
              } bytes)`,
              { structure: "Primary Volume Descriptor", field: "volume space size", lba: 16 },
            );
          }
          return readDeviceBytes(device, at, length);
        };
        if (pvd[0] === 1) md5 = await checkIsoMd5(read, pvd);
      }
      const ok = (report?.summary.ok ?? true) && (sectors?.problems.length ?? 0) === 0 && (md5?.ok ?? true);
      if (opts.json) {
        const isoReport = md5 ? { ...report, isomd5sum: md5 } : report;
        console.log(
          JSON.stringify(
            opened.container === "iso" ? isoReport : { sectors, fileSystem: isoReport },
            null,
            2,
          ),
        );
      } else {
        if (md5) {
          console.log(
            md5.ok
              ? `OK: isomd5sum ${md5.recorded.md5} matches (checkisomd5's sum of the volume)`
              : `error: isomd5sum: the image sums to ${md5.computed.md5}, the PVD records ${md5.recorded.md5}${
                md5.badFragment ? ` (first bad fragment: ${md5.badFragment} of ${ISOMD5_FRAGMENT_COUNT})` : ""
              }`,
          );
        }
        for (const p of sectors?.problems ?? []) {
          console.log(`error: LBA ${p.lba}: track ${p.track}: ${p.message}`);
        }
        if (sectors) {
          console.log(
            `${
              sectors.problems.length ? "FAILED" : "OK"
            }: ${sectors.checkedSectors} raw data sectors checked, ` +
              `${sectors.problems.length} bad`,
          );
        }
        if (report) {
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
      }
      if (!ok) code = 1;
    });

  program.command("boot-test")
    .description("boot IMAGE under QEMU and wait for TEXT on the serial console (COM1)")
    .argument("<image>")
    .addOption(
      new Option("--firmware <firmware>", "SeaBIOS or OVMF").choices(["bios", "uefi"]).default("bios"),
    )
    .addOption(
      new Option(
        "--media <media>",
        "how the image is attached (scsi-block: iSCSI pass-through, with --via iscsi)",
      ).choices([
        "cd",
        "scsi-cd",
        "scsi-block",
        "disk",
        "usb",
        "floppy",
      ])
        .default("cd"),
    )
    .requiredOption("--expect <text>", "text that means the boot worked")
    .option("--timeout <seconds>", "give up after this many seconds", "60")
    .option("--junit <file>", "also write a JUnit XML report")
    .addOption(
      new Option(
        "--via <how>",
        "attach the image as a file, or serve it over NBD or iSCSI on a free loopback port",
      )
        .choices(["file", "nbd", "iscsi"]).default("file"),
    )
    .action(
      async (
        imagePath: string,
        opts: {
          firmware: Firmware;
          media: BootMedia;
          expect: string;
          timeout: string;
          junit?: string;
          via: "file" | "nbd" | "iscsi";
        },
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
        // --via nbd: our NBD server on a free loopback port, stopped when the boot test ends.
        // --via iscsi: our iSCSI target with the image as LUN 0, stopped when the boot test ends.

        const asCd = opts.media === "cd" || opts.media === "scsi-cd" || opts.media === "scsi-block";
        await using target = opts.via === "iscsi"
          ? IscsiTarget.listen({
            targetName: DEFAULT_IQN,
            luns: [
              asCd
                ? new OpticalLun({
                  media: { disc: userDataDisc(await imageRegionsForBoot(imagePath)), name: imagePath },
                  serial: "DWBOOT01",
                  targetName: DEFAULT_IQN,
                })
                : new BlockLun({
                  kind: "disk",
                  source: await imageRegionsForBoot(imagePath),
                  serial: "DWBOOT01",
                  targetName: DEFAULT_IQN,
                }),
            ],
            port: 0,
          })
          : undefined;
        await using server = opts.via === "nbd"
          ? NbdServer.listen({
            exports: [
              regionExport(await imageRegionsForBoot(imagePath), {
                name: "boot",
                description: imagePath,
                preferredBlockBytes: asCd ? 2048 : 512,
              }),
            ],
            port: 0,
          })
          : undefined;
        if (server) {
          console.error(`disc: boot-test: serving "${imagePath}" at nbd://127.0.0.1:${server.port}/boot`);
        }
        if (target) console.error(`disc: boot-test: serving "${imagePath}" at ${target.urls[0]}`);
        try {
          result = await bootTest({
            image: server
              ? { via: "drive", drive: `file=nbd://127.0.0.1:${server.port}/boot,format=raw` }
              : target
              ? { via: "drive", drive: `file=${target.urls[0]},format=raw` }
              : imagePath,
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

/** `--chap USER:SECRET`. */
function chapOption(value: string): { user: string; secret: string } {
  const at = value.indexOf(":");
  if (at <= 0 || at === value.length - 1) {
    throw new UsageError(`Cannot serve: --chap "${value}" is not USER:SECRET`);
  }
  return { user: value.slice(0, at), secret: value.slice(at + 1) };
}

/** The default iSCSI target name of `disc serve --iscsi`. */
const DEFAULT_IQN = "iqn.2026-11.dev.discwright:disc";

/** `[HOST:]PORT` of --nbd/--iscsi; loopback and the protocol's port by default. */
function hostPort(value: string | true | undefined, defaultPort: number): { hostname: string; port: number } {
  if (value === undefined || value === true) return { hostname: "127.0.0.1", port: defaultPort };
  const match = /^(?:(.+):)?(\d{1,5})$/.exec(value);
  if (!match || Number(match[2]) > 65535) throw new UsageError(`Cannot serve: "${value}" is not [HOST:]PORT`);
  return { hostname: match[1] ?? "127.0.0.1", port: Number(match[2]) };
}

/** What a boot test over NBD serves: the image file's bytes (a CUE's data track). */
async function imageRegionsForBoot(path: string) {
  using image = await openImage(path);
  return imageBytes(image);
}

/** A folder planned into an ISO (as `-r -J`), served without being written. */
/**
 * Reads media commands from standard input while serving: `eject [LUN]` takes the disc out of
 * an optical LUN, `insert [LUN] IMAGE` loads another image (the guest sees UNIT ATTENTION 6/28/00
 * and a new-media event). Mistakes are reported on stderr; the server keeps serving.
 */
async function mediaControl(
  luns: readonly (BlockLun | OpticalLun)[],
  opened: OpenedImage[],
  log: (line: string) => void,
): Promise<void> {
  const lines = Deno.stdin.readable.pipeThrough(new TextDecoderStream());
  let pending = "";
  try {
    for await (const chunk of lines) {
      pending += chunk;
      let newline;
      while ((newline = pending.indexOf("\n")) >= 0) {
        const words = pending.slice(0, newline).trim().split(/\s+/).filter(Boolean);
        pending = pending.slice(newline + 1);
        if (words.length === 0) continue;
        try {
          await mediaCommand(words, luns, opened, log);
        } catch (error) {
          log(`disc: serve: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    }
  } catch {
    // standard input closed or unreadable: no more commands
  }
}

async function mediaCommand(
  words: string[],
  luns: readonly (BlockLun | OpticalLun)[],
  opened: OpenedImage[],
  log: (line: string) => void,
): Promise<void> {
  const [command, ...rest] = words;
  const lunOf = (text: string | undefined) => {
    const n = text === undefined ? 0 : Number(text);
    const lun = luns[n];
    if (!Number.isInteger(n) || !lun) throw new UsageError(`Cannot ${command}: there is no LUN ${text}`);
    if (!(lun instanceof OpticalLun)) {
      throw new UsageError(`Cannot ${command}: LUN ${n} is a disk, not a drive`);
    }
    return lun;
  };
  switch (command) {
    case "eject":
      lunOf(rest[0]).eject();
      return;
    case "insert": {
      const [lunText, path] = rest.length >= 2 ? rest : [undefined, rest[0]];
      const drive = lunOf(lunText);
      if (!path) throw new UsageError("Cannot insert: name an image (insert [LUN] IMAGE)");
      let disc;
      if (Deno.statSync(path).isDirectory) disc = userDataDisc(planFolderIso(path));
      else {
        const image = await openImage(path);
        opened.push(image);
        disc = image.disc;
      }
      drive.insert({ disc, name: path });
      return;
    }
    default:
      log(`disc: serve: unknown command "${command}" (eject [LUN], insert [LUN] IMAGE)`);
  }
}

/** A size given as bytes or with a K/M/G/T suffix (powers of 1024), a multiple of 512. */
function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?$/i.exec(text.trim());
  if (!m) throw new UsageError(`Cannot use --size "${text}": give bytes or a number with K, M, G or T`);
  const scale = {
    "": 1,
    K: 2 ** 10,
    M: 2 ** 20,
    G: 2 ** 30,
    T: 2 ** 40,
  }[m[2].toUpperCase() as "" | "K" | "M" | "G" | "T"];
  const bytes = Math.floor(Number(m[1]) * scale);
  if (bytes % 512 !== 0) {
    throw new UsageError(`Cannot use --size "${text}": ${bytes} bytes is not whole 512-byte sectors`);
  }
  return bytes;
}

function planFolderIso(path: string) {
  const options = parseMkisofsArgs(["-quiet", "-r", "-J", "-joliet-long", "-o", "unused.iso", path]);
  const request = isoBuildRequest(options, {
    sourceDateEpoch: Deno.env.get("SOURCE_DATE_EPOCH"),
    now: new Date(),
    readTextFile: (p) => Deno.readTextFileSync(p),
  });
  return planIsoBuild(request).regions;
}

/** Options of `disc cd`, as commander gives them. */
interface CdCommandOptions {
  output: string;
  data?: string;
  dataMode?: string;
  audio: string[];
  title?: string;
  performer?: string;
  songwriter?: string;
  catalog?: string;
  spec?: string;
  cooked?: boolean;
  toc?: boolean;
  cdExtra?: boolean;
  overburn?: boolean;
  quiet?: boolean;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** The ISO 9660 file system of an opened image (a CUE's data track, or the ISO itself). */
async function openFileSystem(opened: OpenedImage) {
  if (!opened.dataDevice) {
    throw new Error(`Cannot read files: "${opened.path}" has no data track (it is an audio CD)`);
  }
  return await openIso(opened.dataDevice, { sessionStartLba: opened.sessionStartLba });
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
