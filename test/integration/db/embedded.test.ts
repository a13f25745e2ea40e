import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { startEmbedded } from '../../../src/db/embedded.js';
import { UserError } from '../../../src/errors.js';
import { runBands } from '../../../src/run/runner.js';
import { plan, progressive, recordingLogger, sleep5ms } from '../../support/run-helpers.js';

describe('embedded PostgreSQL', () => {
  it('starts, answers queries, survives as partial results when it dies mid-band, and stop() removes its directory', async () => {
    const log = recordingLogger();
    const server = await startEmbedded(log);
    try {
      expect(existsSync(server.directory)).toBe(true);
      expect(server.display).not.toContain(String(server.clientConfig.password));
      const client = new pg.Client(server.clientConfig);
      await client.connect();
      expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      await client.end();

      // The server goes away 1 s into a 10 s band and stays gone past the 1 s retry window:
      // the run stops, and what the band measured before is kept.
      const runLog = recordingLogger();
      runLog.onInfo = (line) => {
        if (line.startsWith('🔥')) setTimeout(() => void server.stop(), 1300);
      };
      const outcome = await runBands({
        plan: plan(
          [
            [2, 2],
            [2, 2],
          ],
          10,
          0.3,
        ),
        workload: sleep5ms,
        clientConfig: server.clientConfig,
        progressive: progressive(),
        log: runLog,
        retryWindowS: 1,
      });
      expect(outcome.partial).toBe(true);
      expect(outcome.partial_reason).toMatch(/^the server stayed unreachable for \d+s/);
      expect(outcome.bands).toHaveLength(1);
      expect(outcome.bands[0]!.status).toBe('partial');
      expect(outcome.bands[0]!.transactions).toBeGreaterThan(10);
      expect(outcome.bands[0]!.duration_s).toBeLessThan(10);
      const password = String(server.clientConfig.password);
      expect([...log.lines, ...runLog.lines].join('\n')).not.toContain(password);
    } finally {
      await server.stop();
      await server.stop(); // idempotent
    }
    expect(existsSync(server.directory)).toBe(false);
  }, 120_000);

  it('on a port already in use, fails with one line saying so (a UserError, exit 2) and leaves no directory', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const address = taken.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const log = recordingLogger();
    try {
      const error = await startEmbedded(log, { port }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(UserError);
      const message = (error as Error).message;
      expect(message).not.toContain('\n');
      expect(message).toBe(
        `embedded PostgreSQL did not start (exit 1): 127.0.0.1:${port} is already in use; run again, or pass --database-url to use a server of your own`,
      );
    } finally {
      taken.close();
    }
    const dir = /temporary directory (\S+)\)/.exec(log.lines.join('\n'))?.[1];
    expect(dir).toBeTruthy();
    expect(existsSync(dir as string)).toBe(false);
  }, 120_000);
});
