// The group commit switch of a test run (TALLY_GROUP_COMMIT_ENABLED; `npm test` runs a second pass with it false,
// scripts/test-group-commit-off.ts) reaches each way a test runs the transfer use case: in process with the
// domain's default settings, an in-process server, a `tally serve` child. Each is asked for concurrent single
// transfers and must group them exactly when the run says so: a pass that silently still grouped would be
// worthless.
import * as net from "node:net"
import { assert, describe, it, layer } from "@effect/vitest"
import * as MemoryLedgerStore from "@tally/adapters/memory/MemoryLedgerStore"
import { runGroupCommit } from "@tally/adapters/test/support/GroupCommitRun"
import { freshDatabaseUrl } from "@tally/adapters/test/support/TestDatabase"
import { LedgerTelemetry } from "@tally/domain/ports/LedgerTelemetry"
import * as Transfers from "@tally/domain/usecases/Transfers"
import { Effect } from "effect"
import { command, openAt } from "../../adapters/test/contract/LedgerContract.ts"
import { MetricsServer } from "../src/metrics/Exporter.ts"
import { PROCESS_ADMIN_KEY, startServer } from "./support/ServerProcess.ts"
import { ADMIN_KEY, BaseUrl, TestServer } from "./support/TestServer.ts"

const TRANSFERS = 12

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port
      server.close(() => resolve(port))
    })
  })

/** `tally_group_commit_size`'s count and sum in a /metrics exposition (zero when no group ever ran). */
const groupSizes = (exposition: string) => {
  const value = (series: string) =>
    Number(new RegExp(`^tally_group_commit_size_${series}(?:\\{[^}]*\\})? (\\S+)$`, "m").exec(exposition)?.[1] ?? 0)
  return { groups: value("count"), transfers: value("sum") }
}

/** On: every transfer rode in a group (how many share one depends on timing: not asserted); off: none did. */
const assertGrouped = (where: string, sizes: { groups: number; transfers: number }, transfers: number) => {
  if (runGroupCommit.enabled) {
    assert.strictEqual(sizes.transfers, transfers, `${where}: every single transfer in a group`)
    assert.isAtLeast(sizes.groups, 1, `${where}: groups ran`)
  } else {
    assert.deepStrictEqual(sizes, { groups: 0, transfers: 0 }, `${where}: group commit off, no group ran`)
  }
}

/** A funded account and `TRANSFERS` concurrent transfers out of it over HTTP, all posted; the transfers made. */
const httpTransfers = async (base: string, key: string) => {
  const post = async (path: string, body: unknown) => {
    const r = await fetch(`${base}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify(body)
    })
    const json = (await r.json()) as { id: string }
    assert.strictEqual(r.status, 201, `POST ${path}: ${JSON.stringify(json)}`)
    return json.id
  }
  const world = await post("/v1/accounts", { currency: "EUR", allowNegative: true })
  const payer = await post("/v1/accounts", { currency: "EUR" })
  const payee = await post("/v1/accounts", { currency: "EUR" })
  await post("/v1/transfers", { debitAccountId: world, creditAccountId: payer, amount: "100000" })
  await Promise.all(
    Array.from({ length: TRANSFERS }, () =>
      post("/v1/transfers", { debitAccountId: payer, creditAccountId: payee, amount: "1" })
    )
  )
  return TRANSFERS + 1
}

describe("the run's group commit switch", () => {
  layer(MemoryLedgerStore.layer)("in process", (it) => {
    it.effect("the use case on the domain's default settings follows it", () =>
      Effect.gen(function* () {
        assert.strictEqual((yield* Transfers.GroupCommit).enabled, runGroupCommit.enabled)
        const sizes = { groups: 0, transfers: 0 }
        const telemetry = {
          committed: () => Effect.void,
          holdRefused: () => Effect.void,
          grouped: (size: number) =>
            Effect.sync(() => {
              sizes.groups++
              sizes.transfers += size
            })
        }
        const world = yield* openAt("EUR", { allowNegative: true })
        const payer = yield* openAt("EUR")
        const cmds = Array.from({ length: TRANSFERS }, () => command(world, payer, 10n))
        const posted = yield* Effect.forEach(cmds, (c) => Transfers.create(c, null), { concurrency: "unbounded" }).pipe(
          Effect.provideService(LedgerTelemetry, telemetry)
        )
        assert.strictEqual(posted.length, TRANSFERS)
        assertGrouped("in process", sizes, TRANSFERS)
      })
    )
  })

  // the server this layer builds reads TALLY_GROUP_COMMIT_* through Config (Server.ts GroupCommitLive)
  layer(TestServer(), { excludeTestServices: true, timeout: 120_000 })("an in-process server", (it) => {
    it.effect("groups its transfers exactly when the run says so (tally_group_commit_size)", () =>
      Effect.gen(function* () {
        const base = yield* BaseUrl
        const metrics = `http://127.0.0.1:${(yield* MetricsServer).port}/metrics`
        const before = groupSizes(yield* Effect.promise(() => fetch(metrics).then((r) => r.text())))
        const transfers = yield* Effect.promise(() => httpTransfers(base, ADMIN_KEY))
        const after = groupSizes(yield* Effect.promise(() => fetch(metrics).then((r) => r.text())))
        assertGrouped(
          "in-process server",
          { groups: after.groups - before.groups, transfers: after.transfers - before.transfers },
          transfers
        )
      })
    )
  })

  it.live(
    "a `tally serve` child inherits it",
    () =>
      Effect.gen(function* () {
        const metricsPort = yield* Effect.promise(freePort)
        const server = yield* startServer(yield* freshDatabaseUrl, { TALLY_METRICS_PORT: String(metricsPort) })
        const transfers = yield* Effect.promise(() => httpTransfers(server.base, PROCESS_ADMIN_KEY))
        const exposition = yield* Effect.promise(() =>
          fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((r) => r.text())
        )
        assertGrouped("tally serve", groupSizes(exposition), transfers)
      }),
    120_000
  )
})
