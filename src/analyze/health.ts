// Whether a run measured what it set out to measure. A run whose transactions failed is no
// success: a band that committed nothing measured nothing, and a run whose every band is
// degraded has no curve to trust. Some degraded bands, but not all, can be a finding (deadlocks
// past 64 workers, say): the run stands, and the bands are named.

import type { BandResult, ResultsDocument } from '../results/types.js';

export interface DegradedBand {
  band_id: number;
  workers: number;
  connections: number;
  transactions: number;
  error_rate: number;
  /**
   * Why the band is degraded, in words: "no transaction committed", "12.5% of transactions failed", or an outage first.
   */
  reason: string;
}

/** One failing code over the whole run. */
export interface FailureSummary {
  /** SQLSTATE, or pgscale's own code (CONNECTION, SCRIPT, CLIENT). */
  code: string;
  count: number;
  /** The first message seen for the code. */
  message: string | null;
  /** The statement that failed first with the code, as file:line. */
  statement: string | null;
}

export interface RunHealth {
  /**
   * - `ok`: no band is degraded;
   * - `degraded`: some bands are, but not all, and every band committed something;
   * - `failed`: a band committed nothing, every band is degraded, or no band was measured.
   */
  status: 'ok' | 'degraded' | 'failed';
  degraded: DegradedBand[];
  /** Every failing code, most frequent first. */
  failures: FailureSummary[];
  /** Why the run failed, in one sentence; null unless status is 'failed'. */
  reason: string | null;
}

function degradedReason(band: BandResult): string {
  if (band.transactions === 0) {
    return band.failed_transactions > 0
      ? `no transaction committed (${band.failed_transactions.toLocaleString('en-US')} failed)`
      : 'no transaction committed';
  }
  const outage = band.outage_s ? `the server was unreachable for ${band.outage_s.toFixed(1)} s` : null;
  const errors = `${(band.error_rate * 100).toFixed(1)}% of transactions failed`;
  return outage ? `${outage}, ${errors}` : errors;
}

/**
 * The run's health from its bands.
 * @example runHealth({ bands: [{ transactions: 0, failed_transactions: 9, degraded: true, … }] }).status === 'failed'
 */
export function runHealth(doc: Pick<ResultsDocument, 'bands'>): RunHealth {
  const degraded: DegradedBand[] = doc.bands
    .filter((b) => b.degraded || b.transactions === 0)
    .map((b) => ({
      band_id: b.band_id,
      workers: b.workers,
      connections: b.connections,
      transactions: b.transactions,
      error_rate: b.error_rate,
      reason: degradedReason(b),
    }));

  const byCode = new Map<string, FailureSummary>();
  for (const band of doc.bands) {
    for (const [code, count] of Object.entries(band.errors)) {
      const example = band.error_examples?.[code];
      const entry = byCode.get(code) ?? { code, count: 0, message: null, statement: null };
      entry.count += count;
      entry.message ??= example?.message ?? null;
      entry.statement ??= example?.statement ?? null;
      byCode.set(code, entry);
    }
  }
  const failures = [...byCode.values()].sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));

  const empty = degraded.filter((b) => b.transactions === 0);
  let reason: string | null = null;
  if (doc.bands.length === 0) reason = 'no band was measured';
  else if (empty.length > 0) {
    reason =
      `${empty.length === 1 ? 'band' : 'bands'} ` +
      `${empty.map((b) => b.band_id).join(', ')} committed no transaction`;
  } else if (degraded.length === doc.bands.length) reason = `every band is degraded`;
  const status = reason !== null ? 'failed' : degraded.length > 0 ? 'degraded' : 'ok';
  return { status, degraded, failures, reason };
}
