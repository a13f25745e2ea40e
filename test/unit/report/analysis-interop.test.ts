// The real analysis output must survive the report's JSON round trip and render cleanly:
// catches drift between src/analyze and what the report views and readers expect.
import { describe, expect, it } from 'vitest';
import { analyzeResults, DEFAULT_ANALYSIS_SETTINGS } from '../../../src/analyze/index.js';
import { renderRunMarkdown, renderTerminalReport, toCsv } from '../../../src/report/index.js';
import { toJson } from '../../../src/results/write.js';
import { parseResultsJson } from '../../../src/results/read.js';
import { parseBandCsv } from '../../../src/results/import-csv.js';
import type { ResultsDocument } from '../../../src/results/types.js';
import { makeBand, makeDocument } from '../../support/report-factory.js';

// The analysis' own prose may say "null" or "undefined" ("AICc is undefined when n ≤ k + 1"); what
// must never appear is a missing value printed as a figure.
const LEAKED_VALUE =
  /NaN|Infinity|\|\s*(null|undefined)\s*\||[=:±]\s*(null|undefined)\b|\b(null|undefined)\s*(%|ms\b|TPS\b)/;
const NO_SLO = { p95_latency_ms: null, error_rate: null };

function analysed(doc: ResultsDocument): ResultsDocument {
  const { analysis, optimal_config } = analyzeResults(
    doc,
    { ...DEFAULT_ANALYSIS_SETTINGS, bootstrap_resamples: 50 },
    NO_SLO,
  );
  return { ...doc, analysis, optimal_config };
}

describe('report views of a real analysis', () => {
  const cases: [string, ResultsDocument][] = [
    ['six bands on a USL curve', makeDocument({ withAnalysis: false })],
    ['a single band', makeDocument({ withAnalysis: false, bands: [makeBand(1, 4, 4)] })],
    [
      'a zero-TPS band',
      makeDocument({
        withAnalysis: false,
        bands: [makeBand(1, 2, 2), makeBand(2, 4, 4, { total_tps: 0, transactions: 0, tps_series: Array(30).fill(0) })],
      }),
    ],
    [
      'an imported pgbench table',
      parseBandCsv(
        'band_id,workers,connections,total_tps\n1,1,1,500\n2,2,2,950\n3,4,4,1700\n4,8,8,2400\n',
        'pgbench.csv',
      ),
    ],
  ];
  for (const [name, input] of cases) {
    it(`round-trips and renders: ${name}`, () => {
      const doc = analysed(input);
      expect(parseResultsJson(toJson(doc), 'results.json')).toEqual(doc);
      for (const text of [
        renderRunMarkdown(doc),
        renderTerminalReport(doc),
        renderTerminalReport(doc, { color: true }),
      ]) {
        expect(text).not.toMatch(LEAKED_VALUE);
      }
      expect(toCsv(doc).split('\r\n').filter(Boolean)).toHaveLength(doc.bands.length + 1);
    });
  }
});
