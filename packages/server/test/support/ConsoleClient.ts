// A browser-less console visitor: keeps the cookies the server sets, submits forms with their CSRF token, reads
// the confirmation mail from the file sink.
import * as fs from "node:fs"
import * as path from "node:path"
import { Effect } from "effect"
import { BaseUrl } from "./TestServer.ts"

export interface Page {
  readonly status: number
  readonly location: string | null
  readonly body: string
  readonly headers: Headers
}

export const csrfOf = (body: string) => /name="csrf" value="([^"]*)"/.exec(body)?.[1]

export class ConsoleClient {
  readonly cookies = new Map<string, string>()
  readonly base: string
  constructor(base: string) {
    this.base = base
  }

  private remember(headers: Headers) {
    for (const line of headers.getSetCookie()) {
      const [pair] = line.split(";")
      const eq = pair!.indexOf("=")
      const name = pair!.slice(0, eq)
      const value = pair!.slice(eq + 1)
      if (/max-age=0|expires=Thu, 01 Jan 1970/i.test(line) || value === "") this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
  }

  private cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ")
  }

  request(method: "GET" | "POST", url: string, form?: Record<string, string>) {
    return Effect.promise(async (): Promise<Page> => {
      const headers: Record<string, string> = { cookie: this.cookieHeader() }
      if (form !== undefined) headers["content-type"] = "application/x-www-form-urlencoded"
      const response = await fetch(`${this.base}${url}`, {
        method,
        headers,
        redirect: "manual",
        ...(form === undefined ? {} : { body: new URLSearchParams(form).toString() })
      })
      this.remember(response.headers)
      return {
        status: response.status,
        location: response.headers.get("location"),
        body: await response.text(),
        headers: response.headers
      }
    })
  }

  get(url: string) {
    return this.request("GET", url)
  }

  /** Loads `formPage`, then posts `fields` to `action` with the page's CSRF token. */
  submit(formPage: string, action: string, fields: Record<string, string>) {
    const self = this
    return Effect.gen(function* () {
      const shown = yield* self.get(formPage)
      const csrf = csrfOf(shown.body)
      if (csrf === undefined) return yield* Effect.die(new Error(`no CSRF token on ${formPage}`))
      return yield* self.request("POST", action, { csrf, ...fields })
    })
  }
}

export const consoleClient = Effect.map(BaseUrl, (base) => new ConsoleClient(base))

/** The body of a mail as written by the file sink (quoted-printable undone). */
export const mailBody = (raw: string) =>
  raw
    .replace(/=\r?\n/g, "")
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))

/** Waits for the confirmation mail to `email` in `dir` and returns its console link. */
export const confirmLink = (dir: string, email: string) =>
  Effect.gen(function* () {
    for (let i = 0; i < 400; i++) {
      const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith(".eml")) : []
      for (const file of files) {
        const text = mailBody(fs.readFileSync(path.join(dir, file), "utf8"))
        if (!text.includes(`To: ${email}`)) continue
        const link = /(https?:\/\/\S+\/console\/confirm\?token=\S+)/.exec(text)?.[1]
        if (link !== undefined) return link
      }
      yield* Effect.sleep("50 millis")
    }
    return yield* Effect.die(new Error(`no confirmation mail for ${email} in ${dir}`))
  })
