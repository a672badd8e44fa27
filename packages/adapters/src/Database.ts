// The PostgreSQL connection: `DATABASE_URL` when set, else an embedded PostgreSQL whose data lives
// under `${TALLY_DATA_DIR}/postgres` and survives restarts.
import * as path from "node:path"
import { PgClient } from "@effect/sql-pg"
import { Config, Context, Effect, Layer, Option, Redacted } from "effect"
import type { SqlClient } from "effect/sql"
import * as EmbeddedPostgres from "./EmbeddedPostgres.ts"

export interface DatabaseInfoShape {
  readonly kind: "embedded" | "external"
  /** The connection URL with any password replaced by `***`: safe to log and to show on `GET /`. */
  readonly redactedUrl: string
  readonly url: Redacted.Redacted
}

export class DatabaseInfo extends Context.Service<DatabaseInfo, DatabaseInfoShape>()("tally/adapters/DatabaseInfo") {}

export const redactUrl = (url: string): string => {
  try {
    const parsed = new URL(url)
    if (parsed.password !== "") parsed.password = "***"
    return parsed.toString()
  } catch {
    return "(unparseable url)"
  }
}

/**
 * A session waiting longer than this for a row lock fails with 55P03 (retried, counted as `lock_timeout`): a
 * session holding a hot row makes the others fail fast instead of queueing until the pool is exhausted.
 */
export const lockTimeoutMsDefault = 2_000
/** Any statement running longer than this is cancelled (57014). */
export const statementTimeoutMsDefault = 30_000

export const DatabaseConfig = Config.all({
  url: Config.option(Config.Redacted("DATABASE_URL")),
  dataDir: Config.String("TALLY_DATA_DIR").pipe(Config.withDefault(".data")),
  embeddedPort: Config.Int("TALLY_EMBEDDED_PG_PORT").pipe(Config.withDefault(0)),
  poolMax: Config.Int("TALLY_DB_POOL_MAX").pipe(Config.withDefault(20)),
  connectTimeoutSeconds: Config.Int("TALLY_DB_CONNECT_TIMEOUT_SECONDS").pipe(Config.withDefault(10)),
  lockTimeoutMs: Config.Int("TALLY_DB_LOCK_TIMEOUT_MS").pipe(Config.withDefault(lockTimeoutMsDefault)),
  statementTimeoutMs: Config.Int("TALLY_DB_STATEMENT_TIMEOUT_MS").pipe(Config.withDefault(statementTimeoutMsDefault))
})

/** A pool on an explicit URL: used by the service with DATABASE_URL and by tests. */
export const layerUrl = (
  url: Redacted.Redacted,
  options: {
    readonly poolMax: number
    readonly kind?: "embedded" | "external"
    readonly connectTimeoutSeconds?: number
    /** lock_timeout of every session; 0 = wait forever (PostgreSQL's default). */
    readonly lockTimeoutMs?: number
    /** statement_timeout of every session; 0 = none. */
    readonly statementTimeoutMs?: number
  }
) =>
  Layer.merge(
    PgClient.layer({
      url,
      maxConnections: options.poolMax,
      applicationName: "tally",
      connectTimeout: `${options.connectTimeoutSeconds ?? 10} seconds`,
      // session defaults sent at connect: every pooled connection (and every reconnection) gets them
      startupParameters: {
        lock_timeout: String(options.lockTimeoutMs ?? lockTimeoutMsDefault),
        statement_timeout: String(options.statementTimeoutMs ?? statementTimeoutMsDefault)
      }
    }),
    Layer.succeed(DatabaseInfo, {
      kind: options.kind ?? "external",
      redactedUrl: redactUrl(Redacted.value(url)),
      url
    })
  )

/** Connection from configuration, starting the embedded PostgreSQL when no DATABASE_URL is set. */
export const layer: Layer.Layer<PgClient.PgClient | SqlClient.SqlClient | DatabaseInfo, unknown> = Layer.unwrap(
  Effect.gen(function* () {
    const config = yield* DatabaseConfig
    const pool = {
      poolMax: config.poolMax,
      connectTimeoutSeconds: config.connectTimeoutSeconds,
      lockTimeoutMs: config.lockTimeoutMs,
      statementTimeoutMs: config.statementTimeoutMs
    }
    if (Option.isSome(config.url)) return layerUrl(config.url.value, pool)
    const handle = yield* EmbeddedPostgres.start({
      dataDir: path.resolve(config.dataDir, "postgres"),
      port: config.embeddedPort
    })
    yield* Effect.logInfo(`embedded PostgreSQL on 127.0.0.1:${handle.port}, data in ${config.dataDir}/postgres`)
    return layerUrl(handle.url, { ...pool, kind: "embedded" })
  })
)
