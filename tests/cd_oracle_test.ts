/** The independent sector checker agrees with the encoder and catches single-byte damage. */
import assert from "node:assert/strict";
import fc from "fast-check";
import { encodeMode1Sector, encodeMode2Form1Sector, FORM1_SUBHEADER } from "../image/cd/sector.ts";
import { oracleCheckRawSector } from "./_cd_oracle.ts";

Deno.test("oracle: encoded Mode 1 and Form 1 sectors pass; any flipped byte after the sync fails", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 300_000 }),
      fc.uint8Array({ minLength: 2048, maxLength: 2048 }),
      fc.boolean(),
      fc.integer({ min: 0, max: 2351 }),
      (lba, data, form1, flip) => {
        const s = new Uint8Array(2352);
        if (form1) encodeMode2Form1Sector(lba, FORM1_SUBHEADER, data, s);
        else encodeMode1Sector(lba, data, s);
        assert.deepEqual(oracleCheckRawSector(s, 0, lba), []);
        s[flip] ^= 0x10;
        assert.notDeepEqual(oracleCheckRawSector(s, 0, lba), [], `flip at ${flip}`);
      },
    ),
    { numRuns: 40 },
  );
});
