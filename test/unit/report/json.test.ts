import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../src/errors.js';
import { toCsv } from '../../../src/report/index.js';
import { toJson } from '../../../src/results/write.js';
import { readResultsFile } from '../../../src/results/read.js';
import { makeDocument } from '../../support/report-factory.js';

const dir = mkdtempSync(join(tmpdir(), 'pgscale-report-json-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function userErrorOf(fn: () => unknown): UserError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).not.toContain('\n');
    return error as UserError;
  }
  throw new Error('expected a UserError');
}

/** 1-based line:column of an offset, counted independently of the code under test. */
function lineCol(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `${before.length}:${before[before.length - 1]!.length + 1}`;
}

describe('toJson', () => {
  it('writes stable 2-space JSON that parses back to the same document', () => {
    const doc = makeDocument();
    const text = toJson(doc);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.split('\n')[1]).toBe('  "schema_version": 1,');
    expect(JSON.parse(text)).toEqual(doc);
    expect(toJson(doc)).toBe(text);
  });

  it('refuses NaN and Infinity instead of writing null', () => {
    const doc = makeDocument();
    doc.bands[2]!.latency.p95_ms = Number.NaN;
    expect(() => toJson(doc)).toThrow(/internal error: .*bands\[2\]\.latency\.p95_ms = NaN/);
    const doc2 = makeDocument();
    doc2.analysis!.curve_fitting.usl.peak_tps = Number.POSITIVE_INFINITY;
    expect(() => toJson(doc2)).toThrow(/analysis\.curve_fitting\.usl\.peak_tps = Infinity/);
    let thrown: unknown;
    try {
      toJson(doc);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).not.toBeInstanceOf(UserError);
  });
});

describe('readResultsFile', () => {
  it('reads back a results document written by toJson', () => {
    const doc = makeDocument();
    expect(readResultsFile(write('ok.json', toJson(doc)))).toEqual(doc);
  });

  it('reads a document whose analysis is null', () => {
    const doc = makeDocument({ withAnalysis: false });
    const back = readResultsFile(write('plain.json', toJson(doc)));
    expect(back.analysis).toBeNull();
    expect(back.optimal_config).toBeNull();
  });

  it('reports truncated JSON with the line:column where it ends', () => {
    const full = toJson(makeDocument());
    const truncated = full.slice(0, Math.floor(full.length / 3));
    const path = write('truncated.json', truncated);
    const e = userErrorOf(() => readResultsFile(path));
    expect(e.message.startsWith(`${path}:${lineCol(truncated, truncated.length)}: invalid JSON: `)).toBe(true);
    expect(e.message).toContain('truncated');
  });

  it('reports a syntax error in the middle with its exact position', () => {
    const path = write('syntax.json', '{"schema_version": 1,\n  "bands": [1,,2]}\n');
    expect(userErrorOf(() => readResultsFile(path)).message).toBe(
      `${path}:2:15: invalid JSON: expected a JSON value, got ","`,
    );
    const nan = write('nan-literal.json', '{\n  "total_tps": NaN\n}');
    expect(userErrorOf(() => readResultsFile(nan)).message).toBe(
      `${nan}:2:16: invalid JSON: expected a JSON value, got "N"`,
    );
  });

  it('rejects another schema_version in one line', () => {
    const doc = JSON.parse(toJson(makeDocument()));
    doc.schema_version = 2;
    const path = write('baseline.json', JSON.stringify(doc));
    expect(userErrorOf(() => readResultsFile(path)).message).toBe(
      `${path}: schema_version 2 is not supported (expected 1)`,
    );
    delete doc.schema_version;
    const missing = write('missing-version.json', JSON.stringify(doc));
    expect(userErrorOf(() => readResultsFile(missing)).message).toMatch(/: schema_version is missing \(expected 1\)/);
  });

  it('rejects "NaN" strings with the field path and its location', () => {
    const doc = JSON.parse(toJson(makeDocument()));
    doc.bands[1].total_tps = 'NaN';
    const text = JSON.stringify(doc, null, 2);
    const path = write('nan-string.json', text);
    const offset = text.indexOf('"NaN"');
    expect(userErrorOf(() => readResultsFile(path)).message).toBe(
      `${path}:${lineCol(text, offset)}: bands[1].total_tps: expected a non-negative finite number, got the string "NaN"`,
    );
  });

  it('rejects negative TPS and overflowing numbers', () => {
    const doc = JSON.parse(toJson(makeDocument()));
    doc.bands[0].total_tps = -5;
    const text = JSON.stringify(doc, null, 2);
    const path = write('negative.json', text);
    expect(userErrorOf(() => readResultsFile(path)).message).toBe(
      `${path}:${lineCol(text, text.indexOf('-5'))}: bands[0].total_tps: expected a non-negative finite number, got -5`,
    );
    const huge = write('huge.json', text.replace('"total_tps": -5', '"total_tps": 1e999'));
    expect(userErrorOf(() => readResultsFile(huge)).message).toMatch(
      /bands\[0\]\.total_tps: expected a non-negative finite number, got Infinity$/,
    );
  });

  it('rejects a missing field, a wrong status and duplicate band ids', () => {
    const base = JSON.parse(toJson(makeDocument({ withAnalysis: false })));
    const noBands = { ...base };
    delete noBands.bands;
    expect(userErrorOf(() => readResultsFile(write('nobands.json', JSON.stringify(noBands)))).message).toMatch(
      /:1:1: bands: expected an array of bands, got nothing \(the field is missing\)$/,
    );
    const badStatus = structuredClone(base);
    badStatus.bands[3].status = 'done';
    expect(userErrorOf(() => readResultsFile(write('status.json', JSON.stringify(badStatus)))).message).toMatch(
      /bands\[3\]\.status: expected "complete", "partial" or "failed", got the string "done"$/,
    );
    const dup = structuredClone(base);
    dup.bands[2].band_id = 1;
    expect(userErrorOf(() => readResultsFile(write('dup.json', JSON.stringify(dup)))).message).toMatch(
      /bands\[2\]\.band_id: duplicate band 1$/,
    );
  });

  it('reads CSV band tables by extension and by sniffing the content', () => {
    const csv = toCsv(makeDocument());
    expect(readResultsFile(write('table.csv', csv)).bands).toHaveLength(6);
    expect(readResultsFile(write('table-no-extension', csv)).bands[5]!.workers).toBe(32);
    const e = userErrorOf(() => readResultsFile(write('broken.csv', 'band_id,workers\n1,2\n')));
    expect(e.message).toMatch(/broken\.csv:1:1: missing required column "connections"/);
  });

  it('says when the file cannot be read', () => {
    const path = join(dir, 'nope.json');
    expect(userErrorOf(() => readResultsFile(path)).message).toBe(`${path}: cannot read results file (no such file)`);
  });
});

describe('readResultsFile: the analysis part', () => {
  it('rejects an analysis the views could not read, naming the field', () => {
    const doc = JSON.parse(toJson(makeDocument()));
    doc.analysis.band_statistics = 'oops';
    expect(userErrorOf(() => readResultsFile(write('bad-analysis.json', JSON.stringify(doc)))).message).toMatch(
      /analysis\.band_statistics: expected an array of band statistics, got the string "oops"$/,
    );
    const empty = JSON.parse(toJson(makeDocument()));
    empty.analysis = {};
    expect(userErrorOf(() => readResultsFile(write('empty-analysis.json', JSON.stringify(empty)))).message).toMatch(
      /analysis\.band_statistics: expected an array of band statistics, got nothing \(the field is missing\)$/,
    );
    const peak = JSON.parse(toJson(makeDocument()));
    peak.analysis.curve_fitting.usl.peak_tps = 'NaN';
    expect(userErrorOf(() => readResultsFile(write('usl-nan.json', JSON.stringify(peak)))).message).toMatch(
      /analysis\.curve_fitting\.usl\.peak_tps: expected a finite number, got the string "NaN"$/,
    );
  });
});
