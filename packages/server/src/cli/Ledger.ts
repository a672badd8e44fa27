// `tally ledger verify`: checks the ledger's invariants in the database (docs/reference/ledger-verify.md).
// The verifier and the database driver load only when the command runs (LedgerVerify.ts).
import { Effect } from "effect"
import { Command, Flag } from "effect/cli"

const verify = Command.make(
  "verify",
  { json: Flag.Boolean("json").pipe(Flag.withDescription("Print the report as JSON"), Flag.withDefault(false)) },
  ({ json }) =>
    Effect.flatMap(
      Effect.promise(() => import("./LedgerVerify.ts")),
      (m) => m.verifyLedger({ json }).pipe(Effect.provide(m.VerifierOnDatabase))
    )
).pipe(
  Command.withDescription(
    "Check the ledger's invariants (balances = entries, holds, Σ per currency = 0, …); exit 1 unless clean"
  )
)

export const ledger = Command.make("ledger").pipe(
  Command.withDescription("Ledger operations"),
  Command.withSubcommands([verify])
)
