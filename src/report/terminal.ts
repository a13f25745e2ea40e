// The report printed after a run and by `pgscale analyze`: aligned plain text, with optional
// ANSI colour. Text from configs, SQL and the server is stripped of control characters.

import type { BandResult, ResultsDocument, RegionLabel } from '../results/types.js';
import { curvePoints, type CurvePoint } from './curve.js';
import { sanitizeTerminal } from './escape.js';
import { formatInteger, formatMs, formatPercent, formatRange, formatSig, formatTps } from './format.js';

export interface TerminalOptions {
  color?: boolean;
}

const MISSING_TEXT = '-';

type Style = 'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'cyan' | 'magenta';
const ANSI: Record<Style, [number, number]> = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  cyan: [36, 39],
  magenta: [35, 39],
};

interface Painter {
  (style: Style, text: string): string;
}

function painter(color: boolean): Painter {
  return (style, text) => (color && text ? `\u001b[${ANSI[style][0]}m${text}\u001b[${ANSI[style][1]}m` : text);
}

const REGION_STYLE: Record<RegionLabel, Style> = {
  linear: 'green',
  diminishing: 'yellow',
  saturation: 'cyan',
  degradation: 'red',
};

/** Terminal-safe text, dashes for missing figures (the shared MISSING is a wide em dash). */
function clean(text: string | null | undefined): string {
  if (text === null || text === undefined || text === '') return MISSING_TEXT;
  return sanitizeTerminal(text);
}

function dash(text: string): string {
  return text === '—' ? MISSING_TEXT : text.replace(/—/g, MISSING_TEXT);
}

interface Cell {
  text: string;
  style?: Style;
}

/** Aligns columns on visible width, then paints, so colour codes never skew the layout. */
function table(headers: string[], rows: Cell[][], rightAligned: boolean[], paint: Painter, indent = '  '): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => [...(r[i]?.text ?? '')].length)));
  const pad = (text: string, i: number) => {
    const gap = ' '.repeat(Math.max(0, widths[i]! - [...text].length));
    return rightAligned[i] ? gap + text : text + gap;
  };
  const out = [
    indent +
      paint(
        'bold',
        headers
          .map((h, i) => pad(h, i))
          .join('  ')
          .trimEnd(),
      ),
  ];
  for (const row of rows) {
    const parts = row.map((cell, i) => {
      const padded = pad(cell.text, i);
      return cell.style ? padded.replace(cell.text, paint(cell.style, cell.text)) : padded;
    });
    out.push(indent + parts.join('  ').trimEnd());
  }
  return out;
}

function bestBand(bands: BandResult[]): BandResult | null {
  let best: BandResult | null = null;
  for (const b of bands) if (b.status !== 'failed' && (!best || b.total_tps > best.total_tps)) best = b;
  return best;
}

const BLOCKS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/** One block character per point, scaled to the largest value. */
export function sparkline(values: number[]): string {
  const top = Math.max(0, ...values.filter((v) => Number.isFinite(v)));
  if (top <= 0) return BLOCKS[0]!.repeat(values.length);
  return values.map((v) => BLOCKS[Math.min(7, Math.max(0, Math.round((Math.max(0, v) / top) * 7)))]).join('');
}

/** A small character plot: '█' measured, '·' fitted USL, one column group per concurrency. */
function asciiPlot(points: CurvePoint[], paint: Painter, height = 8): string[] {
  const values = points.flatMap((p) => [p.measured, p.usl ?? 0]);
  const top = Math.max(...values, 0);
  // Wider than a terminal line past ~30 points; the sparkline above still shows the shape.
  if (top <= 0 || points.length < 2 || points.length > 30) return [];
  const labelWidth = formatTps(top).length;
  const colWidth = Math.max(3, ...points.map((p) => String(p.concurrency).length + 1));
  const level = (v: number) => Math.round((v / top) * height);
  const lines: string[] = [];
  for (let row = height; row >= 1; row--) {
    const label = row === height ? formatTps(top) : row === 1 ? '' : '';
    let line = `  ${label.padStart(labelWidth)} ┤`;
    for (const p of points) {
      const m = level(p.measured) >= row;
      const u = p.usl !== null && level(p.usl) === row;
      const mark = m ? paint('cyan', '█') : u ? paint('yellow', '·') : ' ';
      const fill = m && u ? paint('yellow', '·') : ' ';
      line += ' '.repeat(colWidth - 2) + mark + fill;
    }
    lines.push(line.trimEnd());
  }
  lines.push(`  ${'0'.padStart(labelWidth)} └${'─'.repeat(points.length * colWidth)}`);
  lines.push(
    (
      `  ${' '.repeat(labelWidth)}  ` +
      `${points.map((p) => String(p.concurrency).padStart(colWidth - 1) + ' ').join('')}`
    ).trimEnd(),
  );
  lines.push(
    `  ${' '.repeat(labelWidth)}  concurrency = min(workers, connections); █ ` +
      `measured TPS${points.some((p) => p.usl !== null) ? ', · USL fit' : ''}`,
  );
  return lines;
}

export function renderTerminalReport(doc: ResultsDocument, opts: TerminalOptions = {}): string {
  const paint = painter(opts.color ?? false);
  const analysis = doc.analysis;
  const out: string[] = [];

  out.push(
    paint(
      'bold',
      `pgscale report: ${clean(doc.workload)} · ${doc.strategy} · ` +
        `${doc.bands.length} band${doc.bands.length === 1 ? '' : 's'}`,
    ),
  );
  if (doc.partial) {
    out.push(
      paint(
        'red',
        paint('bold', `PARTIAL RESULTS: ${clean(doc.partial_reason ?? 'the run stopped before every band completed')}`),
      ),
    );
  }
  const env = doc.environment;
  const envParts = [env.server_version ? `PostgreSQL ${clean(env.server_version)}` : 'PostgreSQL version unknown'];
  for (const name of ['max_connections', 'shared_buffers']) {
    const v = env.settings[name];
    if (v !== undefined) envParts.push(`${name}=${clean(v)}`);
  }
  if (env.client_cpus > 0) envParts.push(`client ${env.client_cpus} CPU${env.client_cpus === 1 ? '' : 's'}`);
  if (env.node_version && env.node_version !== 'unknown') envParts.push(`Node ${clean(env.node_version)}`);
  if (env.embedded_server) envParts.push('embedded server');
  out.push(paint('dim', envParts.join(' · ')), '');

  // Band table.
  const stats = new Map(analysis?.band_statistics.map((s) => [s.band_id, s]) ?? []);
  const regions = new Map(analysis?.band_regions.map((r) => [r.band_id, r.label]) ?? []);
  const best = bestBand(doc.bands);
  const rows: Cell[][] = doc.bands.map((b) => {
    const region = regions.get(b.band_id) ?? null;
    const notes = [
      b.status !== 'complete' ? b.status : '',
      b.degraded ? 'degraded' : '',
      b.outage_s ? `outage ${b.outage_s.toFixed(1)}s` : '',
      b.client.client_bound ? 'client-bound' : '',
    ].filter(Boolean);
    const s = stats.get(b.band_id);
    const ci = s?.tps.interval ? `±${formatTps((s.tps.interval.high - s.tps.interval.low) / 2)}` : MISSING_TEXT;
    return [
      { text: String(b.band_id) },
      { text: formatInteger(b.workers) },
      { text: formatInteger(b.connections) },
      { text: formatTps(b.total_tps), style: b === best ? 'bold' : undefined },
      { text: ci },
      { text: dash(formatMs(b.latency.mean_ms)) },
      { text: dash(formatMs(b.latency.p95_ms)) },
      { text: dash(formatMs(b.latency.p99_ms)) },
      {
        text: b.error_rate === 0 ? '0' : dash(formatPercent(b.error_rate)),
        style: b.error_rate > 0 ? 'yellow' : undefined,
      },
      { text: region ?? MISSING_TEXT, style: region ? REGION_STYLE[region] : undefined },
      { text: notes.join(','), style: notes.length ? 'red' : undefined },
    ];
  });
  out.push(paint('bold', 'Bands'));
  out.push(
    ...table(
      ['Band', 'Workers', 'Conns', 'TPS', '95% CI', 'Avg ms', 'p95 ms', 'p99 ms', 'Errors', 'Region', 'Notes'],
      rows,
      [true, true, true, true, true, true, true, true, true, false, false],
      paint,
    ),
  );
  if (analysis && analysis.regions.length > 0) {
    out.push(
      '  Regions: ' +
        analysis.regions
          .map((r) =>
            paint(
              REGION_STYLE[r.label],
              `${r.label} ${r.from_band === r.to_band ? r.from_band : `${r.from_band}-${r.to_band}`}`,
            ),
          )
          .join(' → '),
    );
  }
  out.push('');

  // Curve.
  const points = curvePoints(doc);
  if (points.length >= 2) {
    out.push(paint('bold', 'TPS vs concurrency') + `  ${sparkline(points.map((p) => p.measured))}`);
    out.push(...asciiPlot(points, paint), '');
  }

  // Fits.
  out.push(paint('bold', 'Scaling fits'));
  if (!analysis) {
    out.push('  No analysis in this document (run `pgscale analyze` on it).', '');
  } else {
    const cf = analysis.curve_fitting;
    out.push(
      ...table(
        ['Model', 'R²', 'RMSE', 'AICc', 'Note'],
        cf.models.map((m) => [
          {
            text: m.model + (m.model === cf.best_model ? ' *' : ''),
            style: m.model === cf.best_model ? 'bold' : undefined,
          },
          { text: dash(formatSig(m.r_squared, 4)) },
          { text: dash(formatSig(m.rmse, 4)) },
          { text: dash(formatSig(m.aicc, 4)) },
          { text: m.reason ? `not fitted: ${clean(m.reason)}` : '' },
        ]),
        [false, true, true, true, false],
        paint,
      ),
    );
    out.push(
      '  Best model (AICc): ' +
        `${cf.best_model ?? 'none'}${cf.best_model_reason ? ` — ${clean(cf.best_model_reason)}` : ''}`,
    );
    const usl = cf.usl;
    if (usl.sigma === null || usl.kappa === null || usl.lambda === null) {
      out.push(`  USL: not available${usl.reason ? `: ${clean(usl.reason)}` : ''}`);
    } else {
      const ci = (i: typeof usl.sigma_ci, f: (v: number) => string = (v) => formatSig(v, 3)) =>
        i ? ` [${dash(formatRange(i, f))}]` : '';
      out.push(
        `  USL: X(N) = λN / (1 + σ(N−1) + κN(N−1)),  σ = ${formatSig(usl.sigma, 3)}${ci(usl.sigma_ci)}, ` +
          ` κ = ${formatSig(usl.kappa, 3)}${ci(usl.kappa_ci)},  λ = ${formatSig(usl.lambda, 4)}`,
      );
      out.push(
        usl.peak_concurrency !== null
          ? paint(
              'bold',
              `  N* = ${formatSig(usl.peak_concurrency, 3)}${ci(usl.peak_concurrency_ci)}, ` +
                `peak ${formatTps(usl.peak_tps)} TPS${ci(usl.peak_tps_ci, formatTps)}`,
            )
          : usl.kappa === 0
            ? '  No peak: κ = 0, throughput keeps rising ever more slowly'
            : '  Peak not available',
      );
      if (usl.reason) out.push(paint('dim', `  note: ${clean(usl.reason)}`));
      if (usl.superlinear) out.push(paint('yellow', '  superlinear: σ is held at 0 while the data pull it lower'));
    }
    for (const e of cf.excluded) out.push(paint('dim', `  band ${e.band_id} left out of the fits: ${clean(e.reason)}`));
    out.push('');
  }

  // Optimum.
  out.push(paint('bold', 'Optimal configuration'));
  const opt = doc.optimal_config;
  if (opt) {
    out.push(
      paint(
        'green',
        `  ${opt.workers} workers / ${opt.connections} connections (band ${opt.band_id}): ` +
          `${formatTps(opt.tps)} TPS, ${dash(formatPercent(opt.fraction_of_peak, 0))} of peak, ` +
          `${opt.p95_latency_ms === null ? 'p95 unknown' : `p95 ${formatMs(opt.p95_latency_ms)} ms`}` +
          `${opt.slo_met ? '' : ', SLO NOT met'}`,
      ),
    );
    if (opt.reasoning) out.push(`  ${clean(opt.reasoning)}`);
  } else {
    out.push(`  none: ${analysis?.optimal_reason ? clean(analysis.optimal_reason) : 'no analysis in this document'}`);
  }
  out.push('');

  // Recommendations and warnings.
  const recs = analysis?.recommendations ?? [];
  if (recs.length) {
    out.push(paint('bold', 'Recommendations'));
    const priorityStyle: Record<string, Style> = { high: 'red', medium: 'yellow', low: 'dim' };
    for (const r of recs) {
      const gain =
        r.expected_gain === null
          ? ''
          : `expected ${r.expected_gain > 0 ? '+' : ''}${formatSig(r.expected_gain, 2)}% TPS, `;
      out.push(
        `  ${paint(priorityStyle[r.priority] ?? 'dim', `[${r.priority}]`)} ${r.category}: ` +
          `${clean(r.suggestion)} (${gain}confidence ${dash(formatPercent(r.confidence, 0))})`,
      );
    }
    out.push('');
  }
  const warnings = analysis?.warnings ?? [];
  if (warnings.length) {
    out.push(paint('bold', 'Warnings'));
    for (const w of warnings) out.push(paint('yellow', `  ! ${clean(w)}`));
    out.push('');
  }
  return out.join('\n').replace(/\n+$/, '') + '\n';
}
