import { Context, type Effect, type Option } from "effect"
import type { OwnerId } from "../Account.ts"
import type { StoreUnavailable } from "./StoreError.ts"

export interface ApiKey {
  readonly id: string
  readonly ownerId: OwnerId
  readonly name: string
  /** The first characters of the key, to recognise it in lists; never enough to use it. */
  readonly prefix: string
  readonly createdAt: Date
  readonly revokedAt: Date | null
}

/** API keys, stored by the hash of the key only. */
export class ApiKeyStore extends Context.Service<
  ApiKeyStore,
  {
    readonly insert: (key: ApiKey, keyHash: string) => Effect.Effect<ApiKey, StoreUnavailable>
    /** The live (not revoked) key with this hash. */
    readonly findByHash: (keyHash: string) => Effect.Effect<Option.Option<ApiKey>, StoreUnavailable>
    readonly list: (ownerId: OwnerId | null) => Effect.Effect<ReadonlyArray<ApiKey>, StoreUnavailable>
    /** Revokes and returns the key when `ownerId` (null = any) owns it. */
    readonly revoke: (
      id: string,
      ownerId: OwnerId | null,
      at: Date
    ) => Effect.Effect<Option.Option<ApiKey>, StoreUnavailable>
  }
>()("tally/domain/ApiKeyStore") {}
