import { uuidv7 } from "@tally/adapters/Uuid"
import type { OwnerId } from "@tally/domain/Account"
import { type ApiKey, ApiKeyStore } from "@tally/domain/ports/ApiKeyStore"
import { LedgerStore } from "@tally/domain/ports/LedgerStore"
import { Effect, Option } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { Api } from "../api/Api.ts"
import { Forbidden, NotFound } from "../api/Problems.ts"
import { CurrentPrincipal } from "../api/Security.ts"
import { storeDown, viewerOf } from "./AccountsHandlers.ts"
import { Authenticator, keyHash, newApiKey } from "./Auth.ts"

const keyJson = (k: ApiKey) => ({
  id: k.id,
  ownerId: k.ownerId,
  name: k.name,
  prefix: k.prefix,
  createdAt: k.createdAt.toISOString(),
  revokedAt: k.revokedAt === null ? null : k.revokedAt.toISOString()
})

export const ApiKeysHandlers = HttpApiBuilder.group(Api, "apiKeys", (handlers) =>
  handlers
    .handle("create", ({ payload }) =>
      Effect.gen(function* () {
        const principal = yield* CurrentPrincipal
        const keys = yield* ApiKeyStore
        const ledger = yield* LedgerStore
        let ownerId: OwnerId
        if (principal.kind === "owner") {
          if (payload.ownerId !== undefined && payload.ownerId !== principal.ownerId) {
            return yield* new Forbidden({
              code: "admin_required",
              detail: "only the admin key creates keys for others"
            })
          }
          ownerId = principal.ownerId as OwnerId
        } else if (payload.ownerId !== undefined) {
          const owned = yield* keys.list(payload.ownerId as OwnerId)
          const accounts = yield* ledger.listAccounts({ ownerId: payload.ownerId as OwnerId, cursor: null, limit: 1 })
          if (owned.length === 0 && accounts.items.length === 0) {
            return yield* new NotFound({ code: "owner_not_found", detail: `no owner ${payload.ownerId}` })
          }
          ownerId = payload.ownerId as OwnerId
        } else {
          ownerId = uuidv7() as OwnerId
          yield* ledger.createOwner({
            id: ownerId,
            kind: "service",
            name: payload.ownerName ?? payload.name ?? "api client"
          })
        }
        const key = newApiKey()
        const stored = yield* keys.insert(
          {
            id: uuidv7(),
            ownerId,
            name: payload.name ?? "default",
            prefix: key.slice(0, 12),
            createdAt: new Date(),
            revokedAt: null
          },
          keyHash(key)
        )
        return { ...keyJson(stored), key }
      }).pipe(Effect.catchTags({ StoreUnavailable: storeDown, InvalidCursor: Effect.die }))
    )
    .handle("list", () =>
      Effect.gen(function* () {
        const principal = yield* CurrentPrincipal
        const keys = yield* ApiKeyStore
        return { items: (yield* keys.list(viewerOf(principal))).map(keyJson) }
      }).pipe(Effect.catchTag("StoreUnavailable", storeDown))
    )
    .handle("revoke", ({ params }) =>
      Effect.gen(function* () {
        const principal = yield* CurrentPrincipal
        const keys = yield* ApiKeyStore
        const revoked = yield* keys.revoke(params.id, viewerOf(principal), new Date())
        if (Option.isNone(revoked)) {
          return yield* new NotFound({ code: "api_key_not_found", detail: `no API key ${params.id}` })
        }
        yield* (yield* Authenticator).invalidate
        return keyJson(revoked.value)
      }).pipe(Effect.catchTag("StoreUnavailable", storeDown))
    )
)
