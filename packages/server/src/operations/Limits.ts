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

const noMetadata = Effect.succeed(null)

/**
 * Metadata within TALLY_METADATA_BYTES_MAX (storability is the wire schema's check), or null when absent. A plain
 * function, not `Effect.fn`: it runs for every transfer, and most carry no metadata (docs/adr/0032).
 */
export const metadataWithin = (
  metadata: Record<string, unknown> | undefined
): Effect.Effect<Record<string, unknown> | null, ValidationFailed, ServerConfig> =>
  metadata === undefined
    ? noMetadata
    : ServerConfig.use((config) => {
        const bytes = Buffer.byteLength(JSON.stringify(metadata), "utf8")
        if (bytes <= config.metadataBytesMax) return Effect.succeed(metadata)
        return Effect.fail(
          new ValidationFailed({
            code: "metadata_too_large",
            detail: `metadata is ${bytes} bytes; TALLY_METADATA_BYTES_MAX is ${config.metadataBytesMax}`,
            errors: [{ path: ["payload", "metadata"], message: `at most ${config.metadataBytesMax} bytes` }]
          })
        )
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
