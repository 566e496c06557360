/**
 * Turns parsed `xorriso -as mkisofs` options into what the scanner and the planner take, and
 * refuses, by name, options whose feature discwright does not have (yet).
 * @module
 */

import { UsageError } from "../../image/errors.ts";
import { parseDecDigits } from "../iso9660/datetime.ts";
import { defaultIsoPlanOptions, type IsoPlanOptions } from "../iso9660/planner.ts";
import type { Pathspec, ScanOptions } from "../source_tree.ts";
import { DISCWRIGHT_VERSION } from "./help.ts";
import type { MkisofsOptions } from "./options.ts";
import type { ElToritoRequest } from "../eltorito/plan.ts";
import { type HybridRequest, hybridRequest, wantsSystemArea } from "../hybrid/plan.ts";

/** A build as the library takes it. */
export interface IsoBuildRequest {
  readonly pathspecs: readonly Pathspec[];
  readonly scan: ScanOptions;
  readonly plan: IsoPlanOptions;
  /** "-" for standard output; undefined only with `-print-size`. */
  readonly outputPath: string | undefined;
  /** Notes for the user (options accepted without effect, ...). */
  readonly notes: readonly string[];
  /** El Torito boot entries, when `-b`, `-e` or `--efi-boot` were given. */
  readonly elTorito?: ElToritoRequest;
  /** Hybrid MBR/GPT/APM, appended partitions, a system area file. */
  readonly hybrid?: HybridRequest;
  /** `--efi-boot-dir`: a host folder made into a FAT image at an image path. */
  readonly efiBootDir?: { readonly hostPath: string; readonly isoPath: string };
}

/** What a request needs from outside: environment and host files (lists, sort files). */
export interface RequestEnvironment {
  /** SOURCE_DATE_EPOCH, if set. */
  readonly sourceDateEpoch?: string;
  /** The time to stamp the volume with when nothing else says. */
  readonly now: Date;
  /** Reads a host text file (exclude lists, sort files); errors name the option. */
  readonly readTextFile: (path: string) => string;
  /** Looks up a user or group name (for -uid / -gid given as names). */
  readonly lookupId?: (kind: "user" | "group", name: string) => number | undefined;
}

/**
 * Maps parsed options to a build request.
 *
 * @example
 * ```ts
 * const options = parseMkisofsArgs(["-R", "-J", "-o", "out.iso", "tree"]);
 * const request = isoBuildRequest(options, { now: new Date(), readTextFile: Deno.readTextFileSync });
 * ```
 */
export function isoBuildRequest(o: MkisofsOptions, env: RequestEnvironment): IsoBuildRequest {
  const notes: string[] = [];
  refuseUnsupported(o);
  if (o.outputPath === undefined && !o.printSize) {
    throw new UsageError('Cannot build: no output given (use "-o FILE", or "-o -" for standard output)');
  }
  if (o.pathspecs.length === 0) throw new UsageError("Cannot build: no source paths given");
  if (o.checksumAlgorithms.length > 0 || o.checksumAlgorithmsTemplate.length > 0) {
    notes.push(
      "-checksum_algorithm_iso/-checksum_algorithm_template only affect Jigdo output: accepted, no effect",
    );
  }
  const noEffect: [boolean, string][] = [
    [o.acl, "--acl (ACLs are not recorded)"],
    [o.xattr !== "off", "--xattr (extended attributes are not recorded)"],
    [o.hardlinks, "--hardlinks (hard links share their data extent in any case)"],
    [o.jolietUtf16, '-joliet-utf16 (Joliet names are UCS-2; characters outside the BMP become "_")'],
    [o.emulToc, "--emul-toc (single-session images need no emulated TOC)"],
    [o.applicationUse !== undefined, "--application_use (the Application Use field is left blank)"],
    [o.logFile !== undefined, "-log-file (messages go to standard error)"],
  ];
  for (const [given, what] of noEffect) if (given) notes.push(`accepted without effect: ${what}`);

  const readList = (option: string, path: string): string[] => {
    try {
      return env.readTextFile(path).split("\n").map((l) => l.trim()).filter((l) => l !== "");
    } catch (error) {
      throw new UsageError(`Cannot read the file of ${option}: "${path}" (${(error as Error).message})`);
    }
  };

  const epochTime = parseSourceDateEpoch(env.sourceDateEpoch);
  const volumeTime = o.modificationDateUtc ?? epochTime ?? env.now;
  let fileTimeOverride = epochTime;
  if (o.setAllFileDates !== undefined && o.setAllFileDates !== "set_to_mtime") {
    fileTimeOverride = parseTimeString(o.setAllFileDates, "--set_all_file_dates");
  }

  const root = o.rootIsoPath?.replace(/^\/+|\/+$/g, "");
  const pathspecs = o.pathspecs.map((p) =>
    root ? { hostPath: p.hostPath, isoPath: p.isoPath ? `${root}/${p.isoPath}` : root } : p
  );
  const sortWeights = [...o.sortWeights];
  const hostSortWeights: { hostPath: string; weight: number }[] = [];
  if (o.sortFile !== undefined) {
    for (const line of readList("-sort", o.sortFile)) {
      const match = /^(.*\S)\s+(-?\d+)$/.exec(line);
      if (!match) throw new UsageError(`Cannot read the file of -sort: line "${line}" is not "PATH WEIGHT"`);
      hostSortWeights.push({ hostPath: match[1], weight: Number(match[2]) });
    }
  }

  const base = defaultIsoPlanOptions();
  const level = o.isoLevel;
  return {
    pathspecs,
    outputPath: o.outputPath,
    efiBootDir: o.efiBootDir,
    hybrid: wantsSystemArea(o) ? hybridRequest(o, { sourceDateEpoch: env.sourceDateEpoch }) : undefined,
    elTorito: o.boot.length > 0
      ? {
        entries: o.boot,
        catalogIsoPath: o.bootCatalogPath ?? "/boot.catalog",
        hideCatalog: o.hideBootCatalog,
      }
      : undefined,
    notes: [...o.diagnostics.map((d) => d.message), ...notes],
    scan: {
      followLinks: o.followLinks,
      exclude: [...o.exclude, ...o.excludeLists.flatMap((f) => readList("-exclude-list", f))],
      hide: [...o.hide, ...o.hideLists.flatMap((f) => readList("-hide-list", f))],
      hideJoliet: [...o.hideJoliet, ...o.hideJolietLists.flatMap((f) => readList("-hide-joliet-list", f))],
      sortWeights,
      hostSortWeights,
    },
    plan: {
      ...base,
      identifiers: {
        volumeId: o.volumeId ?? "ISOIMAGE",
        volumeSetId: o.volumeSetId ?? "",
        publisher: o.publisher ?? "",
        preparer: o.preparer ?? `DISCWRIGHT ${DISCWRIGHT_VERSION}`,
        applicationId: o.applicationId ?? "",
        systemId: o.systemId ?? "",
        copyrightFile: o.copyrightFile ?? "",
        abstractFile: o.abstractFile ?? "",
        bibliographicFile: o.bibliographicFile ?? "",
      },
      naming: {
        // -iso-level 4 is level 3 plus an ISO 9660:1999 tree; xorriso raises level 1 to 2 with -l.
        level: level === 4 ? 3 : level === 1 && o.fullIso9660Filenames ? 2 : level,
        fullFilenames: o.fullIso9660Filenames || o.maxIso9660Filenames,
        omitVersion: o.omitVersionNumbers,
        relaxedFilenames: o.relaxedFilenames,
        allowLowercase: o.allowLowercase,
        untranslated: o.untranslatedFilenames,
        allowMultidot: o.allowMultidot,
        allowLeadingDots: o.allowLeadingDots,
      },
      rockRidge: o.rockRidge,
      joliet: o.joliet,
      jolietLong: o.jolietLong,
      iso1999: o.iso1999 || level === 4,
      pad: o.pad,
      cacheInodes: o.cacheInodes ?? true,
      volumeTime,
      fileTimeOverride,
      dirMode: o.dirMode,
      fileMode: o.fileMode,
      partitionOffsetLba: o.partitionOffsetLba > 0 ? o.partitionOffsetLba : undefined,
      uid: resolveId("user", "-uid", o.uid, env),
      gid: resolveId("group", "-gid", o.gid, env),
    },
  };
}

/** Options parsed for later issues or not supported: refused with the option named. */
function refuseUnsupported(o: MkisofsOptions): void {
  const refuse = (option: string, why: string) => {
    throw new UsageError(`Cannot build with ${option}: ${why}`);
  };
  if (o.hfsplus) refuse("-hfsplus", "HFS+ is not supported");
  if (o.rrRelocDir !== undefined && !o.disableDeepRelocation) {
    refuse(
      "-rr_reloc_dir",
      "Rock Ridge relocation is not supported (deep directories are written in place, as xorriso does by default)",
    );
  }
  if (o.transparentCompression) refuse("-z", "zisofs compression is not supported");
}

function parseSourceDateEpoch(value: string | undefined): Date | undefined {
  if (value === undefined || value === "") return undefined;
  if (!/^\d+$/.test(value)) {
    throw new UsageError(`Cannot use SOURCE_DATE_EPOCH: "${value}" is not a number of seconds`);
  }
  return new Date(Number(value) * 1000);
}

function parseTimeString(text: string, option: string): Date {
  const digits = parseDecDigits(text);
  if (digits) return digits;
  if (/^=?\d+$/.test(text)) return new Date(Number(text.replace("=", "")) * 1000);
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) throw new UsageError(`Cannot use ${option}: "${text}" is not a time`);
  return date;
}

function resolveId(
  kind: "user" | "group",
  option: string,
  value: number | string | undefined,
  env: RequestEnvironment,
): number | undefined {
  if (value === undefined || typeof value === "number") return value;
  const id = env.lookupId?.(kind, value);
  if (id === undefined) throw new UsageError(`Cannot use ${option}: no ${kind} named "${value}"`);
  return id;
}

/**
 * Looks a user or group name up in /etc/passwd or /etc/group.
 *
 * @example
 * ```ts
 * lookupHostId("user", "root"); // 0
 * ```
 */
export function lookupHostId(kind: "user" | "group", name: string): number | undefined {
  try {
    const text = Deno.readTextFileSync(kind === "user" ? "/etc/passwd" : "/etc/group");
    for (const line of text.split("\n")) {
      const fields = line.split(":");
      if (fields[0] === name && fields.length > 2) return Number(fields[2]);
    }
  } catch {
    return undefined;
  }
  return undefined;
}
