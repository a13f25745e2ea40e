// `pgscale ab`: the same-runner A/B run from the command line. The user names both sides' files:
// the config's workload and setup paths are resolved against --base-dir and --head-dir.

import { CommanderError } from 'commander';
import { DEFAULT_AB_ROUNDS } from '../ab/index.js';
import { renderAbText } from '../report/index.js';
import { endingOf } from '../app/gate.js';
import { abEnding, measureAb } from '../app/modes.js';
import { stopAllEmbedded } from '../db/embedded.js';
import { EXIT_BAD_INPUT, EXIT_INTERRUPTED, UserError } from '../errors.js';
import { healthLines } from '../report/health.js';
import { createConsoleLogger } from '../log.js';
import { thresholdsFromFlags, type GateFlags } from './gate-flags.js';
import type { ExportFormat } from '../config/types.js';
import { abResultsJson } from '../results/write.js';

export interface AbFlags extends GateFlags {
  config?: string;
  baseDir?: string;
  headDir?: string;
  rounds?: string;
  confirm?: boolean;
  reset?: 'always' | 'once' | 'auto';
  databaseUrl?: string;
  exportPath?: string;
  exportFormat?: ExportFormat;
  json?: boolean;
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
  const thresholds = thresholdsFromFlags(flags);
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
    const result = await measureAb({
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
    const summary = {
      base: result.base,
      head: result.head,
      ab: result.ab,
      comparison: result.comparison,
      title: flags.config,
    };
    if (flags.json) process.stdout.write(abResultsJson(result.ab, result.comparison));
    else process.stdout.write(`\n${renderAbText(summary)}\n`);
    for (const { side, health } of result.sides)
      for (const line of healthLines(health)) log.info(`${side}: ${line.trim()}`);
    const ending = endingOf(abEnding(result, controller.signal.aborted), flags.failOn ?? 'regression');
    if (ending.message !== null && ending.code !== EXIT_INTERRUPTED) log.warn(ending.message);
    return ending.code;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
