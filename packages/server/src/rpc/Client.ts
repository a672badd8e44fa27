// A typed Tally client for TypeScript consumers and the CLI: `client.transfers.create({...})` returns the
// transfer, or fails with the wire errors of operations/Errors.ts as values, or with `RpcClientError` (transport).
import * as NodeSocket from "@effect/platform-node/NodeSocket"
import { Effect, Layer, Redacted, type Scope } from "effect"
import { FetchHttpClient, HttpClient, HttpClientRequest } from "effect/http"
import { RpcClient, type RpcClientError, RpcSerialization } from "effect/rpc"
import { Socket } from "effect/socket"
import { basicAuthorization } from "../operations/BasicAccess.ts"
import { rpcPath, TallyRpcs } from "./Group.ts"

type Flat = RpcClient.FromGroup<typeof TallyRpcs, RpcClientError.RpcClientError>
type Namespace<K> = K extends `${infer N}.${string}` ? N : never

/** `client["transfers.create"]` as `client.transfers.create`. */
export type TallyClient = {
  readonly [N in Namespace<keyof Flat>]: {
    readonly [K in keyof Flat as K extends `${N}.${infer Op}` ? Op : never]: Flat[K]
  }
}

export interface TallyClientOptions {
  /** The server, e.g. `http://127.0.0.1:8080` (`/rpc` is appended unless present). */
  readonly url: string
  /** Sent as `authorization: Bearer <key>` with every HTTP request, or with the WebSocket upgrade request. */
  readonly apiKey?: string | Redacted.Redacted
  /** Instead of a key: HTTP Basic `email:password` of a confirmed user (only `apiKeys.create` accepts it). */
  readonly basic?: { readonly email: string; readonly password: Redacted.Redacted }
  /** `http` (default): one HTTP request per call. `websocket`: one connection for every call of the scope. */
  readonly transport?: "http" | "websocket"
}

const endpoint = (url: string, transport: "http" | "websocket") => {
  const u = new URL(url)
  if (!u.pathname.endsWith(rpcPath)) u.pathname = `${u.pathname.replace(/\/$/, "")}${rpcPath}`
  if (transport === "websocket") u.protocol = u.protocol === "https:" ? "wss:" : "ws:"
  return u.toString()
}

const protocol = (options: TallyClientOptions) => {
  const transport = options.transport ?? "http"
  const key = options.apiKey
  const headers: Record<string, string> =
    options.basic !== undefined
      ? { authorization: basicAuthorization(options.basic.email, options.basic.password) }
      : key === undefined
        ? {}
        : { authorization: `Bearer ${Redacted.isRedacted(key) ? Redacted.value(key) : key}` }
  if (transport === "http") {
    return RpcClient.layerProtocolHttp({
      url: endpoint(options.url, transport),
      transformClient: HttpClient.mapRequest(HttpClientRequest.setHeaders(headers))
    }).pipe(Layer.provide([RpcSerialization.layerNdjson, FetchHttpClient.layer]))
  }
  // the key travels in the upgrade request's headers: Node's WebSocket accepts them; a browser's cannot, so
  // there the client omits `apiKey` and passes `{ headers: { authorization } }` with each call instead

  return RpcClient.layerProtocolSocket({ retryTransientErrors: false }).pipe(
    Layer.provide([
      Layer.effect(Socket.Socket, Socket.makeWebSocket(endpoint(options.url, transport), { headers })),
      RpcSerialization.layerJson
    ]),
    Layer.provide(NodeSocket.layerWebSocketConstructor)
  )
}

/** A client for the lifetime of the scope (a WebSocket connection is closed with it). */
export const makeTallyClient = (options: TallyClientOptions): Effect.Effect<TallyClient, never, Scope.Scope> =>
  Effect.gen(function* () {
    const context = yield* Layer.build(protocol(options))
    const flat = yield* RpcClient.make(TallyRpcs).pipe(Effect.provideContext(context))
    const client: Record<string, Record<string, unknown>> = {}
    for (const [tag, call] of Object.entries(flat)) {
      const [namespace, op] = tag.split(".") as [string, string]
      client[namespace] = { ...client[namespace], [op]: call }
    }
    return client as unknown as TallyClient
  })
