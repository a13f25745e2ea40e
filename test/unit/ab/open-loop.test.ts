// Mode ab interleaves closed loops; an open-loop config is refused before anything connects.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runAb } from '../../../src/ab/runner.js';
import { DEFAULT_THRESHOLDS } from '../../../src/compare/thresholds.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'pgscale-ab-rate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('pgscale ab with progressive.rate', () => {
  it('is refused with one line naming the field, before any database is opened', async () => {
    cpSync(path.resolve(__dirname, '../../fixtures/ab'), dir, { recursive: true });
    const config = path.join(dir, 'ab.yaml');
    writeFileSync(
      config,
      readFileSync(config, 'utf8').replace('  strategy: exponential\n', '  strategy: exponential\n  rate: 100\n'),
    );
    const lines: string[] = [];
    const log = {
      secrets: [],
      info: (l: string) => lines.push(l),
      warn: (l: string) => lines.push(l),
      debug: () => {},
    };
    await expect(
      runAb({
        configPath: config,
        baseDir: dir,
        rounds: 3,
        confirm: false,
        thresholds: DEFAULT_THRESHOLDS,
        // Nothing listens here: the refusal must come first.
        databaseUrl: 'postgres://nobody@127.0.0.1:1/none',
        env: {},
        log,
      }),
    ).rejects.toThrow(/^progressive\.rate: mode ab measures closed-loop bands/);
    expect(lines).toEqual([]);
  });
});
