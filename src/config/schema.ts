// The config file format as a zod schema of the *input* (what users write). It checks shapes,
// types and ranges; defaults that depend on other keys, cross-field rules and duration maths
// live in normalize.ts. The published JSON Schema is generated from this same object.
import { z } from 'zod';
import { DEFAULT_ANALYSIS_SETTINGS } from './types.js';
import { DURATION_EXPECTED, DURATION_PATTERN } from './duration.js';

/** Upper bound of every worker/connection/step/scale value: larger ones are typos, not plans. */
export const MAX_COUNT = 100_000;

export const STRATEGIES = ['linear', 'exponential', 'fibonacci'] as const;
export const EXPORT_FORMATS = ['csv', 'json', 'both'] as const;
export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
/** `tpcb-like` is pgbench's own name for `tpcb`. */
export const WORKLOAD_NAMES = ['tpcb', 'tpcb-like', 'select-only', 'simple-update'] as const;

function oneOf(values: readonly string[]): string {
  return `expected one of ${values.join(', ')}`;
}

function int(min: number, max: number, description: string) {
  return z
    .number({ error: `expected an integer between ${min} and ${max}` })
    .int()
    .min(min)
    .max(max)
    .describe(description);
}

function fraction(description: string, opts: { exclusiveMin?: boolean; exclusiveMax?: boolean } = {}) {
  const low = opts.exclusiveMin ? 'greater than 0' : 'from 0';
  const high = opts.exclusiveMax ? 'less than 1' : 'to 1';
  let schema = z.number({ error: `expected a number ${low} ${opts.exclusiveMax ? 'and ' : ''}${high}` });
  schema = opts.exclusiveMin ? schema.gt(0) : schema.min(0);
  schema = opts.exclusiveMax ? schema.lt(1) : schema.max(1);
  return schema.describe(description);
}

function positive(description: string) {
  return z.number({ error: 'expected a number greater than 0' }).gt(0).describe(description);
}

function duration(description: string) {
  return z
    .union(
      [
        z.string({ error: DURATION_EXPECTED }).regex(new RegExp(DURATION_PATTERN), { error: DURATION_EXPECTED }),
        z.number({ error: DURATION_EXPECTED }).min(0),
      ],
      { error: DURATION_EXPECTED },
    )
    .describe(`${description} Go-style ("30s", "1m30s", "500ms") or a number of seconds.`);
}

function text(description: string) {
  return z.string({ error: 'expected a non-empty string' }).min(1).describe(description);
}

function boolean(description: string) {
  return z.boolean({ error: 'expected true or false' }).describe(description);
}

const counts = 'an integer from 1 to 100000';

export const progressiveSchema = z
  .strictObject(
    {
      enabled: boolean('Run in progressive mode; the CLI flag --progressive overrides false.').default(true),
      min_workers: int(1, MAX_COUNT, 'Workers (closed-loop clients) of the first band.'),
      max_workers: int(1, MAX_COUNT, 'Workers of the last band.'),
      step_workers: int(1, MAX_COUNT, 'Worker increment between bands (linear) or minimum rise (exponential).').default(
        1,
      ),
      min_connections: int(1, MAX_COUNT, 'Pool connections of the first band; defaults to min_workers.').optional(),
      max_connections: int(1, MAX_COUNT, 'Pool connections of the last band; defaults to max_workers.').optional(),
      step_connections: int(
        1,
        MAX_COUNT,
        'Connection increment; defaults to step_workers when no connection key is given, else 1.',
      ).optional(),
      band_duration: duration('Measured time per band.').default('30s'),
      warmup_time: duration('Warm-up before each band; what it measures is discarded.').default('10s'),
      cooldown_time: duration('Rest after each band.').default('5s'),
      strategy: z
        .enum(STRATEGIES, { error: oneOf(STRATEGIES) })
        .default('linear')
        .describe('How band values are chosen.'),
      export_format: z
        .enum(EXPORT_FORMATS, { error: oneOf(EXPORT_FORMATS) })
        .default('both')
        .describe('Which exports to write.'),
      export_path: text('Directory the exports are written into.').default('./progressive_results'),
      collect_pg_stats: boolean('Record pg_stat_database deltas and wait events per band.').default(false),
      pg_stats_statements: boolean("The spec's spelling of pg_stat_statements.").optional(),
      pg_stat_statements: boolean('Record the top statements from pg_stat_statements per band.').optional(),
      rate: positive('Open-loop target rate in transactions per second per band; null = closed loop.')
        .nullable()
        .default(null),
      time_budget: duration("Refuse to start when the plan's estimated duration exceeds this.")
        .nullable()
        .default(null),
      max_error_rate: fraction('A band whose error rate exceeds this is marked degraded.').default(0.05),
      pipeline: boolean(
        "Send each BEGIN…END block of a script in one round trip, like pgbench's " +
          '\\startpipeline. Off by default: pgbench waits for each statement.',
      ).default(false),
      client_threads: z
        .union([z.literal('auto'), z.number().int().min(1).max(64)], {
          error: 'expected "auto" or an integer from 1 to 64',
        })
        .default('auto')
        .describe(
          'Event loops that drive the workers: each runs a share of the workers and connections. ' +
            '"auto" uses one per CPU core (closed loop only); 1 keeps everything on the main thread.',
        ),
    },
    { error: 'expected a mapping with at least min_workers and max_workers' },
  )
  .describe(`The band plan and its timing. Worker and connection values are ${counts}.`);

export const databaseSchema = z
  .strictObject(
    {
      url: text('postgres:// connection URL; alternative to host/port/dbname/username/password/sslmode.').optional(),
      host: text('Server host name or socket directory.').optional(),
      port: int(1, 65535, 'Server port.').optional(),
      dbname: text('Database name.').optional(),
      username: text('Role to connect as.').optional(),
      password: z
        .string({ error: 'expected a string' })
        .describe('Password; prefer PGPASSWORD or a URL from a secret.')
        .optional(),
      sslmode: z
        .enum(SSL_MODES, { error: oneOf(SSL_MODES) })
        .describe('libpq sslmode.')
        .optional(),
    },
    { error: 'expected a mapping with url, or host/port/dbname/username/password/sslmode' },
  )
  .nullable()
  .describe(
    'Optional: what it leaves out comes from DATABASE_URL, then the ' +
      'PG* variables; with none of them, an embedded server is used.',
  );

const scriptSchema = z.strictObject(
  {
    file: text('pgbench-format script, relative to this config file.'),
    weight: positive('Relative frequency of this script.').default(1),
  },
  { error: 'expected a mapping with file and optional weight' },
);

const customWorkloadSchema = z.strictObject(
  {
    name: text('Workload name shown in reports and used to match baselines.').optional(),
    scripts: z
      .array(scriptSchema, { error: 'expected a list of {file, weight} mappings' })
      .min(1)
      .optional()
      .describe('pgbench-format scripts chosen at random by weight.'),
    setup: z
      .array(text('SQL file run by --setup, relative to this config file.'), { error: 'expected a list of file names' })
      .default([])
      .describe('SQL files run by --setup, in order.'),
  },
  { error: `${oneOf(WORKLOAD_NAMES)}, or a mapping with name and scripts` },
);

export const workloadSchema = z
  .union(
    [
      z.enum(WORKLOAD_NAMES, { error: `${oneOf(WORKLOAD_NAMES)}, or a mapping with name and scripts` }),
      customWorkloadSchema,
    ],
    { error: `${oneOf(WORKLOAD_NAMES)}, or a mapping with name and scripts` },
  )
  .default('tpcb')
  .describe('A built-in workload name, or custom pgbench-format scripts.');

export const sloSchema = z
  .strictObject(
    {
      p95_latency_ms: positive('The optimum must keep p95 latency at or below this.').nullable().default(null),
      error_rate: fraction('The optimum must keep its error rate at or below this.').nullable().default(null),
    },
    { error: 'expected a mapping with p95_latency_ms and/or error_rate' },
  )
  .default({ p95_latency_ms: null, error_rate: null })
  .describe('Service-level objective the optimal configuration must meet.');

export const analysisSchema = z
  .strictObject(
    {
      linear_min_efficiency: fraction('Normalised marginal gain at or above which a step counts as linear.', {
        exclusiveMin: true,
      }).default(DEFAULT_ANALYSIS_SETTINGS.linear_min_efficiency),
      saturation_tolerance: fraction('Fraction of peak TPS within which a non-significant band is saturated.', {
        exclusiveMax: true,
      }).default(DEFAULT_ANALYSIS_SETTINGS.saturation_tolerance),
      confidence: fraction('Confidence level of every interval.', { exclusiveMin: true, exclusiveMax: true }).default(
        DEFAULT_ANALYSIS_SETTINGS.confidence,
      ),
      batches: int(2, 1000, 'Batch count for batch-means intervals.').default(DEFAULT_ANALYSIS_SETTINGS.batches),
      bootstrap_resamples: int(1, MAX_COUNT, 'Bootstrap resamples for USL intervals.').default(
        DEFAULT_ANALYSIS_SETTINGS.bootstrap_resamples,
      ),
      seed: int(0, 4294967295, 'Seed of every random choice of the analysis.').default(DEFAULT_ANALYSIS_SETTINGS.seed),
    },
    { error: 'expected a mapping of analysis settings' },
  )
  .default({ ...DEFAULT_ANALYSIS_SETTINGS })
  .describe('Thresholds of the scaling analysis.');

export const configFileSchema = z
  .strictObject(
    {
      progressive: progressiveSchema,
      database: databaseSchema.optional(),
      workload: workloadSchema,
      scale: int(1, MAX_COUNT, 'pgbench scale factor of the built-in tables.').default(1),
      slo: sloSchema,
      analysis: analysisSchema,
    },
    { error: 'expected a mapping with a progressive: block' },
  )
  .describe('pgscale config: a progressive connection-scaling benchmark against PostgreSQL.');

export type ConfigFileInput = z.input<typeof configFileSchema>;
export type ConfigFileParsed = z.output<typeof configFileSchema>;

/**
 * JSON Schema of the config file format, for editors (draft-07: the one yaml-language-server and most editors read).
 */
export function configJsonSchema(): object {
  const generated = z.toJSONSchema(configFileSchema, { io: 'input', target: 'draft-7' }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return {
    $schema,
    title: 'pgscale config',
    ...rest,
  };
}
