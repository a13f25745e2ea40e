// Property-based fuzzing of the inputs the other fuzz suites do not reach: database URLs (never
// echo a password, only UserErrors), durations and the action's inputs (only one-line UserErrors).
// The config loader, script parser and results/baseline parsers are fuzzed in test/config,
// test/workload, test/report and test/compare.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../../src/config/duration.js';
import { resolveDatabase } from '../../../src/db/connection.js';
import { maskSecrets } from '../../../src/db/mask.js';
import { UserError } from '../../../src/errors.js';
import { INPUT_DEFAULTS, readInputs } from '../../../src/github/inputs.js';

function userErrorOrValue<T>(fn: () => T): T | UserError {
  try {
    return fn();
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    expect(error.message).not.toContain('\n');
    return error;
  }
}

/** Characters people put in passwords, including ones a URL needs percent-encoded. */
const passwordChar = fc.constantFrom(...'abcXYZ0189!#$%^&*()-_=+[]{};:,.<>/?@~|'.split(''));
const password = fc.array(passwordChar, { minLength: 1, maxLength: 12 }).map((cs) => `Pw${cs.join('')}Zq`);
const part = fc.constantFrom('', 'db', 'db.example.com', '127.0.0.1', '[::1]', 'h@st', 'x y', '%zz');
const portPart = fc.constantFrom('', ':5432', ':0', ':99999', ':abc', ':');
const tail = fc.constantFrom('', '/app', '/app?sslmode=require', '/a?b=c@d', '#frag', '/?', '/%');

describe('database URLs (fuzz)', () => {
  it('resolve or give a one-line UserError; neither the error nor the masked display shows the password', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('postgres://', 'postgresql://', 'POSTGRES://', 'mysql://', '', 'postgres:/'),
        fc.constantFrom('', 'u', 'user.name', 'a:b'),
        password,
        fc.boolean(),
        part,
        portPart,
        tail,
        (scheme, user, secret, encode, host, port, rest) => {
          const pw = encode ? encodeURIComponent(secret) : secret;
          const url = `${scheme}${user}:${pw}@${host}${port}${rest}`;
          // How a config's own URL is stored in results.json, whether or not it is the one used.
          if (/^postgres(ql)?:\/\//i.test(url)) expect(maskSecrets(url)).not.toContain(pw);
          const outcome = userErrorOrValue(() => resolveDatabase({ flagUrl: url, config: null, env: {} }));
          if (outcome instanceof UserError) {
            expect(outcome.message).not.toContain(secret);
            expect(outcome.message).not.toContain(pw);
            return;
          }
          expect(outcome).not.toBeNull();
          // What the pipeline prints: the display, through the logger's mask with the run's secrets.
          const shown = maskSecrets(outcome!.display, outcome!.secrets);
          expect(shown).not.toContain(secret);
          expect(shown).not.toContain(pw);
        },
      ),
      { numRuns: 2000, seed: 6 },
    );
  });
});

describe('durations (fuzz)', () => {
  it('parse to a finite non-negative number of seconds or give a one-line UserError', () => {
    const token = fc.constantFrom(
      '1',
      '0',
      '30',
      '1.5',
      '-1',
      '1e9',
      'h',
      'm',
      's',
      'ms',
      'us',
      'µs',
      'ns',
      'd',
      ' ',
      '.',
      '',
      '99999999999999999999',
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 20 }),
          fc.array(token, { maxLength: 6 }).map((t) => t.join('')),
        ),
        (text) => {
          const outcome = userErrorOrValue(() => parseDuration(text, 'progressive.band_duration'));
          if (outcome instanceof UserError) {
            expect(outcome.message).toMatch(/progressive\.band_duration/);
          } else {
            expect(Number.isFinite(outcome)).toBe(true);
            expect(outcome).toBeGreaterThanOrEqual(0);
          }
        },
      ),
      { numRuns: 2000, seed: 7 },
    );
  });
});

describe('action inputs (fuzz)', () => {
  const names = Object.keys(INPUT_DEFAULTS).filter((n) => n !== 'database-url' && n !== 'github-token') as Array<
    keyof typeof INPUT_DEFAULTS
  >;
  const value = fc.oneof(
    fc.string({ maxLength: 12 }),
    fc.constantFrom(
      '',
      'true',
      'no',
      '5%',
      '0.05',
      '5',
      '100%',
      '-1',
      '90',
      '1e3',
      'NaN',
      'Infinity',
      'run',
      'compare',
      'baseline',
      ' x ',
    ),
  );
  it('read into valid inputs or give a one-line UserError naming an input', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...names), value), (given) => {
        const read = (name: string): string => (given as Record<string, string>)[name] ?? '';
        const outcome = userErrorOrValue(() => readInputs(read, {}));
        if (outcome instanceof UserError) {
          expect(outcome.message).toMatch(/^input [a-z0-9-]+: /);
          return;
        }
        expect(['run', 'baseline', 'compare']).toContain(outcome.mode);
        for (const f of [outcome.max_tps_drop, outcome.max_p95_increase]) {
          expect(Number.isFinite(f) && f > 0).toBe(true);
        }
        if (outcome.retention_days !== null)
          expect(Number.isInteger(outcome.retention_days) && outcome.retention_days > 0).toBe(true);
      }),
      { numRuns: 1000, seed: 8 },
    );
  });
});
