// The operation table is the one definition: HTTP (/openapi.json), RPC (the group) and the CLI (the command
// tree) must expose exactly the operations it declares for them, each with the error codes it declares.
import { assert, layer } from "@effect/vitest"
import { Context, Effect } from "effect"
import type { Command } from "effect/cli"
import { clientCommands } from "../src/cli/Client.ts"
import { CommandOperation } from "../src/cli/ClientCommand.ts"
import { errorCodesExtension } from "../src/http/Api.ts"
import { exitCodeOf, httpStatusOf, tagOf } from "../src/operations/Errors.ts"
import { errorClassesOf, errorCodesOf, onSurface } from "../src/operations/Operation.ts"
import { operations } from "../src/operations/Table.ts"
import { ErrorCodes, TallyRpcs } from "../src/rpc/Group.ts"
import { call, TestServer } from "./support/TestServer.ts"

const sorted = (values: Iterable<string>) => [...values].sort()

/** Every leaf command of the CLI's client tree with the operation it runs. */
const cliLeaves = (commands: ReadonlyArray<Command.Command.Any>, path: ReadonlyArray<string> = []) => {
  const leaves: Array<{ readonly path: string; readonly operation: string | undefined }> = []
  for (const command of commands) {
    const here = [...path, command.name]
    const children = command.subcommands.flatMap((g) => g.commands)
    if (children.length === 0) {
      leaves.push({ path: here.join(" "), operation: Context.get(command.annotations, CommandOperation) })
    } else leaves.push(...cliLeaves(children, here))
  }
  return leaves
}

layer(TestServer(), { timeout: 60_000 })("one operation table, three surfaces", (it) => {
  it("the table names each operation once, as <group>.<operation>", () => {
    const names = operations.map((op) => op.name)
    assert.deepStrictEqual(names.length, new Set(names).size)
    for (const name of names) assert.match(name, /^[a-z][A-Za-z]*\.[a-z][A-Za-z]*$/)
    assert.isAbove(names.length, 15)
  })

  it.effect("HTTP: /openapi.json has every operation, with its errors' statuses and codes, and nothing else", () =>
    Effect.gen(function* () {
      const doc = (yield* call("GET", "/openapi.json", { key: null })).body
      const served = new Map<string, { path: string; method: string; responses: Record<string, unknown> }>()
      for (const [path, methods] of Object.entries(doc.paths as Record<string, Record<string, never>>)) {
        for (const [method, spec] of Object.entries(methods)) {
          const { operationId, responses } = spec as { operationId: string; responses: Record<string, unknown> }
          served.set(operationId, { path, method, responses })
          assert.deepStrictEqual(
            (spec as Record<string, unknown>)[errorCodesExtension],
            errorCodesOf(operations.find((op) => op.name === operationId)!),
            `${operationId} error codes`
          )
        }
      }
      assert.deepStrictEqual(sorted(served.keys()), sorted(operations.map((op) => op.name)))
      for (const op of operations) {
        const endpoint = served.get(op.name)!
        assert.strictEqual(endpoint.path, op.http.path.replace(/:(\w+)/g, "{$1}"), op.name)
        assert.strictEqual(endpoint.method, op.http.method.toLowerCase(), op.name)
        for (const error of errorClassesOf(op)) {
          const status = String(httpStatusOf(error))
          assert.property(endpoint.responses, status, `${op.name} answers ${status}`)
        }
      }
    })
  )

  it("RPC: the group has every operation not kept off RPC, with its error tags and codes", () => {
    const expected = operations.filter((op) => onSurface(op, "rpc"))
    assert.deepStrictEqual(sorted(TallyRpcs.requests.keys()), sorted(expected.map((op) => op.name)))
    for (const op of expected) {
      const rpc = TallyRpcs.requests.get(op.name)!
      assert.deepStrictEqual(Context.get(rpc.annotations, ErrorCodes), errorCodesOf(op), `${op.name} error codes`)
      const members = (rpc.errorSchema.ast as unknown as { types?: ReadonlyArray<unknown> }).types ?? []
      assert.strictEqual(members.length, errorClassesOf(op).length, `${op.name} error classes`)
    }
    // what the table keeps off RPC is declared so
    for (const op of operations.filter((op) => !onSurface(op, "rpc"))) assert.strictEqual(op.surfaces?.rpc, false)
  })

  it("CLI: one command per operation not kept off the CLI, each runs it and maps each of its errors to an exit code", () => {
    const leaves = cliLeaves(clientCommands)
    const expected = operations.filter((op) => onSurface(op, "cli"))
    assert.deepStrictEqual(
      sorted(leaves.map((l) => l.operation ?? `(none: ${l.path})`)),
      sorted(expected.map((op) => op.name))
    )
    for (const op of expected) {
      const leaf = leaves.find((l) => l.operation === op.name)!
      const [group, verb] = op.name.split(".") as [string, string]
      assert.strictEqual(leaf.path, `${group.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} ${verb}`)
      // the CLI talks RPC: the codes are the procedure's; each error class has an exit code
      assert.deepStrictEqual(Context.get(TallyRpcs.requests.get(op.name)!.annotations, ErrorCodes), errorCodesOf(op))
      for (const error of errorClassesOf(op)) assert.include([1, 2], exitCodeOf(tagOf(error)))
    }
    for (const op of operations.filter((op) => !onSurface(op, "cli"))) assert.strictEqual(op.surfaces?.cli, false)
  })
})
