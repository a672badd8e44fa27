import { TransferStatus } from "@tally/domain/Transfer"
import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import { Conflict, NotFound, Unprocessable, ValidationFailed } from "./Problems.ts"
import { ApiKeyAuth } from "./Security.ts"
import { Amount, Metadata, PageQuery, SignedAmount, Uuid } from "./Wire.ts"

export const TransferJson = Schema.Struct({
  id: Schema.String,
  status: Schema.String,
  debitAccountId: Schema.String,
  creditAccountId: Schema.String,
  amount: Schema.String,
  currency: Schema.NullOr(Schema.String),
  creditAmount: Schema.NullOr(Schema.String),
  creditCurrency: Schema.NullOr(Schema.String),
  pending: Schema.Boolean,
  postedAmount: Schema.NullOr(Schema.String),
  failureCode: Schema.NullOr(Schema.String),
  timeoutSeconds: Schema.NullOr(Schema.Number),
  expiresAt: Schema.NullOr(Schema.String),
  fx: Schema.NullOr(Schema.Struct({ rate: Schema.String, source: Schema.String, asOf: Schema.String })),
  batchId: Schema.NullOr(Schema.String),
  metadata: Schema.NullOr(Metadata),
  createdAt: Schema.String,
  updatedAt: Schema.String
}).annotate({ identifier: "Transfer" })

/** A page of a list a client may tail: `tailCursor` is where to ask again later (docs/concepts.md, Lists). */
const tailPageOf = <S extends Schema.Top>(item: S) =>
  Schema.Struct({
    items: Schema.Array(item),
    nextCursor: Schema.NullOr(Schema.String),
    tailCursor: Schema.NullOr(Schema.String).annotate({
      description:
        "Cursor after the last item of this page (the cursor asked with when the page is empty): ask again with it " +
        "to get what commits later; a client following it never misses a committed row"
    })
  })

export const CreateTransfer = Schema.Struct({
  id: Schema.optionalKey(Uuid),
  debitAccountId: Uuid,
  creditAccountId: Uuid,
  amount: Amount,
  pending: Schema.optionalKey(Schema.Boolean),
  /** Seconds until the hold expires; stored as int4. */
  timeoutSeconds: Schema.optionalKey(
    Schema.Int.check(Schema.isBetween({ minimum: -2_147_483_648, maximum: 2_147_483_647 }))
  ),
  metadata: Schema.optionalKey(Metadata)
}).annotate({ identifier: "CreateTransfer" })

export const EntryJson = Schema.Struct({
  transferId: Schema.String,
  accountId: Schema.String,
  currency: Schema.String,
  side: Schema.Literals(["debit", "credit"]),
  amount: Schema.String,
  postedAfter: SignedAmount,
  createdAt: Schema.String
}).annotate({ identifier: "Entry" })

const IdempotencyHeaders = {
  "idempotency-key": Schema.optionalKey(
    Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(255)).annotate({
      description: "Replays the first response for the same key and body (kept ≥ 24 h); 409 while it runs"
    })
  )
}

export class TransfersApi extends HttpApiGroup.make("transfers")
  .add(
    HttpApiEndpoint.post("create", "/v1/transfers", {
      headers: IdempotencyHeaders,
      payload: CreateTransfer,
      success: TransferJson.pipe(HttpApiSchema.status(201)),
      error: [Unprocessable, Conflict, NotFound]
    }),
    HttpApiEndpoint.get("get", "/v1/transfers/:id", {
      params: { id: Uuid },
      success: TransferJson,
      error: NotFound
    }),
    HttpApiEndpoint.get("list", "/v1/transfers", {
      query: { ...PageQuery, accountId: Schema.optionalKey(Uuid), status: Schema.optionalKey(TransferStatus) },
      success: tailPageOf(TransferJson)
    }),
    HttpApiEndpoint.post("post", "/v1/transfers/:id/post", {
      params: { id: Uuid },
      headers: IdempotencyHeaders,
      payload: Schema.Struct({ amount: Schema.optionalKey(Amount) }),
      success: TransferJson,
      error: [NotFound, Unprocessable, Conflict]
    }),
    HttpApiEndpoint.post("void", "/v1/transfers/:id/void", {
      params: { id: Uuid },
      headers: IdempotencyHeaders,
      success: TransferJson,
      error: [NotFound, Unprocessable, Conflict]
    }),
    HttpApiEndpoint.post("batch", "/v1/transfer-batches", {
      headers: IdempotencyHeaders,
      payload: Schema.Struct({ transfers: Schema.Array(CreateTransfer) }).annotate({
        identifier: "CreateTransferBatch"
      }),
      success: Schema.Struct({ transfers: Schema.Array(TransferJson) }).pipe(HttpApiSchema.status(201)),
      error: [Unprocessable, Conflict]
    }),
    HttpApiEndpoint.get("entries", "/v1/accounts/:id/entries", {
      params: { id: Uuid },
      query: PageQuery,
      success: tailPageOf(EntryJson),
      error: NotFound
    })
  )
  .middleware(ApiKeyAuth)
  .annotateMerge(
    OpenApi.annotations({
      title: "Transfers",
      description: "Double-entry transfers, two-phase holds, atomic batches and the journal of entries"
    })
  ) {}

export const FxRateJson = Schema.Struct({
  base: Schema.String,
  quote: Schema.String,
  rate: Schema.String,
  source: Schema.String,
  asOf: Schema.String
}).annotate({ identifier: "FxRate" })

export class FxApi extends HttpApiGroup.make("fx")
  .add(
    HttpApiEndpoint.get("rates", "/v1/fx/rates", {
      query: { base: Schema.optionalKey(Schema.String), quote: Schema.optionalKey(Schema.String) },
      success: Schema.Struct({ rates: Schema.Array(FxRateJson) }),
      error: ValidationFailed
    })
  )
  .middleware(ApiKeyAuth)
  .annotateMerge(
    OpenApi.annotations({ title: "FX", description: "Cached FX rates used by cross-currency transfers" })
  ) {}
