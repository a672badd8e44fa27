// Every knob of the server, read once through effect's Config (docs/reference/config.md).
import { Config, Context, Effect, Layer, Option, type Redacted } from "effect"

export interface ServerConfigShape {
  readonly httpHost: string
  readonly httpPort: number
  readonly metricsPort: number
  readonly adminApiKey: Redacted.Redacted | undefined
  readonly dataDir: string
  readonly pageSizeDefault: number
  readonly pageSizeMax: number
  readonly bodyBytesMax: number
  readonly headerBytesMax: number
  readonly metadataBytesMax: number
}

export class ServerConfig extends Context.Service<ServerConfig, ServerConfigShape>()("tally/server/ServerConfig") {
  static readonly config = Config.all({
    httpHost: Config.String("TALLY_HTTP_HOST").pipe(Config.withDefault("127.0.0.1")),
    httpPort: Config.Int("TALLY_HTTP_PORT").pipe(Config.withDefault(8080)),
    metricsPort: Config.Int("TALLY_METRICS_PORT").pipe(Config.withDefault(9464)),
    adminApiKey: Config.Redacted("TALLY_ADMIN_API_KEY").pipe(Config.option, Config.map(Option.getOrUndefined)),
    dataDir: Config.String("TALLY_DATA_DIR").pipe(Config.withDefault(".data")),
    pageSizeDefault: Config.Int("TALLY_PAGE_SIZE_DEFAULT").pipe(Config.withDefault(50)),
    pageSizeMax: Config.Int("TALLY_PAGE_SIZE_MAX").pipe(Config.withDefault(500)),
    bodyBytesMax: Config.Int("TALLY_BODY_BYTES_MAX").pipe(Config.withDefault(1_048_576)),
    headerBytesMax: Config.Int("TALLY_HEADER_BYTES_MAX").pipe(Config.withDefault(65_536)),
    metadataBytesMax: Config.Int("TALLY_METADATA_BYTES_MAX").pipe(Config.withDefault(4096))
  })

  static readonly layer = Layer.effect(ServerConfig, Effect.map(ServerConfig.config, ServerConfig.of))
  static readonly layerWith = (overrides: Partial<ServerConfigShape>) =>
    Layer.effect(
      ServerConfig,
      Effect.map(ServerConfig.config, (config) => ServerConfig.of({ ...config, ...overrides }))
    )
}
