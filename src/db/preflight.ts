// Checks made before any band runs, so that a plan the server cannot hold, or one that would
// blow the time budget, fails in a second with numbers instead of half an hour in.

import type pg from 'pg';
import { UserError } from '../errors.js';
import type { BandPlan } from '../plan/types.js';
import type { ProgressiveConfig } from '../config/types.js';

/** Either the progressive config (collect_pg_stats, time_budget_s), or the two values directly. */
export interface PreflightOptions {
  progressive?: Pick<ProgressiveConfig, 'collect_pg_stats' | 'time_budget_s'>;
  /** A stats sampler holds a connection of its own during bands. */
  collectPgStats?: boolean;
  timeBudgetS?: number | null;
  /** Reports other sessions that would leave too few slots (they may come and go, so no refusal). */
  warn?: (line: string) => void;
}

export interface PreflightFacts {
  max_connections: number;
  superuser_reserved_connections: number;
  /** Slots a non-superuser may use: max_connections − superuser_reserved_connections. */
  usable_connections: number;
  /** Largest band's pool + pgscale's control connection (+ the stats sampler). */
  needed_connections: number;
  /** Client sessions of others connected right now. */
  other_backends: number;
}

/** "1h2m3s"-style rendering for messages. */
export function formatDuration(seconds: number): string {
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s || (!h && !m) ? `${s}s` : ''}`;
}

export function checkTimeBudget(plan: BandPlan, timeBudgetS: number | null): void {
  if (timeBudgetS === null || plan.estimated_duration_s <= timeBudgetS) return;
  throw new UserError(
    `progressive.time_budget: the plan needs an estimated ${formatDuration(plan.estimated_duration_s)} ` +
      (`(${plan.bands.length} bands × (${formatDuration(plan.warmup_time_s)} ` +
        `warm-up + ${formatDuration(plan.band_duration_s)} band + `) +
      `${formatDuration(plan.cooldown_time_s)} cool-down)) but the budget is ${formatDuration(timeBudgetS)}; ` +
      'shorten band_duration/warmup_time or plan fewer bands',
  );
}

export async function preflight(client: pg.Client, plan: BandPlan, opts: PreflightOptions): Promise<PreflightFacts> {
  const collectPgStats = opts.collectPgStats ?? opts.progressive?.collect_pg_stats ?? false;
  checkTimeBudget(plan, opts.timeBudgetS ?? opts.progressive?.time_budget_s ?? null);

  const result = await client.query<{ max_connections: string; reserved: string; others: string }>(
    `SELECT current_setting('max_connections') AS max_connections,
            current_setting('superuser_reserved_connections') AS reserved,
            (SELECT count(*) FROM pg_stat_activity
              WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()) AS others`,
  );
  const row = result.rows[0];
  const maxConnections = Number(row?.max_connections ?? 0);
  const reserved = Number(row?.reserved ?? 0);
  const others = Number(row?.others ?? 0);
  const usable = maxConnections - reserved;
  const ownExtra = 1 + (collectPgStats ? 1 : 0);

  let largest = plan.bands[0];
  for (const band of plan.bands) if (largest === undefined || band.connections > largest.connections) largest = band;
  const needed = (largest?.connections ?? 0) + ownExtra;
  const facts: PreflightFacts = {
    max_connections: maxConnections,
    superuser_reserved_connections: reserved,
    usable_connections: usable,
    needed_connections: needed,
    other_backends: others,
  };
  if (largest && needed > usable) {
    const own = collectPgStats ? "pgscale's control and stats connections" : "pgscale's control connection";
    throw new UserError(
      `progressive.max_connections: band ${largest.band_id} ` +
        `(${largest.workers} workers, ${largest.connections} connections) ` +
        (`needs ${needed} connections (${largest.connections} pool + ` +
          `${ownExtra} for ${own}) but the server allows ${usable} `) +
        `(max_connections ${maxConnections} − superuser_reserved_connections ${reserved}); ` +
        "lower progressive.max_connections or raise the server's max_connections",
    );
  }
  if (largest && needed + others > usable) {
    opts.warn?.(
      `band ${largest.band_id} needs ${needed} connections and ${others} other sessions are connected now; ` +
        (`only ${usable} are available (max_connections ${maxConnections} ` +
          `− superuser_reserved_connections ${reserved}), `) +
        'so the largest bands may fail to connect',
    );
  }
  return facts;
}
