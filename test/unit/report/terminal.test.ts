import { describe, expect, it } from 'vitest';
import { renderTerminalReport, sparkline } from '../../../src/report/index.js';
import { makeDocument } from '../../support/report-factory.js';

const FORBIDDEN_WORDS = /\b(undefined|NaN|null|Infinity)\b/;
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

function bandRows(text: string): string[] {
  const lines = text.replace(ANSI, '').split('\n');
  const header = lines.findIndex((l) => /^\s+Band\s+Workers/.test(l));
  const rows: string[] = [];
  for (let i = header + 1; i < lines.length && /^\s+\d+\s/.test(lines[i]!); i++) rows.push(lines[i]!);
  return [lines[header]!, ...rows];
}

describe('renderTerminalReport', () => {
  it('shows bands with regions, the fits with N*, the optimum with reasoning and recommendations', () => {
    const doc = makeDocument();
    const text = renderTerminalReport(doc);
    expect(text).toContain('pgscale report: tpcb · exponential · 6 bands');
    expect(text).toMatch(/^\s+6\s+32\s+32\s+10,545\s+±211\s+3\.03\s+5\.77\s+8\.19\s+0\.00095%\s+saturation$/m);
    expect(text).toContain('Regions: linear 1-3 → diminishing 4-5 → saturation 6');
    expect(text).toMatch(/usl \*\s+0\.9991\s+61\.30\s+48\.20/);
    expect(text).toContain('N* = 34.8 [29.1–41.7], peak 10,599 TPS [10,300–10,900]');
    expect(text).toContain('16 workers / 16 connections (band 5): 8,798 TPS, 83% of peak, p95 3.46 ms');
    expect(text).toContain(doc.optimal_config!.reasoning);
    expect(text).toContain('[high] pool: Size the pool at 16 connections');
    expect(text).toContain('concurrency = min(workers, connections)');
    expect(text).not.toMatch(FORBIDDEN_WORDS);
    expect(text).not.toMatch(ANSI);
  });

  it('right-aligns numeric columns under their headers', () => {
    const [header, ...rows] = bandRows(renderTerminalReport(makeDocument()));
    expect(rows).toHaveLength(6);
    const tpsEnd = header!.indexOf('TPS') + 3;
    const p99End = header!.indexOf('p99 ms') + 6;
    for (const row of rows) {
      expect(row[tpsEnd - 1], row).toMatch(/\d/);
      expect(row[tpsEnd], row).toBe(' ');
      expect(row[p99End - 1], row).toMatch(/\d/);
    }
  });

  it('colours only when asked, without changing the layout', () => {
    const doc = makeDocument({ partialReason: 'cancelled by SIGTERM' });
    const plain = renderTerminalReport(doc, { color: false });
    const coloured = renderTerminalReport(doc, { color: true });
    expect(plain).not.toMatch(ANSI);
    expect(coloured).toMatch(ANSI);
    expect(coloured.replace(ANSI, '')).toBe(plain);
    expect(plain).toContain('PARTIAL RESULTS: cancelled by SIGTERM');
  });

  it('renders a document whose analysis is null without undefined/NaN/null', () => {
    const text = renderTerminalReport(makeDocument({ withAnalysis: false }), { color: true });
    expect(text).not.toMatch(FORBIDDEN_WORDS);
    expect(text).toContain('No analysis in this document');
    expect(text).toContain('none: no analysis in this document');
    expect(bandRows(text)).toHaveLength(7);
  });

  it('strips control sequences from untrusted text', () => {
    const doc = makeDocument({
      workload: 'evil\u001b[2J\u001b[31mred\nnext',
      partialReason: 'line\r\noverwrite\u0007',
    });
    const text = renderTerminalReport(doc);
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    expect(text).toContain('pgscale report: evilred next');
  });
});

describe('sparkline', () => {
  it('scales blocks to the largest value', () => {
    expect(sparkline([0, 50, 100])).toBe('▁▅█');
    expect(sparkline([0, 0])).toBe('▁▁');
  });
});
