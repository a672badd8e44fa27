// A user's pages: accounts and recent transfers, events, reserving and settling seats, ratings.
import type { AccountId, OwnerId } from "@tally/domain/Account"
import { Ids } from "@tally/domain/ports/Ids"
import { TicketingStore } from "@tally/domain/ports/TicketingStore"
import type { Transfer } from "@tally/domain/Transfer"
import type { EventId } from "@tally/domain/ticketing/Event"
import type { ReservationId } from "@tally/domain/ticketing/Reservation"
import * as Accounts from "@tally/domain/usecases/Accounts"
import * as Events from "@tally/domain/usecases/Events"
import * as Ratings from "@tally/domain/usecases/Ratings"
import * as Reservations from "@tally/domain/usecases/Reservations"
import * as Transfers from "@tally/domain/usecases/Transfers"
import { Effect, Option } from "effect"
import { ConsoleConfig } from "./ConsoleConfig.ts"
import * as Pages from "./Pages.ts"
import { form, query, seeOther, type Visitor } from "./Request.ts"
import { human, NotFound, type PageOptions, param, refusedToNotFound, respond, route, UUID, userOf } from "./Route.ts"

const recentTransfers = (userId: OwnerId, count: number) =>
  Effect.gen(function* () {
    const kept: Array<Transfer> = []
    let cursor: string | null = null
    for (let pageNo = 0; pageNo < 50; pageNo++) {
      const found: { items: ReadonlyArray<Transfer>; nextCursor: string | null } = yield* Transfers.list(
        { accountId: null, status: null, cursor, limit: 200 },
        userId
      )
      kept.push(...found.items)
      if (kept.length > count) kept.splice(0, kept.length - count)
      if (found.nextCursor === null) break
      cursor = found.nextCursor
    }
    return kept.reverse()
  })

export const home = route("GET", "/console", "user", (who) =>
  Effect.gen(function* () {
    const { pageSize } = yield* ConsoleConfig
    const userId = userOf(who)
    const accounts = yield* Accounts.list({ cursor: null, limit: pageSize }, userId)
    const transfers = yield* recentTransfers(userId, pageSize)
    return yield* respond(who, "Your accounts", Pages.accountsPage(accounts.items, transfers))
  })
)

export const events = route("GET", "/console/events", "anyone", (who) =>
  Effect.gen(function* () {
    const { pageSize } = yield* ConsoleConfig
    const cursor = yield* query("cursor")
    const found = yield* Events.list({
      upcoming: true,
      organizerAccountId: null,
      cursor: cursor === "" ? null : cursor,
      limit: pageSize
    }).pipe(Effect.catchTag("InvalidCursor", () => Effect.fail(new NotFound())))
    return yield* respond(who, "Upcoming events", Pages.eventsPage(found.items, found.nextCursor))
  })
)

const payersOf = (who: Visitor) =>
  Effect.gen(function* () {
    const principal = Option.getOrUndefined(who.session)?.principal
    if (principal?.kind !== "user") return null
    return (yield* Accounts.list({ cursor: null, limit: 100 }, principal.userId)).items
  })

export const eventPage = route("GET", "/console/events/:id", "anyone", (who) =>
  Effect.gen(function* () {
    const event = yield* refusedToNotFound(Events.get((yield* param("id")) as EventId))
    const reservationId = yield* (yield* Ids).next
    return yield* respond(who, event.title, Pages.eventPage(event, yield* payersOf(who), who.csrf, reservationId))
  })
)

export const reserve = route("POST", "/console/events/:id/reservations", "user", (who) =>
  Effect.gen(function* () {
    const eventId = (yield* param("id")) as EventId
    const field = yield* form(who)
    const reservationId = field("reservationId")
    const quantity = Number(field("quantity"))
    const event = yield* refusedToNotFound(Events.get(eventId))
    const refused = (message: string) =>
      Effect.gen(function* () {
        return yield* respond(
          who,
          event.title,
          Pages.eventPage(event, yield* payersOf(who), who.csrf, yield* (yield* Ids).next),
          { status: 422, error: message }
        )
      })
    if (!UUID.test(reservationId)) return yield* refused("The form was incomplete: reload the page.")
    const payerAccountId = field("payerAccountId")
    if (!UUID.test(payerAccountId)) return yield* refused("Choose one of your accounts to pay from.")
    return yield* Reservations.reserve(
      {
        id: reservationId.toLowerCase() as ReservationId,
        eventId,
        payerAccountId: payerAccountId.toLowerCase() as AccountId,
        quantity: Number.isSafeInteger(quantity) ? quantity : 0
      },
      userOf(who)
    ).pipe(
      Effect.map((r) => seeOther(`/console/reservations/${r.id}?done=reserved`)),
      Effect.catchTag("TicketingRefused", (e) => refused(`Not reserved: ${human(e.code)}.`))
    )
  })
)

const reservationView = (who: Visitor, id: ReservationId, options: PageOptions = {}) =>
  Effect.gen(function* () {
    const userId = userOf(who)
    const { reservation, tickets } = yield* refusedToNotFound(Reservations.get(id, userId))
    const event = yield* Events.get(reservation.eventId)
    const payer = yield* Accounts.get(reservation.payerAccountId, userId).pipe(
      Effect.map(Option.some),
      Effect.catchTag("AccountNotFound", () => Effect.succeed(Option.none()))
    )
    return yield* respond(
      who,
      "Reservation",
      Pages.reservationPage(reservation, event, Option.getOrUndefined(payer), tickets, who.csrf),
      options
    )
  })

export const reservationPage = route("GET", "/console/reservations/:id", "user", (who) =>
  Effect.flatMap(param("id"), (id) => reservationView(who, id as ReservationId))
)

export const settle = (action: "confirm" | "cancel") =>
  route("POST", `/console/reservations/:id/${action}`, "user", (who) =>
    Effect.gen(function* () {
      const id = (yield* param("id")) as ReservationId
      yield* form(who)
      const done = action === "confirm" ? "paid" : "cancelled"
      const run =
        action === "confirm"
          ? Effect.asVoid(Reservations.confirm(id, userOf(who)))
          : Effect.asVoid(Reservations.cancel(id, userOf(who)))
      return yield* refusedToNotFound(run).pipe(
        Effect.as(seeOther(`/console/reservations/${id}?done=${done}`)),
        Effect.catchTag("TicketingRefused", (e) =>
          reservationView(who, id, { status: 422, error: `Not done: ${human(e.code)}.` })
        )
      )
    })
  )

const ratingsView = (who: Visitor, eventId: EventId, options: PageOptions = {}) =>
  Effect.gen(function* () {
    const event = yield* refusedToNotFound(Events.get(eventId))
    const summary = yield* Ratings.get(eventId)
    const principal = Option.getOrUndefined(who.session)?.principal
    const canRate =
      principal?.kind === "user" && (yield* (yield* TicketingStore).isTicketHolder(eventId, principal.userId))
    return yield* respond(who, `Ratings: ${event.title}`, Pages.ratingsPage(event, summary, canRate, who.csrf), options)
  })

export const ratingsPage = route("GET", "/console/events/:id/ratings", "anyone", (who) =>
  Effect.flatMap(param("id"), (id) => ratingsView(who, id as EventId))
)

export const rate = route("POST", "/console/events/:id/ratings", "user", (who) =>
  Effect.gen(function* () {
    const eventId = (yield* param("id")) as EventId
    const field = yield* form(who)
    return yield* refusedToNotFound(Ratings.rate({ eventId, userId: userOf(who), value: Number(field("value")) })).pipe(
      Effect.as(seeOther(`/console/events/${eventId}/ratings?done=rated`)),
      Effect.catchTag("TicketingRefused", (e) =>
        ratingsView(who, eventId, {
          status: e.code === "not_a_ticket_holder" ? 403 : 422,
          error: `Not rated: ${human(e.code)}.`
        })
      )
    )
  })
)
