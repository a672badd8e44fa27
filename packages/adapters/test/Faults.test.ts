// Faults: while 16 clients transfer money (and make and post holds), a killer terminates the service's database connections every few
// milliseconds (`pg_terminate_backend`), so transactions die before, during and after COMMIT. Clients retry
// with the same transfer id, as a payments client would. Afterwards nothing may be lost or applied twice: every
// transfer a client saw posted exists once with its two entries, the books balance, and the verifier is clean.
// The clients act for three owners, so group commit (on by default) mixes them and a retry after a lost COMMIT is
// answered from a transfer its own owner created.
import { PgClient } from "@effect/sql-pg"
import { assert, describe, layer, type Vitest } from "@effect/vitest"
import type { Account, OwnerId } from "@tally/domain/Account"
import { LedgerStore } from "@tally/domain/ports/LedgerStore"
import type { TransferId } from "@tally/domain/Transfer"
import * as Transfers from "@tally/domain/usecases/Transfers"
import { Effect, Fiber, Layer, Metric } from "effect"
import { LedgerVerifier } from "../src/postgres/LedgerVerifier.ts"
import * as PgLedgerStore from "../src/postgres/PgLedgerStore.ts"
import { TransactionConfig, transactionRetries } from "../src/postgres/Transactions.ts"
import { uuidv7 } from "../src/Uuid.ts"
import { command, openAt, world } from "./contract/LedgerContract.ts"
import { TestDatabase } from "./support/TestDatabase.ts"

const CLIENTS = 16
const TRANSFERS_PER_CLIENT = 40
const CLIENT_RETRIES = 8

const Live = (groupCommit: boolean) =>
  Layer.mergeAll(
    Layer.effect(LedgerStore, PgLedgerStore.make).pipe(
      Layer.provide(
        Layer.succeed(TransactionConfig, {
          isolation: "read_committed",
          retriesMax: 10,
          retryBaseMs: 2,
          retryMaxDelayMs: 50
        })
      )
    ),
    LedgerVerifier.layerWith({ rowsMax: 20 }),
    // group commit is on by default (docs/adr/0024); off, every single transfer has its own transaction
    Layer.succeed(Transfers.GroupCommit, { enabled: groupCommit, windowMillis: 0, sizeMax: 100, inFlightMax: 2 })
  ).pipe(Layer.provideMerge(TestDatabase({ poolMax: 24 })))

const retriesSoFar = Effect.map(
  Metric.value(Metric.withAttributes(transactionRetries, { reason: "connection" })),
  (state) => state.count
)

const faults = (it: Vitest.MethodsNonLive<Layer.Success<ReturnType<typeof Live>>>) => {
  it.effect("killed connections lose nothing and apply nothing twice", () =>
    Effect.gen(function* () {
      const sql = yield* PgClient.PgClient
      const store = yield* LedgerStore
      const { eurWorld } = yield* world
      // three owners, two accounts each (account i is owners[i % 3]'s): their transfers share groups
      const owners = [uuidv7() as OwnerId, uuidv7() as OwnerId, uuidv7() as OwnerId]
      for (const id of owners) yield* store.createOwner({ id, kind: "service", name: `owner ${id}` })
      const accounts: Array<Account> = []
      for (let i = 0; i < 6; i++) accounts.push(yield* openAt("EUR", { ownerId: owners[i % 3]! }))
      for (const a of accounts) yield* Transfers.create(command(eurWorld, a, 1_000_000n), null)
      const retriesBefore = yield* retriesSoFar

      let killed = 0
      let stop = false
      const killer = yield* Effect.forkChild(
        Effect.gen(function* () {
          while (!stop) {
            const rows = yield* sql<{ n: number }>`
              SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
              WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = 'tally'
                AND state IN ('active', 'idle in transaction')`.pipe(Effect.orElseSucceed(() => [{ n: 0 }]))
            killed += rows[0]?.n ?? 0
            yield* Effect.sleep("15 millis")
          }
        })
      )

      const outcomes = { posted: new Set<string>(), refused: 0, gaveUp: 0 }
      const holds: Array<TransferId> = []
      // posting a hold, retried like any call; a retry may find it posted by the first attempt: that is fine
      const settle = (id: TransferId, owner: OwnerId) =>
        Effect.gen(function* () {
          for (let attempt = 0; attempt <= CLIENT_RETRIES; attempt++) {
            const result = yield* Effect.result(Transfers.post(id, undefined, owner))
            if (result._tag === "Success") return
            if (result.failure._tag === "TransferRefused") {
              if (result.failure.code === "pending_transfer_already_posted") return
              return yield* Effect.die(new Error(`post of ${id} refused: ${result.failure.code}`))
            }
            yield* Effect.sleep("20 millis")
          }
          outcomes.gaveUp++
        })
      yield* Effect.forEach(
        Array.from({ length: CLIENTS }, (_, c) => c),
        (c) =>
          Effect.gen(function* () {
            // client c acts for owners[c % 3]: it debits that owner's accounts and pays anyone's
            const owner = owners[c % 3]!
            for (let i = 0; i < TRANSFERS_PER_CLIENT; i++) {
              const f = (c % 3) + 3 * (i % 2)
              const from = accounts[f]!
              const to = accounts[(f + 1 + (i % 5)) % accounts.length]!
              const hold = i % 5 === 0
              const cmd = command(from, to, BigInt(1 + ((c * 31 + i * 17) % 500)), { pending: hold })
              // the client's own retry loop: same id every time, so a retry can never apply it twice
              for (let attempt = 0; ; attempt++) {
                const result = yield* Effect.result(Transfers.create(cmd, owner))
                if (result._tag === "Success") {
                  if (hold) {
                    holds.push(result.success.id)
                    yield* settle(result.success.id, owner)
                  }
                  outcomes.posted.add(result.success.id)
                  break
                }
                if (result.failure._tag === "TransferRefused") {
                  outcomes.refused++
                  break
                }
                if (attempt >= CLIENT_RETRIES) {
                  outcomes.gaveUp++
                  break
                }
                yield* Effect.sleep("20 millis")
              }
            }
          }),
        { concurrency: "unbounded", discard: true }
      )
      stop = true
      yield* Fiber.join(killer)

      assert.isAbove(killed, 0, "the killer terminated connections")
      assert.isAbove((yield* retriesSoFar) - retriesBefore, 0, "transactions were retried after lost connections")
      assert.strictEqual(outcomes.gaveUp, 0, "every client call ended in an answer within its retries")
      assert.strictEqual(outcomes.posted.size + outcomes.refused, CLIENTS * TRANSFERS_PER_CLIENT)

      assert.isAbove(holds.length, 0)
      // every transfer a client saw posted (holds: then posted) is stored once, posted, with exactly its two entries
      const posted = [...outcomes.posted]
      const [check] = yield* sql<{ transfers: number; entries: number; not_posted: number }>`
        SELECT (SELECT count(*)::int FROM transfers WHERE id = ANY(${posted}::uuid[])) AS transfers,
               (SELECT count(*)::int FROM entries WHERE transfer_id = ANY(${posted}::uuid[])) AS entries,
               (SELECT count(*)::int FROM transfers WHERE id = ANY(${posted}::uuid[]) AND status <> 'posted')
                 AS not_posted`
      assert.deepStrictEqual(check, { transfers: posted.length, entries: 2 * posted.length, not_posted: 0 })
      const [sum] = yield* sql<{ total: string }>`
        SELECT sum(posted)::text AS total FROM accounts WHERE id = ANY(${accounts.map((a) => a.id)}::uuid[])`
      assert.strictEqual(sum!.total, String(6_000_000n), "money is conserved among the customers")
      const report = yield* (yield* LedgerVerifier).verify
      assert.deepStrictEqual(report.problems, [], "LedgerVerifier is clean")
    })
  )
}

describe("faults", () => {
  layer(Live(true), { timeout: 120_000, excludeTestServices: true })("group commit on", faults)
  layer(Live(false), { timeout: 120_000, excludeTestServices: true })("group commit off", faults)
})
