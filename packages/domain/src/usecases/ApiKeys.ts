// API keys: issued to an owner (an existing one, or a new service owner), listed and revoked per owner. The
// secret itself is made by the caller (the server); only its prefix and hash reach the store.
import { DateTime, Effect, Option, Schema } from "effect"
import type { OwnerId } from "../Account.ts"
import { type ApiKey, ApiKeyStore } from "../ports/ApiKeyStore.ts"
import { Ids } from "../ports/Ids.ts"
import { LedgerStore } from "../ports/LedgerStore.ts"

export class OwnerNotFound extends Schema.TaggedError<OwnerNotFound>()("OwnerNotFound", { ownerId: Schema.String }) {}

export class ApiKeyNotFound extends Schema.TaggedError<ApiKeyNotFound>()("ApiKeyNotFound", {
  apiKeyId: Schema.String
}) {}

/** An owner's key asked for a key of another owner: only the admin issues keys for others. */
export class OtherOwnersKey extends Schema.TaggedError<OtherOwnersKey>()("OtherOwnersKey", {
  ownerId: Schema.String
}) {}

/** The system owner holds the world and FX liquidity accounts: no key is ever issued for it. */
export class SystemOwnerReserved extends Schema.TaggedError<SystemOwnerReserved>()("SystemOwnerReserved", {
  ownerId: Schema.String
}) {}

export interface IssueCommand {
  /** An existing owner; without it (admin) a new service owner named `ownerName` is created. */
  readonly ownerId: OwnerId | null
  readonly ownerName: string | null
  readonly name: string | null
  /** The secret's first characters and its hash, made by the caller. */
  readonly prefix: string
  readonly keyHash: string
}

/** `viewer` null = the admin. An owner's key issues keys for its own owner only. */
export const issue = Effect.fn("ApiKeys.issue")(function* (command: IssueCommand, viewer: OwnerId | null) {
  const keys = yield* ApiKeyStore
  const ledger = yield* LedgerStore
  const ids = yield* Ids
  let ownerId: OwnerId
  if (viewer !== null) {
    if (command.ownerId !== null && command.ownerId !== viewer) {
      return yield* new OtherOwnersKey({ ownerId: command.ownerId })
    }
    ownerId = viewer
  } else if (command.ownerId !== null) {
    const owner = yield* ledger.getOwner(command.ownerId)
    if (Option.isSome(owner) && owner.value.kind === "system") {
      return yield* new SystemOwnerReserved({ ownerId: command.ownerId })
    }
    const owned = yield* keys.list(command.ownerId)
    const accounts = yield* ledger
      .listAccounts({ ownerId: command.ownerId, cursor: null, limit: 1 })
      .pipe(Effect.catchTag("InvalidCursor", Effect.die)) // no cursor given: cannot happen
    if (owned.length === 0 && accounts.items.length === 0) {
      return yield* new OwnerNotFound({ ownerId: command.ownerId })
    }
    ownerId = command.ownerId
  } else {
    ownerId = (yield* ids.next) as OwnerId
    yield* ledger.createOwner({ id: ownerId, kind: "service", name: command.ownerName ?? command.name ?? "api client" })
  }
  const createdAt = DateTime.toDateUtc(yield* DateTime.now)
  const key: ApiKey = {
    id: yield* ids.next,
    ownerId,
    name: command.name ?? "default",
    prefix: command.prefix,
    createdAt,
    revokedAt: null
  }
  return yield* keys.insert(key, command.keyHash)
})

export const list = Effect.fn("ApiKeys.list")(function* (viewer: OwnerId | null) {
  return yield* (yield* ApiKeyStore).list(viewer)
})

/** Revokes a key `viewer` owns (the admin: any key); another owner's key reads as not found. */
export const revoke = Effect.fn("ApiKeys.revoke")(function* (id: string, viewer: OwnerId | null) {
  const now = DateTime.toDateUtc(yield* DateTime.now)
  const revoked = yield* (yield* ApiKeyStore).revoke(id, viewer, now)
  if (Option.isNone(revoked)) return yield* new ApiKeyNotFound({ apiKeyId: id })
  return revoked.value
})
