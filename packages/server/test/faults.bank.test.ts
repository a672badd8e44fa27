// The bank test over HTTP under database faults (issue 10 B1): 32 clients move money between 10 hot accounts of a
// server process — transfers, atomic batches, holds posted or voided — while others read balances, and a killer
// terminates the server's database connections (pg_terminate_backend) every second or two. Clients retry with the
// same Idempotency-Key. Afterwards, for each seed: the total is conserved, no balance went negative, every
// acknowledged transfer is stored once, every transfer is terminal, and `tally ledger verify` is clean.
// Short form in CI; TALLY_FAULT_LONG=1 runs longer (docs/reference/fault-tests.md).
import { PgClient } from "@effect/sql-pg"
import { assert, describe, it } from "@effect/vitest"
import { freshDatabaseUrl } from "@tally/adapters/test/support/TestDatabase"
import { Config, Effect, Redacted } from "effect"
import { openAccount, prng, type Retried, withKey } from "./support/Ledger.ts"
import { ledgerVerify, request, startServer } from "./support/ServerProcess.ts"

const Settings = Config.all({
  long: Config.Boolean("TALLY_FAULT_LONG").pipe(Config.withDefault(false)),
  seeds: Config.String("TALLY_FAULT_SEEDS").pipe(Config.withDefault("1,2,3"))
})

const CLIENTS = 32
const READERS = 4
const ACCOUNTS = 10
const DEPOSIT = 1_000_000n

interface Figures {
  requests: number
  retries: number
  refused: number
  reads: number
  kills: number
  terminated: number
  anomalies: Array<string>
}

/** Codes a correct ledger gives this workload (a retried post/void may find its own first run done, issue 10 A3). */
const expectedCodes = new Set([
  "insufficient_funds",
  "pending_transfer_already_posted",
  "pending_transfer_already_voided"
])

const runSeed = (seed: number, seconds: number, killEveryMs: number) =>
  Effect.gen(function* () {
    const url = yield* freshDatabaseUrl
    // a claim whose request died with its connection is taken over after 2 s, not the default 60 s
    const server = yield* startServer(url, { TALLY_IDEMPOTENCY_LEASE_SECONDS: "2" })
    const base = server.base
    const figures: Figures = { requests: 0, retries: 0, refused: 0, reads: 0, kills: 0, terminated: 0, anomalies: [] }
    const acknowledged = new Set<string>()

    const world = yield* Effect.promise(() => openAccount(base, "EUR", true))
    const hot: Array<string> = []
    for (let i = 0; i < ACCOUNTS; i++) {
      const id = yield* Effect.promise(() => openAccount(base, "EUR"))
      const body = { debitAccountId: world, creditAccountId: id, amount: String(DEPOSIT) }
      const r = yield* Effect.promise(() => withKey(base, "POST", "/v1/transfers", body, `s${seed}-deposit-${i}`))
      assert.strictEqual(r.reply.status, 201)
      hot.push(id)
    }

    const deadline = Date.now() + seconds * 1000
    const answer = (what: string, r: Retried) => {
      figures.requests += 1 + r.retries
      figures.retries += r.retries
      if (r.reply.status === 200 || r.reply.status === 201) return true
      if (r.reply.status === 422 && expectedCodes.has(r.reply.body?.code)) {
        figures.refused++
        if (typeof r.reply.body?.transferId === "string") acknowledged.add(r.reply.body.transferId)
        return false
      }
      figures.anomalies.push(`${what}: ${r.reply.status} ${JSON.stringify(r.reply.body)}`)
      return false
    }
    const client = async (c: number) => {
      const dice = prng(seed * 1000 + c)
      for (let i = 0; Date.now() < deadline; i++) {
        const pick = () => hot[Math.floor(dice() * hot.length)]!
        const from = pick()
        let to = pick()
        if (to === from) to = hot[(hot.indexOf(from) + 1) % hot.length]!
        const amount = String(1 + Math.floor(dice() * 5_000))
        const key = `s${seed}-c${c}-${i}`
        const kind = dice()
        if (kind < 0.6) {
          const r = await withKey(
            base,
            "POST",
            "/v1/transfers",
            { debitAccountId: from, creditAccountId: to, amount },
            key
          )
          if (answer("transfer", r)) acknowledged.add(r.reply.body.id)
        } else if (kind < 0.8) {
          const third = pick()
          const items = [
            { debitAccountId: from, creditAccountId: to, amount },
            { debitAccountId: to, creditAccountId: third === to ? from : third, amount: "1" }
          ]
          const r = await withKey(base, "POST", "/v1/transfer-batches", { transfers: items }, key)
          if (r.reply.status === 422 && Array.isArray(r.reply.body?.errors)) {
            // a refused batch: its items are stored as failed; every error must be a business refusal
            figures.requests += 1 + r.retries
            figures.retries += r.retries
            figures.refused++
            for (const e of r.reply.body.errors as Array<{ code: string }>) {
              if (e.code !== "insufficient_funds") figures.anomalies.push(`batch item refused: ${e.code}`)
            }
            continue
          }
          if (answer("batch", r))
            for (const t of r.reply.body.transfers as Array<{ id: string }>) acknowledged.add(t.id)
        } else {
          const body = { debitAccountId: from, creditAccountId: to, amount, pending: true }
          const hold = await withKey(base, "POST", "/v1/transfers", body, key)
          if (!answer("hold", hold)) continue
          const id = hold.reply.body.id as string
          acknowledged.add(id)
          const settle =
            dice() < 0.7
              ? await withKey(base, "POST", `/v1/transfers/${id}/post`, dice() < 0.5 ? {} : { amount: "1" }, `${key}-p`)
              : await withKey(base, "POST", `/v1/transfers/${id}/void`, undefined, `${key}-v`)
          answer("settle", settle)
        }
      }
    }
    const reader = async () => {
      while (Date.now() < deadline) {
        const id = hot[figures.reads % hot.length]!
        const r = await request(base, "GET", `/v1/accounts/${id}`, { timeoutMs: 15_000 })
        figures.reads++
        if (r.status === 200 && BigInt(r.body.balances.available) < 0n) {
          figures.anomalies.push(`negative available on ${id}: ${r.body.balances.available}`)
        }
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
    }

    const direct = PgClient.layer({ url: Redacted.make(url), maxConnections: 2, applicationName: "fault-killer" })
    yield* Effect.gen(function* () {
      const sql = yield* PgClient.PgClient
      const killer = Effect.gen(function* () {
        while (Date.now() < deadline) {
          yield* Effect.sleep(`${killEveryMs} millis`)
          const [row] = yield* sql<{ n: number }>`
            SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND application_name = 'tally' AND pid <> pg_backend_pid()`
          figures.kills++
          figures.terminated += row?.n ?? 0
        }
      })
      yield* Effect.all(
        [
          killer,
          Effect.promise(() =>
            Promise.all([
              ...Array.from({ length: CLIENTS }, (_, c) => client(c)),
              ...Array.from({ length: READERS }, () => reader())
            ])
          )
        ],
        { concurrency: "unbounded", discard: true }
      )

      // the server comes back from every kill (the last one may still be fresh: give it a few seconds)
      let ready = 0
      for (let i = 0; i < 100 && ready !== 200; i++) {
        ready = (yield* Effect.promise(() => request(base, "GET", "/readyz"))).status
        if (ready !== 200) yield* Effect.sleep("100 millis")
      }
      assert.strictEqual(ready, 200, "ready again after the kills")
      const ids = [...acknowledged]
      const [counts] = yield* sql<{ known: number; all: number; open: number }>`
        SELECT (SELECT count(*)::int FROM transfers WHERE id = ANY(${ids}::uuid[])) AS known,
               (SELECT count(*)::int FROM transfers WHERE status IN ('initiated', 'pending')) AS open,
               (SELECT count(*)::int FROM transfers) AS all`
      assert.strictEqual(counts!.known, ids.length, "every acknowledged transfer is stored")
      assert.strictEqual(counts!.open, 0, "every transfer is terminal")
      const [money] = yield* sql<{ total: string; negative: number }>`
        SELECT sum(posted)::text AS total, count(*) FILTER (WHERE posted - pending_debits < 0)::int AS negative
        FROM accounts WHERE id = ANY(${hot}::uuid[])`
      assert.strictEqual(money!.total, String(DEPOSIT * BigInt(ACCOUNTS)), "the total is conserved")
      assert.strictEqual(money!.negative, 0, "no balance below zero")
      const verify = yield* ledgerVerify(url)
      assert.strictEqual(verify.code, 0, verify.output)
      assert.deepStrictEqual(figures.anomalies, [])
      assert.isAbove(figures.terminated, 0, "backends were terminated")
      yield* Effect.logInfo(
        `bank seed ${seed}: ${figures.requests} requests (${figures.retries} client retries, ${figures.refused} refused), ` +
          `${figures.reads} balance reads, ${counts!.all} transfers stored, ${figures.kills} kills terminating ` +
          `${figures.terminated} backends, anomalies ${figures.anomalies.length}`
      )
    }).pipe(Effect.provide(direct))
  }).pipe(Effect.scoped)

describe("bank test over HTTP with backends terminated", () => {
  it.live(
    "32 clients on 10 hot accounts, connections killed: conserved, nothing lost or doubled, verify clean",
    () =>
      Effect.gen(function* () {
        const settings = yield* Settings
        const seeds = settings.seeds.split(",").map(Number)
        for (const seed of seeds) yield* runSeed(seed, settings.long ? 60 : 3, settings.long ? 2_000 : 700)
      }),
    { timeout: 1_800_000 }
  )
})
