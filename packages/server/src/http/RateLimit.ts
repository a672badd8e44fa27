// Token bucket per presented API key (by hash; unknown keys are limited too, which slows guessing).
// TALLY_RATE_LIMIT_PER_SECOND refills, TALLY_RATE_LIMIT_BURST caps the bucket; 0 disables. Over the
// limit: 429 with Retry-After. Buckets are per instance; idle buckets are dropped after a minute.
import { Clock, Config, Effect } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerRespondable, HttpServerResponse } from "effect/http"
import { memo, sha256Base64url } from "../Hash.ts"
import { TooManyRequests } from "../operations/Errors.ts"

export const RateLimitConfig = Config.all({
  perSecond: Config.Number("TALLY_RATE_LIMIT_PER_SECOND").pipe(Config.withDefault(2000)),
  burst: Config.Number("TALLY_RATE_LIMIT_BURST").pipe(Config.withDefault(4000)),
  bucketsMax: Config.Int("TALLY_RATE_LIMIT_BUCKETS_MAX").pipe(Config.withDefault(100_000))
})

interface Bucket {
  tokens: number
  at: number
}

/** Takes one token; returns 0 when allowed, else the seconds until a token is available. */
export const takeToken = (bucket: Bucket, now: number, perSecond: number, burst: number): number => {
  bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * perSecond)
  bucket.at = now
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1
    return 0
  }
  return Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond))
}

export const RateLimitMiddleware = HttpRouter.middleware(
  Effect.gen(function* () {
    const config = yield* RateLimitConfig
    const buckets = new Map<string, Bucket>()
    const bucketId = memo(sha256Base64url, 1_024)
    let sweptAt = yield* Clock.currentTimeMillis
    return (httpEffect) =>
      Effect.gen(function* () {
        if (config.perSecond <= 0) return yield* httpEffect
        const request = yield* HttpServerRequest.HttpServerRequest
        const authorization = request.headers.authorization
        if (authorization === undefined) return yield* httpEffect
        const now = yield* Clock.currentTimeMillis
        if (now - sweptAt > 60_000 || buckets.size > config.bucketsMax) {
          for (const [k, b] of buckets) if (now - b.at > 60_000) buckets.delete(k)
          sweptAt = now
        }
        const id = bucketId(authorization)
        let bucket = buckets.get(id)
        if (bucket === undefined) {
          bucket = { tokens: config.burst, at: now }
          buckets.set(id, bucket)
        }
        const wait = takeToken(bucket, now, config.perSecond, config.burst)
        if (wait === 0) return yield* httpEffect
        const response = yield* HttpServerRespondable.toResponse(
          new TooManyRequests({
            code: "rate_limited",
            detail: `over ${config.perSecond} requests/s for this API key`,
            retryAfterSeconds: wait
          })
        )
        return HttpServerResponse.setHeader(response, "retry-after", String(wait))
      })
  }),
  { global: true }
)
