// HTML with escaping by construction: `html\`…\`` escapes every interpolated value unless it is itself `Html`
// (built by `html`), so user-supplied text (titles, names, emails) can never become markup.
export class Html {
  readonly value: string
  constructor(value: string) {
    this.value = value
  }
  toString() {
    return this.value
  }
}

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }

export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!)

type Part = Html | string | number | bigint | boolean | null | undefined | ReadonlyArray<Part>

const render = (part: Part): string =>
  part === null || part === undefined || part === false
    ? ""
    : part instanceof Html
      ? part.value
      : Array.isArray(part)
        ? part.map(render).join("")
        : escapeHtml(String(part))

export const html = (strings: TemplateStringsArray, ...parts: ReadonlyArray<Part>): Html =>
  new Html(strings.reduce((out, s, i) => out + s + (i < parts.length ? render(parts[i] as Part) : ""), ""))

const STYLE = `
body{font-family:system-ui,sans-serif;margin:0;color:#1b1b1b;background:#fafafa;line-height:1.45}
header{background:#17324d;color:#fff;padding:.6rem 1rem;display:flex;gap:1rem;align-items:center;flex-wrap:wrap}
header a,header button{color:#fff}header nav{display:flex;gap:1rem;flex:1}
main{max-width:60rem;margin:1rem auto;padding:0 1rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #ddd}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
form.stack{display:grid;gap:.6rem;max-width:24rem}label{display:grid;gap:.2rem;font-weight:600}
input,select,button{font:inherit;padding:.35rem .5rem}button{cursor:pointer}
label.choice{display:flex;gap:.4rem;align-items:center;font-weight:normal}fieldset{display:flex;gap:1rem;flex-wrap:wrap}
.inline{display:inline}.link{background:none;border:none;text-decoration:underline;padding:0}
.notice{background:#e7f3e7;border:1px solid #8bc48b;padding:.5rem .8rem}
.error{background:#fbeaea;border:1px solid #d88;padding:.5rem .8rem}
.chart{display:grid;gap:.35rem;max-width:32rem}.bar-row{display:grid;grid-template-columns:4rem 1fr 3rem;gap:.5rem;align-items:center}
.bar{background:#2f6fab;height:1.3rem;min-width:1px}.muted{color:#666}
`

export interface Layout {
  readonly title: string
  readonly body: Html
  /** The signed-in user's name (or "administrator"); undefined = signed out. */
  readonly who?: string | undefined
  readonly csrf?: string | undefined
  readonly admin?: boolean | undefined
  readonly notice?: string | undefined
  readonly error?: string | undefined
}

export const page = (layout: Layout): string =>
  html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${layout.title} · Tally console</title>
<style>${new Html(STYLE)}</style>
</head>
<body>
<header>
<strong>Tally</strong>
<nav aria-label="Console">${
    layout.who === undefined
      ? html`<a href="/console/login">Log in</a><a href="/console/signup">Sign up</a>`
      : layout.admin === true
        ? html`<a href="/console/admin/users">Users</a><a href="/console/events">Events</a>`
        : html`<a href="/console">Accounts</a><a href="/console/events">Events</a>`
  }</nav>${
    layout.who === undefined
      ? ""
      : html`<span>${layout.who}</span>
<form class="inline" method="post" action="/console/logout"><input type="hidden" name="csrf" value="${layout.csrf}"><button class="link" type="submit">Log out</button></form>`
  }
</header>
<main>
<h1>${layout.title}</h1>
${layout.notice === undefined ? "" : html`<p class="notice" role="status">${layout.notice}</p>`}
${layout.error === undefined ? "" : html`<p class="error" role="alert">${layout.error}</p>`}
${layout.body}
</main>
</body>
</html>
`.value
