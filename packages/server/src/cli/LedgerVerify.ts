// The work of `tally ledger verify` (Ledger.ts loads it when the command runs): checks the ledger's invariants in
// the database, prints every problem with its offending rows, and exits non-zero unless the ledger is clean.
import * as Database from "@tally/adapters/Database"
import { LedgerNotClean, LedgerVerifier, type VerifyReport } from "@tally/adapters/postgres/LedgerVerifier"
import { Console, Effect, Layer } from "effect"
import { CliError } from "effect/cli"

export const VerifierOnDatabase = LedgerVerifier.layer.pipe(Layer.provide(Database.layer))

const asJson = (report: VerifyReport) =>
  JSON.stringify(
    {
      clean: report.problems.length === 0,
      checkedAt: report.checkedAt,
      imbalances: report.imbalances.map((i) => ({ currency: i.currency, imbalanceMinor: i.imbalanceMinor.toString() })),
      problems: report.problems
    },
    null,
    2
  )

const printText = (report: VerifyReport) =>
  Effect.gen(function* () {
    for (const problem of report.problems) {
      yield* Console.log(`✗ ${problem.check}: ${problem.detail}`)
      for (const row of problem.rows) yield* Console.log(`    ${JSON.stringify(row)}`)
      if (problem.rows.length < problem.count) yield* Console.log(`    … ${problem.count - problem.rows.length} more`)
    }
    const imbalances = report.imbalances.map((i) => `${i.currency} ${i.imbalanceMinor}`).join(", ")
    yield* Console.log(`imbalance per currency (minor units): ${imbalances === "" ? "none" : imbalances}`)
    if (report.problems.length === 0) yield* Console.log("✓ ledger is clean")
  })

/** The command's work, apart from the database it runs against. */
export const verifyLedger = Effect.fn("Ledger.verify")(function* (options: { readonly json: boolean }) {
  const report = yield* (yield* LedgerVerifier).verify
  yield* options.json ? Console.log(asJson(report)) : printText(report)
  if (report.problems.length > 0) {
    const cause = new LedgerNotClean({ checks: report.problems.map((p) => p.check) })
    return yield* new CliError.UserError({ cause, userMessage: cause.message })
  }
})
