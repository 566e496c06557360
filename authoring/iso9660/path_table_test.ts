import assert from "node:assert/strict";
import fc from "fast-check";
import { ascii, hex } from "./_hex.ts";
import { decodePathTable, encodePathTable, type PathTableRecord } from "./path_table.ts";

const records: PathTableRecord[] = [
  {
    extendedAttributeRecordLength: 0,
    extentLba: 20,
    parentDirectoryNumber: 1,
    identifier: new Uint8Array([0]),
  },
  { extendedAttributeRecordLength: 0, extentLba: 22, parentDirectoryNumber: 1, identifier: ascii("AA") },
  { extendedAttributeRecordLength: 0, extentLba: 23, parentDirectoryNumber: 1, identifier: ascii("DOCS") },
];

Deno.test("path table: first three records of xorriso's image, L and M (iso9660.md §11)", () => {
  assert.deepEqual(
    encodePathTable(records, true),
    hex("01 00 14000000 0100 00 00 | 02 00 16000000 0100 4141 | 04 00 17000000 0100 444f4353"),
  );
  assert.deepEqual(
    encodePathTable(records, false),
    hex("01 00 00000014 0001 00 00 | 02 00 00000016 0001 4141 | 04 00 00000017 0001 444f4353"),
  );
});

Deno.test("path table: round trip (fast-check)", () => {
  const recordArb = fc.record({
    extendedAttributeRecordLength: fc.constant(0),
    extentLba: fc.nat({ max: 0xffffffff }),
    parentDirectoryNumber: fc.integer({ min: 1, max: 0xffff }),
    identifier: fc.uint8Array({ minLength: 1, maxLength: 31 }),
  });
  fc.assert(fc.property(fc.array(recordArb, { maxLength: 20 }), fc.boolean(), (rs, le) => {
    assert.deepEqual(decodePathTable(encodePathTable(rs, le), le, 0), rs.map((r) => ({ ...r })));
  }));
});
