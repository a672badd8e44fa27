// The ECB's euro foreign exchange reference rates, as published at
// https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml:
//
//   <gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/…">
//     <gesmes:subject>Reference rates</gesmes:subject> <gesmes:Sender>…</gesmes:Sender>
//     <Cube> <Cube time='2026-11-30'> <Cube currency='USD' rate='1.0547'/> … </Cube> </Cube>
//   </gesmes:Envelope>
//
// A strict reader of that document, not a general XML parser: the whole document must be well formed (one root,
// every element closed, nothing after the root), so a truncated download is refused rather than read in part.
// With several dated cubes (the 90-day file) the latest date is taken. Rates stay decimal strings: exact.
import { FxRate } from "@tally/domain/Fx"
import { Result, Schema } from "effect"
import { type FxFeed, feedCurrenciesMax } from "./FxFeed.ts"

/** Bytes of a document we read at most: the daily file is ~1.5 KB, the 90-day file ~60 KB. */
export const documentBytesMax = 1_048_576

interface Element {
  readonly name: string
  readonly attributes: ReadonlyMap<string, string>
  readonly children: Array<Element>
}

const TOKEN =
  /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<(\/?)([A-Za-z_][\w:.-]*)((?:\s+[A-Za-z_][\w:.-]*\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>|([^<]+)/y
const ATTRIBUTE = /([A-Za-z_][\w:.-]*)\s*=\s*(?:"([^"<]*)"|'([^'<]*)')/g
const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" }

const decode = (text: string): string => text.replace(/&(amp|lt|gt|quot|apos);/g, (_, name: string) => ENTITIES[name]!)

/** Parses a well-formed document into its root element; a message when it is not. */
const parseDocument = (xml: string): Result.Result<Element, string> => {
  if (xml.length > documentBytesMax) return Result.fail(`document larger than ${documentBytesMax} bytes`)
  const stack: Array<Element> = []
  let root: Element | undefined
  TOKEN.lastIndex = 0
  let position = 0
  while (position < xml.length) {
    TOKEN.lastIndex = position
    const match = TOKEN.exec(xml)
    if (match === null) return Result.fail(`malformed XML at offset ${position}`)
    position = TOKEN.lastIndex
    const [token, closing, name, attributeText, selfClosing, text] = match
    if (text !== undefined) {
      if (stack.length === 0 && text.trim() !== "") return Result.fail("text outside the root element")
      continue
    }
    if (name === undefined) continue // comment or processing instruction
    if (closing === "/") {
      const open = stack.pop()
      if (open === undefined || open.name !== name) return Result.fail(`unexpected </${name}> at offset ${position}`)
      continue
    }
    if (stack.length === 0 && root !== undefined) return Result.fail("more than one root element")
    const attributes = new Map<string, string>()
    for (const a of (attributeText ?? "").matchAll(ATTRIBUTE)) attributes.set(a[1]!, decode(a[2] ?? a[3] ?? ""))
    const element: Element = { name, attributes, children: [] }
    const parent = stack.at(-1)
    if (parent === undefined) root = element
    else parent.children.push(element)
    if (selfClosing !== "/") stack.push(element)
    if (token.length === 0) return Result.fail("empty token")
  }
  if (root === undefined) return Result.fail("no root element")
  if (stack.length > 0) return Result.fail(`document ends inside <${stack.at(-1)!.name}> (truncated?)`)
  return Result.succeed(root)
}

const isRate = Schema.is(FxRate)
const DATE = /^\d{4}-\d{2}-\d{2}$/
const CODE = /^[A-Z]{3}$/

/** The EUR reference rates of the latest date in an ECB eurofxref document, or what is wrong with it. */
export const parseEcb = (xml: string): Result.Result<FxFeed, string> =>
  Result.flatMap(parseDocument(xml), (root) => {
    if (root.name !== "gesmes:Envelope") return Result.fail(`root element is <${root.name}>, not <gesmes:Envelope>`)
    const outer = root.children.filter((c) => c.name === "Cube")
    if (outer.length !== 1) return Result.fail(`expected one top-level <Cube>, found ${outer.length}`)
    const days = outer[0]!.children.filter((c) => c.name === "Cube")
    if (days.length === 0) return Result.fail("no dated <Cube time=…>")
    let latest: { date: string; cube: Element } | undefined
    for (const day of days) {
      const date = day.attributes.get("time")
      if (date === undefined || !DATE.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`))) {
        return Result.fail(`invalid cube time ${JSON.stringify(date)}`)
      }
      if (latest === undefined || date > latest.date) latest = { date, cube: day }
    }
    const rates: Record<string, string> = {}
    for (const entry of latest!.cube.children) {
      const currency = entry.attributes.get("currency")
      const rate = entry.attributes.get("rate")
      if (entry.name !== "Cube" || currency === undefined || rate === undefined) {
        return Result.fail(`unexpected <${entry.name}> in the cube of ${latest!.date}`)
      }
      if (!CODE.test(currency)) return Result.fail(`invalid currency ${JSON.stringify(currency)}`)
      if (!isRate(rate)) return Result.fail(`invalid rate ${JSON.stringify(rate)} for ${currency}`)
      if (currency in rates) return Result.fail(`${currency} listed twice`)
      rates[currency] = rate
    }
    const count = Object.keys(rates).length
    if (count === 0) return Result.fail(`the cube of ${latest!.date} lists no rate`)
    if (count > feedCurrenciesMax) return Result.fail(`more than ${feedCurrenciesMax} currencies`)
    return Result.succeed({ base: "EUR", date: latest!.date, rates })
  })
