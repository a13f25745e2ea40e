// PostgreSQL's own evidence for a band: database counters, what the pool's backends were
// waiting on, and (optionally) which statements took the time. It runs on a connection of its
// own, outside the pool, named differently so that it never samples itself.

import pg from 'pg';
import type { PgStatsDelta, StatementStat, WaitEventShare } from '../results/types.js';

/** application_name of the pool's connections; the sampler filters pg_stat_activity by it. */
export const POOL_APPLICATION_NAME = 'pgscale';
export const SAMPLER_APPLICATION_NAME = 'pgscale-stats';
const SAMPLE_INTERVAL_MS = 100;
const TOP_STATEMENTS = 10;

export interface StatsSamplerOptions {
  /** Also collect pg_stat_statements deltas. */
  statements: boolean;
  warn(line: string): void;
  debug(line: string): void;
}

export interface PgStatsSampler {
  /** Snapshot the counters and start sampling activity (at the start of the measured window). */
  begin(): Promise<void>;
  /** Stop sampling and return the deltas since begin(). */
  end(): Promise<PgStatsDelta>;
  close(): Promise<void>;
}

const DATABASE_COUNTERS = [
  'xact_commit',
  'xact_rollback',
  'blks_hit',
  'blks_read',
  'tup_returned',
  'tup_fetched',
  'tup_inserted',
  'tup_updated',
  'tup_deleted',
  'deadlocks',
  'temp_bytes',
] as const;
type DatabaseCounters = Record<(typeof DATABASE_COUNTERS)[number], number>;

interface StatementSnapshot {
  query: string;
  calls: number;
  total_ms: number;
}

async function readDatabaseCounters(client: pg.Client): Promise<DatabaseCounters> {
  // Without clearing, a cached snapshot could be returned (stats_fetch_consistency).
  await client.query('SELECT pg_stat_clear_snapshot()');
  const result = await client.query(
    `SELECT ${DATABASE_COUNTERS.join(', ')} FROM pg_stat_database WHERE datname = current_database()`,
  );
  const row = (result.rows[0] ?? {}) as Record<string, string | number | null>;
  const counters = {} as DatabaseCounters;
  for (const name of DATABASE_COUNTERS) counters[name] = Number(row[name] ?? 0);
  return counters;
}

/** Pure: turns counts of sampled (type, event) pairs into fractions, largest first. */
export function summariseWaitEvents(counts: Map<string, number>, total: number): WaitEventShare[] {
  if (total === 0) return [];
  const shares: WaitEventShare[] = [];
  for (const [key, count] of counts) {
    const [type, event] = JSON.parse(key) as [string, string | null];
    shares.push({ wait_event_type: type, wait_event: event, fraction: count / total });
  }
  return shares.sort((a, b) => b.fraction - a.fraction || a.wait_event_type.localeCompare(b.wait_event_type));
}

export async function openStatsSampler(
  clientConfig: pg.ClientConfig,
  opts: StatsSamplerOptions,
): Promise<PgStatsSampler> {
  const client = new pg.Client({ ...clientConfig, application_name: SAMPLER_APPLICATION_NAME });
  client.on('error', (error) => opts.debug(`stats sampler connection: ${error.message}`));
  await client.connect();

  let statementsQuery: string | null = null;
  if (opts.statements) {
    const ext = await client.query<{ version_num: string }>(
      "SELECT current_setting('server_version_num') AS version_num, (SELECT count(*) " +
        "FROM pg_extension WHERE extname = 'pg_stat_statements') AS installed",
    );
    const row = ext.rows[0] as unknown as { version_num: string; installed: string } | undefined;
    if (!row || Number(row.installed) === 0) {
      opts.warn(
        'pg_stat_statements is not installed in this database, so top statements are not collected ' +
          '(add it to shared_preload_libraries and run CREATE EXTENSION pg_stat_statements)',
      );
    } else {
      const totalColumn = Number(row.version_num) >= 130000 ? 'total_exec_time' : 'total_time';
      statementsQuery = `SELECT userid::text || ':' || queryid::text AS id, query, calls, ${totalColumn} AS total_ms
        FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())`;
    }
  }

  async function readStatements(): Promise<Map<string, StatementSnapshot> | null> {
    if (statementsQuery === null) return null;
    try {
      const result = await client.query<{ id: string; query: string; calls: string; total_ms: number }>(
        statementsQuery,
      );
      const map = new Map<string, StatementSnapshot>();
      for (const r of result.rows)
        map.set(r.id, { query: r.query, calls: Number(r.calls), total_ms: Number(r.total_ms) });
      return map;
    } catch (error) {
      // Installed but not preloaded: the view errors (55000). Warn once and stop trying.
      opts.warn(`pg_stat_statements could not be read (${(error as Error).message}); top statements are not collected`);
      statementsQuery = null;
      return null;
    }
  }

  let startCounters: DatabaseCounters | null = null;
  let startStatements: Map<string, StatementSnapshot> | null = null;
  let waitCounts = new Map<string, number>();
  let activeSamples = 0;
  let rounds = 0;
  let sampling = false;
  let loop: Promise<void> | null = null;
  let wake: (() => void) | null = null;

  async function sampleOnce(): Promise<void> {
    const result = await client.query<{ t: string | null; e: string | null }>({
      text: `SELECT wait_event_type AS t, wait_event AS e FROM pg_stat_activity
              WHERE application_name = $1 AND state = 'active' AND pid <> pg_backend_pid()
                AND datname = current_database()`,
      values: [POOL_APPLICATION_NAME],
      name: 'pgscale_stats_activity',
    });
    rounds++;
    for (const r of result.rows) {
      // An active backend that waits on nothing is running on a CPU.
      const key = r.t === null ? JSON.stringify(['CPU', null]) : JSON.stringify([r.t, r.e]);
      waitCounts.set(key, (waitCounts.get(key) ?? 0) + 1);
      activeSamples++;
    }
  }

  async function sampleLoop(): Promise<void> {
    while (sampling) {
      const started = performance.now();
      try {
        await sampleOnce();
      } catch (error) {
        opts.debug(`stats sample failed: ${(error as Error).message}`);
      }
      const wait = SAMPLE_INTERVAL_MS - (performance.now() - started);
      if (wait > 0 && sampling) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, wait);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = null;
      }
    }
  }

  return {
    async begin() {
      startCounters = await readDatabaseCounters(client);
      startStatements = await readStatements();
      waitCounts = new Map();
      activeSamples = 0;
      rounds = 0;
      sampling = true;
      loop = sampleLoop();
    },
    async end() {
      sampling = false;
      wake?.();
      await loop;
      loop = null;
      const endCounters = await readDatabaseCounters(client);
      const endStatements = startStatements ? await readStatements() : null;
      const base = startCounters ?? endCounters;
      let topStatements: StatementStat[] | null = null;
      if (startStatements && endStatements) {
        const deltas: StatementStat[] = [];
        for (const [id, after] of endStatements) {
          const before = startStatements.get(id);
          const calls = after.calls - (before?.calls ?? 0);
          const total = after.total_ms - (before?.total_ms ?? 0);
          if (calls <= 0) continue;
          deltas.push({ query: after.query, calls, total_time_ms: total, mean_time_ms: total / calls });
        }
        deltas.sort((a, b) => b.total_time_ms - a.total_time_ms);
        topStatements = deltas.slice(0, TOP_STATEMENTS);
      }
      return {
        xact_commit: endCounters.xact_commit - base.xact_commit,
        xact_rollback: endCounters.xact_rollback - base.xact_rollback,
        blks_hit: endCounters.blks_hit - base.blks_hit,
        blks_read: endCounters.blks_read - base.blks_read,
        tup_returned: endCounters.tup_returned - base.tup_returned,
        tup_fetched: endCounters.tup_fetched - base.tup_fetched,
        tup_inserted: endCounters.tup_inserted - base.tup_inserted,
        tup_updated: endCounters.tup_updated - base.tup_updated,
        tup_deleted: endCounters.tup_deleted - base.tup_deleted,
        deadlocks: endCounters.deadlocks - base.deadlocks,
        temp_bytes: endCounters.temp_bytes - base.temp_bytes,
        wait_events: summariseWaitEvents(waitCounts, activeSamples),
        activity_samples: rounds,
        top_statements: topStatements,
      };
    },
    async close() {
      sampling = false;
      wake?.();
      await loop?.catch(() => undefined);
      await client.end().catch(() => undefined);
    },
  };
}
