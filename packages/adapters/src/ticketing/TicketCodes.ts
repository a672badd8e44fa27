import { randomBytes } from "node:crypto"
import { TicketCodes } from "@tally/domain/ports/TicketCodes"
import { Effect, Layer } from "effect"

// Crockford's base32 without I, L, O, U: read aloud or typed from paper without confusion.
const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

/** 16 symbols × 5 bits = 80 bits from the CSPRNG, shown as XXXX-XXXX-XXXX-XXXX. */
export const newCode = (): string => {
  const bytes = randomBytes(16)
  let code = ""
  for (let i = 0; i < 16; i++) {
    if (i > 0 && i % 4 === 0) code += "-"
    code += alphabet[bytes[i]! & 31]
  }
  return code
}

export const layer = Layer.succeed(TicketCodes, { next: Effect.sync(newCode) })

/** Deterministic codes for tests: TEST-0000-0000-0001, TEST-0000-0000-0002, … */
export const layerTest = Layer.sync(TicketCodes, () => {
  let n = 0
  return {
    next: Effect.sync(() => {
      n++
      const digits = String(n).padStart(12, "0")
      return `TEST-${digits.slice(0, 4)}-${digits.slice(4, 8)}-${digits.slice(8)}`
    })
  }
})
