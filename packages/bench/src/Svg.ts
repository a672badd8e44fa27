// Tiny inline-SVG charts (no scripts, no CDN): a line chart and a grouped bar chart.

export interface Series {
  readonly name: string
  readonly color: string
  readonly points: ReadonlyArray<readonly [number, number]>
}

export interface BarGroup {
  readonly label: string
  readonly bars: ReadonlyArray<{ readonly name: string; readonly color: string; readonly value: number }>
}

const W = 720
const H = 260
const M = { top: 30, right: 16, bottom: 44, left: 64 }

const esc = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")

/** 0 and about five round steps up to at least `max`. */
const ticks = (max: number): Array<number> => {
  if (max <= 0) return [0, 1]
  const raw = max / 5
  const magnitude = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw
  return Array.from({ length: Math.ceil(max / step) + 1 }, (_, i) => i * step)
}

const fmt = (v: number) => (v >= 1000 ? `${+(v / 1000).toFixed(1)}k` : `${+v.toFixed(2)}`)

const frame = (yTicks: ReadonlyArray<number>, y: (v: number) => number, yLabel: string, body: string) =>
  `<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" xmlns="http://www.w3.org/2000/svg" font-family="system-ui,sans-serif" font-size="11">
${yTicks.map((t) => `<line x1="${M.left}" x2="${W - M.right}" y1="${y(t)}" y2="${y(t)}" stroke="#e5e5e5"/><text x="${M.left - 6}" y="${y(t) + 4}" text-anchor="end" fill="#555">${fmt(t)}</text>`).join("\n")}
<text x="14" y="${M.top + (H - M.top - M.bottom) / 2}" transform="rotate(-90 14 ${M.top + (H - M.top - M.bottom) / 2})" text-anchor="middle" fill="#333">${esc(yLabel)}</text>
${body}
</svg>`

const legend = (items: ReadonlyArray<{ readonly name: string; readonly color: string }>) =>
  items
    .map(
      (s, i) =>
        `<rect x="${M.left + 8 + i * 150}" y="6" width="10" height="10" fill="${s.color}"/><text x="${M.left + 22 + i * 150}" y="15" fill="#333">${esc(s.name)}</text>`
    )
    .join("")

export const lineChart = (series: ReadonlyArray<Series>, labels: { readonly x: string; readonly y: string }) => {
  const all = series.flatMap((s) => s.points)
  const xMax = Math.max(1, ...all.map(([x]) => x))
  const yTicks = ticks(Math.max(0, ...all.map(([, y]) => y)))
  const yMax = yTicks.at(-1)!
  const x = (v: number) => M.left + (v / xMax) * (W - M.left - M.right)
  const y = (v: number) => H - M.bottom - (v / yMax) * (H - M.top - M.bottom)
  const xTicks = ticks(xMax).filter((t) => t <= xMax)
  const body = [
    ...xTicks.map(
      (t) => `<text x="${x(t)}" y="${H - M.bottom + 14}" text-anchor="middle" fill="#555">${fmt(t)}</text>`
    ),
    `<text x="${M.left + (W - M.left - M.right) / 2}" y="${H - 4}" text-anchor="middle" fill="#333">${esc(labels.x)}</text>`,
    ...series.map(
      (s) =>
        `<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${s.points.map(([px, py]) => `${x(px).toFixed(1)},${y(py).toFixed(1)}`).join(" ")}"/>`
    ),
    legend(series)
  ].join("\n")
  return frame(yTicks, y, labels.y, body)
}

export const barChart = (
  groups: ReadonlyArray<BarGroup>,
  labels: { readonly y: string },
  reference?: { readonly value: number; readonly label: string }
) => {
  const values = groups.flatMap((g) => g.bars.map((b) => b.value))
  const yTicks = ticks(Math.max(reference?.value ?? 0, ...values))
  const yMax = yTicks.at(-1)!
  const y = (v: number) => H - M.bottom - (v / yMax) * (H - M.top - M.bottom)
  const groupWidth = (W - M.left - M.right) / Math.max(1, groups.length)
  const barWidth = Math.min(48, (groupWidth * 0.8) / Math.max(1, ...groups.map((g) => g.bars.length)))
  const names = new Map(groups.flatMap((g) => g.bars.map((b) => [b.name, b.color] as const)))
  const body = [
    ...groups.flatMap((g, gi) => {
      const x0 = M.left + gi * groupWidth + (groupWidth - barWidth * g.bars.length) / 2
      return [
        ...g.bars.map(
          (b, bi) =>
            `<rect x="${(x0 + bi * barWidth).toFixed(1)}" y="${y(b.value).toFixed(1)}" width="${(barWidth - 2).toFixed(1)}" height="${(H - M.bottom - y(b.value)).toFixed(1)}" fill="${b.color}"><title>${esc(`${g.label} ${b.name}: ${b.value}`)}</title></rect>` +
            `<text x="${(x0 + bi * barWidth + barWidth / 2).toFixed(1)}" y="${(y(b.value) - 3).toFixed(1)}" text-anchor="middle" fill="#333" font-size="10">${fmt(b.value)}</text>`
        ),
        // one word per line: long labels of neighbouring groups must not overlap
        `<text x="${M.left + gi * groupWidth + groupWidth / 2}" y="${H - M.bottom + 14}" text-anchor="middle" fill="#333">${g.label
          .split(" ")
          .map(
            (word, i) =>
              `<tspan x="${M.left + gi * groupWidth + groupWidth / 2}" dy="${i === 0 ? 0 : 12}">${esc(word)}</tspan>`
          )
          .join("")}</text>`
      ]
    }),
    reference === undefined
      ? ""
      : `<line x1="${M.left}" x2="${W - M.right}" y1="${y(reference.value)}" y2="${y(reference.value)}" stroke="#c00" stroke-dasharray="4 3"/><text x="${W - M.right}" y="${y(reference.value) - 4}" text-anchor="end" fill="#c00">${esc(reference.label)}</text>`,
    names.size > 1 ? legend([...names].map(([name, color]) => ({ name, color }))) : ""
  ].join("\n")
  return frame(yTicks, y, labels.y, body)
}
