// The one execution path for every workload: compiled pgbench scripts chosen by weight and run
// by per-worker sessions. Everything a transaction needs is allocated in createWorker: each SQL
// step owns one encoded statement (wire.ts) and one values array, and a transaction is a small
// state machine driven by the wire's callbacks, so the hot path allocates one promise per
// transaction and one buffer per socket write.

import type { WorkloadFileDigest } from '../results/types.js';
import type { EvalContext } from './expr/index.js';
import { Prng } from './prng.js';
import { STEP_SET, STEP_SLEEP, STEP_SQL, type CompiledScript, type Step } from './script.js';
import type { PortableWorkload, Workload, WorkloadClient, WorkerSession } from './types.js';
import { WireConnection, wireStatement, type WireStatement } from '../db/wire.js';

/** An error of a statement, with where the statement is (file:line), set by the worker. */
export type FailedStatement = Error & { statement?: string };

type SetupFn = (client: WorkloadClient, scale: number, log: (line: string) => void) => Promise<void>;
type SqlStep = Extract<Step, { k: typeof STEP_SQL }>;

export interface ScriptWorkloadOptions {
  name: string;
  scripts: CompiledScript[];
  /** The texts the scripts were compiled from, for portable(). */
  sources: { text: string; shown: string }[];
  weights: number[];
  requiredTables: string[];
  files: WorkloadFileDigest[];
  scale: number;
  setup: SetupFn;
}

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
  const text = (i: number): string => (steps[i] as SqlStep).text;
  if (!TX_BEGIN.test(text(begin)) || !TX_END.test(text(end))) return null;
  for (let i = begin + 1; i < end; i++) {
    const s = steps[i]!;
    if (s.k === STEP_SLEEP) return null;
    if (s.k === STEP_SQL && TX_CONTROL.test(s.text)) return null;
  }
  return { begin, end };
}

/** One script as one worker runs it: its variables and one encoded statement per SQL step. */
interface ScriptRunner {
  steps: Step[];
  ctx: EvalContext;
  statements: (WireStatement | null)[];
  /** Parameter values of each SQL step, refilled per execution. */
  values: unknown[][];
  /** Step indices of the BEGIN and END that bound a pipelineable block, or null. */
  pipeline: { begin: number; end: number } | null;
}

/** Derives pgbench's :default_seed (one per run, shared by all clients) from the run seed. */
export function defaultSeedFor(seed: number): bigint {
  const r = new Prng(seed, 0x5eed);
  return BigInt.asIntN(64, (BigInt(r.nextU32()) << 32n) | BigInt(r.nextU32()));
}

class ScriptWorker implements WorkerSession {
  readonly runners: ScriptRunner[] = [];
  private readonly cumulative: Float64Array;
  private readonly total: number;

  // The transaction in flight (a worker runs one at a time).
  private runner: ScriptRunner | null = null;
  private wire: WireConnection | null = null;
  private pipelined = false;
  private step = 0;
  private sent = 0;
  private firstError: unknown = null;
  /** Step indices of the statements in the flight, in the order they were sent. */
  private readonly flightSteps: number[] = [];
  private resolve: ((sent: number) => void) | null = null;
  private reject: ((error: unknown) => void) | null = null;
  private readonly executor = (resolve: (sent: number) => void, reject: (error: unknown) => void): void => {
    this.resolve = resolve;
    this.reject = reject;
  };
  /** The wire calls back once per flight, after the last answer, with the first error. */
  private readonly onFlight = (error: Error | null, failedAt: number): void => {
    if (error !== null && this.firstError === null) {
      const step = this.runner!.steps[this.flightSteps[failedAt] ?? -1];
      if (step !== undefined && step.k !== STEP_SLEEP) (error as FailedStatement).statement = step.where;
      this.firstError = error;
    }
    this.flightSteps.length = 0;
    if (this.firstError !== null) this.finish();
    else this.advance();
  };
  private readonly wake = (): void => this.advance();

  constructor(
    weights: number[],
    private readonly rng: Prng,
  ) {
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

  runTransaction(client: WorkloadClient): Promise<number> {
    this.runner = this.pick();
    this.wire = WireConnection.of(client);
    // progressive.pipeline reaches the worker as the pooled client's own `pipeline` option
    // (the runner's pool sets it); the block then goes out in one flight, see advance().
    this.pipelined = (client as unknown as { pipeline?: boolean }).pipeline === true;
    this.step = 0;
    this.sent = 0;
    this.firstError = null;
    this.flightSteps.length = 0;
    const done = new Promise<number>(this.executor);
    this.advance();
    return done;
  }

  /** Settles the transaction: with the first error, or with the number of statements sent. */
  private finish(): void {
    const resolve = this.resolve!;
    const reject = this.reject!;
    this.resolve = this.reject = null;
    this.runner = null;
    this.wire = null;
    if (this.firstError !== null) reject(this.firstError);
    else resolve(this.sent);
  }

  /** Encodes step i's statement with the current values of its variables. */
  private queue(runner: ScriptRunner, i: number, step: SqlStep): void {
    const values = runner.values[i]!;
    const vars = runner.ctx.vars;
    const slots = step.paramSlots;
    const fmt = step.paramFormat;
    for (let p = 0; p < slots.length; p++) {
      const v = vars[slots[p]!];
      const f = fmt[p];
      values[p] = f ? f(v) : v;
    }
    this.wire!.queue(runner.statements[i]!, values);
    this.flightSteps.push(i);
    this.sent++;
  }

  /** Runs steps until one must wait for the server or a \sleep; resumes from callbacks. */
  private advance(): void {
    const runner = this.runner!;
    const { steps, ctx } = runner;
    const block = this.pipelined ? runner.pipeline : null;
    let queued = 0;
    try {
      while (this.step < steps.length) {
        const i = this.step;
        const step = steps[i]!;
        if (step.k === STEP_SET) {
          ctx.vars[step.slot] = step.f(ctx);
          this.step++;
        } else if (step.k === STEP_SQL) {
          if (block !== null && i === block.begin) {
            // The whole BEGIN … END block goes out in one write (see pipelineBlock).
            for (; this.step <= block.end; this.step++) {
              const s = steps[this.step]!;
              if (s.k === STEP_SET) ctx.vars[s.slot] = s.f(ctx);
              else if (s.k === STEP_SQL) {
                this.queue(runner, this.step, s);
                queued++;
              }
            }
          } else {
            this.step++;
            this.queue(runner, i, step);
            queued++;
          }
          this.wire!.flush(this.onFlight);
          return;
        } else {
          this.step++;
          const us = step.toInt ? step.toInt(ctx) * step.unitUs : step.us;
          if (us > 0) {
            setTimeout(this.wake, us / 1000);
            return;
          }
        }
      }
    } catch (error) {
      // A \set failed (e.g. division by zero): the script stops here, as pgbench's does.
      if (this.firstError === null) {
        const step = steps[this.step];
        if (step?.k === STEP_SET && error instanceof Error) (error as FailedStatement).statement = step.where;
        this.firstError = error;
      }
      this.step = steps.length;
      if (queued > 0) {
        // Part of a pipelined block is encoded: send it, so the connection is idle again (and
        // its open transaction visible to the runner's ROLLBACK) once the answers are in.
        this.wire!.flush(this.onFlight);
        return;
      }
    }
    this.finish();
  }
}

export class ScriptWorkload implements Workload {
  readonly name: string;
  readonly requiredTables: string[];
  readonly files: WorkloadFileDigest[];
  readonly scripts: CompiledScript[];
  private readonly weights: number[];
  private readonly sources: { text: string; shown: string }[];
  private readonly setupFn: SetupFn;
  /** Each script's statements, encoded once and shared by all workers. */
  private readonly statements: (WireStatement | null)[][];
  /** :scale for new workers; setup() and checkSchema() (built-ins: read from pgbench_branches) update it. */
  scale: number;

  constructor(o: ScriptWorkloadOptions) {
    this.name = o.name;
    this.scripts = o.scripts;
    this.weights = o.weights;
    this.sources = o.sources;
    this.requiredTables = o.requiredTables;
    this.files = o.files;
    this.scale = o.scale;
    this.setupFn = o.setup;
    this.statements = o.scripts.map((script) =>
      script.steps.map((s) => (s.k === STEP_SQL ? wireStatement(s.name, s.text, s.paramSlots.length) : null)),
    );
  }

  createWorker(workerId: number, seed: number): WorkerSession {
    const rng = new Prng(seed, workerId);
    const defaultSeed = defaultSeedFor(seed);
    const worker = new ScriptWorker(this.weights, rng);
    this.scripts.forEach((script, index) => {
      const vars: unknown[] = new Array(script.slots.size).fill(0);
      vars[script.slots.get('scale')!] = this.scale;
      vars[script.slots.get('client_id')!] = workerId - 1; // pgbench numbers clients from 0
      vars[script.slots.get('random_seed')!] = Number.isSafeInteger(seed) ? seed : 0;
      vars[script.slots.get('default_seed')!] = defaultSeed;
      const statements = this.statements[index]!;
      const values = script.steps.map((s) => (s.k === STEP_SQL ? new Array<unknown>(s.paramSlots.length) : []));
      // Used only on clients opened in pipeline mode (progressive.pipeline), see runTransaction.
      const pipeline = pipelineBlock(script.steps);
      worker.runners.push({ steps: script.steps, ctx: { vars, rng }, statements, values, pipeline });
    });
    return worker;
  }

  async setup(client: WorkloadClient, scale: number, log: (line: string) => void): Promise<void> {
    await this.setupFn(client, scale, log);
    this.scale = scale;
  }

  portable(): PortableWorkload {
    return { name: this.name, scripts: this.sources, weights: this.weights, scale: this.scale };
  }
}
