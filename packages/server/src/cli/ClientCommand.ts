// A client command is an operation of the table over RPC: `tally <group> <operation>` with flags that build its
// payload. The payload is checked against the operation's schema before it is sent, the description is the
// operation's, and failures print and exit as operations/Errors.ts says (ClientRun.ts).
import { Context, Effect, type Redacted, type Schema } from "effect"
import { Command } from "effect/cli"
import type { RpcClient, RpcClientError, RpcGroup } from "effect/rpc"
import { byName } from "../operations/Table.ts"
import type { TallyClient } from "../rpc/Client.ts"
import type { TallyRpcs } from "../rpc/Group.ts"
import { payloadOf } from "./ClientFlags.ts"
import { type ClientExit, type Connection, connectionFlags, decodeInput, runCall } from "./ClientRun.ts"

type Flat = RpcClient.FromGroup<typeof TallyRpcs, RpcClientError.RpcClientError>
type Name = RpcGroup.Rpcs<typeof TallyRpcs>["_tag"]
type Success<N extends Name> = Flat[N] extends (...args: never) => Effect.Effect<infer A, infer _E, infer _R>
  ? A
  : never

/** The operation a command runs (read by test/surfaces.test.ts). */
export class CommandOperation extends Context.Reference<string | undefined>("tally/server/cli/CommandOperation", {
  defaultValue: () => undefined
}) {}

const callOf = (client: TallyClient, name: string) => {
  const [group, verb] = name.split(".") as [string, string]
  return (client as unknown as Record<string, Record<string, (payload: unknown) => Effect.Effect<unknown, unknown>>>)[
    group
  ]![verb]!
}

export const operationCommand = <const N extends Name, const Flags extends Command.Command.Config>(
  name: N,
  flags: Flags,
  /** The payload from the flags (checked against the operation's schema before sending). */
  input: (
    c: Command.Command.Config.Infer<Flags> & Connection
  ) => Effect.Effect<unknown, ClientExit> | Record<string, unknown>,
  show: (result: Success<N>) => string,
  /** HTTP Basic credentials from the flags, sent instead of the key (operations of `basic` access). */
  basic?: (
    c: Command.Command.Config.Infer<Flags>
  ) => { readonly email: string; readonly password: Redacted.Redacted } | undefined
) =>
  Command.make(name.split(".")[1]!, { ...connectionFlags, ...flags }, (config) => {
    const c = config as unknown as Command.Command.Config.Infer<Flags> & Connection
    return runCall(
      c,
      (client) =>
        Effect.gen(function* () {
          const raw = input(c)
          const payload = yield* decodeInput(
            c.json,
            name,
            payloadOf(name) as unknown as Schema.Codec<unknown, unknown>,
            Effect.isEffect(raw) ? yield* raw : raw
          )
          return (yield* callOf(client, name)(payload) as Effect.Effect<unknown, ClientExit>) as Success<N>
        }),
      show,
      { keyRequired: byName.get(name)?.access !== "public", basic: basic?.(c) }
    )
  }).pipe(Command.withDescription(byName.get(name)?.description ?? name), Command.annotate(CommandOperation, name))
