// How many statements a ledger operation sends inside its transaction (BEGIN and COMMIT come on top).
// Counted, not timed: a change that adds a round trip to the transfer path fails here.
import { assert, layer } from "@effect/vitest"
import type { OwnerId } from "@tally/domain/Account"
import { LedgerStore } from "@tally/domain/ports/LedgerStore"
import * as Transfers from "@tally/domain/usecases/Transfers"
import { Effect, Layer } from "effect"
import { Statement } from "effect/sql"
import * as PgLedgerStore from "../src/postgres/PgLedgerStore.ts"
import { uuidv7 } from "../src/Uuid.ts"
import { command, openAt, world } from "./contract/LedgerContract.ts"
import { TestDatabase } from "./support/TestDatabase.ts"

const statementsOf = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    let count = 0
    const transformer: Statement.Transformer = (self) => {
      count++
      return Effect.succeed(self)
    }
    const result = yield* effect.pipe(Effect.provideService(Statement.CurrentTransformer, transformer))
    return [result, count] as const
  })

layer(PgLedgerStore.layer.pipe(Layer.provide(TestDatabase())), { timeout: 60_000 })("round trips", (it) => {
  it.effect(
    "a transfer, a batch of 100, a hold post and an FX transfer each take a fixed, small number of statements",
    () =>
      Effect.gen(function* () {
        const { eurWorld } = yield* world
        const a = yield* openAt("EUR")
        const b = yield* openAt("EUR")
        const [, deposit] = yield* statementsOf(Transfers.create(command(eurWorld, a, 100_000n), null))
        assert.strictEqual(deposit, 2, "lock the accounts, write everything")
        const batch = Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? command(a, b, 10n) : command(b, a, 5n)))
        const [, batched] = yield* statementsOf(Transfers.createBatch(batch, null))
        assert.strictEqual(batched, 2, "a batch of 100 costs what one transfer costs")
        const hold = yield* Transfers.create(command(a, b, 50n, { pending: true }), null)
        const [, posted] = yield* statementsOf(Transfers.post(hold.id, undefined, null))
        assert.strictEqual(posted, 3, "lock the hold, lock its accounts, write")
        const [, refused] = yield* statementsOf(Effect.flip(Transfers.create(command(b, a, 10n ** 12n), null)))
        assert.strictEqual(refused, 2, "a refusal is stored in the same two statements")
        const usd = yield* openAt("USD")
        const [fx, fxStatements] = yield* statementsOf(Transfers.create(command(a, usd, 1_000n), null))
        assert.strictEqual(fx.creditCurrency, "USD")
        assert.strictEqual(fxStatements, 4, "lock the parties, read the quote and liquidity ids, lock those, write")
      })
  )

  it.effect("concurrent single transfers of the admin share one transaction: two statements for the group", () =>
    Effect.gen(function* () {
      const { eurWorld } = yield* world
      const a = yield* openAt("EUR")
      const b = yield* openAt("EUR")
      yield* Transfers.create(command(eurWorld, a, 100_000n), null)
      const cmds = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? command(a, b, 10n) : command(b, a, 5n)))
      const [outcomes, statements] = yield* statementsOf(
        Effect.forEach(cmds, (c) => Effect.exit(Transfers.create(c, null)), { concurrency: "unbounded" })
      )
      // the odd ones debit b, which holds only what the even ones before them credited: decided in arrival order
      assert.deepStrictEqual(
        outcomes.map((e) => e._tag),
        cmds.map(() => "Success")
      )
      assert.strictEqual(statements, 2, "one lock of the union of the accounts, one write")
    }).pipe(
      Effect.provideService(Transfers.GroupCommit, { enabled: true, windowMillis: 1, sizeMax: 100, inFlightMax: 2 })
    )
  )
  it.effect("several owners' concurrent transfers share one transaction: a check of their debits, lock, write", () =>
    Effect.gen(function* () {
      const store = yield* LedgerStore
      const { eurWorld } = yield* world
      const [x, y] = [uuidv7() as OwnerId, uuidv7() as OwnerId]
      for (const id of [x, y]) yield* store.createOwner({ id, kind: "service", name: `owner ${id}` })
      const a = yield* openAt("EUR", { ownerId: x })
      const b = yield* openAt("EUR", { ownerId: y })
      yield* Transfers.create(command(eurWorld, a, 100_000n), null)
      yield* Transfers.create(command(eurWorld, b, 100_000n), null)
      const asks = Array.from({ length: 20 }, (_, i) =>
        i % 3 === 0
          ? Transfers.create(command(a, b, 10n), x)
          : i % 3 === 1
            ? Transfers.create(command(b, a, 5n), y)
            : Transfers.create(command(eurWorld, a, 1n), null)
      )
      const [outcomes, statements] = yield* statementsOf(
        Effect.forEach(asks, Effect.exit, { concurrency: "unbounded" })
      )
      assert.deepStrictEqual(
        outcomes.map((e) => e._tag),
        asks.map(() => "Success")
      )
      assert.strictEqual(statements, 3, "one unlocked read of the owners' debit accounts, one lock, one write")
    }).pipe(
      Effect.provideService(Transfers.GroupCommit, { enabled: true, windowMillis: 1, sizeMax: 100, inFlightMax: 2 })
    )
  )
})
