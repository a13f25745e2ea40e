// The analysis sections of the run report: scaling fits, the throughput chart, the optimum,
// recommendations, queueing and warnings. Each takes the document and the current size limits.

import type { ModelFit, ResultsDocument } from '../results/types.js';
import { curvePoints } from './curve.js';
import { escapeMarkdown } from './escape.js';
import { formatInteger, formatMs, formatPercent, formatRange, formatSig, formatTps, MISSING } from './format.js';
import { markdownTable, mermaidXyChart, truncationNote, type ChartSeries } from './markdown-blocks.js';
import { safe, type Limits } from './markdown-limits.js';

function parameterText(fit: ModelFit): string {
  const names = Object.keys(fit.parameters);
  if (names.length === 0) return MISSING;
  const symbol: Record<string, string> = { lambda: 'λ', sigma: 'σ', kappa: 'κ' };
  return names.map((n) => `${escapeMarkdown(symbol[n] ?? n)} = ${formatSig(fit.parameters[n])}`).join(', ');
}

export function fitsSection(doc: ResultsDocument, limits: Limits): string[] {
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

export function chartSection(doc: ResultsDocument, limits: Limits): string[] {
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

export function optimumSection(doc: ResultsDocument, limits: Limits): string[] {
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

export function recommendationsSection(doc: ResultsDocument, limits: Limits): string[] {
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

export function queueingSection(doc: ResultsDocument, limits: Limits): string[] {
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

export function warningsSection(doc: ResultsDocument, limits: Limits): string[] {
  const warnings = doc.analysis?.warnings ?? [];
  if (warnings.length === 0) return [];
  const shown = warnings.slice(0, limits.listRows);
  const lines = ['### Warnings', '', ...shown.map((w) => `- ${safe(w, limits)}`)];
  if (shown.length < warnings.length) lines.push(`- …and ${warnings.length - shown.length} more in results.json`);
  lines.push('');
  return lines;
}
