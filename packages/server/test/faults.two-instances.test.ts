// B5: two Tally servers on one database under the bank load (clients alternate between them): money conserved,
// every acknowledged transfer present once, the ledger verifies clean, and each scheduled tick ran on one
// instance only. Short form in CI; TALLY_FAULT_LONG=1 runs longer with 32 clients and prints the figures.
import { PgClient } from "@effect/sql-pg"
import { assert, describe, it } from "@effect/vitest"
import * as Database from "@tally/adapters/Database"
import { LedgerVerifier } from "@tally/adapters/postgres/LedgerVerifier"
import { freshDatabaseUrl } from "@tally/adapters/test/support/TestDatabase"
import { ConfigProvider, Context, Effect, Layer, Metric, Redacted } from "effect"
import { HttpServer } from "effect/http"
import { schedulerRuns } from "../src/jobs/Job.ts"
import { AppLive } from "../src/Server.ts"
import { checkBank, openBank, runBank } from "./support/Bank.ts"
import { ADMIN_KEY } from "./support/TestServer.ts"

const LONG = process.env.TALLY_FAULT_LONG === "1"
const CLIENTS = LONG ? 32 : 16
const LOAD_MS = LONG ? 120_000 : 6_000
const FUND = 1_000_000n
const JOBS = ["expire-holds", "reconcile"] as const

const env = ConfigProvider.fromEnvRecord({
  TALLY_CRON_EXPIRE_RESERVATIONS: "*/2 * * * * *",
  TALLY_CRON_RECONCILE: "*/3 * * * * *"
})

const instance = (url: Redacted.Redacted) =>
  Effect.gen(function* () {
    const context = yield* Layer.build(
      AppLive({
        host: "127.0.0.1",
        port: 0,
        config: { adminApiKey: Redacted.make(ADMIN_KEY), httpHost: "127.0.0.1", metricsPort: 0 }
      }).pipe(
        Layer.provideMerge(Database.layerUrl(url, { poolMax: 8 })),
        Layer.provide(ConfigProvider.layerAdd(env, { asPrimary: true }))
      )
    )
    const address = Context.get(context, HttpServer.HttpServer).address
    if (address._tag === "UnixPathAddress") return yield* Effect.die("expected a TCP address")
    return { context, base: `http://127.0.0.1:${address.port}` }
  })

const runs = (job: string, outcome: string) =>
  Effect.map(Metric.value(Metric.withAttributes(schedulerRuns, { job, outcome })), (s) => s.count)

describe("two instances on one database", () => {
  it.live(
    "bank load through both: nothing lost or applied twice; each scheduled tick ran once",
    () =>
      Effect.gen(function* () {
        const url = Redacted.make(yield* freshDatabaseUrl)
        const before = new Map<string, number>()
        for (const job of JOBS)
          for (const o of ["success", "failure", "skipped"]) before.set(`${job}:${o}`, yield* runs(job, o))
        const a = yield* instance(url)
        const b = yield* instance(url)

        const bank = yield* Effect.promise(() => openBank(a.base, 10, FUND))
        const startedAt = Date.now()
        const figures = yield* Effect.promise(() =>
          runBank(bank.accounts, {
            bases: [a.base, b.base],
            clients: CLIENTS,
            seed: 11,
            stop: () => Date.now() - startedAt > LOAD_MS
          })
        )
        assert.strictEqual(figures.unanswered, 0)
        assert.isAbove(figures.acknowledged, 0)

        const verifier = LedgerVerifier.layer.pipe(Layer.provide(Layer.succeedContext(a.context)))
        yield* checkBank(bank, FUND, figures).pipe(Effect.provide(verifier), Effect.provideContext(a.context))

        // every tick either ran on one instance (claimed in tally_job_runs) or was skipped by the other
        const sql = Context.get(a.context, PgClient.PgClient)
        const summary: Array<string> = []
        for (const job of JOBS) {
          const [row] = yield* sql<{ runs: number; ticks: number }>`
            SELECT count(*)::int AS runs, count(DISTINCT tick)::int AS ticks FROM tally_job_runs
            WHERE job = ${job} AND finished_at IS NOT NULL`
          const delta = (o: string) => Effect.map(runs(job, o), (n) => n - before.get(`${job}:${o}`)!)
          const ran = (yield* delta("success")) + (yield* delta("failure"))
          const skipped = yield* delta("skipped")
          assert.isAbove(row!.ticks, 0, `${job} ran`)
          assert.strictEqual(row!.runs, row!.ticks, `${job}: one run per tick`)
          assert.isAtMost(ran, row!.ticks + 2, `${job}: no run without its claimed tick (two may still be finishing)`)
          assert.isAtLeast(ran, row!.ticks)
          assert.isAbove(skipped, 0, `${job}: the other instance skipped ticks`)
          summary.push(`${job}: ticks=${row!.ticks} ran=${ran} skipped=${skipped}`)
        }
        console.log(
          `two instances: clients=${CLIENTS} load_ms=${LOAD_MS} requests=${figures.requests} acknowledged=${figures.acknowledged} refused=${figures.refused} retried=${figures.retried} reads=${figures.reads} unanswered=${figures.unanswered} ${summary.join(" ")} anomalies=0`
        )
      }).pipe(Effect.scoped),
    { timeout: LONG ? 900_000 : 180_000 }
  )
})
