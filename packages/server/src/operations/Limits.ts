// The request limits an operation checks before calling its use case: page size and metadata size (settings),
// and values the wire schema lets through as text (currency codes).
import { CurrencyCode } from "@tally/domain/Money"
import { Effect, Schema } from "effect"
import { ServerConfig } from "../Config.ts"
import { ValidationFailed } from "./Errors.ts"

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

/** Metadata within TALLY_METADATA_BYTES_MAX (storability is the wire schema's check), or null when absent. */
export const metadataWithin = Effect.fn("metadataWithin")(function* (metadata: Record<string, unknown> | undefined) {
  if (metadata === undefined) return null
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

/** A supported currency code; an unknown one is a `validation_failed` naming the field. */
export const currencyOf = (code: string) =>
  Schema.decodeUnknownEffect(CurrencyCode)(code).pipe(
    Effect.mapError(
      (e) =>
        new ValidationFailed({
          code: "validation_failed",
          detail: `payload.currency: ${e.message}`,
          errors: [{ path: ["payload", "currency"], message: e.message }]
        })
    )
  )
