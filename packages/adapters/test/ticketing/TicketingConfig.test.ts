import { assert, describe, it } from "@effect/vitest"
import { TicketingLimits } from "@tally/domain/usecases/Ticketing"
import { ConfigProvider, Effect, Exit } from "effect"
import * as TicketingConfig from "../../src/ticketing/TicketingConfig.ts"

const limitsFrom = (env: Record<string, string>) =>
  Effect.gen(function* () {
    return yield* TicketingLimits
  }).pipe(
    Effect.provide(TicketingConfig.layer),
    Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnvRecord(env))
  )

describe("TicketingConfig", () => {
  it.effect("defaults: 15 minutes, 10 seats held, 500 per expiry run", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* limitsFrom({}), { ttlSeconds: 900, seatsHeldMax: 10, expireBatchMax: 500 })
    })
  )

  it.effect("reads TALLY_RESERVATION_TTL as a duration and the limits as integers", () =>
    Effect.gen(function* () {
      const limits = yield* limitsFrom({
        TALLY_RESERVATION_TTL: "90 seconds",
        TALLY_RESERVATION_SEATS_HELD_MAX: "4",
        TALLY_RESERVATION_EXPIRE_BATCH_MAX: "50"
      })
      assert.deepStrictEqual(limits, { ttlSeconds: 90, seatsHeldMax: 4, expireBatchMax: 50 })
    })
  )

  it.effect("refuses a TTL under a second and a cap under one", () =>
    Effect.gen(function* () {
      assert.isTrue(Exit.isFailure(yield* Effect.exit(limitsFrom({ TALLY_RESERVATION_TTL: "10 millis" }))))
      assert.isTrue(Exit.isFailure(yield* Effect.exit(limitsFrom({ TALLY_RESERVATION_SEATS_HELD_MAX: "0" }))))
      assert.isTrue(Exit.isFailure(yield* Effect.exit(limitsFrom({ TALLY_RESERVATION_TTL: "soon" }))))
    })
  )
})
