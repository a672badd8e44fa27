import { assert, describe, it } from "@effect/vitest"
import { DateTime } from "effect"
import * as fc from "fast-check"
import type { EventId } from "../../../domain/src/ticketing/Event.ts"
import {
  apply,
  empty,
  fold,
  isqrt,
  type RatingEvent,
  type RatingValue,
  recount,
  summarize
} from "../../../domain/src/ticketing/Rating.ts"
import { uuid } from "../fixtures.ts"

const eventId = uuid(1) as EventId
const at = DateTime.makeUnsafe("2026-01-01T00:00:00Z")
const value = fc.constantFrom<RatingValue>(1, 2, 3, 4, 5)
const ratings = fc.array(fc.record({ user: fc.nat(15), value }), { maxLength: 120 })

const toEvents = (rs: ReadonlyArray<{ user: number; value: RatingValue }>): Array<RatingEvent> =>
  rs.map((r, i) => ({ seq: BigInt(i + 1), eventId, userId: uuid(100 + r.user), value: r.value, ratedAt: at }))

const summaryOf = (...vs: Array<RatingValue>) => summarize(recount(vs))

describe("rating histogram", () => {
  it("fold(events) equals a recount of the latest rating per user, in any delivery order", () => {
    fc.assert(
      fc.property(ratings, fc.infiniteStream(fc.nat()), (rs, shuffle) => {
        const events = toEvents(rs)
        const latest = new Map<string, RatingValue>()
        for (const e of events) latest.set(e.userId, e.value)
        const shuffled = [...events].sort(() => (shuffle.next().value % 3) - 1)
        assert.deepStrictEqual(fold(shuffled), recount(latest.values()))
      })
    )
  })

  it("the incremental update equals the full replay after every event", () => {
    fc.assert(
      fc.property(ratings, (rs) => {
        const events = toEvents(rs)
        const latest = new Map<string, RatingValue>()
        let incremental = empty
        events.forEach((e, i) => {
          incremental = apply(incremental, latest.get(e.userId), e.value)
          latest.set(e.userId, e.value)
          assert.deepStrictEqual(incremental, fold(events.slice(0, i + 1)))
        })
      })
    )
  })

  it("replacing a rating that is not counted is a bug, not a silent negative count", () => {
    assert.throws(() => apply(empty, 3, 4))
  })

  it("summarizes exactly, rounded half up to hundredths", () => {
    assert.deepStrictEqual(summaryOf(), {
      counts: [0n, 0n, 0n, 0n, 0n],
      total: 0n,
      sum: 0n,
      averageHundredths: null,
      medianHundredths: null,
      stddevHundredths: null
    })
    const s = summaryOf(1, 2, 3, 4)
    assert.strictEqual(s.averageHundredths, 250n)
    assert.strictEqual(s.medianHundredths, 250n)
    assert.strictEqual(s.stddevHundredths, 112n) // √1.25 = 1.1180…
    const t = summaryOf(5, 5, 4)
    assert.strictEqual(t.averageHundredths, 467n) // 4.666…
    assert.strictEqual(t.medianHundredths, 500n)
    assert.strictEqual(t.stddevHundredths, 47n) // √(2/9) = 0.4714…
    assert.strictEqual(summaryOf(3, 3, 3).stddevHundredths, 0n)
    assert.strictEqual(summaryOf(1, 5).stddevHundredths, 200n)
    assert.strictEqual(summaryOf(1, 2).averageHundredths, 150n)
  })

  it("agrees with floating point to within half a hundredth on random histograms", () => {
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 300 }), (vs) => {
        const s = summaryOf(...vs)
        const n = vs.length
        const mean = vs.reduce((a, b) => a + b, 0) / n
        const sd = Math.sqrt(vs.reduce((a, b) => a + (b - mean) ** 2, 0) / n)
        const sorted = [...vs].sort()
        const median = n % 2 === 1 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2
        assert.isAtMost(Math.abs(Number(s.averageHundredths) / 100 - mean), 0.005 + 1e-9)
        assert.isAtMost(Math.abs(Number(s.stddevHundredths) / 100 - sd), 0.005 + 1e-9)
        assert.strictEqual(Number(s.medianHundredths) / 100, median)
        assert.strictEqual(s.total, BigInt(n))
      })
    )
  })

  it("isqrt is the floor of the square root, also beyond 2^53", () => {
    fc.assert(
      fc.property(fc.bigInt(0n, 2n ** 120n), (n) => {
        const r = isqrt(n)
        assert.isTrue(r * r <= n && (r + 1n) * (r + 1n) > n)
      })
    )
  })
})
