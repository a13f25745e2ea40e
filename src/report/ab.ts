// Views of an A/B run: Markdown for the job summary and the sticky comment, plain text for the
// terminal. Untrusted text (labels from configs, sources, reasons) goes through escapeMarkdown.

import { runHealth } from '../analyze/health.js';
import { healthFailure, healthHeadline } from './health.js';
import type { Comparison, FigureComparison } from '../results/comparison-types.js';
import { bandFigureNotes, renderChart } from './comparison.js';
import { escapeMarkdown } from './escape.js';
import {
  formatChange,
  formatRatioInterval,
  formatStatus,
  formatUpTo as fmt,
  VERDICT_ALERT as ALERT,
  VERDICT_TEXT as VERDICT,
} from './format.js';
import type { ResultsDocument } from '../results/types.js';
import type { AbSection } from '../results/ab-types.js';

const signed = (f: FigureComparison): string => formatChange(f.change_pct);
const intervalText = (f: FigureComparison): string => formatRatioInterval(f.interval);
const levelOf = (f: FigureComparison): string => (f.interval ? `${(f.interval.level * 100).toFixed(1)}%` : '');
const status = (f: FigureComparison): string => formatStatus(f.status, f.improved);

export interface AbSummaryInput {
  ab: AbSection;
  comparison: Comparison;
  base: ResultsDocument;
  head: ResultsDocument;
  title?: string;
}

export function renderAbMarkdown(input: AbSummaryInput): string {
  const { ab, comparison: c, head, base } = input;
  const out: string[] = [];
  out.push(`## pgscale A/B${input.title ? ` — ${escapeMarkdown(input.title)}` : ''}`, '');
  out.push(
    `> [!${ALERT[c.verdict]}]`,
    `> **Verdict: ${VERDICT[c.verdict]}**`,
    '>',
    `> ${escapeMarkdown(c.reason)}`,
    '',
  );
  // A side whose transactions failed outweighs any verdict drawn from it.
  for (const [side, doc] of [
    ['base', base],
    ['head', head],
  ] as const) {
    const health = runHealth(doc);
    const text =
      healthFailure(health, side) ??
      (health.status === 'degraded' ? `The ${side} run: ${healthHeadline(health)}` : null);
    if (text)
      out.push(health.status === 'failed' ? '> [!CAUTION]' : '> [!WARNING]', `> **${escapeMarkdown(text)}**`, '');
  }
  out.push(
    `**Same-runner A/B run**: base (${escapeMarkdown(ab.sides.base.source)}) ` +
      `and head (${escapeMarkdown(ab.sides.head.source)}) ` +
      ('measured on this runner against one server, each in its own ' +
        `database, both pools open: ${ab.rounds} round(s) per band of ${ab.blocks_per_round} ABBA block(s) ` +
        `of ${ab.turn_ms} ms turns`) +
      (`${ab.confirm ? ', failures re-measured for confirmation' : ''}. Workload ` +
        `**${escapeMarkdown(head.workload)}** at scale ${fmt(head.scale, 0)}.`),
    '',
    escapeMarkdown(ab.noise.sentence),
    '',
    `Thresholds: TPS drop ${(c.thresholds.max_tps_drop * 100).toFixed(1)}%, ` +
      `p95 increase ${(c.thresholds.max_p95_increase * 100).toFixed(1)}%, ` +
      `requested confidence ${(c.thresholds.confidence * 100).toFixed(0)}%.`,
    '',
  );
  if (c.bands.length > 0) {
    out.push('### Bands: head vs base, paired by block', '');
    out.push(
      '| Workers | Connections | Blocks | TPS base → head | Δ TPS (HL) | TPS ' +
        'interval | level | TPS | p95 ms base → head | Δ p95 | p95 interval | p95 |',
    );
    out.push('|---:|---:|---:|---:|---:|:---:|---:|:---|---:|---:|:---:|:---|');
    c.bands.forEach((b, i) => {
      const s = ab.bands[i];
      out.push(
        `| ${b.workers} | ${b.connections} | ` +
          `${s?.tps.rounds ?? 'n/a'}${s?.confirmation ? ` + ${s.confirmation.rounds}` : ''} ` +
          `| ${fmt(b.tps.baseline)} → ${fmt(b.tps.current)} | ${signed(b.tps)} ` +
          `| ${intervalText(b.tps)} | ${levelOf(b.tps)} | ${status(b.tps)} ` +
          (`| ${fmt(b.p95_latency.baseline, 2)} → ${fmt(b.p95_latency.current, 2)} | ` +
            `${signed(b.p95_latency)} | ${intervalText(b.p95_latency)} | ${status(b.p95_latency)} |`),
      );
    });
    out.push('', ...bandFigureNotes(c));
  }
  if (c.curve) {
    out.push('### Curve (informational in A/B mode)', '');
    out.push('| Figure | Base | Head | Change | Interval | Status |', '|:---|---:|---:|---:|:---:|:---|');
    for (const f of [c.curve.peak_tps, c.curve.usl_peak_concurrency, c.curve.usl_sigma, c.curve.usl_kappa]) {
      out.push(
        `| ${escapeMarkdown(f.label)} | ${fmt(f.baseline, 4)} | ` +
          `${fmt(f.current, 4)} | ${signed(f)} | ${intervalText(f)} | ${f.status} |`,
      );
    }
    out.push('');
    for (const f of [c.curve.peak_tps, c.curve.usl_peak_concurrency]) out.push(`- ${escapeMarkdown(f.reason)}`);
    out.push(`- **Optimal configuration**: ${escapeMarkdown(c.curve.optimal.message)}`, '');
  }
  if (c.changed_files.length > 0) {
    out.push(
      '### Workload files that differ between base and head',
      '',
      ...c.changed_files.map((f) => `- ${escapeMarkdown(f)}`),
      '',
    );
  }
  out.push(
    '### TPS vs concurrency',
    '',
    'Current run = head, baseline = base (band means over the rounds).',
    '',
    renderChart(head, base),
  );
  out.push('<details><summary>How the verdict is reached</summary>', '');
  out.push(
    '- Base and head take turns on the same runner and server, both pools open, in ABBA blocks ' +
      '(A B B A | B A A B …), so machine drift hits both sides of a block alike. ' +
      'Each block gives one paired log-ratio head ÷ base per band, for TPS and for p95 latency.',
    '- The estimate is the Hodges–Lehmann median of the pairwise (Walsh) ' +
      'averages; its interval is the exact Wilcoxon signed-rank interval. ' +
      ('With few blocks only some levels are exact: the largest one not above the requested ' +
        'level is used and shown (the widest interval when even that is below it).'),
    '- **fail** only when the whole interval lies beyond the threshold; **pass** when it lies ' +
      'within; otherwise **inconclusive**, with the smallest change the noise could have detected.',
    `- ${escapeMarkdown(c.correction.explanation)}`,
    ab.confirm
      ? '- With confirmation, a failing band is measured again for as many ' +
          'rounds, and fails the gate only when the new rounds fail it too.'
      : '',
    '',
    '</details>',
    '',
  );
  if (c.notes.length > 1) out.push('### Notes', '', ...c.notes.slice(1).map((n) => `- ${escapeMarkdown(n)}`), '');
  return out.filter((line, i, all) => !(line === '' && all[i - 1] === '')).join('\n');
}

/** A short plain-text report for the terminal. */
export function renderAbText(input: AbSummaryInput): string {
  const { ab, comparison: c } = input;
  const lines: string[] = [];
  lines.push(`A/B verdict: ${VERDICT[c.verdict]} — ${c.reason}`);
  lines.push(ab.noise.sentence);
  for (const b of c.bands) {
    lines.push(
      `  ${`${b.workers}w/${b.connections}c`.padStart(9)}  TPS ${fmt(b.tps.baseline)} ` +
        `→ ${fmt(b.tps.current)} ${signed(b.tps)} [${intervalText(b.tps)} @${levelOf(b.tps)}] ${b.tps.status}` +
        (`   p95 ${fmt(b.p95_latency.baseline, 2)} → ${fmt(b.p95_latency.current, 2)} ` +
          `ms ${signed(b.p95_latency)} ${b.p95_latency.status}`),
    );
  }
  if (c.curve) {
    for (const f of [c.curve.peak_tps, c.curve.usl_peak_concurrency]) lines.push(`  ${f.reason}`);
  }
  for (const n of c.notes.slice(1)) lines.push(`  note: ${n}`);
  return lines.join('\n');
}
