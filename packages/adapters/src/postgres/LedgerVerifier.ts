// The ledger's invariants checked by the database itself: one set-based statement per check, so a run costs
// a few scans whatever the size. Used by the reconcile job (metrics, logs) and by `tally ledger verify`.
// It is the SQL counterpart of the domain's auditor (packages/domain/src/Invariants.ts).
import { PgClient } from "@effect/sql-pg"
import type { StoreUnavailable } from "@tally/domain/ports/StoreError"
import { Config, Context, DateTime, Effect, Layer, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { unavailable } from "./PgLedgerStore.ts"

export type VerifyCheck =
  | "currency_balance"
  | "account_posted"
  | "entry_currency"
  | "account_pending"
  | "available_negative"
  | "stale_initiated"
  | "overdue_pending"
  | "transfer_entries"

export type VerifyValue = string | number | boolean | null

export interface VerifyProblem {
  readonly check: VerifyCheck
  readonly detail: string
  /** How many rows break the check; `rows` holds at most `rowsMax` of them. */
  readonly count: number
  readonly rows: ReadonlyArray<Readonly<Record<string, VerifyValue>>>
}

export interface CurrencyImbalance {
  readonly currency: string
  /** Σ credits − Σ debits of every entry in the currency: must be 0. */
  readonly imbalanceMinor: bigint
}

export interface VerifyReport {
  /** Empty when the ledger is clean. */
  readonly problems: ReadonlyArray<VerifyProblem>
  /** One per currency that has an account or an entry, zeros included (feeds tally_ledger_imbalance_minor). */
  readonly imbalances: ReadonlyArray<CurrencyImbalance>
  readonly checkedAt: DateTime.Utc
}

/** A verification found problems: for callers that treat a dirty ledger as a failure (jobs, the CLI). */
export class LedgerNotClean extends Schema.TaggedError<LedgerNotClean>()("LedgerNotClean", {
  checks: Schema.Array(Schema.String)
}) {
  override get message() {
    return `ledger not clean: ${this.checks.join(", ")}`
  }
}

export interface VerifierOptions {
  /** A transfer may stay `initiated` this long (a decision in flight) before it is a problem. */
  readonly initiatedGraceSeconds: number
  /** A hold may stay `pending` this long past its expiresAt (the expiry job's lag) before it is a problem. */
  readonly expiryGraceSeconds: number
  /** Offending rows reported per check. */
  readonly rowsMax: number
}

export const VerifierConfig = Config.all({
  initiatedGraceSeconds: Config.Int("TALLY_VERIFY_INITIATED_GRACE_SECONDS").pipe(Config.withDefault(600)),
  expiryGraceSeconds: Config.Int("TALLY_VERIFY_EXPIRY_GRACE_SECONDS").pipe(Config.withDefault(600)),
  rowsMax: Config.Int("TALLY_VERIFY_ROWS_MAX").pipe(Config.withDefault(100))
})

/** Rows come back with bigint, Date and numeric-as-text values: make them printable and JSON-safe. */
const plain = (row: Record<string, unknown>): Record<string, VerifyValue> => {
  const out: Record<string, VerifyValue> = {}
  for (const [key, value] of Object.entries(row)) {
    if (key === "total_rows") continue
    out[key] =
      value === null || typeof value === "string" || typeof value === "number" || typeof value === "boolean"
        ? value
        : value instanceof Date
          ? value.toISOString()
          : String(value)
  }
  return out
}

// A single transaction at REPEATABLE READ: every check sees the same snapshot, so the figures agree.
const BEGIN_SNAPSHOT = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"

export const make = (options: VerifierOptions) =>
  Effect.gen(function* () {
    const sql = yield* PgClient.PgClient
    const limit = options.rowsMax

    // signed amount of an entry as it counts towards posted = Σ credits − Σ debits
    const signed = sql.literal("CASE WHEN side = 'credit' THEN amount ELSE -amount END")

    const checks = (now: Date) => {
      const initiatedCutoff = new Date(now.getTime() - options.initiatedGraceSeconds * 1000)
      const expiryCutoff = new Date(now.getTime() - options.expiryGraceSeconds * 1000)
      return [
        {
          check: "account_posted" as const,
          detail: (n: number) => `${n} account(s) whose posted balance is not Σ credits − Σ debits of their entries`,
          query: sql<Record<string, unknown>>`
            WITH e AS (SELECT account_id, sum(${signed}) AS total FROM entries GROUP BY account_id)
            SELECT a.id AS account_id, a.currency, a.posted::text AS posted, coalesce(e.total, 0)::text AS entries_total,
              count(*) OVER () AS total_rows
            FROM accounts a LEFT JOIN e ON e.account_id = a.id
            WHERE a.posted <> coalesce(e.total, 0)
            ORDER BY a.id LIMIT ${limit}`
        },
        {
          check: "entry_currency" as const,
          detail: (n: number) => `${n} entr(y/ies) in another currency than their account`,
          query: sql<Record<string, unknown>>`
            SELECT e.id::text AS entry_id, e.transfer_id, e.account_id, e.currency AS entry_currency,
              a.currency AS account_currency, count(*) OVER () AS total_rows
            FROM entries e JOIN accounts a ON a.id = e.account_id
            WHERE e.currency <> a.currency
            ORDER BY e.id LIMIT ${limit}`
        },
        {
          // What an outstanding hold reserves, leg by leg as Posting.legsOf builds them: payer → payee, or
          // payer → FX liquidity (debit currency) and FX liquidity (credit currency) → payee.
          check: "account_pending" as const,
          detail: (n: number) => `${n} account(s) whose pending debits/credits are not Σ of their outstanding holds`,
          query: sql<Record<string, unknown>>`
            WITH legs AS (
              SELECT v.account_id, v.debits, v.credits
              FROM transfers t CROSS JOIN LATERAL (VALUES
                (t.debit_account_id, t.amount, 0::bigint),
                (CASE WHEN t.fx_rate IS NULL THEN t.credit_account_id ELSE t.fx_debit_liquidity_id END, 0::bigint,
                  t.amount),
                (CASE WHEN t.fx_rate IS NULL THEN NULL ELSE t.fx_credit_liquidity_id END, t.credit_amount, 0::bigint),
                (CASE WHEN t.fx_rate IS NULL THEN NULL ELSE t.credit_account_id END, 0::bigint, t.credit_amount)
              ) AS v(account_id, debits, credits)
              WHERE t.status = 'pending' AND v.account_id IS NOT NULL
            ), held AS (
              SELECT account_id, sum(debits) AS debits, sum(credits) AS credits FROM legs GROUP BY account_id
            )
            SELECT a.id AS account_id, a.currency, a.pending_debits::text AS pending_debits,
              coalesce(h.debits, 0)::text AS held_debits, a.pending_credits::text AS pending_credits,
              coalesce(h.credits, 0)::text AS held_credits, count(*) OVER () AS total_rows
            FROM accounts a LEFT JOIN held h ON h.account_id = a.id
            WHERE a.pending_debits <> coalesce(h.debits, 0) OR a.pending_credits <> coalesce(h.credits, 0)
            ORDER BY a.id LIMIT ${limit}`
        },
        {
          check: "available_negative" as const,
          detail: (n: number) => `${n} account(s) without allowNegative whose available balance is below 0`,
          query: sql<Record<string, unknown>>`
            SELECT id AS account_id, currency, posted::text AS posted, pending_debits::text AS pending_debits,
              (posted - pending_debits)::text AS available, count(*) OVER () AS total_rows
            FROM accounts
            WHERE NOT allow_negative AND posted - pending_debits < 0
            ORDER BY id LIMIT ${limit}`
        },
        {
          check: "stale_initiated" as const,
          detail: (n: number) =>
            `${n} transfer(s) still 'initiated' ${options.initiatedGraceSeconds} s after creation (run the reconciler)`,
          query: sql<Record<string, unknown>>`
            SELECT id AS transfer_id, created_at, count(*) OVER () AS total_rows
            FROM transfers
            WHERE status = 'initiated' AND created_at < ${initiatedCutoff}
            ORDER BY created_at, id LIMIT ${limit}`
        },
        {
          check: "overdue_pending" as const,
          detail: (n: number) =>
            `${n} hold(s) still 'pending' ${options.expiryGraceSeconds} s past expiresAt (is the expire-holds job running?)`,
          query: sql<Record<string, unknown>>`
            SELECT id AS transfer_id, expires_at, count(*) OVER () AS total_rows
            FROM transfers
            WHERE status = 'pending' AND expires_at < ${expiryCutoff}
            ORDER BY expires_at, id LIMIT ${limit}`
        },
        {
          // A posted transfer has one debit and one credit entry per leg (1 leg, or 2 for FX), each leg balanced
          // in its currency; any other transfer has no entries.
          check: "transfer_entries" as const,
          detail: (n: number) => `${n} transfer(s) whose entries are not one balanced debit/credit pair per leg`,
          query: sql<Record<string, unknown>>`
            WITH per_leg AS (
              SELECT transfer_id, count(*) AS n, count(*) FILTER (WHERE side = 'debit') AS debits,
                sum(${signed}) AS net
              FROM entries GROUP BY transfer_id, currency
            ), e AS (
              SELECT transfer_id, sum(n) AS n, sum(debits) AS debits, count(*) AS currencies,
                bool_or(net <> 0 OR n <> 2 * debits) AS unbalanced
              FROM per_leg GROUP BY transfer_id
            )
            SELECT t.id AS transfer_id, t.status, t.fx_rate IS NOT NULL AS fx, coalesce(e.n, 0)::int AS entries,
              coalesce(e.debits, 0)::int AS debit_entries, coalesce(e.unbalanced, false) AS unbalanced,
              count(*) OVER () AS total_rows
            FROM transfers t LEFT JOIN e ON e.transfer_id = t.id
            WHERE CASE WHEN t.status = 'posted'
              THEN e.n IS NULL OR e.n <> CASE WHEN t.fx_rate IS NULL THEN 2 ELSE 4 END
                OR e.currencies <> CASE WHEN t.fx_rate IS NULL THEN 1 ELSE 2 END OR e.unbalanced
              ELSE e.n IS NOT NULL END
            ORDER BY t.id LIMIT ${limit}`
        }
      ]
    }

    const imbalancesQuery = sql<{ currency: string; imbalance: string }>`
      WITH s AS (SELECT currency, sum(${signed}) AS imbalance FROM entries GROUP BY currency)
      SELECT currency, sum(imbalance)::text AS imbalance FROM (
        SELECT currency, 0 AS imbalance FROM accounts GROUP BY currency
        UNION ALL SELECT currency, imbalance FROM s
      ) AS c GROUP BY currency ORDER BY currency`

    const verify = Effect.gen(function* () {
      const checkedAt = yield* DateTime.now
      const now = DateTime.toDateUtc(checkedAt)
      const imbalances = (yield* imbalancesQuery).map(
        (r): CurrencyImbalance => ({ currency: r.currency, imbalanceMinor: BigInt(r.imbalance) })
      )
      const problems: Array<VerifyProblem> = []
      const unbalanced = imbalances.filter((i) => i.imbalanceMinor !== 0n)
      if (unbalanced.length > 0) {
        problems.push({
          check: "currency_balance",
          detail: `entries of ${unbalanced.length} currenc(y/ies) do not sum to 0`,
          count: unbalanced.length,
          rows: unbalanced.map((i) => ({ currency: i.currency, imbalance_minor: i.imbalanceMinor.toString() }))
        })
      }
      for (const { check, detail, query } of checks(now)) {
        const rows = yield* query
        if (rows.length === 0) continue
        const count = Number(rows[0]!.total_rows)
        problems.push({ check, detail: detail(count), count, rows: rows.map(plain) })
      }
      return { problems, imbalances, checkedAt } satisfies VerifyReport
    }).pipe(
      sql.withTransaction,
      Effect.provideService(SqlClient.BeginTransaction, BEGIN_SNAPSHOT),
      Effect.mapError(unavailable),
      Effect.withSpan("LedgerVerifier.verify")
    )

    return LedgerVerifier.of({ verify })
  })

export class LedgerVerifier extends Context.Service<
  LedgerVerifier,
  { readonly verify: Effect.Effect<VerifyReport, StoreUnavailable> }
>()("tally/adapters/LedgerVerifier") {
  /** Options from TALLY_VERIFY_* (docs/reference/ledger-verify.md). */
  static readonly layer = Layer.effect(LedgerVerifier, Effect.flatMap(VerifierConfig, make))
  static readonly layerWith = (options: Partial<VerifierOptions>) =>
    Layer.effect(
      LedgerVerifier,
      Effect.flatMap(VerifierConfig, (config) => make({ ...config, ...options }))
    )
}
