import { assert, describe, it } from "@effect/vitest"
import { Schema } from "effect"
import { ageMillis, convert, convertMinor, FxRate, isStale, parseRate } from "../../domain/src/Fx.ts"
import { cc, EUR, JPY, later, now, quote, USD } from "./fixtures.ts"

describe("Fx", () => {
  it("parses decimal rates into exact fractions", () => {
    assert.deepStrictEqual(parseRate("1.0834"), { numerator: 10834n, denominator: 10000n })
    assert.deepStrictEqual(parseRate("160"), { numerator: 160n, denominator: 1n })
    assert.deepStrictEqual(parseRate("0.000001"), { numerator: 1n, denominator: 1000000n })
  })

  it("refuses rates that are not positive decimals", () => {
    for (const bad of ["0", "0.000", "-1.2", "1.", ".5", "1e3", "", "1,08", " 1"]) {
      assert.isFalse(Schema.is(FxRate)(bad), bad)
      assert.throws(() => parseRate(bad))
    }
    assert.isTrue(Schema.is(FxRate)("1.0834"))
  })

  it("converts exactly, honouring both exponents", () => {
    // 10.00 EUR at 1.0834 = 10.834 USD → 10.83 USD
    assert.strictEqual(convertMinor(1000n, EUR, USD, "1.0834"), 1083n)
    // 10.00 EUR at 160.5 JPY = 1605 JPY
    assert.strictEqual(convertMinor(1000n, EUR, JPY, "160.5"), 1605n)
    // 1605 JPY at 0.00623 EUR = 9.99915 EUR → 9.99 EUR
    assert.strictEqual(convertMinor(1605n, JPY, EUR, "0.00623"), 999n)
    // 1.000 BHD at 2.65 USD = 2.65 USD
    assert.strictEqual(convertMinor(1000n, cc("BHD"), USD, "2.65"), 265n)
    // 2.65 USD at 0.377 BHD = 0.99905 BHD → 0.999 BHD
    assert.strictEqual(convertMinor(265n, USD, cc("BHD"), "0.377"), 999n)
    // huge amounts stay exact (no floats)
    assert.strictEqual(convertMinor(9_000_000_000_000_000_00n, EUR, USD, "1.0000000001"), 900000000090000000n)
  })

  it("rounds down: never pays out more than the exact value", () => {
    assert.strictEqual(convertMinor(1n, EUR, USD, "0.99"), 0n)
    assert.strictEqual(convertMinor(999n, EUR, USD, "1.001"), 999n) // 999.999 → 999
    assert.strictEqual(convertMinor(1n, JPY, EUR, "0.0062"), 0n)
    for (const amount of [1n, 7n, 99n, 12345n]) {
      const out = convertMinor(amount, EUR, USD, "1.0834")
      assert.isTrue(out * 10000n <= amount * 10834n && (out + 1n) * 10000n > amount * 10834n)
    }
  })

  it("convert uses the quote's pair", () => {
    assert.strictEqual(convert(1000n, quote(EUR, USD, "1.0834")), 1083n)
  })

  it("a quote is stale only when strictly older than the maximum age", () => {
    const q = quote(EUR, USD, "1.0834", now)
    assert.isFalse(isStale(q, now, 60))
    assert.isFalse(isStale(q, later(60), 60))
    assert.isTrue(isStale(q, later(60.001), 60))
    // a quote stamped in the future (clock skew) is fresh
    assert.strictEqual(ageMillis(quote(EUR, USD, "1", later(5)), now), 0)
  })
})
