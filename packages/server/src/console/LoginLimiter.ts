// Login attempts, limited per email and per client address (effect's RateLimiter, fixed window, in memory: per
// instance). Over the limit the attempt is refused before any password is checked.
import { Context, Duration, Effect, Layer, Option } from "effect"
import { RateLimiter } from "effect/persistence"
import { ConsoleConfig } from "./ConsoleConfig.ts"

export class LoginLimiter extends Context.Service<
  LoginLimiter,
  {
    /** Counts one attempt for the account and one for the address; some(seconds to wait) when either is over. */
    readonly attempt: (account: string, address: string) => Effect.Effect<Option.Option<number>>
  }
>()("tally/server/console/LoginLimiter") {
  static readonly layer = Layer.effect(
    LoginLimiter,
    Effect.gen(function* () {
      const limiter = yield* RateLimiter.RateLimiter
      const config = yield* ConsoleConfig
      const one = (key: string, limit: number) =>
        limiter
          .consume({
            algorithm: "fixed-window",
            onExceeded: "fail",
            window: config.loginWindow,
            limit,
            key: `console-login:${key}`
          })
          .pipe(
            Effect.as(Option.none<number>()),
            Effect.catch((error) =>
              error.reason._tag === "RateLimitExceeded"
                ? Effect.succeed(Option.some(Math.max(1, Math.ceil(Duration.toSeconds(error.reason.retryAfter)))))
                : // the in-memory store does not fail; were it to, logging in stays possible
                  Effect.as(Effect.logWarning(`console login limiter: ${error.message}`), Option.none<number>())
            )
          )
      const attempt = (account: string, address: string) =>
        Effect.map(
          Effect.all([
            one(`account:${account}`, config.loginAttemptsMax),
            one(`address:${address}`, config.loginAttemptsPerAddressMax)
          ]),
          (waits) =>
            waits.reduce<Option.Option<number>>(
              (worst, w) => (Option.isSome(w) && (Option.isNone(worst) || w.value > worst.value) ? w : worst),
              Option.none()
            )
        )
      return LoginLimiter.of({ attempt })
    })
  ).pipe(Layer.provide(RateLimiter.layer.pipe(Layer.provide(RateLimiter.layerStoreMemory))))
}
