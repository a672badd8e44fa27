import { CurrencyCode } from "@tally/domain/Money"
import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import { Forbidden, NotFound, ValidationFailed } from "./Problems.ts"
import { ApiKeyAuth } from "./Security.ts"
import { Metadata, PageQuery, SignedAmount, Uuid } from "./Wire.ts"

export const AccountJson = Schema.Struct({
  id: Schema.String,
  currency: Schema.String,
  ownerId: Schema.NullOr(Schema.String),
  allowNegative: Schema.Boolean,
  balances: Schema.Struct({
    posted: SignedAmount,
    pendingDebits: SignedAmount,
    pendingCredits: SignedAmount,
    available: SignedAmount
  }),
  version: Schema.Number,
  metadata: Schema.NullOr(Metadata),
  createdAt: Schema.String,
  updatedAt: Schema.String
}).annotate({ identifier: "Account" })

export const CreateAccount = Schema.Struct({
  currency: CurrencyCode,
  allowNegative: Schema.optionalKey(Schema.Boolean),
  metadata: Schema.optionalKey(Metadata)
}).annotate({ identifier: "CreateAccount" })

export class AccountsApi extends HttpApiGroup.make("accounts")
  .add(
    HttpApiEndpoint.post("create", "/v1/accounts", {
      payload: CreateAccount,
      success: AccountJson.pipe(HttpApiSchema.status(201)),
      error: [ValidationFailed, Forbidden]
    }),
    HttpApiEndpoint.get("get", "/v1/accounts/:id", {
      params: { id: Uuid },
      success: AccountJson,
      error: [NotFound, ValidationFailed]
    }),
    HttpApiEndpoint.get("list", "/v1/accounts", {
      query: PageQuery,
      success: Schema.Struct({ items: Schema.Array(AccountJson), nextCursor: Schema.NullOr(Schema.String) }),
      error: [ValidationFailed]
    })
  )
  .middleware(ApiKeyAuth)
  .annotateMerge(OpenApi.annotations({ title: "Accounts", description: "Ledger accounts and their balances" })) {}
