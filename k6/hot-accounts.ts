// Contention: the same arrival rate over a handful of accounts, so nearly every transfer waits for
// the row locks of another. Shows lock queueing, retries (tally_db_transaction_retries_total) and
// the p99 cost of serializing on hot rows; compare with transfers.ts at the same RATE.
//
//   k6 run -e API_KEY=… -e RATE=200 -e DURATION=1m -e ACCOUNTS=5 k6/hot-accounts.ts
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

const NAME = "hot_accounts"
const ACCOUNTS = accountCount(5)

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
  return summary("hot-accounts", data, NAME)
}
