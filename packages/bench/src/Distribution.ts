// How a scenario picks accounts. Each distribution exists twice, once as a JS sampler for Tally and once as a
// pgbench expression for the baseline, so both draw account pairs the same way.

export interface Distribution {
  readonly name: string
  /** A key in 1..n. */
  readonly sample: (n: number) => number
  /** The same draw as a pgbench expression over `n` (a pgbench expression itself, e.g. ":n"). */
  readonly pgbench: (n: string) => string
}

export const uniform: Distribution = {
  name: "uniform",
  sample: (n) => 1 + Math.floor(Math.random() * n),
  pgbench: (n) => `random(1, ${n})`
}

/** Zipf with exponent `s` (> 1): key k is drawn with probability ∝ 1/k^s. */
export const zipf = (s: number): Distribution => {
  const cdfs = new Map<number, Float64Array>()
  const cdfOf = (n: number) => {
    let cdf = cdfs.get(n)
    if (cdf === undefined) {
      cdf = new Float64Array(n)
      let sum = 0
      for (let k = 1; k <= n; k++) {
        sum += 1 / k ** s
        cdf[k - 1] = sum
      }
      for (let i = 0; i < n; i++) cdf[i] = cdf[i]! / sum
      cdfs.set(n, cdf)
    }
    return cdf
  }
  return {
    name: `zipf(s=${s})`,
    sample: (n) => {
      const cdf = cdfOf(n)
      const u = Math.random()
      let lo = 0
      let hi = n - 1
      while (lo < hi) {
        const mid = (lo + hi) >> 1
        if (cdf[mid]! < u) lo = mid + 1
        else hi = mid
      }
      return lo + 1
    },
    pgbench: (n) => `random_zipfian(1, ${n}, ${s})`
  }
}

/**
 * A debit and a credit key, never equal: the credit key is drawn over the n − 1 other keys in rank order
 * (draw in 1..n−1, then skip the debit key). Exactly uniform over distinct pairs for `uniform`.
 */
export const pair = (distribution: Distribution, n: number): readonly [number, number] => {
  const debit = distribution.sample(n)
  const other = distribution.sample(n - 1)
  return [debit, other >= debit ? other + 1 : other]
}

/** The pgbench lines that set `:a<i>` and `:b<i>` like `pair`. */
export const pgbenchPair = (distribution: Distribution, i: number): ReadonlyArray<string> => [
  `\\set a${i} ${distribution.pgbench(":n")}`,
  `\\set b${i} ${distribution.pgbench(":n - 1")}`,
  `\\set b${i} :b${i} + case when :b${i} >= :a${i} then 1 else 0 end`
]
