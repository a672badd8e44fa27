// The console's limits (docs/reference/console.md, docs/reference/config.md).
import { Config, Context, Duration, Effect, Layer } from "effect"

export interface ConsoleSettings {
  /** A session ends this long after login, whatever happens meanwhile. */
  readonly sessionTtl: Duration.Duration
  /** Login attempts allowed per email within `loginWindow`. */
  readonly loginAttemptsMax: number
  /** Login attempts allowed per client address within `loginWindow` (many users may share one address). */
  readonly loginAttemptsPerAddressMax: number
  readonly loginWindow: Duration.Duration
  /** Rows per list page (accounts, transfers, events, users). */
  readonly pageSize: number
  /** Sets the cookies' Secure flag on every response (otherwise only when the request came over https). */
  readonly secureCookies: boolean
}

export class ConsoleConfig extends Context.Service<ConsoleConfig, ConsoleSettings>()("tally/server/ConsoleConfig") {
  static readonly config = Config.all({
    sessionTtl: Config.Duration("TALLY_CONSOLE_SESSION_TTL").pipe(Config.withDefault(Duration.hours(12))),
    loginAttemptsMax: Config.Int("TALLY_CONSOLE_LOGIN_ATTEMPTS_MAX").pipe(Config.withDefault(5)),
    loginAttemptsPerAddressMax: Config.Int("TALLY_CONSOLE_LOGIN_ATTEMPTS_PER_ADDRESS_MAX").pipe(Config.withDefault(50)),
    loginWindow: Config.Duration("TALLY_CONSOLE_LOGIN_WINDOW").pipe(Config.withDefault(Duration.minutes(1))),
    pageSize: Config.Int("TALLY_CONSOLE_PAGE_SIZE").pipe(Config.withDefault(20)),
    publicUrl: Config.String("TALLY_PUBLIC_URL").pipe(Config.withDefault("http://localhost:8080"))
  })

  static readonly layer = Layer.effect(
    ConsoleConfig,
    Effect.gen(function* () {
      const c = yield* ConsoleConfig.config
      if (Duration.toMillis(c.sessionTtl) < 1000) {
        return yield* Effect.die(new Error("TALLY_CONSOLE_SESSION_TTL must be at least 1 second"))
      }
      if (c.loginAttemptsMax < 1 || c.loginAttemptsPerAddressMax < 1) {
        return yield* Effect.die(new Error("TALLY_CONSOLE_LOGIN_ATTEMPTS_(PER_ADDRESS_)MAX must be at least 1"))
      }
      return ConsoleConfig.of({
        sessionTtl: c.sessionTtl,
        loginAttemptsMax: c.loginAttemptsMax,
        loginAttemptsPerAddressMax: c.loginAttemptsPerAddressMax,
        loginWindow: c.loginWindow,
        pageSize: Math.max(1, Math.min(c.pageSize, 100)),
        secureCookies: c.publicUrl.startsWith("https:")
      })
    })
  )
}
