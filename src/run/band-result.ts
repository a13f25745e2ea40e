// The pure formulas of a band's result: what the runner computes from its counters once the
// measured window has closed. TPS follows pgbench's definition (PostgreSQL documentation,
// "pgbench": the "tps = … (without initial connection time)" line): committed transactions over
// the measured time, connecting (and here the warm-up) left out.

/** Event-loop utilisation above which the generator, not the database, is the limit. */
export const CLIENT_BOUND_ELU = 0.9;

function perSecond(count: number, durationS: number): number {
  return durationS > 0 ? count / durationS : 0;
}

/**
 * TPS = committed / T: committed transactions per second of the measured window T; 0 for an empty
 * window. Failed transactions do not count, as in pgbench.
 *
 * @example
 * bandTps(1500, 30); // => 50
 */
export function bandTps(committed: number, durationS: number): number {
  return perSecond(committed, durationS);
}

/**
 * QPS = statements / T: statements executed per second of the measured window T; 0 for an empty
 * window.
 *
 * @example
 * bandQps(4500, 30); // => 150 (three statements a transaction at 50 TPS)
 */
export function bandQps(statements: number, durationS: number): number {
  return perSecond(statements, durationS);
}

/**
 * Error rate = failed / (committed + failed): the share of attempted transactions that failed;
 * 0 when nothing was attempted.
 *
 * @example
 * bandErrorRate(95, 5); // => 0.05
 */
export function bandErrorRate(committed: number, failed: number): number {
  const attempted = committed + failed;
  return attempted > 0 ? failed / attempted : 0;
}

/**
 * A band is degraded when its error rate exceeds the threshold, when it committed nothing (it
 * measured nothing, whatever the threshold says), or when the server was unreachable for part of
 * its window (it did not measure the configuration alone).
 *
 * @example
 * isDegraded({ errorRate: 0.06, maxErrorRate: 0.05, committed: 94, outageMs: 0 }); // => true
 * isDegraded({ errorRate: 0, maxErrorRate: 0.05, committed: 100, outageMs: 0 }); // => false
 */
export function isDegraded(band: {
  errorRate: number;
  maxErrorRate: number;
  committed: number;
  outageMs: number;
}): boolean {
  return band.errorRate > band.maxErrorRate || band.committed === 0 || band.outageMs > 0;
}

/**
 * Client-bound: the busiest event loop was busy more than CLIENT_BOUND_ELU (90 %) of the window,
 * so the load generator, not PostgreSQL, set the pace.
 *
 * @example
 * isClientBound(0.95); // => true
 */
export function isClientBound(eventLoopUtilization: number): boolean {
  return eventLoopUtilization > CLIENT_BOUND_ELU;
}

/**
 * Client CPU per committed transaction, in microseconds: (user + system) / committed; null when
 * nothing committed.
 *
 * @example
 * cpuPerTransaction(2_000_000, 40_000); // => 50
 */
export function cpuPerTransaction(cpuUs: number, committed: number): number | null {
  return committed > 0 ? cpuUs / committed : null;
}
