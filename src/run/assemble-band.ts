// A measured band's BandResult, built from its recorder and every event loop's figures once the
// window has closed, and the lines the runner logs about it (throughput, degradation, saturation).

import { maskSecrets } from '../db/mask.js';
import type { Logger } from '../log.js';
import type { BandPlan, BandSpec } from '../plan/types.js';
import type { BandResult, PgStatsDelta, RateSchedule } from '../results/types.js';
import { bandQps, bandTps, cpuPerTransaction, bandErrorRate, isClientBound, isDegraded } from './band-result.js';
import { summarise, type BandRecorder } from './metrics.js';
import type { LoopFigures, RateScheduler } from './worker-loop.js';

/** What the runner holds for a band once its window has closed and every share has stopped. */
export interface MeasuredBand {
  band: BandSpec;
  plan: BandPlan;
  /** This thread's recorder, with the other shares' snapshots absorbed. */
  recorder: BandRecorder;
  /** The open-loop schedule, or null for a closed-loop band. */
  scheduler: RateScheduler | null;
  /** The wall-clock start of the measured window. */
  startedAt: string;
  endedEarly: boolean;
  /** The longest time any share's pool saw the server unreachable within the window. */
  outageMs: number;
  /** CPU of every thread of the process over the band. */
  cpu: NodeJS.CpuUsage;
  /** Event loops that ran the band's workers (1: the main thread only). */
  loops: number;
  /** The main event loop's figures first, then each share thread's. */
  loopFigures: LoopFigures[];
  pgStats: PgStatsDelta | null;
  secrets: string[];
}

const numberFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** The busiest loop decides: one saturated loop skews the band even if the others idle. */
function busiestUtilisation(loopFigures: LoopFigures[]): number {
  return Math.max(...loopFigures.map((l) => l.event_loop_utilization));
}

/** The band's result document entry; computes only, logs nothing. */
export function assembleBandResult(measured: MeasuredBand): BandResult {
  const { band, plan, recorder, scheduler, loops, loopFigures, outageMs, cpu, secrets } = measured;
  const elu = busiestUtilisation(loopFigures);
  const delays = loopFigures.map((l) => l.event_loop_delay_p99_ms).filter((d): d is number => d !== null);
  const delayP99Ms = delays.length > 0 ? Math.max(...delays) : null;
  const durationS = (recorder.windowEnd - recorder.windowStart) / 1000;
  const errorRate = bandErrorRate(recorder.committed, recorder.failed);
  let rate: RateSchedule | null = null;
  if (scheduler && plan.rate !== null) {
    const threshold = Math.max(100, 10 * scheduler.meanInterArrivalMs);
    const held = recorder.lastLagMs <= threshold;
    rate = {
      target_tps: plan.rate,
      lag_mean_ms: recorder.lagCount > 0 ? recorder.lagSumMs / recorder.lagCount : 0,
      lag_max_ms: recorder.lagMaxMs,
      held,
    };
  }
  return {
    band_id: band.band_id,
    workers: band.workers,
    connections: band.connections,
    status: measured.endedEarly ? 'partial' : 'complete',
    started_at: measured.startedAt,
    duration_s: durationS,
    transactions: recorder.committed,
    failed_transactions: recorder.failed,
    statements: recorder.statements,
    total_tps: bandTps(recorder.committed, durationS),
    total_qps: bandQps(recorder.statements, durationS),
    latency: summarise(recorder.latency, recorder.latencySumMs, recorder.latencySumSqMs),
    pool_wait: summarise(recorder.poolWait, recorder.poolWaitSumMs, recorder.poolWaitSumSqMs),
    service_time: summarise(recorder.service, recorder.serviceSumMs, recorder.serviceSumSqMs),
    tps_series: recorder.series(durationS),
    p95_series_ms: recorder.p95Series(durationS),
    slice_ms: recorder.slices.widthMs,
    tps_slices: recorder.slices.countSeries(durationS),
    p95_slices_ms: recorder.slices.p95Series(durationS),
    latency_histogram: recorder.histogramBase64(),
    errors: Object.fromEntries([...recorder.errors].sort(([a], [b]) => a.localeCompare(b))),
    error_examples: Object.fromEntries(
      [...recorder.errorExamples]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([code, example]) => [code, { ...example, message: maskSecrets(example.message, secrets) }]),
    ),
    error_rate: errorRate,
    degraded: isDegraded({ errorRate, maxErrorRate: plan.max_error_rate, committed: recorder.committed, outageMs }),
    outage_s: outageMs / 1000,
    notices: Object.fromEntries([...recorder.notices].sort(([a], [b]) => a.localeCompare(b))),
    client: {
      event_loop_utilization: elu,
      event_loop_delay_p99_ms: delayP99Ms,
      cpu_us_per_tx: cpuPerTransaction(cpu.user + cpu.system, recorder.committed),
      client_bound: isClientBound(elu),
      threads: loops,
      ...(loops > 1 ? { loops: loopFigures } : {}),
    },
    pg_stats: measured.pgStats,
    rate,
  };
}

/**
 * Logs a measured band: a rate that could not be held, the completion line, then why it is
 * degraded or saturated, and the connections replaced on the way.
 */
export function logBandResult(
  log: Logger,
  result: BandResult,
  measured: MeasuredBand,
  stopReason: string | null,
  replaced: number,
): void {
  const { band, plan, recorder, outageMs } = measured;
  const errorRate = result.error_rate;
  const elu = busiestUtilisation(measured.loopFigures);
  if (result.rate && !result.rate.held) {
    log.warn(
      `band ${band.band_id}: the target rate of ${plan.rate} TPS could not be held ` +
        `(schedule lag reached ${numberFormat.format(recorder.lastLagMs)}ms); add workers or lower the rate`,
    );
  }
  const latencyText =
    result.latency.mean_ms === null
      ? 'no completed transactions'
      : `${result.latency.mean_ms.toFixed(1)}ms avg latency`;
  log.info(
    `📊 Band ${band.band_id} completed: ${numberFormat.format(result.total_tps)} TPS, ${latencyText}` +
      (result.failed_transactions > 0 ? `, ${(errorRate * 100).toFixed(1)}% errors` : '') +
      (result.status === 'partial' ? ` (partial: ${stopReason ?? 'ended early'})` : ''),
  );
  if (outageMs > 0) {
    log.warn(
      `band ${band.band_id}: degraded, the server was unreachable ` +
        `for ${(outageMs / 1000).toFixed(1)}s of the measured window`,
    );
  }
  if (result.transactions === 0) {
    log.warn(`band ${band.band_id}: degraded, no transaction committed`);
  } else if (errorRate > plan.max_error_rate) {
    log.warn(
      `band ${band.band_id}: degraded, error rate ${(errorRate * 100).toFixed(1)}% ` +
        `exceeds ${(plan.max_error_rate * 100).toFixed(1)}%`,
    );
  }
  if (result.client.client_bound) {
    log.warn(
      `band ${band.band_id}: the load generator was saturated (event-loop utilisation ${elu.toFixed(2)}); ` +
        'this band measures pgscale, not PostgreSQL',
    );
  }
  if (replaced > 0) log.info(`🔌 Band ${band.band_id}: replaced ${replaced} broken connections`);
}
