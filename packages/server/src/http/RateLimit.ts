// Rate limits (docs/adr/0028-rate-limits.md): effect's RateLimiter (token bucket) on a store every instance
// shares (PostgreSQL), keyed by owner — every key of an owner draws from one bucket — and, for requests without a
// valid key, by client: the IP address over HTTP, the connection over RPC. HTTP requests are counted at the edge;
// RPC calls one by one in the runner (`RateLimits.call`), so a WebSocket or an RPC batch cannot bypass the limit.
// TALLY_RATE_LIMIT_PER_SECOND / _BURST per owner, TALLY_RATE_LIMIT_ANONYMOUS_PER_SECOND / _BURST per client;
// 0 disables. Over the limit: 429 `rate_limited` with Retry-After.
import { Config, Context, Duration, Effect, Layer, Option } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerRespondable, HttpServerResponse } from "effect/http"
import { RateLimiter } from "effect/persistence/RateLimiter"
import { Authenticator, bearerToken, type Principal } from "../Auth.ts"
import { TooManyRequests } from "../operations/Errors.ts"
import { rpcPath } from "../rpc/Group.ts"

export const RateLimitConfig = Config.all({
  perSecond: Config.Number("TALLY_RATE_LIMIT_PER_SECOND").pipe(Config.withDefault(2000)),
  burst: Config.Int("TALLY_RATE_LIMIT_BURST").pipe(Config.withDefault(4000)),
  anonymousPerSecond: Config.Number("TALLY_RATE_LIMIT_ANONYMOUS_PER_SECOND").pipe(Config.withDefault(50)),
  anonymousBurst: Config.Int("TALLY_RATE_LIMIT_ANONYMOUS_BURST").pipe(Config.withDefault(100))
})

/** The bucket of a principal: its owner's (the admin key is one owner). */
export const ownerKey = (principal: Principal) =>
  principal.kind === "admin" ? "owner:admin" : `owner:${principal.ownerId}`

export class RateLimits extends Context.Service<
  RateLimits,
  {
    /** Takes one token from `key`'s bucket: fails `rate_limited` when it is empty. */
    readonly take: (key: string, who: "owner" | "anonymous") => Effect.Effect<void, TooManyRequests>
  }
>()("tally/server/RateLimits") {
  static readonly layer = Layer.effect(
    RateLimits,
    Effect.gen(function* () {
      const config = yield* RateLimitConfig
      const limiter = yield* RateLimiter
      const take = (key: string, who: "owner" | "anonymous") => {
        const perSecond = who === "owner" ? config.perSecond : config.anonymousPerSecond
        const burst = who === "owner" ? config.burst : config.anonymousBurst
        if (perSecond <= 0 || burst <= 0) return Effect.void
        return limiter
          .consume({
            algorithm: "token-bucket",
            onExceeded: "fail",
            key: `tally:${key}`,
            limit: burst,
            window: Duration.millis((burst / perSecond) * 1000)
          })
          .pipe(
            Effect.asVoid,
            Effect.catch((error) =>
              error.reason._tag === "RateLimitExceeded"
                ? Effect.fail(
                    new TooManyRequests({
                      code: "rate_limited",
                      detail:
                        who === "owner"
                          ? `over ${perSecond} requests/s for this owner (TALLY_RATE_LIMIT_PER_SECOND)`
                          : `over ${perSecond} requests/s without a valid API key (TALLY_RATE_LIMIT_ANONYMOUS_PER_SECOND)`,
                      retryAfterSeconds: Math.max(1, Math.ceil(Duration.toSeconds(error.reason.retryAfter)))
                    })
                  )
                : // the store (the database) did not answer: the request will meet the same outage and say so
                  Effect.logWarning("rate limit store unavailable", error.reason.message)
            )
          )
      }
      return RateLimits.of({ take })
    })
  )
}

/** A request to the RPC endpoint: `/rpc`, with or without a trailing slash (the RPC client sends `/rpc/`). */
const isRpc = (url: string) => {
  const query = url.indexOf("?")
  const path = query < 0 ? url : url.slice(0, query)
  return path === rpcPath || path === `${rpcPath}/`
}

export const RateLimitMiddleware = HttpRouter.middleware(
  Effect.gen(function* () {
    const limits = yield* RateLimits
    const authenticator = yield* Authenticator
    return (httpEffect) =>
      Effect.gen(function* () {
        const request = yield* HttpServerRequest.HttpServerRequest
        const token = bearerToken(request.headers.authorization)
        const principal = Option.isNone(token) ? Option.none() : yield* authenticator.authenticate(token.value)
        // a valid key's RPC calls are counted one by one by the runner; everything else here, per request
        if (Option.isSome(principal) && isRpc(request.url)) return yield* httpEffect
        const taken = yield* Effect.result(
          Option.isSome(principal)
            ? limits.take(ownerKey(principal.value), "owner")
            : limits.take(`ip:${Option.getOrElse(request.remoteAddress, () => "unknown")}`, "anonymous")
        )
        if (taken._tag === "Success") return yield* httpEffect
        const response = yield* HttpServerRespondable.toResponse(taken.failure)
        return HttpServerResponse.setHeader(response, "retry-after", String(taken.failure.retryAfterSeconds))
      })
  }),
  { global: true }
)
