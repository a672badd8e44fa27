// Every PostgreSQL store, and the cheap secrets support the user use cases need in tests.
import { PasswordHasher } from "@tally/domain/ports/PasswordHasher"
import { Layer } from "effect"
import * as PgApiKeyStore from "../../src/postgres/PgApiKeyStore.ts"
import * as PgJobStore from "../../src/postgres/PgJobStore.ts"
import * as PgLedgerStore from "../../src/postgres/PgLedgerStore.ts"
import * as PgUserStore from "../../src/postgres/PgUserStore.ts"
import * as PgWebhookStore from "../../src/postgres/PgWebhookStore.ts"
import { SecretTokensLive, scryptHasher } from "../../src/Secrets.ts"
import * as Uuid from "../../src/Uuid.ts"

export const PgStores = Layer.mergeAll(
  PgLedgerStore.layer,
  PgJobStore.layer,
  PgUserStore.layer,
  PgWebhookStore.layer,
  PgApiKeyStore.layer
)

// a cheap scrypt cost: these tests check behaviour, not hashing strength
export const TestSecrets = Layer.mergeAll(
  Layer.succeed(PasswordHasher, scryptHasher({ n: 1024, r: 8, p: 1 })),
  SecretTokensLive,
  Uuid.layer
)
