import assert from "node:assert/strict";
import fc from "fast-check";
import { type Disc, NO_TRACK_FLAGS, SectorFormat, SessionType, TrackMode } from "../../image/disc.ts";
import { RegionList } from "../../image/regions.ts";
import { checkRawSector, encodeMode1Sector, SECTOR_BYTES } from "../../image/cd/sector.ts";
import { deinterleaveQ, qCrc } from "../../image/cd/subchannel.ts";
import { userDataDisc } from "../../image/open_image.ts";
import { OpticalLun } from "./optical_lun.ts";
import { CheckCondition, SENSE, type Sense } from "./sense.ts";

// A mixed-mode disc: track 1 Mode 1 (LBA 0–324: 175 stored + 150 post-gap), track 2 audio with a
// generated 150-sector pregap (LBA 325–474) and 400 stored sectors (475–874); lead-out 875.
const DATA_SECTORS = 175;
const AUDIO_SECTORS = 400;
const userData = new Uint8Array(DATA_SECTORS * 2048).map((_, i) => (i * 7 + (i >> 11)) & 0xff);
const pcm = new Uint8Array(AUDIO_SECTORS * SECTOR_BYTES).map((_, i) => (i * 13 + 1) & 0xff);
const mixed: Disc = {
  catalog: "0123456789012",
  cdText: { title: "Album", performer: "Band" },
  sessions: [{
    number: 1,
    type: SessionType.cdDaOrCdRom,
    leadOutLba: 875,
    tracks: [
      {
        number: 1,
        session: 1,
        mode: TrackMode.mode1,
        pregapLba: -150,
        startLba: 0,
        extraIndexLbas: [],
        endLba: 325,
        postgapSectorCount: 150,
        flags: NO_TRACK_FLAGS,
        storage: {
          format: SectorFormat.userData2048,
          firstLba: 0,
          sectorCount: DATA_SECTORS,
          regions: new RegionList([{ kind: "bytes", label: "data", bytes: userData }]),
        },
      },
      {
        number: 2,
        session: 1,
        mode: TrackMode.audio,
        pregapLba: 325,
        startLba: 475,
        extraIndexLbas: [],
        endLba: 875,
        postgapSectorCount: 0,
        flags: { ...NO_TRACK_FLAGS, copyPermitted: true },
        isrc: "USABC0000001",
        cdText: { title: "Song" },
        storage: {
          format: SectorFormat.raw,
          firstLba: 475,
          sectorCount: AUDIO_SECTORS,
          regions: new RegionList([{ kind: "bytes", label: "pcm", bytes: pcm }]),
        },
      },
    ],
  }],
};

const IQN = "iqn.2026-12.dev.discwright:test";
const drive = () => new OpticalLun({ media: { disc: mixed, name: "mixed" }, serial: "T1", targetName: IQN });

async function run(lun: OpticalLun, cdb: number[]): Promise<Uint8Array> {
  const padded = new Uint8Array(Math.max(cdb.length, 12));
  padded.set(cdb);
  return (await lun.execute(padded.subarray(0, cdb.length))) ?? new Uint8Array(0);
}

async function senseOf(lun: OpticalLun, cdb: number[]): Promise<Sense | undefined> {
  try {
    await run(lun, cdb);
  } catch (error) {
    if (error instanceof CheckCondition) return error.sense;
    throw error;
  }
  return undefined;
}

const be32 = (b: Uint8Array, at: number) => new DataView(b.buffer, b.byteOffset).getInt32(at);

Deno.test("READ TOC format 0 in LBA and MSF, from a track, lead-out only, bad track", async () => {
  const lun = drive();
  const toc = await run(lun, [0x43, 0, 0, 0, 0, 0, 0, 0x03, 0x24, 0]);
  assert.deepEqual([...toc.subarray(0, 4)], [0, 26, 1, 2]);
  assert.deepEqual([...toc.subarray(4, 12)], [0, 0x14, 1, 0, 0, 0, 0, 0], "track 1: ADR 1, data");
  assert.deepEqual(
    [...toc.subarray(12, 20)],
    [0, 0x12, 2, 0, 0, 0, 0x01, 0xdb],
    "track 2 at 475, audio + copy",
  );
  assert.deepEqual([...toc.subarray(20, 28)], [0, 0x12, 0xaa, 0, 0, 0, 0x03, 0x6b], "lead-out 875");
  const msf = await run(lun, [0x43, 0x02, 0, 0, 0, 0, 0, 0x03, 0x24, 0]);
  assert.deepEqual([...msf.subarray(12, 20)], [0, 0x12, 2, 0, 0, 0, 8, 25], "475 + 150 = 00:08:25");
  const fromTwo = await run(lun, [0x43, 0, 0, 0, 0, 0, 2, 0x03, 0x24, 0]);
  assert.deepEqual([fromTwo[1], fromTwo[6], fromTwo[14]], [18, 2, 0xaa]);
  const leadOutOnly = await run(lun, [0x43, 0, 0, 0, 0, 0, 0xaa, 0x03, 0x24, 0]);
  assert.deepEqual([leadOutOnly[1], leadOutOnly[6]], [10, 0xaa]);
  assert.deepEqual(await senseOf(lun, [0x43, 0, 0, 0, 0, 0, 3, 0x03, 0x24, 0]), SENSE.invalidFieldInCdb);
  const short = await run(lun, [0x43, 0, 0, 0, 0, 0, 0, 0, 12, 0]);
  assert.equal(short.byteLength, 12, "truncated to the allocation length");
});

Deno.test("READ TOC formats 1 (also through byte 9), 2 (A0/A1/A2 + points) and 5 (CD-TEXT); 3 and 4 refused", async () => {
  const lun = drive();
  const session = await run(lun, [0x43, 0, 1, 0, 0, 0, 0, 0, 12, 0]);
  assert.deepEqual([...session], [0, 10, 1, 1, 0, 0x14, 1, 0, 0, 0, 0, 0]);
  const legacy = await run(lun, [0x43, 0, 0, 0, 0, 0, 0, 0, 12, 0x40]);
  assert.deepEqual([...legacy], [...session], "Linux sr_cd_check asks with byte 9 = 0x40");
  const full = await run(lun, [0x43, 0x02, 2, 0, 0, 0, 0, 0x03, 0x24, 0]);
  const points = [];
  for (let at = 4; at < full.byteLength; at += 11) points.push([...full.subarray(at, at + 11)]);
  assert.deepEqual(points, [
    [1, 0x14, 0, 0xa0, 0, 0, 0, 0, 1, 0x00, 0],
    [1, 0x12, 0, 0xa1, 0, 0, 0, 0, 2, 0, 0],
    [1, 0x12, 0, 0xa2, 0, 0, 0, 0, 0, 13, 50], // 875 + 150 = 00:13:50
    [1, 0x14, 0, 1, 0, 0, 0, 0, 0, 2, 0],
    [1, 0x12, 0, 2, 0, 0, 0, 0, 0, 8, 25],
  ]);
  const text = await run(lun, [0x43, 0, 5, 0, 0, 0, 0, 0x10, 0, 0]);
  assert.equal((text.byteLength - 4) % 18, 0);
  assert.ok(text.byteLength > 4 + 18 * 3);
  assert.equal(text[4], 0x80, "first pack is a TITLE pack");
  assert.deepEqual(await senseOf(lun, [0x43, 0, 3, 0, 0, 0, 0, 0, 12, 0]), SENSE.invalidFieldInCdb);
  assert.deepEqual(await senseOf(lun, [0x43, 0, 4, 0, 0, 0, 0, 0, 12, 0]), SENSE.invalidFieldInCdb);
});

Deno.test("READ CD: raw Mode 1 sectors synthesised from cooked data, user data, audio, sub-channel Q and P–W", async () => {
  const lun = drive();
  const raw = await run(lun, [0xbe, 0, 0, 0, 0, 16, 0, 0, 2, 0xf8, 0, 0]);
  assert.equal(raw.byteLength, 2 * SECTOR_BYTES);
  const expected = new Uint8Array(SECTOR_BYTES);
  encodeMode1Sector(16, userData.subarray(16 * 2048, 17 * 2048), expected, 0);
  assert.deepEqual(raw.subarray(0, SECTOR_BYTES), expected);
  assert.deepEqual(checkRawSector(raw, SECTOR_BYTES, 17), []);
  const user = await run(lun, [0xbe, 0x08, 0, 0, 0, 16, 0, 0, 1, 0x10, 0, 0]);
  assert.deepEqual(user, userData.subarray(16 * 2048, 17 * 2048));
  const headerOnly = await run(lun, [0xbe, 0, 0, 0, 0, 16, 0, 0, 1, 0x20, 0, 0]);
  assert.deepEqual([...headerOnly], [0x00, 0x02, 0x16, 0x01], "header of LBA 16: 00:02:16, Mode 1");
  // Post-gap sector (generated): a valid Mode 1 sector of zeros.
  const postgap = await run(lun, [0xbe, 0, 0, 0, 0x01, 0x00, 0, 0, 1, 0xf8, 0, 0]);
  assert.deepEqual(checkRawSector(postgap, 0, 256), []);
  const audio = await run(lun, [0xbe, 0x04, 0, 0, 0x01, 0xdb, 0, 0, 3, 0xf8, 0, 0]);
  assert.deepEqual(audio, pcm.subarray(0, 3 * SECTOR_BYTES), "CD-DA frames are the stored PCM");
  const pregap = await run(lun, [0xbe, 0x04, 0, 0, 0x01, 0x45, 0, 0, 1, 0xf8, 0, 0]);
  assert.ok(pregap.every((b) => b === 0), "generated pregap is digital silence");
  // Formatted Q: LBA 474 is track 2 index 0, one sector before index 01.
  const withQ = await run(lun, [0xbe, 0x04, 0, 0, 0x01, 0xda, 0, 0, 1, 0xf8, 0x02, 0]);
  assert.equal(withQ.byteLength, SECTOR_BYTES + 16);
  const q = withQ.subarray(SECTOR_BYTES);
  assert.deepEqual([...q.subarray(0, 10)], [0x21, 0x02, 0x00, 0x00, 0x00, 0x01, 0, 0x00, 0x08, 0x24]);
  assert.equal((q[10] << 8) | q[11], qCrc(q));
  const withPw = await run(lun, [0xbe, 0x04, 0, 0, 0x01, 0xda, 0, 0, 1, 0xf8, 0x01, 0]);
  const pw = withPw.subarray(SECTOR_BYTES);
  assert.equal(pw.byteLength, 96);
  assert.deepEqual(deinterleaveQ(pw), q.subarray(0, 12));
  assert.ok(pw.every((b) => (b & 0x80) !== 0), "P is set in a pause");
  const c2 = await run(lun, [0xbe, 0, 0, 0, 0, 16, 0, 0, 1, 0xfa, 0, 0]);
  assert.equal(c2.byteLength, SECTOR_BYTES + 294);
  const msf = await run(lun, [0xb9, 0, 0, 0, 2, 16, 0, 2, 18, 0xf8, 0, 0]);
  assert.deepEqual(msf, raw, "READ CD MSF 00:02:16–00:02:18 = READ CD LBA 16, 2 sectors");
  assert.equal((await run(lun, [0xbe, 0, 0, 0, 0, 0, 0, 0, 0, 0xf8, 0, 0])).byteLength, 0, "length 0: GOOD");
});

Deno.test("READ CD and READ(10) errors: wrong sector type, data/audio transition, out of range, bad fields", async () => {
  const lun = drive();
  const illegalMode = SENSE.illegalModeForThisTrack;
  assert.deepEqual(await senseOf(lun, [0xbe, 0x08, 0, 0, 0x01, 0xdb, 0, 0, 1, 0x10, 0, 0]), illegalMode);
  assert.deepEqual(await senseOf(lun, [0xbe, 0x04, 0, 0, 0, 0, 0, 0, 1, 0xf8, 0, 0]), illegalMode);
  assert.deepEqual(await senseOf(lun, [0xbe, 0, 0, 0, 0x01, 0x44, 0, 0, 2, 0xf8, 0, 0]), illegalMode);
  assert.deepEqual(await senseOf(lun, [0xbe, 0, 0, 0, 0x03, 0x6a, 0, 0, 2, 0xf8, 0, 0]), SENSE.lbaOutOfRange);
  assert.deepEqual(await senseOf(lun, [0xbe, 0, 0, 0, 0, 0, 0, 0, 1, 0xfe, 0, 0]), SENSE.invalidFieldInCdb);
  assert.deepEqual(
    await senseOf(lun, [0xbe, 0, 0, 0, 0, 0, 0, 0, 1, 0xf8, 0x04, 0]),
    SENSE.invalidFieldInCdb,
  );
  assert.deepEqual(
    await senseOf(lun, [0x28, 0, 0, 0, 0x01, 0xdb, 0, 0, 1, 0]),
    illegalMode,
    "READ(10) of audio",
  );
  const block = await run(lun, [0x28, 0, 0, 0, 0, 16, 0, 0, 1, 0]);
  assert.deepEqual(block, userData.subarray(16 * 2048, 17 * 2048));
  assert.deepEqual(await senseOf(lun, [0x28, 0, 0, 0, 0x03, 0x6b, 0, 0, 1, 0]), SENSE.lbaOutOfRange);
  const capacity = await run(lun, [0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual([...capacity], [0, 0, 0x03, 0x6a, 0, 0, 8, 0], "last LBA 874, 2048-byte blocks");
});

Deno.test("GET CONFIGURATION, GESN, disc and track information, mode page 2A, mechanism status", async () => {
  const lun = drive();
  const config = await run(lun, [0x46, 0, 0, 0, 0, 0, 0, 0x04, 0, 0]);
  assert.equal(be32(config, 0), config.byteLength - 4);
  assert.deepEqual([config[6], config[7]], [0x00, 0x08], "current profile CD-ROM");
  const codes = [];
  for (let at = 8; at < config.byteLength; at += 4 + config[at + 3]) {
    codes.push((config[at] << 8) | config[at + 1]);
  }
  assert.deepEqual(codes, [0x0, 0x1, 0x2, 0x3, 0x10, 0x1d, 0x1e, 0x1f, 0x100, 0x103, 0x107]);
  const cdRead = await run(lun, [0x46, 0x02, 0x00, 0x1e, 0, 0, 0, 0, 64, 0]);
  assert.deepEqual(
    [...cdRead.subarray(8)],
    [0x00, 0x1e, 0x09, 4, 0x01, 0, 0, 0],
    "RT 2: CD Read only, current",
  );
  const current = await run(lun, [0x46, 0x01, 0, 0, 0, 0, 0, 0x04, 0, 0]);
  assert.ok(current.byteLength < config.byteLength, "RT 1 leaves out DVD Read");
  assert.deepEqual(await senseOf(lun, [0x46, 0x03, 0, 0, 0, 0, 0, 0, 64, 0]), SENSE.invalidFieldInCdb);
  assert.deepEqual([...await run(lun, [0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8, 0])], [0, 6, 4, 0x10, 0, 2, 0, 0]);
  assert.deepEqual([...await run(lun, [0x4a, 1, 0, 0, 0x02, 0, 0, 0, 8, 0])], [0, 2, 0x80, 0x10]);
  assert.deepEqual(await senseOf(lun, [0x4a, 0, 0, 0, 0x10, 0, 0, 0, 8, 0]), SENSE.invalidFieldInCdb);
  const info = await run(lun, [0x51, 0, 0, 0, 0, 0, 0, 0, 34, 0]);
  assert.deepEqual([...info.subarray(0, 9)], [0, 32, 0x0e, 1, 1, 1, 2, 0x20, 0]);
  const track2 = await run(lun, [0x52, 1, 0, 0, 0, 2, 0, 0, 48, 0]);
  assert.deepEqual([track2[2], track2[3], track2[5], be32(track2, 8), be32(track2, 24)], [
    2,
    1,
    0x2,
    475,
    400,
  ]);
  const byLba = await run(lun, [0x52, 0, 0, 0, 0, 100, 0, 0, 48, 0]);
  assert.deepEqual([byLba[2], byLba[5], byLba[6]], [1, 0x4, 0x1]);
  assert.deepEqual(await senseOf(lun, [0x52, 1, 0, 0, 0, 9, 0, 0, 48, 0]), SENSE.invalidFieldInCdb);
  const page = await run(lun, [0x5a, 0x08, 0x2a, 0, 0, 0, 0, 0, 64, 0]);
  assert.equal(page[8], 0x2a);
  assert.ok(page[8 + 5] & 0x01, "CD-DA commands supported (Linux sr reads audio only then)");
  assert.deepEqual([...await run(lun, [0xbd, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0])], [0, 0, 0, 0, 0, 1, 0, 0]);
  assert.deepEqual(
    await senseOf(lun, [0xad, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0]),
    { key: 0x5, asc: 0x30, ascq: 0x02 },
    "READ DVD STRUCTURE on a CD",
  );
});

Deno.test("media: guest eject and load, lock, host eject and insert with UNIT ATTENTION once per nexus and a GESN event", async () => {
  const lun = drive();
  assert.equal(lun.unitAttention(1, 0x00), undefined, "first command of nexus 1");
  assert.equal(lun.unitAttention(2, 0x00), undefined, "first command of nexus 2");
  await run(lun, [0x1e, 0, 0, 0, 1, 0]);
  assert.deepEqual(await senseOf(lun, [0x1b, 0, 0, 0, 0x02, 0]), { key: 0x5, asc: 0x53, ascq: 0x02 });
  await run(lun, [0x1e, 0, 0, 0, 0, 0]);
  await run(lun, [0x1b, 0, 0, 0, 0x02, 0]); // eject: tray open
  assert.deepEqual(await senseOf(lun, [0x00, 0, 0, 0, 0, 0]), { key: 0x2, asc: 0x3a, ascq: 0x02 });
  assert.deepEqual([...await run(lun, [0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8, 0])], [0, 6, 4, 0x10, 3, 1, 0, 0]);
  await run(lun, [0x1b, 0, 0, 0, 0x03, 0]); // load: tray closed, the same disc
  assert.deepEqual(lun.unitAttention(1, 0x00), { key: 0x6, asc: 0x28, ascq: 0x00 });
  assert.equal(lun.unitAttention(1, 0x00), undefined, "reported once");
  lun.eject();
  assert.deepEqual(await senseOf(lun, [0x00, 0, 0, 0, 0, 0]), { key: 0x2, asc: 0x3a, ascq: 0x01 });
  assert.deepEqual(await senseOf(lun, [0x43, 0, 0, 0, 0, 0, 0, 0, 12, 0]), {
    key: 0x2,
    asc: 0x3a,
    ascq: 0x01,
  });
  const none = await run(lun, [0x46, 0, 0, 0, 0, 0, 0, 0x04, 0, 0]);
  assert.deepEqual([none[6], none[7]], [0, 0], "no current profile without a disc");
  const other = userDataDisc(new RegionList([{ kind: "zero", label: "iso", byteLength: 2048 * 40 }]));
  lun.insert({ disc: other, name: "other" });
  assert.equal(lun.unitAttention(2, 0x46), undefined, "GET CONFIGURATION does not see the UA");
  assert.deepEqual(lun.unitAttention(2, 0x00), { key: 0x6, asc: 0x28, ascq: 0x00 });
  assert.deepEqual(lun.unitAttention(1, 0x28), { key: 0x6, asc: 0x28, ascq: 0x00 });
  assert.equal(lun.unitAttention(3, 0x00), undefined, "a new nexus gets power-on from the target, not this");
  assert.deepEqual([...await run(lun, [0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8, 0])], [0, 6, 4, 0x10, 2, 2, 0, 0]);
  assert.deepEqual([...await run(lun, [0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8, 0])], [0, 6, 4, 0x10, 0, 2, 0, 0]);
  const capacity = await run(lun, [0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(be32(capacity, 0), 39);
});

Deno.test("PLAY AUDIO moves the sub-channel position; pause, resume, stop; MCN and ISRC", async () => {
  const lun = drive();
  assert.deepEqual(await senseOf(lun, [0x4b, 0, 0, 0, 0, 0, 0, 0, 1, 0]), {
    key: 0x5,
    asc: 0x2c,
    ascq: 0x00,
  });
  assert.deepEqual(await senseOf(lun, [0x45, 0, 0, 0, 0, 0, 0, 0, 10, 0]), SENSE.illegalModeForThisTrack);
  await run(lun, [0x45, 0, 0, 0, 0x01, 0xdb, 0, 0x01, 0x90, 0]); // play 475 + 400
  await new Promise((resolve) => setTimeout(resolve, 150));
  const position = await run(lun, [0x42, 0, 0x40, 1, 0, 0, 0, 0, 16, 0]);
  assert.equal(position[1], 0x11, "playing");
  assert.deepEqual([position[4], position[5], position[6], position[7]], [1, 0x12, 2, 1]);
  const absolute = be32(position, 8);
  assert.ok(absolute > 475 && absolute < 875, `position ${absolute} moved`);
  assert.equal(be32(position, 12), absolute - 475, "relative to index 01");
  await run(lun, [0x4b, 0, 0, 0, 0, 0, 0, 0, 0, 0]); // pause
  const paused = await run(lun, [0x42, 0, 0x40, 1, 0, 0, 0, 0, 16, 0]);
  await new Promise((resolve) => setTimeout(resolve, 60));
  const stillPaused = await run(lun, [0x42, 0, 0x40, 1, 0, 0, 0, 0, 16, 0]);
  assert.equal(paused[1], 0x12);
  assert.equal(be32(paused, 8), be32(stillPaused, 8), "a paused position does not move");
  await run(lun, [0x4b, 0, 0, 0, 0, 0, 0, 0, 1, 0]); // resume
  await run(lun, [0x4e, 0, 0, 0, 0, 0, 0, 0, 0, 0]); // stop
  assert.equal((await run(lun, [0x42, 0, 0x40, 1, 0, 0, 0, 0, 16, 0]))[1], 0x15);
  await run(lun, [0x45, 0, 0, 0, 0x01, 0xdb, 0, 0, 1, 0]); // one sector: completes within 14 ms
  await new Promise((resolve) => setTimeout(resolve, 40));
  assert.equal((await run(lun, [0x42, 0, 0x40, 1, 0, 0, 0, 0, 16, 0]))[1], 0x13, "completed, once");
  assert.equal((await run(lun, [0x42, 0, 0x40, 1, 0, 0, 0, 0, 16, 0]))[1], 0x15);
  const mcn = await run(lun, [0x42, 0, 0x40, 2, 0, 0, 0, 0, 24, 0]);
  assert.equal(mcn[8], 0x80);
  assert.equal(new TextDecoder().decode(mcn.subarray(9, 22)), "0123456789012");
  const isrc = await run(lun, [0x42, 0, 0x40, 3, 0, 0, 2, 0, 24, 0]);
  assert.equal(new TextDecoder().decode(isrc.subarray(9, 21)), "USABC0000001");
  assert.deepEqual(
    [...await run(lun, [0x42, 0, 0, 1, 0, 0, 0, 0, 16, 0])],
    [0, 0x15, 0, 0],
    "SUBQ=0: header only",
  );
});

Deno.test("a DVD-sized image: DVD-ROM profile and READ DVD STRUCTURE formats 0, 1, FF", async () => {
  const dvdDisc = userDataDisc(new RegionList([{ kind: "zero", label: "dvd", byteLength: 2048 * 500_000 }]));
  const lun = new OpticalLun({ media: { disc: dvdDisc }, serial: "T2", targetName: IQN });
  const config = await run(lun, [0x46, 0, 0, 0, 0, 0, 0, 0, 16, 0]);
  assert.deepEqual([config[6], config[7]], [0x00, 0x10]);
  const physical = await run(lun, [0xad, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x04, 0, 0]);
  assert.equal(physical.byteLength, 2052);
  assert.equal(be32(physical, 8), 0x30000);
  assert.equal(be32(physical, 12), 0x30000 + 500_000 - 1);
  assert.deepEqual([...await run(lun, [0xad, 0, 0, 0, 0, 0, 0, 1, 0, 8, 0, 0])], [0, 6, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(await senseOf(lun, [0xad, 0, 0, 0, 0, 0, 1, 0, 0, 8, 0, 0]), SENSE.invalidFieldInCdb);
  const list = await run(lun, [0xad, 0, 0, 0, 0, 0, 0, 0xff, 0, 64, 0, 0]);
  assert.deepEqual([list[4], list[8], list[12]], [0x00, 0x01, 0x04]);
});

Deno.test("fuzz: any CDB ends in data or CHECK CONDITION, never another error", async () => {
  const lun = drive();
  const opcodes = [
    0x00,
    0x03,
    0x12,
    0x1a,
    0x1b,
    0x1e,
    0x25,
    0x28,
    0x2b,
    0x42,
    0x43,
    0x45,
    0x46,
    0x47,
    0x4a,
    0x4b,
  ];
  opcodes.push(0x4e, 0x51, 0x52, 0x5a, 0x9e, 0xa5, 0xa8, 0xac, 0xad, 0xb9, 0xbb, 0xbd, 0xbe, 0x2a);
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...opcodes),
      fc.uint8Array({ minLength: 5, maxLength: 15 }),
      async (opcode, rest) => {
        const cdb = Uint8Array.of(opcode, ...rest);
        // keep transfers small: sector counts and allocation lengths are random
        try {
          const data = await lun.execute(cdb);
          assert.ok(data === undefined || data instanceof Uint8Array);
        } catch (error) {
          assert.ok(error instanceof CheckCondition, String(error));
        }
      },
    ),
    { numRuns: 3000 },
  );
});
