// Service identity, liveness and readiness: HTTP probes, public, on no other surface.
import { DatabaseInfo, redactUrl } from "@tally/adapters/Database"
import { Migrator } from "@tally/adapters/Migrator"
import { Clock, Config, Context, Effect, Layer, Option, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { version } from "../Version.ts"
import { notReady, Unavailable } from "./Errors.ts"
import { operation } from "./Operation.ts"
import { NoPayload } from "./Schemas.ts"

export const groups = {
  system: { title: "System", description: "Service identity, liveness and readiness" }
}

export const ServiceInfo = Schema.Struct({
  name: Schema.String,
  version: Schema.String,
  uptimeSeconds: Schema.Number,
  backends: Schema.Struct({
    postgres: Schema.Struct({ kind: Schema.String, url: Schema.String }),
    mail: Schema.Struct({ kind: Schema.String, url: Schema.String }),
    fx: Schema.Struct({ kind: Schema.String, url: Schema.String })
  })
}).annotate({ identifier: "ServiceInfo" })

export const Health = Schema.Struct({
  status: Schema.Literals(["ok", "ready"]),
  checks: Schema.optionalKey(Schema.Record(Schema.String, Schema.String))
}).annotate({ identifier: "Health" })

const backend = (name: string, fallbackKind: string, fallbackUrl: string) =>
  Config.String(name).pipe(
    Config.option,
    Config.map(
      Option.match({
        onNone: () => ({ kind: fallbackKind, url: fallbackUrl }),
        onSome: (url) => ({
          kind: URL.canParse(url) ? new URL(url).protocol.replace(":", "") : "invalid",
          url: redactUrl(url)
        })
      })
    )
  )

/** What the probes report, read from the running service. */
export class SystemStatus extends Context.Service<
  SystemStatus,
  {
    readonly info: Effect.Effect<typeof ServiceInfo.Type>
    /** "ok", or what is not ready. */
    readonly readiness: Effect.Effect<string>
  }
>()("tally/server/SystemStatus") {
  static readonly layer = Layer.effect(
    SystemStatus,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const migrator = yield* Migrator
      const database = yield* DatabaseInfo
      const mail = yield* backend("TALLY_MAIL_URL", "file", "file:.data/mail")
      const fx = yield* backend("TALLY_FX_URL", "snapshot", "bundled:fx-snapshot.json")
      const startedAt = yield* Clock.currentTimeMillis
      const info = Effect.map(Clock.currentTimeMillis, (now) => ({
        name: "tally",
        version,
        uptimeSeconds: Math.round((now - startedAt) / 1000),
        backends: { postgres: { kind: database.kind, url: database.redactedUrl }, mail, fx }
      }))
      const readiness = Effect.gen(function* () {
        yield* sql`SELECT 1`
        const notApplied = (yield* migrator.status).filter((m) => m.state !== "applied")
        return notApplied.length === 0 ? "ok" : `${notApplied.length} migration(s) not applied`
      }).pipe(
        Effect.timeout("2 seconds"),
        Effect.catch((error) => Effect.succeed(`database: ${error.message}`))
      )
      return SystemStatus.of({ info, readiness })
    })
  )
}

const probe = { access: "public", idempotent: false, surfaces: { rpc: false, cli: false } } as const

export const info = operation({
  name: "system.info",
  description: "Name, version, uptime and backends (passwords redacted)",
  payload: NoPayload,
  success: ServiceInfo,
  errors: [],
  ...probe,
  http: { method: "GET", path: "/" },
  handle: () =>
    Effect.gen(function* () {
      return yield* (yield* SystemStatus).info
    })
})

export const healthz = operation({
  name: "system.healthz",
  description: "Alive",
  payload: NoPayload,
  success: Health,
  errors: [],
  ...probe,
  http: { method: "GET", path: "/healthz" },
  handle: () => Effect.succeed({ status: "ok" as const })
})

export const readyz = operation({
  name: "system.readyz",
  description: "The database answers and every migration is applied",
  payload: NoPayload,
  success: Health,
  errors: [notReady],
  ...probe,
  http: { method: "GET", path: "/readyz" },
  handle: () =>
    Effect.gen(function* () {
      const check = yield* (yield* SystemStatus).readiness
      if (check !== "ok") return yield* new Unavailable({ code: "not_ready", detail: check })
      return { status: "ready" as const, checks: { database: "ok", migrations: "ok" } }
    })
})

export const operations = [info, healthz, readyz] as const
