// The `tally` client commands as a user runs them: a child process talking RPC to a real server.
import { execFile } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { ADMIN_KEY, BaseUrl, TestServer } from "./support/TestServer.ts"

const cli = path.resolve(import.meta.dirname, "../src/main.ts")

interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** `tally <args>` against the test server, with TALLY_API_KEY set to the admin key unless `env` says otherwise. */
const tally = (args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  Effect.flatMap(BaseUrl, (url) =>
    Effect.promise(
      () =>
        new Promise<Run>((resolve) => {
          const { TALLY_API_KEY: _unset, ...rest } = process.env
          execFile(
            process.execPath,
            [cli, ...args, ...(args.includes("--url") ? [] : ["--url", url])],
            { env: { ...rest, TALLY_API_KEY: ADMIN_KEY, ...env }, timeout: 60_000 },
            (error, stdout, stderr) => resolve({ code: error === null ? 0 : Number(error.code ?? 1), stdout, stderr })
          )
        })
    )
  )

/** Runs with --json and expects success; returns the parsed output. */
// biome-ignore lint/suspicious/noExplicitAny: test convenience for JSON output
const json = (args: ReadonlyArray<string>): Effect.Effect<any, never, BaseUrl> =>
  Effect.map(tally([...args, "--json"]), (r) => {
    assert.strictEqual(r.code, 0, `${args.join(" ")}: ${r.stderr}${r.stdout}`)
    return JSON.parse(r.stdout)
  })

layer(TestServer(), { timeout: 180_000, excludeTestServices: true })("tally client commands", (it) => {
  it.effect("create accounts and a transfer, read them back, and see a refusal's exit code", () =>
    Effect.gen(function* () {
      const world = yield* json(["accounts", "create", "--currency", "EUR", "--allow-negative"])
      assert.strictEqual(world.allowNegative, true)
      const alice = yield* json(["accounts", "create", "--currency", "EUR", "--metadata", '{"name":"alice"}'])
      const bob = yield* json(["accounts", "create", "--currency", "EUR"])
      assert.deepStrictEqual(alice.metadata, { name: "alice" })

      const deposit = yield* json([
        "transfers",
        "create",
        "--debit",
        world.id,
        "--credit",
        alice.id,
        "--amount",
        "1050"
      ])
      assert.strictEqual(deposit.status, "posted")
      assert.strictEqual(deposit.amount, "1050")
      assert.strictEqual((yield* json(["transfers", "get", deposit.id])).status, "posted")
      assert.strictEqual((yield* json(["accounts", "get", alice.id])).balances.available, "1050")
      const listed = yield* json(["accounts", "list"])
      assert.includeMembers(
        listed.items.map((a: { id: string }) => a.id),
        [world.id, alice.id, bob.id]
      )

      const shown = yield* tally(["accounts", "get", alice.id])
      assert.strictEqual(shown.code, 0, shown.stderr)
      assert.match(shown.stdout, /available {2}10\.50 EUR/)

      const refused = yield* tally(["transfers", "create", "--debit", bob.id, "--credit", alice.id, "--amount", "5"])
      assert.strictEqual(refused.code, 2)
      assert.match(refused.stderr, /^insufficient_funds: /)
      const refusedJson = yield* tally([
        "transfers",
        "create",
        "--debit",
        bob.id,
        "--credit",
        alice.id,
        "--amount",
        "5",
        "--json"
      ])
      assert.strictEqual(refusedJson.code, 2)
      const error = JSON.parse(refusedJson.stdout).error
      assert.strictEqual(error._tag, "TransferRefused")
      assert.strictEqual(error.code, "insufficient_funds")
      assert.strictEqual((yield* json(["transfers", "get", error.transferId])).status, "failed")

      const entries = yield* json(["entries", "list", alice.id])
      assert.deepStrictEqual(
        entries.items.map((e: { side: string; amount: string }) => [e.side, e.amount]),
        [["credit", "1050"]]
      )
    })
  )

  it.effect("holds, batches and idempotency keys", () =>
    Effect.gen(function* () {
      const world = yield* json(["accounts", "create", "--currency", "EUR", "--allow-negative"])
      const alice = yield* json(["accounts", "create", "--currency", "EUR"])
      const hold = yield* json([
        "transfers",
        "create",
        "--debit",
        world.id,
        "--credit",
        alice.id,
        "--amount",
        "900",
        "--pending",
        "--timeout",
        "600",
        "--idempotency-key",
        "hold-1"
      ])
      assert.strictEqual(hold.status, "pending")
      assert.isNotNull(hold.expiresAt)
      const posted = yield* json(["transfers", "post", hold.id, "--amount", "400"])
      assert.strictEqual(posted.postedAmount, "400")
      const again = yield* tally(["transfers", "void", hold.id])
      assert.strictEqual(again.code, 2)
      assert.match(again.stderr, /^pending_transfer_already_posted: /)

      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "tally-cli-")), "batch.json")
      fs.writeFileSync(
        file,
        JSON.stringify({
          transfers: [
            { debitAccountId: alice.id, creditAccountId: world.id, amount: "100" },
            { debitAccountId: alice.id, creditAccountId: world.id, amount: "50" }
          ]
        })
      )
      const batch = yield* json(["transfers", "batch", "--file", file])
      assert.deepStrictEqual(
        batch.transfers.map((t: { status: string }) => t.status),
        ["posted", "posted"]
      )
      const pending = yield* json(["transfers", "list", "--account", alice.id, "--status", "posted"])
      assert.strictEqual(pending.items.length, 3)
      const rates = yield* json(["fx", "rates"])
      assert.isArray(rates.rates)
    })
  )

  it.effect("bad input is exit 2; a bad key or an unreachable server is exit 1", () =>
    Effect.gen(function* () {
      const account = yield* json(["accounts", "create", "--currency", "EUR"])
      const decimal = yield* tally([
        "transfers",
        "create",
        "--debit",
        account.id,
        "--credit",
        account.id,
        "--amount",
        "1.5"
      ])
      assert.strictEqual(decimal.code, 2)
      assert.match(decimal.stderr, /^invalid_input: /)
      const notFound = yield* tally(["accounts", "get", "01a2027d-9ef4-73e8-acf9-4e520c6718fb"])
      assert.strictEqual(notFound.code, 2)
      assert.match(notFound.stderr, /^account_not_found: /)

      const badKey = yield* tally(["accounts", "list"], { TALLY_API_KEY: "tally_wrong" })
      assert.strictEqual(badKey.code, 1)
      assert.match(badKey.stderr, /^unauthorized: /)
      const down = yield* tally(["accounts", "list", "--url", "http://127.0.0.1:9"])
      assert.strictEqual(down.code, 1)
      assert.match(down.stderr, /^transport_error: /)
    })
  )
})
