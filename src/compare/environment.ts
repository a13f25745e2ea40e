// Was the baseline measured on the same kind of machine and server setup? A stored baseline usually
// comes from another runner; a different CPU, core count, PostgreSQL version or setting moves TPS and
// latency by itself, so a "regression" against it is not evidence about the code.

import type { EnvironmentFacts, ResultsDocument } from '../results/types.js';

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Unknown values (null, 0 CPUs, 'unknown', as a CSV import or an older runner leaves them) are never a difference. */
const knownText = (x: unknown): string | null =>
  typeof x === 'string' && x.trim() !== '' && x !== 'unknown' ? x.trim() : null;
const knownCount = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) && x > 0 ? x : null);

function machine(env: Partial<EnvironmentFacts>): string {
  const cpus = knownCount(env.client_cpus);
  return `${knownText(env.client_cpu_model) ?? 'unknown CPU'} ×${cpus ?? '?'}`;
}

/**
 * What differs between the baseline's environment and the current one, each as "baseline vs current"
 * text, e.g. "client machine AMD EPYC 7763 ×4 vs Intel Xeon 8370C ×2", "shared_buffers 128MB vs 1GB".
 * Only facts known on both sides are compared; settings recorded on one side only are skipped.
 */
export function environmentDifferences(current: ResultsDocument, baseline: ResultsDocument): string[] {
  const c: Partial<EnvironmentFacts> = isRecord(current?.environment) ? current.environment : {};
  const b: Partial<EnvironmentFacts> = isRecord(baseline?.environment)
    ? (baseline.environment as Partial<EnvironmentFacts>)
    : {};
  const out: string[] = [];

  const [cm, bm] = [knownText(c.client_cpu_model), knownText(b.client_cpu_model)];
  const [cc, bc] = [knownCount(c.client_cpus), knownCount(b.client_cpus)];
  if ((cm !== null && bm !== null && cm !== bm) || (cc !== null && bc !== null && cc !== bc)) {
    out.push(`client machine ${machine(b)} vs ${machine(c)}`);
  }

  const [cv, bv] = [knownCount(c.server_version_num), knownCount(b.server_version_num)];
  if (cv !== null && bv !== null && cv !== bv) {
    out.push(`PostgreSQL ${knownText(b.server_version) ?? bv} vs ${knownText(c.server_version) ?? cv}`);
  }
  if (
    typeof c.embedded_server === 'boolean' &&
    typeof b.embedded_server === 'boolean' &&
    c.embedded_server !== b.embedded_server
  ) {
    const kind = (e: boolean) => (e ? 'embedded server' : 'external server');
    out.push(`${kind(b.embedded_server)} vs ${kind(c.embedded_server)}`);
  }
  const [cp, bp] = [knownText(c.platform), knownText(b.platform)];
  if (cp !== null && bp !== null && cp !== bp) out.push(`platform ${bp} vs ${cp}`);

  const cs = isRecord(c.settings) ? c.settings : {};
  const bs = isRecord(b.settings) ? b.settings : {};
  for (const name of Object.keys(bs).sort()) {
    if (!Object.hasOwn(cs, name)) continue;
    const [x, y] = [String(bs[name]), String(cs[name])];
    if (x !== y) out.push(`${name} ${x} vs ${y}`);
  }
  return out;
}
