import { Schema } from "effect"

/** The store could not answer (database down, retries exhausted). Not a business outcome. */
export class StoreUnavailable extends Schema.TaggedError<StoreUnavailable>()("StoreUnavailable", {
  message: Schema.String,
  cause: Schema.optional(Schema.Defect())
}) {}
