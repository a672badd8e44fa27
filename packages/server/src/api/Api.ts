import { HttpApi, OpenApi } from "effect/http-api"
import { AccountsApi } from "./AccountsApi.ts"
import { ApiKeysApi } from "./ApiKeysApi.ts"
import { RequestGuard } from "./Guard.ts"
import { SystemApi } from "./SystemApi.ts"
import { FxApi, TransfersApi } from "./TransfersApi.ts"

export class Api extends HttpApi.make("tally")
  .add(SystemApi)
  .add(AccountsApi)
  .add(TransfersApi)
  .add(FxApi)
  .add(ApiKeysApi)
  .middleware(RequestGuard)
  // Unknown fields in a request body are an error, not silently dropped: a typo must not pass.
  .annotate(HttpApi.PayloadParseOptions, { onExcessProperty: "error", errors: "all" })
  .annotateMerge(
    OpenApi.annotations({
      title: "Tally ledger API",
      version: "0.1.0",
      description:
        "Double-entry ledger. Amounts are strings of digits in minor units. Errors are RFC 9457 problem details with a stable `code`."
    })
  ) {}
