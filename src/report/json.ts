// The results document as JSON. Reading it back is results/read.ts's work.

import type { ResultsDocument } from '../results/types.js';
import { formatJsonPath } from '../results/json-locate.js';

/** Finds the first non-finite number; JSON.stringify would silently turn it into null. */
function findNonFinite(value: unknown, path: (string | number)[]): string | null {
  if (typeof value === 'number') return Number.isFinite(value) ? null : `${formatJsonPath(path)} = ${value}`;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findNonFinite(value[i], [...path, i]);
      if (found) return found;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      const found = findNonFinite(child, [...path, key]);
      if (found) return found;
    }
  }
  return null;
}

/**
 * Stable, 2-space JSON with a trailing newline. A NaN or Infinity anywhere is a bug in the
 * producer (the analysis must use null + reason), so it throws instead of writing a lie.
 */
export function toJson(doc: ResultsDocument): string {
  const bad = findNonFinite(doc, []);
  if (bad) throw new Error(`internal error: results document holds a non-finite number at ${bad}`);
  return JSON.stringify(doc, null, 2) + '\n';
}
