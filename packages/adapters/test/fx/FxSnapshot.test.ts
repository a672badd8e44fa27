import { assert, describe, it, layer } from "@effect/vitest"
import { FxRate, parseRate } from "@tally/domain/Fx"
import type { CurrencyCode } from "@tally/domain/Money"
import { LedgerStore } from "@tally/domain/ports/LedgerStore"
import * as Transfers from "@tally/domain/usecases/Transfers"
import { DateTime, Effect, Layer, Option, Schema } from "effect"
import { crossRateScale, crossRates, referenceAsOf } from "../../src/fx/FxFeed.ts"
import { rateAges } from "../../src/fx/FxRateAges.ts"
import * as FxSnapshot from "../../src/fx/FxSnapshot.ts"
import * as PgLedgerStore from "../../src/postgres/PgLedgerStore.ts"
import { SYSTEM_CURRENCIES } from "../../src/Seeds.ts"
import { command, openAt } from "../contract/LedgerContract.ts"
import { TestDatabase } from "../support/TestDatabase.ts"

const cc = (c: string) => c as CurrencyCode
const unit = 10n ** BigInt(crossRateScale)
const scaled = (rate: string) => {
  const { numerator, denominator } = parseRate(rate)
  return (numerator * unit) / denominator
}

describe("FxSnapshot (pure)", () => {
  it.effect("lists every seeded currency and derives every ordered pair as an exact decimal", () =>
    Effect.gen(function* () {
      const feed = yield* FxSnapshot.feed
      const rates = crossRates(feed)
      const n = SYSTEM_CURRENCIES.length
      assert.strictEqual(rates.length, n * (n - 1))
      assert.sameMembers([...new Set(rates.map((r) => r.base))], SYSTEM_CURRENCIES)
      for (const r of rates) {
        assert.isTrue(Schema.is(FxRate)(r.rate), r.rate)
        assert.match(r.rate, new RegExp(`^[0-9]+\\.[0-9]{${crossRateScale}}$`))
      }
      const rate = (base: string, quote: string) => rates.find((r) => r.base === base && r.quote === quote)?.rate
      assert.strictEqual(rate("EUR", "USD"), `${feed.rates.USD}000000`)
      // USD→JPY = 176.42 / 1.1658 = 151.32955910104649…, rounded down at 10 digits
      assert.strictEqual(rate("USD", "JPY"), "151.3295591010")
    })
  )

  it.effect("A→B × B→A is 1 within the rounding of the two rates (never above)", () =>
    Effect.gen(function* () {
      const rates = crossRates(yield* FxSnapshot.feed)
      const byPair = new Map(rates.map((r) => [`${r.base}:${r.quote}`, scaled(r.rate)]))
      for (const r of rates) {
        const ab = byPair.get(`${r.base}:${r.quote}`)!
        const ba = byPair.get(`${r.quote}:${r.base}`)!
        const shortfall = unit * unit - ab * ba
        // each rate is at most 1 unit of the last digit below the exact quotient, so the product is at most
        // (ab + ba + 2) units of 10^(-2·scale) below 1
        assert.isTrue(shortfall >= 0n, `${r.base}/${r.quote} product above 1`)
        assert.isTrue(shortfall <= ab + ba + 2n, `${r.base}/${r.quote} shortfall ${shortfall}`)
      }
    })
  )
})

layer(PgLedgerStore.layer.pipe(Layer.provideMerge(TestDatabase())), { timeout: 60_000, excludeTestServices: true })(
  "FxSnapshot on PostgreSQL",
  (it) => {
    it.effect("saves every pair with the snapshot's own as-of; FX transfers priced from it are stale by default", () =>
      Effect.gen(function* () {
        const store = yield* LedgerStore
        const snapshotDate = (yield* FxSnapshot.feed).date
        const asOf = referenceAsOf(snapshotDate)
        // the real clock: the bundled snapshot is weeks old, as when the service runs offline today
        const ageSeconds = (DateTime.toEpochMillis(yield* DateTime.now) - DateTime.toEpochMillis(asOf)) / 1000
        assert.isAbove(ageSeconds, 7200)
        const saved = yield* FxSnapshot.load()
        const n = SYSTEM_CURRENCIES.length
        assert.strictEqual(saved, n * (n - 1))
        const quote = Option.getOrThrow(yield* store.fxQuote(cc("EUR"), cc("JPY")))
        assert.strictEqual(quote.rate, "176.4200000000")
        assert.strictEqual(quote.source, `snapshot:${snapshotDate}`)
        assert.strictEqual(DateTime.formatIso(quote.asOf), `${snapshotDate}T13:10:00.000Z`, "14:10 CET that day")

        const world = Option.getOrThrow(yield* store.systemAccount("world", cc("EUR")))
        const yen = yield* openAt("JPY")
        const worldAccount = Option.getOrThrow(yield* store.getAccount(world))
        // the server's default TALLY_FX_MAX_AGE_SECONDS (2 h): refused, and stored as refused
        const strict = { fxMaxAgeSeconds: 7200, timeoutSecondsMax: 3600, batchSizeMax: 10 }
        const refused = yield* Effect.flip(
          Transfers.create(command(worldAccount, yen, 1_000n), null).pipe(
            Effect.provideService(Transfers.LedgerLimits, strict)
          )
        )
        assert.strictEqual((refused as Transfers.TransferRefused).code, "fx_rate_stale")
        // an operator who accepts rates that old (e.g. developing offline) converts at the snapshot
        const lenient = { ...strict, fxMaxAgeSeconds: Math.ceil(ageSeconds) + 86_400 }
        const t = yield* Transfers.create(command(worldAccount, yen, 1_000n), null).pipe(
          Effect.provideService(Transfers.LedgerLimits, lenient)
        )
        assert.strictEqual(t.creditAmountMinor, 1_764n) // 10.00 EUR × 176.42 = 1764.2 JPY, rounded down
        assert.strictEqual(t.fx?.source, `snapshot:${snapshotDate}`)
        assert.isTrue(t.fx !== null && DateTime.Equivalence(t.fx.asOf, asOf), "the transfer keeps the provider's as-of")
        const [stored] = yield* store.getTransfers([t.id], null)
        assert.isTrue(stored?.fx != null && DateTime.Equivalence(stored.fx.asOf, asOf), "stored with it too")

        const ages = yield* rateAges
        assert.sameMembers(
          ages.map((a) => a.currency),
          SYSTEM_CURRENCIES
        )
        for (const a of ages) assert.isAtLeast(a.ageSeconds, ageSeconds, "measured from the provider's as-of")
      })
    )

    it.effect("an older feed never overwrites a newer rate", () =>
      Effect.gen(function* () {
        const store = yield* LedgerStore
        const newer = DateTime.add(referenceAsOf((yield* FxSnapshot.feed).date), { days: 1 })
        yield* store.saveFxQuotes([{ base: cc("EUR"), quote: cc("USD"), rate: "1.2000", source: "test", asOf: newer }])
        yield* FxSnapshot.load()
        const quote = Option.getOrThrow(yield* store.fxQuote(cc("EUR"), cc("USD")))
        assert.strictEqual(quote.rate, "1.2000")
        assert.strictEqual(quote.source, "test")
        assert.strictEqual(
          Option.getOrThrow(yield* store.fxQuote(cc("EUR"), cc("GBP"))).source.slice(0, 9),
          "snapshot:"
        )
      })
    )
  }
)
