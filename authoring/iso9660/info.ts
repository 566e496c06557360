/**
 * A summary of an opened image as plain JSON-able data ({@link describeIso}) and as text for
 * people ({@link formatIsoInfo}, aligned "key: value" lines in the spirit of `isoinfo -d`).
 * @module
 */

import type { IsoImage, IsoView } from "./reader.ts";
import { SECTOR_BYTES, type VolumeDescriptor } from "./volume_descriptor.ts";
import { type IdentifierFacts, inferIsoLevel } from "./verify.ts";

/** One volume descriptor of the set, by kind. */
export interface IsoVolumeDescriptorInfo {
  readonly lba: number;
  readonly type: "primary" | "joliet" | "supplementary" | "boot record" | "partition" | "terminator";
  /** PVD / SVD fields (absent for other kinds). */
  readonly systemIdentifier?: string;
  readonly volumeIdentifier?: string;
  readonly volumeSetIdentifier?: string;
  readonly publisherIdentifier?: string;
  readonly dataPreparerIdentifier?: string;
  readonly applicationIdentifier?: string;
  readonly copyrightFileIdentifier?: string;
  readonly abstractFileIdentifier?: string;
  readonly bibliographicFileIdentifier?: string;
  readonly volumeSpaceBlockCount?: number;
  readonly logicalBlockByteLength?: number;
  readonly volumeSetSize?: number;
  readonly volumeSequenceNumber?: number;
  readonly pathTableByteLength?: number;
  readonly typeLPathTableLba?: number;
  readonly typeMPathTableLba?: number;
  readonly rootDirectoryLba?: number;
  readonly rootDirectoryByteLength?: number;
  /** Dates as ISO 8601 strings (UTC); absent when "not specified". */
  readonly creation?: string;
  readonly modification?: string;
  readonly expiration?: string;
  readonly effective?: string;
  /** Joliet UCS-2 level. */
  readonly jolietLevel?: 1 | 2 | 3;
  /** Boot record fields. */
  readonly bootSystemIdentifier?: string;
  readonly catalogLba?: number;
}

/** What {@link describeIso} returns: plain data, safe for `JSON.stringify`. */
export interface IsoInfo {
  readonly volumeIdentifier: string;
  readonly volumeDescriptors: readonly IsoVolumeDescriptorInfo[];
  /** Volume Space Size of the PVD. */
  readonly volumeSpace: { readonly blockCount: number; readonly byteLength: number };
  /** Size of the device holding the image (may exceed the volume: padding, appended partitions). */
  readonly imageByteLength: number;
  readonly pathTables: { readonly primaryByteLength: number; readonly jolietByteLength?: number };
  readonly extensions: {
    readonly rockRidge: { readonly present: boolean; readonly identifier?: string };
    readonly joliet: { readonly present: boolean; readonly level?: 1 | 2 | 3 };
    readonly elTorito: { readonly present: boolean; readonly catalogLba?: number };
    /** The lowest ECMA-119 interchange level the ISO 9660 names and file sections fit. */
    readonly isoLevel: 1 | 2 | 3;
    /** Some ISO 9660 identifiers exceed the standard's lengths (relaxed naming). */
    readonly relaxedIdentifiers: boolean;
    /** Every SUSP ER identifier of the root. */
    readonly extensionIdentifiers: readonly string[];
  };
  /** Entries of `view` (the image's best view). */
  readonly counts: {
    readonly view: IsoView;
    readonly files: number;
    readonly directories: number;
    readonly symlinks: number;
    readonly other: number;
    /** Sum of file sizes (hard links counted each time). */
    readonly fileByteLength: number;
  };
}

/**
 * Describes an image: descriptors, extensions, sizes and entry counts. Walks the ISO 9660 tree
 * (for the level) and the best view (for the counts).
 *
 * @example
 * ```ts
 * const info = await describeIso(await openIso(device));
 * console.log(JSON.stringify(info, null, 2));
 * console.log(formatIsoInfo(info));
 * ```
 */
export async function describeIso(image: IsoImage): Promise<IsoInfo> {
  const d = image.descriptors;
  const descriptors: IsoVolumeDescriptorInfo[] = [
    describeDescriptor(d.primaryLba, "primary", d.primary),
  ];
  if (d.joliet && d.jolietLba !== undefined) {
    descriptors.push({ ...describeDescriptor(d.jolietLba, "joliet", d.joliet), jolietLevel: d.jolietLevel });
  }
  for (const { lba, descriptor } of d.supplementary) {
    descriptors.push(describeDescriptor(lba, "supplementary", descriptor));
  }
  if (d.bootRecord) {
    descriptors.push({
      lba: d.bootRecord.lba,
      type: "boot record",
      bootSystemIdentifier: d.bootRecord.bootSystemIdentifier,
      catalogLba: d.bootRecord.catalogLba,
    });
  }
  for (const lba of d.partitionLbas) descriptors.push({ lba, type: "partition" });
  if (d.terminatorLba >= 0) descriptors.push({ lba: d.terminatorLba, type: "terminator" });
  descriptors.sort((a, b) => a.lba - b.lba);

  const identifiers: IdentifierFacts[] = [];
  for await (const entry of image.walk("iso9660")) {
    identifiers.push({
      identifier: entry.identifier,
      directory: entry.kind === "directory",
      sectionCount: entry.extents.length,
    });
  }
  const level = inferIsoLevel(identifiers);

  const view = image.defaultView;
  let files = 0, directories = 1, symlinks = 0, other = 0, fileByteLength = 0;
  for await (const entry of image.walk(view)) {
    if (entry.kind === "file") {
      files++;
      fileByteLength += entry.byteLength;
    } else if (entry.kind === "directory") directories++;
    else if (entry.kind === "symlink") symlinks++;
    else other++;
  }

  const elTorito = d.bootRecord?.elTorito ?? false;
  return {
    volumeIdentifier: d.primary.volumeIdentifier,
    volumeDescriptors: descriptors,
    volumeSpace: {
      blockCount: d.primary.volumeSpaceBlockCount,
      byteLength: d.primary.volumeSpaceBlockCount * SECTOR_BYTES,
    },
    imageByteLength: image.device.blockCount * image.device.blockByteLength,
    pathTables: {
      primaryByteLength: d.primary.pathTableByteLength,
      jolietByteLength: d.joliet?.pathTableByteLength,
    },
    extensions: {
      rockRidge: { present: image.hasRockRidge, identifier: image.rockRidgeIdentifier },
      joliet: { present: d.joliet !== undefined, level: d.jolietLevel },
      elTorito: { present: elTorito, catalogLba: elTorito ? d.bootRecord?.catalogLba : undefined },
      isoLevel: level.level,
      relaxedIdentifiers: level.relaxed,
      extensionIdentifiers: image.extensionIdentifiers,
    },
    counts: { view, files, directories, symlinks, other, fileByteLength },
  };
}

function describeDescriptor(
  lba: number,
  type: "primary" | "joliet" | "supplementary",
  v: VolumeDescriptor,
): IsoVolumeDescriptorInfo {
  return {
    lba,
    type,
    systemIdentifier: v.systemIdentifier,
    volumeIdentifier: v.volumeIdentifier,
    volumeSetIdentifier: v.volumeSetIdentifier,
    publisherIdentifier: v.publisherIdentifier,
    dataPreparerIdentifier: v.dataPreparerIdentifier,
    applicationIdentifier: v.applicationIdentifier,
    copyrightFileIdentifier: v.copyrightFileIdentifier,
    abstractFileIdentifier: v.abstractFileIdentifier,
    bibliographicFileIdentifier: v.bibliographicFileIdentifier,
    volumeSpaceBlockCount: v.volumeSpaceBlockCount,
    logicalBlockByteLength: v.logicalBlockByteLength,
    volumeSetSize: v.volumeSetSize,
    volumeSequenceNumber: v.volumeSequenceNumber,
    pathTableByteLength: v.pathTableByteLength,
    typeLPathTableLba: v.typeLPathTableLba,
    typeMPathTableLba: v.typeMPathTableLba,
    rootDirectoryLba: v.rootDirectoryRecord.extentLba,
    rootDirectoryByteLength: v.rootDirectoryRecord.dataByteLength,
    creation: v.creation?.toISOString(),
    modification: v.modification?.toISOString(),
    expiration: v.expiration?.toISOString(),
    effective: v.effective?.toISOString(),
  };
}

/**
 * Formats {@link IsoInfo} as aligned "key: value" lines for people.
 *
 * @example
 * ```ts
 * console.log(formatIsoInfo(await describeIso(image)));
 * // Volume id:           TESTVOL
 * // Volume space:        229 blocks (468992 bytes)
 * // ...
 * ```
 */
export function formatIsoInfo(info: IsoInfo): string {
  const primary = info.volumeDescriptors.find((d) => d.type === "primary")!;
  const joliet = info.volumeDescriptors.find((d) => d.type === "joliet");
  const ext = info.extensions;
  const yes = (present: boolean, detail?: string) => present ? (detail ? `yes (${detail})` : "yes") : "no";
  const rows: [string, string][] = [
    ["System id", primary.systemIdentifier ?? ""],
    ["Volume id", primary.volumeIdentifier ?? ""],
    ["Volume set id", primary.volumeSetIdentifier ?? ""],
    ["Publisher id", primary.publisherIdentifier ?? ""],
    ["Data preparer id", primary.dataPreparerIdentifier ?? ""],
    ["Application id", primary.applicationIdentifier ?? ""],
    ["Copyright file id", primary.copyrightFileIdentifier ?? ""],
    ["Abstract file id", primary.abstractFileIdentifier ?? ""],
    ["Bibliographic file id", primary.bibliographicFileIdentifier ?? ""],
    ["Volume set size", String(primary.volumeSetSize ?? "")],
    ["Volume sequence number", String(primary.volumeSequenceNumber ?? "")],
    ["Logical block size", String(primary.logicalBlockByteLength ?? "")],
    ["Volume space", `${info.volumeSpace.blockCount} blocks (${info.volumeSpace.byteLength} bytes)`],
    ["Image size", `${info.imageByteLength} bytes`],
    [
      "Path table size",
      `${info.pathTables.primaryByteLength} bytes (L at LBA ${primary.typeLPathTableLba}, M at LBA ${primary.typeMPathTableLba})`,
    ],
    ["Root directory", `LBA ${primary.rootDirectoryLba}, ${primary.rootDirectoryByteLength} bytes`],
    ["Creation date", primary.creation ?? "not specified"],
    ["Modification date", primary.modification ?? "not specified"],
    ["Expiration date", primary.expiration ?? "not specified"],
    ["Effective date", primary.effective ?? "not specified"],
    ["Rock Ridge", yes(ext.rockRidge.present, ext.rockRidge.identifier)],
    ["Joliet", yes(ext.joliet.present, ext.joliet.level ? `UCS-2 level ${ext.joliet.level}` : undefined)],
  ];
  if (joliet) {
    rows.push(["Joliet volume id", joliet.volumeIdentifier ?? ""]);
    rows.push(["Joliet path table size", `${info.pathTables.jolietByteLength} bytes`]);
  }
  rows.push(
    [
      "El Torito",
      yes(
        ext.elTorito.present,
        ext.elTorito.catalogLba !== undefined ? `catalog at LBA ${ext.elTorito.catalogLba}` : undefined,
      ),
    ],
    ["ISO 9660 level", `${ext.isoLevel}${ext.relaxedIdentifiers ? " (with relaxed identifiers)" : ""}`],
    ["Volume descriptors", info.volumeDescriptors.map((d) => `${d.lba} ${d.type}`).join(", ")],
    [`Files (${info.counts.view})`, `${info.counts.files} (${info.counts.fileByteLength} bytes)`],
    [`Directories (${info.counts.view})`, String(info.counts.directories)],
    [`Symlinks (${info.counts.view})`, String(info.counts.symlinks)],
    [`Other entries (${info.counts.view})`, String(info.counts.other)],
  );
  const width = Math.max(...rows.map(([key]) => key.length)) + 1;
  return rows.map(([key, value]) => `${(key + ":").padEnd(width)} ${value}`.trimEnd()).join("\n");
}
