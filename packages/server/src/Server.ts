// Layer wiring: database → migrations + seeds → stores → HTTP. main.ts only picks which to launch.
import { createServer } from "node:http"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as Database from "@tally/adapters/Database"
import { defaultMigrationsDir, Migrator } from "@tally/adapters/Migrator"
import { IdempotencyStore } from "@tally/adapters/postgres/IdempotencyStore"
import * as PgApiKeyStore from "@tally/adapters/postgres/PgApiKeyStore"
import * as PgJobStore from "@tally/adapters/postgres/PgJobStore"
import * as PgLedgerStore from "@tally/adapters/postgres/PgLedgerStore"
import { PgRateLimiterStore } from "@tally/adapters/postgres/PgRateLimiterStore"
import * as PgUserStore from "@tally/adapters/postgres/PgUserStore"
import * as PgWebhookStore from "@tally/adapters/postgres/PgWebhookStore"
import * as Secrets from "@tally/adapters/Secrets"
import { Seeder } from "@tally/adapters/Seeds"
import * as PgTicketingStore from "@tally/adapters/ticketing/PgTicketingStore"
import * as TicketCodes from "@tally/adapters/ticketing/TicketCodes"
import * as TicketingConfig from "@tally/adapters/ticketing/TicketingConfig"
import * as Uuid from "@tally/adapters/Uuid"
import * as Transfers from "@tally/domain/usecases/Transfers"
import { Config, Effect, Layer } from "effect"
import { HttpRouter } from "effect/http"
import { HttpApiBuilder, HttpApiScalar } from "effect/http-api"
import * as RateLimiter from "effect/persistence/RateLimiter"
import { Authenticator } from "./Auth.ts"
import { ServerConfig, type ServerConfigShape } from "./Config.ts"
import { ConsoleRoutes } from "./console/Console.ts"
import { DeliveryLive } from "./delivery/DeliveryLive.ts"
import { UserSettingsLive } from "./delivery/UserSettingsLive.ts"
import { Api, ServedApi } from "./http/Api.ts"
import { ClientAddressMiddleware } from "./http/ClientAddress.ts"
import { BodyLimitLive, EdgeMiddleware } from "./http/Edge.ts"
import { RequestGuardLive } from "./http/Guard.ts"
import { HttpHandlers } from "./http/Handlers.ts"
import { OpenApiRoute } from "./http/OpenApiRoute.ts"
import { RateLimitMiddleware, RateLimits } from "./http/RateLimit.ts"
import { SchedulerLive } from "./jobs/Scheduler.ts"
import { LoggingLive } from "./Logging.ts"
import { GaugesLive, HttpMetricsMiddleware, LedgerTelemetryLive, MetricsLive } from "./metrics/index.ts"
import { AuthThrottle } from "./operations/AuthThrottle.ts"
import { Idempotency } from "./operations/Idempotency.ts"
import { SystemStatus } from "./operations/System.ts"
import { RpcRoutes } from "./rpc/Routes.ts"

/** Migrations (TALLY_MIGRATIONS_DIR, default the repository's) and seed steps. */
export const SchemaLive = Layer.unwrap(
  Effect.map(Config.String("TALLY_MIGRATIONS_DIR").pipe(Config.withDefault(defaultMigrationsDir)), (dir) =>
    Layer.mergeAll(Migrator.layer(dir), Seeder.layer())
  )
)

export const MigrateAtStart = Layer.effectDiscard(
  Effect.gen(function* () {
    const applied = yield* (yield* Migrator).up
    const seeded = yield* (yield* Seeder).run
    yield* Effect.logInfo(`schema ready: ${applied.length} migration(s), ${seeded.length} seed step(s) applied`)
  })
)

export const LedgerLimitsLive = Layer.effect(
  Transfers.LedgerLimits,
  Effect.map(
    Config.all({
      batchSizeMax: Config.Int("TALLY_BATCH_SIZE_MAX").pipe(Config.withDefault(1000)),
      fxMaxAgeSeconds: Config.Int("TALLY_FX_MAX_AGE_SECONDS").pipe(Config.withDefault(7200)),
      timeoutSecondsMax: Config.Int("TALLY_HOLD_TIMEOUT_MAX_SECONDS").pipe(Config.withDefault(30 * 24 * 3600))
    }),
    (limits) => limits
  )
)

/** Group commit of single transfers (docs/adr/0024): on by default. */
export const GroupCommitLive = Layer.effect(
  Transfers.GroupCommit,
  Effect.map(
    Config.all({
      enabled: Config.Boolean("TALLY_GROUP_COMMIT_ENABLED").pipe(Config.withDefault(true)),
      windowMillis: Config.Int("TALLY_GROUP_COMMIT_WINDOW_MS").pipe(Config.withDefault(0)),
      sizeMax: Config.Int("TALLY_GROUP_COMMIT_SIZE_MAX").pipe(Config.withDefault(100)),
      inFlightMax: Config.Int("TALLY_GROUP_COMMIT_IN_FLIGHT_MAX").pipe(Config.withDefault(2))
    }),
    (settings) => settings
  )
)

/** Domain services on PostgreSQL, given a database layer; the use cases report to the ledger metrics. */
export const StoresLive = Layer.mergeAll(
  PgLedgerStore.layer,
  PgApiKeyStore.layer,
  IdempotencyStore.layer,
  Uuid.layer,
  LedgerLimitsLive,
  GroupCommitLive,
  LedgerTelemetryLive,
  Layer.mergeAll(PgJobStore.layer, PgUserStore.layer, PgWebhookStore.layer, Secrets.layer, UserSettingsLive),
  // the ticketing store runs its statements in the ledger store's transactions (same PgClient)
  Layer.mergeAll(
    PgTicketingStore.layer.pipe(Layer.provide(PgLedgerStore.layer)),
    TicketCodes.layer,
    TicketingConfig.layer
  )
)

/**
 * Rate limits (docs/adr/0028-rate-limits.md) and signup/login throttling on one RateLimiter whose PostgreSQL store
 * every instance shares.
 */
export const RateLimitsLive = Layer.mergeAll(RateLimits.layer, AuthThrottle.layer).pipe(
  Layer.provide(RateLimiter.layer),
  Layer.provide(PgRateLimiterStore)
)

/** What the operations need beyond the stores: idempotency records, the probes' status, the gauges, the limits. */
export const OperationsLive = Layer.mergeAll(Idempotency.layer, SystemStatus.layer, GaugesLive, RateLimitsLive)

export const ApiRoutes = Layer.mergeAll(
  // served without the declaration-only security middlewares; documented with them (http/Api.ts)
  HttpApiBuilder.layer(ServedApi).pipe(Layer.provide(HttpHandlers.pipe(Layer.provide(RequestGuardLive)))),
  OpenApiRoute,
  HttpApiScalar.layer(Api, { path: "/docs" }),
  // the client address header for the RPC handlers, which see only headers (http/ClientAddress.ts)
  RpcRoutes.pipe(Layer.provide(ClientAddressMiddleware.layer)),
  ConsoleRoutes
).pipe(
  // Global middleware wraps in registration order, the first registered outermost; `provideMerge` builds (and so
  // registers) its argument first. Outermost to innermost: metrics see every answer; the edge sets the request
  // id and refuses a declared body over the limit before anything reads the body; rate limiting comes before any
  // database work. Authentication and idempotency belong to the operations (operations/Runner.ts).
  Layer.provideMerge(RateLimitMiddleware),
  Layer.provideMerge(EdgeMiddleware),
  Layer.provideMerge(HttpMetricsMiddleware)
)

/** The HTTP server on `host:port` (port 0 = any free port, for tests). */
export const HttpLive = (options: { readonly host: string; readonly port: number; readonly accessLog?: boolean }) =>
  // one log line per request costs real throughput at thousands of requests/s: opt in with TALLY_HTTP_ACCESS_LOG
  HttpRouter.serve(ApiRoutes, { disableLogger: options.accessLog !== true }).pipe(
    // the body limit (TALLY_BODY_BYTES_MAX) is in every request's context from the start (http/Edge.ts)
    Layer.provide(BodyLimitLive),
    Layer.provideMerge(
      Layer.unwrap(
        Effect.gen(function* () {
          const { bodyBytesMax, headerBytesMax } = yield* ServerConfig
          // request line + headers over headerBytesMax: Node answers 431 before any route runs
          const server = () => createServer({ requestTimeout: 30_000, maxHeaderSize: headerBytesMax })
          return NodeHttpServer.layer(server, {
            host: options.host,
            port: options.port,
            gracefulShutdownTimeout: "10 seconds",
            // an RPC message over WebSocket is limited like an HTTP body (the ws default is 100 MiB)
            websocket: { maxPayload: bodyBytesMax }
          })
        })
      )
    )
  )

/**
 * Everything the service needs apart from the database connection. Provide `Database.layer` (from
 * config) or `Database.layerUrl` (tests) underneath.
 */
export const AppLive = (options: {
  readonly host: string
  readonly port: number
  readonly accessLog?: boolean
  readonly config?: Partial<ServerConfigShape>
}) =>
  Layer.mergeAll(HttpLive(options), SchedulerLive, DeliveryLive).pipe(
    Layer.provideMerge(MetricsLive),
    // fx-refresh runs at start and needs the schema: jobs start after migrations and seeds
    Layer.provide(MigrateAtStart),
    Layer.provideMerge(Layer.mergeAll(Authenticator.layer, OperationsLive)),
    Layer.provideMerge(Layer.mergeAll(SchemaLive, StoresLive)),
    Layer.provideMerge(options.config === undefined ? ServerConfig.layer : ServerConfig.layerWith(options.config))
  )

export const ServiceLive = Layer.unwrap(
  Effect.gen(function* () {
    const config = yield* ServerConfig.config
    const accessLog = yield* Config.Boolean("TALLY_HTTP_ACCESS_LOG").pipe(Config.withDefault(false))
    return AppLive({ host: config.httpHost, port: config.httpPort, accessLog }).pipe(
      Layer.provide(Database.layer),
      Layer.provide(LoggingLive)
    )
  })
)
