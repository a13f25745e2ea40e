// Facts about the server and the client machine, recorded with every result so that runs can
// be compared knowingly ("this baseline ran with 128MB shared_buffers on 2 cores").

import { availableParallelism, cpus } from 'node:os';
import type pg from 'pg';
import type { EnvironmentFacts } from '../results/types.js';

/** The settings that shape scaling behaviour. */
export const SETTINGS_THAT_MATTER = [
  'max_connections',
  'superuser_reserved_connections',
  'shared_buffers',
  'work_mem',
  'effective_cache_size',
  'max_worker_processes',
  'synchronous_commit',
  'fsync',
  'wal_level',
  'checkpoint_timeout',
  'max_wal_size',
  'random_page_cost',
  'jit',
] as const;

const MEMORY_UNITS: ReadonlyArray<[string, number]> = [
  ['TB', 1024 ** 4],
  ['GB', 1024 ** 3],
  ['MB', 1024 ** 2],
  ['kB', 1024],
  ['B', 1],
];
const TIME_UNITS: ReadonlyArray<[string, number]> = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['min', 60_000],
  ['s', 1000],
  ['ms', 1],
];

/** pg_settings units such as '8kB', 'MB', 's' in bytes or milliseconds. */
function unitSize(unit: string): { kind: 'memory' | 'time'; size: number } | null {
  const match = /^(\d*)\s*(B|kB|MB|GB|TB|ms|s|min|h|d)$/.exec(unit);
  if (!match) return null;
  const factor = match[1] ? Number(match[1]) : 1;
  const name = match[2] as string;
  const memory = MEMORY_UNITS.find(([n]) => n === name);
  if (memory) return { kind: 'memory', size: factor * memory[1] };
  const time = TIME_UNITS.find(([n]) => n === name);
  return time ? { kind: 'time', size: factor * time[1] } : null;
}

/**
 * Renders a pg_settings row as SHOW does: the value in the largest unit that divides it
 * evenly (shared_buffers 16384 × 8kB → "128MB", checkpoint_timeout 300 s → "5min").
 */
export function renderSetting(setting: string, unit: string | null): string {
  if (!unit) return setting;
  const value = Number(setting);
  const parsed = unitSize(unit);
  if (!parsed || !Number.isFinite(value) || !Number.isInteger(value) || value <= 0) return setting;
  const base = value * parsed.size;
  const units = parsed.kind === 'memory' ? MEMORY_UNITS : TIME_UNITS;
  for (const [name, size] of units) {
    if (base % size === 0) return `${base / size}${name}`;
  }
  return `${setting}${unit}`;
}

export async function readEnvironment(client: pg.Client, embedded: boolean): Promise<EnvironmentFacts> {
  const version = await client.query<{ server_version: string; server_version_num: string }>(
    "SELECT current_setting('server_version') AS server_version, " +
      "current_setting('server_version_num') AS server_version_num",
  );
  const rows = await client.query<{ name: string; setting: string; unit: string | null }>(
    'SELECT name, setting, unit FROM pg_settings WHERE name = ANY($1::text[]) ORDER BY name',
    [SETTINGS_THAT_MATTER as readonly string[]],
  );
  const settings: Record<string, string> = {};
  for (const row of rows.rows) settings[row.name] = renderSetting(row.setting, row.unit);
  const cpuList = cpus();
  const versionRow = version.rows[0];
  return {
    server_version: versionRow?.server_version ?? null,
    server_version_num: versionRow ? Number(versionRow.server_version_num) : null,
    settings,
    client_cpus: typeof availableParallelism === 'function' ? availableParallelism() : cpuList.length,
    client_cpu_model: cpuList[0]?.model?.trim() || null,
    node_version: process.version,
    platform: `${process.platform}-${process.arch}`,
    embedded_server: embedded,
  };
}
