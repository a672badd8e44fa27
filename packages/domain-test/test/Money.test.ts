import { assert, describe, it } from "@effect/vitest"
import { Result, Schema } from "effect"
import {
  AmountMinor,
  CurrencyCode,
  currencies,
  exponentOf,
  formatMinor,
  PositiveAmountMinor
} from "../../domain/src/Money.ts"
import { cc } from "./fixtures.ts"

const decodeAmount = Schema.decodeUnknownResult(AmountMinor)
const decodePositive = Schema.decodeUnknownResult(PositiveAmountMinor)
const decodeCurrency = Schema.decodeUnknownResult(CurrencyCode)

describe("Money", () => {
  it("knows the exponents of the common currencies", () => {
    const expected: Record<string, number> = { EUR: 2, USD: 2, GBP: 2, CHF: 2, JPY: 0, KRW: 0, VND: 0, ISK: 0 }
    Object.assign(expected, { CLP: 0, UGX: 0, BHD: 3, KWD: 3, JOD: 3, TND: 3, SEK: 2, INR: 2 })
    for (const [code, exponent] of Object.entries(expected)) assert.strictEqual(exponentOf(cc(code)), exponent, code)
    assert.isAtLeast(currencies.size, 40)
    for (const [code, exponent] of currencies) {
      assert.match(code, /^[A-Z]{3}$/)
      assert.include([0, 2, 3, 4], exponent)
    }
  })

  it("decodes supported currency codes and refuses others by name", () => {
    assert.isTrue(Result.isSuccess(decodeCurrency("EUR")))
    for (const bad of ["XYZ", "eur", "", "EURO", 978]) assert.isTrue(Result.isFailure(decodeCurrency(bad)), String(bad))
    const failure = decodeCurrency("XYZ")
    assert.isTrue(Result.isFailure(failure) && failure.failure.message.includes('unknown currency "XYZ"'))
  })

  it("decodes and encodes amounts as strings of digits", () => {
    assert.deepStrictEqual(decodeAmount("1050"), Result.succeed(1050n))
    assert.deepStrictEqual(decodeAmount("0"), Result.succeed(0n))
    assert.deepStrictEqual(decodeAmount("007"), Result.succeed(7n))
    assert.deepStrictEqual(decodeAmount("9".repeat(30)), Result.succeed(10n ** 30n - 1n))
    assert.strictEqual(Schema.encodeSync(AmountMinor)(1050n), "1050")
  })

  it("refuses signs, decimals, blanks, numbers and more than 30 digits", () => {
    for (const bad of ["-1", "+1", "1.5", "1,5", "", " 1", "1 ", "1e3", "0x10", "1".repeat(31), 1050, 1050n, null]) {
      assert.isTrue(Result.isFailure(decodeAmount(bad)), String(bad))
    }
  })

  it("PositiveAmountMinor refuses 0", () => {
    assert.isTrue(Result.isFailure(decodePositive("0")))
    assert.deepStrictEqual(decodePositive("1"), Result.succeed(1n))
  })

  it("formats minor units for humans with the currency's exponent", () => {
    assert.strictEqual(formatMinor(1050n, cc("EUR")), "10.50")
    assert.strictEqual(formatMinor(5n, cc("EUR")), "0.05")
    assert.strictEqual(formatMinor(0n, cc("EUR")), "0.00")
    assert.strictEqual(formatMinor(-1050n, cc("EUR")), "-10.50")
    assert.strictEqual(formatMinor(1050n, cc("JPY")), "1050")
    assert.strictEqual(formatMinor(1n, cc("BHD")), "0.001")
    assert.strictEqual(formatMinor(12345n, cc("CLF")), "1.2345")
    assert.strictEqual(formatMinor(2n ** 63n - 1n, cc("EUR")), "92233720368547758.07")
  })
})
