// The comparison as Markdown, for the job summary and the PR comment. Every string that can come from
// a config, SQL, a file name or an error goes through escapeMarkdown, so nothing can inject Markdown
// or HTML. The Mermaid chart holds numbers only.

import type { Comparison, FigureComparison } from '../results/comparison-types.js';
import { curvePoints } from './curve.js';
import { escapeMarkdown } from './escape.js';
import {
  formatChange,
  formatFigure,
  formatRatioInterval,
  formatStatus,
  formatUpTo as fmt,
  VERDICT_ALERT as ALERT,
  VERDICT_TEXT,
} from './format.js';
import type { ResultsDocument } from '../results/types.js';

const change = (f: FigureComparison): string => formatChange(f.change_pct);
const interval = (f: FigureComparison): string => formatRatioInterval(f.interval);
const status = (f: FigureComparison): string => formatStatus(f.status, f.improved);

/** A Mermaid xychart-beta of TPS vs concurrency plus the same numbers as a table. */
export function renderChart(current: ResultsDocument, baseline: ResultsDocument | null): string {
  const cur = curvePoints(current);
  if (cur.length === 0) return '_No completed band to chart._\n';
  const base = new Map(curvePoints(baseline).map((p) => [p.concurrency, p.measured]));
  const xs = cur.map((p) => p.concurrency);
  const baseComplete = baseline !== null && xs.every((x) => base.has(x));
  const usl = cur.map((p) => p.usl);
  const uslComplete = usl.every((v) => v !== null);
  const values = [
    ...cur.map((p) => p.measured),
    ...(baseComplete ? xs.map((x) => base.get(x)!) : []),
    ...(uslComplete ? (usl as number[]) : []),
  ];
  const top = Math.max(1, Math.ceil((Math.max(...values) * 1.1) / 10) * 10);
  const r = (x: number) => Math.round(x * 10) / 10;
  const lines = [`    line [${cur.map((p) => r(p.measured)).join(', ')}]`];
  const legend = ['line 1: current run'];
  if (baseComplete) {
    lines.push(`    line [${xs.map((x) => r(base.get(x)!)).join(', ')}]`);
    legend.push(`line ${lines.length}: baseline`);
  }
  if (uslComplete) {
    lines.push(`    line [${(usl as number[]).map(r).join(', ')}]`);
    legend.push(`line ${lines.length}: USL fit of the current run`);
  }
  const out: string[] = [];
  out.push(`TPS against concurrency = min(workers, connections); ${legend.join(', ')}.`, '');
  out.push(
    '```mermaid',
    'xychart-beta',
    '    title "TPS vs concurrency"',
    `    x-axis "concurrency" [${xs.join(', ')}]`,
    `    y-axis "TPS" 0 --> ${top}`,
    ...lines,
    '```',
    '',
  );
  out.push('| Concurrency | Current TPS | Baseline TPS | USL fit |', '|---:|---:|---:|---:|');
  xs.forEach((x, i) =>
    out.push(`| ${x} | ${fmt(cur[i]!.measured)} | ${fmt(base.get(x) ?? null)} | ${fmt(usl[i] ?? null)} |`),
  );
  if (baseline && !baseComplete)
    out.push('', '_The baseline has no band at some of these concurrencies, so its line is left out of the chart._');
  return out.join('\n') + '\n';
}

/** The reasons behind every band figure that is not a plain pass, and the per-band notes. */
export function bandFigureNotes(c: Comparison): string[] {
  const out: string[] = [];
  const explain = c.bands.flatMap((b) => [b.tps, b.p95_latency]).filter((f) => f.status !== 'pass' || f.improved);
  if (explain.length > 0) {
    out.push('<details><summary>Why each band figure is not a plain pass</summary>', '');
    for (const f of explain) out.push(`- **${escapeMarkdown(f.label)}**: ${escapeMarkdown(f.reason)}`);
    out.push('', '</details>', '');
  }
  const notes = c.bands.flatMap((b) => b.notes.map((n) => `${b.workers} workers / ${b.connections} connections: ${n}`));
  if (notes.length > 0) out.push(...notes.map((n) => `- ${escapeMarkdown(n)}`), '');
  return out;
}

export interface SummaryInput {
  /** null in modes run and baseline: the report then shows the current run only. */
  comparison: Comparison | null;
  current: ResultsDocument;
  baseline?: ResultsDocument | null;
  /** Shown in the heading, e.g. the config path. */
  title?: string;
  /** Where the baseline came from, e.g. "artifact pgscale-baseline from run 123". */
  baseline_source?: string | null;
}

function figureRow(f: FigureComparison): string {
  return (
    `| ${escapeMarkdown(f.label)} | ${formatFigure(f.baseline)} | ` +
    `${formatFigure(f.current)} | ${change(f)} | ${interval(f)} | ${status(f)} |`
  );
}

export function renderComparisonMarkdown(input: SummaryInput): string {
  const { comparison: c, current } = input;
  const out: string[] = [];
  const title = input.title ? ` — ${escapeMarkdown(input.title)}` : '';
  out.push(`## pgscale${title}`, '');
  out.push(
    `Workload **${escapeMarkdown(current.workload)}** at scale ${fmt(current.scale, 0)}, ` +
      `${current.bands.length} band(s), strategy ${escapeMarkdown(current.strategy)}.`,
    '',
  );

  if (!c) {
    out.push('**Verdict: NOT COMPARED** (this mode measures and records; it does not gate).', '');
  } else {
    out.push(
      `> [!${ALERT[c.verdict]}]`,
      `> **Verdict: ${VERDICT_TEXT[c.verdict]}**`,
      '>',
      `> ${escapeMarkdown(c.reason)}`,
    );
    if (c.verdict === 'no-baseline') {
      out.push(
        '>',
        '> Nothing was compared, so nothing was gated. Record a baseline with `mode: baseline` on the baseline branch.',
      );
    }
    out.push('');
    if (input.baseline_source) out.push(`Baseline: ${escapeMarkdown(input.baseline_source)}.`, '');
    const envDiffs = c.environment_differences ?? [];
    if (c.verdict !== 'no-baseline' && envDiffs.length > 0) {
      out.push(
        '**Baseline measured on a different machine or server setup** ' +
          `(baseline vs current): ${envDiffs.map(escapeMarkdown).join('; ')}. ` +
          ('A regression against it is reported as inconclusive, never ' +
            'as a failure; a same-runner A/B run (`mode: ab`) can tell.'),
        '',
      );
    }
    out.push(
      `Thresholds: TPS drop ${(c.thresholds.max_tps_drop * 100).toFixed(1)}%, ` +
        `p95 increase ${(c.thresholds.max_p95_increase * 100).toFixed(1)}%, ` +
        `confidence ${(c.thresholds.confidence * 100).toFixed(0)}%.`,
      '',
    );
  }

  if (c && c.verdict !== 'no-baseline') {
    if (c.bands.length > 0) {
      const pctLevel = `${Math.round(c.thresholds.confidence * 100)}%`;
      out.push('### Bands: current vs baseline', '');
      out.push(
        `| Workers | Connections | TPS baseline → current | Δ TPS | TPS interval (${pctLevel}) ` +
          `| TPS | p95 ms baseline → current | Δ p95 | p95 interval (${pctLevel}) | p95 |`,
      );
      out.push('|---:|---:|---:|---:|:---:|:---|---:|---:|:---:|:---|');
      for (const b of c.bands) {
        out.push(
          `| ${b.workers} | ${b.connections} | ${fmt(b.tps.baseline)} → ` +
            `${fmt(b.tps.current)} | ${change(b.tps)} | ${interval(b.tps)} | ${status(b.tps)} ` +
            (`| ${fmt(b.p95_latency.baseline, 2)} → ${fmt(b.p95_latency.current, 2)} | ` +
              `${change(b.p95_latency)} | ${interval(b.p95_latency)} | ${status(b.p95_latency)} |`),
        );
      }
      out.push('', ...bandFigureNotes(c));
    }
    if (c.curve) {
      out.push('### Curve', '');
      out.push('| Figure | Baseline | Current | Change | Interval | Status |', '|:---|---:|---:|---:|:---:|:---|');
      for (const f of [c.curve.peak_tps, c.curve.usl_peak_concurrency, c.curve.usl_sigma, c.curve.usl_kappa])
        out.push(figureRow(f));
      out.push('');
      for (const f of [c.curve.peak_tps, c.curve.usl_peak_concurrency, c.curve.usl_sigma, c.curve.usl_kappa]) {
        out.push(`- **${escapeMarkdown(f.label)}**: ${escapeMarkdown(f.reason)}`);
      }
      out.push(`- **Optimal configuration**: ${escapeMarkdown(c.curve.optimal.message)}`, '');
    }
    if (c.changed_files.length > 0) {
      out.push('### Workload files changed since the baseline', '');
      out.push(...c.changed_files.map((f) => `- ${escapeMarkdown(f)}`), '');
    }
    if (c.unmatched.current_only.length + c.unmatched.baseline_only.length > 0) {
      const list = (bs: { workers: number; connections: number }[]) =>
        bs.map((b) => `${b.workers}/${b.connections}`).join(', ') || 'none';
      out.push(
        'Bands not compared (workers/connections): only in this run: ' +
          `${list(c.unmatched.current_only)}; only in the baseline: ${list(c.unmatched.baseline_only)}.`,
        '',
      );
    }
  }

  out.push('### TPS vs concurrency', '', renderChart(current, input.baseline ?? null));

  if (current.optimal_config) {
    const { reasoning, workers, connections } = current.optimal_config;
    out.push(
      `**Optimum (current run):** ${escapeMarkdown(reasoning || `${workers} workers / ${connections} connections`)}`,
      '',
    );
  }

  if (c && c.verdict !== 'no-baseline') {
    out.push('<details><summary>How the verdict is reached</summary>', '');
    out.push(
      '- Each figure is a ratio current ÷ baseline with an interval. TPS ' +
        "intervals come from batch means over both runs' per-second series " +
        ('(so correlated seconds are not counted as independent); p95 ' +
          "intervals from batch means over both runs' per-second p95 ") +
        ('(p95 drifts with time, so pooled latencies are not treated ' +
          'as independent; without that series p95 is inconclusive).'),
      '- **fail** only when the whole interval lies beyond the threshold; ' +
        '**pass** when it lies within it; otherwise **inconclusive**, ' +
        'with the smallest change the noise could have detected.',
      `- ${escapeMarkdown(c.correction.explanation)}`,
      '',
      '</details>',
      '',
    );
    if (c.notes.length > 0) out.push('### Notes', '', ...c.notes.map((n) => `- ${escapeMarkdown(n)}`), '');
  }
  return out.join('\n');
}
