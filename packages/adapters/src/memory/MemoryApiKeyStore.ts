import { type ApiKey, ApiKeyStore } from "@tally/domain/ports/ApiKeyStore"
import { Effect, Layer, Option } from "effect"

export const layer = Layer.sync(ApiKeyStore, () => {
  const keys = new Map<string, { key: ApiKey; hash: string }>()
  return ApiKeyStore.of({
    insert: (key, hash) =>
      Effect.sync(() => {
        keys.set(key.id, { key, hash })
        return key
      }),
    findByHash: (hash) =>
      Effect.sync(() =>
        Option.fromNullishOr([...keys.values()].find((k) => k.hash === hash && k.key.revokedAt === null)?.key)
      ),
    list: (ownerId) =>
      Effect.sync(() => [...keys.values()].map((k) => k.key).filter((k) => ownerId === null || k.ownerId === ownerId)),
    revoke: (id, ownerId, at) =>
      Effect.sync(() => {
        const found = keys.get(id)
        if (found === undefined || (ownerId !== null && found.key.ownerId !== ownerId)) return Option.none()
        const key = { ...found.key, revokedAt: found.key.revokedAt ?? at }
        keys.set(id, { key, hash: found.hash })
        return Option.some(key)
      })
  })
})
