/** Small statistics helpers shared by the benchmarks. */

/** The p-th percentile (0 to 100) of `values` by nearest rank; NaN for an empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** Rounds to `digits` significant digits, so printed figures do not claim false precision. */
export function significant(value: number, digits = 3): number {
  if (!Number.isFinite(value) || value === 0) return value;
  return Number(value.toPrecision(digits));
}

/** Milliseconds since an earlier `process.hrtime.bigint()` reading. */
export function msSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/**
 * Calls `step` repeatedly for about `seconds` of wall time, at least `minRuns` times, and
 * returns how many runs completed and the seconds they took.
 */
export function timeLoop(step: () => void, seconds: number, minRuns = 1):
  { runs: number; seconds: number } {
  const start = process.hrtime.bigint();
  const limitMs = seconds * 1000;
  let runs = 0;
  while (runs < minRuns || msSince(start) < limitMs) {
    step();
    runs += 1;
  }
  return { runs, seconds: msSince(start) / 1000 };
}
