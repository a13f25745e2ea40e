// What every test factory builds on: one seeded generator, one normal draw, and the shell of a
// results document that each factory fills with its own bands, environment and analysis.

import { SCHEMA_VERSION, type EnvironmentFacts, type ResultsDocument } from '../../src/results/types.js';

/** mulberry32: a tiny seeded PRNG with uniform output in [0, 1), so every synthetic run is reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One standard normal draw by Box–Muller from a seeded uniform source (two uniforms per draw). */
export function normalDraw(uniform: () => number): number {
  const u = Math.max(uniform(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
}

/** A machine as the factories describe it unless a test says otherwise. */
export function environment(overrides: Partial<EnvironmentFacts> = {}): EnvironmentFacts {
  return {
    server_version: '15',
    server_version_num: 150000,
    settings: {},
    client_cpus: 2,
    client_cpu_model: null,
    node_version: 'v20',
    platform: 'linux',
    embedded_server: false,
    ...overrides,
  };
}

/** A complete results document with no bands, analysis or optimum; factories override what they model. */
export function documentShell(overrides: Partial<ResultsDocument> = {}): ResultsDocument {
  return {
    schema_version: SCHEMA_VERSION,
    tool: { name: 'pgscale', version: '0.1.0' },
    test_start_time: '2025-01-15T10:30:00.000Z',
    test_end_time: '2025-01-15T10:40:00.000Z',
    partial: false,
    partial_reason: null,
    workload: 'tpcb',
    scale: 10,
    strategy: 'linear',
    config: {},
    plan_fingerprint: 'f'.repeat(64),
    workload_files: [],
    environment: environment(),
    bands: [],
    analysis: null,
    optimal_config: null,
    ...overrides,
  };
}
