import { Context, type DateTime, type Effect, type Option } from "effect"
import type { OwnerId } from "../Account.ts"
import type { ConfirmationToken, EmailTaken, User } from "../User.ts"
import type { InvalidCursor, Page } from "./LedgerStore.ts"
import type { StoreUnavailable } from "./StoreError.ts"

/** Users and their confirmation tokens. Every write joins the caller's LedgerStore.transact transaction. */
export class UserStore extends Context.Service<
  UserStore,
  {
    /** Inserts the owner, the user and its confirmation token; EmailTaken when the email is registered. */
    readonly insert: (
      user: User,
      passwordHash: string,
      token: ConfirmationToken
    ) => Effect.Effect<User, EmailTaken | StoreUnavailable>
    /** The token and its user, locked until the transaction ends. */
    readonly lockToken: (
      tokenHash: string
    ) => Effect.Effect<Option.Option<{ readonly token: ConfirmationToken; readonly user: User }>, StoreUnavailable>
    /** Marks the token used and the user confirmed with its wallet. */
    readonly confirm: (
      userId: OwnerId,
      tokenHash: string,
      walletAccountId: string,
      now: DateTime.Utc
    ) => Effect.Effect<User, StoreUnavailable>
    readonly findByEmail: (
      email: string
    ) => Effect.Effect<Option.Option<{ readonly user: User; readonly passwordHash: string }>, StoreUnavailable>
    readonly get: (id: OwnerId) => Effect.Effect<Option.Option<User>, StoreUnavailable>
    readonly list: (query: {
      readonly cursor: string | null
      readonly limit: number
    }) => Effect.Effect<Page<User>, StoreUnavailable | InvalidCursor>
  }
>()("tally/domain/UserStore") {}
