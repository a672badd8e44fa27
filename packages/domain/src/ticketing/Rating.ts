// Ratings are append-only events; the histogram is a read model folded from them, so rebuilding is a replay.
import type { DateTime } from "effect"
import type { EventId } from "./Event.ts"
import type { HolderId } from "./Reservation.ts"

export const values = [1, 2, 3, 4, 5] as const
export type RatingValue = (typeof values)[number]

export const isRatingValue = (n: number): n is RatingValue => Number.isInteger(n) && n >= 1 && n <= 5

/** One rating as it happened: the user's current rating is their latest event. `seq` orders the events. */
export interface RatingEvent {
  readonly seq: bigint
  readonly eventId: EventId
  readonly userId: HolderId
  readonly value: RatingValue
  readonly ratedAt: DateTime.Utc
}

/** Count of current ratings per value: `counts[v - 1]` users rate the event `v`. */
export interface Histogram {
  readonly counts: readonly [bigint, bigint, bigint, bigint, bigint]
}

export const empty: Histogram = { counts: [0n, 0n, 0n, 0n, 0n] }

/**
 * The incremental update: the user's rating moves from `previous` (undefined: first rating) to `value`.
 * `previous` is the value of the user's latest earlier event, which the store reads under the histogram's lock.
 */
export const apply = (histogram: Histogram, previous: RatingValue | undefined, value: RatingValue): Histogram => {
  const counts = [...histogram.counts] as [bigint, bigint, bigint, bigint, bigint]
  if (previous !== undefined) {
    if (counts[previous - 1]! <= 0n) throw new Error(`histogram has no rating ${previous} to replace`)
    counts[previous - 1]! -= 1n
  }
  counts[value - 1]! += 1n
  return { counts }
}

/** Replays events (in `seq` order) from nothing: the full rebuild. */
export const fold = (events: Iterable<RatingEvent>): Histogram => {
  const latest = new Map<HolderId, RatingValue>()
  let histogram = empty
  for (const e of [...events].sort((a, b) => (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0))) {
    histogram = apply(histogram, latest.get(e.userId), e.value)
    latest.set(e.userId, e.value)
  }
  return histogram
}

/** The histogram of the latest rating per user, counted directly: what `fold` must always agree with. */
export const recount = (latest: Iterable<RatingValue>): Histogram => {
  const counts: [bigint, bigint, bigint, bigint, bigint] = [0n, 0n, 0n, 0n, 0n]
  for (const v of latest) counts[v - 1]! += 1n
  return { counts }
}

/**
 * Summary statistics, exact: computed in bigint from the counts and rounded once, half up, to hundredths
 * (`averageHundredths: 425n` = 4.25). The standard deviation is the population one, √(Σ(x−μ)²/n).
 * All three are null when nobody has rated.
 */
export interface Summary {
  readonly counts: Histogram["counts"]
  readonly total: bigint
  readonly sum: bigint
  readonly averageHundredths: bigint | null
  readonly medianHundredths: bigint | null
  readonly stddevHundredths: bigint | null
}

/** ⌊√n⌋ for n ≥ 0, by Newton's method on bigints. */
export const isqrt = (n: bigint): bigint => {
  if (n < 0n) throw new Error("isqrt of a negative number")
  if (n < 2n) return n
  let x = BigInt(Math.floor(Math.sqrt(Number(n)))) + 1n
  while (x * x > n) x = (x + n / x) / 2n
  while ((x + 1n) * (x + 1n) <= n) x += 1n
  return x
}

/** The value at 1-based position `k` of the sorted ratings. */
const at = (counts: Histogram["counts"], k: bigint): bigint => {
  let seen = 0n
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i]!
    if (seen >= k) return BigInt(i + 1)
  }
  throw new Error(`position ${k} beyond the histogram`)
}

export const summarize = (histogram: Histogram): Summary => {
  const counts = histogram.counts
  let total = 0n
  let sum = 0n
  let squares = 0n
  counts.forEach((c, i) => {
    const v = BigInt(i + 1)
    total += c
    sum += c * v
    squares += c * v * v
  })
  if (total === 0n) {
    return { counts, total, sum, averageHundredths: null, medianHundredths: null, stddevHundredths: null }
  }
  // round(100·sum/n) half up = ⌊(200·sum + n) / 2n⌋
  const averageHundredths = (200n * sum + total) / (2n * total)
  // even n: the mean of the two middle values, exact in hundredths (a multiple of 50)
  const medianHundredths =
    total % 2n === 1n
      ? 100n * at(counts, (total + 1n) / 2n)
      : 50n * (at(counts, total / 2n) + at(counts, total / 2n + 1n))
  // σ·100 = √(10⁴·(n·Σx² − (Σx)²)) / n; rounded half up: ⌊(⌊√(4Q)⌋/n + 1) / 2⌋ with Q = 10⁴·(n·Σx² − (Σx)²)
  const q = 10_000n * (total * squares - sum * sum)
  const stddevHundredths = (isqrt(4n * q) / total + 1n) / 2n
  return { counts, total, sum, averageHundredths, medianHundredths, stddevHundredths }
}
