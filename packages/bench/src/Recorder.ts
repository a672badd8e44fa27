// Everything one load run observed: a sample per request, bucketed per second for the charts.
import type { Outcome } from "./Driver.ts"
import { type LatencySummary, round, summarize } from "./Stats.ts"

export interface SecondPoint {
  /** Seconds since the load started (bucket start). */
  readonly t: number
  /** Transfers posted in this second. */
  readonly transfers: number
  /** Transfers posted per second in this bucket (the last bucket may be shorter than a second). */
  readonly rate: number
  readonly requests: number
  /** Requests refused by the ledger or failed in transport. */
  readonly errors: number
  readonly p50Ms: number
  readonly p99Ms: number
}

export interface LoadSummary {
  readonly elapsedSeconds: number
  readonly requests: number
  readonly transfersPosted: number
  readonly transfersFailed: number
  readonly transfersPerSecond: number
  readonly requestsPerSecond: number
  /** Per request (a batch is one request), from its scheduled start to its answer. */
  readonly latencyMs: LatencySummary
  /** Failed transfers' result codes, or the error for transport failures. */
  readonly failures: Readonly<Record<string, number>>
  /** Open loop: requests not sent because the in-flight limit was reached. */
  readonly dropped: number
  readonly perSecond: ReadonlyArray<SecondPoint>
}

interface Bucket {
  transfers: number
  requests: number
  errors: number
  latencies: Array<number>
}

export class Recorder {
  readonly startedAt = performance.now()
  inFlight = 0
  dropped = 0
  requests = 0
  transfersPosted = 0
  transfersFailed = 0
  errors = 0
  #endedAt: number | undefined
  readonly #latencies: Array<number> = []
  readonly #buckets: Array<Bucket> = []
  readonly #failures = new Map<string, number>()

  elapsedSeconds(): number {
    return ((this.#endedAt ?? performance.now()) - this.startedAt) / 1000
  }

  record(startedAt: number, outcome: Outcome): void {
    const now = performance.now()
    const latency = now - startedAt
    const second = Math.max(0, Math.floor((now - this.startedAt) / 1000))
    while (this.#buckets.length <= second) this.#buckets.push({ transfers: 0, requests: 0, errors: 0, latencies: [] })
    const bucket = this.#buckets[second]!
    bucket.requests++
    bucket.latencies.push(latency)
    this.#latencies.push(latency)
    this.requests++
    if (outcome._tag === "Posted") {
      bucket.transfers += outcome.transfers
      this.transfersPosted += outcome.transfers
      return
    }
    bucket.errors++
    this.errors++
    this.transfersFailed += outcome.transfers
    const codes = outcome._tag === "Refused" ? outcome.codes : [outcome.code]
    for (const code of codes.length === 0 ? ["refused"] : codes)
      this.#failures.set(code, (this.#failures.get(code) ?? 0) + 1)
  }

  end(): void {
    this.#endedAt ??= performance.now()
  }

  summary(): LoadSummary {
    this.end()
    const elapsed = this.elapsedSeconds()
    return {
      elapsedSeconds: round(elapsed, 3),
      requests: this.requests,
      transfersPosted: this.transfersPosted,
      transfersFailed: this.transfersFailed,
      transfersPerSecond: round(elapsed > 0 ? this.transfersPosted / elapsed : 0, 1),
      requestsPerSecond: round(elapsed > 0 ? this.requests / elapsed : 0, 1),
      latencyMs: roundSummary(summarize(this.#latencies)),
      failures: Object.fromEntries([...this.#failures].sort(([a], [b]) => a.localeCompare(b))),
      dropped: this.dropped,
      perSecond: this.#buckets.map((b, t) => {
        const s = summarize(b.latencies)
        return {
          t,
          transfers: b.transfers,
          rate: round(b.transfers / Math.min(1, Math.max(0.001, elapsed - t)), 1),
          requests: b.requests,
          errors: b.errors,
          p50Ms: round(s.p50),
          p99Ms: round(s.p99)
        }
      })
    }
  }
}

export const roundSummary = (s: LatencySummary): LatencySummary => ({
  p50: round(s.p50),
  p95: round(s.p95),
  p99: round(s.p99),
  max: round(s.max),
  mean: round(s.mean)
})
