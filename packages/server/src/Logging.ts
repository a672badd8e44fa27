// Structured logs: one JSON object per line by default (TALLY_LOG_FORMAT=pretty for humans), at
// TALLY_LOG_LEVEL and above. HTTP request ids are annotated on every line (http/Edge.ts).
import { Config, Effect, Layer, Logger, References } from "effect"

export const LoggingLive = Layer.unwrap(
  Effect.gen(function* () {
    const format = yield* Config.Literals(["json", "pretty"], "TALLY_LOG_FORMAT").pipe(
      Config.withDefault("json" as const)
    )
    const level = yield* Config.LogLevel("TALLY_LOG_LEVEL").pipe(Config.withDefault("Info" as const))
    return Layer.mergeAll(
      Logger.layer([format === "json" ? Logger.consoleJson : Logger.defaultLogger]),
      Layer.succeed(References.MinimumLogLevel, level)
    )
  })
)
