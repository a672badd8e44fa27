// Applied to the whole API: turns request-decoding failures into `validation_failed` problems that name the
// failing field (or the code a failing check declares, e.g. `metadata_not_storable`), and declares the errors
// any endpoint may answer with before its operation runs.
import { Effect, SchemaIssue } from "effect"
import { HttpApiMiddleware } from "effect/http-api"
import {
  MethodNotAllowed,
  PayloadTooLarge,
  TooManyRequests,
  Unavailable,
  UnsupportedMediaType,
  ValidationFailed
} from "../operations/Errors.ts"
import { codeAnnotation } from "../operations/Schemas.ts"

export class RequestGuard extends HttpApiMiddleware.Service<RequestGuard>()("tally/server/RequestGuard", {
  error: [ValidationFailed, PayloadTooLarge, MethodNotAllowed, UnsupportedMediaType, TooManyRequests, Unavailable]
}) {}

const formatIssues = SchemaIssue.makeFormatterStandardSchemaV1()

const segment = (s: PropertyKey | { readonly key: PropertyKey }): string | number => {
  const key = typeof s === "object" ? s.key : s
  return typeof key === "number" ? key : String(key)
}

/** The code a failing filter declares (its `codeAnnotation`), searched through the issue tree. */
const declaredCode = (issue: unknown): string | undefined => {
  if (typeof issue !== "object" || issue === null) return undefined
  const node = issue as {
    _tag?: string
    filter?: { annotations?: Record<string, unknown> }
    issue?: unknown
    issues?: ReadonlyArray<unknown>
  }
  const own = node._tag === "Filter" ? node.filter?.annotations?.[codeAnnotation] : undefined
  if (typeof own === "string") return own
  for (const child of [node.issue, ...(node.issues ?? [])]) {
    const code = declaredCode(child)
    if (code !== undefined) return code
  }
  return undefined
}

export const RequestGuardLive = HttpApiMiddleware.layerSchemaErrorTransform(RequestGuard, (error) => {
  if (error.kind === "Body" || error.kind === "ResponseHeaders") {
    // our own response failed to encode: a bug, reported as a defect (500)
    return Effect.die(error)
  }
  const slot = error.kind.toLowerCase()
  const errors = formatIssues(error.cause.issue).issues.map((issue) => ({
    path: [slot, ...(issue.path ?? []).map(segment)],
    message: issue.message
  }))
  const malformed = error.kind === "Payload" && errors.some((e) => e.message === "Expected a valid JSON body")
  return Effect.fail(
    new ValidationFailed({
      code: malformed ? "malformed_json" : (declaredCode(error.cause.issue) ?? "validation_failed"),
      detail: errors.map((e) => `${e.path.join(".")}: ${e.message}`).join("; "),
      errors
    })
  )
})
