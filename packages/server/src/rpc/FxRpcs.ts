import { Schema } from "effect"
import { Rpc, RpcGroup } from "effect/rpc"
import { FxRateJson } from "../api/TransfersApi.ts"
import { Unavailable } from "./Errors.ts"
import { RpcAuth, RpcMetrics } from "./Middleware.ts"

export class FxRpcs extends RpcGroup.make(
  Rpc.make("fx.rates", {
    payload: { base: Schema.optionalKey(Schema.String), quote: Schema.optionalKey(Schema.String) },
    success: Schema.Struct({ rates: Schema.Array(FxRateJson) }),
    error: Unavailable
  })
)
  .middleware(RpcAuth)
  .middleware(RpcMetrics) {}
