// The users' settings from config: confirmation token lifetime and the wallet's currency.
import type { CurrencyCode } from "@tally/domain/Money"
import { UserSettings } from "@tally/domain/usecases/Users"
import { Config, Effect, Layer } from "effect"

export const UserSettingsLive = Layer.effect(
  UserSettings,
  Effect.map(
    Config.all({
      tokenTtlSeconds: Config.Int("TALLY_USER_TOKEN_TTL_SECONDS").pipe(Config.withDefault(24 * 3600)),
      walletCurrency: Config.String("TALLY_WALLET_CURRENCY").pipe(Config.withDefault("EUR"))
    }),
    (c) => ({ tokenTtlSeconds: c.tokenTtlSeconds, walletCurrency: c.walletCurrency as CurrencyCode })
  )
)
