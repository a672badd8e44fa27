// Accounts and their journal of entries.
import { type Account, type AccountId, available } from "@tally/domain/Account"
import type { Entry } from "@tally/domain/Entry"
import * as Accounts from "@tally/domain/usecases/Accounts"
import * as Transfers from "@tally/domain/usecases/Transfers"
import { Effect, Schema } from "effect"
import { viewerOf } from "../Auth.ts"
import {
  accountNotFound,
  adminRequired,
  invalidCursor,
  metadataTooLarge,
  pageSizeTooLarge,
  validationFailed
} from "./Errors.ts"
import { currencyOf, metadataWithin, pageSize } from "./Limits.ts"
import { operation } from "./Operation.ts"
import { ById, iso, Metadata, MetadataInput, PageFields, pageOf, SignedAmount, tailPageOf, Uuid } from "./Schemas.ts"
import { derivedId } from "./TransferCommand.ts"

export const groups = {
  accounts: { title: "Accounts", description: "Ledger accounts and their balances" },
  entries: { title: "Entries", description: "The journal of an account: one entry per posted debit or credit" }
}

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

export const EntryJson = Schema.Struct({
  transferId: Schema.String,
  accountId: Schema.String,
  currency: Schema.String,
  side: Schema.Literals(["debit", "credit"]),
  amount: Schema.String,
  postedAfter: SignedAmount,
  createdAt: Schema.String
}).annotate({ identifier: "Entry" })

export const accountJson = (a: Account): typeof AccountJson.Type => ({
  id: a.id,
  currency: a.currency,
  ownerId: a.ownerId,
  allowNegative: a.allowNegative,
  balances: {
    posted: a.postedMinor.toString(),
    pendingDebits: a.pendingDebitsMinor.toString(),
    pendingCredits: a.pendingCreditsMinor.toString(),
    available: available(a).toString()
  },
  version: a.version,
  metadata: a.metadata,
  createdAt: iso(a.createdAt),
  updatedAt: iso(a.updatedAt)
})

export const entryJson = (e: Entry): typeof EntryJson.Type => ({
  transferId: e.transferId,
  accountId: e.accountId,
  currency: e.currency,
  side: e.side,
  amount: e.amountMinor.toString(),
  postedAfter: e.postedAfterMinor.toString(),
  createdAt: iso(e.createdAt)
})

/** `currency` is text on the wire and checked by the operation, so every surface answers `validation_failed`. */
export const CreateAccount = Schema.Struct({
  currency: Schema.String.annotate({ description: "A supported ISO 4217 code, e.g. EUR", examples: ["EUR"] }),
  allowNegative: Schema.optionalKey(Schema.Boolean),
  metadata: Schema.optionalKey(MetadataInput)
}).annotate({ identifier: "CreateAccount" })

export const create = operation({
  name: "accounts.create",
  description: "Open an account (allowNegative marks a system account: admin key only)",
  payload: CreateAccount,
  success: AccountJson,
  errors: [validationFailed, metadataTooLarge, adminRequired],
  access: "key",
  idempotent: true,
  http: { method: "POST", path: "/v1/accounts", status: 201 },
  handle: (payload, { principal, idempotency }) =>
    Effect.gen(function* () {
      const account = yield* Accounts.open({
        // derivation 1 (claims of an older server) made no account ids: a fresh one, as it did
        ...(idempotency === undefined || idempotency.derivation === 1
          ? {}
          : { id: derivedId(principal, idempotency, "accounts.create", 0) as AccountId }),
        currency: yield* currencyOf(payload.currency),
        ownerId: viewerOf(principal),
        allowNegative: payload.allowNegative ?? false,
        metadata: yield* metadataWithin(payload.metadata)
      })
      return accountJson(account)
    })
})

export const get = operation({
  name: "accounts.get",
  description: "An account and its balances",
  payload: ById,
  success: AccountJson,
  errors: [accountNotFound],
  access: "key",
  idempotent: false,
  http: { method: "GET", path: "/v1/accounts/:id" },
  handle: ({ id }, { principal }) => Effect.map(Accounts.get(id as AccountId, viewerOf(principal)), accountJson)
})

export const list = operation({
  name: "accounts.list",
  description: "The accounts this key may see, a page at a time",
  payload: Schema.Struct(PageFields),
  success: pageOf(AccountJson),
  errors: [pageSizeTooLarge, invalidCursor],
  access: "key",
  idempotent: false,
  http: { method: "GET", path: "/v1/accounts" },
  handle: ({ cursor, limit }, { principal }) =>
    Effect.gen(function* () {
      const page = yield* Accounts.list({ cursor: cursor ?? null, limit: yield* pageSize(limit) }, viewerOf(principal))
      return { items: page.items.map(accountJson), nextCursor: page.nextCursor }
    })
})

export const entries = operation({
  name: "entries.list",
  description: "The journal of an account, in write order",
  payload: Schema.Struct({ accountId: Uuid, ...PageFields }),
  success: tailPageOf(EntryJson),
  errors: [accountNotFound, pageSizeTooLarge, invalidCursor],
  access: "key",
  idempotent: false,
  http: { method: "GET", path: "/v1/accounts/:id/entries", params: { id: "accountId" } },
  handle: ({ accountId, cursor, limit }, { principal }) =>
    Effect.gen(function* () {
      const page = yield* Transfers.entries(
        { accountId: accountId as AccountId, cursor: cursor ?? null, limit: yield* pageSize(limit) },
        viewerOf(principal)
      )
      return { items: page.items.map(entryJson), nextCursor: page.nextCursor, tailCursor: page.tailCursor ?? null }
    })
})

export const operations = [create, get, list, entries] as const
