// A server killed (SIGKILL) in the middle of batches and holds (issue 10 B4): after a restart on the same database,
// every batch is entirely present or entirely absent, and retrying each unanswered request with its
// Idempotency-Key completes it exactly once. Short form in CI; TALLY_FAULT_LONG=1 kills more often
// (docs/reference/fault-tests.md).
import { PgClient } from "@effect/sql-pg"
import { assert, describe, it } from "@effect/vitest"
import { freshDatabaseUrl } from "@tally/adapters/test/support/TestDatabase"
import { Config, Effect, Redacted, Scope } from "effect"
import { openAccount, prng, withKey } from "./support/Ledger.ts"
import { exited, ledgerVerify, request, startServer } from "./support/ServerProcess.ts"

const LONG = Config.Boolean("TALLY_FAULT_LONG").pipe(Config.withDefault(false))

const CLIENTS = 12
const ACCOUNTS = 8
const BATCH = 5
const DEPOSIT = 1_000_000n
const ENV = { TALLY_IDEMPOTENCY_LEASE_SECONDS: "2" }

/** One client request, remembered so that it can be retried with the same key after the crash. */
interface Sent {
  readonly method: string
  readonly path: string
  readonly body: unknown
  readonly key: string
  /** The hold this request creates, to be posted once it exists. */
  readonly hold: boolean
}

describe("server killed during batches and holds", () => {
  it.live(
    "SIGKILL mid-load: batches all or nothing after restart; retries with the same key complete each once",
    () =>
      Effect.gen(function* () {
        const long = yield* LONG
        const crashes = long ? 10 : 2
        const url = yield* freshDatabaseUrl
        const figures = { requests: 0, unanswered: 0, retried: 0, crashes: 0 }

        let scope = yield* Scope.make()
        let server = yield* startServer(url, ENV).pipe(Scope.provide(scope))
        const world = yield* Effect.promise(() => openAccount(server.base, "EUR", true))
        const accounts: Array<string> = []
        for (let i = 0; i < ACCOUNTS; i++) {
          const id = yield* Effect.promise(() => openAccount(server.base, "EUR"))
          const body = { debitAccountId: world, creditAccountId: id, amount: String(DEPOSIT) }
          assert.strictEqual(
            (yield* Effect.promise(() => withKey(server.base, "POST", "/v1/transfers", body, `d${i}`))).reply.status,
            201
          )
          accounts.push(id)
        }

        const unanswered: Array<Sent> = []
        const holds: Array<string> = []
        const batchKeys = new Set<string>()
        for (let crash = 0; crash < crashes; crash++) {
          const base = server.base
          let stop = false
          const client = async (c: number) => {
            const dice = prng(crash * 100 + c)
            for (let i = 0; !stop; i++) {
              const key = `k${crash}-${c}-${i}`
              const from = accounts[Math.floor(dice() * ACCOUNTS)]!
              const items = Array.from({ length: BATCH }, (_, j) => ({
                debitAccountId: accounts[(accounts.indexOf(from) + j) % ACCOUNTS]!,
                creditAccountId: accounts[(accounts.indexOf(from) + j + 1) % ACCOUNTS]!,
                amount: String(1 + Math.floor(dice() * 100))
              }))
              const sent: Sent =
                dice() < 0.6
                  ? { method: "POST", path: "/v1/transfer-batches", body: { transfers: items }, key, hold: false }
                  : { method: "POST", path: "/v1/transfers", body: { ...items[0]!, pending: true }, key, hold: true }
              if (!sent.hold) batchKeys.add(key)
              figures.requests++
              const reply = await request(base, sent.method, sent.path, {
                body: sent.body,
                headers: { "idempotency-key": key }
              })
              if (reply.status === 201) {
                if (sent.hold) holds.push(reply.body.id)
              } else {
                unanswered.push(sent)
              }
            }
          }
          const load = Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)))
          yield* Effect.sleep(`${long ? 1_500 : 800} millis`)
          server.child.kill("SIGKILL")
          yield* Effect.promise(() => exited(server.child))
          figures.crashes++
          stop = true
          yield* Effect.promise(() => load)
          yield* Scope.close(scope, undefined as never)

          // after the crash, before any retry: every batch is all there or not there at all
          yield* checkBatches(url)
          scope = yield* Scope.make()
          server = yield* startServer(url, ENV).pipe(Scope.provide(scope))
        }

        // the clients retry what got no answer, with the same key
        figures.unanswered = unanswered.length
        const base = server.base
        for (const sent of unanswered) {
          const r = yield* Effect.promise(() => withKey(base, sent.method, sent.path, sent.body, sent.key))
          figures.retried++
          assert.strictEqual(r.reply.status, 201, `${sent.path} ${sent.key}: ${JSON.stringify(r.reply.body)}`)
          if (sent.hold) holds.push(r.reply.body.id)
        }
        for (const id of holds) {
          const r = yield* Effect.promise(() => withKey(base, "POST", `/v1/transfers/${id}/post`, {}, `post-${id}`))
          assert.strictEqual(r.reply.status, 200, JSON.stringify(r.reply.body))
        }

        const direct = PgClient.layer({ url: Redacted.make(url), maxConnections: 2 })
        yield* Effect.gen(function* () {
          const sql = yield* PgClient.PgClient
          yield* checkBatches(url)
          const [counts] = yield* sql<{ batches: number; holds: number; open: number; total: string }>`
            SELECT (SELECT count(DISTINCT batch_id)::int FROM transfers WHERE batch_id IS NOT NULL) AS batches,
                   (SELECT count(*)::int FROM transfers WHERE pending) AS holds,
                   (SELECT count(*)::int FROM transfers WHERE status IN ('initiated', 'pending')) AS open,
                   (SELECT sum(posted)::text FROM accounts WHERE id = ANY(${accounts}::uuid[])) AS total`
          // one batch per key and one hold per hold request, however often they were retried
          assert.strictEqual(counts!.batches, batchKeys.size, "each batch key applied once")
          assert.strictEqual(counts!.holds, holds.length, "each hold key applied once")
          assert.strictEqual(new Set(holds).size, holds.length)
          assert.strictEqual(counts!.open, 0, "every transfer is terminal")
          assert.strictEqual(counts!.total, String(DEPOSIT * BigInt(ACCOUNTS)), "the total is conserved")
        }).pipe(Effect.provide(direct))
        const verify = yield* ledgerVerify(url)
        assert.strictEqual(verify.code, 0, verify.output)
        yield* Scope.close(scope, undefined as never)
        yield* Effect.logInfo(
          `kill test: ${figures.requests} requests, ${figures.crashes} SIGKILLs, ${figures.unanswered} unanswered ` +
            `then retried with their key (${figures.retried}), ${batchKeys.size} batches, ${holds.length} holds, anomalies 0`
        )
      }).pipe(Effect.scoped),
    { timeout: 900_000 }
  )
})

/** Every stored batch has all its items, and they are all posted or all failed. */
const checkBatches = (url: string) =>
  Effect.gen(function* () {
    const sql = yield* PgClient.PgClient
    const broken = yield* sql<{ batch_id: string; n: number; posted: number }>`
      SELECT batch_id, count(*)::int AS n, count(*) FILTER (WHERE status = 'posted')::int AS posted
      FROM transfers WHERE batch_id IS NOT NULL GROUP BY batch_id
      HAVING count(*) <> ${BATCH} OR count(*) FILTER (WHERE status = 'posted') NOT IN (0, ${BATCH})`
    assert.deepStrictEqual(broken, [], "a batch is entirely present or absent")
  }).pipe(Effect.provide(PgClient.layer({ url: Redacted.make(url), maxConnections: 1 })))
