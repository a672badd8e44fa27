import type { AccountId, OwnerId } from "@tally/domain/Account"
import { LedgerStore } from "@tally/domain/ports/LedgerStore"
import * as Accounts from "@tally/domain/usecases/Accounts"
import { Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { Api } from "../api/Api.ts"
import { Forbidden, NotFound, Unavailable } from "../api/Problems.ts"
import { CurrentPrincipal, type Principal } from "../api/Security.ts"
import { checkMetadata, invalidCursor, pageSize } from "./Paging.ts"
import { accountJson } from "./Wire.ts"

export const viewerOf = (principal: Principal): OwnerId | null =>
  principal.kind === "admin" ? null : (principal.ownerId as OwnerId)

export const storeDown = (error: { readonly message: string }) =>
  Effect.logError("store unavailable", error.message).pipe(
    Effect.andThen(
      Effect.fail(new Unavailable({ code: "store_unavailable", detail: "the ledger store did not answer" }))
    )
  )

export const AccountsHandlers = HttpApiBuilder.group(Api, "accounts", (handlers) =>
  handlers
    .handle("create", ({ payload }) =>
      Effect.gen(function* () {
        const principal = yield* CurrentPrincipal
        if (payload.allowNegative === true && principal.kind !== "admin") {
          return yield* new Forbidden({
            code: "admin_required",
            detail: "allowNegative marks a system account and needs the admin key"
          })
        }
        const metadata = yield* checkMetadata(payload.metadata)
        const account = yield* Accounts.open({
          currency: payload.currency,
          ownerId: viewerOf(principal),
          allowNegative: payload.allowNegative ?? false,
          metadata
        })
        return accountJson(account)
      }).pipe(Effect.catchTag("StoreUnavailable", storeDown))
    )
    .handle("get", ({ params }) =>
      Effect.gen(function* () {
        const principal = yield* CurrentPrincipal
        const account = yield* Accounts.get(params.id as AccountId, viewerOf(principal))
        return accountJson(account)
      }).pipe(
        Effect.catchTags({
          AccountNotFound: (e) =>
            Effect.fail(new NotFound({ code: "account_not_found", detail: `no account ${e.accountId}` })),
          StoreUnavailable: storeDown
        })
      )
    )
    .handle("list", ({ query }) =>
      Effect.gen(function* () {
        const principal = yield* CurrentPrincipal
        const limit = yield* pageSize(query.limit)
        const store = yield* LedgerStore
        const page = yield* store.listAccounts({ ownerId: viewerOf(principal), cursor: query.cursor ?? null, limit })
        return { items: page.items.map(accountJson), nextCursor: page.nextCursor }
      }).pipe(Effect.catchTags({ InvalidCursor: () => Effect.fail(invalidCursor()), StoreUnavailable: storeDown }))
    )
)
