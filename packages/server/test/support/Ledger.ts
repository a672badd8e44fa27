// Client-side helpers for fault tests: accounts and transfers over HTTP with an Idempotency-Key, retried the way a
// payments client retries (same key every time) until the server gives an answer that is an outcome.
import { type HttpReply, request } from "./ServerProcess.ts"

export const openAccount = async (base: string, currency: string, allowNegative = false) => {
  const r = await request(base, "POST", "/v1/accounts", {
    body: { currency, ...(allowNegative ? { allowNegative } : {}) }
  })
  if (r.status !== 201) throw new Error(`open account: ${r.status} ${JSON.stringify(r.body)}`)
  return r.body.id as string
}

export interface Retried {
  readonly reply: HttpReply
  /** Answers that were not an outcome (network failure, 5xx, 409 in flight) before the final one. */
  readonly retries: number
}

/** Is this answer the outcome of the request (as opposed to "try again")? */
const isOutcome = (r: HttpReply) => r.status >= 200 && r.status < 500 && r.status !== 409 && r.status !== 429

export const withKey = async (
  base: string,
  method: string,
  urlPath: string,
  body: unknown,
  key: string,
  attemptsMax = 60
): Promise<Retried> => {
  let retries = 0
  for (let attempt = 0; attempt < attemptsMax; attempt++) {
    const reply = await request(base, method, urlPath, {
      body,
      headers: { "idempotency-key": key },
      timeoutMs: 15_000
    })
    if (isOutcome(reply)) return { reply, retries }
    retries++
    await new Promise((r) => setTimeout(r, Math.min(1_000, 20 * 2 ** Math.min(attempt, 6))))
  }
  throw new Error(`${method} ${urlPath} (key ${key}): no outcome after ${attemptsMax} attempts`)
}

/** A small seeded PRNG: runs differ only by scheduling, not by the dice. */
export const prng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}
