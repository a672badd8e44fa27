// The node-pg baseline server, run as its own process by NodePgProcess.ts: the transfer written by hand the way
// most Node teams would — node:http, node-postgres, one pooled client per request, BEGIN / SELECT … FOR UPDATE
// of both accounts in id order / two UPDATEs / one INSERT of the transfer and its entries / COMMIT. It writes
// the same rows as Tally (so the ledger verifier checks it too) and none of Tally's guarantees beyond that:
// no idempotency keys, no authentication, no retries, no metrics, no validation beyond what the SQL needs.
// It gets its settings over the IPC channel (nothing from the environment) and answers with its port.
import * as http from "node:http"
import pg from "pg"

export interface NodePgStart {
  readonly databaseUrl: string
  readonly poolMax: number
}

interface WireTransfer {
  readonly id: string
  readonly debitAccountId: string
  readonly creditAccountId: string
  readonly amount: string
}

class Refused extends Error {
  readonly code: string
  constructor(code: string) {
    super(code)
    this.code = code
  }
}

interface LockedAccount {
  readonly id: string
  readonly currency: string
  readonly posted: string
  readonly allow_negative: boolean
}

const LOCK =
  "SELECT id, currency, posted, allow_negative FROM accounts WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE"
const DEBIT =
  "UPDATE accounts SET posted = posted - $2, version = version + 1, updated_at = now() WHERE id = $1 RETURNING posted"
const CREDIT =
  "UPDATE accounts SET posted = posted + $2, version = version + 1, updated_at = now() WHERE id = $1 RETURNING posted"
const INSERT = `WITH t AS (
    INSERT INTO transfers (id, debit_account_id, credit_account_id, amount, currency, credit_amount, credit_currency,
      pending, status, posted_amount, batch_id, created_at, updated_at)
    VALUES ($1, $2, $3, $4, $5, $4, $5, false, 'posted', $4, $8, now(), now()) RETURNING id)
  INSERT INTO entries (transfer_id, account_id, currency, side, amount, posted_after, created_at)
  SELECT t.id, v.account_id, $5, v.side, $4, v.posted_after, now()
  FROM t, (VALUES ($2::uuid, 'debit', $6::bigint), ($3::uuid, 'credit', $7::bigint)) AS v(account_id, side, posted_after)`

/** Moves the money of one transfer whose accounts this transaction has locked. */
const apply = async (
  client: pg.PoolClient,
  accounts: Map<string, LockedAccount>,
  t: WireTransfer,
  batchId: string | null
) => {
  const debit = accounts.get(t.debitAccountId)
  const credit = accounts.get(t.creditAccountId)
  if (debit === undefined || credit === undefined) throw new Refused("account_not_found")
  if (debit.id === credit.id) throw new Refused("same_account")
  if (debit.currency !== credit.currency) throw new Refused("currency_mismatch")
  const amount = BigInt(t.amount)
  if (amount <= 0n) throw new Refused("invalid_amount")
  if (!debit.allow_negative && BigInt(debit.posted) < amount) throw new Refused("insufficient_funds")
  const debited = await client.query<{ posted: string }>(DEBIT, [debit.id, t.amount])
  const credited = await client.query<{ posted: string }>(CREDIT, [credit.id, t.amount])
  const debitAfter = debited.rows[0]!.posted
  const creditAfter = credited.rows[0]!.posted
  // later transfers of a batch see the balances this one left
  accounts.set(debit.id, { ...debit, posted: debitAfter })
  accounts.set(credit.id, { ...credit, posted: creditAfter })
  await client.query(INSERT, [t.id, debit.id, credit.id, t.amount, debit.currency, debitAfter, creditAfter, batchId])
}

const inTransaction = async (pool: pg.Pool, transfers: ReadonlyArray<WireTransfer>, batchId: string | null) => {
  const client = await pool.connect()
  // a connection whose ROLLBACK failed is dropped from the pool rather than reused
  let broken: Error | undefined
  try {
    await client.query("BEGIN")
    try {
      const ids = [...new Set(transfers.flatMap((t) => [t.debitAccountId, t.creditAccountId]))]
      const locked = await client.query<LockedAccount>(LOCK, [ids])
      const accounts = new Map(locked.rows.map((a) => [a.id, a]))
      for (const t of transfers) await apply(client, accounts, t, batchId)
      await client.query("COMMIT")
    } catch (error) {
      await client.query("ROLLBACK").catch((rollback: Error) => {
        broken = rollback
      })
      throw error
    }
  } finally {
    client.release(broken)
  }
}

const reply = (res: http.ServerResponse, status: number, body: unknown) => {
  const text = JSON.stringify(body)
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) })
  res.end(text)
}

const handle = async (pool: pg.Pool, req: http.IncomingMessage, res: http.ServerResponse, body: string) => {
  if (req.method !== "POST") return reply(res, 405, { code: "method_not_allowed" })
  try {
    if (req.url === "/transfers") {
      const t = JSON.parse(body) as WireTransfer
      await inTransaction(pool, [t], null)
      return reply(res, 201, { id: t.id, status: "posted" })
    }
    if (req.url === "/transfer-batches") {
      const { transfers, batchId } = JSON.parse(body) as { transfers: ReadonlyArray<WireTransfer>; batchId: string }
      await inTransaction(pool, transfers, batchId)
      return reply(res, 201, { batchId, transfers: transfers.length })
    }
    return reply(res, 404, { code: "not_found" })
  } catch (error) {
    if (error instanceof Refused) return reply(res, 422, { code: error.code })
    if ((error as { code?: string }).code === "23505") return reply(res, 409, { code: "transfer_exists" })
    return reply(res, 500, { code: "internal", message: String(error) })
  }
}

const start = (options: NodePgStart) => {
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: options.poolMax })
  const server = http.createServer({ keepAlive: true }, (req, res) => {
    let body = ""
    req.setEncoding("utf8")
    req.on("data", (chunk: string) => {
      body += chunk
    })
    req.on("end", () => void handle(pool, req, res, body))
  })
  server.listen(0, "127.0.0.1", () => {
    process.send?.({ port: (server.address() as { port: number }).port })
  })
  const stop = () => {
    server.close()
    server.closeAllConnections()
    void pool.end().finally(() => process.exit(0))
  }
  process.once("SIGINT", stop)
  process.once("disconnect", stop)
}

process.once("message", (message) => start(message as NodePgStart))
