import { describe, expect, it } from 'vitest';
import { escapeHtml, escapeMarkdown, MARKDOWN_MAX_BYTES, renderRunMarkdown } from '../../../src/report/index.js';
import type { BandResult } from '../../../src/results/types.js';
import { makeAnalysis, makeBand, makeDocument } from '../../support/report-factory.js';

const FORBIDDEN_WORDS = /\b(undefined|NaN|null|Infinity)\b/;

/** Unescaped pipes in a table row: the number of cell borders GitHub will see. */
function pipes(line: string): number {
  return (line.match(/(?<!\\)\|/g) ?? []).length;
}

/** Each table's rows have exactly as many borders as its header. */
function expectTablesIntact(markdown: string): number {
  const lines = markdown.split('\n');
  let tables = 0;
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]!.startsWith('|') || (i > 0 && lines[i - 1]!.startsWith('|'))) continue;
    tables++;
    const borders = pipes(lines[i]!);
    for (let j = i + 1; j < lines.length && lines[j]!.startsWith('|'); j++) {
      expect(pipes(lines[j]!), `table row: ${lines[j]}`).toBe(borders);
    }
  }
  return tables;
}

function mermaidBlock(markdown: string): string[] {
  const match = /```mermaid\n([\s\S]*?)\n```/.exec(markdown);
  expect(match).not.toBeNull();
  return match![1]!.split('\n');
}

function listValues(line: string | undefined): string[] {
  const inner = /\[(.*)\]/.exec(line ?? '')![1]!;
  return inner.split(',').map((s) => s.trim());
}

describe('escapeMarkdown / escapeHtml', () => {
  it('neutralises HTML, table pipes, emphasis, mentions and links', () => {
    expect(escapeHtml('<a href="x">\'&</a>')).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&lt;/a&gt;');
    const out = escapeMarkdown(
      '<script>alert(1)</script> | **bold** @octocat #12 [x](https://evil.example) www.evil.example\nnext',
    );
    expect(out).not.toMatch(/<script/i);
    expect(out).toContain('&lt;script&gt;');
    expect(pipes(out)).toBe(0);
    expect(out).not.toContain('**');
    expect(out).not.toContain('@octocat');
    expect(out).not.toContain('#12');
    expect(out).not.toContain('](');
    expect(out).not.toContain('https://');
    expect(out).not.toContain('www.evil');
    expect(out).not.toContain('\n');
  });

  it('escapes autolink colons, = and - (setext headings, lists), and accepts any value', () => {
    expect(escapeMarkdown('a-b=c: d')).toBe('a\\-b\\=c\\: d');
    expect(escapeMarkdown(42)).toBe('42');
    expect(escapeMarkdown(null)).toBe('null');
    expect(escapeMarkdown('a\t\r\n\vb\u0001c')).toBe('a bc');
  });

  it('keeps ordinary text readable', () => {
    expect(escapeMarkdown('orders 15.6 ms, 3 bands')).toBe('orders 15.6 ms, 3 bands');
    // Quotes become entities, which GitHub renders as quotes; the entity's '#' is not escaped.
    expect(escapeMarkdown('Little\'s law, "quoted"')).toBe('Little&#39;s law, &quot;quoted&quot;');
    expect(escapeMarkdown('1. not a list')).toBe('1\\. not a list');
  });
});

describe('renderRunMarkdown', () => {
  it('renders headline, environment, bands, fits, USL, optimum and recommendations', () => {
    const doc = makeDocument();
    const md = renderRunMarkdown(doc);
    expect(md.startsWith('## pgscale: tpcb · exponential · 6 bands\n')).toBe(true);
    expect(md).toContain('PostgreSQL 15.6');
    expect(md).toContain('### Bands');
    expect(md).toMatch(/\| 6 \| 32 \| 32 \| \*\*10,545\*\* \| 10,334–10,756 \|.*\| saturation \|/);
    expect(md).toContain('| **usl** (best) | 0.9991 | 61.30 | 48.20 |');
    expect(md).toContain('N* = 34.8** (95% CI 29.1–41.7)');
    expect(md).toContain('**16 workers / 16 connections** (band 5)');
    expect(md).toContain('Size the pool at 16 connections');
    expect(md).toContain(
      'Predicted beyond the tested range (never past 2× the largest measured concurrency): N = 48 → 10,250 TPS (usl), N = 64 → 9,419 TPS (usl).',
    );
    expect(md).toContain('**Regions:** linear (bands 1–3) → diminishing (bands 4–5) → saturation (band 6)');
    expect(md).not.toMatch(FORBIDDEN_WORDS);
    expect(expectTablesIntact(md)).toBeGreaterThanOrEqual(5);
  });

  it('puts the partial-run warning at the top', () => {
    const md = renderRunMarkdown(makeDocument({ partialReason: 'server restarted during band 4' }));
    const lines = md.split('\n');
    expect(lines.slice(0, 5)).toContain('> [!WARNING]');
    expect(md).toContain('> **Partial results.** server restarted during band 4');
  });

  it('renders a document whose analysis is null without undefined/NaN/null', () => {
    const doc = makeDocument({ withAnalysis: false });
    const md = renderRunMarkdown(doc);
    expect(md).not.toMatch(FORBIDDEN_WORDS);
    expect(md).toContain('No analysis in this document');
    expect(md).toContain('No optimum');
    expectTablesIntact(md);
    // The chart shows measured bars only: there is no fit to draw.
    const chart = mermaidBlock(md);
    expect(chart.filter((l) => l.trim().startsWith('line'))).toHaveLength(0);
    expect(listValues(chart.find((l) => l.trim().startsWith('bar')))).toHaveLength(6);
  });

  it('renders nulls inside the analysis (failed fits, missing percentiles) as dashes', () => {
    const doc = makeDocument({ bands: [makeBand(1, 4, 4), makeBand(2, 8, 8)] });
    doc.bands[1]!.latency.p99_ms = null;
    const usl = doc.analysis!.curve_fitting.usl;
    Object.assign(usl, {
      sigma: null,
      kappa: null,
      lambda: null,
      peak_concurrency: null,
      peak_tps: null,
      sigma_ci: null,
      kappa_ci: null,
      peak_concurrency_ci: null,
      peak_tps_ci: null,
      r_squared: null,
      reason: 'two points cannot fix three parameters',
    });
    doc.analysis!.curve_fitting.best_model = null;
    doc.optimal_config = null;
    doc.analysis!.optimal_reason = 'no band met the SLO p95 ≤ 5 ms';
    const md = renderRunMarkdown(doc);
    expect(md).not.toMatch(FORBIDDEN_WORDS);
    expect(md).toContain('**USL:** not available: two points cannot fix three parameters.');
    expect(md).toContain('No optimum: no band met the SLO p95 ≤ 5 ms.');
  });

  it('draws a Mermaid xychart with one x value per distinct concurrency and a fitted USL line', () => {
    const md = renderRunMarkdown(makeDocument());
    const chart = mermaidBlock(md);
    expect(chart[0]).toBe('xychart-beta');
    const x = listValues(chart.find((l) => l.trim().startsWith('x-axis')));
    expect(x).toEqual(['"1"', '"2"', '"4"', '"8"', '"16"', '"32"']);
    expect(listValues(chart.find((l) => l.trim().startsWith('bar')))).toHaveLength(6);
    const line = listValues(chart.find((l) => l.trim().startsWith('line')));
    expect(line).toHaveLength(6);
    expect(Number(line[5])).toBeCloseTo(10574.2, 0);
    expect(md).toContain('| Concurrency | Measured TPS | Bands | USL TPS |');
  });

  it('collapses grid bands at the same concurrency into one x value', () => {
    const bands: BandResult[] = [
      makeBand(1, 2, 2),
      makeBand(2, 2, 4),
      makeBand(3, 4, 2),
      makeBand(4, 4, 4),
      makeBand(5, 4, 8),
    ];
    const doc = makeDocument({ bands });
    const chart = mermaidBlock(renderRunMarkdown(doc));
    expect(listValues(chart.find((l) => l.trim().startsWith('x-axis')))).toEqual(['"2"', '"4"']);
    expect(listValues(chart.find((l) => l.trim().startsWith('bar')))).toHaveLength(2);
  });

  it('escapes everything that comes from configs, SQL and errors', () => {
    const doc = makeDocument({
      workload: '<script>alert(1)</script> | @octocat',
      partialReason: 'ERROR: relation "x|y" does not exist\n## injected heading <img src=x onerror=alert(1)>',
    });
    doc.environment.server_version = '15.6 <b>evil</b>';
    doc.environment.settings.shared_buffers = '128MB | injected';
    doc.bands[0]!.errors = { '<XX|01>': 2 };
    doc.bands[0]!.failed_transactions = 2;
    doc.bands[0]!.error_rate = 0.01;
    doc.analysis!.recommendations[0]!.suggestion = 'Use | pipes and <iframe src=//evil> and @admin please';
    doc.analysis!.warnings.push('[click](javascript:alert(1))');
    doc.optimal_config!.reasoning = '**bold** </details><script>x</script>';
    const md = renderRunMarkdown(doc);
    // The only HTML is our own collapsible section and footer.
    expect(md).not.toMatch(/<(?!\/?(details|summary|sub)>)/);
    expect(md).not.toMatch(/<script|<img|<iframe|<b>/i);
    expect(md).not.toMatch(/@octocat|@admin/);
    expect(md).not.toContain('](javascript');
    expect(md).not.toMatch(/^## injected/m);
    expect((md.match(/<\/details>/g) ?? []).length).toBe(1);
    expectTablesIntact(md);
  });

  it('stays under the size limit with a note when tables are truncated', () => {
    const bands = Array.from({ length: 600 }, (_, i) => makeBand(i + 1, 1 + (i % 60), 1 + Math.floor(i / 60) * 6));
    const doc = makeDocument({ bands });
    doc.analysis = makeAnalysis(doc);
    doc.analysis.warnings = Array.from({ length: 300 }, (_, i) => `warning ${i}: ${'x'.repeat(400)}`);
    const md = renderRunMarkdown(doc);
    expect(Buffer.byteLength(md, 'utf8')).toBeLessThanOrEqual(MARKDOWN_MAX_BYTES);
    expect(md).toMatch(/_Showing \d+ of 600 bands; the rest are in results\.csv\._/);
    expect(md).toContain('```mermaid');
    expectTablesIntact(md);
    expect(md).not.toMatch(FORBIDDEN_WORDS);
  });
});
