// Ordering (issue 10 A7): decisions use the time at which their locks were granted, and a client tailing the
// transfer list or an account's entries with the cursor never misses a committed row, however commits interleave.
import { PgClient } from "@effect/sql-pg"
import { assert, layer } from "@effect/vitest"
import type { Account } from "@tally/domain/Account"
import type { Entry } from "@tally/domain/Entry"
import { LedgerStore, type Page } from "@tally/domain/ports/LedgerStore"
import type { Transfer } from "@tally/domain/Transfer"
import * as Transfers from "@tally/domain/usecases/Transfers"
import { DateTime, Deferred, Effect, Fiber, Layer } from "effect"
import * as PgLedgerStore from "../src/postgres/PgLedgerStore.ts"
import { TransactionConfig } from "../src/postgres/Transactions.ts"
import { command, openAt, world } from "./contract/LedgerContract.ts"
import { TestDatabase } from "./support/TestDatabase.ts"

const WRITERS = 32
const TRANSFERS_PER_WRITER = 25
const PAGE = 7

const Live = Layer.effect(LedgerStore, PgLedgerStore.make).pipe(
  Layer.provide(
    Layer.succeed(TransactionConfig, {
      isolation: "read_committed",
      retriesMax: 20,
      retryBaseMs: 2,
      retryMaxDelayMs: 50
    })
  ),
  Layer.provideMerge(TestDatabase({ poolMax: WRITERS + 8 }))
)

/** Follows a list as a tailing client would: always asks again from the page's tail cursor. */
const tail = <A>(page: (cursor: string | null) => Effect.Effect<Page<A>, unknown>, done: () => boolean) =>
  Effect.gen(function* () {
    const seen: Array<A> = []
    let cursor: string | null = null
    for (;;) {
      const finished = done()
      const p: Page<A> = yield* page(cursor)
      seen.push(...p.items)
      cursor = p.tailCursor ?? null
      if (p.nextCursor === null) {
        if (finished) return seen
        yield* Effect.sleep("3 millis")
      }
    }
  })

layer(Live, { timeout: 120_000, excludeTestServices: true })("ordering", (it) => {
  it.effect("a post that waited on a lock past expiresAt is refused as expired", () =>
    Effect.gen(function* () {
      const sql = yield* PgClient.PgClient
      const { eurWorld } = yield* world
      const alice = yield* openAt("EUR")
      const shop = yield* openAt("EUR")
      yield* Transfers.create(command(eurWorld, alice, 1_000n), null)
      const hold = yield* Transfers.create(command(alice, shop, 100n, { pending: true, timeoutSeconds: 2 }), null)
      const expiresAt = DateTime.toEpochMillis(hold.expiresAt!)
      const locked = yield* Deferred.make<void>()
      // another session holds the hold's row until after it expired
      const blocker = yield* Effect.forkChild(
        sql.withTransaction(
          Effect.gen(function* () {
            yield* sql`SELECT id FROM transfers WHERE id = ${hold.id} FOR UPDATE`
            yield* Deferred.succeed(locked, undefined)
            while (Date.now() <= expiresAt + 100) yield* Effect.sleep("20 millis")
          })
        )
      )
      yield* Deferred.await(locked)
      assert.isBelow(Date.now(), expiresAt, "the post is asked before the hold expires")
      const error = yield* Effect.flip(Transfers.post(hold.id, undefined, null))
      yield* Fiber.join(blocker)
      assert.strictEqual(error._tag, "TransferRefused")
      assert.strictEqual((error as Transfers.TransferRefused).code, "pending_transfer_expired")
    })
  )

  it.effect("a client tailing transfers and entries with the cursor misses no committed row (32 writers)", () =>
    Effect.gen(function* () {
      const store = yield* LedgerStore
      const sql = yield* PgClient.PgClient
      const { eurWorld } = yield* world
      // a few hot accounts (lock waits reorder commits) and one account per writer (no waits at all)
      const hot: Array<Account> = []
      for (let i = 0; i < 4; i++) hot.push(yield* openAt("EUR"))
      const own: Array<Account> = []
      for (let i = 0; i < WRITERS; i++) own.push(yield* openAt("EUR"))
      for (const a of [...hot, ...own]) yield* Transfers.create(command(eurWorld, a, 1_000_000n), null)
      const [{ before }] = (yield* sql<{ before: number }>`SELECT count(*)::int AS before FROM transfers`) as [
        { before: number }
      ]

      let writing = true
      const transfersTail = yield* Effect.forkChild(
        tail<Transfer>(
          (cursor) => store.listTransfers({ accountId: null, status: null, ownerId: null, cursor, limit: PAGE }),
          () => !writing
        )
      )
      const entriesTail = yield* Effect.forkChild(
        tail<Entry>(
          (cursor) => store.listEntries({ accountId: hot[0]!.id, cursor, limit: PAGE }),
          () => !writing
        )
      )
      yield* Effect.forEach(
        Array.from({ length: WRITERS }, (_, w) => w),
        (w) =>
          Effect.gen(function* () {
            for (let i = 0; i < TRANSFERS_PER_WRITER; i++) {
              const from = i % 3 === 0 ? own[w]! : hot[(w + i) % hot.length]!
              const to = i % 3 === 0 ? hot[w % hot.length]! : hot[(w + i + 1) % hot.length]!
              yield* Transfers.create(command(from, to, BigInt(1 + ((w + i) % 9))), null)
            }
          }),
        { concurrency: "unbounded", discard: true }
      )
      writing = false
      const tailedTransfers = yield* Fiber.join(transfersTail)
      const tailedEntries = yield* Fiber.join(entriesTail)

      const all = yield* sql<{ id: string }>`SELECT id FROM transfers`
      const ids = tailedTransfers.map((t) => t.id)
      assert.strictEqual(all.length, before + WRITERS * TRANSFERS_PER_WRITER)
      assert.strictEqual(new Set(ids).size, ids.length, "no transfer is listed twice")
      assert.deepStrictEqual([...new Set(ids)].sort(), all.map((r) => r.id).sort(), "the tail saw every transfer")
      const entries = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM entries WHERE account_id = ${hot[0]!.id}`
      assert.strictEqual(tailedEntries.length, entries[0]!.n, "the entries tail saw every entry of the account")
      // and in the order that makes posted_after a running sum
      let running = 0n
      for (const e of tailedEntries) {
        running += e.side === "credit" ? e.amountMinor : -e.amountMinor
        assert.strictEqual(e.postedAfterMinor, running)
      }
    })
  )
})
