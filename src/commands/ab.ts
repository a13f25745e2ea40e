// `pgscale ab`: the same-runner A/B run from the command line. The user names both sides' files:
// the config's workload and setup paths are resolved against --base-dir and --head-dir.

import { CommanderError } from 'commander';
import { runAb, DEFAULT_AB_ROUNDS } from '../ab/index.js';
import { renderAbText } from '../report/index.js';
import { DEFAULT_THRESHOLDS } from '../compare/types.js';
import { stopAllEmbedded } from '../db/embedded.js';
import { EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK, EXIT_REGRESSION, UserError } from '../errors.js';
import { parseFraction } from '../github/inputs.js';
import { runHealth } from '../analyze/health.js';
import { healthLines } from '../report/health.js';
import { createConsoleLogger } from '../log.js';
import type { ExportFormat } from '../types.js';

export interface AbFlags {
  config?: string;
  baseDir?: string;
  headDir?: string;
  rounds?: string;
  confirm?: boolean;
  maxTpsDrop?: string;
  maxP95Increase?: string;
  reset?: 'always' | 'once' | 'auto';
  databaseUrl?: string;
  exportPath?: string;
  exportFormat?: ExportFormat;
  json?: boolean;
  failOn?: 'regression' | 'inconclusive' | 'never';
}

function missing(flag: string): CommanderError {
  return new CommanderError(EXIT_BAD_INPUT, 'pgscale.missingOption', `error: required option '${flag}' not specified`);
}

export function parseRounds(text: string | undefined): number {
  if (text === undefined) return DEFAULT_AB_ROUNDS;
  if (!/^[0-9]+$/.test(text) || Number(text) < 3 || Number(text) > 50) {
    throw new UserError(`--rounds: expected a whole number from 3 to 50, got ${JSON.stringify(text.slice(0, 40))}`);
  }
  return Number(text);
}

export async function abCommand(flags: AbFlags): Promise<number> {
  if (!flags.config) throw missing('--config <file>');
  if (!flags.baseDir) throw missing('--base-dir <dir>');
  const rounds = parseRounds(flags.rounds);
  const thresholds = {
    max_tps_drop: flags.maxTpsDrop ? parseFraction('--max-tps-drop', flags.maxTpsDrop, 1) : DEFAULT_THRESHOLDS.max_tps_drop,
    max_p95_increase: flags.maxP95Increase ? parseFraction('--max-p95-increase', flags.maxP95Increase, 10) : DEFAULT_THRESHOLDS.max_p95_increase,
    confidence: DEFAULT_THRESHOLDS.confidence,
  };
  const log = createConsoleLogger({
    debug: process.env.PGSCALE_LOG_LEVEL === 'debug',
    tty: !flags.json && process.stdout.isTTY === true,
    secrets: [],
    stream: flags.json ? process.stderr : process.stdout,
  });
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (++signals === 1) {
      log.warn(`${signal} received: stopping after the current band and writing partial results`);
      controller.abort(new Error(`interrupted by ${signal}`));
    } else void stopAllEmbedded().finally(() => process.exit(EXIT_INTERRUPTED));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const result = await runAb({
      configPath: flags.config,
      baseDir: flags.baseDir,
      headDir: flags.headDir,
      rounds,
      confirm: flags.confirm ?? false,
      thresholds,
      reset: flags.reset,
      databaseUrl: flags.databaseUrl,
      exportPath: flags.exportPath,
      exportFormat: flags.exportFormat,
      env: process.env,
      log,
      signal: controller.signal,
    });
    const summary = { base: result.base, head: result.head, ab: result.ab, comparison: result.comparison, title: flags.config };
    if (flags.json) process.stdout.write(`${JSON.stringify({ ab: result.ab, comparison: result.comparison }, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`);
    else process.stdout.write(`\n${renderAbText(summary)}\n`);
    const sides = (['base', 'head'] as const).map((side) => ({ side, health: runHealth(result[side]) }));
    for (const { side, health } of sides) for (const line of healthLines(health)) log.info(`${side}: ${line.trim()}`);
    if (controller.signal.aborted) return EXIT_INTERRUPTED;
    if (result.failure) {
      log.warn(`A/B run stopped early: ${result.failure.message}`);
      return EXIT_FAILURE;
    }
    if (sides.some(({ health }) => health.status === 'failed')) return EXIT_FAILURE;
    const failOn = flags.failOn ?? 'regression';
    const verdict = result.comparison.verdict;
    if (failOn !== 'never' && (verdict === 'fail' || (failOn === 'inconclusive' && verdict === 'inconclusive'))) return EXIT_REGRESSION;
    return EXIT_OK;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
