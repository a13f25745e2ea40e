// The one execution path for every workload: compiled pgbench scripts chosen by weight and run
// by per-worker sessions. Everything a transaction needs is allocated in createWorker, so the hot
// path only evaluates closures, fills reused parameter arrays and awaits the server.

import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkloadFileDigest } from '../types.js';
import type { EvalContext } from './expr.js';
import { Prng } from './prng.js';
import { STEP_SET, STEP_SQL, type CompiledScript, type Step } from './script.js';
import type { Workload, WorkloadClient, WorkerSession } from './types.js';

type SetupFn = (client: WorkloadClient, scale: number, log: (line: string) => void) => Promise<void>;

export interface ScriptWorkloadOptions {
  name: string;
  scripts: CompiledScript[];
  weights: number[];
  requiredTables: string[];
  files: WorkloadFileDigest[];
  scale: number;
  setup: SetupFn;
}

interface PreparedQuery {
  name: string;
  text: string;
  values: unknown[];
  rowMode: 'array';
}

/** One script as one worker runs it: its variables and one reusable query config per statement. */
interface ScriptRunner {
  steps: Step[];
  ctx: EvalContext;
  queries: (PreparedQuery | null)[];
}

/** Derives pgbench's :default_seed (one per run, shared by all clients) from the run seed. */
export function defaultSeedFor(seed: number): bigint {
  const r = new Prng(seed, 0x5eed);
  return BigInt.asIntN(64, (BigInt(r.nextU32()) << 32n) | BigInt(r.nextU32()));
}

class ScriptWorker implements WorkerSession {
  private readonly runners: ScriptRunner[];
  private readonly cumulative: Float64Array;
  private readonly total: number;

  constructor(
    runners: ScriptRunner[],
    weights: number[],
    private readonly rng: Prng,
  ) {
    this.runners = runners;
    this.cumulative = new Float64Array(weights.length);
    let sum = 0;
    weights.forEach((w, i) => {
      sum += w;
      this.cumulative[i] = sum;
    });
    this.total = sum;
  }

  /** pgbench's -b name@weight choice: a uniform draw over the summed weights. */
  private pick(): ScriptRunner {
    const runners = this.runners;
    if (runners.length === 1) return runners[0]!;
    const x = this.rng.nextDouble() * this.total;
    const cum = this.cumulative;
    for (let i = 0; i < cum.length; i++) if (x < cum[i]!) return runners[i]!;
    return runners[runners.length - 1]!;
  }

  async runTransaction(client: WorkloadClient): Promise<number> {
    const runner = this.pick();
    const { steps, ctx, queries } = runner;
    const vars = ctx.vars;
    let sent = 0;
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i]!;
      if (step.k === STEP_SET) {
        vars[step.slot] = step.f(ctx);
      } else if (step.k === STEP_SQL) {
        const q = queries[i]!;
        const values = q.values;
        const slots = step.paramSlots;
        const fmt = step.paramFormat;
        for (let p = 0; p < slots.length; p++) {
          const v = vars[slots[p]!];
          const f = fmt[p];
          values[p] = f ? f(v) : v;
        }
        await client.query(q);
        sent++;
      } else {
        const us = step.toInt ? step.toInt(ctx) * step.unitUs : step.us;
        if (us > 0) await sleep(us / 1000);
      }
    }
    return sent;
  }
}

export class ScriptWorkload implements Workload {
  readonly name: string;
  readonly requiredTables: string[];
  readonly files: WorkloadFileDigest[];
  readonly scripts: CompiledScript[];
  private readonly weights: number[];
  private readonly setupFn: SetupFn;
  /** :scale for new workers; setup() and checkSchema() (built-ins: read from pgbench_branches) update it. */
  scale: number;

  constructor(o: ScriptWorkloadOptions) {
    this.name = o.name;
    this.scripts = o.scripts;
    this.weights = o.weights;
    this.requiredTables = o.requiredTables;
    this.files = o.files;
    this.scale = o.scale;
    this.setupFn = o.setup;
  }

  createWorker(workerId: number, seed: number): WorkerSession {
    const rng = new Prng(seed, workerId);
    const defaultSeed = defaultSeedFor(seed);
    const runners = this.scripts.map((script): ScriptRunner => {
      const vars: unknown[] = new Array(script.slots.size).fill(0);
      vars[script.slots.get('scale')!] = this.scale;
      vars[script.slots.get('client_id')!] = workerId - 1; // pgbench numbers clients from 0
      vars[script.slots.get('random_seed')!] = Number.isSafeInteger(seed) ? seed : 0;
      vars[script.slots.get('default_seed')!] = defaultSeed;
      const queries = script.steps.map((s) =>
        s.k === STEP_SQL ? { name: s.name, text: s.text, values: new Array(s.paramSlots.length), rowMode: 'array' as const } : null,
      );
      return { steps: script.steps, ctx: { vars, rng }, queries };
    });
    return new ScriptWorker(runners, this.weights, rng);
  }

  async setup(client: WorkloadClient, scale: number, log: (line: string) => void): Promise<void> {
    await this.setupFn(client, scale, log);
    this.scale = scale;
  }
}
