import { DatabaseInfo, redactUrl } from "@tally/adapters/Database"
import { Migrator } from "@tally/adapters/Migrator"
import { Config, Effect, Option } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { SqlClient } from "effect/sql"
import { Api } from "../api/Api.ts"
import { Unavailable } from "../api/Problems.ts"
import { version } from "../Version.ts"

const startedAt = Date.now()

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

export const SystemHandlers = HttpApiBuilder.group(Api, "system", (handlers) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const migrator = yield* Migrator
    const database = yield* DatabaseInfo
    const mail = yield* backend("TALLY_MAIL_URL", "file", "file:.data/mail")
    const fx = yield* backend("TALLY_FX_URL", "snapshot", "bundled:fx-snapshot.json")

    const readiness = Effect.gen(function* () {
      yield* sql`SELECT 1`
      const status = yield* migrator.status
      const notApplied = status.filter((m) => m.state !== "applied")
      return notApplied.length === 0 ? "ok" : `${notApplied.length} migration(s) not applied`
    }).pipe(
      Effect.timeout("2 seconds"),
      Effect.catch((error) => Effect.succeed(`database: ${error.message}`))
    )

    return handlers
      .handle("info", () =>
        Effect.succeed({
          name: "tally",
          version,
          uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
          backends: { postgres: { kind: database.kind, url: database.redactedUrl }, mail, fx }
        })
      )
      .handle("healthz", () => Effect.succeed({ status: "ok" as const }))
      .handle("readyz", () =>
        Effect.gen(function* () {
          const check = yield* readiness
          if (check !== "ok") return yield* new Unavailable({ code: "not_ready", detail: check })
          return { status: "ready" as const, checks: { database: "ok", migrations: "ok" } }
        })
      )
  })
)
