/**
 * A read-only SCSI logical unit over an image's bytes (../shared/specs/scsi-mmc.md §2–§3): SPC
 * (TEST UNIT READY, REQUEST SENSE, INQUIRY with VPD pages, MODE SENSE 6/10) and SBC reads
 * (READ CAPACITY 10/16, READ 6/10/12/16, VERIFY, SYNCHRONIZE CACHE), as a disk (PDT 0, 512-byte
 * blocks) or as a CD-ROM (PDT 5, 2048-byte blocks, removable). Failures are
 * {@link CheckCondition}s; writes get DATA PROTECT. The MMC command set of issue 5 (READ TOC,
 * GET CONFIGURATION, READ CD, …) is not here yet: those opcodes answer INVALID COMMAND OPERATION
 * CODE, as any SPC device without them does.
 * @module
 */

import { CheckCondition, fixedSense, SENSE } from "./sense.ts";

/** What a LU presents itself as. */
export type LunKind = "disk" | "cd";

/** The bytes behind a LU. */
export interface LunSource {
  readonly byteLength: number;
  read(byteOffset: number, byteLength: number): Promise<Uint8Array>;
  /** Present when the LU accepts writes (`--writable-overlay`): keeps `data` at `byteOffset`. */
  write?(byteOffset: number, data: Uint8Array): Promise<void>;
}

/**
 * How a LU asks the transport for a write's data (iSCSI: R2T and Data-Out) once the CDB has been
 * checked: `byteLength` is what the command needs; the result may be shorter when the initiator
 * announced less.
 */
export type DataOut = (byteLength: number) => Promise<Uint8Array>;

/** Opcodes handled here. */
export const ScsiOp = {
  testUnitReady: 0x00,
  requestSense: 0x03,
  read6: 0x08,
  write6: 0x0a,
  inquiry: 0x12,
  modeSelect6: 0x15,
  modeSense6: 0x1a,
  startStopUnit: 0x1b,
  preventAllow: 0x1e,
  readCapacity10: 0x25,
  read10: 0x28,
  write10: 0x2a,
  verify10: 0x2f,
  verify12: 0xaf,
  verify16: 0x8f,
  synchronizeCache10: 0x35,
  modeSense10: 0x5a,
  read16: 0x88,
  write16: 0x8a,
  synchronizeCache16: 0x91,
  serviceActionIn16: 0x9e,
  reportLuns: 0xa0,
  maintenanceIn: 0xa3,
  read12: 0xa8,
  write12: 0xaa,
} as const;

const VENDOR = "DISCWRIT";

function ascii(text: string, length: number): Uint8Array {
  return new TextEncoder().encode(text.padEnd(length, " ").slice(0, length));
}

/**
 * One logical unit.
 *
 * @example
 * ```ts
 * const lun = new BlockLun({ kind: "cd", source, serial: "disc0001", targetName: "iqn.2026-11.dev.discwright:disc" });
 * const data = await lun.execute(Uint8Array.of(0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0)); // READ CAPACITY(10)
 * ```
 */
export class BlockLun {
  readonly kind: LunKind;
  readonly blockByteLength: number;
  readonly blockCount: number;
  readonly #source: LunSource;
  readonly #serial: string;
  readonly #targetName: string;
  /** Sense of the last failed command, for REQUEST SENSE. */
  #lastSense = SENSE.noSense as { key: number; asc: number; ascq: number };

  constructor(options: { kind: LunKind; source: LunSource; serial: string; targetName: string }) {
    this.kind = options.kind;
    this.blockByteLength = options.kind === "cd" ? 2048 : 512;
    this.blockCount = Math.ceil(options.source.byteLength / this.blockByteLength);
    this.#source = options.source;
    this.#serial = options.serial;
    this.#targetName = options.targetName;
  }

  /** Peripheral device type byte. */
  get pdt(): number {
    return this.kind === "cd" ? 0x05 : 0x00;
  }

  /**
   * Runs a CDB; returns the data-in bytes (undefined for none) or throws CheckCondition.
   *
   * @example
   * ```ts
   * const inquiry = await lun.execute(Uint8Array.of(0x12, 0, 0, 0, 36, 0));
   * ```
   */
  async execute(cdb: Uint8Array, dataOut?: DataOut): Promise<Uint8Array | undefined> {
    try {
      const data = await this.#execute(cdb, dataOut);
      if (cdb[0] !== ScsiOp.requestSense) this.#lastSense = SENSE.noSense;
      return data;
    } catch (error) {
      if (error instanceof CheckCondition) this.#lastSense = error.sense;
      throw error;
    }
  }

  /** True when writes are kept (an overlay), false when they get DATA PROTECT. */
  get writable(): boolean {
    return this.kind === "disk" && this.#source.write !== undefined;
  }

  async #execute(cdb: Uint8Array, dataOut?: DataOut): Promise<Uint8Array | undefined> {
    const view = new DataView(cdb.buffer, cdb.byteOffset, cdb.byteLength);
    const need = (n: number) => {
      if (cdb.byteLength < n) {
        throw new CheckCondition(SENSE.invalidFieldInCdb, `CDB of ${cdb.byteLength} bytes`);
      }
    };
    switch (cdb[0]) {
      case ScsiOp.testUnitReady:
      case ScsiOp.startStopUnit:
      case ScsiOp.preventAllow:
      case ScsiOp.synchronizeCache10:
      case ScsiOp.synchronizeCache16:
        return undefined;
      case ScsiOp.verify10:
      case ScsiOp.verify12:
      case ScsiOp.verify16: {
        const size = cdb[0] === ScsiOp.verify10 ? 10 : cdb[0] === ScsiOp.verify12 ? 12 : 16;
        need(size);
        this.#checkProtect(cdb);
        const [lba, blocks] = size === 10
          ? [view.getUint32(2), view.getUint16(7)]
          : size === 12
          ? [view.getUint32(2), view.getUint32(6)]
          : [Number(view.getBigUint64(2)), view.getUint32(10)];
        this.#checkRange(lba, blocks);
        const byteCheck = (cdb[1] >> 1) & 0x03; // BYTCHK: 0 medium only, 1 compare, 3 one block for all
        if (byteCheck === 2) throw new CheckCondition(SENSE.invalidFieldInCdb, "BYTCHK 10b");
        if (byteCheck === 0 || blocks === 0 || !dataOut) return undefined;
        const given = await dataOut((byteCheck === 1 ? blocks : 1) * this.blockByteLength);
        const medium = await this.#read(lba, blocks);
        for (let i = 0; i < medium.byteLength; i++) {
          const expected = byteCheck === 1 ? given[i] : given[i % this.blockByteLength];
          if (expected !== undefined && medium[i] !== expected) {
            throw new CheckCondition(SENSE.miscompare, `VERIFY: byte ${i} differs`);
          }
        }
        return undefined;
      }
      case ScsiOp.requestSense: {
        need(6);
        const out = fixedSense(this.#lastSense);
        this.#lastSense = SENSE.noSense;
        return out.subarray(0, Math.min(18, cdb[4]));
      }
      case ScsiOp.inquiry:
        need(6);
        return this.#inquiry(cdb, view.getUint16(3));
      case ScsiOp.modeSense6:
      case ScsiOp.modeSense10:
        need(cdb[0] === ScsiOp.modeSense10 ? 10 : 6);
        return this.#modeSense(cdb);
      case ScsiOp.readCapacity10: {
        need(10);
        if (!(cdb[8] & 1) && view.getUint32(2) !== 0) {
          throw new CheckCondition(SENSE.invalidFieldInCdb, "PMI=0 with an LBA");
        }
        const out = new Uint8Array(8);
        const data = new DataView(out.buffer);
        data.setUint32(0, Math.min(this.blockCount - 1, 0xffffffff)); // 0: last LBA
        data.setUint32(4, this.blockByteLength); // 4: block length
        return out;
      }
      case ScsiOp.serviceActionIn16: {
        need(16);
        if ((cdb[1] & 0x1f) !== 0x10) throw new CheckCondition(SENSE.invalidFieldInCdb, "service action");
        const out = new Uint8Array(32);
        const data = new DataView(out.buffer);
        data.setBigUint64(0, BigInt(this.blockCount - 1)); // 0: last LBA
        data.setUint32(8, this.blockByteLength); // 8: block length
        return out.subarray(0, Math.min(32, view.getUint32(10)));
      }
      case ScsiOp.read6: {
        need(6);
        const lba = ((cdb[1] & 0x1f) << 16) | view.getUint16(2);
        return await this.#read(lba, cdb[4] === 0 ? 256 : cdb[4]);
      }
      case ScsiOp.read10:
        need(10);
        this.#checkProtect(cdb);
        return await this.#read(view.getUint32(2), view.getUint16(7));
      case ScsiOp.read12:
        need(12);
        this.#checkProtect(cdb);
        return await this.#read(view.getUint32(2), view.getUint32(6));
      case ScsiOp.read16: {
        need(16);
        this.#checkProtect(cdb);
        const lba = view.getBigUint64(2);
        if (lba > BigInt(Number.MAX_SAFE_INTEGER)) throw new CheckCondition(SENSE.lbaOutOfRange, "LBA");
        return await this.#read(Number(lba), view.getUint32(10));
      }
      case ScsiOp.write6:
      case ScsiOp.write10:
      case ScsiOp.write12:
      case ScsiOp.write16: {
        // Field and range errors come before DATA PROTECT, as initiators' test suites expect.
        const sizes: Record<number, number> = {
          [ScsiOp.write6]: 6,
          [ScsiOp.write10]: 10,
          [ScsiOp.write12]: 12,
          [ScsiOp.write16]: 16,
        };
        need(sizes[cdb[0]]);
        if (cdb[0] !== ScsiOp.write6) this.#checkProtect(cdb);
        const [lba, blocks] = cdb[0] === ScsiOp.write6
          ? [((cdb[1] & 0x1f) << 16) | view.getUint16(2), cdb[4] === 0 ? 256 : cdb[4]]
          : cdb[0] === ScsiOp.write10
          ? [view.getUint32(2), view.getUint16(7)]
          : cdb[0] === ScsiOp.write12
          ? [view.getUint32(2), view.getUint32(6)]
          : [Number(view.getBigUint64(2)), view.getUint32(10)];
        this.#checkRange(lba, blocks);
        if (!this.writable) throw new CheckCondition(SENSE.writeProtected, "the image is served read-only");
        if (blocks === 0 || !dataOut) return undefined;
        const data = await dataOut(blocks * this.blockByteLength);
        const start = lba * this.blockByteLength;
        const length = Math.min(data.byteLength, this.#source.byteLength - start);
        if (length > 0) await this.#source.write!(start, data.subarray(0, length));
        return undefined;
      }
      case ScsiOp.maintenanceIn:
        need(12);
        if (this.kind !== "disk" || (cdb[1] & 0x1f) !== 0x0c) {
          throw new CheckCondition(SENSE.invalidFieldInCdb, "MAINTENANCE IN service action");
        }
        return reportSupportedOpcodes(cdb, view);
      case ScsiOp.modeSelect6:
        if (!this.writable) throw new CheckCondition(SENSE.writeProtected, "the image is served read-only");
        return undefined;
      default:
        throw new CheckCondition(SENSE.invalidOpcode, `opcode 0x${cdb[0].toString(16)}`);
    }
  }

  /** RDPROTECT/VRPROTECT (byte 1, bits 7–5) must be 0: the LU has no protection information. */
  #checkProtect(cdb: Uint8Array): void {
    if (cdb[1] & 0xe0) {
      throw new CheckCondition(SENSE.invalidFieldInCdb, "RDPROTECT without protection information");
    }
  }

  #checkRange(lba: number, blocks: number): void {
    if (lba + blocks > this.blockCount) {
      throw new CheckCondition(SENSE.lbaOutOfRange, `LBA ${lba} + ${blocks}`);
    }
  }

  async #read(lba: number, blocks: number): Promise<Uint8Array> {
    this.#checkRange(lba, blocks);
    if (blocks === 0) return new Uint8Array(0);
    const start = lba * this.blockByteLength;
    const wanted = blocks * this.blockByteLength;
    const available = Math.max(0, Math.min(wanted, this.#source.byteLength - start));
    const bytes = available > 0 ? await this.#source.read(start, available) : new Uint8Array(0);
    if (available === wanted) return bytes;
    const out = new Uint8Array(wanted); // a short final block reads as zero-padded
    out.set(bytes);
    return out;
  }

  #inquiry(cdb: Uint8Array, allocation: number): Uint8Array {
    if (cdb[1] & 0x02) throw new CheckCondition(SENSE.invalidFieldInCdb, "CMDDT");
    const evpd = (cdb[1] & 0x01) !== 0;
    if (!evpd) {
      if (cdb[2] !== 0) throw new CheckCondition(SENSE.invalidFieldInCdb, "page code without EVPD");
      const out = new Uint8Array(96);
      out[0] = this.pdt; // 0: PQ 0, PDT
      out[1] = this.kind === "cd" ? 0x80 : 0x00; // 1: RMB
      out[2] = 0x05; // 2: VERSION, SPC-3
      out[3] = 0x12; // 3: HISUP, response data format 2
      out[4] = 96 - 5; // 4: additional length
      out[7] = 0x02; // 7: CMDQUE
      out.set(ascii(VENDOR, 8), 8); // 8: vendor
      out.set(ascii(this.kind === "cd" ? "Virtual CD-ROM" : "Virtual disk", 16), 16); // 16: product
      out.set(ascii("1.0", 4), 32); // 32: revision
      return out.subarray(0, Math.min(96, allocation));
    }
    const page = cdb[2];
    const pages = this.kind === "cd" ? [0x00, 0x80, 0x83] : [0x00, 0x80, 0x83, 0xb0, 0xb1, 0xb2];
    let body: Uint8Array;
    switch (page) {
      case 0x00:
        body = Uint8Array.from(pages);
        break;
      case 0x80:
        body = ascii(this.#serial, 16);
        break;
      case 0x83:
        body = this.#deviceIdentification();
        break;
      case 0xb0:
      case 0xb1:
        if (this.kind !== "disk") throw new CheckCondition(SENSE.invalidFieldInCdb, `VPD page ${page}`);
        body = new Uint8Array(0x3c);
        if (page === 0xb1) body[1] = 0x01; // 4–5: non-rotating medium
        break;
      case 0xb2:
        if (this.kind !== "disk") throw new CheckCondition(SENSE.invalidFieldInCdb, `VPD page ${page}`);
        body = new Uint8Array(4);
        break;
      default:
        throw new CheckCondition(SENSE.invalidFieldInCdb, `VPD page 0x${page.toString(16)}`);
    }
    const out = new Uint8Array(4 + body.byteLength);
    out[0] = this.pdt; // 0: PQ, PDT
    out[1] = page; // 1: page code
    out[2] = body.byteLength >> 8; // 2: page length
    out[3] = body.byteLength & 0xff;
    out.set(body, 4);
    return out.subarray(0, Math.min(out.byteLength, allocation));
  }

  /** VPD 0x83: a T10 vendor id designator and the target's SCSI name string. */
  #deviceIdentification(): Uint8Array {
    const t10 = ascii(`${VENDOR}${this.#serial}`, 8 + 16);
    const name = new TextEncoder().encode(this.#targetName);
    const nameLength = Math.ceil((name.byteLength + 1) / 4) * 4; // NUL-terminated, padded to 4
    const out = new Uint8Array(4 + t10.byteLength + 4 + nameLength);
    out[0] = 0x02; // code set ASCII
    out[1] = 0x01; // association LU, type T10 vendor id
    out[3] = t10.byteLength;
    out.set(t10, 4);
    const at = 4 + t10.byteLength;
    out[at] = 0x53; // protocol iSCSI, code set UTF-8
    out[at + 1] = 0xa8; // PIV, association target device, type SCSI name string
    out[at + 3] = nameLength;
    out.set(name, at + 4);
    return out;
  }

  #modeSense(cdb: Uint8Array): Uint8Array {
    const ten = cdb[0] === ScsiOp.modeSense10;
    const dbd = (cdb[1] & 0x08) !== 0;
    const pc = cdb[2] >> 6;
    const page = cdb[2] & 0x3f;
    if (pc === 3) throw new CheckCondition({ key: 0x5, asc: 0x39, ascq: 0x00 }, "saved values");
    const allocation = ten ? new DataView(cdb.buffer, cdb.byteOffset).getUint16(7) : cdb[4];
    const pages: Uint8Array[] = [];
    const changeable = pc === 1;
    const add = (code: number, body: Uint8Array) => {
      const p = new Uint8Array(2 + body.byteLength);
      p[0] = code; // 0: page code
      p[1] = body.byteLength; // 1: page length
      if (!changeable) p.set(body, 2);
      pages.push(p);
    };
    const want = (code: number) => page === 0x3f || page === code;
    if (this.kind === "disk") {
      if (want(0x08)) add(0x08, new Uint8Array(0x12)); // caching: WCE 0 (write-through), read cache on
      if (want(0x0a)) add(0x0a, Uint8Array.of(0, 0x10, 0, 0, 0, 0, 0, 0, 0, 0)); // control: unrestricted reordering
    } else {
      if (want(0x01)) add(0x01, Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0)); // read error recovery
      if (want(0x0d)) add(0x0d, Uint8Array.of(0, 0, 0, 60, 0, 75)); // CD parameters: 60 S/M, 75 F/S
      if (want(0x0e)) {
        // CD audio control: IMMED; port 0 left at full volume, port 1 right at full volume.
        add(0x0e, Uint8Array.of(0x04, 0, 0, 0, 0, 0, 0x01, 0xff, 0x02, 0xff, 0, 0, 0, 0));
      }
      if (want(0x2a)) {
        // Capabilities (byte: value): 2 reads CD-R/RW, Method 2, DVD-ROM; 3 writes nothing; 4 audio play,
        // Mode 2 Form 1/2, multi-session; 5 CD-DA commands, stream accurate, ISRC, UPC; 6 lock, eject,
        // tray; 8–9 max speed 7056 kB/s; 10–11 256 volume levels; 12–13 512 KiB buffer; 14–15 current speed.
        const page = new Uint8Array(0x14);
        page.set([0x3b, 0x00, 0x71, 0x63, 0x29, 0x00, 0x1b, 0x90, 0x01, 0x00, 0x02, 0x00, 0x1b, 0x90]);
        add(0x2a, page);
      }
    }
    if (pages.length === 0) {
      throw new CheckCondition(SENSE.invalidFieldInCdb, `mode page 0x${page.toString(16)}`);
    }
    const descriptor = new Uint8Array(dbd || this.kind === "cd" ? 0 : 8);
    if (descriptor.byteLength) {
      const blocks = Math.min(this.blockCount, 0xffffff);
      descriptor.set([
        0,
        blocks >> 16,
        (blocks >> 8) & 0xff,
        blocks & 0xff,
        0,
        0,
        this.blockByteLength >> 8,
        0,
      ]);
    }
    const header = new Uint8Array(ten ? 8 : 4);
    const body = pages.reduce((n, p) => n + p.byteLength, 0);
    const total = header.byteLength + descriptor.byteLength + body;
    if (ten) {
      header[0] = (total - 2) >> 8; // 0: mode data length
      header[1] = (total - 2) & 0xff;
      header[2] = this.kind === "cd" ? 0x70 : 0; // 2: medium type
      header[3] = (this.writable ? 0 : 0x80) | (this.kind === "disk" ? 0x10 : 0); // 3: WP (read-only); DPOFUA for disks
      header[7] = descriptor.byteLength; // 6–7: block descriptor length
    } else {
      header[0] = total - 1; // 0: mode data length
      header[1] = this.kind === "cd" ? 0x70 : 0; // 1: medium type
      header[2] = (this.writable ? 0 : 0x80) | (this.kind === "disk" ? 0x10 : 0); // 2: WP (read-only); DPOFUA for disks
      header[3] = descriptor.byteLength; // 3: block descriptor length
    }
    const out = new Uint8Array(total);
    out.set(header, 0);
    out.set(descriptor, header.byteLength);
    let at = header.byteLength + descriptor.byteLength;
    for (const p of pages) {
      out.set(p, at);
      at += p.byteLength;
    }
    return out.subarray(0, Math.min(total, allocation));
  }
}

/**
 * The commands a disk LU answers, with their CDB usage data (SPC-4 REPORT SUPPORTED OPERATION
 * CODES: byte 0 is the opcode, then a mask of the bits each CDB byte may use).
 */
const DISK_COMMANDS: readonly { usage: readonly number[]; serviceAction?: number }[] = [
  { usage: [0x00, 0, 0, 0, 0, 0x07] }, // TEST UNIT READY
  { usage: [0x03, 0x01, 0, 0, 0xff, 0x07] }, // REQUEST SENSE
  { usage: [0x08, 0x1f, 0xff, 0xff, 0xff, 0x07] }, // READ(6)
  { usage: [0x0a, 0x1f, 0xff, 0xff, 0xff, 0x07] }, // WRITE(6)
  { usage: [0x12, 0x01, 0xff, 0xff, 0xff, 0x07] }, // INQUIRY
  { usage: [0x15, 0x11, 0, 0, 0xff, 0x07] }, // MODE SELECT(6)
  { usage: [0x1a, 0x08, 0xff, 0xff, 0xff, 0x07] }, // MODE SENSE(6)
  { usage: [0x1b, 0x01, 0, 0x0f, 0xf7, 0x07] }, // START STOP UNIT
  { usage: [0x1e, 0, 0, 0, 0x03, 0x07] }, // PREVENT ALLOW MEDIUM REMOVAL
  { usage: [0x25, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0x01, 0x07] }, // READ CAPACITY(10)
  { usage: [0x28, 0xf8, 0xff, 0xff, 0xff, 0xff, 0x1f, 0xff, 0xff, 0x07] }, // READ(10)
  { usage: [0x2a, 0xf8, 0xff, 0xff, 0xff, 0xff, 0x1f, 0xff, 0xff, 0x07] }, // WRITE(10)
  { usage: [0x2f, 0xf6, 0xff, 0xff, 0xff, 0xff, 0x1f, 0xff, 0xff, 0x07] }, // VERIFY(10)
  { usage: [0x35, 0x02, 0xff, 0xff, 0xff, 0xff, 0x1f, 0xff, 0xff, 0x07] }, // SYNCHRONIZE CACHE(10)
  { usage: [0x5a, 0x18, 0xff, 0xff, 0, 0, 0, 0xff, 0xff, 0x07] }, // MODE SENSE(10)
  { usage: [0x88, 0xf8, ...new Array(12).fill(0xff), 0x1f, 0x07] }, // READ(16)
  { usage: [0x8a, 0xf8, ...new Array(12).fill(0xff), 0x1f, 0x07] }, // WRITE(16)
  { usage: [0x8f, 0xf6, ...new Array(12).fill(0xff), 0x1f, 0x07] }, // VERIFY(16)
  { usage: [0x91, 0x02, ...new Array(12).fill(0xff), 0x1f, 0x07] }, // SYNCHRONIZE CACHE(16)
  { usage: [0x9e, 0x1f, ...new Array(12).fill(0xff), 0x01, 0x07], serviceAction: 0x10 }, // READ CAPACITY(16)
  { usage: [0xa0, 0, 0xff, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0x07] }, // REPORT LUNS
  { usage: [0xa3, 0x1f, 0x87, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0x07], serviceAction: 0x0c }, // REPORT SUPPORTED OPCODES
  { usage: [0xa8, 0xf8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x07] }, // READ(12)
  { usage: [0xaa, 0xf8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x07] }, // WRITE(12)
  { usage: [0xaf, 0xf6, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x07] }, // VERIFY(12)
];

/** Command timeouts descriptor (RCTD): length 0x0A, no vendor values, nominal and recommended 0. */
const TIMEOUTS_DESCRIPTOR = [0x00, 0x0a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

/** REPORT SUPPORTED OPERATION CODES (MAINTENANCE IN, service action 0x0C). */
function reportSupportedOpcodes(cdb: Uint8Array, view: DataView): Uint8Array {
  const rctd = (cdb[2] & 0x80) !== 0;
  const option = cdb[2] & 0x07;
  const allocation = view.getUint32(6);
  const bytes: number[] = [];
  if (option === 0) {
    bytes.push(0, 0, 0, 0); // 0–3: command data length
    for (const c of DISK_COMMANDS) {
      const sa = c.serviceAction ?? 0;
      bytes.push(
        c.usage[0],
        0,
        sa >> 8,
        sa & 0xff,
        0,
        (rctd ? 0x02 : 0) | (c.serviceAction !== undefined ? 1 : 0),
      );
      bytes.push(c.usage.length >> 8, c.usage.length & 0xff);
      if (rctd) bytes.push(...TIMEOUTS_DESCRIPTOR);
    }
    const length = bytes.length - 4;
    bytes.splice(0, 4, length >>> 24, (length >> 16) & 0xff, (length >> 8) & 0xff, length & 0xff);
  } else if (option <= 3) {
    const opcode = cdb[3];
    const sa = view.getUint16(4);
    const candidates = DISK_COMMANDS.filter((c) => c.usage[0] === opcode);
    const hasSa = candidates.some((c) => c.serviceAction !== undefined);
    if (option === 1 && hasSa) {
      throw new CheckCondition(SENSE.invalidFieldInCdb, "opcode has service actions");
    }
    if (option === 2 && candidates.length > 0 && !hasSa) {
      throw new CheckCondition(SENSE.invalidFieldInCdb, "opcode has no service actions");
    }
    const found = candidates.find((c) => (c.serviceAction === undefined) || c.serviceAction === sa);
    const support = found && (option !== 3 || !hasSa || found.serviceAction === sa) ? 0x03 : 0x01;
    bytes.push(0, (rctd ? 0x80 : 0) | support); // 1: CTDP, SUPPORT (3 supported, 1 not supported)
    const usage = support === 0x03 && found ? found.usage : [];
    bytes.push(usage.length >> 8, usage.length & 0xff, ...usage);
    if (rctd) bytes.push(...TIMEOUTS_DESCRIPTOR);
  } else {
    throw new CheckCondition(SENSE.invalidFieldInCdb, `reporting options ${option}`);
  }
  const out = Uint8Array.from(bytes);
  return out.subarray(0, Math.min(out.byteLength, allocation));
}
