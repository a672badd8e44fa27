import { Context, type Effect, type Redacted } from "effect"

/** High-entropy random tokens (confirmation tokens, API keys) and the hash they are stored under. */
export class SecretTokens extends Context.Service<
  SecretTokens,
  {
    /** A new token `prefix` + random; returned with its hash. */
    readonly generate: (prefix: string) => Effect.Effect<{ readonly token: Redacted.Redacted; readonly hash: string }>
    readonly hashOf: (token: Redacted.Redacted) => string
  }
>()("tally/domain/SecretTokens") {}
