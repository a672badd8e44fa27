// Login attempts, limited per email and per client address (effect's RateLimiter, fixed window, in memory: per
// instance). Over the limit the attempt is refused before any password is checked.
import { Context, Duration, Effect, Layer, Option } from "effect"
import { RateLimiter } from "effect/persistence"
import { ConsoleConfig } from "./ConsoleConfig.ts"

export class LoginLimiter extends Context.Service<
  LoginLimiter,
  {
    /** Counts one attempt for each key; some(seconds to wait) when any key is over its limit. */
    readonly attempt: (keys: ReadonlyArray<string>) => Effect.Effect<Option.Option<number>>
  }
>()("tally/server/console/LoginLimiter") {
  static readonly layer = Layer.effect(
    LoginLimiter,
    Effect.gen(function* () {
      const limiter = yield* RateLimiter.RateLimiter
      const config = yield* ConsoleConfig
      const one = (key: string) =>
        limiter
          .consume({
            algorithm: "fixed-window",
            onExceeded: "fail",
            window: config.loginWindow,
            limit: config.loginAttemptsMax,
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
      const attempt = (keys: ReadonlyArray<string>) =>
        Effect.map(Effect.forEach(keys, one), (waits) =>
          waits.reduce<Option.Option<number>>(
            (worst, w) => (Option.isSome(w) && (Option.isNone(worst) || w.value > worst.value) ? w : worst),
            Option.none()
          )
        )
      return LoginLimiter.of({ attempt })
    })
  ).pipe(Layer.provide(RateLimiter.layer.pipe(Layer.provide(RateLimiter.layerStoreMemory))))
}
