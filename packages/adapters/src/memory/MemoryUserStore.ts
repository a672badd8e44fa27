import type { OwnerId } from "@tally/domain/Account"
import { InvalidCursor } from "@tally/domain/ports/LedgerStore"
import { UserStore } from "@tally/domain/ports/UserStore"
import { type ConfirmationToken, EmailTaken, type User } from "@tally/domain/User"
import { DateTime, Effect, Layer, Option } from "effect"
import { decodeCursor, encodeCursor } from "../postgres/Rows.ts"
import { MemoryOutbox } from "./MemoryOutbox.ts"

const ms = DateTime.toEpochMillis

export const layer = Layer.effect(
  UserStore,
  Effect.gen(function* () {
    const outbox = yield* MemoryOutbox
    const s = () => outbox.state()
    const byEmail = (email: string) => [...s().users.values()].find((u) => u.user.email === email)

    const insert = (user: User, passwordHash: string, token: ConfirmationToken) =>
      Effect.gen(function* () {
        if (byEmail(user.email) !== undefined) return yield* new EmailTaken({ email: user.email })
        s().users.set(user.id, { user, passwordHash })
        s().tokens.set(token.tokenHash, token)
        return user
      })

    const lockToken = (tokenHash: string) =>
      Effect.sync(() => {
        const token = s().tokens.get(tokenHash)
        const user = token === undefined ? undefined : s().users.get(token.userId)?.user
        return token === undefined || user === undefined ? Option.none() : Option.some({ token, user })
      })

    const confirm = (userId: OwnerId, tokenHash: string, walletAccountId: string, now: DateTime.Utc) =>
      Effect.sync(() => {
        const token = s().tokens.get(tokenHash)!
        if (token.usedAt === null) s().tokens.set(tokenHash, { ...token, usedAt: now })
        const stored = s().users.get(userId)!
        const user = { ...stored.user, confirmedAt: now, walletAccountId }
        s().users.set(userId, { ...stored, user })
        return user
      })

    const findByEmail = (email: string) => Effect.sync(() => Option.fromNullishOr(byEmail(email)))
    const get = (id: OwnerId) => Effect.sync(() => Option.fromNullishOr(s().users.get(id)?.user))

    const list = (query: { readonly cursor: string | null; readonly limit: number }) =>
      Effect.gen(function* () {
        const after = query.cursor === null ? undefined : decodeCursor(query.cursor)
        if (query.cursor !== null && after === undefined) return yield* new InvalidCursor({ cursor: query.cursor })
        const sorted = [...s().users.values()]
          .map((u) => u.user)
          .filter(
            (u) =>
              after === undefined ||
              ms(u.createdAt) > after.createdAt.getTime() ||
              (ms(u.createdAt) === after.createdAt.getTime() && u.id > after.id)
          )
          .sort((a, b) => ms(a.createdAt) - ms(b.createdAt) || (a.id < b.id ? -1 : 1))
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

    return UserStore.of({ insert, lockToken, confirm, findByEmail, get, list })
  })
)
