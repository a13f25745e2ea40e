// Property-based fuzzing of the config loader: whatever the input, parseConfigText either
// returns a config or throws a one-line UserError — never a raw exception or a stack trace.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseConfigText } from '../../../src/config/index.js';
import { UserError } from '../../../src/errors.js';
import { planBands } from '../../../src/plan/index.js';

function outcome(text: string): 'ok' | 'user-error' {
  try {
    const config = parseConfigText(text, 'fuzz.yaml', '/nonexistent-dir');
    // Whatever the loader accepts, the planner must be able to plan.
    const plan = planBands(config.progressive);
    const p = config.progressive;
    const outside = plan.bands.filter(
      (b, i) =>
        b.band_id !== i + 1 ||
        b.workers < p.min_workers ||
        b.workers > p.max_workers ||
        b.connections < p.min_connections ||
        b.connections > p.max_connections,
    );
    expect(outside).toEqual([]);
    return 'ok';
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    expect(error.message).not.toContain('\n');
    expect(error.message.startsWith('fuzz.yaml')).toBe(true);
    return 'user-error';
  }
}

const yamlAtoms = [
  'progressive:',
  'min_workers:',
  'max_workers:',
  'step_workers:',
  'strategy:',
  'band_duration:',
  'database:',
  'workload:',
  'scripts:',
  '- file:',
  'weight:',
  'url:',
  'host:',
  '  ',
  '\t',
  '\n',
  ': ',
  '- ',
  '[',
  ']',
  '{',
  '}',
  ',',
  '"',
  "'",
  '&a ',
  '*a',
  '!!str ',
  '!!binary ',
  '? ',
  '|',
  '>',
  '#',
  '---',
  '...',
  '%YAML 1.1',
  '1',
  '-3',
  '1e9',
  '0x10',
  '.inf',
  '.nan',
  'null',
  '~',
  'true',
  'yes',
  '30s',
  '1m30s',
  '-5s',
  'linear',
  'fibonacci',
  '\u00b5s',
  '\ufeff',
  '\u0000',
  '__proto__',
  'constructor',
];

const keys = [
  'progressive',
  'database',
  'workload',
  'scale',
  'slo',
  'analysis',
  'min_workers',
  'max_workers',
  'step_workers',
  'min_connections',
  'max_connections',
  'step_connections',
  'band_duration',
  'warmup_time',
  'cooldown_time',
  'strategy',
  'enabled',
  'rate',
  'time_budget',
  'max_error_rate',
  'export_format',
  'url',
  'host',
  'port',
  'name',
  'scripts',
  'setup',
  'file',
  'weight',
  'p95_latency_ms',
  'seed',
  '__proto__',
  'toString',
];

const valueArb = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(
      null,
      true,
      false,
      0,
      1,
      -1,
      8,
      100001,
      1.5,
      1e308,
      '30s',
      '1m',
      'abc',
      'linear',
      'exponential',
      'tpcb',
      '',
    ),
    fc.integer(),
    fc.double(),
    fc.string(),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.constantFrom(...keys), fc.string()), tie('value'), { maxKeys: 5 }),
  ),
})).value;

/** Mostly a valid choice, sometimes anything: so both the success and the error paths are reached. */
const mostly = <T>(valid: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: valid, weight: 15 }, { arbitrary: valueArb, weight: 1 });

// The valid choices are all valid; invalid values come only from `mostly`'s other branch.
const progressiveArb = fc.record(
  {
    enabled: mostly(fc.boolean()),
    min_workers: mostly(fc.integer({ min: 1, max: 10 })),
    max_workers: mostly(fc.integer({ min: 10, max: 120 })),
    step_workers: mostly(fc.integer({ min: 1, max: 20 })),
    min_connections: mostly(fc.integer({ min: 1, max: 20 })),
    max_connections: mostly(fc.integer({ min: 20, max: 150 })),
    strategy: mostly(fc.constantFrom('linear', 'exponential', 'fibonacci')),
    band_duration: mostly(fc.constantFrom('30s', '1m30s', '500ms', 12, '2')),
    rate: mostly(fc.oneof(fc.constant(null), fc.double({ min: 0.5, max: 1e6, noNaN: true }))),
  },
  { requiredKeys: ['min_workers', 'max_workers'] },
);

const configArb = fc.record(
  {
    progressive: progressiveArb,
    database: mostly(fc.constantFrom(null, { host: 'db', port: 5432 }, { url: 'postgres://db/app' })),
    workload: mostly(fc.constantFrom('tpcb', 'tpcb-like', 'select-only', 'simple-update', { name: 'select-only' })),
    scale: mostly(fc.integer({ min: 1, max: 200 })),
    slo: mostly(
      fc.record(
        { p95_latency_ms: fc.oneof(fc.constant(null), fc.double({ min: 1, max: 1000, noNaN: true })) },
        { requiredKeys: [] },
      ),
    ),
    analysis: mostly(
      fc.record({ seed: fc.nat(1000), batches: fc.integer({ min: 2, max: 100 }) }, { requiredKeys: [] }),
    ),
    extra: valueArb,
  },
  { requiredKeys: ['progressive'] },
);

describe('config loader fuzzing', () => {
  it('random strings never escape as anything but UserError', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => void outcome(text)),
      { numRuns: 500 },
    );
  });

  it('random YAML-ish token soup never escapes as anything but UserError', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constantFrom(...yamlAtoms), fc.string({ maxLength: 5 })), { maxLength: 60 }),
        (atoms) => void outcome(atoms.join('')),
      ),
      { numRuns: 1000 },
    );
  });

  it('random objects dumped to YAML never escape as anything but UserError', () => {
    fc.assert(
      fc.property(valueArb, (value) => void outcome(stringify(value))),
      { numRuns: 500 },
    );
  });

  it('config-shaped objects are accepted or rejected with a UserError, and some are accepted', () => {
    let accepted = 0;
    fc.assert(
      fc.property(configArb, fc.boolean(), (config, withExtra) => {
        if (!withExtra) delete (config as { extra?: unknown }).extra;
        if (outcome(stringify(config)) === 'ok') accepted++;
      }),
      { numRuns: 500 },
    );
    // The generator must reach the success path too, or the property says little.
    expect(accepted).toBeGreaterThan(0);
  });

  it('a valid config with one line deleted still gives a UserError or a config', () => {
    const valid = [
      'progressive:',
      '  enabled: true',
      '  min_workers: 2',
      '  max_workers: 16',
      '  step_workers: 2',
      '  band_duration: 1m30s',
      '  strategy: exponential',
      'database:',
      '  host: localhost',
      '  port: 5432',
      'workload: select-only',
      'scale: 3',
      'slo:',
      '  p95_latency_ms: 20',
      'analysis:',
      '  seed: 1',
    ];
    fc.assert(
      fc.property(
        fc.nat(valid.length - 1),
        fc.nat(valid.length - 1),
        fc.string({ maxLength: 8 }),
        (drop, at, insert) => {
          const lines = valid.filter((_, i) => i !== drop);
          lines.splice(at, 0, insert);
          outcome(lines.join('\n'));
        },
      ),
      { numRuns: 500 },
    );
  });
});
