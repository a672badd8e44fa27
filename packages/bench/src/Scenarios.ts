// The workloads, as data. A new scenario is one more entry here (the CLI, the pgbench baseline and the
// report pick it up by name).
import { type Distribution, uniform, zipf } from "./Distribution.ts"

export interface Scenario {
  readonly name: string
  readonly description: string
  /** Accounts seeded and drawn from (`--accounts` overrides). */
  readonly accounts: number
  readonly distribution: Distribution
  /** True: each request is one atomic batch of `--batch-size` transfers; false: one transfer per request. */
  readonly batched: boolean
}

export const scenarios: ReadonlyArray<Scenario> = [
  {
    name: "uniform",
    description: "one transfer per request between two distinct accounts drawn uniformly from 10,000",
    accounts: 10_000,
    distribution: uniform,
    batched: false
  },
  {
    name: "hot",
    description: "one transfer per request between two of 10 hot accounts: lock contention",
    accounts: 10,
    distribution: uniform,
    batched: false
  },
  {
    name: "zipf",
    description: "one transfer per request, accounts drawn Zipf(s=2) over 10,000: a few accounts take most traffic",
    accounts: 10_000,
    distribution: zipf(2),
    batched: false
  },
  {
    name: "batch",
    description: "atomic batches of --batch-size transfers over 10,000 uniformly drawn accounts",
    accounts: 10_000,
    distribution: uniform,
    batched: true
  }
]

export const scenarioNames = scenarios.map((s) => s.name)

export const scenarioNamed = (name: string): Scenario => {
  const found = scenarios.find((s) => s.name === name)
  if (found === undefined) throw new Error(`unknown scenario ${name}; known: ${scenarioNames.join(", ")}`)
  return found
}
