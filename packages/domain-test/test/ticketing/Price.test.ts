import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import { convertMinor } from "../../../domain/src/Fx.ts"
import { payerAmountMinor } from "../../../domain/src/ticketing/Price.ts"
import { cc, EUR, JPY, USD } from "../fixtures.ts"

const currencies = [EUR, USD, JPY, cc("BHD")]

describe("payer amount across currencies", () => {
  it("same currency: the price itself", () => {
    assert.strictEqual(payerAmountMinor(1234n, EUR, EUR, "1"), 1234n)
  })

  it("is the least amount the ledger's conversion turns into at least the price", () => {
    fc.assert(
      fc.property(
        fc.bigInt(1n, 10n ** 9n),
        fc.constantFrom(...currencies),
        fc.constantFrom(...currencies),
        fc.constantFrom("1.0834", "0.0062", "160.5", "0.5", "2.65", "0.377"),
        (total, payer, event, rate) => {
          fc.pre(payer !== event)
          const d = payerAmountMinor(total, payer, event, rate)
          assert.isTrue(convertMinor(d, payer, event, rate) >= total)
          assert.isTrue(convertMinor(d - 1n, payer, event, rate) < total)
        }
      )
    )
  })
})
