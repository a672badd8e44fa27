import type { DateTime } from "effect"
import type { Account, AccountId } from "./Account.ts"
import type { BatchDecision, FxFor } from "./Batch.ts"
import { decideBatch } from "./Batch.ts"
import type { Limits, TransferCommand, TransferDecision } from "./CreateTransfer.ts"
import { decideTransfer } from "./CreateTransfer.ts"
import type { Entry } from "./Entry.ts"
import type { FxQuote } from "./Fx.ts"
import type { HoldDecision } from "./Hold.ts"
import { decideExpire, decidePost, decideVoid } from "./Hold.ts"
import { checkInvariants } from "./Invariants.ts"
import type { CurrencyCode } from "./Money.ts"
import type { Transfer, TransferId } from "./Transfer.ts"

/**
 * The reference model: an in-memory ledger that runs every command through the decide functions and keeps what
 * a store would keep. Immutable; each operation returns the next ledger. Used to state the laws in property
 * tests and as the oracle the real stores are compared with.
 */
export interface ReferenceLedger {
  readonly accounts: ReadonlyMap<AccountId, Account>
  readonly transfers: ReadonlyMap<TransferId, Transfer>
  /** In write order. */
  readonly entries: ReadonlyArray<Entry>
  /** Keyed "EUR/USD" (debit currency / credit currency). */
  readonly quotes: ReadonlyMap<string, FxQuote>
  /** The FX liquidity account of each currency. */
  readonly liquidity: ReadonlyMap<CurrencyCode, AccountId>
  readonly limits: Limits
}

export const make = (limits: Limits): ReferenceLedger => ({
  accounts: new Map(),
  transfers: new Map(),
  entries: [],
  quotes: new Map(),
  liquidity: new Map(),
  limits
})

export const addAccount = (ledger: ReferenceLedger, account: Account): ReferenceLedger => {
  if (ledger.accounts.has(account.id)) throw new Error(`account ${account.id} exists`)
  return { ...ledger, accounts: new Map(ledger.accounts).set(account.id, account) }
}

export const setLiquidity = (ledger: ReferenceLedger, currency: CurrencyCode, id: AccountId): ReferenceLedger => ({
  ...ledger,
  liquidity: new Map(ledger.liquidity).set(currency, id)
})

export const setQuote = (ledger: ReferenceLedger, quote: FxQuote): ReferenceLedger => ({
  ...ledger,
  quotes: new Map(ledger.quotes).set(`${quote.base}/${quote.quote}`, quote)
})

export const fxFor =
  (ledger: ReferenceLedger): FxFor =>
  (debitCurrency, creditCurrency) => {
    const quote = ledger.quotes.get(`${debitCurrency}/${creditCurrency}`)
    const debitLiquidity = ledger.accounts.get(ledger.liquidity.get(debitCurrency)!)
    const creditLiquidity = ledger.accounts.get(ledger.liquidity.get(creditCurrency)!)
    return quote && debitLiquidity && creditLiquidity ? { quote, debitLiquidity, creditLiquidity } : undefined
  }

const write = (
  ledger: ReferenceLedger,
  transfers: ReadonlyArray<Transfer>,
  accounts: ReadonlyArray<Account>,
  entries: ReadonlyArray<Entry>
): ReferenceLedger => {
  for (const account of accounts) {
    // what a store's optimistic concurrency check does: each write is exactly one version on
    const stored = ledger.accounts.get(account.id)
    if (stored === undefined || stored.version + 1 !== account.version) {
      throw new Error(`account ${account.id}: version ${account.version} does not follow ${stored?.version}`)
    }
  }
  // unchanged parts keep their identity, so a refusal visibly leaves balances and entries alone
  return {
    ...ledger,
    accounts:
      accounts.length === 0
        ? ledger.accounts
        : setAll(
            ledger.accounts,
            accounts.map((a) => [a.id, a])
          ),
    transfers:
      transfers.length === 0
        ? ledger.transfers
        : setAll(
            ledger.transfers,
            transfers.map((t) => [t.id, t])
          ),
    entries: entries.length === 0 ? ledger.entries : [...ledger.entries, ...entries]
  }
}

const setAll = <K, V>(map: ReadonlyMap<K, V>, pairs: ReadonlyArray<readonly [K, V]>): ReadonlyMap<K, V> => {
  const next = new Map(map)
  for (const [k, v] of pairs) next.set(k, v)
  return next
}

/** Creates a transfer; a retry with a known id returns the first result and changes nothing. */
export const transfer = (
  ledger: ReferenceLedger,
  cmd: TransferCommand,
  now: DateTime.Utc
): {
  readonly ledger: ReferenceLedger
  readonly decision: TransferDecision | { readonly _tag: "Existing"; readonly transfer: Transfer }
} => {
  const existing = ledger.transfers.get(cmd.id)
  if (existing !== undefined) return { ledger, decision: { _tag: "Existing", transfer: existing } }
  const debit = ledger.accounts.get(cmd.debitAccountId)
  const credit = ledger.accounts.get(cmd.creditAccountId)
  const fx =
    debit && credit && debit.currency !== credit.currency ? fxFor(ledger)(debit.currency, credit.currency) : undefined
  const decision = decideTransfer(cmd, { debit, credit, fx, now, limits: ledger.limits })
  return decision._tag === "Applied"
    ? { ledger: write(ledger, [decision.transfer], decision.accounts, decision.entries), decision }
    : { ledger: write(ledger, [decision.transfer], [], []), decision }
}

const accountsOf = (ledger: ReferenceLedger, t: Transfer | undefined): Array<Account> => {
  if (t === undefined) return []
  const ids = [t.debitAccountId, t.creditAccountId]
  if (t.fx !== null) ids.push(t.fx.debitLiquidityAccountId, t.fx.creditLiquidityAccountId)
  return ids.flatMap((id) => {
    const account = ledger.accounts.get(id)
    return account === undefined ? [] : [account]
  })
}

const settle = (
  ledger: ReferenceLedger,
  decide: (t: Transfer | undefined, accounts: Array<Account>) => HoldDecision,
  id: TransferId
): { readonly ledger: ReferenceLedger; readonly decision: HoldDecision } => {
  const t = ledger.transfers.get(id)
  const decision = decide(t, accountsOf(ledger, t))
  return decision._tag === "Applied"
    ? { ledger: write(ledger, [decision.transfer], decision.accounts, decision.entries), decision }
    : { ledger, decision }
}

export const post = (ledger: ReferenceLedger, id: TransferId, amountMinor: bigint | undefined, now: DateTime.Utc) =>
  settle(ledger, (t, accounts) => decidePost(t, accounts, amountMinor, now), id)

export const voidHold = (ledger: ReferenceLedger, id: TransferId, now: DateTime.Utc) =>
  settle(ledger, (t, accounts) => decideVoid(t, accounts, now), id)

export const expire = (ledger: ReferenceLedger, id: TransferId, now: DateTime.Utc) =>
  settle(ledger, (t, accounts) => decideExpire(t, accounts, now), id)

/** Expires every hold due at `now`, as the expiry sweeper would. */
export const expireDue = (ledger: ReferenceLedger, now: DateTime.Utc): ReferenceLedger => {
  let next = ledger
  for (const t of ledger.transfers.values()) {
    if (t.status === "pending") next = expire(next, t.id, now).ledger
  }
  return next
}

/** Applies a batch atomically; when refused, stores the failed records (first record wins on a repeated id). */
export const batch = (
  ledger: ReferenceLedger,
  cmds: ReadonlyArray<TransferCommand>,
  now: DateTime.Utc
): { readonly ledger: ReferenceLedger; readonly decision: BatchDecision } => {
  const decision = decideBatch(cmds, ledger.accounts, fxFor(ledger), now, ledger.limits)
  if (decision._tag === "Applied") {
    return { ledger: write(ledger, decision.transfers, decision.accounts, decision.entries), decision }
  }
  const fresh = new Map<TransferId, Transfer>()
  for (const t of decision.transfers) if (!fresh.has(t.id) && !ledger.transfers.has(t.id)) fresh.set(t.id, t)
  return { ledger: write(ledger, [...fresh.values()], [], []), decision }
}

export const audit = (ledger: ReferenceLedger): Array<string> =>
  checkInvariants(ledger.accounts.values(), ledger.entries, ledger.transfers.values())
