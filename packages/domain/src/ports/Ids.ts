import { Context, type Effect } from "effect"

/** Where new identifiers come from (UUIDs); tests substitute a deterministic source. */
export class Ids extends Context.Service<Ids, { readonly next: Effect.Effect<string> }>()("tally/domain/Ids") {}
