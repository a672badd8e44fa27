import type { Account, AccountId } from "./Account.ts"
import { available } from "./Account.ts"
import type { Entry } from "./Entry.ts"
import { signedMinor } from "./Entry.ts"
import { balanceMaxMinor, balanceMinMinor, legsOf } from "./Posting.ts"
import type { Transfer } from "./Transfer.ts"

const addTo = <K>(map: Map<K, bigint>, key: K, amount: bigint): void => {
  map.set(key, (map.get(key) ?? 0n) + amount)
}

/**
 * The auditor: checks a whole ledger (all accounts, all entries in write order, all transfers) and returns one
 * line per violation, empty when clean. Shared by the domain properties, the store contract tests and the bench.
 * - Σ entries per currency = 0; entries are positive, in their account's currency, for a known posted transfer;
 * - each account's posted = Σ credits − Σ debits, and every postedAfterMinor matches the running sum;
 * - pendingDebits / pendingCredits = Σ of the outstanding (pending) holds on the account;
 * - available ≥ 0 unless allowNegative, and every balance fits int8;
 * - transfer records are coherent: failure code iff failed, entries iff posted, one debit + one credit per leg,
 *   and a posted transfer's creditAmountMinor is the payee's credit entry (after a partial post too).
 */
export const checkInvariants = (
  accounts: Iterable<Account>,
  entries: Iterable<Entry>,
  transfers: Iterable<Transfer>
): Array<string> => {
  const problems: Array<string> = []
  const byId = new Map<AccountId, Account>(Array.from(accounts, (a) => [a.id, a]))
  const transferById = new Map(Array.from(transfers, (t) => [t.id, t]))
  const perCurrency = new Map<string, bigint>()
  const running = new Map<AccountId, bigint>()
  const entriesPerTransfer = new Map<string, Array<Entry>>()

  for (const entry of entries) {
    const account = byId.get(entry.accountId)
    if (entry.amountMinor <= 0n) problems.push(`entry of ${entry.transferId} on ${entry.accountId} is not positive`)
    if (account === undefined) {
      problems.push(`entry of ${entry.transferId} names unknown account ${entry.accountId}`)
    } else if (account.currency !== entry.currency) {
      problems.push(`entry of ${entry.transferId} is in ${entry.currency} on a ${account.currency} account`)
    }
    addTo(perCurrency, entry.currency, signedMinor(entry))
    addTo(running, entry.accountId, signedMinor(entry))
    if (running.get(entry.accountId) !== entry.postedAfterMinor) {
      problems.push(
        `entry of ${entry.transferId} on ${entry.accountId}: postedAfterMinor ${entry.postedAfterMinor} ≠ running sum ${running.get(entry.accountId)}`
      )
    }
    const list = entriesPerTransfer.get(entry.transferId) ?? []
    list.push(entry)
    entriesPerTransfer.set(entry.transferId, list)
  }
  for (const [currency, sum] of perCurrency) {
    if (sum !== 0n) problems.push(`entries in ${currency} sum to ${sum}, not 0`)
  }

  const pendingDebits = new Map<AccountId, bigint>()
  const pendingCredits = new Map<AccountId, bigint>()
  for (const t of transferById.values()) {
    if ((t.status === "failed") !== (t.failureCode !== null))
      problems.push(`transfer ${t.id}: failure code and status disagree`)
    if (!t.pending && ["pending", "voided", "expired"].includes(t.status)) {
      problems.push(`transfer ${t.id}: one-phase transfer in status ${t.status}`)
    }
    if ((t.status === "posted") !== (t.postedAmountMinor !== null)) {
      problems.push(`transfer ${t.id}: postedAmountMinor and status ${t.status} disagree`)
    }
    const own = entriesPerTransfer.get(t.id) ?? []
    entriesPerTransfer.delete(t.id)
    const decided = t.status !== "failed" && t.status !== "initiated"
    if (decided && (t.currency === null || t.creditCurrency === null || t.creditAmountMinor === null)) {
      problems.push(`transfer ${t.id}: ${t.status} without currencies`)
      continue
    }
    if (t.status === "posted") {
      const legCount = t.fx === null ? 1 : 2
      const debits = own.filter((e) => e.side === "debit")
      if (own.length !== 2 * legCount || debits.length !== legCount) {
        problems.push(`transfer ${t.id}: posted with ${own.length} entries, expected ${2 * legCount}`)
      } else if (!debits.some((e) => e.accountId === t.debitAccountId && e.amountMinor === t.postedAmountMinor)) {
        // entries of different accounts may come in any order (stores list them per account)
        problems.push(`transfer ${t.id}: no debit entry of the posted amount on the debit account`)
      } else if (
        !own.some(
          (e) => e.side === "credit" && e.accountId === t.creditAccountId && e.amountMinor === t.creditAmountMinor
        )
      ) {
        problems.push(`transfer ${t.id}: creditAmountMinor ${t.creditAmountMinor} is not the payee's credit entry`)
      }
    } else if (own.length > 0) {
      problems.push(`transfer ${t.id}: ${t.status} but has ${own.length} entries`)
    }
    if (t.status === "pending" && t.currency !== null && t.creditCurrency !== null && t.creditAmountMinor !== null) {
      const route = {
        debitAccountId: t.debitAccountId,
        creditAccountId: t.creditAccountId,
        currency: t.currency,
        creditCurrency: t.creditCurrency,
        fx: t.fx
      }
      for (const leg of legsOf(route, t.amountMinor, t.creditAmountMinor)) {
        addTo(pendingDebits, leg.debitAccountId, leg.amountMinor)
        addTo(pendingCredits, leg.creditAccountId, leg.amountMinor)
      }
    }
  }
  for (const transferId of entriesPerTransfer.keys()) problems.push(`entries for unknown transfer ${transferId}`)

  for (const a of byId.values()) {
    const posted = running.get(a.id) ?? 0n
    if (a.postedMinor !== posted) problems.push(`account ${a.id}: posted ${a.postedMinor} ≠ Σ entries ${posted}`)
    const debits = pendingDebits.get(a.id) ?? 0n
    if (a.pendingDebitsMinor !== debits) {
      problems.push(`account ${a.id}: pendingDebits ${a.pendingDebitsMinor} ≠ Σ holds ${debits}`)
    }
    const credits = pendingCredits.get(a.id) ?? 0n
    if (a.pendingCreditsMinor !== credits) {
      problems.push(`account ${a.id}: pendingCredits ${a.pendingCreditsMinor} ≠ Σ holds ${credits}`)
    }
    if (!a.allowNegative && available(a) < 0n) problems.push(`account ${a.id}: available ${available(a)} < 0`)
    for (const v of [a.postedMinor, a.pendingDebitsMinor, a.pendingCreditsMinor]) {
      if (v < balanceMinMinor || v > balanceMaxMinor) problems.push(`account ${a.id}: balance ${v} outside int8`)
    }
  }
  return problems
}
