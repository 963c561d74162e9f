// Measuring in short rounds, each target once per round in an order rotated round by round, and keeping the
// median: a stall or a drift of the shared machine then moves one round of one target, not the figure.

/** The median of the finite values; NaN when there is none. */
export const median = (values) => {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (!sorted.length) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** The targets in the order of round `round`: no target always runs first, or right after the same neighbour. */
export const rotated = (targets, round) => targets.map((_, i) => targets[(i + round) % targets.length]);

/**
 * One target's rounds (rows with rps, p50Ms, p99Ms, requests, non2xx, socketErrors, peakRssMiB) as one row: the
 * medians of rps, p50 and p99, the counts summed, the highest RSS, and each round kept under `rounds`.
 */
export function foldRounds(rows) {
  const sum = (key) => rows.reduce((n, r) => n + (r[key] ?? 0), 0);
  return {
    ...rows[0],
    rps: median(rows.map((r) => r.rps)),
    p50Ms: median(rows.map((r) => r.p50Ms)),
    p99Ms: median(rows.map((r) => r.p99Ms)),
    requests: sum('requests'),
    durationS: sum('durationS'),
    non2xx: sum('non2xx'),
    socketErrors: sum('socketErrors'),
    peakRssMiB: Math.max(...rows.map((r) => r.peakRssMiB)),
    rounds: rows.map((r) => ({ rps: r.rps, p50Ms: r.p50Ms, p99Ms: r.p99Ms })),
  };
}

/** Per round, `of(a round of x, the same round of y)`, for the rounds both have; their median judges a ratio. */
export function perRound(x, y, of) {
  const n = Math.min(x?.rounds?.length ?? 0, y?.rounds?.length ?? 0);
  return Array.from({ length: n }, (_, i) => of(x.rounds[i], y.rounds[i])).filter(Number.isFinite);
}

/** `of` judged round by round: the median of its per-round values (`each`); `of(x, y)` when the rows share no round. */
export function byRounds(x, y, of) {
  const each = perRound(x, y, of);
  return { value: each.length ? median(each) : of(x, y), each };
}
