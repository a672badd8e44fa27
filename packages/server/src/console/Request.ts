// What every console handler needs from the request: the session (from its cookie), the form token, the form
// body with its CSRF check, and the cookies a response sets.
import { Data, Effect, Option } from "effect"
import { HttpServerRequest, HttpServerResponse, UrlParams } from "effect/http"
import { ConsoleConfig } from "./ConsoleConfig.ts"
import { csrfFor, newToken, type Session, Sessions, sameToken } from "./Sessions.ts"

export const SESSION_COOKIE = "tally_session"
/** Double-submit token of the signed-out forms (signup, confirm, login): there is no session to tie them to. */
export const ANON_CSRF_COOKIE = "tally_csrf"

export class CsrfRefused extends Data.TaggedError("CsrfRefused") {}

/** The body is not a readable form (wrong content type, malformed, too large): 400. */
export class BadForm extends Data.TaggedError("BadForm") {}

export interface Visitor {
  readonly session: Option.Option<Session>
  /** The token this visitor's forms carry. */
  readonly csrf: string
  /** Set when the signed-out token is new: the response must set its cookie. */
  readonly newAnonCsrf: boolean
  readonly secure: boolean
}

/** The session of the request's cookie, if it is live. */
export const visitor = Effect.gen(function* () {
  const request = yield* HttpServerRequest.HttpServerRequest
  const config = yield* ConsoleConfig
  const cookie = request.cookies[SESSION_COOKIE]
  const session = cookie === undefined || cookie === "" ? Option.none() : yield* (yield* Sessions).find(cookie)
  const anon = request.cookies[ANON_CSRF_COOKIE]
  const secure = config.secureCookies || request.headers["x-forwarded-proto"] === "https"
  if (Option.isSome(session)) {
    return { session, csrf: csrfFor(session.value.token), newAnonCsrf: false, secure } satisfies Visitor
  }
  const fresh = anon === undefined || anon.length < 32
  return { session, csrf: fresh ? newToken() : anon, newAnonCsrf: fresh, secure } satisfies Visitor
})

/**
 * The submitted form, refused (CsrfRefused → 403) unless its `csrf` field matches the visitor's token: the
 * session's for a signed-in visitor, else the signed-out cookie (which a cross-site page can neither read nor set).
 */
export const form = (who: Visitor) =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    // the console's forms post application/x-www-form-urlencoded (the HTML default); anything else is not ours
    const type = request.headers["content-type"] ?? ""
    if (!type.toLowerCase().startsWith("application/x-www-form-urlencoded")) return yield* new BadForm()
    const params = yield* request.urlParamsBody.pipe(Effect.mapError(() => new BadForm()))
    const submitted = Option.getOrElse(UrlParams.getFirst(params, "csrf"), () => "")
    const expected = Option.isSome(who.session) ? who.csrf : who.newAnonCsrf ? undefined : who.csrf
    if (expected === undefined || !sameToken(submitted, expected)) return yield* Effect.fail(new CsrfRefused())
    return (name: string) => Option.getOrElse(UrlParams.getFirst(params, name), () => "")
  })

export const query = (name: string) =>
  Effect.map(HttpServerRequest.HttpServerRequest, (request) =>
    Option.getOrElse(Option.fromNullishOr(new URL(request.url, "http://console").searchParams.get(name)), () => "")
  )

const cookieOptions = (who: Visitor) => ({
  path: "/console",
  httpOnly: true,
  sameSite: "lax" as const,
  secure: who.secure
})

/** Adds the cookies the visitor needs (a new signed-out CSRF token). */
export const withCookies = (who: Visitor, response: HttpServerResponse.HttpServerResponse) =>
  who.newAnonCsrf
    ? HttpServerResponse.setCookie(response, ANON_CSRF_COOKIE, who.csrf, cookieOptions(who)).pipe(Effect.orDie)
    : Effect.succeed(response)

export const setSession = (who: Visitor, response: HttpServerResponse.HttpServerResponse, session: Session) =>
  Effect.gen(function* () {
    const { sessionTtl } = yield* ConsoleConfig
    return yield* HttpServerResponse.setCookie(response, SESSION_COOKIE, session.token, {
      ...cookieOptions(who),
      maxAge: sessionTtl
    }).pipe(Effect.orDie)
  })

export const clearSession = (who: Visitor, response: HttpServerResponse.HttpServerResponse) =>
  HttpServerResponse.expireCookie(response, SESSION_COOKIE, cookieOptions(who)).pipe(Effect.orDie)

/** 303 See Other: the answer to a form post, so reloading the page does not post again. */
export const seeOther = (location: string) => HttpServerResponse.redirect(location, { status: 303 })

export const htmlResponse = (body: string, status = 200) =>
  HttpServerResponse.text(body, {
    status,
    contentType: "text/html; charset=utf-8",
    headers: {
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      "x-frame-options": "DENY",
      "referrer-policy": "same-origin",
      // no script runs anywhere in the console: a stray injection could not execute either
      "content-security-policy":
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    }
  })
