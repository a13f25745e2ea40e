// Cancellation through the built CLI: SIGINT or SIGTERM mid-band stops the run within 5 s with
// exit code 130, writes partial results, and leaves no connection, server or directory behind.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultsDocument } from '../../../src/results/types.js';
import {
  createDatabase,
  prepareSelectOnly,
  pgscaleSessions,
  runCli,
  scratchDir,
  spawnCli,
  stackLines,
  waitForNoSessions,
} from '../../support/reliability-helpers.js';

let db: Awaited<ReturnType<typeof createDatabase>>;
const scratch = scratchDir();
/** The spec's limit from signal to exit. */
const STOP_WITHIN_MS = 5000;

function config(name: string, out: string): string {
  return scratch.write(
    `${name}.yaml`,
    // exponential 1, 2, 4, 8: four bands.
    `progressive:\n  min_workers: 1\n  max_workers: 8\n  strategy: exponential\n  band_duration: 4s\n  warmup_time: 1s\n  cooldown_time: 1s\n` +
      `  export_format: both\n  export_path: ${out}\nworkload: select-only\n`,
  );
}

beforeAll(async () => {
  db = await createDatabase('cancel');
  // Prepare the schema once, with a one-band run.
  await prepareSelectOnly(db.url, scratch, 'setup');
}, 120_000);

afterAll(async () => {
  await db?.drop();
  scratch.remove();
});

describe.each(['SIGINT', 'SIGTERM'] as const)('%s mid-band on a server we were given', (signal) => {
  it('exits with 130 within 5 s, writes partial results keeping band 1, and closes every connection', async () => {
    const out = join(scratch.dir, `out-${signal}`);
    const cli = spawnCli(['--config', config(signal, out), '--database-url', db.url]);
    // Band 1 completes, then band 2 is in its measured window.
    await cli.waitFor(/Band 2\/4/);
    await new Promise((r) => setTimeout(r, 2000));
    expect(await pgscaleSessions(db.name)).toBeGreaterThanOrEqual(2);
    const sent = Date.now();
    cli.child.kill(signal);
    const result = await cli.done;
    const elapsed = Date.now() - sent;
    const context = `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
    expect(result.code, context).toBe(130);
    expect(elapsed, context).toBeLessThan(STOP_WITHIN_MS);
    expect(stackLines(result.stderr), context).toEqual([]);
    expect(result.stderr).toContain(`${signal} received`);

    const doc = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as ResultsDocument;
    expect(doc.partial).toBe(true);
    expect(doc.partial_reason).toMatch(/interrupted/);
    expect(doc.test_end_time).not.toBeNull();
    expect(doc.bands[0]?.status).toBe('complete');
    expect(doc.bands[0]?.transactions).toBeGreaterThan(0);
    // Band 2 was cut short in its window: kept, marked partial.
    expect(doc.bands.map((b) => [b.band_id, b.status])).toEqual([
      [1, 'complete'],
      [2, 'partial'],
    ]);
    expect(existsSync(join(out, 'results.csv'))).toBe(true);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toMatch(/partial/i);
    // The summary was printed too.
    expect(result.stdout).toMatch(/pgscale report/);
    expect(await waitForNoSessions(db.name)).toBe(0);
  });
});

describe('SIGINT on the embedded default', () => {
  it('stops the embedded server and removes its temporary directory', async () => {
    const out = join(scratch.dir, 'out-embedded');
    const cli = spawnCli(['--config', config('embedded', out)]);
    await cli.waitFor(/Band 1\/4/, 120_000);
    const dir = /temporary directory (\S+)\)/.exec(cli.stdout() + cli.stderr())?.[1];
    expect(dir).toBeTruthy();
    expect(existsSync(dir as string)).toBe(true);
    expect(postgresProcessesUsing(dir as string).length).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 2000));
    const sent = Date.now();
    cli.child.kill('SIGINT');
    const result = await cli.done;
    const context = `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
    expect(result.code, context).toBe(130);
    expect(Date.now() - sent, context).toBeLessThan(STOP_WITHIN_MS);
    expect(stackLines(result.stderr), context).toEqual([]);
    expect(existsSync(dir as string)).toBe(false);
    expect(postgresProcessesUsing(dir as string)).toEqual([]);
    const doc = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as ResultsDocument;
    expect(doc.partial).toBe(true);
    expect(doc.environment.embedded_server).toBe(true);
    expect(doc.bands.map((b) => b.status)).toEqual(['partial']);
  }, 180_000);
});

/** Command lines of running processes that mention the directory (the postmaster's -D). */
function postgresProcessesUsing(dir: string): string[] {
  const ps = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return ps.split('\n').filter((line) => line.includes(dir) && /postgres/.test(line));
}
