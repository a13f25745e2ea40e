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

/**
 * Significant digits that show an interval's width: at least 3, and enough that `low` and `high`
 * differ in print (two digits of the width).
 * @example intervalDigits(0.00049, 0.00051) // 3 → "0.000490–0.000510"
 */
export function intervalDigits(low: number, high: number): number {
  const scale = Math.max(Math.abs(low), Math.abs(high));
  const width = Math.abs(high - low);
  if (!(scale > 0) || !(width > 0) || !Number.isFinite(scale / width)) return 3;
  return Math.min(12, Math.max(3, Math.floor(Math.log10(scale / width)) + 2));
}

/** A number with `digits` significant digits, in plain notation: 0.000512 → "0.000512", 12345 → "12,345". */
export function sig(x: number | null, digits: number): string {
  if (x === null || !Number.isFinite(x)) return 'n/a';
  if (x === 0) return '0';
  const decimals = Math.max(0, digits - 1 - Math.floor(Math.log10(Math.abs(x))));
  return x.toLocaleString('en-US', { maximumFractionDigits: Math.min(20, decimals), useGrouping: decimals === 0 });
}

/** A value and its interval with the digits the interval's width needs: "0.000512 [0.000490, 0.000530]". */
export function valueWithInterval(value: number, low: number, high: number): string {
  const d = intervalDigits(low, high);
  return `${sig(value, d)} [${sig(low, d)}, ${sig(high, d)}]`;
}

/** An interval of a ratio with the digits its width needs (at least 3 decimals): "0.950–1.020". */
export const ratioText = (i: Interval): string => {
  const decimals = Math.max(3, intervalDigits(i.low, i.high) - 1);
  return `${i.low.toFixed(decimals)}–${i.high.toFixed(decimals)}`;
};

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
