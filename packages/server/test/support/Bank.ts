// A bank-style load over HTTP for fault tests: clients move money between a few hot accounts (and read balances)
// through one or more Tally servers, retrying each transfer with its own id, as a payments client does, until it
// gets an answer (2xx or a 4xx refusal). Afterwards `checkBank` proves nothing was lost or applied twice.
import { randomUUID } from "node:crypto"
import { PgClient } from "@effect/sql-pg"
import { assert } from "@effect/vitest"
import { LedgerVerifier } from "@tally/adapters/postgres/LedgerVerifier"
import { Effect } from "effect"
import { ADMIN_KEY } from "./TestServer.ts"

export interface BankOptions {
  readonly bases: ReadonlyArray<string>
  readonly clients: number
  readonly seed: number
  /** Clients stop starting transfers once `stop()` says so. */
  readonly stop: () => boolean
  /** Retries of one transfer before the client gives up on it (it then counts as unanswered). */
  readonly retriesMax?: number
}

export interface BankFigures {
  requests: number
  acknowledged: number
  refused: number
  retried: number
  reads: number
  unanswered: number
  /** id → HTTP status of the answer the client accepted (201 posted, 422 refused). */
  readonly answers: Map<string, number>
}

const headers = { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" }

/** mulberry32: a tiny seeded PRNG so a seed replays the same choices. */
const prng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

const post = async (url: string, body: unknown) => {
  const r = await fetch(url, {
    method: "POST",
    headers,
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(15_000)
  })
  return { status: r.status, body: (await r.json().catch(() => undefined)) as Record<string, unknown> | undefined }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** A world account and `accounts` accounts funded with `fundMinor` each; returns their ids. */
export const openBank = async (base: string, accounts: number, fundMinor: bigint) => {
  const open = async (allowNegative: boolean) => {
    const r = await post(`${base}/v1/accounts`, { currency: "EUR", ...(allowNegative ? { allowNegative } : {}) })
    if (r.status !== 201) throw new Error(`open account: ${r.status} ${JSON.stringify(r.body)}`)
    return r.body!.id as string
  }
  const world = await open(true)
  const ids: Array<string> = []
  for (let i = 0; i < accounts; i++) {
    const id = await open(false)
    const r = await post(`${base}/v1/transfers`, {
      debitAccountId: world,
      creditAccountId: id,
      amount: String(fundMinor)
    })
    if (r.status !== 201) throw new Error(`fund: ${r.status} ${JSON.stringify(r.body)}`)
    ids.push(id)
  }
  return { world, accounts: ids }
}

/** Runs the clients until `stop()`; every started transfer is retried (same id, same body) until answered. */
export const runBank = async (accounts: ReadonlyArray<string>, options: BankOptions): Promise<BankFigures> => {
  const figures: BankFigures = {
    requests: 0,
    acknowledged: 0,
    refused: 0,
    retried: 0,
    reads: 0,
    unanswered: 0,
    answers: new Map()
  }
  const retriesMax = options.retriesMax ?? 400
  const client = async (n: number) => {
    const random = prng(options.seed * 1000 + n)
    const pick = () => accounts[Math.floor(random() * accounts.length)]!
    let turn = n
    while (!options.stop()) {
      const base = () => options.bases[turn++ % options.bases.length]!
      if (random() < 0.2) {
        figures.reads++
        await fetch(`${base()}/v1/accounts/${pick()}`, { headers, signal: AbortSignal.timeout(15_000) }).then(
          (r) => r.arrayBuffer(),
          () => undefined
        )
        continue
      }
      const debit = pick()
      let credit = pick()
      while (credit === debit) credit = pick()
      const body = {
        id: randomUUID(),
        debitAccountId: debit,
        creditAccountId: credit,
        amount: String(1 + Math.floor(random() * 500))
      }
      let answered = false
      for (let attempt = 0; attempt <= retriesMax && !answered; attempt++) {
        if (attempt > 0) {
          figures.retried++
          await sleep(Math.min(500, 10 * 2 ** Math.min(attempt, 6)))
        }
        figures.requests++
        const reply = await post(`${base()}/v1/transfers`, body).catch(() => undefined)
        if (reply === undefined || reply.status >= 500 || reply.status === 409 || reply.status === 429) continue
        answered = true
        figures.answers.set(body.id, reply.status)
        if (reply.status === 201 || reply.status === 200) figures.acknowledged++
        else if (reply.status === 422) figures.refused++
        else throw new Error(`unexpected answer ${reply.status}: ${JSON.stringify(reply.body)}`)
      }
      if (!answered) figures.unanswered++
    }
  }
  await Promise.all(Array.from({ length: options.clients }, (_, n) => client(n)))
  return figures
}

/**
 * Money conserved among the accounts, none negative, every acknowledged transfer posted once with its two
 * entries, every refused one stored as failed, every transfer terminal, and the verifier clean.
 */
export const checkBank = (bank: { accounts: ReadonlyArray<string> }, fundMinor: bigint, figures: BankFigures) =>
  Effect.gen(function* () {
    const sql = yield* PgClient.PgClient
    const balances = yield* sql<{ id: string; posted: bigint; available: bigint }>`
      SELECT id, posted, posted - pending_debits AS available FROM accounts WHERE id IN ${sql.in(bank.accounts)}`
    const total = balances.reduce((sum, b) => sum + BigInt(b.posted), 0n)
    assert.strictEqual(total, fundMinor * BigInt(bank.accounts.length), "money conserved among the accounts")
    for (const b of balances) assert.isTrue(BigInt(b.available) >= 0n, `account ${b.id} negative: ${b.available}`)

    const ids = [...figures.answers.keys()]
    const rows = yield* sql<{ id: string; status: string; entries: number }>`
      SELECT t.id, t.status, (SELECT count(*)::int FROM entries e WHERE e.transfer_id = t.id) AS entries
      FROM transfers t WHERE t.id IN ${sql.in(ids.length > 0 ? ids : [randomUUID()])}`
    const byId = new Map(rows.map((r) => [r.id, r]))
    for (const [id, status] of figures.answers) {
      const row = byId.get(id)
      assert.isDefined(row, `answered transfer ${id} is stored`)
      if (status === 201 || status === 200) {
        assert.strictEqual(row!.status, "posted", id)
        assert.strictEqual(row!.entries, 2, `${id} applied once`)
      } else {
        assert.strictEqual(row!.status, "failed", id)
        assert.strictEqual(row!.entries, 0, id)
      }
    }
    const [open] = yield* sql<{ n: number }>`
      SELECT count(*)::int AS n FROM transfers WHERE status = 'initiated'`
    assert.strictEqual(open!.n, 0, "every transfer terminal")
    const report = yield* (yield* LedgerVerifier).verify
    assert.deepStrictEqual(report.problems, [], "tally ledger verify is clean")
  })
