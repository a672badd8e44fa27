import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "effect/http-api"
import { Unavailable } from "./Problems.ts"

export const ServiceInfo = Schema.Struct({
  name: Schema.String,
  version: Schema.String,
  uptimeSeconds: Schema.Number,
  backends: Schema.Struct({
    postgres: Schema.Struct({ kind: Schema.String, url: Schema.String }),
    mail: Schema.Struct({ kind: Schema.String, url: Schema.String }),
    fx: Schema.Struct({ kind: Schema.String, url: Schema.String })
  })
}).annotate({ identifier: "ServiceInfo" })

export const Health = Schema.Struct({
  status: Schema.Literals(["ok", "ready"]),
  checks: Schema.optionalKey(Schema.Record(Schema.String, Schema.String))
}).annotate({ identifier: "Health" })

export class SystemApi extends HttpApiGroup.make("system", { topLevel: true })
  .add(
    HttpApiEndpoint.get("info", "/", { success: ServiceInfo }),
    HttpApiEndpoint.get("healthz", "/healthz", { success: Health }),
    HttpApiEndpoint.get("readyz", "/readyz", { success: Health, error: Unavailable })
  )
  .annotateMerge(OpenApi.annotations({ title: "System", description: "Service identity, liveness and readiness" })) {}
