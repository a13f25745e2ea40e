// Summary Markdown, annotations and outputs, rendered from real comparisons of factory documents.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareResults, DEFAULT_THRESHOLDS, noBaseline } from '../../../src/compare/index.js';
import { annotateComparison } from '../../../src/github/annotations.js';
import { gateFails } from '../../../src/app/gate.js';
import { outputValues, setOutputs } from '../../../src/github/outputs.js';
import { renderChart, renderComparisonMarkdown } from '../../../src/report/comparison.js';
import { escapeMarkdown } from '../../../src/report/escape.js';
import { grid, makeDoc } from '../../support/compare-factory.js';

const usl = { lambda: 1000, sigma: 0.02, kappa: 0.0005, peak_concurrency: 44, peak_tps: 15000 };
const base = makeDoc({
  bands: grid(1, { noise: 0.01 }),
  seed: 1,
  usl,
  optimal: { workers: 16, connections: 16, tps: 13000 },
});
const slow = makeDoc({
  bands: grid(0.8, { noise: 0.01 }),
  seed: 2,
  usl,
  optimal: { workers: 16, connections: 16, tps: 10400 },
});

describe('summary markdown', () => {
  it('a failing comparison: headline, per-band table with deltas and intervals, curve, chart with numbers', () => {
    const c = compareResults(slow, base, DEFAULT_THRESHOLDS);
    const md = renderComparisonMarkdown({ comparison: c, current: slow, baseline: base, title: 'bench/pgscale.yml' });
    expect(md).toContain('> [!CAUTION]\n> **Verdict: FAIL**');
    expect(md).toMatch(
      /\| 4 \| 4 \| [\d,.]+ → [\d,.]+ \| −(19|20|21)\.\d% \| −\d+\.\d% … −\d+\.\d% \| \*\*FAIL\*\* \|/,
    );
    expect(md).toContain('### Curve');
    expect(md).toContain('| Peak TPS');
    expect(md).toContain('```mermaid\nxychart-beta\n');
    expect(md).toContain('x-axis "concurrency" [4, 8, 16, 32]');
    // Three lines: current, baseline, USL; and the same numbers in a table.
    const block = md.slice(md.indexOf('```mermaid'), md.indexOf('```', md.indexOf('```mermaid') + 3));
    expect(block.match(/^ {4}line \[/gm)).toHaveLength(3);
    expect(md).toContain('| Concurrency | Current TPS | Baseline TPS | USL fit |');
    const uslAt4 = (1000 * 4) / (1 + 0.02 * 3 + 0.0005 * 4 * 3);
    expect(md).toContain(`| 4 | ${slow.bands[0]!.total_tps.toLocaleString('en-US', { maximumFractionDigits: 1 })} |`);
    expect(md).toContain(`| ${uslAt4.toLocaleString('en-US', { maximumFractionDigits: 1 })} |`);
  });

  it('no baseline is a prominent box, never a pass', () => {
    const md = renderComparisonMarkdown({
      comparison: noBaseline('no artifact named "pgscale-baseline" exists'),
      current: slow,
    });
    expect(md).toContain('> [!WARNING]\n> **Verdict: NO BASELINE**');
    expect(md).toContain('Nothing was compared, so nothing was gated');
    expect(md).not.toContain('PASS');
  });

  it('escapes everything that comes from configs, SQL, file names and errors', () => {
    const evil =
      '<img src=x onerror=alert(1)> [click](https://evil.example) @org/team **bold** `code` | pipe\n# heading';
    const cur = makeDoc({
      bands: grid(),
      seed: 3,
      workload: evil,
      files: [{ path: evil, role: 'script', sha256: 'a' }],
    });
    const b = makeDoc({ bands: grid(), seed: 4, workload: evil, files: [{ path: evil, role: 'script', sha256: 'b' }] });
    const c = compareResults(cur, b, DEFAULT_THRESHOLDS);
    c.notes.push(evil);
    const md = renderComparisonMarkdown({
      comparison: c,
      current: cur,
      baseline: b,
      title: evil,
      baseline_source: evil,
    });
    expect(md).not.toContain('<img');
    expect(md).not.toContain('](https');
    expect(md).not.toContain('@org');
    expect(md).not.toContain('**bold**');
    expect(md).not.toMatch(/^# heading/m);
    expect(md).not.toMatch(/[^\\]\| pipe/);
    expect(md).toContain('&lt;img src\\=x onerror\\=alert\\(1\\)&gt;');
    expect(escapeMarkdown('a\nb')).toBe('a b');
  });

  it('leaves the baseline line out of the chart when the bands differ, and says so', () => {
    const other = makeDoc({ bands: [{ workers: 2, connections: 2, tps: 500 }], seed: 5 });
    const chart = renderChart(slow, other);
    expect(chart.match(/^ {4}line \[/gm)).toHaveLength(2);
    expect(chart).toContain('its line is left out');
  });
});

describe('annotations', () => {
  it('one error per failing figure, warnings for inconclusive ones', () => {
    const calls: { kind: string; message: string; title?: string }[] = [];
    const sink = {
      error: (message: string, p?: { title?: string }) => calls.push({ kind: 'error', message, title: p?.title }),
      warning: (message: string, p?: { title?: string }) => calls.push({ kind: 'warning', message, title: p?.title }),
    };
    const c = compareResults(slow, base, DEFAULT_THRESHOLDS);
    const counts = annotateComparison(c, sink);
    expect(counts.errors).toBe(c.failures.length);
    expect(calls.filter((x) => x.kind === 'error').map((x) => x.title)).toContain(
      'pgscale regression: TPS at 16 workers / 16 connections',
    );
    expect(calls.find((x) => x.title === 'pgscale regression: TPS at 16 workers / 16 connections')!.message).toMatch(
      /fell \d+\.\d%/,
    );

    calls.length = 0;
    expect(annotateComparison(noBaseline('expired'), sink)).toEqual({ errors: 0, warnings: 1 });
    expect(calls[0]!.kind).toBe('warning');
  });
});

describe('outputs and the gate', () => {
  it('writes every output through GITHUB_OUTPUT', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pgscale-out-'));
    const file = path.join(dir, 'output');
    await writeFile(file, '');
    const saved = process.env['GITHUB_OUTPUT'];
    process.env['GITHUB_OUTPUT'] = file;
    try {
      const c = compareResults(slow, base, DEFAULT_THRESHOLDS);
      setOutputs({
        comparison: c,
        doc: slow,
        results_json: 'out/results.json',
        report_markdown: 'out/report.md',
        baseline_run_id: 101,
        comment_url: 'https://github.com/acme/shop/pull/7#issuecomment-1',
      });
      const text = await readFile(file, 'utf8');
      const outputs: Record<string, string> = {};
      for (const m of text.matchAll(/^([\w-]+)<<(\S+)\n([\s\S]*?)\n\2$/gm)) outputs[m[1]!] = m[3]!;
      const peak = Math.max(...slow.bands.map((b) => b.total_tps));
      expect(outputs).toEqual({
        verdict: 'fail',
        'peak-tps': String(Math.round(peak * 10) / 10),
        'optimal-workers': '16',
        'optimal-connections': '16',
        'results-json': 'out/results.json',
        'report-markdown': 'out/report.md',
        'baseline-run-id': '101',
        'comment-url': 'https://github.com/acme/shop/pull/7#issuecomment-1',
      });
    } finally {
      process.env['GITHUB_OUTPUT'] = saved;
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('no baseline-run-id when the comparison rejected that baseline', () => {
    const otherPlan = { ...base, plan_fingerprint: '0'.repeat(64) };
    const c = compareResults(slow, otherPlan, DEFAULT_THRESHOLDS);
    expect(c.verdict).toBe('no-baseline');
    const values = outputValues({
      comparison: c,
      doc: slow,
      results_json: null,
      report_markdown: null,
      baseline_run_id: 101,
      comment_url: null,
    });
    expect(values['baseline-run-id']).toBe('');
  });

  it('run mode reports not-compared', () => {
    expect(
      outputValues({
        comparison: null,
        doc: slow,
        results_json: null,
        report_markdown: null,
        baseline_run_id: null,
        comment_url: null,
      }).verdict,
    ).toBe('not-compared');
  });

  it('fail-on decides which verdicts fail the step', () => {
    expect(gateFails('fail', 'regression')).toBe(true);
    expect(gateFails('inconclusive', 'regression')).toBe(false);
    expect(gateFails('no-baseline', 'regression')).toBe(false);
    expect(gateFails('inconclusive', 'inconclusive')).toBe(true);
    expect(gateFails('no-baseline', 'inconclusive')).toBe(true);
    expect(gateFails('pass', 'inconclusive')).toBe(false);
    expect(gateFails('fail', 'never')).toBe(false);
    expect(gateFails(null, 'regression')).toBe(false);
  });
});
