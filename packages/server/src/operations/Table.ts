// The operation table: every operation of the service, by resource group. HTTP (http/Api.ts), RPC
// (rpc/Group.ts) and the CLI (cli/Client.ts) are derived from it; test/surfaces.test.ts checks they agree.
import * as Accounts from "./Accounts.ts"
import * as ApiKeys from "./ApiKeys.ts"
import * as Events from "./Events.ts"
import * as Fx from "./Fx.ts"
import * as Jobs from "./Jobs.ts"
import { type AnyOperation, type On, onSurface } from "./Operation.ts"
import * as Ratings from "./Ratings.ts"
import * as Reservations from "./Reservations.ts"
import * as System from "./System.ts"
import * as Transfers from "./Transfers.ts"
import * as Users from "./Users.ts"
import * as Webhooks from "./Webhooks.ts"

export const operations = [
  ...System.operations,
  ...Accounts.operations,
  ...Transfers.operations,
  ...Fx.operations,
  ...ApiKeys.operations,
  ...Users.operations,
  ...Webhooks.operations,
  ...Jobs.operations,
  ...Events.operations,
  ...Reservations.operations,
  ...Ratings.operations
] as const

export type Operations = (typeof operations)[number]

/** Each group's OpenAPI tag: its title and description. */
export const groups: Readonly<Record<string, { readonly title: string; readonly description: string }>> = {
  ...System.groups,
  ...Accounts.groups,
  ...Transfers.groups,
  ...Fx.groups,
  ...ApiKeys.groups,
  ...Users.groups,
  ...Webhooks.groups,
  ...Jobs.groups,
  ...Events.groups,
  ...Reservations.groups,
  ...Ratings.groups
}

export const groupOf = (op: AnyOperation) => op.name.split(".")[0]!
export const verbOf = (op: AnyOperation) => op.name.split(".")[1]!

export const rpcOperations = operations.filter((op) => onSurface(op, "rpc")) as ReadonlyArray<On<Operations, "rpc">>

export const byName = new Map<string, Operations>(operations.map((op) => [op.name, op]))
