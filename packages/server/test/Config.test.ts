import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect } from "effect"
import { ServerConfig } from "../src/Config.ts"

const read = (env: Record<string, string>) =>
  ServerConfig.config.pipe(Effect.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env }))))

describe("ServerConfig", () => {
  it.effect("listens on loopback unless TALLY_HTTP_HOST says otherwise (HTTP and metrics)", () =>
    Effect.gen(function* () {
      assert.strictEqual((yield* read({})).httpHost, "127.0.0.1")
      assert.strictEqual((yield* read({ TALLY_HTTP_HOST: "0.0.0.0" })).httpHost, "0.0.0.0")
    })
  )
})
