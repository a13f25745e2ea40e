// The results document as JSON, and the reader that accepts results files from users and
// baseline artifacts: anything malformed becomes one UserError line with its location.

import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { UserError } from '../errors.js';
import { SCHEMA_VERSION, type ResultsDocument } from '../results/types.js';
import { parseBandCsv } from './csv.js';
import { formatJsonPath, JsonSyntaxError, positionOf, scanJson, type JsonPath } from './json-locate.js';

/** Finds the first non-finite number; JSON.stringify would silently turn it into null. */
function findNonFinite(value: unknown, path: (string | number)[]): string | null {
  if (typeof value === 'number') return Number.isFinite(value) ? null : `${formatJsonPath(path)} = ${value}`;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findNonFinite(value[i], [...path, i]);
      if (found) return found;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      const found = findNonFinite(child, [...path, key]);
      if (found) return found;
    }
  }
  return null;
}

/**
 * Stable, 2-space JSON with a trailing newline. A NaN or Infinity anywhere is a bug in the
 * producer (the analysis must use null + reason), so it throws instead of writing a lie.
 */
export function toJson(doc: ResultsDocument): string {
  const bad = findNonFinite(doc, []);
  if (bad) throw new Error(`internal error: results document holds a non-finite number at ${bad}`);
  return JSON.stringify(doc, null, 2) + '\n';
}

// ---------------------------------------------------------------------------------------------
// Validation of the essentials. Unknown keys pass through (newer producers may add fields).

const nonNegative = z.number({ error: 'expected a non-negative finite number' }).nonnegative({ error: 'expected a non-negative finite number' });
const nonNegativeInt = z.int({ error: 'expected a non-negative integer' }).nonnegative({ error: 'expected a non-negative integer' });
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
    notices: z.record(z.string(), nonNegativeInt, { error: 'expected an object of notice counts by severity' }).optional(),
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
const interval = z.looseObject({ low: finite, high: finite, level: fraction }, { error: 'expected an interval {low, high, level}' }).nullable();
const estimate = z.looseObject({ value: nullableFinite, interval, reason: text.nullable() }, { error: 'expected an estimate {value, interval, reason}' });
const list = <T extends z.ZodType>(item: T, what: string) => z.array(item, { error: `expected an array of ${what}` });
const regionLabel = z.enum(['linear', 'diminishing', 'saturation', 'degradation'], {
  error: 'expected "linear", "diminishing", "saturation" or "degradation"',
});

const analysis = z.looseObject(
  {
    band_statistics: list(
      z.looseObject({ band_id: positiveInt, concurrency: nonNegative, tps: estimate, latency_mean_ms: estimate, connection_utilization: nullableFinite }),
      'band statistics',
    ),
    marginal_gains: list(z.looseObject({ from_band: positiveInt, to_band: positiveInt, gain: estimate, normalized_gain: estimate }), 'marginal gains'),
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
    band_regions: list(z.looseObject({ band_id: positiveInt, label: regionLabel.nullable(), reason: text }), 'band regions'),
    regions: list(
      z.looseObject({ label: regionLabel, from_band: positiveInt, to_band: positiveInt, band_ids: list(positiveInt, 'band ids') }),
      'regions',
    ),
    recommendations: list(
      z.looseObject({ type: text, priority: text, category: text, suggestion: text, expected_gain: nullableFinite, confidence: fraction }),
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

const resultsDocument = z.looseObject({
  schema_version: z.literal(SCHEMA_VERSION),
  tool: z.looseObject({ name: text, version: text }, { error: 'expected {name, version}' }),
  test_start_time: text,
  test_end_time: text.nullable(),
  partial: bool,
  partial_reason: text.nullable(),
  workload: text,
  scale: nonNegative,
  strategy: z.enum(['linear', 'exponential', 'fibonacci'], { error: 'expected "linear", "exponential" or "fibonacci"' }),
  config: z.unknown(),
  plan_fingerprint: text,
  workload_files: z.array(
    z.looseObject({ path: text, role: z.enum(['script', 'setup'], { error: 'expected "script" or "setup"' }), sha256: text }),
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

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = root;
  for (const part of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[part as string];
  }
  return current;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing (the field is missing)';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

function locate(text: string, file: string, path: JsonPath): { file: string; line: number; column: number } {
  try {
    const offset = scanJson(text, path);
    if (offset !== null) return { file, ...positionOf(text, offset) };
    // A missing field: point at its parent object.
    if (path.length > 0) return locate(text, file, path.slice(0, -1));
  } catch {
    // The text parsed with JSON.parse, so the scanner should too; fall back to the start.
  }
  return { file, line: 1, column: 1 };
}

/** Validates the text of a results JSON document; `file` names it in error messages. */
export function parseResultsJson(text: string, file: string): ResultsDocument {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    try {
      scanJson(text);
    } catch (error) {
      if (error instanceof JsonSyntaxError) {
        const truncated = error.offset >= text.trimEnd().length;
        throw new UserError(`invalid JSON: ${error.message}${truncated ? ' (is the file truncated?)' : ''}`, {
          file,
          ...positionOf(text, error.offset),
        });
      }
    }
    throw new UserError('invalid JSON', { file, line: 1, column: 1 });
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new UserError('expected a results document (a JSON object with schema_version and bands)', { file, line: 1, column: 1 });
  }
  const version = (data as Record<string, unknown>).schema_version;
  if (version === undefined) {
    throw new UserError(`${file}: schema_version is missing (expected ${SCHEMA_VERSION}); is this a pgscale results file?`);
  }
  if (version !== SCHEMA_VERSION) {
    throw new UserError(`${file}: schema_version ${JSON.stringify(version)} is not supported (expected ${SCHEMA_VERSION})`);
  }
  const result = resultsDocument.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    const actual = valueAt(data, path);
    throw new UserError(`${formatJsonPath(path)}: ${issue.message}, got ${describeValue(actual)}`, locate(text, file, path));
  }
  const doc = data as ResultsDocument;
  const seen = new Set<number>();
  doc.bands.forEach((b, index) => {
    if (seen.has(b.band_id)) {
      throw new UserError(`bands[${index}].band_id: duplicate band ${b.band_id}`, locate(text, file, ['bands', index, 'band_id']));
    }
    seen.add(b.band_id);
  });
  return doc;
}

function looksLikeJson(text: string): boolean {
  return /^\s*[{[]/.test(text.replace(/^\uFEFF/, ''));
}

/**
 * Reads a results file: a pgscale JSON results document, or a band-table CSV (chosen by the
 * .json/.csv extension, otherwise by sniffing the first character).
 */
export function readResultsFile(path: string): ResultsDocument {
  let content: string;
  try {
    content = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : (code ?? 'unreadable');
    throw new UserError(`${path}: cannot read results file (${why})`);
  }
  const lower = path.toLowerCase();
  const isCsv = lower.endsWith('.csv') || (!lower.endsWith('.json') && !looksLikeJson(content));
  if (isCsv) return parseBandCsv(content, path);
  return parseResultsJson(content.replace(/^\uFEFF/, ''), path);
}
