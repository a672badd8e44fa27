// Bearer API keys: created by the admin key (or an owner's key, for its owner), shown once, revocable.
import type { OwnerId } from "@tally/domain/Account"
import type { ApiKey } from "@tally/domain/ports/ApiKeyStore"
import * as ApiKeys from "@tally/domain/usecases/ApiKeys"
import * as Users from "@tally/domain/usecases/Users"
import { Effect, Redacted, Schema } from "effect"
import { Authenticator, keyHash, newApiKey, viewerOf } from "../Auth.ts"
import {
  adminRequired,
  apiKeyNotFound,
  Forbidden,
  ownerNotFound,
  systemOwnerReserved,
  userNotConfirmed,
  userNotFound,
  ValidationFailed,
  validationFailed
} from "./Errors.ts"
import { operation } from "./Operation.ts"
import { ById, iso, NoPayload, Text, Uuid } from "./Schemas.ts"

export const groups = {
  apiKeys: {
    title: "API keys",
    description:
      "Bearer keys: created by the admin key (for any user with userId), by an owner's key, or by a confirmed user " +
      "with HTTP Basic email:password; shown once, revocable"
  }
}

export const ApiKeyJson = Schema.Struct({
  id: Schema.String,
  ownerId: Schema.String,
  name: Schema.String,
  prefix: Schema.String,
  createdAt: Schema.String,
  revokedAt: Schema.NullOr(Schema.String)
}).annotate({ identifier: "ApiKey" })

export const CreatedApiKeyJson = Schema.Struct({
  ...ApiKeyJson.fields,
  key: Schema.String.annotate({ description: "The key itself: shown once, stored only as a hash" })
}).annotate({ identifier: "CreatedApiKey" })

export const CreateApiKey = Schema.Struct({
  name: Schema.optionalKey(Text(200)),
  ownerId: Schema.optionalKey(Uuid),
  ownerName: Schema.optionalKey(Text(200)),
  userId: Schema.optionalKey(Uuid)
}).annotate({
  identifier: "CreateApiKey",
  description:
    "Admin: for a confirmed user (userId), an existing owner (ownerId) or a new one (ownerName). An owner's key: " +
    "another key for the same owner. HTTP Basic email:password: a key for that (confirmed) user."
})

const keyJson = (k: ApiKey): typeof ApiKeyJson.Type => ({
  id: k.id,
  ownerId: k.ownerId,
  name: k.name,
  prefix: k.prefix,
  createdAt: iso(k.createdAt),
  revokedAt: k.revokedAt === null ? null : iso(k.revokedAt)
})

export const create = operation({
  name: "apiKeys.create",
  description: "Create an API key; the key is in this answer only",
  payload: CreateApiKey,
  success: CreatedApiKeyJson,
  errors: [adminRequired, ownerNotFound, systemOwnerReserved, userNotFound, userNotConfirmed, validationFailed],
  access: "basic",
  // the answer holds a secret: never stored for a replay
  idempotent: false,
  http: { method: "POST", path: "/v1/api-keys", status: 201 },
  handle: (payload, { principal }) =>
    Effect.gen(function* () {
      if (payload.userId !== undefined) {
        if (principal.kind !== "admin") {
          return yield* new Forbidden({ code: "admin_required", detail: "only the admin key creates keys for a user" })
        }
        if (payload.ownerId !== undefined || payload.ownerName !== undefined) {
          return yield* new ValidationFailed({
            code: "validation_failed",
            detail: "userId excludes ownerId and ownerName",
            errors: [{ path: ["payload", "userId"], message: "not with ownerId or ownerName" }]
          })
        }
        const issued = yield* Users.createApiKeyFor(payload.userId as OwnerId, payload.name ?? "default")
        return { ...keyJson(issued.apiKey), key: Redacted.value(issued.key) }
      }
      const viewer = principal.kind === "user" ? (principal.ownerId as OwnerId) : viewerOf(principal)
      const key = newApiKey()
      const stored = yield* ApiKeys.issue(
        {
          ownerId: (payload.ownerId ?? null) as OwnerId | null,
          ownerName: payload.ownerName ?? null,
          name: payload.name ?? null,
          prefix: key.slice(0, 12),
          keyHash: keyHash(key)
        },
        viewer
      )
      return { ...keyJson(stored), key }
    })
})

export const list = operation({
  name: "apiKeys.list",
  description: "The API keys of this key's owner (the admin: every key)",
  payload: NoPayload,
  success: Schema.Struct({ items: Schema.Array(ApiKeyJson) }),
  errors: [],
  access: "key",
  idempotent: false,
  http: { method: "GET", path: "/v1/api-keys" },
  handle: (_, { principal }) => Effect.map(ApiKeys.list(viewerOf(principal)), (keys) => ({ items: keys.map(keyJson) }))
})

export const revoke = operation({
  name: "apiKeys.revoke",
  description: "Revoke an API key (within TALLY_API_KEY_CACHE_SECONDS on every instance)",
  payload: ById,
  success: ApiKeyJson,
  errors: [apiKeyNotFound],
  access: "key",
  idempotent: false,
  http: { method: "DELETE", path: "/v1/api-keys/:id" },
  handle: ({ id }, { principal }) =>
    Effect.gen(function* () {
      const revoked = yield* ApiKeys.revoke(id, viewerOf(principal))
      yield* (yield* Authenticator).invalidate
      return keyJson(revoked)
    })
})

export const operations = [create, list, revoke] as const
