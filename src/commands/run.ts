// `pgscale run` and `pgscale run --dry-run`.

import { stopAllEmbedded } from '../db/embedded.js';
import { EXIT_INTERRUPTED, EXIT_OK } from '../errors.js';
import { createConsoleLogger } from '../log.js';
import { prepareRun, type RunRequest } from '../pipeline.js';
import { endingOf } from '../app/gate.js';
import { measure, measuredEnding } from '../app/modes.js';
import { healthLines } from '../report/health.js';
import { renderTerminalReport } from '../report/index.js';
import { toJson } from '../results/write.js';
import { shortBandWarning } from '../compare/index.js';

/** The run's options as the command line gives them, plus --json. */
export interface RunCommandRequest extends Pick<
  RunRequest,
  'configPath' | 'progressive' | 'setup' | 'databaseUrl' | 'exportPath' | 'exportFormat'
> {
  json: boolean;
}

export async function dryRunCommand(request: RunCommandRequest): Promise<number> {
  const { plan } = prepareRun(request);
  if (request.json) {
    const bands = plan.bands.map(({ band_id, workers, connections }) => ({ band_id, workers, connections }));
    const warnings = [shortBandWarning(plan.band_duration_s)].filter((w) => w !== null);
    process.stdout.write(`${JSON.stringify({ bands, estimated_duration_s: plan.estimated_duration_s, warnings })}\n`);
    return EXIT_OK;
  }
  process.stdout.write(
    `Plan: ${plan.bands.length} bands, strategy ${plan.strategy}, ${plan.band_duration_s}s per band ` +
      `(+${plan.warmup_time_s}s warm-up, +${plan.cooldown_time_s}s cool-down)\n`,
  );
  for (const band of plan.bands) {
    process.stdout.write(`  band ${band.band_id}: ${band.workers} workers, ${band.connections} connections\n`);
  }
  process.stdout.write(`Estimated duration: ${formatSeconds(plan.estimated_duration_s)}\n`);
  const short = shortBandWarning(plan.band_duration_s);
  if (short) process.stdout.write(`Warning: ${short}\n`);
  return EXIT_OK;
}

function formatSeconds(total: number): string {
  const minutes = Math.floor(total / 60);
  const seconds = Math.round((total - minutes * 60) * 10) / 10;
  return minutes > 0 ? `${minutes}m${seconds}s (${total}s)` : `${seconds}s`;
}

/** Aborts the run on the first SIGINT/SIGTERM; a second one stops at once. */
function installSignalHandlers(controller: AbortController, warn: (line: string) => void): () => void {
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++;
    if (signals === 1) {
      warn(`${signal} received: stopping the current band and writing partial results`);
      controller.abort(new Error(`interrupted by ${signal}`));
      return;
    }
    void stopAllEmbedded().finally(() => process.exit(EXIT_INTERRUPTED));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}

export async function runCommand(request: RunCommandRequest): Promise<number> {
  const log = createConsoleLogger({
    debug: process.env.PGSCALE_LOG_LEVEL === 'debug',
    tty: !request.json && process.stdout.isTTY === true,
    secrets: [],
    stream: request.json ? process.stderr : process.stdout,
  });
  const controller = new AbortController();
  const removeHandlers = installSignalHandlers(controller, log.warn);
  try {
    const measured = await measure({ ...request, env: process.env, log, signal: controller.signal });
    const { doc, health } = measured;
    if (request.json) {
      process.stdout.write(toJson(doc));
    } else {
      process.stdout.write(`\n${renderTerminalReport(doc, { color: process.stdout.isTTY === true })}\n`);
    }
    // What failed, and where, whether or not the run stopped early.
    for (const line of healthLines(health)) log.info(line);
    const ending = endingOf(measuredEnding(measured, null, controller.signal.aborted), 'never');
    if (ending.message !== null) {
      if (ending.code !== EXIT_INTERRUPTED) log.warn(ending.message);
      return ending.code;
    }
    const optimum = doc.optimal_config;
    log.info(
      (health.status === 'ok'
        ? '✅ Progressive scaling completed successfully'
        : `⚠️  Progressive scaling finished with ${health.degraded.length} ` +
          `degraded band${health.degraded.length === 1 ? '' : 's'}`) +
        `\n📊 Tested ${doc.bands.length} bands` +
        (optimum
          ? `, optimal config: ${optimum.workers} workers, ${optimum.connections} ` +
            `connections (${Math.round(optimum.tps).toLocaleString('en-US')} TPS)`
          : ''),
    );
    return EXIT_OK;
  } finally {
    removeHandlers();
  }
}
