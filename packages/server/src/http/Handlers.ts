// The HTTP handlers, derived from the operation table: each endpoint hands its decoded request to the operation
// runner and renders a replayed outcome as it was first answered (with `idempotent-replayed: true`).
import { Effect, Layer, Option } from "effect"
import { HttpServerResponse } from "effect/http"
import { HttpApiBuilder, type HttpApiGroup } from "effect/http-api"
import { bearerToken } from "../Auth.ts"
import { basicCredentials } from "../operations/BasicAccess.ts"
import type { Stored } from "../operations/Idempotency.ts"
import type { AnyOperation } from "../operations/Operation.ts"
import { execute } from "../operations/Runner.ts"
import type { OperationServices } from "../operations/Services.ts"
import { groupOf, operations, verbOf } from "../operations/Table.ts"
import { pathParams, ServedApi } from "./Api.ts"
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
  readonly request: {
    readonly headers: Record<string, string | undefined>
    readonly remoteAddress: Option.Option<string>
  }
}

const handle = (op: AnyOperation) => {
  // what the endpoint's shape says, worked out once per operation rather than per request
  const params = pathParams(op)
  const basic = op.access === "basic"
  return (request: Request) => {
    const payload = { ...request.payload, ...request.query }
    for (const [param, field] of params) payload[field] = request.params?.[param]
    const headers = request.request.headers
    return execute(
      op,
      {
        surface: "http",
        payload,
        credential: bearerToken(headers.authorization),
        idempotencyKey: request.headers?.["idempotency-key"],
        ...(basic ? { basic: basicCredentials(headers.authorization) } : {}),
        clientAddress: Option.getOrElse(request.request.remoteAddress, () => "unknown")
      },
      replay
    ).pipe(withRetryAfter)
  }
}

const groupLayer = (name: string) =>
  HttpApiBuilder.group(ServedApi, name as never, (handlers) =>
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
