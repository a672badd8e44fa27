// One contract, two adapters: the PostgreSQL store and its in-memory twin must behave alike.
import { assert, type Vitest } from "@effect/vitest"
import { type AccountId, type OwnerId, openAccount } from "@tally/domain/Account"
import type { CurrencyCode } from "@tally/domain/Money"
import { LedgerStore } from "@tally/domain/ports/LedgerStore"
import { DateTime, Effect, Option } from "effect"
import { uuidv7 } from "../../src/Uuid.ts"

type It = Vitest.MethodsNonLive<LedgerStore>

const owner = Effect.gen(function* () {
  const id = uuidv7() as OwnerId
  yield* (yield* LedgerStore).createOwner({ id, kind: "service", name: "contract test" })
  return id
})

const newAccount = (ownerId: OwnerId | null, currency = "EUR", at = Date.now()) =>
  openAccount(
    { id: uuidv7(at) as AccountId, currency: currency as CurrencyCode, ownerId, allowNegative: false, metadata: null },
    DateTime.makeUnsafe(at)
  )

export const ledgerStoreContract = (it: It) => {
  it.effect("creates and reads back an account, with zero balances", () =>
    Effect.gen(function* () {
      const store = yield* LedgerStore
      const account = newAccount(yield* owner, "JPY")
      const created = yield* store.createAccount({ ...account, metadata: { team: "payments", n: 1 } })
      assert.strictEqual(created.id, account.id)
      const found = yield* store.getAccount(account.id)
      assert.isTrue(Option.isSome(found))
      const read = Option.getOrThrow(found)
      assert.strictEqual(read.currency, "JPY")
      assert.strictEqual(read.postedMinor, 0n)
      assert.strictEqual(read.pendingDebitsMinor, 0n)
      assert.strictEqual(read.version, 0)
      assert.deepStrictEqual(read.metadata, { team: "payments", n: 1 })
      assert.strictEqual(DateTime.toEpochMillis(read.createdAt), DateTime.toEpochMillis(account.createdAt))
    })
  )

  it.effect("an unknown id is none", () =>
    Effect.gen(function* () {
      const store = yield* LedgerStore
      assert.isTrue(Option.isNone(yield* store.getAccount(uuidv7() as AccountId)))
    })
  )

  it.effect("lists an owner's accounts in creation order, page by page, and only theirs", () =>
    Effect.gen(function* () {
      const store = yield* LedgerStore
      const me = yield* owner
      const other = yield* owner
      const base = Date.now()
      const mine = []
      for (let i = 0; i < 5; i++) mine.push(yield* store.createAccount(newAccount(me, "EUR", base + i)))
      yield* store.createAccount(newAccount(other, "EUR", base + 2))
      const first = yield* store.listAccounts({ ownerId: me, cursor: null, limit: 2 })
      assert.deepStrictEqual(
        first.items.map((a) => a.id),
        mine.slice(0, 2).map((a) => a.id)
      )
      assert.isNotNull(first.nextCursor)
      const second = yield* store.listAccounts({ ownerId: me, cursor: first.nextCursor, limit: 2 })
      const third = yield* store.listAccounts({ ownerId: me, cursor: second.nextCursor, limit: 2 })
      assert.deepStrictEqual(
        [...second.items, ...third.items].map((a) => a.id),
        mine.slice(2).map((a) => a.id)
      )
      assert.isNull(third.nextCursor)
    })
  )

  it.effect("refuses a cursor it did not issue", () =>
    Effect.gen(function* () {
      const store = yield* LedgerStore
      const error = yield* Effect.flip(store.listAccounts({ ownerId: null, cursor: "not-a-cursor", limit: 10 }))
      assert.strictEqual(error._tag, "InvalidCursor")
    })
  )
}
