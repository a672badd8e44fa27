// Signup and login (HTTP Basic email:password) attempts, limited per client address and per email, on effect's
// RateLimiter (fixed windows). TALLY_SIGNUP_RATE_* and TALLY_LOGIN_RATE_*; a limit of 0 disables that key.
// Over a limit: 429 with Retry-After and `signup_rate_limited` / `login_rate_limited`. The counts are in
// PostgreSQL (PgFixedWindowStore, inside the server's one PgRateLimiterStore: effect/persistence offers memory and
// Redis only), shared by every instance.
import { Config, Context, Duration, Effect, Layer } from "effect"
import { RateLimiter } from "effect/persistence"
import { sha256Base64url } from "../Hash.ts"
import { TooManyRequests, Unavailable } from "./Errors.ts"

const limits = (name: "SIGNUP" | "LOGIN", defaults: { perIp: number; perEmail: number; window: number }) =>
  Config.all({
    perIp: Config.Int(`TALLY_${name}_RATE_PER_IP`).pipe(Config.withDefault(defaults.perIp)),
    perEmail: Config.Int(`TALLY_${name}_RATE_PER_EMAIL`).pipe(Config.withDefault(defaults.perEmail)),
    windowSeconds: Config.Int(`TALLY_${name}_RATE_WINDOW_SECONDS`).pipe(Config.withDefault(defaults.window))
  })

export const AuthThrottleConfig = Config.all({
  signup: limits("SIGNUP", { perIp: 20, perEmail: 5, window: 3600 }),
  login: limits("LOGIN", { perIp: 60, perEmail: 10, window: 300 })
})

type Kind = "signup" | "login"

export class AuthThrottle extends Context.Service<
  AuthThrottle,
  {
    /** One attempt of `kind` from `address` for `email`; TooManyRequests when either count is over its limit. */
    readonly attempt: (
      kind: Kind,
      address: string | undefined,
      email: string
    ) => Effect.Effect<void, TooManyRequests | Unavailable>
  }
>()("tally/server/AuthThrottle") {
  static readonly layer = Layer.effect(
    AuthThrottle,
    Effect.gen(function* () {
      const config = yield* AuthThrottleConfig
      const limiter = yield* RateLimiter.RateLimiter
      const consume = (
        kind: Kind,
        by: "ip" | "email",
        value: string,
        limit: number,
        windowSeconds: number
      ): Effect.Effect<void, TooManyRequests | Unavailable> =>
        limit <= 0
          ? Effect.void
          : limiter
              .consume({
                algorithm: "fixed-window",
                onExceeded: "fail",
                window: Duration.seconds(windowSeconds),
                limit,
                // emails are hashed: the store never holds one
                key: `tally:${kind}:${by}:${sha256Base64url(value)}`
              })
              .pipe(
                Effect.asVoid,
                Effect.catchTag("RateLimiterError", (error): Effect.Effect<never, TooManyRequests | Unavailable> => {
                  if (error.reason._tag !== "RateLimitExceeded") {
                    return Effect.fail(new Unavailable({ code: "store_unavailable", detail: "rate limit store" }))
                  }
                  const wait = Math.max(1, Math.ceil(Duration.toSeconds(error.reason.retryAfter)))
                  return Effect.fail(
                    new TooManyRequests({
                      code: `${kind}_rate_limited`,
                      detail: `too many ${kind} attempts from this ${by === "ip" ? "address" : "email"}; retry later`,
                      retryAfterSeconds: wait
                    })
                  )
                })
              )
      return AuthThrottle.of({
        attempt: (kind, address, email) => {
          const c = config[kind]
          return Effect.andThen(
            consume(kind, "ip", address ?? "unknown", c.perIp, c.windowSeconds),
            consume(kind, "email", email.trim().toLowerCase(), c.perEmail, c.windowSeconds)
          )
        }
      })
    })
  )
}
