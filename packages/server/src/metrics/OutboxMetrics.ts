// Outbox metrics (docs/reference/metrics.md): deliveries counted by the dispatcher as they end; job counts and
// the age of the oldest due job polled from the job store every TALLY_OUTBOX_METRICS_INTERVAL_SECONDS.
import { jobStates } from "@tally/domain/JobState"
import { JobStore } from "@tally/domain/ports/JobStore"
import { destinations } from "@tally/domain/Subscription"
import { Config, DateTime, Duration, Effect, Layer, Metric, Schedule } from "effect"

export const outboxDeliveries = Metric.counter("tally_outbox_deliveries_total", {
  description: "Outbox delivery attempts, by destination and outcome (succeeded, failed, discarded)",
  incremental: true
})

export const outboxJobs = Metric.gauge("tally_outbox_jobs", {
  description: "Outbox jobs, by destination and current state"
})

export const outboxOldestPendingAge = Metric.gauge("tally_outbox_oldest_pending_age_seconds", {
  description: "How long the oldest due outbox job has been waiting for an attempt (0 when none is due)"
})

export type DeliveryOutcome = "succeeded" | "failed" | "discarded"

export const countDelivery = (destination: string, outcome: DeliveryOutcome) =>
  Metric.update(Metric.withAttributes(outboxDeliveries, { destination, outcome }), 1)

const outcomes: ReadonlyArray<DeliveryOutcome> = ["succeeded", "failed", "discarded"]

/** One poll: every (destination, state) is set, to 0 when it has no jobs. */
export const pollOutbox = (seen: Set<string>) =>
  Effect.gen(function* () {
    const now = yield* DateTime.now
    const stats = yield* (yield* JobStore).stats(now)
    const current = new Map(stats.counts.map((c) => [`${c.destination}\u0000${c.state}`, c.count]))
    for (const key of current.keys()) seen.add(key)
    for (const key of seen) {
      const [destination, state] = key.split("\u0000") as [string, string]
      yield* Metric.update(Metric.withAttributes(outboxJobs, { destination, state }), current.get(key) ?? 0)
    }
    const ageSeconds =
      stats.oldestDueAt === null
        ? 0
        : Math.max(0, (DateTime.toEpochMillis(now) - DateTime.toEpochMillis(stats.oldestDueAt)) / 1000)
    yield* Metric.update(outboxOldestPendingAge, ageSeconds)
  })

export const OutboxMetricsLive = Layer.effectDiscard(
  Effect.gen(function* () {
    const seconds = yield* Config.Int("TALLY_OUTBOX_METRICS_INTERVAL_SECONDS").pipe(Config.withDefault(15))
    // every label combination exists from the start, so rates and sums are 0 rather than "no data"
    const seen = new Set(destinations.flatMap((d) => jobStates.map((s) => `${d}\u0000${s}`)))
    for (const destination of destinations) {
      for (const outcome of outcomes) {
        yield* Metric.update(Metric.withAttributes(outboxDeliveries, { destination, outcome }), 0)
      }
    }
    yield* pollOutbox(seen).pipe(
      Effect.catchCause((cause) => Effect.logWarning("outbox metrics poll failed", cause)),
      Effect.repeat(Schedule.spaced(Duration.seconds(seconds))),
      Effect.forkScoped
    )
  })
)
