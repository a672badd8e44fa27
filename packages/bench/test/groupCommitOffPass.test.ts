// The selection of `npm test`'s group-commit-off pass (scripts/test-group-commit-off.ts): every test file that can
// create a transfer, in process or in a server child it starts, and none that cannot.
import * as fs from "node:fs"
import * as path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { groupCommitOffFiles, transferReach } from "../../../scripts/test-group-commit-off.ts"

const root = path.resolve(import.meta.dirname, "../../..")

describe("the group-commit-off pass's files", () => {
  it.effect("holds the files that can create transfers, by either route, and leaves out the others", () =>
    Effect.gen(function* () {
      const { selected, others } = yield* Effect.promise(groupCommitOffFiles)
      assert.isAbove(selected.length, 30)
      assert.isAbove(others.length, 10)
      for (const file of [
        "packages/server/test/groupCommit.switch.test.ts",
        "packages/adapters/test/Ledger.test.ts",
        "packages/domain-test/test/UseCases.test.ts",
        "packages/server/test/http.transfers.test.ts",
        "packages/server/test/faults.kill.test.ts",
        "packages/bench/test/bench.test.ts"
      ]) {
        assert.include(selected, file)
      }
      for (const file of ["packages/domain-test/test/Money.test.ts", "packages/adapters/test/Migrator.test.ts"]) {
        assert.include(others, file)
      }
      // through the contract module, the in-process server, a server child started by path
      assert.strictEqual(transferReach("packages/adapters/test/Ledger.test.ts"), "in process")
      assert.strictEqual(transferReach("packages/server/test/http.accounts.test.ts"), "in process")
      assert.strictEqual(transferReach("packages/server/test/process.test.ts"), "child process")
      assert.isUndefined(transferReach("packages/adapters/test/LedgerStore.test.ts"))
    })
  )

  it.effect("misses no file whose own text creates transfers or starts a server", () =>
    Effect.gen(function* () {
      const { selected, others } = yield* Effect.promise(groupCommitOffFiles)
      const evidence = /Transfers\.create\(|TestServer\(|startServer\(|\/v1\/transfers|src\/main\.ts/
      // checks the k6 scripts' requests against the OpenAPI document, sends none
      const staticOnly = new Set(["packages/bench/test/k6.scripts.test.ts"])
      const missed = others.filter(
        (file) => !staticOnly.has(file) && evidence.test(fs.readFileSync(path.join(root, file), "utf8"))
      )
      assert.deepStrictEqual(missed, [])
      assert.isTrue(selected.every((file) => fs.existsSync(path.join(root, file))))
    })
  )
})
