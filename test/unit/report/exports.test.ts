import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderRunMarkdown, toCsv, writeExports } from '../../../src/report/index.js';
import { readResultsFile } from '../../../src/results/read.js';
import { makeDocument } from '../../support/report-factory.js';

const root = mkdtempSync(join(tmpdir(), 'pgscale-report-exports-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('writeExports', () => {
  it('writes results.json, results.csv and report.md for "both", creating the directory', async () => {
    const doc = makeDocument();
    const dir = join(root, 'nested', 'results');
    const paths = await writeExports(doc, 'both', dir);
    expect(paths).toEqual([join(dir, 'results.json'), join(dir, 'results.csv'), join(dir, 'report.md')]);
    expect(readdirSync(dir).sort()).toEqual(['report.md', 'results.csv', 'results.json']);
    expect(readResultsFile(paths[0]!)).toEqual(doc);
    expect(readFileSync(paths[1]!, 'utf8')).toBe(toCsv(doc));
    expect(readFileSync(paths[2]!, 'utf8')).toBe(renderRunMarkdown(doc));
    expect(readResultsFile(paths[1]!).bands.map((b) => b.workers)).toEqual(doc.bands.map((b) => b.workers));
  });

  it('writes only the requested format plus the Markdown report', async () => {
    const doc = makeDocument({ withAnalysis: false });
    const csvDir = join(root, 'csv-only');
    expect(await writeExports(doc, 'csv', csvDir)).toEqual([join(csvDir, 'results.csv'), join(csvDir, 'report.md')]);
    expect(existsSync(join(csvDir, 'results.json'))).toBe(false);
    const jsonDir = join(root, 'json-only');
    expect(await writeExports(doc, 'json', jsonDir)).toEqual([
      join(jsonDir, 'results.json'),
      join(jsonDir, 'report.md'),
    ]);
    expect(readdirSync(jsonDir).sort()).toEqual(['report.md', 'results.json']);
  });

  it('writes nothing when the document holds a non-finite number', async () => {
    const doc = makeDocument();
    doc.bands[0]!.total_tps = Number.NaN;
    const dir = join(root, 'bad');
    await expect(writeExports(doc, 'both', dir)).rejects.toThrow(/non-finite number at bands\[0\]\.total_tps/);
    expect(existsSync(dir)).toBe(false);
  });
});
