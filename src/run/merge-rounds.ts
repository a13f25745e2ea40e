// One side's rounds of a band, merged into one BandResult, so each side of an A/B run is an
// ordinary results document (schema unchanged) that analyze, report and compare can read.
// End-to-end latency is exact (the rounds' HDR histograms are added). Pool wait and service time
// keep no histogram in the results, so their percentiles are count-weighted means of the rounds'
// percentiles (an approximation; their means are exact). pg_stats and rate are kept only when
// there is a single round.

import * as hdr from 'hdr-histogram-js';
import { bandErrorRate, bandQps, bandTps } from './band-result.js';
import { newLatencyHistogram, summarise } from './metrics.js';
import type { BandResult, ErrorExample, LatencySummary } from '../results/types.js';

function weighted(summaries: LatencySummary[]): LatencySummary {
  const count = summaries.reduce((s, x) => s + x.count, 0);
  if (count === 0)
    return { count: 0, mean_ms: null, stddev_ms: null, p50_ms: null, p95_ms: null, p99_ms: null, max_ms: null };
  const avg = (key: 'mean_ms' | 'stddev_ms' | 'p50_ms' | 'p95_ms' | 'p99_ms'): number | null => {
    let s = 0;
    let n = 0;
    for (const x of summaries) {
      const v = x[key];
      if (x.count > 0 && v !== null) {
        s += v * x.count;
        n += x.count;
      }
    }
    return n > 0 ? s / n : null;
  };
  const maxes = summaries.map((x) => x.max_ms).filter((v): v is number => v !== null);
  return {
    count,
    mean_ms: avg('mean_ms'),
    stddev_ms: avg('stddev_ms'),
    p50_ms: avg('p50_ms'),
    p95_ms: avg('p95_ms'),
    p99_ms: avg('p99_ms'),
    max_ms: maxes.length ? Math.max(...maxes) : null,
  };
}

function mergedLatency(rounds: BandResult[]): { summary: LatencySummary; encoded: string } {
  const total = newLatencyHistogram();
  try {
    let sumMs = 0;
    for (const r of rounds) {
      if (r.latency.count > 0 && r.latency.mean_ms !== null) sumMs += r.latency.mean_ms * r.latency.count;
      if (!r.latency_histogram) continue;
      const h = hdr.decodeFromCompressedBase64(r.latency_histogram);
      try {
        total.add(h);
      } finally {
        h.destroy();
      }
    }
    return { summary: summarise(total, sumMs), encoded: hdr.encodeIntoCompressedBase64(total) };
  } finally {
    total.destroy();
  }
}

/** The rounds' series laid end to end, or absent when a round lacks it (older runners) or slices differ. */
function joined<K extends 'p95_series_ms' | 'tps_slices' | 'p95_slices_ms'>(
  rounds: BandResult[],
  key: K,
): BandResult[K] | undefined {
  if (!rounds.every((r) => Array.isArray(r[key]) && r.slice_ms === rounds[0]!.slice_ms)) return undefined;
  return rounds.flatMap((r) => r[key] as (number | null)[]) as BandResult[K];
}

export function mergeRounds(rounds: BandResult[]): BandResult {
  const first = rounds[0];
  if (!first) throw new RangeError('mergeRounds: no rounds');
  if (rounds.length === 1) return structuredClone(first);
  const duration = rounds.reduce((s, r) => s + r.duration_s, 0);
  const transactions = rounds.reduce((s, r) => s + r.transactions, 0);
  const failed = rounds.reduce((s, r) => s + r.failed_transactions, 0);
  const statements = rounds.reduce((s, r) => s + r.statements, 0);
  const errors: Record<string, number> = {};
  for (const r of rounds) for (const [code, n] of Object.entries(r.errors)) errors[code] = (errors[code] ?? 0) + n;
  const examples: Record<string, ErrorExample> = {};
  for (const r of rounds)
    for (const [code, example] of Object.entries(r.error_examples ?? {})) examples[code] ??= example;
  const latency = mergedLatency(rounds);
  const elus = rounds.map((r) => r.client.event_loop_utilization).filter((v): v is number => v !== null);
  const delays = rounds.map((r) => r.client.event_loop_delay_p99_ms).filter((v): v is number => v !== null);
  const cpu = rounds.filter((r) => r.client.cpu_us_per_tx !== null && r.transactions > 0);
  const cpuTx = cpu.reduce((s, r) => s + r.transactions, 0);
  const status = rounds.every((r) => r.status === 'complete')
    ? 'complete'
    : rounds.every((r) => r.status === 'failed')
      ? 'failed'
      : 'partial';
  return {
    band_id: first.band_id,
    workers: first.workers,
    connections: first.connections,
    status,
    started_at: first.started_at,
    duration_s: duration,
    transactions,
    failed_transactions: failed,
    statements,
    total_tps: bandTps(transactions, duration),
    total_qps: bandQps(statements, duration),
    latency: latency.summary,
    pool_wait: weighted(rounds.map((r) => r.pool_wait)),
    service_time: weighted(rounds.map((r) => r.service_time)),
    tps_series: rounds.flatMap((r) => r.tps_series),
    p95_series_ms: joined(rounds, 'p95_series_ms'),
    ...(first.slice_ms === undefined ? {} : { slice_ms: first.slice_ms }),
    tps_slices: joined(rounds, 'tps_slices'),
    p95_slices_ms: joined(rounds, 'p95_slices_ms'),
    latency_histogram: latency.encoded,
    errors: Object.fromEntries(Object.entries(errors).sort(([a], [b]) => a.localeCompare(b))),
    error_examples: Object.fromEntries(Object.entries(examples).sort(([a], [b]) => a.localeCompare(b))),
    error_rate: bandErrorRate(transactions, failed),
    degraded: rounds.some((r) => r.degraded),
    client: {
      event_loop_utilization: elus.length ? elus.reduce((a, b) => a + b, 0) / elus.length : null,
      event_loop_delay_p99_ms: delays.length ? Math.max(...delays) : null,
      cpu_us_per_tx: cpuTx > 0 ? cpu.reduce((s, r) => s + r.client.cpu_us_per_tx! * r.transactions, 0) / cpuTx : null,
      client_bound: rounds.some((r) => r.client.client_bound),
    },
    pg_stats: null,
    rate: null,
  };
}
