// Reservation metrics (docs/reference/metrics.md): `tally_reservations_total{outcome}`, recorded where a
// reservation is made, settled or expired, after its transaction.
import { Effect, Metric } from "effect"

export const reservations = Metric.counter("tally_reservations_total", {
  description: "Reservations made, confirmed, cancelled and expired, and reservations refused, by outcome",
  incremental: true
})

/** The outcomes; a refusal other than these common ones is `refused`. */
export const outcomes = [
  "held",
  "confirmed",
  "cancelled",
  "expired",
  "sold_out",
  "insufficient_funds",
  "limit_exceeded",
  "refused"
] as const
export type Outcome = (typeof outcomes)[number]

const refusalOutcome = (code: string): Outcome =>
  code === "seats_sold_out"
    ? "sold_out"
    : code === "insufficient_funds"
      ? "insufficient_funds"
      : code === "seats_held_limit_exceeded"
        ? "limit_exceeded"
        : "refused"

export const count = (outcome: Outcome, n = 1) => Metric.update(Metric.withAttributes(reservations, { outcome }), n)

const track =
  (success: Outcome) =>
  <A, E extends { readonly _tag: string }, R>(effect: Effect.Effect<A, E, R>) =>
    effect.pipe(
      Effect.tap(() => count(success)),
      Effect.tapError((e) =>
        e._tag === "TicketingRefused" ? count(refusalOutcome((e as unknown as { code: string }).code)) : Effect.void
      )
    )

export const ReservationMetrics = {
  reserved: track("held"),
  settled: (outcome: "confirmed" | "cancelled") => track(outcome)
}

/** Every outcome at 0 from the start, so a dashboard shows 0 rather than no data. */
export const initReservationMetrics = Effect.forEach(outcomes, (outcome) => count(outcome, 0), { discard: true })
