// GET /openapi.json: the documented API (http/Api.ts `Api`, with its security schemes), rendered once, as
// HttpApiBuilder's `openapiPath` renders it; the routes themselves are served from `ServedApi`.
import { Effect } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { OpenApi } from "effect/http-api"
import { Api } from "./Api.ts"

let document: HttpServerResponse.HttpServerResponse | undefined

export const OpenApiRoute = HttpRouter.add(
  "GET",
  "/openapi.json",
  Effect.sync(() => {
    document ??= HttpServerResponse.jsonUnsafe(OpenApi.fromApi(Api))
    return document
  })
)
