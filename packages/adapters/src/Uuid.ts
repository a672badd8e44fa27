import { randomUUID } from "node:crypto"
import { Ids } from "@tally/domain/ports/Ids"
import { Effect, Layer } from "effect"

/**
 * RFC 9562 UUIDv7: time-ordered, so new rows land at the right edge of primary-key indexes. Built on `randomUUID`,
 * which draws from a pool of random bytes refilled once per 128 ids and formats natively: its 74 random bits and
 * its variant are kept, the version and the first 48 bits become 7 and the time. A transfer makes several ids (its
 * outbox events), and `randomBytes(16)` per id was a measurable part of a request (docs/adr/0032).
 */
export const uuidv7 = (nowMs: number = Date.now()): string => {
  const random = randomUUID()
  const time = nowMs.toString(16).padStart(12, "0")
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${random.slice(15)}`
}

export const layer = Layer.succeed(Ids, { next: Effect.sync(() => uuidv7()) })
