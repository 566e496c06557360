/** Locks the public export list: a change to the API must change this test on purpose. */
import assert from "node:assert/strict";
import * as mod from "./mod.ts";

Deno.test("mod.ts: public value exports", () => {
  assert.deepEqual(Object.keys(mod).sort(), [
    "APPLICATION_USE_BYTES",
    "APPLICATION_USE_OFFSET",
    "BlockLun",
    "CUE_TRACK_MODES",
    "CheckCondition",
    "DISCWRIGHT_VERSION",
    "FileBlockDevice",
    "FormatError",
    "ISOMD5_FRAGMENT_COUNT",
    "ISOMD5_SKIP_SECTORS",
    "IscsiTarget",
    "IsoMd5Accumulator",
    "LayoutError",
    "MAX_SECTOR_PROBLEMS",
    "MKISOFS_HELP",
    "MKISOFS_VERSION_TEXT",
    "MemoryBlockDevice",
    "MemoryOverlay",
    "NRG_MODE_CODES",
    "NRG_V1_FOOTER_BYTES",
    "NRG_V2_FOOTER_BYTES",
    "NbdServer",
    "OVERLAY_BLOCK_BYTES",
    "OpticalLun",
    "QemuBoot",
    "RegionBlockDevice",
    "RegionList",
    "RegionListBuilder",
    "SENSE",
    "SectorFormat",
    "SessionType",
    "SourceError",
    "TrackMode",
    "UsageError",
    "addVirtualFile",
    "audioTrackPcm",
    "audioTrackWav",
    "bootTest",
    "bootTestJunit",
    "buildCd",
    "buildFatImageFromDirectory",
    "buildIso",
    "cdRequest",
    "checkDisc",
    "checkIsoMd5",
    "checkRawSector",
    "classifyRawSector",
    "controlNibble",
    "convertImage",
    "cueSheetToDisc",
    "dataTrackDevice",
    "dataTrackUserData",
    "decodeCueSheet",
    "decodeIsoMd5Record",
    "defaultIsoPlanOptions",
    "deinterleaveQ",
    "describeDisc",
    "describeIso",
    "discLeadOutLba",
    "discTrackAt",
    "discTracks",
    "encodeDiscCue",
    "encodeIsoMd5Record",
    "encodeMode1Sector",
    "encodeMode2Form1Sector",
    "encodeMode2Form2Sector",
    "encodeQPosition",
    "extractIso",
    "fatTreeFromEntries",
    "firstDataTrack",
    "fixedSense",
    "formatBootFailure",
    "formatDiscInfo",
    "formatIsoInfo",
    "globToRegExp",
    "imageBytes",
    "interleaveSubchannel",
    "isNrgFile",
    "isoBuildRequest",
    "isoFileDisc",
    "lbaToMsf",
    "loadCueDisc",
    "loadNrgDisc",
    "lookupHostId",
    "msfToLba",
    "nrgRegions",
    "openImage",
    "openIso",
    "overlay",
    "parseMkisofsArgs",
    "planCd",
    "planCdBuild",
    "planFat",
    "planIso",
    "planIsoBuild",
    "qCrc",
    "qPositionAt",
    "qemuBootArgs",
    "readDeviceBytes",
    "readNrgChunks",
    "readRawSectors",
    "readRegionChunks",
    "regionExport",
    "regionStream",
    "resolveCueFileNextTo",
    "scanSources",
    "sectionLengths",
    "sniffContainer",
    "stripAnsi",
    "userDataDisc",
    "userDataOf",
    "verifyDiscSectors",
    "verifyIso",
    "writeRegionsToFile",
  ]);
});

Deno.test("mod.ts: the README's library example runs (plan, write, read back)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/tree/docs`, { recursive: true });
    await Deno.writeTextFile(`${dir}/tree/docs/hello.txt`, "hello\n");
    const tree = mod.scanSources([{ hostPath: `${dir}/tree` }]);
    const plan = mod.planIso(tree, mod.defaultIsoPlanOptions({ rockRidge: "rationalized", joliet: true }));
    await mod.writeRegionsToFile(plan.regions, `${dir}/example.iso`);
    using device = await mod.FileBlockDevice.open(`${dir}/example.iso`);
    const image = await mod.openIso(device);
    const paths: string[] = [];
    for await (const entry of image.walk(image.defaultView, "/")) {
      paths.push(`${entry.path}:${entry.byteLength}`);
    }
    assert.deepEqual(paths.filter((p) => !p.startsWith(":")), ["docs:2048", "docs/hello.txt:6"]);
    assert.equal((await mod.verifyIso(device)).summary.ok, true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
