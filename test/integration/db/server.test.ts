import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEnvironment, renderSetting, SETTINGS_THAT_MATTER } from '../../../src/db/environment.js';
import { checkTimeBudget, preflight } from '../../../src/db/preflight.js';
import { UserError } from '../../../src/errors.js';
import { ADMIN, plan } from '../../support/run-helpers.js';

let client: pg.Client;

beforeAll(async () => {
  client = new pg.Client(ADMIN);
  await client.connect();
});
afterAll(async () => {
  await client?.end();
});

describe('readEnvironment', () => {
  it('reads the server version and renders each setting exactly as SHOW does', async () => {
    const facts = await readEnvironment(client, false);
    const version = await client.query<{ v: string }>("SELECT current_setting('server_version') AS v");
    expect(facts.server_version).toBe(version.rows[0]!.v);
    expect(facts.server_version_num).toBeGreaterThanOrEqual(150000);
    expect(Object.keys(facts.settings).sort()).toEqual([...SETTINGS_THAT_MATTER].sort());
    for (const name of SETTINGS_THAT_MATTER) {
      const shown = await client.query(`SHOW ${name}`);
      expect(facts.settings[name], name).toBe(shown.rows[0][name]);
    }
    expect(facts.client_cpus).toBeGreaterThanOrEqual(1);
    expect(facts.node_version).toBe(process.version);
    expect(facts.embedded_server).toBe(false);
  });

  it('renders units in the largest unit that divides evenly', () => {
    expect(renderSetting('16384', '8kB')).toBe('128MB');
    expect(renderSetting('4096', 'kB')).toBe('4MB');
    expect(renderSetting('1000', 'kB')).toBe('1000kB');
    expect(renderSetting('300', 's')).toBe('5min');
    expect(renderSetting('90', 's')).toBe('90s');
    expect(renderSetting('1024', 'MB')).toBe('1GB');
    expect(renderSetting('-1', 'kB')).toBe('-1');
    expect(renderSetting('on', null)).toBe('on');
  });
});

describe('preflight', () => {
  it('refuses a plan whose largest band does not fit, naming the band and both numbers', async () => {
    const limits = await client.query<{ m: string; r: string }>(
      "SELECT current_setting('max_connections') AS m, current_setting('superuser_reserved_connections') AS r",
    );
    const usable = Number(limits.rows[0]!.m) - Number(limits.rows[0]!.r);
    const p = plan([
      [10, 10],
      [20, usable],
      [20, 10],
    ]);
    let caught: unknown;
    try {
      await preflight(client, p, { collectPgStats: true, timeBudgetS: null });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UserError);
    const message = (caught as Error).message;
    expect(message).toContain(`band 2 (20 workers, ${usable} connections) needs ${usable + 2} connections`);
    expect(message).toContain(
      `the server allows ${usable} (max_connections ${limits.rows[0]!.m} − superuser_reserved_connections ${limits.rows[0]!.r})`,
    );
    expect(message.startsWith('progressive.max_connections: ')).toBe(true);

    // One fewer pool connection, without the stats sampler, fits exactly.
    const facts = await preflight(client, plan([[5, usable - 1]]), { collectPgStats: false, timeBudgetS: null });
    expect(facts.needed_connections).toBe(usable);
    expect(facts.usable_connections).toBe(usable);
  });

  it('refuses a plan over its time budget with the estimate and the budget', async () => {
    const p = plan(
      [
        [1, 1],
        [2, 2],
        [4, 4],
      ],
      30,
      10,
      5,
    ); // 3 × 45 s = 2m15s
    expect(() => checkTimeBudget(p, 120)).toThrow(
      'progressive.time_budget: the plan needs an estimated 2m15s (3 bands × (10s warm-up + 30s band + 5s cool-down)) but the budget is 2m',
    );
    await expect(preflight(client, p, { collectPgStats: false, timeBudgetS: 60 })).rejects.toBeInstanceOf(UserError);
    expect(() => checkTimeBudget(p, 135)).not.toThrow();
    expect(() => checkTimeBudget(p, null)).not.toThrow();
  });
});
