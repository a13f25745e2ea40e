// Shared builders for the curve-fitting tests.
import { expect } from 'vitest';
import type { FitPoint } from '../../src/analyze/fit.js';
import { createRandom } from '../../src/random.js';
import { uslThroughput, type UslParams } from '../../src/analyze/usl.js';
import { DEFAULT_ANALYSIS_SETTINGS, type AnalysisSettings } from '../../src/config/types.js';

export const SETTINGS: AnalysisSettings = { ...DEFAULT_ANALYSIS_SETTINGS };

/** Points with no per-second series (band tables from other tools). */
export function pointsOf(ns: readonly number[], tps: readonly number[]): FitPoint[] {
  return ns.map((n, i) => ({ band_id: i + 1, concurrency: n, tps: tps[i]!, tps_series: [], excluded_reason: null }));
}

/**
 * Bands whose per-second TPS follows `curve(N)` plus AR(1) noise (coefficient `phi`, stationary
 * standard deviation `relativeNoise`·curve(N)); band TPS is the series mean, as the runner reports.
 */
export function noisyBands(
  seed: number,
  ns: readonly number[],
  curve: (n: number) => number,
  options: { seconds?: number; relativeNoise?: number; phi?: number } = {},
): FitPoint[] {
  const seconds = options.seconds ?? 60;
  const relativeNoise = options.relativeNoise ?? 0.03;
  const phi = options.phi ?? 0.3;
  const random = createRandom(seed);
  return ns.map((n, i) => {
    const level = curve(n);
    const series: number[] = [];
    let noise = relativeNoise * level * random.normal();
    for (let t = 0; t < seconds; t++) {
      if (t > 0) noise = phi * noise + Math.sqrt(1 - phi * phi) * relativeNoise * level * random.normal();
      series.push(level + noise);
    }
    return {
      band_id: i + 1,
      concurrency: n,
      tps: series.reduce((s, v) => s + v, 0) / seconds,
      tps_series: series,
      excluded_reason: null,
    };
  });
}

export const uslCurve = (p: UslParams) => (n: number) => uslThroughput(n, p);

/** Every number in `value` is finite, and a JSON round trip gives back the same structure. */
export function expectCleanJson(value: unknown): void {
  const bad: string[] = [];
  const walk = (node: unknown, path: string): void => {
    if (typeof node === 'number') {
      if (!Number.isFinite(node)) bad.push(`${path} = ${String(node)}`);
    } else if (Array.isArray(node)) {
      node.forEach((child, i) => walk(child, `${path}[${i}]`));
    } else if (node !== null && typeof node === 'object') {
      for (const [key, child] of Object.entries(node)) walk(child, `${path}.${key}`);
    } else if (node === undefined) {
      bad.push(`${path} is undefined`);
    }
  };
  walk(value, '$');
  expect(bad).toEqual([]);
  expect(JSON.parse(JSON.stringify(value))).toEqual(value);
}

/** Rounds to `digits` significant digits. */
export function signif(value: number, digits: number): number {
  return Number(value.toPrecision(digits));
}
