// The words of a verdict: how the comparison's sentences quote fractions, figures, intervals and
// bands. The stored-baseline comparison and the paired A/B analysis both speak through these.

import type { Interval } from '../results/types.js';
import type { FigureComparison } from '../results/comparison-types.js';

/** 0.05 → "5.0%". */
export const pct = (x: number, digits = 1): string => `${(x * 100).toFixed(digits)}%`;

/** 0.05 → "+5.0%", −0.05 → "−5.0%". */
export const signedPct = (x: number, digits = 1): string =>
  `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(digits)}%`;

/** A figure with at most `digits` decimals, "n/a" when missing. */
export const num = (x: number | null, digits = 1): string =>
  x === null || !Number.isFinite(x) ? 'n/a' : x.toLocaleString('en-US', { maximumFractionDigits: digits });

/** An interval of a ratio: "0.950–1.020". */
export const ratioText = (i: Interval): string => `${i.low.toFixed(3)}–${i.high.toFixed(3)}`;

export function bandLabel(b: { workers: number; connections: number }): string {
  return `${b.workers} workers / ${b.connections} connections`;
}

/** Up to five figures with their change: "TPS at 8 workers / 8 connections (−12.0%); …; and 3 more". */
export function figureList(fs: readonly FigureComparison[]): string {
  return (
    fs
      .slice(0, 5)
      .map((f) => {
        const change =
          f.change_pct === null ? 'n/a' : `${f.change_pct >= 0 ? '+' : '−'}${Math.abs(f.change_pct).toFixed(1)}%`;
        return `${f.label} (${change})`;
      })
      .join('; ') + (fs.length > 5 ? `; and ${fs.length - 5} more` : '')
  );
}
