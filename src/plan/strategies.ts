// The value sequences of each strategy along one axis (workers or connections), and how the two
// axes are paired into bands. Pure functions; the README documents the same rules.
import type { Strategy } from '../results/types.js';

export interface AxisRange {
  min: number;
  max: number;
  step: number;
}

/**
 * min, min+step, … and then max itself. When the step does not land on max (10–35 step 10),
 * max is still the last value (10, 20, 30, 35): the user asked to reach it.
 */
export function linearValues({ min, max, step }: AxisRange): number[] {
  const values: number[] = [];
  for (let v = min; v < max; v += step) values.push(v);
  values.push(max);
  return values;
}

/** Doubles from min, rising by at least step, capped at max; max is always last (5–80: 5, 10, 20, 40, 80). */
export function exponentialValues({ min, max, step }: AxisRange): number[] {
  const values = [min];
  let v = min;
  while (v < max) {
    v = Math.min(Math.max(v * 2, v + step), max);
    values.push(v);
  }
  return values;
}

/**
 * The Fibonacci numbers inside [min, max], plus min and max themselves, deduplicated and
 * ascending (1–55: 1, 2, 3, 5, 8, 13, 21, 34, 55). The step plays no part.
 */
export function fibonacciValues({ min, max }: AxisRange): number[] {
  const values = new Set<number>([min, max]);
  for (let a = 1, b = 2; a <= max; [a, b] = [b, a + b]) {
    if (a >= min) values.add(a);
  }
  return [...values].sort((x, y) => x - y);
}

export function axisValues(strategy: Strategy, range: AxisRange): number[] {
  switch (strategy) {
    case 'linear':
      return linearValues(range);
    case 'exponential':
      return exponentialValues(range);
    case 'fibonacci':
      return fibonacciValues(range);
  }
}

/**
 * linear: every combination, workers outer, connections inner.
 * exponential/fibonacci: band i takes the i-th value of each axis; the shorter axis holds its last value.
 */
export function pairValues(strategy: Strategy, workers: number[], connections: number[]): Array<[number, number]> {
  if (strategy === 'linear') return workers.flatMap((w) => connections.map((c): [number, number] => [w, c]));
  const count = Math.max(workers.length, connections.length);
  return Array.from({ length: count }, (_, i): [number, number] => [
    workers[Math.min(i, workers.length - 1)] as number,
    connections[Math.min(i, connections.length - 1)] as number,
  ]);
}

/** Band count without building the bands, so absurd plans can be refused cheaply. */
export function countBands(strategy: Strategy, workers: AxisRange, connections: AxisRange): number {
  if (strategy === 'linear') {
    const count = (r: AxisRange) => Math.ceil((r.max - r.min) / r.step) + 1;
    return count(workers) * count(connections);
  }
  return Math.max(axisValues(strategy, workers).length, axisValues(strategy, connections).length);
}
