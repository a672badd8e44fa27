import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import { Forbidden, NotFound } from "./Problems.ts"
import { ApiKeyAuth } from "./Security.ts"
import { Text, Uuid } from "./Wire.ts"

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
  ownerName: Schema.optionalKey(Text(200))
}).annotate({
  identifier: "CreateApiKey",
  description:
    "Admin: for an existing owner (ownerId) or a new one (ownerName). An owner's key: another key for the same owner."
})

export class ApiKeysApi extends HttpApiGroup.make("apiKeys")
  .add(
    HttpApiEndpoint.post("create", "/v1/api-keys", {
      payload: CreateApiKey,
      success: CreatedApiKeyJson.pipe(HttpApiSchema.status(201)),
      error: [Forbidden, NotFound]
    }),
    HttpApiEndpoint.get("list", "/v1/api-keys", { success: Schema.Struct({ items: Schema.Array(ApiKeyJson) }) }),
    HttpApiEndpoint.delete("revoke", "/v1/api-keys/:id", {
      params: { id: Uuid },
      success: ApiKeyJson,
      error: NotFound
    })
  )
  .middleware(ApiKeyAuth)
  .annotateMerge(
    OpenApi.annotations({
      title: "API keys",
      description: "Bearer keys: created by the admin key, shown once, revocable"
    })
  ) {}
