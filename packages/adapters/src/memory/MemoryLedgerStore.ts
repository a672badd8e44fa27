// The in-memory twin of the PostgreSQL store: same contract (test/contract), no database.

import type { Account, AccountId } from "@tally/domain/Account"
import { InvalidCursor, LedgerStore, type ListAccounts, type Owner } from "@tally/domain/ports/LedgerStore"
import { DateTime, Effect, Layer, Option } from "effect"
import { decodeCursor, encodeCursor } from "../postgres/Rows.ts"

export const make = Effect.sync(() => {
  const accounts = new Map<AccountId, Account>()

  const createOwner = (owner: Owner) => Effect.succeed(owner)

  const createAccount = (account: Account) =>
    Effect.sync(() => {
      accounts.set(account.id, account)
      return account
    })

  const getAccount = (id: AccountId) => Effect.sync(() => Option.fromNullishOr(accounts.get(id)))

  const listAccounts = (query: ListAccounts) =>
    Effect.gen(function* () {
      const after = query.cursor === null ? undefined : decodeCursor(query.cursor)
      if (query.cursor !== null && after === undefined) return yield* new InvalidCursor({ cursor: query.cursor })
      const key = (a: Account) => [DateTime.toEpochMillis(a.createdAt), a.id] as const
      const sorted = [...accounts.values()]
        .filter((a) => query.ownerId === null || a.ownerId === query.ownerId)
        .sort((a, b) => {
          const [ta, ia] = key(a)
          const [tb, ib] = key(b)
          return ta - tb || (ia < ib ? -1 : ia > ib ? 1 : 0)
        })
        .filter((a) => {
          if (after === undefined) return true
          const [t, id] = key(a)
          const at = after.createdAt.getTime()
          return t > at || (t === at && id > after.id)
        })
      const page = sorted.slice(0, query.limit)
      const last = page.at(-1)
      return {
        items: page,
        nextCursor:
          sorted.length > query.limit && last !== undefined
            ? encodeCursor(DateTime.toDateUtc(last.createdAt), last.id)
            : null
      }
    })

  return LedgerStore.of({ createOwner, createAccount, getAccount, listAccounts })
})

export const layer = Layer.effect(LedgerStore, make)
