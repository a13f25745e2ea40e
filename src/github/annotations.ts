// One annotation per figure that needs a reader's eye: an error for each failure, a warning for each
// inconclusive gating figure, and a warning when there was no baseline at all.

import * as core from '@actions/core';
import type { RunHealth } from '../analyze/health.js';
import type { Comparison, FigureComparison } from '../results/comparison-types.js';
import { degradedBandText } from '../report/health.js';

export interface AnnotationSink {
  error(message: string, properties?: core.AnnotationProperties): void;
  warning(message: string, properties?: core.AnnotationProperties): void;
}

function figures(c: Comparison): FigureComparison[] {
  const curve = c.curve ? [c.curve.peak_tps, c.curve.usl_peak_concurrency, c.curve.usl_sigma, c.curve.usl_kappa] : [];
  return [...c.bands.flatMap((b) => [b.tps, b.p95_latency]), ...curve];
}

/** Writes the annotations; returns how many of each were written. */
export function annotateComparison(
  c: Comparison,
  sink: AnnotationSink = core,
  file?: string,
): { errors: number; warnings: number } {
  const props = (title: string): core.AnnotationProperties => (file ? { title, file } : { title });
  let errors = 0;
  let warnings = 0;
  if (c.verdict === 'no-baseline') {
    sink.warning(c.reason, props('pgscale: no baseline'));
    return { errors, warnings: 1 };
  }
  for (const f of figures(c)) {
    if (f.status === 'fail') {
      sink.error(`${f.label}: ${f.reason}`, props(`pgscale regression: ${f.label}`));
      errors++;
    } else if (f.status === 'inconclusive' && f.gating) {
      sink.warning(`${f.label}: ${f.reason}`, props(`pgscale inconclusive: ${f.label}`));
      warnings++;
    }
  }
  if (c.curve?.optimal.shifted) {
    sink.warning(c.curve.optimal.message, props('pgscale: optimal configuration moved'));
    warnings++;
  }
  return { errors, warnings };
}

/**
 * One warning per degraded band of a run that stands. A failed run is not annotated here: the
 * step fails with healthFailure's message, which is its one ::error:: line.
 */
export function annotateDegradedBands(
  health: RunHealth,
  sink: AnnotationSink = core,
  file?: string,
  side?: string,
): number {
  if (health.status !== 'degraded') return 0;
  const title = `pgscale: degraded band${side ? ` (${side})` : ''}`;
  for (const band of health.degraded)
    sink.warning(`Degraded ${degradedBandText(band)}`, file ? { title, file } : { title });
  return health.degraded.length;
}
