// The action: inputs ─▶ the same pipeline as the CLI ─▶ baseline upload or comparison ─▶ summary,
// comment, annotations, outputs, gate. It owns the try/catch and core.setFailed.

import fs from 'node:fs';
import path from 'node:path';
import * as core from '@actions/core';
import * as github from '@actions/github';
import { compareResults, noBaseline } from './compare/index.js';
import type { Comparison } from './compare/types.js';
import { baseShaFromPayload, materializeBaseFiles, runAb, workloadFiles } from './ab/index.js';
import { loadConfigFile } from './config/index.js';
import { isUserError, UserError } from './errors.js';
import { maskSecrets, urlHasPassword } from './db/mask.js';
import {
  annotateComparison,
  annotateDegradedBands,
  commentAction,
  findBaseline,
  gateFails,
  pullRequestNumber,
  readAbInputs,
  readInputs,
  resolveBaselineBranch,
  setOutputs,
  uploadBaseline,
  uploadResultsArtifact,
  upsertStickyComment,
  type ActionInputs,
} from './github/index.js';
import type { Logger } from './log.js';
import { runBenchmark } from './pipeline.js';
import { runHealth } from './analyze/health.js';
import { healthFailure, healthLines, readResultsFile, renderAbMarkdown, renderComparisonMarkdown, renderRunMarkdown } from './report/index.js';
import type { ResultsDocument } from './types.js';

interface BaselineChoice {
  doc: ResultsDocument | null;
  reason: string | null;
  source: string | null;
  runId: number | null;
}

function actionLogger(secrets: string[]): Logger & { secrets: string[] } {
  // core masks registered secrets in the runner's log; maskSecrets also covers URLs we never saw.
  return {
    secrets,
    info: (line) => core.info(maskSecrets(line, secrets)),
    warn: (line) => core.warning(maskSecrets(line, secrets)),
    debug: (line) => core.debug(maskSecrets(line, secrets)),
  };
}

async function chooseBaseline(inputs: ActionInputs, log: Logger, fromFile: ResultsDocument | null): Promise<BaselineChoice> {
  if (inputs.baseline_file && fromFile) {
    return { doc: fromFile, reason: null, source: `file ${inputs.baseline_file}`, runId: null };
  }
  if (!inputs.github_token) {
    return { doc: null, reason: 'no github-token: cannot look up the baseline artifact', source: null, runId: null };
  }
  const { owner, repo } = github.context.repo;
  const branch = resolveBaselineBranch(inputs, github.context.payload as { repository?: { default_branch?: string } });
  const lookup = await findBaseline({
    token: inputs.github_token,
    owner,
    repo,
    branch,
    name: inputs.baseline_artifact,
    repositoryId: typeof github.context.payload.repository?.id === 'number' ? github.context.payload.repository.id : undefined,
  });
  for (const line of lookup.skipped) log.debug(`baseline candidate skipped: ${line}`);
  if (!lookup.found) return { doc: null, reason: lookup.reason, source: null, runId: null };
  return {
    doc: lookup.document,
    reason: null,
    source: `artifact ${inputs.baseline_artifact} from run ${lookup.run_id} on ${branch}`,
    runId: lookup.run_id,
  };
}

/**
 * Artifact names are unique per workflow run, and matrix legs (or two pgscale steps) share GITHUB_JOB:
 * when the name is taken (409), try name-2, name-3, ... instead of losing the results.
 */
async function uploadResults(files: string[], baseName: string, retentionDays: number | null): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const name = attempt === 1 ? baseName : `${baseName}-${attempt}`;
    try {
      await uploadResultsArtifact(files, name, retentionDays);
      return name;
    } catch (error) {
      const taken = /\(409\)|already exists/i.test(error instanceof Error ? error.message : String(error));
      if (!taken || attempt >= 20) throw error;
    }
  }
}

async function postComment(inputs: ActionInputs, comparison: Comparison, body: string): Promise<string | null> {
  const action = commentAction(inputs.comment, comparison.verdict);
  const issueNumber = pullRequestNumber(github.context.payload);
  if (action === 'skip' || issueNumber === null || !inputs.github_token) return null;
  const { owner, repo } = github.context.repo;
  return upsertStickyComment({
    token: inputs.github_token,
    owner,
    repo,
    issueNumber,
    configPath: inputs.config,
    body,
    createIfMissing: action === 'create',
  });
}

/** Mode ab: base files from the PR's base commit, head files from the working tree, one server, paired rounds. */
async function runAbMode(inputs: ActionInputs, log: Logger & { secrets: string[] }, controller: AbortController): Promise<void> {
  const abInputs = readAbInputs();
  const config = loadConfigFile(inputs.config);
  const ref = abInputs.base_ref ?? baseShaFromPayload(github.context.payload);
  if (!ref) {
    throw new UserError('input base-ref: mode ab needs the base commit; run it on pull_request events or set base-ref');
  }
  const baseDir = await materializeBaseFiles({ ref, configDir: config.source.dir, files: workloadFiles(config.workload), cwd: process.cwd(), log: (l) => log.info(l) });
  const result = await runAb({
    configPath: inputs.config,
    baseDir,
    baseLabel: `base commit ${ref.slice(0, 12)}`,
    headLabel: 'head (working tree)',
    rounds: abInputs.rounds,
    confirm: abInputs.confirm,
    thresholds: { max_tps_drop: inputs.max_tps_drop, max_p95_increase: inputs.max_p95_increase, confidence: 0.95 },
    databaseUrl: inputs.database_url ?? undefined,
    databaseUrlName: 'input database-url',
    exportPath: inputs.export_path ?? undefined,
    env: process.env,
    log,
    signal: controller.signal,
  });
  for (const secret of log.secrets) core.setSecret(secret);
  const { comparison } = result;
  const sides = (['base', 'head'] as const).map((side) => ({ side, health: runHealth(result[side]) }));
  for (const { side, health } of sides) {
    for (const line of healthLines(health)) log.info(`${side}: ${line.trim()}`);
    annotateDegradedBands(health, core, inputs.config, side);
  }
  const failedSide = sides.find(({ health }) => health.status === 'failed');
  annotateComparison(comparison, core, inputs.config);
  const summary = maskSecrets(renderAbMarkdown({ ...result, title: inputs.config }), log.secrets);
  await core.summary.addRaw(summary).write();
  const commentUrl = await postComment(inputs, comparison, summary);
  try {
    const files = result.files.filter((f) => fs.existsSync(f));
    if (files.length > 0 && process.env.ACTIONS_RUNTIME_TOKEN) {
      await uploadResults(files, `pgscale-ab-${process.env.GITHUB_JOB ?? 'run'}-${process.env.GITHUB_RUN_ATTEMPT ?? '1'}`, inputs.retention_days);
    }
  } catch (error) {
    core.warning(`could not upload the results artifact: ${maskSecrets(String(error), log.secrets)}`);
  }
  const headReport = result.files.find((f) => f.includes(`${path.sep}head${path.sep}`) && f.endsWith('.md')) ?? null;
  setOutputs({
    comparison,
    doc: result.head,
    results_json: result.files[0] ? path.resolve(result.files[0]) : null,
    report_markdown: headReport ? path.resolve(headReport) : null,
    baseline_run_id: null,
    comment_url: commentUrl,
  });
  if (controller.signal.aborted) core.setFailed('pgscale was interrupted; partial results were written');
  else if (result.failure) core.setFailed(`pgscale A/B run is partial: ${maskSecrets(result.failure.message, log.secrets)}`);
  else if (failedSide) core.setFailed(`pgscale: ${maskSecrets(healthFailure(failedSide.health, failedSide.side) ?? '', log.secrets)}`);
  else if (gateFails(comparison.verdict, inputs.fail_on)) core.setFailed(`pgscale verdict: ${comparison.verdict} — ${maskSecrets(comparison.reason, log.secrets)}`);
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
    const log = actionLogger(secrets);
    if (inputs.mode === 'ab') {
      await runAbMode(inputs, log, controller);
      return;
    }
    // A broken baseline file is bad input: say so before a benchmark of many minutes, not after.
    const baselineFromFile = inputs.mode === 'compare' && inputs.baseline_file ? readResultsFile(inputs.baseline_file) : null;
    const result = await runBenchmark({
      configPath: inputs.config,
      progressive: false,
      setup: inputs.setup,
      databaseUrl: inputs.database_url ?? undefined,
      databaseUrlName: 'input database-url',
      exportPath: inputs.export_path ?? undefined,
      env: process.env,
      log,
      signal: controller.signal,
    });
    for (const secret of log.secrets) core.setSecret(secret);
    const doc = result.doc;
    const resultsJson = result.files.find((f) => f.endsWith('.json')) ?? null;
    const reportMarkdown = result.files.find((f) => f.endsWith('.md')) ?? null;
    const health = runHealth(doc);
    for (const line of healthLines(health)) log.info(line);
    annotateDegradedBands(health, core, inputs.config);

    let comparison: Comparison | null = null;
    let baseline: BaselineChoice = { doc: null, reason: null, source: null, runId: null };
    if (inputs.mode === 'baseline' && !doc.partial && health.status !== 'failed') {
      const upload = await uploadBaseline(doc, inputs.baseline_artifact, inputs.retention_days);
      log.info(`⬆️  Uploaded baseline artifact ${inputs.baseline_artifact} (id ${upload.id ?? 'unknown'})`);
    } else if (inputs.mode === 'baseline') {
      log.warn(`the run is ${doc.partial ? 'partial' : 'failed'}: not uploading it as the baseline`);
    }
    if (inputs.mode === 'compare') {
      baseline = await chooseBaseline(inputs, log, baselineFromFile);
      const thresholds = { max_tps_drop: inputs.max_tps_drop, max_p95_increase: inputs.max_p95_increase, confidence: 0.95 };
      comparison = baseline.doc ? compareResults(doc, baseline.doc, thresholds) : noBaseline(baseline.reason ?? 'no baseline', thresholds);
      annotateComparison(comparison, core, inputs.config);
    }

    // A baseline that the comparison rejected (another plan) is named as such and kept out of the chart.
    const rejected = comparison?.verdict === 'no-baseline' && baseline.doc !== null;
    const summary =
      renderComparisonMarkdown({
        comparison,
        current: doc,
        baseline: rejected ? null : baseline.doc,
        title: inputs.config,
        baseline_source: rejected && baseline.source ? `${baseline.source} (not compared; see the verdict)` : baseline.source,
      }) +
      '\n' +
      renderRunMarkdown(doc);
    const safeSummary = maskSecrets(summary, log.secrets);
    await core.summary.addRaw(safeSummary).write();
    const commentUrl = comparison ? await postComment(inputs, comparison, safeSummary) : null;

    try {
      const files = result.files.filter((f) => fs.existsSync(f));
      if (files.length > 0 && process.env.ACTIONS_RUNTIME_TOKEN) {
        const name = await uploadResults(files, `pgscale-results-${process.env.GITHUB_JOB ?? 'run'}-${process.env.GITHUB_RUN_ATTEMPT ?? '1'}`, inputs.retention_days);
        log.info(`⬆️  Uploaded the results as artifact ${name}`);
      }
    } catch (error) {
      core.warning(`could not upload the results artifact: ${maskSecrets(String(error), log.secrets)}`);
    }

    setOutputs({
      comparison,
      doc,
      results_json: resultsJson ? path.resolve(resultsJson) : null,
      report_markdown: reportMarkdown ? path.resolve(reportMarkdown) : null,
      baseline_run_id: baseline.runId,
      comment_url: commentUrl,
    });

    if (controller.signal.aborted) {
      core.setFailed('pgscale was interrupted; partial results were written');
    } else if (result.failure || doc.partial) {
      core.setFailed(`pgscale run is partial: ${maskSecrets(doc.partial_reason ?? result.failure?.message ?? 'unknown reason', log.secrets)}`);
    } else if (health.status === 'failed') {
      core.setFailed(`pgscale: ${maskSecrets(healthFailure(health) ?? '', log.secrets)}`);
    } else if (comparison && gateFails(comparison.verdict, inputs.fail_on)) {
      core.setFailed(`pgscale verdict: ${comparison.verdict} — ${maskSecrets(comparison.reason, log.secrets)}`);
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    core.setFailed(maskSecrets(isUserError(error) ? message : `pgscale failed: ${message}`, secrets));
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
