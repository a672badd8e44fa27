// Mail through nodemailer: SMTP (`smtp://user:pass@host:port`, `smtps://…`) or a file sink (`file:.data/mail`,
// one .eml per message). TALLY_MAIL_URL selects; every send has a timeout (TALLY_MAIL_TIMEOUT_MS).
import * as fs from "node:fs"
import * as path from "node:path"
import { Mailer, MailFailed, type MailMessage } from "@tally/domain/ports/Mailer"
import { Config, Duration, Effect, Layer, Option, Redacted } from "effect"
import nodemailer from "nodemailer"

export interface MailSettings {
  /** smtp://, smtps:// or file:<dir>. */
  readonly url: Redacted.Redacted
  readonly from: string
  readonly timeoutMs: number
}

const envelope = (message: MailMessage, from: string) => ({
  from,
  to: message.to,
  subject: message.subject,
  text: message.text,
  headers: { "X-Tally-Event-Id": message.eventId },
  // the same event delivered twice yields the same Message-ID, so mail clients can tell duplicates
  messageId: `<${message.eventId}@tally>`
})

const failed = (error: unknown) => new MailFailed({ message: error instanceof Error ? error.message : String(error) })

export const smtpMailer = (settings: MailSettings) => {
  const url = new URL(Redacted.value(settings.url))
  const transport = nodemailer.createTransport({
    host: url.hostname,
    port: url.port === "" ? (url.protocol === "smtps:" ? 465 : 587) : Number(url.port),
    secure: url.protocol === "smtps:",
    ...(url.username === ""
      ? {}
      : { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } }),
    connectionTimeout: settings.timeoutMs,
    greetingTimeout: settings.timeoutMs,
    socketTimeout: settings.timeoutMs
  })
  return Mailer.of({
    send: (message) =>
      Effect.tryPromise({ try: () => transport.sendMail(envelope(message, settings.from)), catch: failed }).pipe(
        Effect.timeoutOrElse({
          duration: Duration.millis(settings.timeoutMs),
          orElse: () => Effect.fail(new MailFailed({ message: `timed out after ${settings.timeoutMs} ms` }))
        }),
        Effect.asVoid
      )
  })
}

/** Writes `<dir>/<time>-<event id>.eml`; a redelivery of the same event overwrites its file. */
export const fileMailer = (dir: string, settings: Omit<MailSettings, "url">) => {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "unix" })
  return Mailer.of({
    send: (message) =>
      Effect.tryPromise({
        try: async () => {
          const info = await transport.sendMail(envelope(message, settings.from))
          await fs.promises.mkdir(dir, { recursive: true })
          const file = path.join(dir, `${message.eventId}.eml`)
          await fs.promises.writeFile(`${file}.tmp`, info.message as Buffer)
          await fs.promises.rename(`${file}.tmp`, file)
        },
        catch: failed
      }).pipe(
        Effect.timeoutOrElse({
          duration: Duration.millis(settings.timeoutMs),
          orElse: () => Effect.fail(new MailFailed({ message: `timed out after ${settings.timeoutMs} ms` }))
        })
      )
  })
}

export const mailerFor = (settings: MailSettings) => {
  const url = Redacted.value(settings.url)
  if (url.startsWith("file:")) return fileMailer(path.resolve(url.slice("file:".length)), settings)
  if (url.startsWith("smtp://") || url.startsWith("smtps://")) return smtpMailer(settings)
  throw new Error(`TALLY_MAIL_URL must start with smtp://, smtps:// or file: (got ${url.split(":")[0]}:…)`)
}

export const MailConfig = Config.all({
  url: Config.Redacted("TALLY_MAIL_URL").pipe(Config.option),
  dataDir: Config.String("TALLY_DATA_DIR").pipe(Config.withDefault(".data")),
  from: Config.String("TALLY_MAIL_FROM").pipe(Config.withDefault("Tally <no-reply@tally.invalid>")),
  timeoutMs: Config.Int("TALLY_MAIL_TIMEOUT_MS").pipe(Config.withDefault(10_000))
})

/** The Mailer from config: TALLY_MAIL_URL, default a file sink under `<TALLY_DATA_DIR>/mail`. */
export const layer = Layer.effect(
  Mailer,
  Effect.gen(function* () {
    const config = yield* MailConfig
    const url = Option.getOrElse(config.url, () => Redacted.make(`file:${path.join(config.dataDir, "mail")}`))
    return yield* Effect.try({
      try: () => mailerFor({ url, from: config.from, timeoutMs: config.timeoutMs }),
      catch: (error) => new MailFailed({ message: error instanceof Error ? error.message : String(error) })
    })
  })
)
