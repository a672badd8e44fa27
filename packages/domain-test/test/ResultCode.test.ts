import { readFileSync } from "node:fs"
import { assert, describe, it } from "@effect/vitest"
import { codes, rank, resultCodes } from "../../domain/src/ResultCode.ts"

const doc = readFileSync(new URL("../../../docs/reference/result-codes.md", import.meta.url), "utf8")

describe("ResultCode", () => {
  it("docs/reference/result-codes.md lists the same codes, in the same order, with the same meaning", () => {
    const rows = doc
      .split("\n")
      .map((line) => /^\|\s*(\d+)\s*\|\s*`([a-z_]+)`\s*\|\s*(.+?)\s*\|$/.exec(line))
      .filter((m) => m !== null)
      .map(([, n, code, description]) => [Number(n), code, description])
    assert.deepStrictEqual(
      rows,
      resultCodes.map(([code, description], i) => [i + 1, code, description])
    )
  })

  it("codes are unique snake_case and ranked by position", () => {
    assert.strictEqual(new Set(codes).size, codes.length)
    codes.forEach((code, i) => {
      assert.match(code, /^[a-z]+(_[a-z0-9]+)*$/)
      assert.strictEqual(rank(code), i)
    })
  })
})
