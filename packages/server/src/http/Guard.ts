import { Effect, SchemaIssue } from "effect"
import { HttpApiMiddleware } from "effect/http-api"
import { RequestGuard } from "../api/Guard.ts"
import { ValidationFailed } from "../api/Problems.ts"

const formatIssues = SchemaIssue.makeFormatterStandardSchemaV1()

const segment = (s: PropertyKey | { readonly key: PropertyKey }): string | number => {
  const key = typeof s === "object" ? s.key : s
  return typeof key === "number" ? key : String(key)
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
      code: malformed ? "malformed_json" : "validation_failed",
      detail: errors.map((e) => `${e.path.join(".")}: ${e.message}`).join("; "),
      errors
    })
  )
})
