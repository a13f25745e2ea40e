// Is a baseline comparable with the current run? Same schema, plan (bands and durations), workload
// name and scale. Workload file contents are what a pull request changes, so they are compared and
// listed, never refused.

import { SCHEMA_VERSION, type ResultsDocument } from '../results/types.js';

export type BaselineValidation = { ok: true; changed_files: string[] } | { ok: false; reason: string };

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Files whose digest differs, or that exist on one side only (marked added/removed). */
export function changedWorkloadFiles(current: ResultsDocument, baseline: ResultsDocument): string[] {
  const key = (f: { role: string; path: string }) => `${f.role}:${f.path}`;
  const base = new Map<string, string>();
  const baseFiles = Array.isArray(baseline.workload_files) ? baseline.workload_files : [];
  const curFiles = Array.isArray(current.workload_files) ? current.workload_files : [];
  for (const f of baseFiles) if (isRecord(f)) base.set(key(f), String(f.sha256));
  const changed: string[] = [];
  const seen = new Set<string>();
  for (const f of curFiles) {
    const k = key(f);
    seen.add(k);
    const old = base.get(k);
    if (old === undefined) changed.push(`${f.path} (added)`);
    else if (old !== f.sha256) changed.push(f.path);
  }
  for (const f of baseFiles) if (isRecord(f) && !seen.has(key(f))) changed.push(`${String(f.path)} (removed)`);
  return changed;
}

export function validateBaseline(current: ResultsDocument, baseline: ResultsDocument): BaselineValidation {
  const b: unknown = baseline;
  if (!isRecord(b)) return { ok: false, reason: 'the baseline is not a results document (expected a JSON object)' };
  if (b.schema_version !== SCHEMA_VERSION) {
    return {
      ok: false,
      reason:
        `the baseline has schema_version ${JSON.stringify(b.schema_version)}, ` +
        `this pgscale writes ${SCHEMA_VERSION}; record a new baseline`,
    };
  }
  if (!Array.isArray(b.bands)) return { ok: false, reason: 'the baseline has no bands array' };
  const badBand = (b.bands as unknown[]).findIndex(
    (band) =>
      !isRecord(band) ||
      !Number.isInteger(band.band_id) ||
      !Number.isInteger(band.workers) ||
      !Number.isInteger(band.connections),
  );
  if (badBand >= 0)
    return {
      ok: false,
      reason: `the baseline's bands[${badBand}] has no whole-number band_id, workers and connections`,
    };
  if (b.workload !== current.workload) {
    return {
      ok: false,
      reason: `the baseline ran workload ${JSON.stringify(b.workload)}, this run ${JSON.stringify(current.workload)}`,
    };
  }
  if (b.scale !== current.scale) {
    return {
      ok: false,
      reason: `the baseline ran at scale ${JSON.stringify(b.scale)}, this run at scale ${current.scale}`,
    };
  }
  if (b.plan_fingerprint !== current.plan_fingerprint) {
    return {
      ok: false,
      reason:
        `the baseline was made under a different plan (fingerprint ${String(b.plan_fingerprint).slice(0, 12)}… vs ` +
        `${String(current.plan_fingerprint).slice(0, 12)}…): bands or durations changed; record a new baseline`,
    };
  }
  return { ok: true, changed_files: changedWorkloadFiles(current, baseline) };
}
