// UUIDv7 (RFC 9562): version 7, the RFC variant, the time in the first 48 bits, random in the rest.
import { assert, describe, it } from "@effect/vitest"
import { uuidv7 } from "../src/Uuid.ts"

const FORMAT = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

describe("uuidv7", () => {
  it("is version 7 with the RFC variant and the time in its first 48 bits", () => {
    const at = Date.UTC(2026, 11, 1, 12, 0, 0, 123)
    const id = uuidv7(at)
    assert.match(id, FORMAT)
    assert.strictEqual(Number.parseInt(id.replaceAll("-", "").slice(0, 12), 16), at)
    assert.notMatch(uuidv7(), /^00000000-0000/)
  })

  it("orders by time and differs within one millisecond", () => {
    const ids = Array.from({ length: 1000 }, () => uuidv7(1_700_000_000_000))
    assert.strictEqual(new Set(ids).size, ids.length)
    for (const id of ids) assert.match(id, FORMAT)
    assert.isTrue(uuidv7(1_700_000_000_000) < uuidv7(1_700_000_000_001))
    assert.isTrue(uuidv7(0xfff_ffff_ffff) > uuidv7(0x100_0000_0000))
  })

  it("keeps 74 random bits: every random hex digit takes many values", () => {
    const ids = Array.from({ length: 2000 }, () => uuidv7(1_700_000_000_000).replaceAll("-", ""))
    // digits 13-15 and 17-31 are random; 16 is the variant (8, 9, a or b)
    for (const at of [13, 14, 15, 17, 20, 25, 31]) assert.isAbove(new Set(ids.map((id) => id[at])).size, 12)
    assert.deepStrictEqual([...new Set(ids.map((id) => id[16]))].sort(), ["8", "9", "a", "b"])
  })
})
