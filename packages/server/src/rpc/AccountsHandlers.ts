import type { AccountId } from "@tally/domain/Account"
import { CurrencyCode } from "@tally/domain/Money"
import { LedgerStore } from "@tally/domain/ports/LedgerStore"
import * as Accounts from "@tally/domain/usecases/Accounts"
import { Effect, Schema } from "effect"
import { CurrentPrincipal } from "../api/Security.ts"
import { viewerOf } from "../http/AccountsHandlers.ts"
import { checkMetadata, invalidCursor, pageSize } from "../http/Paging.ts"
import { accountJson } from "../http/Wire.ts"
import { AccountsRpcs } from "./AccountsRpcs.ts"
import { Forbidden, ValidationFailed } from "./Errors.ts"
import { accountNotFound, invalid, storeDown } from "./Refusals.ts"

export const AccountsHandlers = AccountsRpcs.toLayer({
  "accounts.create": (payload) =>
    Effect.gen(function* () {
      const principal = yield* CurrentPrincipal
      if (payload.allowNegative === true && principal.kind !== "admin") {
        return yield* new Forbidden({
          code: "admin_required",
          detail: "allowNegative marks a system account and needs the admin key"
        })
      }
      const currency = yield* Schema.decodeUnknownEffect(CurrencyCode)(payload.currency).pipe(
        Effect.mapError((e) => new ValidationFailed({ code: "validation_failed", detail: `currency: ${e.message}` }))
      )
      const metadata = yield* checkMetadata(payload.metadata).pipe(Effect.mapError(invalid))
      const account = yield* Accounts.open({
        currency,
        ownerId: viewerOf(principal),
        allowNegative: payload.allowNegative ?? false,
        metadata
      })
      return accountJson(account)
    }).pipe(Effect.catchTag("StoreUnavailable", storeDown)),

  "accounts.get": ({ id }) =>
    Effect.gen(function* () {
      const principal = yield* CurrentPrincipal
      return accountJson(yield* Accounts.get(id as AccountId, viewerOf(principal)))
    }).pipe(Effect.catchTags({ AccountNotFound: accountNotFound, StoreUnavailable: storeDown })),

  "accounts.list": ({ cursor, limit }) =>
    Effect.gen(function* () {
      const principal = yield* CurrentPrincipal
      const size = yield* pageSize(limit).pipe(Effect.mapError(invalid))
      const store = yield* LedgerStore
      const page = yield* store.listAccounts({ ownerId: viewerOf(principal), cursor: cursor ?? null, limit: size })
      return { items: page.items.map(accountJson), nextCursor: page.nextCursor }
    }).pipe(
      Effect.catchTags({ InvalidCursor: () => Effect.fail(invalid(invalidCursor())), StoreUnavailable: storeDown })
    )
})
