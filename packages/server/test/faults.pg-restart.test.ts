// B3 (and A1's second half): PostgreSQL stopped with `-m immediate` (SIGQUIT to the postmaster, what pg_ctl sends)
// while clients move money, then started again on the same data and port. The server is not restarted: /readyz
// shows the outage while the database is down and recovers with it, and afterwards nothing was lost or applied
// twice. Short form in CI (1 outage); TALLY_FAULT_LONG=1 runs 10 outages with 32 clients and prints the figures.
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import * as Database from "@tally/adapters/Database"
import * as EmbeddedPostgres from "@tally/adapters/EmbeddedPostgres"
import { LedgerVerifier } from "@tally/adapters/postgres/LedgerVerifier"
import { Context, Effect, Exit, Layer, Redacted, Scope } from "effect"
import { HttpServer } from "effect/http"
import { AppLive } from "../src/Server.ts"
import { checkBank, openBank, runBank } from "./support/Bank.ts"
import { ADMIN_KEY } from "./support/TestServer.ts"

const LONG = process.env.TALLY_FAULT_LONG === "1"
const OUTAGES = LONG ? 10 : 1
const CLIENTS = LONG ? 32 : 16
const FUND = 1_000_000n

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port
      server.close(() => resolve(port))
    })
  })

const sleep = (ms: number) => Effect.promise(() => new Promise((r) => setTimeout(r, ms)))

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

const readyz = (base: string) =>
  Effect.promise(() =>
    fetch(`${base}/readyz`, { signal: AbortSignal.timeout(5_000) }).then(
      (r) => r.status,
      () => 0
    )
  )

describe("PostgreSQL stopped -m immediate under load", () => {
  it.live(
    "the server reports the outage on /readyz, recovers without a restart, and loses nothing",
    () =>
      Effect.gen(function* () {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tally-pgstop-"))
        fs.chmodSync(dir, 0o755)
        const dataDir = path.join(dir, "data")
        const port = yield* Effect.promise(freePort)
        const startPg = Effect.gen(function* () {
          const scope = yield* Scope.make()
          const handle = yield* EmbeddedPostgres.start({ dataDir, port }).pipe(Scope.provide(scope))
          return { scope, handle }
        })
        let pg = yield* startPg
        yield* Effect.addFinalizer(() =>
          Scope.close(pg.scope, Exit.void).pipe(Effect.andThen(Effect.sync(() => fs.rmSync(dir, { recursive: true }))))
        )

        const app = AppLive({
          host: "127.0.0.1",
          port: 0,
          config: { adminApiKey: Redacted.make(ADMIN_KEY), httpHost: "127.0.0.1", metricsPort: 0 }
        }).pipe(
          Layer.provideMerge(Database.layerUrl(pg.handle.url, { poolMax: 12, connectTimeoutSeconds: 2 })),
          Layer.provideMerge(LedgerVerifier.layer.pipe(Layer.provide(Database.layerUrl(pg.handle.url, { poolMax: 2 }))))
        )
        const context = yield* Layer.build(app)
        const address = Context.get(context, HttpServer.HttpServer).address
        if (address._tag === "UnixPathAddress") return yield* Effect.die("expected a TCP address")
        const base = `http://127.0.0.1:${address.port}`
        assert.strictEqual(yield* readyz(base), 200)

        const bank = yield* Effect.promise(() => openBank(base, 10, FUND))
        let stop = false
        const load = runBank(bank.accounts, { bases: [base], clients: CLIENTS, seed: 7, stop: () => stop })

        const outages: Array<{ downMs: number; recoveryMs: number; sawNotReady: boolean }> = []
        for (let i = 0; i < OUTAGES; i++) {
          yield* sleep(1_500)
          const pid = Number(fs.readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0])
          process.kill(pid, "SIGQUIT") // immediate shutdown: no checkpoint, crash recovery at the next start
          while (isAlive(pid)) yield* sleep(20)
          const downAt = Date.now()
          yield* Scope.close(pg.scope, Exit.void)
          let sawNotReady = false
          for (let j = 0; j < 5 && !sawNotReady; j++) {
            sawNotReady = (yield* readyz(base)) === 503
            yield* sleep(200)
          }
          yield* sleep(800)
          pg = yield* startPg
          const upAt = Date.now()
          while ((yield* readyz(base)) !== 200) {
            assert.isBelow(Date.now() - upAt, 60_000, "the server came back after the database did")
            yield* sleep(100)
          }
          outages.push({ downMs: upAt - downAt, recoveryMs: Date.now() - upAt, sawNotReady })
        }
        yield* sleep(1_500) // load after the last recovery
        stop = true
        const figures = yield* Effect.promise(() => load)

        for (const o of outages) assert.isTrue(o.sawNotReady, "/readyz showed the outage")
        assert.strictEqual(figures.unanswered, 0, "every transfer was answered in the end")
        assert.isAbove(figures.acknowledged, 0)
        yield* checkBank(bank, FUND, figures).pipe(Effect.provideContext(context))
        console.log(
          `pg -m immediate: outages=${OUTAGES} clients=${CLIENTS} requests=${figures.requests} acknowledged=${figures.acknowledged} refused=${figures.refused} retried=${figures.retried} reads=${figures.reads} unanswered=${figures.unanswered} recovery_ms=${outages.map((o) => o.recoveryMs).join(",")} anomalies=0`
        )
      }).pipe(Effect.scoped),
    { timeout: LONG ? 900_000 : 180_000 }
  )
})
