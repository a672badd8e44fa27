// The HTTP handlers, derived from the operation table: each endpoint hands its decoded request to the operation
// runner and renders a replayed outcome as it was first answered (with `idempotent-replayed: true`).
import { Effect, Layer } from "effect"
import { HttpServerResponse } from "effect/http"
import { HttpApiBuilder, type HttpApiGroup } from "effect/http-api"
import { bearerToken } from "../Auth.ts"
import { basicCredentials } from "../operations/BasicAccess.ts"
import type { Stored } from "../operations/Idempotency.ts"
import type { AnyOperation } from "../operations/Operation.ts"
import { execute } from "../operations/Runner.ts"
import type { OperationServices } from "../operations/Services.ts"
import { groupOf, operations, verbOf } from "../operations/Table.ts"
import { Api, pathParams } from "./Api.ts"
import { clientAddressHeader } from "./ClientAddress.ts"
import { withRetryAfter } from "./RetryAfter.ts"

const replay = (stored: Stored) =>
  Effect.succeed(
    HttpServerResponse.text(stored.body, {
      status: stored.status,
      contentType: stored.status >= 400 ? "application/problem+json" : "application/json",
      headers: { "idempotent-replayed": "true" }
    })
  )

interface Request {
  readonly params?: Record<string, unknown>
  readonly query?: Record<string, unknown>
  readonly payload?: Record<string, unknown>
  readonly headers?: Record<string, string | undefined>
  readonly request: { readonly headers: Record<string, string | undefined> }
}

const handle = (op: AnyOperation) => (request: Request) => {
  const params = Object.fromEntries(pathParams(op).map(([param, field]) => [field, request.params?.[param]]))
  return execute(
    op,
    {
      surface: "http",
      payload: { ...request.payload, ...request.query, ...params },
      credential: bearerToken(request.request.headers.authorization),
      idempotencyKey: request.headers?.["idempotency-key"],
      basic: basicCredentials(request.request.headers.authorization),
      clientAddress: request.request.headers[clientAddressHeader]
    },
    replay
  ).pipe(withRetryAfter)
}

const groupLayer = (name: string) =>
  HttpApiBuilder.group(Api, name as never, (handlers) =>
    operations
      .filter((op) => groupOf(op) === name)
      .reduce(
        // biome-ignore lint/suspicious/noExplicitAny: the group's endpoints are derived, their types are not known here
        (h: any, op) => h.handle(verbOf(op), handle(op)),
        handlers
      )
  )

/** Every group's handlers. Requires what the operations and the runner use. */
export const HttpHandlers = Layer.mergeAll(
  ...([...new Set(operations.map(groupOf))].map(groupLayer) as unknown as [Layer.Layer<never>])
) as unknown as Layer.Layer<HttpApiGroup.Service<"tally", string>, never, OperationServices>
