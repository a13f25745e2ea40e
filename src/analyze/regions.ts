// Scaling regions: each band labelled linear, diminishing, saturation or degradation from the
// normalised marginal gain into it and its significance, then contiguous labels merged.

import type { AnalysisSettings } from '../config/types.js';
import type { Strategy, BandRegion, Region, RegionLabel } from '../results/types.js';
import type { BandSummary } from './bands.js';
import { tpsDifference, type GainDetail, type Line } from './marginal.js';
import { tCritical } from './stats.js';
import { fmt, fmtSig, pct } from './format.js';

/**
 * Which line judges a band. Diagonal plans are read along concurrency; a grid along workers at fixed
 * connections (the axis that adds load); a band on neither falls back to the other lines.
 */
export function primaryLine(s: BandSummary, lines: Line[], strategy: Strategy): { line: Line; index: number } | null {
  const order: Line['axis'][] =
    strategy === 'linear' ? ['workers', 'connections', 'concurrency'] : ['concurrency', 'workers', 'connections'];
  for (const axis of order) {
    for (const line of lines) {
      if (line.axis !== axis) continue;
      const index = line.points.indexOf(s);
      if (index >= 0) return { line, index };
    }
  }
  return null;
}

function lineName(line: Line): string {
  if (line.fixed === null) return 'along concurrency';
  return line.axis === 'workers'
    ? `along workers at ${line.fixed} connections`
    : `along connections at ${line.fixed} workers`;
}

interface Judged {
  label: RegionLabel | null;
  reason: string;
}

function tpsOf(s: BandSummary): number {
  return s.stats.tps.value as number;
}

/** Is band b significantly below band peak? null when untestable. */
function significantlyBelow(b: BandSummary, peak: BandSummary, level: number): boolean | null {
  if (b === peak) return false;
  const d = tpsDifference(peak, b);
  if (d.se === null || d.df === null) return null;
  return d.diff + tCritical(level, d.df) * d.se < 0;
}

/**
 * Along workers at fixed connections with W ≥ C (or connections at fixed workers with C ≥ W) the
 * database sees the same concurrency min(W, C) in both bands: a real TPS change there is not
 * PostgreSQL scaling but the client side (pool hand-off, event loop) or outside interference.
 */
export function sameConcurrency(step: GainDetail): boolean {
  const from = step.line.points[step.index] as BandSummary;
  const to = step.line.points[step.index + 1] as BandSummary;
  return step.line.axis !== 'concurrency' && from.stats.concurrency === to.stats.concurrency;
}

function sameConcurrencyNote(step: GainDetail): string {
  if (!sameConcurrency(step)) return '';
  const c = (step.line.points[step.index] as BandSummary).stats.concurrency;
  return (
    '; both bands give the database the same concurrency (min(workers, connections) ' +
    `= ${c}), so this drop comes from the client side (pool queueing and hand-off, ` +
    'the event loop) or outside interference, not from how PostgreSQL scales'
  );
}

function judgeStep(step: GainDetail, settings: AnalysisSettings): Judged {
  const line = step.line;
  const j = step.index + 1;
  const band = line.points[j] as BandSummary;
  let peakIdx = 0;
  line.points.forEach((p, k) => {
    if (tpsOf(p) > tpsOf(line.points[peakIdx] as BandSummary)) peakIdx = k;
  });
  const peak = line.points[peakIdx] as BandSummary;
  const peakTps = tpsOf(peak);
  const t = tpsOf(band);
  const pastPeak = j > peakIdx;
  const withinTol = peakTps <= 0 ? t >= peakTps : t >= (1 - settings.saturation_tolerance) * peakTps;
  const g = step.result.gain;
  const n = step.result.normalized_gain.value;
  const eff = settings.linear_min_efficiency;
  const stepText =
    `step from band ${step.result.from_band} to ${step.result.to_band} ${lineName(line)}: ` +
    `${fmtSig(g.value as number, 3)} TPS per unit` +
    (g.interval ? ` (${pct(g.interval.level)} CI ${fmtSig(g.interval.low, 3)} to ${fmtSig(g.interval.high, 3)})` : '') +
    (n !== null ? `, ${fmt(n, 2)} of ideal linear scaling` : '');
  const peakText = `${fmt(t, 1)} TPS vs the line's peak ${fmt(peakTps, 1)} at band ${peak.stats.band_id}`;
  // Untestable when the step itself or the comparison with the peak lacks standard errors.
  const below = step.diff_se === null ? null : significantlyBelow(band, peak, g.interval?.level ?? settings.confidence);

  if (below === null) {
    // No per-second series: point estimates against the thresholds, said plainly.
    const untested = '; no per-second series, so no significance test';
    if (pastPeak && !withinTol)
      return {
        label: 'degradation',
        reason: `${peakText}, more than ${pct(settings.saturation_tolerance)} below it past the peak${untested}`,
      };
    if (n !== null && n >= eff) return { label: 'linear', reason: `${stepText} ≥ ${fmt(eff, 2)}${untested}` };
    if (withinTol)
      return { label: 'saturation', reason: `${peakText}, within ${pct(settings.saturation_tolerance)}${untested}` };
    if (n === null)
      return { label: null, reason: `${stepText}; ${step.result.normalized_gain.reason ?? 'no normalised gain'}` };
    return { label: 'diminishing', reason: `${stepText} < ${fmt(eff, 2)}${untested}` };
  }

  if (below && pastPeak) {
    return {
      label: 'degradation',
      reason: `${peakText}: significantly below the peak and past it${sameConcurrencyNote(step)}`,
    };
  }
  const positive = step.result.significant && (g.value as number) > 0;
  if (positive) {
    if (n === null)
      return { label: null, reason: `${stepText}; ${step.result.normalized_gain.reason ?? 'no normalised gain'}` };
    if (n >= eff)
      return { label: 'linear', reason: `${stepText} ≥ ${fmt(eff, 2)}, significant${n > 1 ? ' (superlinear)' : ''}` };
    return { label: 'diminishing', reason: `${stepText} < ${fmt(eff, 2)} but significantly positive` };
  }
  if (withinTol) {
    return {
      label: 'saturation',
      reason: `${stepText}, not a significant rise; ${peakText}, within ${pct(settings.saturation_tolerance)}`,
    };
  }
  if (pastPeak) {
    // Past the peak, lower, but not significantly: the noise cannot tell a plateau from a decline,
    // so the band is called saturated (no significant change), never "before the peak".
    const gap = peakTps > 0 ? 1 - t / peakTps : 0;
    return {
      label: 'saturation',
      reason:
        `${stepText}, not a significant change; ${peakText}: ${pct(gap)} below it past the ` +
        'peak, but not significantly, so the noise cannot tell a plateau from a decline',
    };
  }
  // Not significant and well below the peak: an early noisy step or a dip before the peak.
  if (n !== null && n >= eff)
    return {
      label: 'linear',
      reason: `${stepText} ≥ ${fmt(eff, 2)} (not significant on its own; the line peaks later)`,
    };
  return { label: 'diminishing', reason: `${stepText}, not significant; ${peakText}, below it before the peak` };
}

export function labelRegions(
  summaries: BandSummary[],
  lines: Line[],
  gains: GainDetail[],
  strategy: Strategy,
  settings: AnalysisSettings,
): { band_regions: BandRegion[]; regions: Region[] } {
  const sorted = [...summaries].sort((a, b) => a.stats.band_id - b.stats.band_id);
  const judged = new Map<BandSummary, Judged>();
  const firsts: { s: BandSummary; line: Line }[] = [];
  for (const s of sorted) {
    if (!s.usable) {
      judged.set(s, { label: null, reason: `not labelled: ${s.unusable_reason}` });
      continue;
    }
    if (s.stats.client_bound) {
      // The load generator set this band's TPS, so a scaling label would describe the client.
      const elu = s.band.client?.event_loop_utilization;
      const eluText = typeof elu === 'number' && Number.isFinite(elu) ? `, event-loop utilisation ${fmt(elu, 2)}` : '';
      judged.set(s, {
        label: null,
        reason:
          `not labelled: client-bound (the load generator was saturated${eluText}), ` +
          'so its TPS describes the client, not how PostgreSQL scales',
      });
      continue;
    }
    const p = primaryLine(s, lines, strategy);
    if (p === null) {
      judged.set(s, {
        label: null,
        reason: 'not labelled: no other band shares a line with it, so there is no marginal gain',
      });
      continue;
    }
    if (p.index === 0) {
      firsts.push({ s, line: p.line });
      continue;
    }
    const step = gains.find((g) => g.line === p.line && g.index === p.index - 1);
    judged.set(s, step ? judgeStep(step, settings) : { label: null, reason: 'not labelled: marginal gain missing' });
  }
  // A line's first band has no step into it; it takes the label of the growth that starts from it.
  for (const { s, line } of firsts) {
    const next = gains.find((g) => g.line === line && g.index === 0);
    const nextJudged = next ? judgeStep(next, settings) : null;
    const peakTps = Math.max(...line.points.map(tpsOf));
    const t = tpsOf(s);
    if (nextJudged && (nextJudged.label === 'linear' || nextJudged.label === 'diminishing')) {
      judged.set(s, {
        label: nextJudged.label,
        reason: `first band ${lineName(line)}; labelled from the next step (${nextJudged.reason})`,
      });
    } else if (peakTps > 0 && t >= (1 - settings.saturation_tolerance) * peakTps) {
      judged.set(s, {
        label: 'saturation',
        reason:
          `first band ${lineName(line)}; ${fmt(t, 1)} TPS is already ` +
          `within ${pct(settings.saturation_tolerance)} of the line's ` +
          `peak ${fmt(peakTps, 1)} and the next step does not rise`,
      });
    } else {
      judged.set(s, {
        label: null,
        reason:
          `first band ${lineName(line)}: no step into it, and the next step ` +
          `(${nextJudged?.reason ?? 'none'}) does not say how it scales`,
      });
    }
  }
  const band_regions: BandRegion[] = sorted.map((s) => {
    const j = judged.get(s) as Judged;
    return { band_id: s.stats.band_id, label: j.label, reason: j.reason };
  });
  const regions: Region[] = [];
  for (const br of band_regions) {
    const last = regions[regions.length - 1];
    const prev = band_regions[band_regions.indexOf(br) - 1];
    if (br.label === null) continue;
    if (last && last.label === br.label && prev && prev.label === br.label) {
      last.to_band = br.band_id;
      last.band_ids.push(br.band_id);
    } else {
      regions.push({ label: br.label, from_band: br.band_id, to_band: br.band_id, band_ids: [br.band_id] });
    }
  }
  return { band_regions, regions };
}
