import { describe, expect, it } from 'vitest';
import { SCHEMA_VERSION } from '../../../src/results/types.js';
import { UserError, EXIT_BAD_INPUT } from '../../../src/errors.js';

describe('shared contracts', () => {
  it('formats a located user error as one line with file:line:column', () => {
    const e = new UserError('progressive.min_workers: expected an integer', { file: 'a.yaml', line: 3, column: 16 });
    expect(e.message).toBe('a.yaml:3:16: progressive.min_workers: expected an integer');
    expect(e.exitCode).toBe(EXIT_BAD_INPUT);
    expect(SCHEMA_VERSION).toBe(1);
  });
});

describe('version', () => {
  it('matches package.json', async () => {
    const { readFileSync } = await import('node:fs');
    const { VERSION } = await import('../../../src/version.js');
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(VERSION).toBe(pkg.version);
  });
});
