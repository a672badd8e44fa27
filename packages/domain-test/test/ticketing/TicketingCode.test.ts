import { readFileSync } from "node:fs"
import { assert, describe, it } from "@effect/vitest"
import { codes as ledgerCodes } from "../../../domain/src/ResultCode.ts"
import { codes, ticketingCodes } from "../../../domain/src/ticketing/TicketingCode.ts"

const doc = readFileSync(new URL("../../../../docs/reference/result-codes.md", import.meta.url), "utf8")

describe("TicketingCode", () => {
  it("docs/reference/result-codes.md lists the same ticketing codes, in the same order, with the same meaning", () => {
    const rows = doc
      .split("\n")
      .map((line) => /^\|\s*T(\d+)\s*\|\s*`([a-z_]+)`\s*\|\s*(.+?)\s*\|$/.exec(line))
      .filter((m) => m !== null)
      .map(([, n, code, description]) => [Number(n), code, description])
    assert.deepStrictEqual(
      rows,
      ticketingCodes.map(([code, description], i) => [i + 1, code, description])
    )
  })

  it("codes are unique snake_case and distinct from the ledger's", () => {
    assert.strictEqual(new Set(codes).size, codes.length)
    for (const code of codes) {
      assert.match(code, /^[a-z]+(_[a-z0-9]+)*$/)
      assert.notInclude(ledgerCodes as ReadonlyArray<string>, code)
    }
  })
})
