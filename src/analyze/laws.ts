// The operational laws of a band, each written once. Pure: numbers in, a number (or null) out.
// Source for all of them: Lazowska, Zahorjan, Graham and Sevcik, "Quantitative System Performance"
// (1984), chapter 3, "Fundamental Laws"; Little, "A Proof for the Queuing Formula L = λW" (1961).
// Times are in milliseconds, as bands record them; rates are per second.

import type { BandResult } from '../results/types.js';
import { isFiniteNumber } from './stats.js';

/** What attemptedThroughput reads of a band. */
export type BandCounts = Pick<BandResult, 'transactions' | 'failed_transactions' | 'duration_s' | 'total_tps'>;

/**
 * Attempted throughput X = (committed + failed) / T: every transaction that occupied a connection,
 * failed ones included, per second of the measured window T. When the counts or the window are
 * missing, the band's committed TPS stands in; null when that is missing too.
 *
 * Source: the throughput X = C/T of Lazowska et al. (1984), §3.1, with C the completions.
 *
 * @example
 * attemptedThroughput({ transactions: 950, failed_transactions: 50, duration_s: 10, total_tps: 95 }); // => 100
 */
export function attemptedThroughput(band: BandCounts): number | null {
  const attempted = band.transactions + band.failed_transactions;
  if (isFiniteNumber(attempted) && attempted > 0 && isFiniteNumber(band.duration_s) && band.duration_s > 0) {
    return attempted / band.duration_s;
  }
  return isFiniteNumber(band.total_tps) ? band.total_tps : null;
}

/**
 * Offered load a = X·S in Erlangs: the mean number of connections busy serving, for throughput X
 * (per second) and mean service time S (milliseconds).
 *
 * Source: Kleinrock, "Queueing Systems, Vol. 1" (1975), §3.5 (a = λ/μ).
 *
 * @example
 * offeredLoad(400, 5); // => 2 (400/s × 0.005 s)
 */
export function offeredLoad(x: number, serviceMs: number): number {
  return (x * serviceMs) / 1000;
}

/**
 * The utilisation law ρ = X·S / C: the share of the C connections' time spent serving, for
 * throughput X (per second) and mean service time S (milliseconds). Not clipped: window edges can
 * push a measured ρ a hair above 1. Null without a throughput, a service time or a connection.
 *
 * Source: Lazowska et al. (1984), §3.2, the utilisation law U = X·S, here per server of C.
 *
 * @example
 * utilisation(400, 5, 4); // => 0.5 (2 Erlangs over 4 connections)
 */
export function utilisation(x: number | null, serviceMs: number | null, c: number): number | null {
  if (x === null || serviceMs === null || !(c > 0)) return null;
  return offeredLoad(x, serviceMs) / c;
}

/**
 * Little's law N = X·R: the mean number of transactions in the system, for throughput X (per
 * second) and mean response time R (milliseconds). In a closed loop without think time N is the
 * number of workers.
 *
 * Source: Little (1961); Lazowska et al. (1984), §3.3.
 *
 * @example
 * littlesLaw(1000, 8); // => 8 (1000/s × 0.008 s)
 */
export function littlesLaw(x: number, responseMs: number): number {
  return (x * responseMs) / 1000;
}

/**
 * The concurrency the database sees, N = min(W, C): W workers can keep at most C connections busy,
 * and C connections serve at most W workers at once.
 *
 * @example
 * databaseConcurrency(32, 8); // => 8
 */
export function databaseConcurrency(workers: number, connections: number): number {
  return Math.min(workers, connections);
}
