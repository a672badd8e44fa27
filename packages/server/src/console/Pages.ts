// The console's page bodies: plain HTML forms (every input labelled), no script.
import { type Account, available } from "@tally/domain/Account"
import { formatMinor } from "@tally/domain/Money"
import type { Transfer } from "@tally/domain/Transfer"
import { type Event, free } from "@tally/domain/ticketing/Event"
import type { Summary } from "@tally/domain/ticketing/Rating"
import type { Reservation } from "@tally/domain/ticketing/Reservation"
import type { Ticket } from "@tally/domain/ticketing/Ticket"
import type { User } from "@tally/domain/User"
import { DateTime } from "effect"
import { type Html, html } from "./Html.ts"

const when = (t: DateTime.Utc) =>
  DateTime.formatIso(t)
    .replace("T", " ")
    .replace(/\.\d+Z$/, "Z")
const csrfField = (csrf: string) => html`<input type="hidden" name="csrf" value="${csrf}">`

export const signupForm = (csrf: string, values: { email?: string; name?: string } = {}) => html`
<form class="stack" method="post" action="/console/signup">
${csrfField(csrf)}
<label for="email">Email<input id="email" name="email" type="email" autocomplete="email" required value="${values.email ?? ""}"></label>
<label for="name">Name<input id="name" name="name" autocomplete="name" required value="${values.name ?? ""}"></label>
<label for="password">Password (at least 10 characters)<input id="password" name="password" type="password" autocomplete="new-password" required minlength="10"></label>
<button type="submit">Sign up</button>
</form>
<p>Already signed up? <a href="/console/login">Log in</a>.</p>`

export const signedUp = (email: string) => html`
<p>We sent a confirmation link to <strong>${email}</strong>. Follow it to activate your account, then log in.</p>`

export const confirmForm = (csrf: string, token: string) => html`
<form class="stack" method="post" action="/console/confirm">
${csrfField(csrf)}
<label for="token">Confirmation token<input id="token" name="token" required value="${token}" autocomplete="off"></label>
<button type="submit">Confirm my account</button>
</form>`

export const loginForms = (csrf: string, email = "") => html`
<form class="stack" method="post" action="/console/login">
${csrfField(csrf)}
<label for="email">Email<input id="email" name="email" type="email" autocomplete="username" required value="${email}"></label>
<label for="password">Password<input id="password" name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">Log in</button>
</form>
<p>No account yet? <a href="/console/signup">Sign up</a>.</p>
<details><summary>Administrator</summary>
<form class="stack" method="post" action="/console/login/admin">
${csrfField(csrf)}
<label for="admin-key">Admin API key<input id="admin-key" name="key" type="password" autocomplete="off" required></label>
<button type="submit">Log in as administrator</button>
</form></details>`

const money = (amountMinor: bigint, currency: Account["currency"]) =>
  html`${formatMinor(amountMinor, currency)} ${currency}`

export const accountsPage = (accounts: ReadonlyArray<Account>, transfers: ReadonlyArray<Transfer>) => html`
<h2>Accounts</h2>
${
  accounts.length === 0
    ? html`<p class="muted">No accounts yet.</p>`
    : html`<table><caption class="muted">Balances</caption><thead><tr><th scope="col">Account</th><th scope="col">Currency</th>
<th scope="col" class="num">Posted</th><th scope="col" class="num">On hold</th><th scope="col" class="num">Available</th></tr></thead><tbody>
${accounts.map(
  (
    a
  ) => html`<tr><td><code>${a.id}</code></td><td>${a.currency}</td><td class="num">${formatMinor(a.postedMinor, a.currency)}</td>
<td class="num">${formatMinor(a.pendingDebitsMinor, a.currency)}</td><td class="num">${formatMinor(available(a), a.currency)}</td></tr>`
)}</tbody></table>`
}
<h2>Recent transfers</h2>
${
  transfers.length === 0
    ? html`<p class="muted">No transfers yet.</p>`
    : html`<table><thead><tr><th scope="col">When</th><th scope="col">From</th><th scope="col">To</th><th scope="col" class="num">Amount</th><th scope="col">Status</th></tr></thead><tbody>
${transfers.map(
  (
    t
  ) => html`<tr><td>${when(t.createdAt)}</td><td><code>${t.debitAccountId}</code></td><td><code>${t.creditAccountId}</code></td>
<td class="num">${t.currency === null ? t.amountMinor : money(t.amountMinor, t.currency)}</td><td>${t.status}${t.failureCode === null ? "" : html` (${t.failureCode})`}</td></tr>`
)}</tbody></table>`
}`

export const eventsPage = (events: ReadonlyArray<Event>, next: string | null) => html`
${
  events.length === 0
    ? html`<p class="muted">No upcoming events.</p>`
    : html`<table><thead><tr><th scope="col">Event</th><th scope="col">Starts</th><th scope="col" class="num">Price</th><th scope="col" class="num">Seats left</th></tr></thead><tbody>
${events.map(
  (e) => html`<tr><td><a href="/console/events/${e.id}">${e.title}</a></td><td>${when(e.startsAt)}</td>
<td class="num">${money(e.priceMinor, e.currency)}</td><td class="num">${free(e.seats)} of ${e.seats.capacity}</td></tr>`
)}</tbody></table>`
}
${next === null ? "" : html`<p><a href="/console/events?cursor=${encodeURIComponent(next)}">More events</a></p>`}`

export const eventPage = (
  event: Event,
  payers: ReadonlyArray<Account> | null,
  csrf: string,
  /** Fresh per rendering: submitting the same form twice replays one reservation instead of making two. */
  reservationId: string
) => html`
<dl>
<dt>Starts</dt><dd>${when(event.startsAt)}</dd>
<dt>Price per seat</dt><dd>${money(event.priceMinor, event.currency)}</dd>
<dt>Seats</dt><dd>${free(event.seats)} free, ${event.seats.held} held, ${event.seats.sold} sold of ${event.seats.capacity}</dd>
<dt>Status</dt><dd>${event.status}</dd>
</dl>
<p><a href="/console/events/${event.id}/ratings">Ratings</a></p>
${
  payers === null
    ? ""
    : event.status !== "scheduled"
      ? html`<p class="muted">This event is ${event.status}: no seats can be reserved.</p>`
      : payers.length === 0
        ? html`<p class="muted">You have no account to pay with.</p>`
        : html`<h2>Reserve seats</h2>
<form class="stack" method="post" action="/console/events/${event.id}/reservations">
${csrfField(csrf)}
<input type="hidden" name="reservationId" value="${reservationId}">
<label for="quantity">Seats<input id="quantity" name="quantity" type="number" min="1" max="${Math.max(1, free(event.seats))}" value="1" required></label>
<label for="payer">Pay from<select id="payer" name="payerAccountId" required>
${payers.map((a) => html`<option value="${a.id}">${a.currency} account ${a.id.slice(0, 8)}… (available ${formatMinor(available(a), a.currency)})</option>`)}
</select></label>
<button type="submit">Reserve</button>
</form>`
}`

export const reservationPage = (
  reservation: Reservation,
  event: Event,
  payer: Account | undefined,
  tickets: ReadonlyArray<Ticket>,
  csrf: string
) => html`
<dl>
<dt>Event</dt><dd><a href="/console/events/${event.id}">${event.title}</a></dd>
<dt>Seats</dt><dd>${reservation.quantity}</dd>
<dt>Amount</dt><dd>${payer === undefined ? reservation.amountMinor : money(reservation.amountMinor, payer.currency)}</dd>
<dt>Status</dt><dd id="status">${reservation.status}</dd>
${reservation.status === "held" ? html`<dt>Held until</dt><dd>${when(reservation.expiresAt)}</dd>` : ""}
</dl>
${
  reservation.status === "held"
    ? html`<form class="inline" method="post" action="/console/reservations/${reservation.id}/confirm">${csrfField(csrf)}<button type="submit">Confirm and pay</button></form>
<form class="inline" method="post" action="/console/reservations/${reservation.id}/cancel">${csrfField(csrf)}<button type="submit">Cancel</button></form>`
    : ""
}
${
  tickets.length === 0
    ? ""
    : html`<h2>Tickets</h2><table><thead><tr><th scope="col">Seat</th><th scope="col">Verification code</th></tr></thead><tbody>
${tickets.map((t) => html`<tr><td>${t.seat}</td><td><code>${t.verificationCode}</code></td></tr>`)}</tbody></table>
<p><a href="/console/events/${event.id}/ratings">Rate this event</a></p>`
}`

const hundredths = (n: bigint | null) => (n === null ? "–" : (Number(n) / 100).toFixed(2))

/** The histogram as horizontal bars: pure HTML/CSS, each bar's width its share of the largest count. */
export const histogram = (summary: Summary): Html => {
  let max = 0n
  for (const c of summary.counts) if (c > max) max = c
  const rows = [5, 4, 3, 2, 1].map((value) => {
    const count = summary.counts[value - 1]!
    const percent = max === 0n ? 0 : Number((count * 10_000n) / max) / 100
    return html`<div class="bar-row"><span>${value} ★</span><div class="bar" style="width:${percent}%" role="img" aria-label="${count} rating(s) of ${value}"></div><span class="num">${count}</span></div>`
  })
  return html`<figure><figcaption>${summary.total} rating(s) · average ${hundredths(summary.averageHundredths)} · median ${hundredths(summary.medianHundredths)} · standard deviation ${hundredths(summary.stddevHundredths)}</figcaption>
<div class="chart" id="histogram">${rows}</div></figure>`
}

export const ratingsPage = (event: Event, summary: Summary, canRate: boolean, csrf: string) => html`
<p><a href="/console/events/${event.id}">${event.title}</a></p>
${histogram(summary)}
${
  canRate
    ? html`<h2>Your rating</h2>
<form class="stack" method="post" action="/console/events/${event.id}/ratings">
${csrfField(csrf)}
<fieldset><legend>Rating</legend>
${[1, 2, 3, 4, 5].map((v) => html`<label class="choice"><input type="radio" name="value" value="${v}" required> ${v} ★</label>`)}
</fieldset>
<button type="submit">Rate</button>
</form>`
    : html`<p class="muted">Ticket holders of this event can rate it.</p>`
}`

export const usersPage = (users: ReadonlyArray<User>, next: string | null) => html`
<table><thead><tr><th scope="col">Email</th><th scope="col">Name</th><th scope="col">Signed up</th><th scope="col">Confirmed</th><th scope="col">Wallet</th></tr></thead><tbody>
${users.map(
  (
    u
  ) => html`<tr><td>${u.email}</td><td>${u.name}</td><td>${when(u.createdAt)}</td><td>${u.confirmedAt === null ? "no" : when(u.confirmedAt)}</td>
<td>${u.walletAccountId === null ? "" : html`<code>${u.walletAccountId}</code>`}</td></tr>`
)}</tbody></table>
${next === null ? "" : html`<p><a href="/console/admin/users?cursor=${encodeURIComponent(next)}">More users</a></p>`}`
