// Shared by the client commands: the connection flags, running one RPC call, and turning its outcome into
// output and an exit code (0 ok, 2 refused or invalid, 1 transport, authentication or server trouble).
import { Cause, Config, Console, Data, Effect, Option, Predicate, type Redacted, Runtime, Schema } from "effect"
import { Flag } from "effect/cli"
import { exitCodeOf } from "../operations/Errors.ts"
import { makeTallyClient, type TallyClient } from "../rpc/Client.ts"

export const connectionFlags = {
  url: Flag.String("url").pipe(
    Flag.withDescription("Server URL (default http://127.0.0.1:$TALLY_HTTP_PORT, port 8080)"),
    Flag.withFallbackConfig(
      Config.Int("TALLY_HTTP_PORT").pipe(
        Config.withDefault(8080),
        Config.map((port) => `http://127.0.0.1:${port}`)
      )
    )
  ),
  apiKey: Flag.Redacted("api-key").pipe(
    Flag.withDescription("API key (default $TALLY_API_KEY)"),
    Flag.withFallbackConfig(Config.Redacted("TALLY_API_KEY")),
    Flag.optional
  ),
  json: Flag.Boolean("json").pipe(Flag.withDescription("Print machine-readable JSON"), Flag.withDefault(false))
}

export interface Connection {
  readonly url: string
  readonly apiKey: Option.Option<Redacted.Redacted>
  readonly json: boolean
}

/** Already printed; only carries the exit code. */
export class ClientExit extends Data.TaggedError("ClientExit")<{ readonly exitCode: 1 | 2 }> {
  override get [Runtime.errorExitCode]() {
    return this.exitCode
  }
  override readonly [Runtime.errorReported] = false
}

interface Failure {
  readonly _tag: string
  readonly code?: string
  readonly detail?: string
  readonly message?: string
}

const describe = (e: Failure): string => {
  const extra = e as {
    transferId?: string
    errors?: ReadonlyArray<{ index?: number; code?: string; message?: string }>
  }
  const lines = [`${e.code ?? e._tag}: ${e.detail ?? e.message ?? e._tag}`]
  if (extra.transferId !== undefined) lines.push(`  transfer ${extra.transferId}`)
  for (const item of extra.errors ?? []) {
    lines.push(item.index !== undefined ? `  item ${item.index}: ${item.code}` : `  ${item.message}`)
  }
  return lines.join("\n")
}

/** Prints a failure (JSON on stdout with --json, else text on stderr) and exits with its code. */
export const fail = (json: boolean, error: Failure, exitCode: 1 | 2) =>
  Effect.andThen(
    json
      ? Console.log(JSON.stringify({ error: { ...error, _tag: error._tag } }, null, 2))
      : Console.error(describe(error)),
    Effect.fail(new ClientExit({ exitCode }))
  )

/** Input the server would refuse anyway, checked here so it is a clear exit 2, not a client-side defect. */
export const decodeInput = <S extends Schema.Constraint & { readonly DecodingServices: never }>(
  json: boolean,
  what: string,
  schema: S,
  input: unknown
): Effect.Effect<S["Type"], ClientExit> =>
  Schema.decodeUnknownEffect(schema)(input).pipe(
    Effect.catch((e) =>
      fail(json, { _tag: "ValidationFailed", code: "invalid_input", detail: `${what}: ${e.message}` }, 2)
    )
  )

/** Connects, runs `call`, prints its result with `show` (or as JSON), and maps failures to exit codes. */
export const runCall = <A, E extends Failure>(
  connection: Connection,
  call: (client: TallyClient) => Effect.Effect<A, E | ClientExit>,
  show: (result: A) => string,
  /** Public operations (signup, confirm) run without a key. */
  options: {
    readonly keyRequired: boolean
    readonly basic?: { readonly email: string; readonly password: Redacted.Redacted } | undefined
  } = { keyRequired: true }
) =>
  Effect.gen(function* () {
    if (Option.isNone(connection.apiKey) && options.keyRequired && options.basic === undefined) {
      const detail = "no API key: pass --api-key or set TALLY_API_KEY"
      return yield* fail(connection.json, { _tag: "Unauthorized", code: "api_key_missing", detail }, 1)
    }
    const client = yield* makeTallyClient({
      url: connection.url,
      ...(Option.isSome(connection.apiKey) ? { apiKey: connection.apiKey.value } : {}),
      ...(options.basic === undefined ? {} : { basic: options.basic })
    })
    const result = yield* call(client)
    yield* Console.log(connection.json ? JSON.stringify(result, null, 2) : show(result))
  }).pipe(
    Effect.scoped,
    Effect.catchCause((cause) => {
      const error = Cause.findErrorOption(cause)
      if (Option.isSome(error) && error.value instanceof ClientExit)
        return Effect.failCause(cause as Cause.Cause<ClientExit>)
      if (Option.isSome(error) && Predicate.isTagged(error.value, "RpcClientError")) {
        const reason = (error.value as { reason?: { cause?: unknown } }).reason
        const detail = `no answer from ${connection.url}: ${String(reason?.cause ?? reason)}`
        return fail(connection.json, { _tag: "RpcClientError", code: "transport_error", detail }, 1)
      }
      if (Option.isSome(error)) {
        const e = error.value as Failure
        return fail(connection.json, e, exitCodeOf(e._tag))
      }
      if (Cause.hasInterruptsOnly(cause)) return Effect.failCause(cause as Cause.Cause<never>)
      return fail(connection.json, { _tag: "InternalError", code: "internal", detail: Cause.pretty(cause) }, 1)
    })
  )
