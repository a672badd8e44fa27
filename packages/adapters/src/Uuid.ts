import { randomBytes } from "node:crypto"
import { Ids } from "@tally/domain/ports/Ids"
import { Effect, Layer } from "effect"

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex")

/** RFC 9562 UUIDv7: time-ordered, so new rows land at the right edge of primary-key indexes. */
export const uuidv7 = (nowMs: number = Date.now()): string => {
  const bytes = randomBytes(16)
  bytes.writeUIntBE(nowMs, 0, 6)
  bytes[6] = (bytes[6]! & 0x0f) | 0x70
  bytes[8] = (bytes[8]! & 0x3f) | 0x80
  const h = hex(bytes)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

export const layer = Layer.succeed(Ids, { next: Effect.sync(() => uuidv7()) })
