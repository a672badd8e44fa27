import { Context, type Effect, type Redacted } from "effect"

/** Slow, salted password hashing (scrypt in the adapter); the hash string carries its own parameters. */
export class PasswordHasher extends Context.Service<
  PasswordHasher,
  {
    readonly hash: (password: Redacted.Redacted) => Effect.Effect<string>
    readonly verify: (password: Redacted.Redacted, hash: string) => Effect.Effect<boolean>
  }
>()("tally/domain/PasswordHasher") {}
