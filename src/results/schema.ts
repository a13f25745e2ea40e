// The results document's schema: the essentials of every field the views and the comparison
// read, as deep as they read them, so a hand-edited or foreign document fails with the field's
// path rather than later with a TypeError. Unknown keys pass through (newer producers may add
// fields). Parallels the types in types.ts.

import { z } from 'zod';
import { SCHEMA_VERSION } from './types.js';

const nonNegative = z
  .number({ error: 'expected a non-negative finite number' })
  .nonnegative({ error: 'expected a non-negative finite number' });
const nonNegativeInt = z
  .int({ error: 'expected a non-negative integer' })
  .nonnegative({ error: 'expected a non-negative integer' });
const positiveInt = z.int({ error: 'expected a positive integer' }).positive({ error: 'expected a positive integer' });
const fraction = z
  .number({ error: 'expected a number from 0 to 1' })
  .min(0, { error: 'expected a number from 0 to 1' })
  .max(1, { error: 'expected a number from 0 to 1' });
const nullableNonNegative = nonNegative.nullable();
const text = z.string({ error: 'expected a string' });
const bool = z.boolean({ error: 'expected true or false' });

const latencySummary = z.looseObject(
  {
    count: nonNegativeInt,
    mean_ms: nullableNonNegative,
    stddev_ms: nullableNonNegative,
    p50_ms: nullableNonNegative,
    p95_ms: nullableNonNegative,
    p99_ms: nullableNonNegative,
    max_ms: nullableNonNegative,
  },
  { error: 'expected a latency summary object' },
);

const band = z.looseObject(
  {
    band_id: positiveInt,
    workers: positiveInt,
    connections: positiveInt,
    status: z.enum(['complete', 'partial', 'failed'], { error: 'expected "complete", "partial" or "failed"' }),
    started_at: text,
    duration_s: nonNegative,
    transactions: nonNegativeInt,
    failed_transactions: nonNegativeInt,
    statements: nonNegativeInt,
    total_tps: nonNegative,
    total_qps: nonNegative,
    latency: latencySummary,
    pool_wait: latencySummary,
    service_time: latencySummary,
    tps_series: z.array(nonNegative, { error: 'expected an array of numbers' }),
    latency_histogram: text,
    errors: z.record(z.string(), nonNegativeInt, { error: 'expected an object of SQLSTATE counts' }),
    error_examples: z
      .record(z.string(), z.strictObject({ message: z.string(), statement: z.string().nullable() }), {
        error: 'expected an object of {message, statement} by SQLSTATE',
      })
      .optional(),
    error_rate: fraction,
    degraded: bool,
    outage_s: nonNegative.optional(),
    notices: z
      .record(z.string(), nonNegativeInt, { error: 'expected an object of notice counts by severity' })
      .optional(),
    client: z.looseObject(
      {
        event_loop_utilization: fraction.nullable(),
        event_loop_delay_p99_ms: nullableNonNegative,
        cpu_us_per_tx: nullableNonNegative,
        client_bound: bool,
      },
      { error: 'expected a client load object' },
    ),
    pg_stats: z.looseObject({}, { error: 'expected an object or null' }).nullable(),
    rate: z.looseObject({}, { error: 'expected an object or null' }).nullable(),
  },
  { error: 'expected a band object' },
);

// The analysis is validated as deeply as the views read it, so a hand-edited or foreign
// baseline fails here with a located message rather than later with a TypeError.
const finite = z.number({ error: 'expected a finite number' });
const nullableFinite = finite.nullable();
const interval = z
  .looseObject({ low: finite, high: finite, level: fraction }, { error: 'expected an interval {low, high, level}' })
  .nullable();
const estimate = z.looseObject(
  { value: nullableFinite, interval, reason: text.nullable() },
  { error: 'expected an estimate {value, interval, reason}' },
);
const list = <T extends z.ZodType>(item: T, what: string) => z.array(item, { error: `expected an array of ${what}` });
const regionLabel = z.enum(['linear', 'diminishing', 'saturation', 'degradation'], {
  error: 'expected "linear", "diminishing", "saturation" or "degradation"',
});

const analysis = z.looseObject(
  {
    band_statistics: list(
      z.looseObject({
        band_id: positiveInt,
        concurrency: nonNegative,
        tps: estimate,
        latency_mean_ms: estimate,
        connection_utilization: nullableFinite,
      }),
      'band statistics',
    ),
    marginal_gains: list(
      z.looseObject({ from_band: positiveInt, to_band: positiveInt, gain: estimate, normalized_gain: estimate }),
      'marginal gains',
    ),
    inflection_points: list(
      z.looseObject({ band_id: positiveInt, axis: text, type: text, z_score: finite, explanation: text }),
      'inflection points',
    ),
    curve_fitting: z.looseObject(
      {
        points_used: nonNegativeInt,
        excluded: list(z.looseObject({ band_id: positiveInt, reason: text }), 'excluded bands'),
        models: list(
          z.looseObject({
            model: text,
            parameters: z.record(z.string(), finite, { error: 'expected an object of numbers' }),
            r_squared: nullableFinite,
            rmse: nullableFinite,
            aicc: nullableFinite,
            reason: text.nullable(),
          }),
          'model fits',
        ),
        best_model: text.nullable(),
        best_model_reason: text,
        usl: z.looseObject(
          {
            sigma: nullableFinite,
            kappa: nullableFinite,
            lambda: nullableFinite,
            peak_concurrency: nullableFinite,
            peak_tps: nullableFinite,
            r_squared: nullableFinite,
            sigma_ci: interval,
            kappa_ci: interval,
            peak_concurrency_ci: interval,
            peak_tps_ci: interval,
            reason: text.nullable(),
          },
          { error: 'expected a USL fit object' },
        ),
        predictions: list(z.looseObject({ concurrency: nonNegative, tps: finite, model: text }), 'predictions'),
      },
      { error: 'expected a curve_fitting object' },
    ),
    queueing_theory: z.looseObject(
      {
        bands: list(
          z.looseObject({
            band_id: positiveInt,
            utilization: nullableFinite,
            service_time_ms: nullableFinite,
            observed_pool_wait_ms: nullableFinite,
            predicted_pool_wait_ms: nullableFinite,
            bottleneck: text,
            evidence: text,
          }),
          'queueing bands',
        ),
        notes: list(text, 'strings'),
      },
      { error: 'expected a queueing_theory object' },
    ),
    band_regions: list(
      z.looseObject({ band_id: positiveInt, label: regionLabel.nullable(), reason: text }),
      'band regions',
    ),
    regions: list(
      z.looseObject({
        label: regionLabel,
        from_band: positiveInt,
        to_band: positiveInt,
        band_ids: list(positiveInt, 'band ids'),
      }),
      'regions',
    ),
    recommendations: list(
      z.looseObject({
        type: text,
        priority: text,
        category: text,
        suggestion: text,
        expected_gain: nullableFinite,
        confidence: fraction,
      }),
      'recommendations',
    ),
    optimal_reason: text.nullable(),
    warnings: list(text, 'strings'),
  },
  { error: 'expected an analysis object or null' },
);

const optimalConfig = z.looseObject(
  {
    band_id: positiveInt,
    workers: positiveInt,
    connections: positiveInt,
    tps: nonNegative,
    p95_latency_ms: nullableNonNegative,
    fraction_of_peak: nonNegative,
    objective: text,
    reasoning: text,
    slo_met: bool,
  },
  { error: 'expected an optimal_config object or null' },
);

/** The whole document; parseResultsJson checks schema_version first, then this. */
export const resultsDocumentSchema = z.looseObject({
  schema_version: z.literal(SCHEMA_VERSION),
  tool: z.looseObject({ name: text, version: text }, { error: 'expected {name, version}' }),
  test_start_time: text,
  test_end_time: text.nullable(),
  partial: bool,
  partial_reason: text.nullable(),
  workload: text,
  scale: nonNegative,
  strategy: z.enum(['linear', 'exponential', 'fibonacci'], {
    error: 'expected "linear", "exponential" or "fibonacci"',
  }),
  config: z.unknown(),
  plan_fingerprint: text,
  workload_files: z.array(
    z.looseObject({
      path: text,
      role: z.enum(['script', 'setup'], { error: 'expected "script" or "setup"' }),
      sha256: text,
    }),
    { error: 'expected an array of workload file digests' },
  ),
  environment: z.looseObject(
    {
      server_version: text.nullable(),
      server_version_num: nonNegative.nullable(),
      settings: z.record(z.string(), z.string(), { error: 'expected an object of setting strings' }),
      client_cpus: nonNegativeInt,
      client_cpu_model: text.nullable(),
      node_version: text,
      platform: text,
      embedded_server: bool,
    },
    { error: 'expected an environment object' },
  ),
  bands: z.array(band, { error: 'expected an array of bands' }).min(1, { error: 'expected at least one band' }),
  analysis: analysis.nullable(),
  optimal_config: optimalConfig.nullable(),
});
