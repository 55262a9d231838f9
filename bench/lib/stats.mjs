// Small statistics for the benchmarks: medians and nearest-rank percentiles over plain arrays.

/** The p-th percentile (0–100) by nearest rank; NaN for an empty list. */
export function percentile(xs, p) {
  if (xs.length === 0) return Number.NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** The median (the lower middle one for an even count, like percentile(xs, 50)). */
export const median = (xs) => percentile(xs, 50);

export function mean(xs) {
  return xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Rounds to `digits` significant-looking decimals for tables and JSON (not for comparisons). */
export function round(x, digits = 2) {
  if (x === null || x === undefined || !Number.isFinite(x)) return x ?? null;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** p50/p99/min/max of a sample, rounded, for the details file. */
export function summary(xs, digits = 2) {
  return {
    n: xs.length,
    min: round(Math.min(...xs), digits),
    p50: round(percentile(xs, 50), digits),
    p90: round(percentile(xs, 90), digits),
    p99: round(percentile(xs, 99), digits),
    max: round(Math.max(...xs), digits),
  };
}
