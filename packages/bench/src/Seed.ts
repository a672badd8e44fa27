// The run's accounts: created with one SQL INSERT (fast, and the same for every path), then funded from the EUR
// `world` system account through the ledger's own batch use case, so the seed deposits are ordinary posted
// transfers with entries. `bench_keys` maps 1..n to the account ids for the pgbench baseline.
//
// A scenario with few accounts (hot: 10) still runs in a ledger of at least `LEDGER_FLOOR` (`--ledger-floor`) funded accounts: the
// others are seeded the same way and never drawn. Without them the tables hold ten rows when the pool's
// connections first plan the foreign-key checks (entries → transfers), PostgreSQL caches a sequential scan for
// them, and every entry of the run re-scans the growing transfers table (0.18 ms a check, about 2/3 of a group's
// write statement, until autovacuum's ANALYZE re-plans; a real ledger is not ten rows).
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
/** Funded accounts in the run's ledger at least (scenario accounts plus background ones). */
export const LEDGER_FLOOR = 10_000

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

export const seedAccounts = Effect.fn("Seed.seedAccounts")(function* (count: number, floor: number = LEDGER_FLOOR) {
  const startedAt = performance.now()
  const sql = yield* PgClient.PgClient
  const store = yield* LedgerStore
  const ownerId = uuidv7()
  yield* sql`INSERT INTO owners (id, kind, name) VALUES (${ownerId}, 'service', 'tally bench')`
  const accountIds = Array.from({ length: count }, () => uuidv7() as AccountId)
  const background = Array.from({ length: Math.max(0, floor - count) }, () => uuidv7() as AccountId)
  const funded = [...accountIds, ...background]
  yield* sql`INSERT INTO accounts (id, currency, owner_id, allow_negative, created_at, updated_at)
    SELECT id, ${CURRENCY}, ${ownerId}, false, now(), now() FROM unnest(${funded}::uuid[]) AS id`
  yield* sql`CREATE TABLE bench_keys (k integer PRIMARY KEY, id uuid NOT NULL UNIQUE)`
  yield* sql`INSERT INTO bench_keys (k, id) SELECT k, id FROM unnest(${accountIds}::uuid[]) WITH ORDINALITY AS v(id, k)`
  const world = yield* store.systemAccount("world", CURRENCY)
  if (Option.isNone(world)) return yield* Effect.die(new Error(`no world account for ${CURRENCY}: seeds missing`))
  for (let i = 0; i < funded.length; i += CHUNK) {
    const batchId = uuidv7()
    const chunk = funded.slice(i, i + CHUNK).map((id) => deposit(world.value, id, batchId))
    yield* Transfers.createBatch(chunk, null).pipe(Effect.orDie)
  }
  yield* sql`ANALYZE`
  return {
    accountIds,
    seconds: (performance.now() - startedAt) / 1000,
    method: `accounts by one SQL INSERT; deposits from the EUR world account through Transfers.createBatch${
      background.length > 0 ? `; ${background.length} background accounts (a ledger of ${floor})` : ""
    }`
  } satisfies Seeded
}, Effect.provide(PgLedgerStore.layer))
