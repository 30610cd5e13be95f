// Percentiles and compact distributions for the results files (which keep summaries, not every sample).

/** The nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export interface Distribution {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

export function distribution(values: readonly number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    min: sorted[0] ?? NaN,
    mean: sorted.reduce((a, b) => a + b, 0) / sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    p999: percentile(sorted, 99.9),
    max: sorted[sorted.length - 1] ?? NaN,
  };
}

export interface Histogram {
  /** Bucket edges (ascending); counts[i] counts values in [edges[i], edges[i+1]). */
  edges: number[];
  counts: number[];
}

/** A histogram with logarithmic buckets (per decade) between lo and hi; values outside land in the ends. */
export function logHistogram(values: readonly number[], lo: number, hi: number, perDecade = 40): Histogram {
  const decades = Math.log10(hi / lo);
  const n = Math.ceil(decades * perDecade);
  const edges = Array.from({ length: n + 1 }, (_, i) => lo * 10 ** (i / perDecade));
  const counts = new Array<number>(n).fill(0);
  for (const v of values) {
    const i = Math.floor(Math.log10(Math.max(v, lo) / lo) * perDecade);
    counts[Math.min(n - 1, Math.max(0, i))]!++;
  }
  return { edges: edges.map((e) => Number(e.toPrecision(4))), counts };
}

export const round = (value: number, digits = 2): number => Number(value.toFixed(digits));
