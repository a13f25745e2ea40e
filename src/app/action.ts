// The action's modes: the same measuring as the CLI (modes.ts), then GitHub's side of it: the
// baseline artifact, the job summary, the sticky comment, annotations, the results artifact and
// the outputs. Returns the one line the step fails with, or null.

import fs from 'node:fs';
import path from 'node:path';
import * as core from '@actions/core';
import * as github from '@actions/github';
import { baseShaFromPayload, materializeBaseFiles, workloadFiles } from '../ab/index.js';
import type { Comparison, Thresholds } from '../results/comparison-types.js';
import { loadConfigFile } from '../config/index.js';
import { maskSecrets } from '../db/mask.js';
import { UserError } from '../errors.js';
import {
  annotateComparison,
  annotateDegradedBands,
  commentAction,
  findBaseline,
  pullRequestNumber,
  readAbInputs,
  resolveBaselineBranch,
  setOutputs,
  uploadBaseline,
  uploadResultsUnderFreeName,
  upsertStickyComment,
  type ActionInputs,
} from '../github/index.js';
import type { Logger } from '../log.js';
import { healthLines, renderAbMarkdown } from '../report/index.js';
import { readResultsFile } from '../results/read.js';
import { shortBandWarning } from '../compare/index.js';
import { prepareRun } from '../pipeline.js';
import type { ResultsDocument } from '../results/types.js';
import { endingOf } from './gate.js';
import {
  abEnding,
  compareWithBaseline,
  comparisonReport,
  measure,
  measureAb,
  measuredEnding,
  NO_BASELINE,
  type BaselineChoice,
} from './modes.js';

type ActionLogger = Logger & { secrets: string[] };

async function chooseBaseline(
  inputs: ActionInputs,
  log: Logger,
  fromFile: ResultsDocument | null,
): Promise<BaselineChoice> {
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
    repositoryId:
      typeof github.context.payload.repository?.id === 'number' ? github.context.payload.repository.id : undefined,
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

/** What every mode's request takes from the inputs: the database, the exports, the log and the signal. */
function commonRequest(inputs: ActionInputs, log: ActionLogger, signal: AbortSignal) {
  return {
    databaseUrl: inputs.database_url ?? undefined,
    databaseUrlName: 'input database-url',
    exportPath: inputs.export_path ?? undefined,
    env: process.env,
    log,
    signal,
  };
}

function thresholdsOf(inputs: ActionInputs): Thresholds {
  return { max_tps_drop: inputs.max_tps_drop, max_p95_increase: inputs.max_p95_increase, confidence: 0.95 };
}

/** The results artifact; a failed upload is a warning, never a lost run. */
async function uploadResults(files: string[], prefix: string, inputs: ActionInputs, log: ActionLogger): Promise<void> {
  try {
    const present = files.filter((f) => fs.existsSync(f));
    if (present.length === 0 || !process.env.ACTIONS_RUNTIME_TOKEN) return;
    const name = await uploadResultsUnderFreeName(
      present,
      `${prefix}-${process.env.GITHUB_JOB ?? 'run'}-${process.env.GITHUB_RUN_ATTEMPT ?? '1'}`,
      inputs.retention_days,
    );
    log.info(`⬆️  Uploaded the results as artifact ${name}`);
  } catch (error) {
    core.warning(`could not upload the results artifact: ${maskSecrets(String(error), log.secrets)}`);
  }
}

/** Modes run, baseline and compare. */
export async function runMeasuredMode(
  inputs: ActionInputs,
  log: ActionLogger,
  signal: AbortSignal,
): Promise<string | null> {
  // A broken baseline file is bad input: say so before a benchmark of many minutes, not after.
  const baselineFromFile =
    inputs.mode === 'compare' && inputs.baseline_file ? readResultsFile(inputs.baseline_file) : null;
  if (inputs.mode !== 'run') {
    const short = shortBandWarning(prepareRun({ configPath: inputs.config, progressive: false }).plan.band_duration_s);
    if (short) core.warning(short, { file: inputs.config });
  }
  const measured = await measure({
    configPath: inputs.config,
    progressive: false,
    setup: inputs.setup,
    ...commonRequest(inputs, log, signal),
  });
  for (const secret of log.secrets) core.setSecret(secret);
  const { doc, health } = measured;
  for (const line of healthLines(health)) log.info(line);
  annotateDegradedBands(health, core, inputs.config);

  if (inputs.mode === 'baseline') {
    if (!doc.partial && health.status !== 'failed') {
      const upload = await uploadBaseline(doc, inputs.baseline_artifact, inputs.retention_days);
      log.info(`⬆️  Uploaded baseline artifact ${inputs.baseline_artifact} (id ${upload.id ?? 'unknown'})`);
    } else {
      log.warn(`the run is ${doc.partial ? 'partial' : 'failed'}: not uploading it as the baseline`);
    }
  }
  let comparison: Comparison | null = null;
  let baseline = NO_BASELINE;
  if (inputs.mode === 'compare') {
    baseline = await chooseBaseline(inputs, log, baselineFromFile);
    comparison = compareWithBaseline(doc, baseline, thresholdsOf(inputs));
    annotateComparison(comparison, core, inputs.config);
  }

  const summary = comparisonReport(doc, comparison, baseline, inputs.config);
  const safeSummary = maskSecrets(summary, log.secrets);
  await core.summary.addRaw(safeSummary).write();
  const commentUrl = comparison ? await postComment(inputs, comparison, safeSummary) : null;
  await uploadResults(measured.files, 'pgscale-results', inputs, log);

  const resultsJson = measured.files.find((f) => f.endsWith('.json')) ?? null;
  const reportMarkdown = measured.files.find((f) => f.endsWith('.md')) ?? null;
  setOutputs({
    comparison,
    doc,
    results_json: resultsJson ? path.resolve(resultsJson) : null,
    report_markdown: reportMarkdown ? path.resolve(reportMarkdown) : null,
    baseline_run_id: baseline.runId,
    comment_url: commentUrl,
  });
  return endingOf(measuredEnding(measured, comparison, signal.aborted), inputs.fail_on).message;
}

/** Mode ab: base files from the PR's base commit, head files from the working tree, one server, paired rounds. */
export async function runAbMode(inputs: ActionInputs, log: ActionLogger, signal: AbortSignal): Promise<string | null> {
  const abInputs = readAbInputs();
  const config = loadConfigFile(inputs.config);
  const ref = abInputs.base_ref ?? baseShaFromPayload(github.context.payload);
  if (!ref) {
    throw new UserError('input base-ref: mode ab needs the base commit; run it on pull_request events or set base-ref');
  }
  const baseDir = await materializeBaseFiles({
    ref,
    configDir: config.source.dir,
    files: workloadFiles(config.workload),
    cwd: process.cwd(),
    log: (l) => log.info(l),
  });
  const result = await measureAb({
    configPath: inputs.config,
    baseDir,
    baseLabel: `base commit ${ref.slice(0, 12)}`,
    headLabel: 'head (working tree)',
    rounds: abInputs.rounds,
    confirm: abInputs.confirm,
    thresholds: thresholdsOf(inputs),
    ...commonRequest(inputs, log, signal),
  });
  for (const secret of log.secrets) core.setSecret(secret);
  const { comparison } = result;
  for (const { side, health } of result.sides) {
    for (const line of healthLines(health)) log.info(`${side}: ${line.trim()}`);
    annotateDegradedBands(health, core, inputs.config, side);
  }
  annotateComparison(comparison, core, inputs.config);
  const summary = maskSecrets(renderAbMarkdown({ ...result, title: inputs.config }), log.secrets);
  await core.summary.addRaw(summary).write();
  const commentUrl = await postComment(inputs, comparison, summary);
  await uploadResults(result.files, 'pgscale-ab', inputs, log);
  const headReport = result.files.find((f) => f.includes(`${path.sep}head${path.sep}`) && f.endsWith('.md')) ?? null;
  setOutputs({
    comparison,
    doc: result.head,
    results_json: result.files[0] ? path.resolve(result.files[0]) : null,
    report_markdown: headReport ? path.resolve(headReport) : null,
    baseline_run_id: null,
    comment_url: commentUrl,
  });
  return endingOf(abEnding(result, signal.aborted), inputs.fail_on).message;
}
