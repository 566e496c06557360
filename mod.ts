/**
 * discwright: author, read, convert and serve optical disc images.
 *
 * The library behind `cli/build.ts` and `cli/disc.ts`. Building an ISO is three steps: scan the
 * source tree, plan the image (pure: every extent placed, the image as a region list), write the
 * regions in order.
 *
 * @example
 * ```ts
 * import { defaultIsoPlanOptions, planIso, scanSources, writeRegionsToFile } from "./mod.ts";
 *
 * const tree = scanSources([{ hostPath: "examples/tree" }]);
 * const plan = planIso(tree, defaultIsoPlanOptions({ rockRidge: "rationalized", joliet: true }));
 * await writeRegionsToFile(plan.regions, "example.iso");
 * ```
 * @module
 */

// Errors
export { FormatError, type FormatLocation, LayoutError, SourceError, UsageError } from "./image/errors.ts";

// The sector model: region lists and the one writer
export {
  type BytesRegion,
  type FileRegion,
  type LazyRegion,
  overlay,
  type Region,
  RegionList,
  RegionListBuilder,
  type ZeroRegion,
} from "./image/regions.ts";
export {
  KeptAsTemporaryError,
  type ProgressCallback,
  readRegionChunks,
  regionStream,
  writeFilesAllOrNothing,
  type WriteHooks,
  writeRegionsToFile,
} from "./image/region_writer.ts";
export { DENO_HOST_FS, type HostDirectory, type HostFs, hostFs, type HostStat } from "./image/host_fs.ts";

// Authoring: sources, planning, the mkisofs dialect
export {
  addVirtualFile,
  globToRegExp,
  type Pathspec,
  type ScanOptions,
  scanSources,
  type SourceDirectory,
  type SourceFile,
  type SourceNode,
  type SourceTree,
  type VirtualFile,
} from "./authoring/source_tree.ts";
export {
  defaultIsoPlanOptions,
  type IsoPlan,
  type IsoPlanOptions,
  planIso,
  type PlannedFile,
  sectionLengths,
  type VolumeIdentifiers,
} from "./authoring/iso9660/planner.ts";
export { buildIso, planIsoBuild } from "./authoring/build.ts";
export { type MkisofsOptions, parseMkisofsArgs } from "./authoring/mkisofs/options.ts";
export { DISCWRIGHT_VERSION, MKISOFS_HELP, MKISOFS_VERSION_TEXT } from "./authoring/mkisofs/help.ts";
export { type IsoBuildRequest, isoBuildRequest, lookupHostId } from "./authoring/mkisofs/request.ts";

// Reading: block devices, the ISO 9660 reader, verify, extract, info
export {
  type BlockDevice,
  FileBlockDevice,
  MemoryBlockDevice,
  readDeviceBytes,
  RegionBlockDevice,
} from "./image/block_device.ts";
export {
  type IsoBootRecord,
  type IsoDescriptorSet,
  type IsoEntry,
  type IsoEntryKind,
  type IsoExtent,
  type IsoImage,
  type IsoReadPolicy,
  type IsoView,
  openIso,
} from "./authoring/iso9660/reader.ts";
export {
  verifyIso,
  type VerifyProblem,
  type VerifyReport,
  type VerifySummary,
} from "./authoring/iso9660/verify.ts";
export { extractIso, type ExtractOptions } from "./authoring/iso9660/extract.ts";
export { describeIso, formatIsoInfo, type IsoInfo } from "./authoring/iso9660/info.ts";

// Emulation: boot-testing under QEMU
export {
  type BootMedia,
  type BootOutcome,
  type BootSource,
  bootTest,
  bootTestJunit,
  type BootTestOptions,
  type BootTestResult,
  type Firmware,
  formatBootFailure,
  type OvmfFiles,
  QemuBoot,
  qemuBootArgs,
  type QemuBootFiles,
  type QemuBootOptions,
  stripAnsi,
} from "./emulate/qemu/boot_test.ts";

// FAT12/16/32 images (EFI system partitions, floppies)
export {
  buildFatImageFromDirectory,
  type FatBuildOptions,
  fatTreeFromEntries,
} from "./authoring/fat/build.ts";
export { type FatPlan, type FatPlanOptions, planFat } from "./authoring/fat/planner.ts";

// CDs: the disc model, raw sectors, opening images, converting, authoring BIN/CUE
export {
  type CdTextFields,
  checkDisc,
  controlNibble,
  type Disc,
  discLeadOutLba,
  type DiscSession,
  type DiscTrack,
  discTracks,
  SectorFormat,
  SessionType,
  type TrackFlags,
  TrackMode,
  type TrackStorage,
} from "./image/disc.ts";
export { dataTrackDevice, firstDataTrack } from "./image/disc_device.ts";
export { describeDisc, type DiscInfo, type DiscTrackInfo, formatDiscInfo } from "./image/disc_info.ts";
export {
  audioTrackPcm,
  audioTrackWav,
  binCueOf,
  convertImage,
  dataTrackUserData,
} from "./image/disc_convert.ts";
export { MAX_SECTOR_PROBLEMS, type SectorProblem, verifyDiscSectors } from "./image/disc_verify.ts";
export {
  CUE_TRACK_MODES,
  type CueSheet,
  cueSheetToDisc,
  type CueTrack,
  decodeCueSheet,
  loadCueDisc,
  resolveCueFileNextTo,
} from "./image/cue_reader.ts";
export { type CueFiles, encodeDiscCue } from "./image/cue_writer.ts";
export {
  imageBytes,
  isoFileDisc,
  type OpenedImage,
  openImage,
  sniffContainer,
  userDataDisc,
} from "./image/open_image.ts";
export { discTrackAt, qPositionAt, type RawSectors, readRawSectors } from "./image/disc_sectors.ts";
export {
  deinterleaveQ,
  encodeQPosition,
  interleaveSubchannel,
  qCrc,
  type QPosition,
} from "./image/cd/subchannel.ts";
export { lbaToMsf, type Msf, msfToLba } from "./image/cd/msf.ts";
export {
  checkRawSector,
  classifyRawSector,
  encodeMode1Sector,
  encodeMode2Form1Sector,
  encodeMode2Form2Sector,
  userDataOf,
} from "./image/cd/sector.ts";
export { buildCd, type CdBuildPlan, planCdBuild } from "./authoring/cd/build.ts";
export { type CdPlan, planCd } from "./authoring/cd/plan.ts";
export { type CdOptions, type CdRequest, cdRequest } from "./authoring/cd/request.ts";

// Emulation: NBD
export { type NbdExport, NbdServer, type NbdServerOptions } from "./emulate/nbd/server.ts";
export { regionExport, type RegionExportOptions } from "./emulate/nbd/image_export.ts";

// Emulation: iSCSI and SCSI
export { IscsiTarget, type IscsiTargetOptions } from "./emulate/iscsi/target.ts";
export { BlockLun, type DataOut, type LunKind, type LunSource } from "./emulate/scsi/block_lun.ts";
export { MemoryOverlay, OVERLAY_BLOCK_BYTES, type OverlayBase } from "./emulate/overlay.ts";
export { OpticalLun, type OpticalMedia } from "./emulate/scsi/optical_lun.ts";
export { CheckCondition, fixedSense, SENSE, type Sense } from "./emulate/scsi/sense.ts";
export {
  APPLICATION_USE_BYTES,
  APPLICATION_USE_OFFSET,
  checkIsoMd5,
  decodeIsoMd5Record,
  encodeIsoMd5Record,
  ISOMD5_FRAGMENT_COUNT,
  ISOMD5_SKIP_SECTORS,
  IsoMd5Accumulator,
  type IsoMd5Check,
  type IsoMd5Record,
} from "./image/isomd5.ts";
export {
  isNrgFile,
  loadNrgDisc,
  NRG_MODE_CODES,
  NRG_V1_FOOTER_BYTES,
  NRG_V2_FOOTER_BYTES,
  type NrgChunk,
  type NrgModeCode,
  readNrgChunks,
} from "./image/nrg.ts";
export { nrgRegions } from "./image/nrg_writer.ts";
export {
  GPT_TYPE,
  isHybridImage,
  MBR_TYPE_FAT32_LBA,
  planUsbDdMode,
  planUsbIsoMode,
  USB_MIN_ISO_MODE_BYTES,
  USB_PARTITION_START_LBA,
  USB_SECTOR_BYTES,
  type UsbIsoModeRequest,
  type UsbPlan,
} from "./authoring/usb/plan.ts";
export { buildUsbImage, type UsbBuildOptions, type UsbBuildResult } from "./authoring/usb/build.ts";
export { ccdFilesOf, type CcdSections, loadCcdDisc, parseCcd } from "./image/ccd.ts";
export { isMdsFile, loadMdsDisc, MDS_SIGNATURE, mdsFilesOf } from "./image/mds.ts";
export {
  type BootReplay,
  parseXorrisoRemaster,
  type RemasterAdd,
  remasterIso,
  type RemasterOptions,
  replayBoot,
  type XorrisoRemasterCommands,
} from "./authoring/remaster/remaster.ts";
export {
  type ByteReader,
  describeRawImage,
  FLOPPY_SIZES,
  formatRawImageInfo,
  type RawImageInfo,
  type RawPartition,
} from "./image/raw_image.ts";
export { loadCdrdaoToc } from "./image/cdrdao_toc_reader.ts";
export { type ByteStream, memoryStreamPair, ProtocolError } from "./emulate/tcp.ts";
export { discImageFiles } from "./image/image_files.ts";
