// Uniform load: one-phase transfers between random pairs of many funded accounts. Contention is
// low, so this measures the per-transfer cost of the service and PostgreSQL.
//
//   k6 run -e API_KEY=… -e RATE=200 -e DURATION=1m -e ACCOUNTS=1000 k6/transfers.ts
import type { SetupData, SummaryData } from "./lib.ts"
import {
  accountCount,
  postTransfer,
  randomTransfer,
  scenarioOptions,
  setupAccounts,
  summary,
  verifyConservation
} from "./lib.ts"

const NAME = "transfers"
const ACCOUNTS = accountCount(1000)

export const options = scenarioOptions(NAME)

export function setup(): SetupData {
  return setupAccounts(ACCOUNTS)
}

export default function (data: SetupData): void {
  postTransfer(randomTransfer(data.accounts))
}

export function teardown(data: SetupData): void {
  verifyConservation(data)
}

export function handleSummary(data: SummaryData): Record<string, string> {
  return summary(NAME, data)
}
