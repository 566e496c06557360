/**
 * Writes a {@link Disc} as a Nero NRG image (v2, disc-at-once; ../shared/specs/image-formats.md
 * §2): every track with its pregap as raw 2352-byte sectors (mode codes 05 Mode 1, 06 Mode 2,
 * 07 audio), or, for a one-track Mode 1 disc (an ISO), 2048-byte sectors behind a 150-sector
 * zero pregap (code 00) as Nero writes data CDs; then CUEX, DAOX and SINF per session, MTYP, END!
 * and the NER5 footer. The image is a lazy region list: nothing is held in memory.
 * @module
 */

import { controlNibble, type Disc, type DiscTrack, discTracks, SectorFormat, TrackMode } from "./disc.ts";
import { rawSectorRegions } from "./disc_sectors.ts";
import { dataTrackUserData } from "./disc_convert.ts";
import { type Region, RegionList } from "./regions.ts";
import { toBcd } from "./cd/msf.ts";

/** Mode codes this writer uses. */
const CODE = { mode1Cooked: 0x00, mode1Raw: 0x05, mode2Raw: 0x06, audio: 0x07 } as const;

function chunk(id: string, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + payload.byteLength);
  out.set(new TextEncoder().encode(id), 0); // 0: id
  new DataView(out.buffer).setUint32(4, payload.byteLength); // 4: u32be size
  out.set(payload, 8);
  return out;
}

/** One CUEX entry (8 bytes). */
function cueEntry(control: number, track: number, index: number, lba: number): number[] {
  const out = new Uint8Array(8);
  out[0] = (control << 4) | 0x01; // 0: CONTROL | ADR 1
  out[1] = track === 0xaa ? 0xaa : toBcd(track); // 1: track, BCD
  out[2] = toBcd(index); // 2: index, BCD
  new DataView(out.buffer).setInt32(4, lba); // 4: i32be LBA
  return [...out];
}

/**
 * The NRG image of `disc`, as regions to write.
 *
 * @example
 * ```ts
 * await writeRegionsToFile(nrgRegions(loadCueDisc("game.cue")), "game.nrg");
 * ```
 */
export function nrgRegions(disc: Disc): RegionList {
  const tracks = discTracks(disc);
  const cooked = tracks.length === 1 && tracks[0].mode === TrackMode.mode1 &&
    (tracks[0].storage?.format ?? SectorFormat.userData2048) === SectorFormat.userData2048;
  const regions: Region[] = [];
  let offset = 0;
  /** Per track: file offsets of index 0, index 1 and the end, mode code and sector size. */
  const layout = new Map<
    DiscTrack,
    { idx0: number; idx1: number; end: number; code: number; sectorBytes: number }
  >();
  for (const track of tracks) {
    const from = Math.max(track.pregapLba, -150);
    if (cooked) {
      const pregapBytes = (track.startLba - from) * 2048;
      regions.push({ kind: "zero", label: `track ${track.number} pregap`, byteLength: pregapBytes });
      const user = dataTrackUserData(track);
      regions.push(...user.regions);
      layout.set(track, {
        idx0: offset,
        idx1: offset + pregapBytes,
        end: offset + pregapBytes + user.byteLength,
        code: CODE.mode1Cooked,
        sectorBytes: 2048,
      });
      offset += pregapBytes + user.byteLength;
      continue;
    }
    regions.push(...rawSectorRegions(disc, from, track.endLba, `track ${track.number}`));
    const code = track.mode === TrackMode.audio
      ? CODE.audio
      : track.mode === TrackMode.mode1
      ? CODE.mode1Raw
      : CODE.mode2Raw;
    layout.set(track, {
      idx0: offset,
      idx1: offset + (track.startLba - from) * 2352,
      end: offset + (track.endLba - from) * 2352,
      code,
      sectorBytes: 2352,
    });
    offset += (track.endLba - from) * 2352;
  }
  const chainOffset = offset;
  const chain: Uint8Array[] = [];
  for (const session of disc.sessions) {
    // CUEX: lead-in, each track's index 0 (when it has a pregap), 1, 2…, then the lead-out.
    const first = session.tracks[0];
    const cues: number[] = cueEntry(
      controlNibble(first),
      0,
      0,
      session.number === 1 ? -150 : first.pregapLba,
    );
    for (const track of session.tracks) {
      const l = layout.get(track)!;
      if (l.idx1 > l.idx0) {
        cues.push(
          ...cueEntry(
            controlNibble(track),
            track.number,
            0,
            track.startLba - (l.idx1 - l.idx0) / l.sectorBytes,
          ),
        );
      }
      cues.push(...cueEntry(controlNibble(track), track.number, 1, track.startLba));
      track.extraIndexLbas.forEach((lba, i) =>
        cues.push(...cueEntry(controlNibble(track), track.number, i + 2, lba))
      );
    }
    cues.push(...cueEntry(controlNibble(session.tracks.at(-1)!), 0xaa, 1, session.leadOutLba));
    chain.push(chunk("CUEX", Uint8Array.from(cues)));
    // DAOX: 22-byte header, 42 bytes per track.
    const dao = new Uint8Array(22 + 42 * session.tracks.length);
    const view = new DataView(dao.buffer);
    view.setUint32(0, dao.byteLength); // 0: size
    if (disc.catalog) dao.set(new TextEncoder().encode(disc.catalog.slice(0, 13)), 4); // 4: MCN + NUL
    dao[20] = first.number; // 20: first track
    dao[21] = session.tracks.at(-1)!.number; // 21: last track
    session.tracks.forEach((track, i) => {
      const at = 22 + 42 * i;
      const l = layout.get(track)!;
      if (track.isrc) dao.set(new TextEncoder().encode(track.isrc.slice(0, 12)), at); // 0: ISRC
      view.setUint16(at + 12, l.sectorBytes); // 12: sector size
      dao[at + 14] = l.code; // 14: mode code
      view.setBigUint64(at + 18, BigInt(l.idx0)); // 18: index 0 offset
      view.setBigUint64(at + 26, BigInt(l.idx1)); // 26: index 1 offset
      view.setBigUint64(at + 34, BigInt(l.end)); // 34: end offset
    });
    chain.push(chunk("DAOX", dao));
    const sinf = new Uint8Array(4);
    new DataView(sinf.buffer).setUint32(0, session.tracks.length); // tracks in the session
    chain.push(chunk("SINF", sinf));
  }
  chain.push(chunk("MTYP", Uint8Array.of(0, 0, 0, 1))); // CD-R/RW media
  chain.push(chunk("END!", new Uint8Array(0)));
  const footer = new Uint8Array(12);
  footer.set(new TextEncoder().encode("NER5"), 0); // 0: "NER5"
  new DataView(footer.buffer).setBigUint64(4, BigInt(chainOffset)); // 4: u64be chain offset
  for (const bytes of chain) regions.push({ kind: "bytes", label: "NRG chunk", bytes });
  regions.push({ kind: "bytes", label: "NRG footer", bytes: footer });
  return new RegionList(regions.filter((r) => r.kind !== "zero" || r.byteLength > 0));
}
