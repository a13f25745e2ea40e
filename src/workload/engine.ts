// The one execution path for every workload: compiled pgbench scripts chosen by weight and run
// by per-worker sessions. Everything a transaction needs is allocated in createWorker, so the hot
// path only evaluates closures, fills reused parameter arrays and awaits the server.

import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkloadFileDigest } from '../types.js';
import type { EvalContext } from './expr.js';
import { Prng } from './prng.js';
import { STEP_SET, STEP_SLEEP, STEP_SQL, type CompiledScript, type Step } from './script.js';
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
  /** Step indices of the BEGIN and END that bound a pipelineable block, or null. */
  pipeline: { begin: number; end: number } | null;
  /** Reused across transactions: outstanding pipelined statements and the first error. */
  batch: PipelineBatch;
}

/**
 * Pipelining is on unless PGSCALE_PIPELINE=0 (a diagnostic switch to measure what it buys).
 * Read once: the hot path must not look at the environment.
 */
const PIPELINE_ENABLED = process.env.PGSCALE_PIPELINE !== '0';

const TX_CONTROL = /^\s*(begin|start|commit|end|rollback|abort|savepoint|release|prepare\s+transaction)\b/i;
const TX_BEGIN = /^\s*(begin|start\s+transaction)\b/i;
const TX_END = /^\s*(end|commit)\b/i;

/**
 * Where a script may be pipelined: its SQL is exactly BEGIN, statements, END/COMMIT, with no
 * \sleep in between and no other transaction control. Parameters come only from \set, never
 * from results, so every statement can be sent before the first answer arrives. Inside an
 * explicit transaction the first error aborts it: the statements after it fail with 25P02 and
 * END becomes a ROLLBACK, so nothing commits — as with pgbench's stop-at-first-error. Without an
 * explicit BEGIN each statement would autocommit even after an earlier one failed, so such
 * scripts run statement by statement.
 */
export function pipelineBlock(steps: Step[]): { begin: number; end: number } | null {
  const sql: number[] = [];
  for (let i = 0; i < steps.length; i++) if (steps[i]!.k === STEP_SQL) sql.push(i);
  if (sql.length < 3) return null;
  const begin = sql[0]!;
  const end = sql[sql.length - 1]!;
  const text = (i: number): string => (steps[i] as Extract<Step, { k: typeof STEP_SQL }>).text;
  if (!TX_BEGIN.test(text(begin)) || !TX_END.test(text(end))) return null;
  for (let i = begin + 1; i < end; i++) {
    const s = steps[i]!;
    if (s.k === STEP_SLEEP) return null;
    if (s.k === STEP_SQL && TX_CONTROL.test(s.text)) return null;
  }
  return { begin, end };
}

/** Completion state of one pipelined transaction; one per script runner, reused. */
class PipelineBatch {
  remaining = 0;
  firstError: unknown = null;
  private resolve: (() => void) | null = null;
  private reject: ((error: unknown) => void) | null = null;
  /** pg calls each query's callback in the order the statements were sent. */
  readonly onResult = (error: Error | null): void => {
    if (error && this.firstError === null) this.firstError = error;
    if (--this.remaining === 0) {
      const resolve = this.resolve;
      const reject = this.reject;
      this.resolve = this.reject = null;
      if (this.firstError !== null) reject?.(this.firstError);
      else resolve?.();
    }
  };

  wait(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }
}

interface PipelineClient {
  pipeline?: boolean;
  connection?: { stream?: { cork?(): void; uncork?(): void } };
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
    const block = runner.pipeline;
    // pg only pipelines on a client opened with { pipeline: true } (the runner's pool does that).
    if (block !== null && (client as unknown as PipelineClient).pipeline === true) {
      let sent = await this.runSteps(runner, client, 0, block.begin);
      sent += await this.runPipelined(runner, client, block.begin, block.end + 1);
      return sent + (await this.runSteps(runner, client, block.end + 1, runner.steps.length));
    }
    return this.runSteps(runner, client, 0, runner.steps.length);
  }

  private fillParams(runner: ScriptRunner, i: number): PreparedQuery {
    const step = runner.steps[i] as Extract<Step, { k: typeof STEP_SQL }>;
    const q = runner.queries[i]!;
    const vars = runner.ctx.vars;
    const values = q.values;
    const slots = step.paramSlots;
    const fmt = step.paramFormat;
    for (let p = 0; p < slots.length; p++) {
      const v = vars[slots[p]!];
      const f = fmt[p];
      values[p] = f ? f(v) : v;
    }
    return q;
  }

  private async runSteps(runner: ScriptRunner, client: WorkloadClient, from: number, to: number): Promise<number> {
    const { steps, ctx } = runner;
    const vars = ctx.vars;
    let sent = 0;
    for (let i = from; i < to; i++) {
      const step = steps[i]!;
      if (step.k === STEP_SET) {
        vars[step.slot] = step.f(ctx);
      } else if (step.k === STEP_SQL) {
        await client.query(this.fillParams(runner, i));
        sent++;
      } else {
        const us = step.toInt ? step.toInt(ctx) * step.unitUs : step.us;
        if (us > 0) await sleep(us / 1000);
      }
    }
    return sent;
  }

  /**
   * Sends every statement of the block before reading any answer, in one socket write (the
   * stream is corked around the sends; pg binds the values synchronously as each is queued).
   * Rejects with the first statement's error, after all answers are in, so the connection is
   * idle again when the runner rolls back.
   */
  private runPipelined(runner: ScriptRunner, client: WorkloadClient, from: number, to: number): Promise<number> {
    const { steps, ctx, batch } = runner;
    const vars = ctx.vars;
    const stream = (client as unknown as PipelineClient).connection?.stream;
    batch.firstError = null;
    batch.remaining = 1; // held until every statement is queued, so no early completion
    const done = batch.wait();
    let sent = 0;
    stream?.cork?.();
    try {
      for (let i = from; i < to; i++) {
        const step = steps[i]!;
        if (step.k === STEP_SET) {
          vars[step.slot] = step.f(ctx);
        } else if (step.k === STEP_SQL) {
          batch.remaining++;
          client.query(this.fillParams(runner, i), batch.onResult);
          sent++;
        }
      }
    } catch (error) {
      // A \set failed midway (e.g. division by zero): what was sent must still be answered.
      batch.firstError ??= error;
    } finally {
      stream?.uncork?.();
    }
    batch.onResult(null);
    return done.then(() => sent);
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
      const pipeline = PIPELINE_ENABLED ? pipelineBlock(script.steps) : null;
      return { steps: script.steps, ctx: { vars, rng }, queries, pipeline, batch: new PipelineBatch() };
    });
    return new ScriptWorker(runners, this.weights, rng);
  }

  async setup(client: WorkloadClient, scale: number, log: (line: string) => void): Promise<void> {
    await this.setupFn(client, scale, log);
    this.scale = scale;
  }
}
