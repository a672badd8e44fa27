import { Schema } from "effect"
import { Rpc, RpcGroup } from "effect/rpc"
import { AccountJson } from "../api/AccountsApi.ts"
import { Metadata } from "../api/Wire.ts"
import { Forbidden, NotFound, Unavailable, ValidationFailed } from "./Errors.ts"
import { RpcAuth, RpcMetrics } from "./Middleware.ts"
import { ById, Page, pageOf } from "./Wire.ts"

/** As HTTP's CreateAccount, with `currency` a plain string: an unknown code is a typed ValidationFailed. */
export const CreateAccountRpc = Schema.Struct({
  currency: Schema.String,
  allowNegative: Schema.optionalKey(Schema.Boolean),
  metadata: Schema.optionalKey(Metadata)
})

export class AccountsRpcs extends RpcGroup.make(
  Rpc.make("accounts.create", {
    payload: CreateAccountRpc,
    success: AccountJson,
    error: Schema.Union([ValidationFailed, Forbidden, Unavailable])
  }),
  Rpc.make("accounts.get", { payload: ById, success: AccountJson, error: Schema.Union([NotFound, Unavailable]) }),
  Rpc.make("accounts.list", {
    payload: Page,
    success: pageOf(AccountJson),
    error: Schema.Union([ValidationFailed, Unavailable])
  })
)
  .middleware(RpcAuth)
  .middleware(RpcMetrics) {}
