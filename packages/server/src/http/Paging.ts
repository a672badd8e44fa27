import { Effect } from "effect"
import { ValidationFailed } from "../api/Problems.ts"
import { ServerConfig } from "../Config.ts"

/** The page size a list request gets: its `limit`, else the default; over the cap is a 400. */
export const pageSize = Effect.fn("pageSize")(function* (limit: number | undefined) {
  const config = yield* ServerConfig
  if (limit === undefined) return config.pageSizeDefault
  if (limit > config.pageSizeMax) {
    return yield* new ValidationFailed({
      code: "page_size_too_large",
      detail: `limit ${limit} exceeds TALLY_PAGE_SIZE_MAX (${config.pageSizeMax})`,
      errors: [{ path: ["query", "limit"], message: `at most ${config.pageSizeMax}` }]
    })
  }
  return limit
})

export const invalidCursor = () =>
  new ValidationFailed({
    code: "invalid_cursor",
    detail: "the cursor was not issued by this list",
    errors: [{ path: ["query", "cursor"], message: "unknown cursor" }]
  })

/** PostgreSQL text and jsonb refuse NUL characters and unpaired surrogates: such JSON is not storable. */
export const storableJson = (value: unknown): boolean => {
  if (typeof value === "string") return value.isWellFormed() && !value.includes("\u0000")
  if (Array.isArray(value)) return value.every(storableJson)
  if (value !== null && typeof value === "object") {
    return Object.entries(value).every(([k, v]) => storableJson(k) && storableJson(v))
  }
  return true
}

export const checkMetadata = Effect.fn("checkMetadata")(function* (metadata: Record<string, unknown> | undefined) {
  if (metadata === undefined) return null
  if (!storableJson(metadata)) {
    return yield* new ValidationFailed({
      code: "metadata_not_storable",
      detail: "metadata strings may not contain NUL characters or unpaired UTF-16 surrogates",
      errors: [{ path: ["payload", "metadata"], message: "NUL or unpaired surrogate in a key or string" }]
    })
  }
  const config = yield* ServerConfig
  const bytes = Buffer.byteLength(JSON.stringify(metadata), "utf8")
  if (bytes > config.metadataBytesMax) {
    return yield* new ValidationFailed({
      code: "metadata_too_large",
      detail: `metadata is ${bytes} bytes; TALLY_METADATA_BYTES_MAX is ${config.metadataBytesMax}`,
      errors: [{ path: ["payload", "metadata"], message: `at most ${config.metadataBytesMax} bytes` }]
    })
  }
  return metadata
})
