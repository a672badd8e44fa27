// The HTTP API, derived from the operation table: one endpoint per operation (its method and path from the
// table's `http`; path parameters, then the query for GET and DELETE or the body for POST), grouped by the
// operation's group. Errors and security come from the operation; the request guard turns decoding failures
// into problems.
import { Schema } from "effect"
import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import { type AnyOperation, errorClassesOf, errorCodesOf } from "../operations/Operation.ts"
import { IdempotencyKey } from "../operations/Schemas.ts"
import { groupOf, groups, operations, verbOf } from "../operations/Table.ts"
import { RequestGuard } from "./Guard.ts"
import { ApiKeyAuth, KeyOrBasicAuth } from "./Security.ts"

/** The OpenAPI extension listing the codes an operation answers with (read by test/surfaces.test.ts). */
export const errorCodesExtension = "x-tally-error-codes"

/** Path parameter → payload field. */
export const pathParams = (op: AnyOperation): ReadonlyArray<readonly [string, string]> =>
  [...op.http.path.matchAll(/:(\w+)/g)].map(([, param]) => [param!, op.http.params?.[param!] ?? param!] as const)

const endpointOf = (op: AnyOperation, documented: boolean) => {
  const fields: Schema.Struct.Fields = op.payload.fields
  const params = pathParams(op)
  const inPath = new Set(params.map(([, field]) => field))
  const rest = Object.fromEntries(Object.entries(fields).filter(([name]) => !inPath.has(name)))
  const hasRest = Object.keys(rest).length > 0
  const endpoint = HttpApiEndpoint.make(op.http.method)(verbOf(op), op.http.path, {
    ...(params.length === 0
      ? {}
      : { params: Object.fromEntries(params.map(([param, field]) => [param, fields[field]!])) }),
    ...(!hasRest
      ? {}
      : op.http.method === "POST" || op.http.method === "PATCH"
        ? { payload: params.length === 0 ? op.payload : Schema.Struct(rest) }
        : { query: rest }),
    ...(op.idempotent ? { headers: { "idempotency-key": Schema.optionalKey(IdempotencyKey) } } : {}),
    success: op.success.pipe(HttpApiSchema.status(op.http.status ?? 200)),
    error: errorClassesOf(op)
  } as never).annotateMerge(
    OpenApi.annotations({
      identifier: op.name,
      description: op.description,
      override: { [errorCodesExtension]: errorCodesOf(op) }
    })
  )
  if (op.access === "public" || !documented) return endpoint
  return op.access === "basic" ? endpoint.middleware(KeyOrBasicAuth) : endpoint.middleware(ApiKeyAuth)
}

const groupsOf = (documented: boolean) => {
  const byGroup = new Map<string, Array<AnyOperation>>()
  for (const op of operations) byGroup.set(groupOf(op), [...(byGroup.get(groupOf(op)) ?? []), op])
  return [...byGroup].map(([name, ops]) =>
    HttpApiGroup.make(name, { topLevel: name === "system" })
      .add(...(ops.map((op) => endpointOf(op, documented)) as unknown as [HttpApiEndpoint.Constraint]))
      .annotateMerge(OpenApi.annotations(groups[name] ?? {}))
  )
}

const apiOf = (documented: boolean) =>
  HttpApi.make("tally")
    .add(...(groupsOf(documented) as unknown as [HttpApiGroup.Constraint]))
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
    )

/** The API as documented (/openapi.json, /docs): with the bearer and Basic security schemes of each operation. */
export class Api extends apiOf(true) {}

/**
 * The API as served: the same endpoints without the security middlewares, which only declare the schemes (the
 * runner checks credentials, operations/Runner.ts) but would still decode the Authorization header on every request
 * (docs/adr/0032).
 */
export class ServedApi extends apiOf(false) {}
