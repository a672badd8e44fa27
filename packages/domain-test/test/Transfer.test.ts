import { assert, describe, it } from "@effect/vitest"
import { assertTransition, canTransition, isTerminal, statuses, terminalStatuses } from "../../domain/src/Transfer.ts"

const legal: ReadonlyArray<readonly [string, string]> = [
  ["initiated", "pending"],
  ["initiated", "posted"],
  ["initiated", "failed"],
  ["pending", "posted"],
  ["pending", "voided"],
  ["pending", "expired"]
]

describe("Transfer state machine", () => {
  for (const from of statuses) {
    for (const to of statuses) {
      const allowed = legal.some(([f, t]) => f === from && t === to)
      it(`${from} -> ${to} is ${allowed ? "legal" : "illegal"}`, () => {
        assert.strictEqual(canTransition(from, to), allowed)
        if (allowed) assertTransition(from, to)
        else assert.throws(() => assertTransition(from, to), /illegal transfer transition/)
      })
    }
  }

  it("terminal states have no way out", () => {
    assert.deepStrictEqual([...terminalStatuses].sort(), ["expired", "failed", "posted", "voided"])
    for (const status of statuses) {
      assert.strictEqual(
        isTerminal(status),
        statuses.every((to) => !canTransition(status, to)),
        status
      )
    }
    assert.isFalse(isTerminal("pending"))
    assert.isFalse(isTerminal("initiated"))
  })
})
