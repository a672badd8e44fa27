// The use cases the server's operations call, on the in-memory stores: accounts, API keys, FX rates, and the
// outcomes they report to LedgerTelemetry once committed.
import { assert, layer } from "@effect/vitest"
import * as MemoryApiKeyStore from "@tally/adapters/memory/MemoryApiKeyStore"
import * as MemoryLedgerStore from "@tally/adapters/memory/MemoryLedgerStore"
import * as Uuid from "@tally/adapters/Uuid"
import { DateTime, Effect, Layer } from "effect"
import type { OwnerId } from "../../domain/src/Account.ts"
import type { TransferCommand } from "../../domain/src/CreateTransfer.ts"
import type { CurrencyCode } from "../../domain/src/Money.ts"
import { Ids } from "../../domain/src/ports/Ids.ts"
import { LedgerStore } from "../../domain/src/ports/LedgerStore.ts"
import { LedgerTelemetry } from "../../domain/src/ports/LedgerTelemetry.ts"
import type { TransferId } from "../../domain/src/Transfer.ts"
import * as Accounts from "../../domain/src/usecases/Accounts.ts"
import * as ApiKeys from "../../domain/src/usecases/ApiKeys.ts"
import * as Fx from "../../domain/src/usecases/Fx.ts"
import * as Transfers from "../../domain/src/usecases/Transfers.ts"

const EUR = "EUR" as CurrencyCode
const USD = "USD" as CurrencyCode

const reported: Array<string> = []
const Recorder = Layer.succeed(LedgerTelemetry, {
  committed: (kind, transfers) =>
    Effect.sync(() => reported.push(...transfers.map((t) => `${kind} ${t.status} ${t.failureCode ?? "none"}`))),
  holdRefused: (kind, code) => Effect.sync(() => reported.push(`${kind} refused ${code}`))
})

const Stores = Layer.mergeAll(MemoryLedgerStore.layer, MemoryApiKeyStore.layer, Uuid.layer, Recorder)

const open = (ownerId: OwnerId | null, allowNegative = false) =>
  Accounts.open({ currency: EUR, ownerId, allowNegative, metadata: null })

const pay = (debit: string, credit: string, amountMinor: bigint, pending = false) =>
  Effect.gen(function* () {
    const id = yield* (yield* Ids).next
    return {
      id: id as TransferId,
      debitAccountId: debit as TransferCommand["debitAccountId"],
      creditAccountId: credit as TransferCommand["creditAccountId"],
      amountMinor,
      pending,
      timeoutSeconds: null,
      metadata: null,
      batchId: null
    } satisfies TransferCommand
  })

layer(Stores)("use cases", (it) => {
  it.effect("an owned account may not allow negative balances; accounts are listed per owner", () =>
    Effect.gen(function* () {
      const owner = (yield* (yield* Ids).next) as OwnerId
      const refused = yield* Effect.flip(open(owner, true))
      assert.strictEqual(refused._tag, "OwnedSystemAccount")
      const mine = yield* open(owner)
      yield* open(null, true)
      const page = yield* Accounts.list({ cursor: null, limit: 10 }, owner)
      assert.deepStrictEqual(
        page.items.map((a) => a.id),
        [mine.id]
      )
      assert.isAtLeast((yield* Accounts.list({ cursor: null, limit: 10 }, null)).items.length, 2)
    })
  )

  it.effect("API keys: issued to a new or existing owner, never for another owner by an owner; revoked once", () =>
    Effect.gen(function* () {
      const secret = { prefix: "tally_abc", keyHash: "h1" }
      const first = yield* ApiKeys.issue({ ownerId: null, ownerName: "Acme", name: null, ...secret }, null)
      assert.strictEqual(first.name, "default")
      const second = yield* ApiKeys.issue(
        { ownerId: null, ownerName: null, name: "second", prefix: "tally_def", keyHash: "h2" },
        first.ownerId
      )
      assert.strictEqual(second.ownerId, first.ownerId)
      const stranger = (yield* (yield* Ids).next) as OwnerId
      const forOther = yield* Effect.flip(
        ApiKeys.issue({ ownerId: stranger, ownerName: null, name: null, ...secret }, first.ownerId)
      )
      assert.strictEqual(forOther._tag, "OtherOwnersKey")
      const unknown = yield* Effect.flip(
        ApiKeys.issue({ ownerId: stranger, ownerName: null, name: null, ...secret }, null)
      )
      assert.strictEqual(unknown._tag, "OwnerNotFound")
      assert.strictEqual((yield* ApiKeys.list(first.ownerId)).length, 2)
      assert.isNotNull((yield* ApiKeys.revoke(second.id, first.ownerId)).revokedAt)
      assert.strictEqual((yield* Effect.flip(ApiKeys.revoke(second.id, stranger)))._tag, "ApiKeyNotFound")
    })
  )

  it.effect("FX rates are filtered by base and quote", () =>
    Effect.gen(function* () {
      const asOf = yield* DateTime.now
      yield* (yield* LedgerStore).saveFxQuotes([
        { base: EUR, quote: USD, rate: "1.08", source: "test", asOf },
        { base: USD, quote: EUR, rate: "0.92", source: "test", asOf }
      ])
      assert.strictEqual((yield* Fx.rates({ base: null, quote: null })).length, 2)
      assert.deepStrictEqual(
        (yield* Fx.rates({ base: EUR, quote: null })).map((q) => q.rate),
        ["1.08"]
      )
      assert.deepStrictEqual(yield* Fx.rates({ base: EUR, quote: EUR }), [])
    })
  )

  it.effect("committed outcomes are reported once: transfers, refusals, settled and refused holds, batches", () =>
    Effect.gen(function* () {
      reported.length = 0
      const world = yield* open(null, true)
      const alice = yield* open(null)
      const deposit = yield* pay(world.id, alice.id, 100n)
      yield* Transfers.create(deposit, null)
      yield* Transfers.create(deposit, null) // a retry: counted once
      yield* Effect.flip(Transfers.create(yield* pay(alice.id, world.id, 1_000n), null))
      const hold = yield* Transfers.create(yield* pay(alice.id, world.id, 10n, true), null)
      yield* Transfers.post(hold.id, undefined, null)
      yield* Effect.flip(Transfers.voidHold(hold.id, null))
      yield* Transfers.createBatch([yield* pay(alice.id, world.id, 1n), yield* pay(alice.id, world.id, 2n)], null)
      assert.deepStrictEqual(reported, [
        "single posted none",
        "single failed insufficient_funds",
        "single pending none",
        "hold_post posted none",
        "hold_void refused pending_transfer_already_posted",
        "batch posted none",
        "batch posted none"
      ])
    })
  )
})
