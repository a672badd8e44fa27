// Ledger metrics, recorded where the use cases report their committed outcomes (the domain's LedgerTelemetry
// port): `tally_transfers_total{kind,status,reason}`, `tally_batch_size` and `tally_group_commit_size`.
import { LedgerTelemetry, type TransferKind } from "@tally/domain/ports/LedgerTelemetry"
import { codes, type ResultCode } from "@tally/domain/ResultCode"
import type { Transfer } from "@tally/domain/Transfer"
import { Effect, Layer, Metric } from "effect"
import { batchSize, groupCommitSize, transfers } from "./Definitions.ts"

const isResultCode = (code: unknown): code is ResultCode =>
  typeof code === "string" && codes.includes(code as ResultCode)

// one labelled counter per (kind, status, reason): bounded by the result codes, made once each
const counters = new Map<string, typeof transfers>()
const counter = (kind: TransferKind, status: string, reason: string) => {
  const key = `${kind} ${status} ${reason}`
  const known = counters.get(key)
  if (known !== undefined) return known
  const made = Metric.withAttributes(transfers, { kind, status, reason })
  counters.set(key, made)
  return made
}

const count = (kind: TransferKind, status: string, reason: string, n: number) =>
  Metric.update(counter(kind, status, reason), n)

const committed = (kind: TransferKind, decided: ReadonlyArray<Transfer>) =>
  Effect.suspend(() => {
    const tally = new Map<string, { status: string; reason: string; n: number }>()
    for (const t of decided) {
      const reason = kind.startsWith("hold_") ? "none" : (t.failureCode ?? "none")
      const key = `${t.status}\u0000${reason}`
      const entry = tally.get(key) ?? { status: t.status, reason, n: 0 }
      tally.set(key, { ...entry, n: entry.n + 1 })
    }
    const counted = Effect.forEach(tally.values(), (e) => count(kind, e.status, e.reason, e.n), { discard: true })
    return kind === "batch" ? Effect.andThen(counted, Metric.update(batchSize, decided.length)) : counted
  })

export const LedgerTelemetryLive = Layer.succeed(LedgerTelemetry, {
  committed,
  holdRefused: (kind, code) => count(kind, "failed", isResultCode(code) ? code : "other", 1),
  grouped: (size) => Metric.update(groupCommitSize, size)
})
