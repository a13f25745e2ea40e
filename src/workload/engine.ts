// The one execution path for every workload: compiled pgbench scripts chosen by weight and run
// by per-worker sessions. Everything a transaction needs is allocated in createWorker: each SQL
// step owns one reusable statement object, and a transaction is a small state machine driven by
// pg's callbacks, so the hot path allocates one promise per transaction and nothing per
// statement beyond what pg's wire serializer needs.

import pg from 'pg';
import type { WorkloadFileDigest } from '../types.js';
import type { EvalContext } from './expr.js';
import { Prng } from './prng.js';
import { STEP_SET, STEP_SLEEP, STEP_SQL, type CompiledScript, type Step } from './script.js';
import type { Workload, WorkloadClient, WorkerSession } from './types.js';

type SetupFn = (client: WorkloadClient, scale: number, log: (line: string) => void) => Promise<void>;
type SqlStep = Extract<Step, { k: typeof STEP_SQL }>;

export interface ScriptWorkloadOptions {
  name: string;
  scripts: CompiledScript[];
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

type Done = (error: Error | null) => void;

/**
 * A named prepared statement that one worker reuses for every execution. pg's own Query is
 * single-use and turns every row into JavaScript values; a benchmark, like pgbench, only needs
 * to know that the statement completed (or how it failed), so rows are read off the wire and
 * dropped. Subclassing pg.Query keeps pg's protocol code (Parse once per connection, then
 * Bind/Describe/Execute/Sync) and its pipeline-mode checks.
 */
class ReusableStatement extends pg.Query {
  declare values: unknown[];
  declare callback: Done;

  constructor(name: string, text: string, paramCount: number, done: Done) {
    super({ name, text });
    this.values = new Array(paramCount);
    this.callback = done;
  }

  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleCommandComplete(): void {}
  handleEmptyQuery(): void {}
  handleError(error: Error): void {
    this.callback(error);
  }
  handleReadyForQuery(): void {
    this.callback(null);
  }
}

/** One script as one worker runs it: its variables and one reusable statement per SQL step. */
interface ScriptRunner {
  steps: Step[];
  ctx: EvalContext;
  statements: (ReusableStatement | null)[];
  /** Step indices of the BEGIN and END that bound a pipelineable block, or null. */
  pipeline: { begin: number; end: number } | null;
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
  readonly runners: ScriptRunner[] = [];
  private readonly cumulative: Float64Array;
  private readonly total: number;

  // The transaction in flight (a worker runs one at a time).
  private runner: ScriptRunner | null = null;
  private client: WorkloadClient | null = null;
  private step = 0;
  private sent = 0;
  /** Statements sent and not yet answered. */
  private pending = 0;
  private firstError: unknown = null;
  private resolve: ((sent: number) => void) | null = null;
  private reject: ((error: unknown) => void) | null = null;
  private readonly executor = (resolve: (sent: number) => void, reject: (error: unknown) => void): void => {
    this.resolve = resolve;
    this.reject = reject;
  };
  /** pg calls each statement's callback once, in the order the statements were sent. */
  readonly onStatementDone: Done = (error) => {
    if (error !== null && this.firstError === null) this.firstError = error;
    if (--this.pending === 0) {
      if (this.firstError !== null) this.finish();
      else this.advance();
    }
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
    this.client = client;
    this.step = 0;
    this.sent = 0;
    this.pending = 0;
    this.firstError = null;
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
    this.client = null;
    if (this.firstError !== null) reject(this.firstError);
    else resolve(this.sent);
  }

  private fill(statement: ReusableStatement, step: SqlStep, vars: unknown[]): ReusableStatement {
    const values = statement.values;
    const slots = step.paramSlots;
    const fmt = step.paramFormat;
    for (let p = 0; p < slots.length; p++) {
      const v = vars[slots[p]!];
      const f = fmt[p];
      values[p] = f ? f(v) : v;
    }
    return statement;
  }

  /** Runs steps until one must wait for the server or a \sleep; resumes from callbacks. */
  private advance(): void {
    const runner = this.runner!;
    const client = this.client!;
    const { steps, ctx } = runner;
    const block = runner.pipeline;
    try {
      while (this.step < steps.length) {
        const i = this.step;
        const step = steps[i]!;
        if (step.k === STEP_SET) {
          ctx.vars[step.slot] = step.f(ctx);
          this.step++;
        } else if (step.k === STEP_SQL) {
          // pg only pipelines on a client opened with { pipeline: true } (the runner's pool does).
          if (block !== null && i === block.begin && (client as unknown as PipelineClient).pipeline === true) {
            this.sendBlock(runner, client, block.end);
          } else {
            this.step++;
            this.pending = 1;
            this.sent++;
            client.query(this.fill(runner.statements[i]!, step, ctx.vars));
          }
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
      this.firstError ??= error;
      if (this.pending > 0) return; // answers still due; the last one settles
    }
    this.finish();
  }

  /**
   * Sends every statement of the block before reading any answer, in one socket write (the
   * stream is corked around the sends; pg binds the values synchronously as each is queued).
   * Settles after all answers are in, so the connection is idle again when the runner rolls back.
   */
  private sendBlock(runner: ScriptRunner, client: WorkloadClient, end: number): void {
    const { steps, ctx } = runner;
    const stream = (client as unknown as PipelineClient).connection?.stream;
    this.pending = 1; // held until every statement is queued, so no callback settles early
    stream?.cork?.();
    try {
      for (; this.step <= end; this.step++) {
        const step = steps[this.step]!;
        if (step.k === STEP_SET) {
          ctx.vars[step.slot] = step.f(ctx);
        } else if (step.k === STEP_SQL) {
          this.pending++;
          this.sent++;
          client.query(this.fill(runner.statements[this.step]!, step, ctx.vars));
        }
      }
    } catch (error) {
      this.firstError ??= error;
      this.step = steps.length; // stop after the answers
    } finally {
      stream?.uncork?.();
    }
    this.onStatementDone(null);
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
    const worker = new ScriptWorker(this.weights, rng);
    for (const script of this.scripts) {
      const vars: unknown[] = new Array(script.slots.size).fill(0);
      vars[script.slots.get('scale')!] = this.scale;
      vars[script.slots.get('client_id')!] = workerId - 1; // pgbench numbers clients from 0
      vars[script.slots.get('random_seed')!] = Number.isSafeInteger(seed) ? seed : 0;
      vars[script.slots.get('default_seed')!] = defaultSeed;
      const statements = script.steps.map((s) =>
        s.k === STEP_SQL ? new ReusableStatement(s.name, s.text, s.paramSlots.length, worker.onStatementDone) : null,
      );
      // Used only on clients opened in pipeline mode (progressive.pipeline), see runTransaction.
      const pipeline = pipelineBlock(script.steps);
      worker.runners.push({ steps: script.steps, ctx: { vars, rng }, statements, pipeline });
    }
    return worker;
  }

  async setup(client: WorkloadClient, scale: number, log: (line: string) => void): Promise<void> {
    await this.setupFn(client, scale, log);
    this.scale = scale;
  }
}
