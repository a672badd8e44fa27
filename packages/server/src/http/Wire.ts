import { type Account, available } from "@tally/domain/Account"
import { DateTime } from "effect"

export const iso = (dt: DateTime.Utc) => DateTime.formatIso(dt)

export const accountJson = (a: Account) => ({
  id: a.id,
  currency: a.currency,
  ownerId: a.ownerId,
  allowNegative: a.allowNegative,
  balances: {
    posted: a.postedMinor.toString(),
    pendingDebits: a.pendingDebitsMinor.toString(),
    pendingCredits: a.pendingCreditsMinor.toString(),
    available: available(a).toString()
  },
  version: a.version,
  metadata: a.metadata,
  createdAt: iso(a.createdAt),
  updatedAt: iso(a.updatedAt)
})
