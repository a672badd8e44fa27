// The ledger's invariants after a run: the service's own verifier (`tally ledger verify`, LedgerVerifier) with
// no grace for transfers left 'initiated', plus one check it does not make yet: every entry's posted_after
// equals the running sum of its account's entries (catches a write computed from a stale balance).
import { PgClient } from "@effect/sql-pg"
import { LedgerVerifier, type VerifyCheck } from "@tally/adapters/postgres/LedgerVerifier"
import { Console, Effect } from "effect"

export interface InvariantCheck {
  readonly name: string
  readonly violations: number
  readonly examples: ReadonlyArray<string>
}

export interface InvariantReport {
  readonly source: string
  readonly ok: boolean
  readonly checks: ReadonlyArray<InvariantCheck>
}

const EXAMPLES = 5

/** LedgerVerifier reports only what fails: these are the checks it makes, to list the passing ones too. */
const verifierChecks: ReadonlyArray<VerifyCheck> = [
  "currency_balance",
  "account_posted",
  "entry_currency",
  "account_pending",
  "available_negative",
  "stale_initiated",
  "overdue_pending",
  "transfer_entries"
]

const POSTED_AFTER = "entry_posted_after"

const postedAfter = Effect.gen(function* () {
  const sql = yield* PgClient.PgClient
  const rows = yield* sql<{ n: string; detail: string }>`
    SELECT count(*) OVER () AS n,
      'entry ' || id || ' on ' || account_id || ': posted_after ' || posted_after || ', running Σ ' || running AS detail
    FROM (SELECT id, account_id, posted_after,
            sum(CASE WHEN side = 'credit' THEN amount ELSE -amount END) OVER (PARTITION BY account_id ORDER BY id) AS running
          FROM entries) r
    WHERE posted_after <> running
    LIMIT ${EXAMPLES}`
  return { name: POSTED_AFTER, violations: Number(rows[0]?.n ?? 0), examples: rows.map((r) => r.detail) }
})

export const verifyLedger = Effect.gen(function* () {
  const report = yield* (yield* LedgerVerifier).verify
  const byCheck = new Map(report.problems.map((p) => [p.check as string, p]))
  const names = [...verifierChecks, ...report.problems.map((p) => p.check).filter((c) => !verifierChecks.includes(c))]
  const checks: Array<InvariantCheck> = names.map((name) => {
    const problem = byCheck.get(name)
    return problem === undefined
      ? { name, violations: 0, examples: [] }
      : {
          name,
          violations: problem.count,
          examples: [problem.detail, ...problem.rows.slice(0, EXAMPLES).map((row) => JSON.stringify(row))]
        }
  })
  checks.push(yield* postedAfter)
  return {
    source: "LedgerVerifier (packages/adapters) + bench entry_posted_after",
    ok: checks.every((c) => c.violations === 0),
    checks
  } satisfies InvariantReport
}).pipe(
  Effect.provide(LedgerVerifier.layerWith({ initiatedGraceSeconds: 0, expiryGraceSeconds: 0, rowsMax: EXAMPLES }))
)

export const describeReport = (report: InvariantReport): string =>
  report.checks
    .map((c) =>
      c.violations === 0
        ? `  ok    ${c.name}`
        : `  FAIL  ${c.name}: ${c.violations} violation(s)\n${c.examples.map((e) => `          ${e}`).join("\n")}`
    )
    .join("\n")

/** Verifies and prints the outcome of every check on stderr. */
export const checkLedger = (after: string) =>
  Effect.tap(verifyLedger, (report) => Console.error(`invariants after ${after}:\n${describeReport(report)}`))
