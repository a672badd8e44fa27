// Bulk transfers: each iteration posts one atomic batch of BATCH_SIZE transfers between random
// accounts (POST /v1/transfer-batches). RATE counts batches per second, so the transfer rate is
// RATE × BATCH_SIZE; latency thresholds apply to the whole batch.
//
//   k6 run -e API_KEY=… -e RATE=10 -e BATCH_SIZE=100 -e DURATION=1m -e ACCOUNTS=1000 k6/batches.ts
import type { SetupData, SummaryData } from "./lib.ts"
import {
  accountCount,
  batchSize,
  postBatch,
  randomTransfer,
  scenarioOptions,
  setupAccounts,
  summary,
  verifyConservation
} from "./lib.ts"

const NAME = "batches"
const ACCOUNTS = accountCount(1000)
const BATCH_SIZE = batchSize(100)

export const options = scenarioOptions(NAME)

export function setup(): SetupData {
  if (BATCH_SIZE < 1) throw new Error("BATCH_SIZE must be at least 1")
  return setupAccounts(ACCOUNTS)
}

export default function (data: SetupData): void {
  postBatch(Array.from({ length: BATCH_SIZE }, () => randomTransfer(data.accounts)))
}

export function teardown(data: SetupData): void {
  verifyConservation(data)
}

export function handleSummary(data: SummaryData): Record<string, string> {
  return summary(NAME, data)
}
