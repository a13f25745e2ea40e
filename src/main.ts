// The action's entry: inputs ─▶ the mode (app/action.ts) ─▶ a failed step when the mode says so.
// It owns the try/catch and core.setFailed, in the style of actions/typescript-action.

import * as core from '@actions/core';
import { runAbMode, runMeasuredMode } from './app/action.js';
import { maskSecrets, urlHasPassword } from './db/mask.js';
import { isUserError } from './errors.js';
import { readInputs } from './github/index.js';
import type { Logger } from './log.js';

function actionLogger(secrets: string[]): Logger & { secrets: string[] } {
  // core masks registered secrets in the runner's log; maskSecrets also covers URLs we never saw.
  return {
    secrets,
    info: (line) => core.info(maskSecrets(line, secrets)),
    warn: (line) => core.warning(maskSecrets(line, secrets)),
    debug: (line) => core.debug(maskSecrets(line, secrets)),
  };
}

export async function run(): Promise<void> {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    core.warning(`${signal} received: stopping the current band and writing partial results`);
    controller.abort(new Error(`interrupted by ${signal}`));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const secrets: string[] = [];
  try {
    const inputs = readInputs();
    if (inputs.database_url && urlHasPassword(inputs.database_url)) secrets.push(inputs.database_url);
    const mode = inputs.mode === 'ab' ? runAbMode : runMeasuredMode;
    const failure = await mode(inputs, actionLogger(secrets), controller.signal);
    if (failure !== null) core.setFailed(maskSecrets(failure, secrets));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    core.setFailed(maskSecrets(isUserError(error) ? message : `pgscale failed: ${message}`, secrets));
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
