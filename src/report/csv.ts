// The band table as CSV: one row per band. Its inverse, the importer of band tables from any tool,
// is results/import-csv.ts.

import { databaseConcurrency } from '../analyze/laws.js';
import type { BandRegion, BandResult, BandStatistics, QueueingBand, ResultsDocument } from '../results/types.js';

type CellValue = string | number | boolean | null | undefined;

interface RowContext {
  doc: ResultsDocument;
  band: BandResult;
  stats: BandStatistics | undefined;
  region: BandRegion | undefined;
  queueing: QueueingBand | undefined;
}

export interface CsvColumn {
  name: string;
  description: string;
  /** Decimals for numeric values; undefined for integers, text and booleans. */
  decimals?: number;
  value(ctx: RowContext): CellValue;
}

const concurrencyOf = (ctx: RowContext): number =>
  ctx.stats?.concurrency ?? databaseConcurrency(ctx.band.workers, ctx.band.connections);

/** Every column of results.csv in order; the README's column reference is generated from this. */
export const CSV_COLUMNS: readonly CsvColumn[] = [
  { name: 'band_id', description: 'Band number, from 1 in plan order.', value: (c) => c.band.band_id },
  {
    name: 'workers',
    description: 'Closed-loop workers (clients) running transactions back to back.',
    value: (c) => c.band.workers,
  },
  { name: 'connections', description: 'Connections in the pool the workers share.', value: (c) => c.band.connections },
  {
    name: 'total_tps',
    description: 'Committed transactions per second over the measured window.',
    decimals: 2,
    value: (c) => c.band.total_tps,
  },
  {
    name: 'total_qps',
    description: 'Statements per second over the measured window.',
    decimals: 2,
    value: (c) => c.band.total_qps,
  },
  {
    name: 'avg_latency_ms',
    description: 'Mean transaction latency (pool wait + service time), ms.',
    decimals: 3,
    value: (c) => c.band.latency.mean_ms,
  },
  {
    name: 'p50_latency_ms',
    description: 'Median transaction latency, ms (HDR histogram).',
    decimals: 3,
    value: (c) => c.band.latency.p50_ms,
  },
  {
    name: 'p95_latency_ms',
    description: '95th percentile transaction latency, ms.',
    decimals: 3,
    value: (c) => c.band.latency.p95_ms,
  },
  {
    name: 'p99_latency_ms',
    description: '99th percentile transaction latency, ms.',
    decimals: 3,
    value: (c) => c.band.latency.p99_ms,
  },
  {
    name: 'error_rate',
    description: 'Failed / attempted transactions, as a fraction from 0 to 1.',
    decimals: 6,
    value: (c) => c.band.error_rate,
  },
  {
    name: 'max_latency_ms',
    description: 'Slowest transaction latency, ms.',
    decimals: 3,
    value: (c) => c.band.latency.max_ms,
  },
  {
    name: 'stddev_latency_ms',
    description: 'Standard deviation of transaction latency, ms.',
    decimals: 3,
    value: (c) => c.band.latency.stddev_ms,
  },
  {
    name: 'avg_pool_wait_ms',
    description: 'Mean time a transaction waited for a pool connection, ms.',
    decimals: 3,
    value: (c) => c.band.pool_wait.mean_ms,
  },
  {
    name: 'p95_pool_wait_ms',
    description: '95th percentile pool wait, ms.',
    decimals: 3,
    value: (c) => c.band.pool_wait.p95_ms,
  },
  {
    name: 'avg_service_ms',
    description: 'Mean service time (holding a connection), ms.',
    decimals: 3,
    value: (c) => c.band.service_time.mean_ms,
  },
  {
    name: 'p95_service_ms',
    description: '95th percentile service time, ms.',
    decimals: 3,
    value: (c) => c.band.service_time.p95_ms,
  },
  {
    name: 'transactions',
    description: 'Committed transactions in the measured window.',
    value: (c) => c.band.transactions,
  },
  {
    name: 'failed_transactions',
    description: 'Transactions that failed and were rolled back.',
    value: (c) => c.band.failed_transactions,
  },
  { name: 'statements', description: 'Statements executed in the measured window.', value: (c) => c.band.statements },
  {
    name: 'duration_s',
    description: 'Length of the measured window actually observed, seconds.',
    decimals: 3,
    value: (c) => c.band.duration_s,
  },
  { name: 'status', description: 'complete, partial (interrupted) or failed.', value: (c) => c.band.status },
  { name: 'degraded', description: 'true when the error rate crossed max_error_rate.', value: (c) => c.band.degraded },
  {
    name: 'client_bound',
    description: 'true when the load generator, not the database, was the limit.',
    value: (c) => c.band.client.client_bound,
  },
  {
    name: 'event_loop_utilization',
    description: 'Event-loop utilisation of the load generator, 0 to 1.',
    decimals: 4,
    value: (c) => c.band.client.event_loop_utilization,
  },
  {
    name: 'cpu_us_per_tx',
    description: 'Client CPU time per committed transaction, microseconds.',
    decimals: 1,
    value: (c) => c.band.client.cpu_us_per_tx,
  },
  {
    name: 'client_threads',
    description: 'Event loops that drove the workers (1: the main thread only).',
    value: (c) => c.band.client.threads ?? 1,
  },
  {
    name: 'concurrency',
    description: 'Concurrency the database sees: min(workers, connections); the x axis of the fits.',
    value: concurrencyOf,
  },
  {
    name: 'region',
    description: 'Scaling region of the band: linear, diminishing, saturation or degradation (empty without analysis).',
    value: (c) => c.region?.label ?? null,
  },
  {
    name: 'tps_ci_low',
    description: 'Lower bound of the TPS confidence interval (batch means, t quantile).',
    decimals: 2,
    value: (c) => c.stats?.tps.interval?.low ?? null,
  },
  {
    name: 'tps_ci_high',
    description: 'Upper bound of the TPS confidence interval.',
    decimals: 2,
    value: (c) => c.stats?.tps.interval?.high ?? null,
  },
  {
    name: 'latency_ci_low_ms',
    description: 'Lower bound of the mean-latency confidence interval, ms.',
    decimals: 3,
    value: (c) => c.stats?.latency_mean_ms.interval?.low ?? null,
  },
  {
    name: 'latency_ci_high_ms',
    description: 'Upper bound of the mean-latency confidence interval, ms.',
    decimals: 3,
    value: (c) => c.stats?.latency_mean_ms.interval?.high ?? null,
  },
  {
    name: 'tps_per_worker',
    description: 'total_tps / workers.',
    decimals: 3,
    value: (c) => c.stats?.tps_per_worker ?? (c.band.workers > 0 ? c.band.total_tps / c.band.workers : null),
  },
  {
    name: 'tps_per_connection',
    description: 'total_tps / connections.',
    decimals: 3,
    value: (c) =>
      c.stats?.tps_per_connection ?? (c.band.connections > 0 ? c.band.total_tps / c.band.connections : null),
  },
  {
    name: 'connection_utilization',
    description: "Busy fraction of the pool by Little's law (service time × TPS / connections), 0 to 1.",
    decimals: 4,
    value: (c) => c.stats?.connection_utilization ?? null,
  },
  {
    name: 'bottleneck',
    description:
      'Bottleneck label from the queueing analysis (client-bound, ' +
      'pool-bound, server-cpu, server-io, server-lock, server).',
    value: (c) => c.queueing?.bottleneck ?? null,
  },
  {
    name: 'errors',
    description: 'Failed transactions by SQLSTATE, as CODE=count pairs separated by semicolons.',
    value: (c) => formatErrors(c.band.errors),
  },
  {
    name: 'started_at',
    description: 'When the measured window started (ISO 8601).',
    value: (c) => c.band.started_at || null,
  },
  { name: 'workload', description: 'Workload name (the same on every row).', value: (c) => c.doc.workload },
];

/** The header every consumer may rely on; later columns may be added, never reordered. */
export const CSV_HEADER_PREFIX =
  'band_id,workers,connections,total_tps,total_qps,' +
  'avg_latency_ms,p50_latency_ms,p95_latency_ms,p99_latency_ms,error_rate';

function formatErrors(errors: Record<string, number>): string | null {
  const codes = Object.keys(errors).sort();
  if (codes.length === 0) return null;
  return codes.map((code) => `${code}=${errors[code]}`).join(';');
}

/** RFC 4180: quote when the field holds a comma, quote, CR or LF; double inner quotes. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function formatCell(column: CsvColumn, value: CellValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return '';
    return column.decimals === undefined ? String(Math.round(value)) : value.toFixed(column.decimals);
  }
  return csvField(neutralizeFormula(value));
}

/**
 * Spreadsheets execute cells starting with = + - @ (CSV injection); a leading apostrophe makes
 * them text. parseBandCsv (results/import-csv.ts) removes it again, so the value round-trips.
 */
function neutralizeFormula(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

/** The column reference as a Markdown table, for the README. */
export function csvColumnsMarkdown(): string {
  const rows = CSV_COLUMNS.map((c) => `| \`${c.name}\` | ${c.description.replace(/\|/g, '\\|')} |`);
  return ['| Column | Meaning |', '| --- | --- |', ...rows].join('\n') + '\n';
}

/** One row per band, CRLF line endings as RFC 4180 asks. */
export function toCsv(doc: ResultsDocument): string {
  const analysis = doc.analysis;
  const stats = new Map(analysis?.band_statistics.map((s) => [s.band_id, s]) ?? []);
  const regions = new Map(analysis?.band_regions.map((r) => [r.band_id, r]) ?? []);
  const queueing = new Map(analysis?.queueing_theory.bands.map((q) => [q.band_id, q]) ?? []);
  const lines = [CSV_COLUMNS.map((c) => c.name).join(',')];
  for (const band of doc.bands) {
    const ctx: RowContext = {
      doc,
      band,
      stats: stats.get(band.band_id),
      region: regions.get(band.band_id),
      queueing: queueing.get(band.band_id),
    };
    lines.push(CSV_COLUMNS.map((column) => formatCell(column, column.value(ctx))).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}
