// The run's accounts: created with one SQL INSERT (fast, and the same for every path), then funded from the EUR
// `world` system account through the ledger's own batch use case, so the seed deposits are ordinary posted
// transfers with entries. `bench_keys` maps 1..n to the account ids for the pgbench baseline.
import { PgClient } from "@effect/sql-pg"
import * as PgLedgerStore from "@tally/adapters/postgres/PgLedgerStore"
import { uuidv7 } from "@tally/adapters/Uuid"
import type { AccountId } from "@tally/domain/Account"
import type { TransferCommand } from "@tally/domain/CreateTransfer"
import type { CurrencyCode } from "@tally/domain/Money"
import { LedgerStore } from "@tally/domain/ports/LedgerStore"
import type { TransferId } from "@tally/domain/Transfer"
import * as Transfers from "@tally/domain/usecases/Transfers"
import { Effect, Option } from "effect"

export const CURRENCY = "EUR" as CurrencyCode
/** Each account's opening deposit: 10,000,000.00 EUR, so transfers of at most 1.00 EUR never run dry. */
export const DEPOSIT_MINOR = 1_000_000_000n
const CHUNK = 1000

export interface Seeded {
  /** Key k (1-based, as in `bench_keys`) is `accountIds[k - 1]`. */
  readonly accountIds: ReadonlyArray<AccountId>
  readonly seconds: number
  readonly method: string
}

export const deposit = (world: AccountId, to: AccountId, batchId: string | null): TransferCommand => ({
  id: uuidv7() as TransferId,
  debitAccountId: world,
  creditAccountId: to,
  amountMinor: DEPOSIT_MINOR,
  pending: false,
  timeoutSeconds: null,
  metadata: null,
  batchId
})

export const seedAccounts = Effect.fn("Seed.seedAccounts")(function* (count: number) {
  const startedAt = performance.now()
  const sql = yield* PgClient.PgClient
  const store = yield* LedgerStore
  const ownerId = uuidv7()
  yield* sql`INSERT INTO owners (id, kind, name) VALUES (${ownerId}, 'service', 'tally bench')`
  const accountIds = Array.from({ length: count }, () => uuidv7() as AccountId)
  yield* sql`INSERT INTO accounts (id, currency, owner_id, allow_negative, created_at, updated_at)
    SELECT id, ${CURRENCY}, ${ownerId}, false, now(), now() FROM unnest(${accountIds}::uuid[]) AS id`
  yield* sql`CREATE TABLE bench_keys (k integer PRIMARY KEY, id uuid NOT NULL UNIQUE)`
  yield* sql`INSERT INTO bench_keys (k, id) SELECT k, id FROM unnest(${accountIds}::uuid[]) WITH ORDINALITY AS v(id, k)`
  const world = yield* store.systemAccount("world", CURRENCY)
  if (Option.isNone(world)) return yield* Effect.die(new Error(`no world account for ${CURRENCY}: seeds missing`))
  for (let i = 0; i < count; i += CHUNK) {
    const batchId = uuidv7()
    const chunk = accountIds.slice(i, i + CHUNK).map((id) => deposit(world.value, id, batchId))
    yield* Transfers.createBatch(chunk, null).pipe(Effect.orDie)
  }
  // Statistics for the tables at their run size. Not the ledger's own tables, which the load makes grow: analyzed
  // now, `transfers` of the hot scenario (10 deposits, one page) makes every connection plan the check of
  // `entries.transfer_id`'s foreign key as a sequential scan and keep that plan for the run, so each write got
  // slower as the table grew (0.4 → 28 ms per group within 6 s). Never analyzed, PostgreSQL assumes at least 10
  // pages and uses the primary key, as it does on a live database whose statistics follow its size.
  yield* sql`ANALYZE owners, accounts, bench_keys`
  return {
    accountIds,
    seconds: (performance.now() - startedAt) / 1000,
    method: "accounts by one SQL INSERT; deposits from the EUR world account through Transfers.createBatch"
  } satisfies Seeded
}, Effect.provide(PgLedgerStore.layer))
