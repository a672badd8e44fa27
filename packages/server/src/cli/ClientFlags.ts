// Flags and helpers shared by the client commands.
import { Effect, Option, Schema } from "effect"
import { Argument, Flag } from "effect/cli"
import type { Rpc, RpcGroup } from "effect/rpc"
import { Metadata } from "../operations/Schemas.ts"
import { TallyRpcs } from "../rpc/Group.ts"
import { decodeInput } from "./ClientRun.ts"

/** The payload schema of an RPC, so input is checked before it is sent. */
export const payloadOf = <Tag extends Rpcs["_tag"]>(tag: Tag) =>
  TallyRpcs.requests.get(tag)!.payloadSchema as Rpc.ExtractTag<Rpcs, Tag>["payloadSchema"]
type Rpcs = RpcGroup.Rpcs<typeof TallyRpcs>

/** `{ key: value }` when the option is set, else `{}`: optional payload fields. */
export const some = <K extends string, A>(key: K, option: Option.Option<A>) =>
  (Option.isSome(option) ? { [key]: option.value } : {}) as { readonly [P in K]?: A }

export const idArgument = (name: string, description: string) =>
  Argument.String(name).pipe(Argument.withDescription(description))
export const idempotencyKey = Flag.String("idempotency-key").pipe(
  Flag.withDescription("Retry-safe key: the same key and input return the first outcome"),
  Flag.optional
)
export const metadata = Flag.String("metadata").pipe(
  Flag.withDescription("JSON object stored with the object"),
  Flag.optional
)
export const page = {
  limit: Flag.Int("limit").pipe(Flag.withDescription("Page size (TALLY_PAGE_SIZE_MAX caps it)"), Flag.optional),
  cursor: Flag.String("cursor").pipe(Flag.withDescription("Continue after a previous page"), Flag.optional)
}
export const MetadataJson = Schema.fromJsonString(Metadata)

/** `{ metadata }` from `--metadata` when given (checked to be a JSON object), else `{}`. */
export const metadataOf = (json: boolean, flag: Option.Option<string>) =>
  Option.isSome(flag)
    ? Effect.map(decodeInput(json, "--metadata", MetadataJson, flag.value), (metadata) => ({ metadata }))
    : Effect.succeed({})
