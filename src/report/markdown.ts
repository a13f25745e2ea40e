// The run report as GitHub-flavoured Markdown: what the job summary and results artifact show.
// Every string that came from a config, SQL or the server goes through escapeMarkdown.

import type { BandResult, ResultsDocument, Analysis, ModelFit } from '../results/types.js';
import { runHealth } from '../analyze/health.js';
import { curvePoints } from './curve.js';
import { degradedBandText, healthHeadline } from './health.js';
import { escapeMarkdown } from './escape.js';
import {
  formatDuration,
  formatInteger,
  formatMs,
  formatPercent,
  formatRange,
  formatSig,
  formatTps,
  MISSING,
} from './format.js';

export { escapeHtml, escapeMarkdown } from './escape.js';

/** GitHub's limits are 65,536 characters for comments and 1 MiB for summaries; stay well under. */
export const MARKDOWN_MAX_BYTES = 60_000;

interface Limits {
  bandRows: number;
  listRows: number;
  textChars: number;
}

const LIMIT_STEPS: Limits[] = [
  { bandRows: 200, listRows: 50, textChars: 600 },
  { bandRows: 60, listRows: 20, textChars: 300 },
  { bandRows: 20, listRows: 8, textChars: 160 },
  { bandRows: 8, listRows: 4, textChars: 80 },
];

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Untrusted text, escaped and shortened. */
function safe(text: string | null | undefined, limits: Limits): string {
  if (text === null || text === undefined || text === '') return MISSING;
  return escapeMarkdown(clip(text, limits.textChars));
}

/** A GFM table; cells must already be escaped. */
export function markdownTable(headers: string[], rows: string[][], align?: ('l' | 'r' | 'c')[]): string[] {
  const rule = headers.map((_, i) => {
    const a = align?.[i] ?? 'l';
    return a === 'r' ? '---:' : a === 'c' ? ':---:' : '---';
  });
  return [`| ${headers.join(' | ')} |`, `| ${rule.join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

function truncationNote(shown: number, total: number, what: string, where: string): string {
  return `_Showing ${shown} of ${total} ${what}; the rest are in ${where}._`;
}

export interface ChartSeries {
  kind: 'bar' | 'line';
  values: number[];
}

/**
 * A Mermaid xychart-beta block. The x axis is categorical, so every series must have one value
 * per category. Only numbers and our own fixed labels go in: nothing user-written.
 */
export function mermaidXyChart(opts: {
  title: string;
  xLabel: string;
  yLabel: string;
  x: number[];
  series: ChartSeries[];
}): string[] {
  const all = opts.series.flatMap((s) => s.values).filter((v) => Number.isFinite(v));
  const top = all.length > 0 ? Math.max(...all) : 1;
  const yMax = niceCeiling(top * 1.1);
  const num = (v: number) => (Number.isFinite(v) ? String(Math.round(v * 10) / 10) : '0');
  return [
    '```mermaid',
    'xychart-beta',
    `  title "${opts.title}"`,
    `  x-axis "${opts.xLabel}" [${opts.x.map((v) => `"${num(v)}"`).join(', ')}]`,
    `  y-axis "${opts.yLabel}" 0 --> ${yMax}`,
    ...opts.series.map((s) => `  ${s.kind} [${s.values.map(num).join(', ')}]`),
    '```',
  ];
}

function niceCeiling(value: number): number {
  if (!(value > 0) || !Number.isFinite(value)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) {
    if (step * magnitude >= value) return Math.round(step * magnitude * 1000) / 1000;
  }
  return 10 * magnitude;
}

function headline(doc: ResultsDocument, limits: Limits): string[] {
  const lines = [
    `## pgscale: ${safe(doc.workload, limits)} · ${doc.strategy} · ` +
      `${doc.bands.length} band${doc.bands.length === 1 ? '' : 's'}`,
    '',
  ];
  if (doc.partial) {
    lines.push(
      '> [!WARNING]',
      `> **Partial results.** ${safe(doc.partial_reason ?? 'The run stopped before every band completed.', limits)}`,
      '',
    );
  }
  const best = bestBand(doc.bands);
  const facts: string[] = [];
  if (best) {
    facts.push(
      `**Peak measured:** ${formatTps(best.total_tps)} TPS at band ${best.band_id} ` +
        `(${best.workers} workers / ${best.connections} connections)`,
    );
  }
  const opt = doc.optimal_config;
  if (opt) {
    facts.push(`**Optimum:** ${opt.workers} workers / ${opt.connections} connections, ${formatTps(opt.tps)} TPS`);
  }
  const usl = doc.analysis?.curve_fitting.usl;
  if (usl && usl.peak_concurrency !== null) {
    facts.push(`**USL peak:** N* ≈ ${formatSig(usl.peak_concurrency, 3)}`);
  }
  if (facts.length) lines.push(facts.join(' · '), '');
  return lines;
}

function bestBand(bands: BandResult[]): BandResult | null {
  let best: BandResult | null = null;
  for (const band of bands) {
    if (band.status === 'failed') continue;
    if (!best || band.total_tps > best.total_tps) best = band;
  }
  return best;
}

const IMPORTANT_SETTINGS = [
  'max_connections',
  'shared_buffers',
  'work_mem',
  'effective_cache_size',
  'max_worker_processes',
  'synchronous_commit',
  'fsync',
];

function environmentLine(doc: ResultsDocument, limits: Limits): string[] {
  const env = doc.environment;
  const parts: string[] = [];
  parts.push(env.server_version ? `PostgreSQL ${safe(env.server_version, limits)}` : 'PostgreSQL version unknown');
  for (const name of IMPORTANT_SETTINGS) {
    const value = env.settings[name];
    if (value !== undefined) parts.push(`${escapeMarkdown(name)} ${safe(value, limits)}`);
  }
  if (env.client_cpus > 0) {
    const model = env.client_cpu_model ? ` (${safe(env.client_cpu_model, limits)})` : '';
    parts.push(`client ${env.client_cpus} CPU${env.client_cpus === 1 ? '' : 's'}${model}`);
  }
  if (env.node_version && env.node_version !== 'unknown') parts.push(`Node ${safe(env.node_version, limits)}`);
  if (env.embedded_server) parts.push('embedded server');
  if (doc.scale > 0) parts.push(`scale ${formatInteger(doc.scale)}`);
  const when: string[] = [];
  if (doc.test_start_time) when.push(`started ${safe(doc.test_start_time, limits)}`);
  const planned = doc.bands.reduce((sum, b) => sum + b.duration_s, 0);
  if (planned > 0) when.push(`${formatDuration(planned)} measured`);
  return [`_Environment:_ ${parts.join(' · ')}${when.length ? `  \n_Run:_ ${when.join(' · ')}` : ''}`, ''];
}

function bandNotes(band: BandResult, analysis: Analysis | null): string {
  const notes: string[] = [];
  if (band.status !== 'complete') notes.push(band.status);
  if (band.degraded) notes.push('degraded');
  if (band.outage_s) notes.push(`server unreachable ${band.outage_s.toFixed(1)}s`);
  if (band.client.client_bound) notes.push('client-bound');
  const excluded = analysis?.curve_fitting.excluded.find((e) => e.band_id === band.band_id);
  if (excluded) notes.push('not fitted');
  return notes.length ? notes.join(', ') : '';
}

function errorCell(band: BandResult, limits: Limits): string {
  if (band.failed_transactions === 0 && band.error_rate === 0) return '0';
  const codes = Object.entries(band.errors)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 2)
    .map(([code, count]) => `${safe(code, limits)}×${formatInteger(count)}`);
  return `${formatPercent(band.error_rate)}${codes.length ? ` (${codes.join(', ')})` : ''}`;
}

function bandTable(doc: ResultsDocument, limits: Limits): string[] {
  const analysis = doc.analysis;
  const stats = new Map(analysis?.band_statistics.map((s) => [s.band_id, s]) ?? []);
  const regions = new Map(analysis?.band_regions.map((r) => [r.band_id, r]) ?? []);
  const shown = doc.bands.slice(0, limits.bandRows);
  const rows = shown.map((b) => {
    const s = stats.get(b.band_id);
    const region = regions.get(b.band_id)?.label ?? null;
    return [
      String(b.band_id),
      formatInteger(b.workers),
      formatInteger(b.connections),
      `**${formatTps(b.total_tps)}**`,
      formatRange(s?.tps.interval, formatTps),
      formatTps(b.total_qps),
      formatMs(b.latency.p50_ms),
      formatMs(b.latency.p95_ms),
      formatMs(b.latency.p99_ms),
      errorCell(b, limits),
      region ?? MISSING,
      bandNotes(b, analysis),
    ];
  });
  const lines = [
    '### Bands',
    '',
    ...markdownTable(
      [
        'Band',
        'Workers',
        'Connections',
        'TPS',
        'TPS 95% CI',
        'QPS',
        'p50 ms',
        'p95 ms',
        'p99 ms',
        'Errors',
        'Region',
        'Notes',
      ],
      rows,
      ['r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l', 'l'],
    ),
  ];
  if (shown.length < doc.bands.length)
    lines.push('', truncationNote(shown.length, doc.bands.length, 'bands', 'results.csv'));
  if (analysis && analysis.regions.length > 0) {
    const regionText = analysis.regions
      .map((r) => `${r.label} (band${r.from_band === r.to_band ? ` ${r.from_band}` : `s ${r.from_band}–${r.to_band}`})`)
      .join(' → ');
    lines.push('', `**Regions:** ${regionText}`);
  }
  lines.push('');
  return lines;
}

function parameterText(fit: ModelFit): string {
  const names = Object.keys(fit.parameters);
  if (names.length === 0) return MISSING;
  const symbol: Record<string, string> = { lambda: 'λ', sigma: 'σ', kappa: 'κ' };
  return names.map((n) => `${escapeMarkdown(symbol[n] ?? n)} = ${formatSig(fit.parameters[n])}`).join(', ');
}

function fitsSection(doc: ResultsDocument, limits: Limits): string[] {
  const analysis = doc.analysis;
  const lines = ['### Scaling fits', ''];
  if (!analysis) {
    lines.push('_No analysis in this document: run `pgscale analyze` on it to fit the curves._', '');
    return lines;
  }
  const cf = analysis.curve_fitting;
  lines.push(
    'Fitted against concurrency = min(workers, connections), ' +
      `${cf.points_used} point${cf.points_used === 1 ? '' : 's'}.`,
    '',
  );
  const rows = cf.models.map((fit) => {
    const best = fit.model === cf.best_model;
    const name = best ? `**${fit.model}** (best)` : fit.model;
    return [
      name,
      formatSig(fit.r_squared, 4),
      formatSig(fit.rmse, 4),
      formatSig(fit.aicc, 4),
      fit.reason ? `not fitted: ${safe(fit.reason, limits)}` : parameterText(fit),
    ];
  });
  if (rows.length)
    lines.push(...markdownTable(['Model', 'R²', 'RMSE', 'AICc', 'Parameters'], rows, ['l', 'r', 'r', 'r', 'l']), '');
  lines.push(
    cf.best_model
      ? 'Best model by AICc: ' +
          `**${cf.best_model}**${cf.best_model_reason ? ` — ${safe(cf.best_model_reason, limits)}` : ''}.`
      : `No best model${cf.best_model_reason ? `: ${safe(cf.best_model_reason, limits)}` : ''}.`,
    '',
  );
  const usl = cf.usl;
  if (usl.sigma === null || usl.kappa === null || usl.lambda === null) {
    lines.push(`**USL:** not available${usl.reason ? `: ${safe(usl.reason, limits)}` : ''}.`, '');
  } else {
    const ci = (interval: typeof usl.sigma_ci, digits = 3) =>
      interval ? ` (95% CI ${formatRange(interval, (v) => formatSig(v, digits))})` : '';
    const peak =
      usl.peak_concurrency !== null
        ? `; peak at **N* = ${formatSig(usl.peak_concurrency, 3)}**${ci(usl.peak_concurrency_ci)} ` +
          `reaching **${formatTps(usl.peak_tps)} TPS**` +
          `${usl.peak_tps_ci ? ` (95% CI ${formatRange(usl.peak_tps_ci, formatTps)})` : ''}`
        : usl.kappa === 0
          ? '; no peak (κ = 0: throughput keeps rising, ever more slowly)'
          : '; peak not available';
    lines.push(
      `**USL:** σ = ${formatSig(usl.sigma, 3)}${ci(usl.sigma_ci)}, κ = ` +
        `${formatSig(usl.kappa, 3)}${ci(usl.kappa_ci)}, λ = ` +
        `${formatSig(usl.lambda, 4)} TPS${peak}; R² = ${formatSig(usl.r_squared, 4)}.`,
      '',
    );
    // A fitted USL may still miss some figures (e.g. no peak interval); say why.
    const remarks = [
      usl.reason,
      ...(usl.superlinear ? ['superlinear: σ is held at 0 while the data pull it lower'] : []),
      ...(usl.notes ?? []),
    ];
    const shown = remarks.filter((r): r is string => !!r).slice(0, limits.listRows);
    for (const remark of shown) lines.push(`- ${safe(remark, limits)}`);
    if (shown.length) lines.push('');
  }
  if (cf.excluded.length) {
    const shown = cf.excluded.slice(0, limits.listRows);
    const listed = shown.map((e) => `band ${e.band_id} (${safe(e.reason, limits)})`).join('; ');
    lines.push(`Left out of the fits: ${listed}${shown.length < cf.excluded.length ? '; …' : ''}.`, '');
  }
  // Only the untested range is news; a handful of evenly spread points is enough to read it.
  const measuredMax = Math.max(0, ...curvePoints(doc).map((p) => p.concurrency));
  const beyond = cf.predictions.filter((p) => p.concurrency > measuredMax);
  if (beyond.length) {
    const count = Math.min(beyond.length, 6);
    const picked = Array.from(
      { length: count },
      (_, i) => beyond[count === 1 ? 0 : Math.round(((beyond.length - 1) * i) / (count - 1))]!,
    );
    const shown = [...new Set(picked)];
    lines.push(
      `Predicted beyond the tested range (never past 2× the largest measured concurrency): ${shown
        .map((p) => `N = ${formatInteger(p.concurrency)} → ${formatTps(p.tps)} TPS (${p.model})`)
        .join(', ')}.`,
      '',
    );
  }
  const inflections = analysis.inflection_points.slice(0, limits.listRows);
  if (inflections.length) {
    lines.push(
      '**Inflection points**',
      '',
      ...markdownTable(
        ['Band', 'Axis', 'Type', 'z', 'Explanation'],
        inflections.map((p) => [
          String(p.band_id),
          p.axis,
          p.type,
          formatSig(p.z_score, 3),
          safe(p.explanation, limits),
        ]),
        ['r', 'l', 'l', 'r', 'l'],
      ),
    );
    if (inflections.length < analysis.inflection_points.length) {
      lines.push(
        '',
        truncationNote(inflections.length, analysis.inflection_points.length, 'inflection points', 'results.json'),
      );
    }
    lines.push('');
  }
  return lines;
}

function chartSection(doc: ResultsDocument, limits: Limits): string[] {
  const points = curvePoints(doc);
  if (points.length === 0) return [];
  const maxPoints = Math.max(limits.bandRows, 8);
  const shown = points.length > maxPoints ? points.slice(0, maxPoints) : points;
  const hasUsl = shown.every((p) => p.usl !== null);
  const series: ChartSeries[] = [{ kind: 'bar', values: shown.map((p) => p.measured) }];
  if (hasUsl) series.push({ kind: 'line', values: shown.map((p) => p.usl!) });
  const lines = [
    '### Throughput vs concurrency',
    '',
    hasUsl
      ? 'Bars: measured TPS (best band at each concurrency). Line: fitted USL.'
      : 'Bars: measured TPS (best band at each concurrency).',
    '',
    ...mermaidXyChart({
      title: 'TPS vs concurrency',
      xLabel: 'concurrency',
      yLabel: 'TPS',
      x: shown.map((p) => p.concurrency),
      series,
    }),
    '',
    ...markdownTable(
      hasUsl ? ['Concurrency', 'Measured TPS', 'Bands', 'USL TPS'] : ['Concurrency', 'Measured TPS', 'Bands'],
      shown.map((p) => {
        const row = [formatInteger(p.concurrency), formatTps(p.measured), p.band_ids.join(', ')];
        if (hasUsl) row.push(formatTps(p.usl));
        return row;
      }),
      ['r', 'r', 'l', 'r'],
    ),
  ];
  if (shown.length < points.length)
    lines.push('', truncationNote(shown.length, points.length, 'concurrency levels', 'results.csv'));
  lines.push('');
  return lines;
}

function optimumSection(doc: ResultsDocument, limits: Limits): string[] {
  const lines = ['### Optimal configuration', ''];
  const opt = doc.optimal_config;
  if (!opt) {
    const why = doc.analysis?.optimal_reason;
    lines.push(why ? `No optimum: ${safe(why, limits)}.` : '_No optimum: this document has not been analysed._', '');
    return lines;
  }
  lines.push(
    `**${opt.workers} workers / ${opt.connections} connections** (band ${opt.band_id}): ` +
      `${formatTps(opt.tps)} TPS, ${formatPercent(opt.fraction_of_peak, 0)} of peak, ` +
      `${opt.p95_latency_ms === null ? 'p95 unknown' : `p95 ${formatMs(opt.p95_latency_ms)} ms`}, ` +
      `SLO ${opt.slo_met ? 'met' : '**not met**'}.`,
    '',
  );
  if (opt.reasoning) lines.push(`> ${safe(opt.reasoning, limits)}`, '');
  if (opt.objective) lines.push(`_Objective:_ ${safe(opt.objective, limits)}`, '');
  return lines;
}

function recommendationsSection(doc: ResultsDocument, limits: Limits): string[] {
  const recs = doc.analysis?.recommendations ?? [];
  if (recs.length === 0) return [];
  const shown = recs.slice(0, limits.listRows);
  const lines = [
    '### Recommendations',
    '',
    ...markdownTable(
      ['Priority', 'Category', 'Suggestion', 'Expected gain', 'Confidence'],
      shown.map((r) => [
        r.priority,
        r.category,
        safe(r.suggestion, limits),
        r.expected_gain === null ? MISSING : `${r.expected_gain > 0 ? '+' : ''}${formatSig(r.expected_gain, 2)}%`,
        formatPercent(r.confidence, 0),
      ]),
      ['l', 'l', 'l', 'r', 'r'],
    ),
  ];
  if (shown.length < recs.length)
    lines.push('', truncationNote(shown.length, recs.length, 'recommendations', 'results.json'));
  lines.push('');
  return lines;
}

function queueingSection(doc: ResultsDocument, limits: Limits): string[] {
  const q = doc.analysis?.queueing_theory;
  if (!q || q.bands.length === 0) return [];
  const shown = q.bands.slice(0, limits.bandRows);
  const lines = [
    '<details><summary>Queueing and bottlenecks</summary>',
    '',
    ...markdownTable(
      [
        'Band',
        'Utilisation',
        'Service ms',
        'Pool wait ms (observed)',
        'Pool wait ms (M/M/c)',
        'Bottleneck',
        'Evidence',
      ],
      shown.map((b) => [
        String(b.band_id),
        formatPercent(b.utilization, 0),
        formatMs(b.service_time_ms),
        formatMs(b.observed_pool_wait_ms),
        formatMs(b.predicted_pool_wait_ms),
        b.bottleneck,
        safe(b.evidence, limits),
      ]),
      ['r', 'r', 'r', 'r', 'r', 'l', 'l'],
    ),
  ];
  if (shown.length < q.bands.length)
    lines.push('', truncationNote(shown.length, q.bands.length, 'bands', 'results.json'));
  const notes = q.notes.slice(0, limits.listRows);
  if (notes.length) lines.push('', ...notes.map((note) => `- ${safe(note, limits)}`));
  lines.push('', '</details>', '');
  return lines;
}

function warningsSection(doc: ResultsDocument, limits: Limits): string[] {
  const warnings = doc.analysis?.warnings ?? [];
  if (warnings.length === 0) return [];
  const shown = warnings.slice(0, limits.listRows);
  const lines = ['### Warnings', '', ...shown.map((w) => `- ${safe(w, limits)}`)];
  if (shown.length < warnings.length) lines.push(`- …and ${warnings.length - shown.length} more in results.json`);
  lines.push('');
  return lines;
}

/** Failed or degraded bands and every failing code, before any figure is read. */
function healthSection(doc: ResultsDocument, limits: Limits): string[] {
  const health = runHealth(doc);
  if (health.status === 'ok' && health.failures.length === 0) return [];
  const out: string[] = [];
  const headline = healthHeadline(health);
  if (headline)
    out.push(health.status === 'failed' ? '> [!CAUTION]' : '> [!WARNING]', `> **${safe(headline, limits)}**`, '');
  if (health.status === 'failed' && health.degraded.length > 0) {
    out.push(
      ...health.degraded.slice(0, limits.listRows).map((b) => `- degraded ${safe(degradedBandText(b), limits)}`),
      '',
    );
  }
  if (health.failures.length > 0) {
    out.push(
      ...markdownTable(
        ['Code', 'Failed transactions', 'Statement', 'First message'],
        health.failures
          .slice(0, limits.listRows)
          .map((f) => [
            safe(f.code, limits),
            formatInteger(f.count),
            safe(f.statement, limits),
            safe(f.message, limits),
          ]),
        ['l', 'r', 'l', 'l'],
      ),
      '',
    );
  }
  return out;
}

function render(doc: ResultsDocument, limits: Limits): string {
  const plan = doc.plan_fingerprint ? ` · plan ${safe(doc.plan_fingerprint.slice(0, 12), limits)}` : '';
  const lines = [
    ...headline(doc, limits),
    ...healthSection(doc, limits),
    ...environmentLine(doc, limits),
    ...bandTable(doc, limits),
    ...fitsSection(doc, limits),
    ...chartSection(doc, limits),
    ...optimumSection(doc, limits),
    ...recommendationsSection(doc, limits),
    ...queueingSection(doc, limits),
    ...warningsSection(doc, limits),
    `<sub>pgscale ${safe(doc.tool.version, limits)} · results schema ${doc.schema_version}${plan}</sub>`,
  ];
  return lines.join('\n') + '\n';
}

/** The run report; tables shrink (with a note) until it fits in MARKDOWN_MAX_BYTES. */
export function renderRunMarkdown(doc: ResultsDocument): string {
  let text = '';
  for (const limits of LIMIT_STEPS) {
    text = render(doc, limits);
    if (Buffer.byteLength(text, 'utf8') <= MARKDOWN_MAX_BYTES) return text;
  }
  // Last resort: cut at a line boundary, never inside the Mermaid block's fence pairing.
  const note = '\n\n_Report truncated to stay within GitHub size limits; see results.json._\n';
  let cut = text;
  while (Buffer.byteLength(cut, 'utf8') > MARKDOWN_MAX_BYTES - 200) cut = cut.slice(0, Math.floor(cut.length * 0.9));
  cut = cut.slice(0, Math.max(0, cut.lastIndexOf('\n')));
  if ((cut.match(/^```/gm) ?? []).length % 2 === 1) cut += '\n```';
  return cut + note;
}
