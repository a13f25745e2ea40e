// The one way pgscale writes its documents: results.json, the baseline artifact, ab-results.json
// and --json on stdout. Each carries `schema_version`.
//
// Non-finite numbers: refused, everywhere. A number that cannot be computed is null with a reason
// beside it, so a NaN or Infinity reaching the writer is a bug in its producer; writing it would
// either break JSON (NaN is no JSON) or, through JSON.stringify, silently become a null without a
// reason. The writer throws an internal error naming the field's path instead of writing a lie.

import { formatJsonPath } from './json-locate.js';
import type { AbResultsDocument, AbSection } from './ab-types.js';
import type { Comparison } from './comparison-types.js';
import { SCHEMA_VERSION, type ResultsDocument } from './types.js';

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

/** Stable, 2-space JSON with a trailing newline; throws on a non-finite number (see above). */
function serialise(doc: object, what: string): string {
  const bad = findNonFinite(doc, []);
  if (bad) throw new Error(`internal error: ${what} holds a non-finite number at ${bad}`);
  return JSON.stringify(doc, null, 2) + '\n';
}

/** A results document (results.json, the baseline artifact, --json on stdout). */
export function toJson(doc: ResultsDocument): string {
  return serialise(doc, 'results document');
}

/** The document of an A/B run, as ab-results.json holds it and `pgscale ab --json` prints it. */
export function abResultsDocument(ab: AbSection, comparison: Comparison): AbResultsDocument {
  return { kind: 'pgscale-ab-results', schema_version: SCHEMA_VERSION, ab, comparison };
}

/** ab-results.json: the A/B document under the same policy as every other. */
export function abResultsJson(ab: AbSection, comparison: Comparison): string {
  return serialise(abResultsDocument(ab, comparison), 'A/B results document');
}

/** `pgscale compare --json`: one comparison of a run with its baseline, under the same policy. */
export function comparisonJson(comparison: Comparison): string {
  return serialise({ kind: 'pgscale-comparison', schema_version: SCHEMA_VERSION, comparison }, 'comparison document');
}
