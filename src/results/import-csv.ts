// The band-table importer: a CSV written by pgscale (report/csv.ts) or by any other tool (pgbench
// wrappers, spreadsheets) becomes a results document, so it can be analysed and compared.
// Malformed input is one UserError line with its file:line:column.

import { UserError } from '../errors.js';
import { splitCsv, type CsvCell } from './csv-tokenizer.js';
import { SCHEMA_VERSION, type BandResult, type LatencySummary, type ResultsDocument, type Strategy } from './types.js';

type NumericField =
  | 'band_id'
  | 'workers'
  | 'connections'
  | 'total_tps'
  | 'total_qps'
  | 'avg_latency_ms'
  | 'p50_latency_ms'
  | 'p95_latency_ms'
  | 'p99_latency_ms'
  | 'max_latency_ms'
  | 'stddev_latency_ms'
  | 'error_rate'
  | 'avg_pool_wait_ms'
  | 'p95_pool_wait_ms'
  | 'avg_service_ms'
  | 'p95_service_ms'
  | 'transactions'
  | 'failed_transactions'
  | 'statements'
  | 'duration_s'
  | 'event_loop_utilization'
  | 'cpu_us_per_tx';
type BooleanField = 'degraded' | 'client_bound';
type TextField = 'status' | 'errors' | 'started_at' | 'workload';
type KnownField = NumericField | BooleanField | TextField | 'clients';

const INTEGER_FIELDS = new Set<NumericField>([
  'band_id',
  'workers',
  'connections',
  'transactions',
  'failed_transactions',
  'statements',
]);
const POSITIVE_FIELDS = new Set<NumericField>(['band_id', 'workers', 'connections']);
const FRACTION_FIELDS = new Set<NumericField>(['error_rate', 'event_loop_utilization']);
const NUMERIC_FIELDS = new Set<string>([
  'band_id',
  'workers',
  'connections',
  'total_tps',
  'total_qps',
  'avg_latency_ms',
  'p50_latency_ms',
  'p95_latency_ms',
  'p99_latency_ms',
  'max_latency_ms',
  'stddev_latency_ms',
  'error_rate',
  'avg_pool_wait_ms',
  'p95_pool_wait_ms',
  'avg_service_ms',
  'p95_service_ms',
  'transactions',
  'failed_transactions',
  'statements',
  'duration_s',
  'event_loop_utilization',
  'cpu_us_per_tx',
  'clients',
]);
const BOOLEAN_FIELDS = new Set<string>(['degraded', 'client_bound']);
const TEXT_FIELDS = new Set<string>(['status', 'errors', 'started_at', 'workload']);

/** Other names for the same quantity, as pgbench summaries and spreadsheets tend to spell them. */
const ALIASES: Record<string, KnownField> = {
  band: 'band_id',
  id: 'band_id',
  clients: 'clients',
  tps: 'total_tps',
  qps: 'total_qps',
  latency_ms: 'avg_latency_ms',
  latency_avg_ms: 'avg_latency_ms',
  latency_average_ms: 'avg_latency_ms',
  lat_avg_ms: 'avg_latency_ms',
  mean_latency_ms: 'avg_latency_ms',
  avg_latency: 'avg_latency_ms',
  latency_p50_ms: 'p50_latency_ms',
  p50_ms: 'p50_latency_ms',
  latency_p95_ms: 'p95_latency_ms',
  p95_ms: 'p95_latency_ms',
  latency_p99_ms: 'p99_latency_ms',
  p99_ms: 'p99_latency_ms',
  latency_max_ms: 'max_latency_ms',
  latency_stddev_ms: 'stddev_latency_ms',
  failed: 'failed_transactions',
  xacts: 'transactions',
  duration: 'duration_s',
};

const REQUIRED: readonly NumericField[] = ['band_id', 'workers', 'connections', 'total_tps'];

function canonicalName(header: string): KnownField | null {
  const name = header
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
  if (NUMERIC_FIELDS.has(name) || BOOLEAN_FIELDS.has(name) || TEXT_FIELDS.has(name)) return name as KnownField;
  return ALIASES[name] ?? null;
}

const NUMBER_PATTERN = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function describe(text: string): string {
  return text === '' ? 'an empty value' : JSON.stringify(text);
}

function parseNumberCell(cell: CsvCell, field: NumericField, header: string, file: string): number {
  const text = cell.text.trim();
  const where = { file, line: cell.line, column: cell.column };
  const integer = INTEGER_FIELDS.has(field);
  const positive = POSITIVE_FIELDS.has(field);
  const kind = integer
    ? positive
      ? 'a positive integer'
      : 'a non-negative integer'
    : FRACTION_FIELDS.has(field)
      ? 'a number from 0 to 1'
      : 'a non-negative number';
  const fail = () => new UserError(`column "${header}": expected ${kind}, got ${describe(cell.text)}`, where);
  if (!NUMBER_PATTERN.test(text)) throw fail();
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) throw fail();
  if (integer && !Number.isInteger(value)) throw fail();
  if (positive && value < 1) throw fail();
  if (FRACTION_FIELDS.has(field) && value > 1) throw fail();
  return value;
}

function parseBooleanCell(cell: CsvCell, header: string, file: string): boolean {
  const text = cell.text.trim().toLowerCase();
  if (['true', '1', 'yes', 'y', 't'].includes(text)) return true;
  if (['false', '0', 'no', 'n', 'f'].includes(text)) return false;
  throw new UserError(`column "${header}": expected true or false, got ${describe(cell.text)}`, {
    file,
    line: cell.line,
    column: cell.column,
  });
}

function parseErrorsCell(cell: CsvCell, header: string, file: string): Record<string, number> {
  const errors: Record<string, number> = {};
  for (const part of cell.text.split(';')) {
    if (part.trim() === '') continue;
    const match = /^\s*([^=\s]+)\s*=\s*(\d+)\s*$/.exec(part);
    if (!match) {
      throw new UserError(
        `column "${header}": expected CODE=count pairs separated by ';', got ${describe(cell.text)}`,
        {
          file,
          line: cell.line,
          column: cell.column,
        },
      );
    }
    errors[match[1]!] = Number(match[2]);
  }
  return errors;
}

const STATUSES = new Set(['complete', 'partial', 'failed']);

function emptySummary(): LatencySummary {
  return { count: 0, mean_ms: null, stddev_ms: null, p50_ms: null, p95_ms: null, p99_ms: null, max_ms: null };
}

function baseName(file: string): string {
  const last = file.split(/[\\/]/).pop() ?? file;
  return last.replace(/\.[^.]*$/, '') || 'imported';
}

/**
 * Reads a band table written by pgscale or any other tool. Requires band_id, workers,
 * connections and total_tps (or `clients` for both workers and connections, as pgbench
 * reports it); every other known column is optional and unknown columns are ignored.
 * What a CSV cannot carry (per-second series, histograms, environment) is left empty or null,
 * so the analysis states what it could not compute instead of inventing it.
 */
export function parseBandCsv(text: string, file: string): ResultsDocument {
  const rows = splitCsv(text, file);
  const header = rows[0];
  if (!header) {
    throw new UserError(`empty CSV: expected a header row with at least ${REQUIRED.join(',')}`, {
      file,
      line: 1,
      column: 1,
    });
  }
  const fieldIndex = new Map<KnownField, { index: number; header: string }>();
  header.cells.forEach((cell, index) => {
    const field = canonicalName(cell.text);
    if (!field) return;
    const existing = fieldIndex.get(field);
    if (existing) {
      throw new UserError(
        `column "${cell.text.trim()}" duplicates column "${existing.header}" (column ${existing.index + 1})`,
        {
          file,
          line: cell.line,
          column: cell.column,
        },
      );
    }
    fieldIndex.set(field, { index, header: cell.text.trim() });
  });
  const clients = fieldIndex.get('clients');
  for (const field of ['workers', 'connections'] as const) {
    if (!fieldIndex.has(field) && clients) fieldIndex.set(field, clients);
  }
  for (const field of REQUIRED) {
    if (!fieldIndex.has(field)) {
      throw new UserError(`missing required column "${field}": a band table needs at least ${REQUIRED.join(',')}`, {
        file,
        line: header.line,
        column: 1,
      });
    }
  }
  if (rows.length < 2) {
    throw new UserError('no band rows: expected at least one row after the header', {
      file,
      line: header.line + 1,
      column: 1,
    });
  }

  const width = header.cells.length;
  const seenBands = new Map<number, number>();
  const bands: BandResult[] = [];
  let workload: string | null = null;

  for (const row of rows.slice(1)) {
    if (row.cells.length !== width) {
      const extra = row.cells[width];
      throw new UserError(`expected ${width} fields as in the header, got ${row.cells.length}`, {
        file,
        line: row.line,
        column: extra ? extra.column : row.endColumn,
      });
    }
    const cellOf = (field: KnownField): { cell: CsvCell; header: string } | null => {
      const entry = fieldIndex.get(field);
      if (!entry) return null;
      return { cell: row.cells[entry.index]!, header: entry.header };
    };
    const num = (field: NumericField): number | null => {
      const found = cellOf(field);
      if (!found || found.cell.text.trim() === '') {
        if (found && REQUIRED.includes(field)) {
          parseNumberCell(found.cell, field, found.header, file); // throws with the right message
        }
        return null;
      }
      return parseNumberCell(found.cell, field, found.header, file);
    };
    const bool = (field: BooleanField): boolean | null => {
      const found = cellOf(field);
      if (!found || found.cell.text.trim() === '') return null;
      return parseBooleanCell(found.cell, found.header, file);
    };
    const str = (field: TextField): string | null => {
      const found = cellOf(field);
      const value = found?.cell.text.trim() ?? '';
      return value === '' ? null : value;
    };

    const bandId = num('band_id')!;
    const previous = seenBands.get(bandId);
    if (previous !== undefined) {
      const cell = cellOf('band_id')!.cell;
      throw new UserError(`column "band_id": duplicate band ${bandId} (first on line ${previous})`, {
        file,
        line: cell.line,
        column: cell.column,
      });
    }
    seenBands.set(bandId, row.line);

    const statusCell = cellOf('status');
    const status = str('status');
    if (status !== null && !STATUSES.has(status)) {
      throw new UserError(
        `column "${statusCell!.header}": expected complete, partial or failed, got ${describe(status)}`,
        {
          file,
          line: statusCell!.cell.line,
          column: statusCell!.cell.column,
        },
      );
    }
    const errorsCell = cellOf('errors');
    const errors = errorsCell ? parseErrorsCell(errorsCell.cell, errorsCell.header, file) : {};

    const tps = num('total_tps')!;
    const qps = num('total_qps');
    const duration = num('duration_s');
    const transactions = num('transactions') ?? (duration !== null ? Math.round(tps * duration) : 0);
    const statements = num('statements') ?? (duration !== null && qps !== null ? Math.round(qps * duration) : 0);
    const latency: LatencySummary = {
      count: transactions,
      mean_ms: num('avg_latency_ms'),
      stddev_ms: num('stddev_latency_ms'),
      p50_ms: num('p50_latency_ms'),
      p95_ms: num('p95_latency_ms'),
      p99_ms: num('p99_latency_ms'),
      max_ms: num('max_latency_ms'),
    };
    const poolMean = num('avg_pool_wait_ms');
    const poolP95 = num('p95_pool_wait_ms');
    const serviceMean = num('avg_service_ms');
    const serviceP95 = num('p95_service_ms');
    const rowWorkload = str('workload');
    if (workload === null && rowWorkload !== null) workload = rowWorkload;

    bands.push({
      band_id: bandId,
      workers: num('workers')!,
      connections: num('connections')!,
      status: (status ?? 'complete') as BandResult['status'],
      started_at: str('started_at') ?? '',
      duration_s: duration ?? 0,
      transactions,
      failed_transactions: num('failed_transactions') ?? Object.values(errors).reduce((a, b) => a + b, 0),
      statements,
      total_tps: tps,
      total_qps: qps ?? 0,
      latency,
      pool_wait:
        poolMean === null && poolP95 === null
          ? emptySummary()
          : { ...emptySummary(), count: transactions, mean_ms: poolMean, p95_ms: poolP95 },
      service_time:
        serviceMean === null && serviceP95 === null
          ? emptySummary()
          : { ...emptySummary(), count: transactions, mean_ms: serviceMean, p95_ms: serviceP95 },
      tps_series: [],
      latency_histogram: '',
      errors,
      error_rate: num('error_rate') ?? 0,
      degraded: bool('degraded') ?? false,
      client: {
        event_loop_utilization: num('event_loop_utilization'),
        event_loop_delay_p99_ms: null,
        cpu_us_per_tx: num('cpu_us_per_tx'),
        client_bound: bool('client_bound') ?? false,
      },
      pg_stats: null,
      rate: null,
    });
  }

  const startTimes = bands
    .map((b) => b.started_at)
    .filter((s) => s !== '')
    .sort();
  const strategy: Strategy = 'linear';
  return {
    schema_version: SCHEMA_VERSION,
    tool: { name: 'pgscale', version: 'unknown' },
    test_start_time: startTimes[0] ?? '',
    test_end_time: null,
    partial: bands.some((b) => b.status !== 'complete'),
    partial_reason: bands.some((b) => b.status !== 'complete')
      ? 'the imported table has bands that did not complete'
      : null,
    workload: workload ?? baseName(file),
    // Unknown for an imported table; 0 marks "not stated" (pgbench scales start at 1).
    scale: 0,
    strategy,
    config: { imported_from: 'csv' },
    // Empty: an imported table carries no plan, so it never matches a baseline's fingerprint by accident.
    plan_fingerprint: '',
    workload_files: [],
    environment: {
      server_version: null,
      server_version_num: null,
      settings: {},
      client_cpus: 0,
      client_cpu_model: null,
      node_version: 'unknown',
      platform: 'unknown',
      embedded_server: false,
    },
    bands,
    analysis: null,
    optimal_config: null,
  };
}
