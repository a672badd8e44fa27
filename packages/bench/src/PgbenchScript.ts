// The baseline transaction as plain SQL for pgbench: the same transfer Tally makes (lock both accounts in id
// order, move the balances, insert the transfer and its two entries), with the same account draw. A batch is
// the same thing for B transfers in one transaction: one lock of all 2B accounts, then three statements per
// transfer (Tally writes a whole batch in one statement; this is the plain-SQL way).
import { pgbenchPair } from "./Distribution.ts"
import type { Scenario } from "./Scenarios.ts"
import { AMOUNT_MAX_MINOR } from "./Workload.ts"

export interface ScriptOptions {
  readonly scenario: Scenario
  readonly accounts: number
  readonly batchSize: number
  /** `uuidv7()` on PostgreSQL 18+, else `gen_random_uuid()`. */
  readonly uuidFunction: string
}

// `\gset` targets are reused by every transfer of a batch and declared up front: pgbench 15 corrupts its heap
// when many variables are first created by \gset while the script runs.
const gsetTargets = ["d", "dp", "c", "k", "kp"]

const transferStatements = (i: number, uuid: string): ReadonlyArray<string> => [
  `\\set m random(1, ${AMOUNT_MAX_MINOR})`,
  `UPDATE accounts SET posted = posted - :m, version = version + 1, updated_at = now()`,
  `  WHERE id = (SELECT id FROM bench_keys WHERE k = :a${i}) RETURNING id AS d, posted AS dp, currency AS c \\gset`,
  `UPDATE accounts SET posted = posted + :m, version = version + 1, updated_at = now()`,
  `  WHERE id = (SELECT id FROM bench_keys WHERE k = :b${i}) RETURNING id AS k, posted AS kp \\gset`,
  `WITH t AS (INSERT INTO transfers (id, debit_account_id, credit_account_id, amount, currency, credit_amount,`,
  `    credit_currency, pending, status, posted_amount, created_at, updated_at)`,
  `  VALUES (${uuid}, :d, :k, :m, :c, :m, :c, false, 'posted', :m, now(), now()) RETURNING id)`,
  `INSERT INTO entries (transfer_id, account_id, currency, side, amount, posted_after, created_at)`,
  `  SELECT t.id, v.account_id, :c::char(3), v.side, :m::bigint, v.posted_after, now()`,
  `  FROM t, (VALUES (:d::uuid, 'debit', :dp::bigint), (:k::uuid, 'credit', :kp::bigint))`,
  `    AS v(account_id, side, posted_after);`
]

/** pgbench refuses a statement with more than 255 variables: beyond that the keys go through a temp table. */
const VARIABLES_PER_STATEMENT_MAX = 250

const lockStatements = (indexes: ReadonlyArray<number>): ReadonlyArray<string> => {
  const keys = indexes.flatMap((i) => [`:a${i}`, `:b${i}`])
  if (keys.length <= VARIABLES_PER_STATEMENT_MAX) {
    return [
      "SELECT a.* FROM accounts a",
      `  WHERE a.id IN (SELECT id FROM bench_keys WHERE k IN (${keys.join(", ")}))`,
      "  ORDER BY a.id FOR UPDATE OF a;"
    ]
  }
  const chunks = Array.from({ length: Math.ceil(keys.length / VARIABLES_PER_STATEMENT_MAX) }, (_, c) =>
    keys.slice(c * VARIABLES_PER_STATEMENT_MAX, (c + 1) * VARIABLES_PER_STATEMENT_MAX)
  )
  return [
    "CREATE TEMP TABLE batch_keys (k integer) ON COMMIT DROP;",
    ...chunks.map((chunk) => `INSERT INTO batch_keys VALUES (${chunk.join("), (")});`),
    "SELECT a.* FROM accounts a",
    "  WHERE a.id IN (SELECT b.id FROM bench_keys b JOIN batch_keys USING (k))",
    "  ORDER BY a.id FOR UPDATE OF a;"
  ]
}

export const pgbenchScript = (options: ScriptOptions): string => {
  const indexes = Array.from({ length: options.batchSize }, (_, i) => i + 1)
  return [
    `-- tally bench baseline: scenario ${options.scenario.name}, ${options.batchSize} transfer(s) per transaction`,
    `\\set n ${options.accounts}`,
    ...gsetTargets.map((v) => `\\set ${v} 0`),
    ...indexes.flatMap((i) => pgbenchPair(options.scenario.distribution, i)),
    "BEGIN;",
    ...lockStatements(indexes),
    ...indexes.flatMap((i) => transferStatements(i, options.uuidFunction)),
    "COMMIT;",
    ""
  ].join("\n")
}
