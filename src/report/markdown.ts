// The run report as GitHub-flavoured Markdown: what the job summary and results artifact show.
// Every string that came from a config, SQL or the server goes through escapeMarkdown.

import type { BandResult, ResultsDocument, Analysis } from '../results/types.js';
import { runHealth } from '../analyze/health.js';
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
import { markdownTable, truncationNote } from './markdown-blocks.js';
import { LIMIT_STEPS, safe, type Limits } from './markdown-limits.js';
import {
  chartSection,
  fitsSection,
  optimumSection,
  queueingSection,
  recommendationsSection,
  warningsSection,
} from './run-sections.js';

export { escapeHtml, escapeMarkdown } from './escape.js';

/** GitHub's limits are 65,536 characters for comments and 1 MiB for summaries; stay well under. */
export const MARKDOWN_MAX_BYTES = 60_000;

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
