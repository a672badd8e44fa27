// Ticketing limits from the environment (docs/reference/config.md), for the domain's TicketingLimits.
import { TicketingLimits } from "@tally/domain/usecases/Ticketing"
import { Config, Duration, Effect, Layer } from "effect"

export const config = Config.all({
  ttl: Config.Duration("TALLY_RESERVATION_TTL").pipe(Config.withDefault(Duration.minutes(15))),
  seatsHeldMax: Config.Int("TALLY_RESERVATION_SEATS_HELD_MAX").pipe(Config.withDefault(10)),
  expireBatchMax: Config.Int("TALLY_RESERVATION_EXPIRE_BATCH_MAX").pipe(Config.withDefault(500))
})

export const layer = Layer.effect(
  TicketingLimits,
  Effect.gen(function* () {
    const c = yield* config
    const ttlSeconds = Math.floor(Duration.toMillis(c.ttl) / 1000)
    if (ttlSeconds < 1) return yield* Effect.die(new Error("TALLY_RESERVATION_TTL must be at least 1 second"))
    if (c.seatsHeldMax < 1) return yield* Effect.die(new Error("TALLY_RESERVATION_SEATS_HELD_MAX must be at least 1"))
    if (c.expireBatchMax < 1)
      return yield* Effect.die(new Error("TALLY_RESERVATION_EXPIRE_BATCH_MAX must be at least 1"))
    return { ttlSeconds, seatsHeldMax: c.seatsHeldMax, expireBatchMax: c.expireBatchMax }
  })
)
