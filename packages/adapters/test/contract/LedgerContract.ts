// The ledger use cases against a LedgerStore: run unchanged on the in-memory twin and on PostgreSQL.
import { assert, type Vitest } from "@effect/vitest"
import { type Account, type AccountId, type OwnerId, openAccount } from "@tally/domain/Account"
import type { TransferCommand } from "@tally/domain/CreateTransfer"
import type { Entry } from "@tally/domain/Entry"
import { checkInvariants } from "@tally/domain/Invariants"
import type { CurrencyCode } from "@tally/domain/Money"
import { LedgerStore } from "@tally/domain/ports/LedgerStore"
import type { Transfer, TransferId } from "@tally/domain/Transfer"
import * as Transfers from "@tally/domain/usecases/Transfers"
import { DateTime, Effect } from "effect"
import { TestClock } from "effect/testing"
import { uuidv7 } from "../../src/Uuid.ts"

type It = Vitest.MethodsNonLive<LedgerStore>

const cc = (c: string) => c as CurrencyCode

export const openAt = (currency: string, options: { allowNegative?: boolean; ownerId?: OwnerId | null } = {}) =>
  Effect.gen(function* () {
    const store = yield* LedgerStore
    const now = yield* DateTime.now
    return yield* store.createAccount(
      openAccount(
        {
          id: uuidv7() as AccountId,
          currency: cc(currency),
          ownerId: options.ownerId ?? null,
          allowNegative: options.allowNegative ?? false,
          metadata: null
        },
        now
      )
    )
  })

export const command = (debit: Account, credit: Account, amountMinor: bigint, extra: Partial<TransferCommand> = {}) =>
  ({
    id: uuidv7() as TransferId,
    debitAccountId: debit.id,
    creditAccountId: credit.id,
    amountMinor,
    pending: false,
    timeoutSeconds: null,
    metadata: null,
    batchId: null,
    ...extra
  }) satisfies TransferCommand

/** Everything in the store, read back through the port, checked by the domain's auditor. */
export const audit = Effect.gen(function* () {
  const store = yield* LedgerStore
  const accounts: Array<Account> = []
  let cursor: string | null = null
  do {
    const page: { items: ReadonlyArray<Account>; nextCursor: string | null } = yield* store.listAccounts({
      ownerId: null,
      cursor,
      limit: 500
    })
    accounts.push(...page.items)
    cursor = page.nextCursor
  } while (cursor !== null)
  const entries: Array<Entry> = []
  for (const account of accounts) {
    let c: string | null = null
    do {
      const page: { items: ReadonlyArray<Entry>; nextCursor: string | null } = yield* store.listEntries({
        accountId: account.id,
        cursor: c,
        limit: 500
      })
      entries.push(...page.items)
      c = page.nextCursor
    } while (c !== null)
  }
  const transfers: Array<Transfer> = []
  let t: string | null = null
  do {
    const page: { items: ReadonlyArray<Transfer>; nextCursor: string | null } = yield* store.listTransfers({
      accountId: null,
      status: null,
      ownerId: null,
      cursor: t,
      limit: 500
    })
    transfers.push(...page.items)
    t = page.nextCursor
  } while (t !== null)
  // entries per account are in write order; the auditor needs them globally in write order per account only
  return checkInvariants(accounts, entries, transfers)
})

const balances = (id: AccountId) =>
  Effect.flatMap(LedgerStore, (store) => store.getAccount(id)).pipe(
    Effect.map((o) => {
      const a = o._tag === "Some" ? o.value : undefined
      return a === undefined ? undefined : [a.postedMinor, a.pendingDebitsMinor, a.pendingCreditsMinor]
    })
  )

/** A funded world: a system (allowNegative) account per currency, FX liquidity accounts and a fresh quote. */
export const world = Effect.gen(function* () {
  const store = yield* LedgerStore
  const eurWorld = yield* openAt("EUR", { allowNegative: true })
  const usdWorld = yield* openAt("USD", { allowNegative: true })
  const eurFx = yield* openAt("EUR", { allowNegative: true })
  const usdFx = yield* openAt("USD", { allowNegative: true })
  yield* store.registerSystemAccount("fx_liquidity", cc("EUR"), eurFx.id)
  yield* store.registerSystemAccount("fx_liquidity", cc("USD"), usdFx.id)
  const now = yield* DateTime.now
  yield* store.saveFxQuotes([
    { base: cc("EUR"), quote: cc("USD"), rate: "1.0850", source: "contract-test", asOf: now },
    { base: cc("USD"), quote: cc("EUR"), rate: "0.9200", source: "contract-test", asOf: now }
  ])
  return { eurWorld, usdWorld, eurFx, usdFx }
})

export const ledgerContract = (it: It) => {
  it.effect("a one-phase transfer posts, writes two entries and keeps the books balanced", () =>
    Effect.gen(function* () {
      const { eurWorld } = yield* world
      const alice = yield* openAt("EUR")
      const bob = yield* openAt("EUR")
      yield* Transfers.create(command(eurWorld, alice, 10_000n), null)
      const t = yield* Transfers.create(command(alice, bob, 1_050n), null)
      assert.strictEqual(t.status, "posted")
      assert.deepStrictEqual(yield* balances(alice.id), [8_950n, 0n, 0n])
      assert.deepStrictEqual(yield* balances(bob.id), [1_050n, 0n, 0n])
      const store = yield* LedgerStore
      const entries = yield* store.listEntries({ accountId: bob.id, cursor: null, limit: 10 })
      assert.strictEqual(entries.items.length, 1)
      assert.strictEqual(entries.items[0]!.side, "credit")
      assert.strictEqual(entries.items[0]!.postedAfterMinor, 1_050n)
      assert.deepStrictEqual(yield* audit, [])
    })
  )

  it.effect("a refused transfer is stored as failed with its code and changes no balance", () =>
    Effect.gen(function* () {
      const alice = yield* openAt("EUR")
      const bob = yield* openAt("EUR")
      const cmd = command(alice, bob, 1n)
      const error = yield* Effect.flip(Transfers.create(cmd, null))
      assert.strictEqual(error._tag, "TransferRefused")
      assert.strictEqual((error as Transfers.TransferRefused).code, "insufficient_funds")
      const stored = yield* Transfers.get(cmd.id, null)
      assert.strictEqual(stored.status, "failed")
      assert.strictEqual(stored.failureCode, "insufficient_funds")
      assert.deepStrictEqual(yield* balances(alice.id), [0n, 0n, 0n])
      const missing = command(alice, { ...bob, id: uuidv7() as AccountId }, 5n)
      const notFound = yield* Effect.flip(Transfers.create(missing, null))
      assert.strictEqual((notFound as Transfers.TransferRefused).code, "credit_account_not_found")
    })
  )

  it.effect("a retry with the same id returns the first result; a different body under it is refused", () =>
    Effect.gen(function* () {
      const { eurWorld } = yield* world
      const alice = yield* openAt("EUR")
      const cmd = command(eurWorld, alice, 700n)
      const first = yield* Transfers.create(cmd, null)
      const again = yield* Transfers.create(cmd, null)
      assert.strictEqual(again.id, first.id)
      assert.deepStrictEqual(yield* balances(alice.id), [700n, 0n, 0n])
      const reused = yield* Effect.flip(Transfers.create({ ...cmd, amountMinor: 701n }, null))
      assert.strictEqual(reused._tag, "TransferIdReused")
      // a refused transfer's retry is refused again with the same code, not re-judged
      const poor = yield* openAt("EUR")
      const refusedCmd = command(poor, alice, 5n)
      yield* Effect.flip(Transfers.create(refusedCmd, null))
      const refusedAgain = yield* Effect.flip(Transfers.create(refusedCmd, null))
      assert.strictEqual((refusedAgain as Transfers.TransferRefused).code, "insufficient_funds")
    })
  )

  it.effect("holds: reserve, partial post, void, expire", () =>
    Effect.gen(function* () {
      const { eurWorld } = yield* world
      const alice = yield* openAt("EUR")
      const shop = yield* openAt("EUR")
      yield* Transfers.create(command(eurWorld, alice, 1_000n), null)
      const hold = yield* Transfers.create(command(alice, shop, 600n, { pending: true }), null)
      assert.strictEqual(hold.status, "pending")
      assert.deepStrictEqual(yield* balances(alice.id), [1_000n, 600n, 0n])
      assert.deepStrictEqual(yield* balances(shop.id), [0n, 0n, 600n])
      const overdraw = yield* Effect.flip(Transfers.create(command(alice, shop, 401n), null))
      assert.strictEqual((overdraw as Transfers.TransferRefused).code, "insufficient_funds")

      const posted = yield* Transfers.post(hold.id, 250n, null)
      assert.strictEqual(posted.status, "posted")
      assert.strictEqual(posted.postedAmountMinor, 250n)
      assert.deepStrictEqual(yield* balances(alice.id), [750n, 0n, 0n])
      assert.deepStrictEqual(yield* balances(shop.id), [250n, 0n, 0n])
      const twice = yield* Effect.flip(Transfers.post(hold.id, undefined, null))
      assert.strictEqual((twice as Transfers.TransferRefused).code, "pending_transfer_already_posted")

      const second = yield* Transfers.create(command(alice, shop, 100n, { pending: true }), null)
      const voided = yield* Transfers.voidHold(second.id, null)
      assert.strictEqual(voided.status, "voided")
      assert.deepStrictEqual(yield* balances(alice.id), [750n, 0n, 0n])

      const expiring = yield* Transfers.create(command(alice, shop, 100n, { pending: true, timeoutSeconds: 1 }), null)
      assert.isNotNull(expiring.expiresAt)
      assert.deepStrictEqual(yield* balances(alice.id), [750n, 100n, 0n])
      yield* TestClock.adjust("2 seconds")
      assert.strictEqual(yield* Transfers.expireDue(100), 1)
      assert.strictEqual((yield* Transfers.get(expiring.id, null)).status, "expired")
      assert.deepStrictEqual(yield* balances(alice.id), [750n, 0n, 0n])
      const late = yield* Effect.flip(Transfers.post(expiring.id, undefined, null))
      assert.strictEqual((late as Transfers.TransferRefused).code, "pending_transfer_expired")
      assert.deepStrictEqual(yield* audit, [])
    })
  )

  it.effect("an atomic batch applies all or nothing and names each failing item", () =>
    Effect.gen(function* () {
      const { eurWorld } = yield* world
      const a = yield* openAt("EUR")
      const b = yield* openAt("EUR")
      const ok = yield* Transfers.createBatch(
        [command(eurWorld, a, 500n), command(a, b, 300n), command(b, a, 100n)],
        null
      )
      assert.deepStrictEqual(
        ok.map((t) => t.status),
        ["posted", "posted", "posted"]
      )
      assert.deepStrictEqual(yield* balances(a.id), [300n, 0n, 0n])
      const refused = yield* Effect.flip(
        Transfers.createBatch([command(a, b, 100n), command(b, a, 1_000n), command(a, a, 1n)], null)
      )
      assert.strictEqual(refused._tag, "BatchRefused")
      assert.deepStrictEqual((refused as Transfers.BatchRefused).errors, [
        { index: 1, code: "insufficient_funds" },
        { index: 2, code: "accounts_must_be_different" }
      ])
      assert.deepStrictEqual(yield* balances(a.id), [300n, 0n, 0n])
      assert.deepStrictEqual(yield* balances(b.id), [200n, 0n, 0n])
      const tooBig = yield* Effect.flip(Transfers.createBatch([], null))
      assert.strictEqual(tooBig._tag, "BatchTooLarge")
      assert.deepStrictEqual(yield* audit, [])
    })
  )

  it.effect("a cross-currency transfer converts through the FX liquidity accounts, each currency balanced", () =>
    Effect.gen(function* () {
      const { eurWorld, eurFx, usdFx } = yield* world
      const eur = yield* openAt("EUR")
      const usd = yield* openAt("USD")
      yield* Transfers.create(command(eurWorld, eur, 10_000n), null)
      const t = yield* Transfers.create(command(eur, usd, 1_000n), null)
      assert.strictEqual(t.creditAmountMinor, 1_085n)
      assert.strictEqual(t.creditCurrency, "USD")
      assert.strictEqual(t.fx?.rate, "1.0850")
      assert.strictEqual(t.fx?.source, "contract-test")
      assert.deepStrictEqual(yield* balances(usd.id), [1_085n, 0n, 0n])
      assert.deepStrictEqual(yield* balances(eurFx.id), [1_000n, 0n, 0n])
      assert.deepStrictEqual(yield* balances(usdFx.id), [-1_085n, 0n, 0n])
      assert.deepStrictEqual(yield* audit, [])
    })
  )

  it.effect("a stale rate is refused", () =>
    Effect.gen(function* () {
      const { eurWorld } = yield* world
      const usd = yield* openAt("USD", { allowNegative: true })
      const eur = yield* openAt("EUR")
      yield* Transfers.create(command(eurWorld, eur, 1n), null)
      const limits = { fxMaxAgeSeconds: 0, timeoutSecondsMax: 3600, batchSizeMax: 10 }
      yield* TestClock.adjust("1 second")
      const error = yield* Effect.flip(
        Transfers.create(command(usd, eur, 100n), null).pipe(Effect.provideService(Transfers.LedgerLimits, limits))
      )
      assert.strictEqual((error as Transfers.TransferRefused).code, "fx_rate_stale")
    })
  )

  it.effect("another owner's account is invisible to debit, but may be credited", () =>
    Effect.gen(function* () {
      const store = yield* LedgerStore
      const { eurWorld } = yield* world
      const me = uuidv7() as OwnerId
      const them = uuidv7() as OwnerId
      yield* store.createOwner({ id: me, kind: "service", name: "me" })
      yield* store.createOwner({ id: them, kind: "service", name: "them" })
      const mine = yield* openAt("EUR", { ownerId: me })
      const theirs = yield* openAt("EUR", { ownerId: them })
      yield* Transfers.create(command(eurWorld, mine, 100n), null)
      yield* Transfers.create(command(eurWorld, theirs, 100n), null)
      const pay = yield* Transfers.create(command(mine, theirs, 10n), me)
      assert.strictEqual(pay.status, "posted")
      const steal = yield* Effect.flip(Transfers.create(command(theirs, mine, 10n), me))
      assert.strictEqual((steal as Transfers.TransferRefused).code, "debit_account_not_found")
      // the payee sees the payment; a stranger does not
      assert.strictEqual((yield* Transfers.get(pay.id, them)).id, pay.id)
      const stranger = uuidv7() as OwnerId
      const hidden = yield* Effect.flip(Transfers.get(pay.id, stranger))
      assert.strictEqual(hidden._tag, "TransferNotFound")
    })
  )
}

/** Issue 10 A8, A9: batches with a repeated transfer id, and what a partial post states. */
export const ledgerBatchAndPostContract = (it: It) => {
  it.effect("the same transfer id twice in one batch is duplicate_transfer_id, nothing applied, retry alike", () =>
    Effect.gen(function* () {
      const { eurWorld } = yield* world
      const a = yield* openAt("EUR")
      const b = yield* openAt("EUR")
      yield* Transfers.create(command(eurWorld, a, 1_000n), null)
      const first = command(a, b, 100n)
      const batch = [first, command(b, a, 10n), { ...first }, { ...first, amountMinor: 7n }]
      const refused = yield* Effect.flip(Transfers.createBatch(batch, null))
      assert.strictEqual(refused._tag, "BatchRefused")
      const expected = [
        { index: 2, code: "duplicate_transfer_id" },
        { index: 3, code: "duplicate_transfer_id" }
      ]
      assert.deepStrictEqual((refused as Transfers.BatchRefused).errors, expected)
      assert.deepStrictEqual(
        (refused as Transfers.BatchRefused).transferIds,
        batch.map((c) => c.id)
      )
      assert.deepStrictEqual(yield* balances(a.id), [1_000n, 0n, 0n])
      assert.deepStrictEqual(yield* balances(b.id), [0n, 0n, 0n])
      // the id is stored once: the first item's record, refused because its batch was
      const stored = yield* Transfers.get(first.id, null)
      assert.strictEqual(stored.status, "failed")
      assert.strictEqual(stored.failureCode, "linked_transfer_failed")
      assert.strictEqual(stored.amountMinor, 100n)
      // a retry of the same batch gets the same answer
      const again = yield* Effect.flip(Transfers.createBatch(batch, null))
      assert.strictEqual(again._tag, "BatchRefused")
      assert.deepStrictEqual((again as Transfers.BatchRefused).errors, expected)
      assert.deepStrictEqual(yield* audit, [])
    })
  )

  it.effect("a partial post states the payee's posted credit", () =>
    Effect.gen(function* () {
      const { eurWorld } = yield* world
      const alice = yield* openAt("EUR")
      const shop = yield* openAt("EUR")
      yield* Transfers.create(command(eurWorld, alice, 1_000n), null)
      const hold = yield* Transfers.create(command(alice, shop, 600n, { pending: true }), null)
      assert.strictEqual(hold.creditAmountMinor, 600n)
      const posted = yield* Transfers.post(hold.id, 250n, null)
      assert.strictEqual(posted.amountMinor, 600n)
      assert.strictEqual(posted.postedAmountMinor, 250n)
      assert.strictEqual(posted.creditAmountMinor, 250n)
      const read = yield* Transfers.get(hold.id, null)
      assert.strictEqual(read.creditAmountMinor, 250n)
      assert.deepStrictEqual(yield* balances(shop.id), [250n, 0n, 0n])
      assert.deepStrictEqual(yield* audit, [])
    })
  )

  it.effect("a partial post of an FX hold states the converted credit actually posted", () =>
    Effect.gen(function* () {
      const { eurWorld } = yield* world
      const eur = yield* openAt("EUR")
      const usd = yield* openAt("USD")
      yield* Transfers.create(command(eurWorld, eur, 10_000n), null)
      const hold = yield* Transfers.create(command(eur, usd, 1_000n, { pending: true }), null)
      assert.strictEqual(hold.creditAmountMinor, 1_085n)
      const posted = yield* Transfers.post(hold.id, 500n, null)
      // 500 EUR minor at 1.0850 = 542.5, rounded down
      assert.strictEqual(posted.creditAmountMinor, 542n)
      assert.strictEqual((yield* Transfers.get(hold.id, null)).creditAmountMinor, 542n)
      assert.deepStrictEqual(yield* balances(usd.id), [542n, 0n, 0n])
      assert.deepStrictEqual(yield* audit, [])
    })
  )

  it.effect("a client resuming from tailCursor gets exactly the transfers and entries written since", () =>
    Effect.gen(function* () {
      const store = yield* LedgerStore
      const { eurWorld } = yield* world
      const a = yield* openAt("EUR")
      yield* Transfers.create(command(eurWorld, a, 10n), null)
      const list = (cursor: string | null) =>
        store.listTransfers({ accountId: a.id, status: null, ownerId: null, cursor, limit: 10 })
      const first = yield* list(null)
      assert.strictEqual(first.items.length, 1)
      assert.isNull(first.nextCursor)
      const idle = yield* list(first.tailCursor ?? null)
      assert.deepStrictEqual([idle.items, idle.tailCursor], [[], first.tailCursor])
      const later = yield* Transfers.create(command(eurWorld, a, 5n), null)
      const next = yield* list(first.tailCursor ?? null)
      assert.deepStrictEqual(
        next.items.map((t) => t.id),
        [later.id]
      )
      const journal = yield* store.listEntries({ accountId: a.id, cursor: null, limit: 10 })
      yield* Transfers.create(command(a, eurWorld, 3n), null)
      const more = yield* store.listEntries({ accountId: a.id, cursor: journal.tailCursor ?? null, limit: 10 })
      assert.deepStrictEqual(
        more.items.map((e) => [e.side, e.amountMinor, e.postedAfterMinor]),
        [["debit", 3n, 12n]]
      )
    })
  )
}
