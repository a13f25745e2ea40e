import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/errors.js';
import { CSV_COLUMNS, csvColumnsMarkdown, toCsv } from '../../../src/report/index.js';
import { parseBandCsv } from '../../../src/results/import-csv.js';
import { makeBand, makeDocument } from '../../support/report-factory.js';

const HEADER_PREFIX =
  'band_id,workers,connections,total_tps,total_qps,avg_latency_ms,p50_latency_ms,p95_latency_ms,p99_latency_ms,error_rate';

function errorOf(fn: () => unknown): UserError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    const message = (error as UserError).message;
    expect(message).not.toContain('\n');
    return error as UserError;
  }
  throw new Error('expected a UserError');
}

describe('toCsv', () => {
  it('starts with the documented header prefix and documents every column', () => {
    const csv = toCsv(makeDocument());
    const header = csv.split('\r\n')[0]!;
    expect(header.startsWith(`${HEADER_PREFIX},`)).toBe(true);
    expect(header).toBe(CSV_COLUMNS.map((c) => c.name).join(','));
    const names = CSV_COLUMNS.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    for (const column of CSV_COLUMNS) {
      expect(column.description.trim().length, column.name).toBeGreaterThan(10);
      expect(column.description, column.name).not.toContain('\n');
    }
    for (const name of [
      'max_latency_ms',
      'avg_pool_wait_ms',
      'status',
      'degraded',
      'client_bound',
      'region',
      'tps_ci_low',
      'tps_ci_high',
    ]) {
      expect(names).toContain(name);
    }
  });

  it('writes one row per band with fixed precision and empty cells for nulls', () => {
    const doc = makeDocument({ withAnalysis: false });
    doc.bands[0]!.latency.p99_ms = null;
    const lines = toCsv(doc).split('\r\n').filter(Boolean);
    expect(lines).toHaveLength(doc.bands.length + 1);
    const cells = lines[1]!.split(',');
    const col = (name: string) => cells[CSV_COLUMNS.findIndex((c) => c.name === name)];
    expect(col('total_tps')).toBe(doc.bands[0]!.total_tps.toFixed(2));
    expect(col('p99_latency_ms')).toBe('');
    expect(col('region')).toBe('');
    expect(col('tps_ci_low')).toBe('');
    expect(col('status')).toBe('complete');
    expect(col('degraded')).toBe('false');
  });

  it('fills region and TPS interval from the analysis', () => {
    const doc = makeDocument();
    const lines = toCsv(doc).split('\r\n');
    const cells = lines[6]!.split(',');
    const col = (name: string) => cells[CSV_COLUMNS.findIndex((c) => c.name === name)];
    expect(col('region')).toBe('saturation');
    const stats = doc.analysis!.band_statistics[5]!;
    expect(col('tps_ci_low')).toBe(stats.tps.interval!.low.toFixed(2));
    expect(col('tps_ci_high')).toBe(stats.tps.interval!.high.toFixed(2));
  });

  it('quotes a workload name holding a comma, a quote and a newline (RFC 4180)', () => {
    const workload = 'orders, "big"\nnight';
    const csv = toCsv(makeDocument({ workload }));
    expect(csv).toContain('"orders, ""big""\nnight"');
    const back = parseBandCsv(csv, 'quoted.csv');
    expect(back.workload).toBe(workload);
    expect(back.bands).toHaveLength(6);
  });

  it('keeps spreadsheet formulas inert and still round-trips the name', () => {
    const workload = '=HYPERLINK("http://evil","x")';
    const csv = toCsv(makeDocument({ workload }));
    expect(csv).toContain(`,"'=HYPERLINK(""http://evil"",""x"")"\r\n`);
    expect(parseBandCsv(csv, 'f.csv').workload).toBe(workload);
  });

  it('renders the column reference for the README', () => {
    const table = csvColumnsMarkdown().trimEnd().split('\n');
    expect(table).toHaveLength(CSV_COLUMNS.length + 2);
    expect(table[2]).toBe('| `band_id` | Band number, from 1 in plan order. |');
  });

  it('round-trips through parseBandCsv keeping the numbers within their printed precision', () => {
    const doc = makeDocument();
    const back = parseBandCsv(toCsv(doc), 'results.csv');
    expect(back.schema_version).toBe(1);
    expect(back.analysis).toBeNull();
    expect(back.bands).toHaveLength(doc.bands.length);
    doc.bands.forEach((band, i) => {
      const got = back.bands[i]!;
      expect(got.band_id).toBe(band.band_id);
      expect(got.workers).toBe(band.workers);
      expect(got.connections).toBe(band.connections);
      expect(Math.abs(got.total_tps - band.total_tps)).toBeLessThanOrEqual(0.005);
      expect(Math.abs(got.total_qps - band.total_qps)).toBeLessThanOrEqual(0.005);
      for (const key of ['mean_ms', 'p50_ms', 'p95_ms', 'p99_ms', 'max_ms', 'stddev_ms'] as const) {
        expect(Math.abs(got.latency[key]! - band.latency[key]!), key).toBeLessThanOrEqual(0.0005);
      }
      expect(Math.abs(got.pool_wait.mean_ms! - band.pool_wait.mean_ms!)).toBeLessThanOrEqual(0.0005);
      expect(Math.abs(got.service_time.p95_ms! - band.service_time.p95_ms!)).toBeLessThanOrEqual(0.0005);
      expect(Math.abs(got.error_rate - band.error_rate)).toBeLessThanOrEqual(5e-7);
      expect(got.transactions).toBe(band.transactions);
      expect(got.failed_transactions).toBe(band.failed_transactions);
      expect(got.statements).toBe(band.statements);
      expect(got.duration_s).toBe(band.duration_s);
      expect(got.errors).toEqual(band.errors);
      expect(got.status).toBe(band.status);
      expect(got.started_at).toBe(band.started_at);
      expect(got.client.client_bound).toBe(false);
      expect(got.client.event_loop_utilization).toBeCloseTo(band.client.event_loop_utilization!, 4);
    });
  });
});

describe('parseBandCsv', () => {
  it('loads a pgbench-like table with only the required columns', () => {
    const doc = parseBandCsv(
      'band_id,workers,connections,total_tps\n1,1,1,512.3\n2,4,4,1804\n3,8,8,2950.5\n',
      'runs/pgbench.csv',
    );
    expect(doc.bands.map((b) => [b.band_id, b.workers, b.connections, b.total_tps])).toEqual([
      [1, 1, 1, 512.3],
      [2, 4, 4, 1804],
      [3, 8, 8, 2950.5],
    ]);
    const band = doc.bands[0]!;
    expect(band.status).toBe('complete');
    expect(band.latency.mean_ms).toBeNull();
    expect(band.latency.p95_ms).toBeNull();
    expect(band.tps_series).toEqual([]);
    expect(doc.workload).toBe('pgbench');
    expect(doc.analysis).toBeNull();
    expect(doc.optimal_config).toBeNull();
    expect(doc.environment.server_version).toBeNull();
    expect(doc.partial).toBe(false);
  });

  it('accepts pgbench-ish names: clients for both axes, tps and latency_avg_ms', () => {
    const doc = parseBandCsv(
      'band_id,clients,tps,latency_avg_ms,p95_ms\r\n1,4,1800.5,2.2,4.1\r\n2,8,2900,2.76,\r\n',
      'pg.csv',
    );
    expect(doc.bands[1]!.workers).toBe(8);
    expect(doc.bands[1]!.connections).toBe(8);
    expect(doc.bands[0]!.total_tps).toBe(1800.5);
    expect(doc.bands[0]!.latency.mean_ms).toBe(2.2);
    expect(doc.bands[0]!.latency.p95_ms).toBe(4.1);
    expect(doc.bands[1]!.latency.p95_ms).toBeNull();
  });

  it('names a missing required column', () => {
    const e = errorOf(() => parseBandCsv('band_id,workers,connections,avg_latency_ms\n1,2,2,3.1\n', 'bands.csv'));
    expect(e.message).toBe(
      'bands.csv:1:1: missing required column "total_tps": a band table needs at least band_id,workers,connections,total_tps',
    );
  });

  it('points at a non-numeric value with line:column', () => {
    const e = errorOf(() => parseBandCsv('band_id,workers,connections,total_tps\n1,2,2,100\n2,4,4,abc\n', 'bands.csv'));
    expect(e.message).toBe('bands.csv:3:7: column "total_tps": expected a non-negative number, got "abc"');
    expect(e.location).toEqual({ file: 'bands.csv', line: 3, column: 7 });
  });

  it('rejects negative TPS, "NaN", fractional workers and empty required cells', () => {
    expect(errorOf(() => parseBandCsv('band_id,workers,connections,total_tps\n1,2,2,-5\n', 'a.csv')).message).toBe(
      'a.csv:2:7: column "total_tps": expected a non-negative number, got "-5"',
    );
    expect(errorOf(() => parseBandCsv('band_id,workers,connections,total_tps\n1,2,2,NaN\n', 'a.csv')).message).toBe(
      'a.csv:2:7: column "total_tps": expected a non-negative number, got "NaN"',
    );
    expect(errorOf(() => parseBandCsv('band_id,workers,connections,total_tps\n1,2.5,2,10\n', 'a.csv')).message).toBe(
      'a.csv:2:3: column "workers": expected a positive integer, got "2.5"',
    );
    expect(errorOf(() => parseBandCsv('band_id,workers,connections,total_tps\n1,2,,10\n', 'a.csv')).message).toBe(
      'a.csv:2:5: column "connections": expected a positive integer, got an empty value',
    );
    expect(
      errorOf(() => parseBandCsv('band_id,workers,connections,total_tps,error_rate\n1,2,2,10,1.5\n', 'a.csv')).message,
    ).toBe('a.csv:2:10: column "error_rate": expected a number from 0 to 1, got "1.5"');
  });

  it('reports a duplicate band_id where it repeats', () => {
    const e = errorOf(() =>
      parseBandCsv('band_id,workers,connections,total_tps\n1,2,2,100\n2,4,4,200\n1,8,8,300\n', 'dup.csv'),
    );
    expect(e.message).toBe('dup.csv:4:1: column "band_id": duplicate band 1 (first on line 2)');
  });

  it('counts lines inside quoted fields when locating errors', () => {
    const text = 'band_id,workers,connections,total_tps,workload\n1,2,2,100,"two\nlines"\n2,4,x,200,w\n';
    const e = errorOf(() => parseBandCsv(text, 'q.csv'));
    expect(e.message).toBe('q.csv:4:5: column "connections": expected a positive integer, got "x"');
  });

  it('rejects rows with the wrong field count, unterminated quotes and stray quotes', () => {
    expect(errorOf(() => parseBandCsv('band_id,workers,connections,total_tps\n1,2,2\n', 'n.csv')).message).toBe(
      'n.csv:2:6: expected 4 fields as in the header, got 3',
    );
    expect(errorOf(() => parseBandCsv('band_id,workers,connections,total_tps\n1,2,2,100,7\n', 'n.csv')).message).toBe(
      'n.csv:2:11: expected 4 fields as in the header, got 5',
    );
    expect(errorOf(() => parseBandCsv('band_id,workers,connections,total_tps\n1,2,2,"100\n', 'n.csv')).message).toBe(
      "n.csv:2:7: unterminated quoted field: expected a closing '\"'",
    );
    expect(errorOf(() => parseBandCsv('band_id,workers,connections,total_tps\n1,2,2,1"00\n', 'n.csv')).message).toBe(
      "n.csv:2:8: unexpected '\"' inside an unquoted field (quote the whole field)",
    );
  });

  it('rejects an empty file, a header without rows and duplicate header columns', () => {
    expect(errorOf(() => parseBandCsv('', 'e.csv')).message).toBe(
      'e.csv:1:1: empty CSV: expected a header row with at least band_id,workers,connections,total_tps',
    );
    expect(errorOf(() => parseBandCsv('band_id,workers,connections,total_tps\n', 'e.csv')).message).toBe(
      'e.csv:2:1: no band rows: expected at least one row after the header',
    );
    expect(errorOf(() => parseBandCsv('band_id,workers,connections,total_tps,tps\n1,1,1,1,1\n', 'e.csv')).message).toBe(
      'e.csv:1:39: column "tps" duplicates column "total_tps" (column 4)',
    );
  });

  it('marks the document partial when a band did not complete', () => {
    const doc = makeDocument({
      withAnalysis: false,
      bands: [makeBand(1, 2, 2), makeBand(2, 4, 4, { status: 'partial' })],
    });
    const back = parseBandCsv(toCsv(doc), 'p.csv');
    expect(back.partial).toBe(true);
    expect(back.bands[1]!.status).toBe('partial');
  });
});
