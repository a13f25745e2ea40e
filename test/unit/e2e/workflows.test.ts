// action.yml and every workflow file (CI and the documented examples) through GitHub's own parser
// (@actions/workflow-parser: schema validation, expression contexts), then the properties issue 4 asks for.

import { readdirSync, readFileSync } from 'node:fs';
import { register } from 'node:module';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { INPUT_DEFAULTS } from '../../../src/github/inputs.js';
import { REPO_ROOT } from '../../support/e2e-runner.js';

// The parser imports its JSON schemas without `with { type: 'json' }`, which Node refuses; this hook
// adds the attribute for that package only.
const jsonHook = `export async function load(url, context, next) {
  if (url.startsWith('file:') && url.endsWith('.json') && url.includes('/@actions/workflow-parser/')) {
    return next(url, { ...context, importAttributes: { ...context.importAttributes, type: 'json' } });
  }
  return next(url, context);
}`;
register(`data:text/javascript,${encodeURIComponent(jsonHook)}`);

type Parser = typeof import('@actions/workflow-parser');
type ActionParser = typeof import('@actions/workflow-parser/actions/index');
let parser: Parser;
let actionParser: ActionParser;

beforeAll(async () => {
  parser = await import('@actions/workflow-parser');
  actionParser = await import('@actions/workflow-parser/actions/index');
});

const read = (rel: string) => readFileSync(path.join(REPO_ROOT, rel), 'utf8');

interface RawStep {
  id?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  if?: string;
}
interface RawJob {
  permissions?: Record<string, string> | string;
  services?: Record<string, { image: string }>;
  steps: RawStep[];
  if?: string;
}
interface RawWorkflow {
  name?: string;
  on: Record<string, unknown>;
  permissions?: Record<string, string> | string;
  jobs: Record<string, RawJob>;
}

interface ParsedWorkflow {
  raw: RawWorkflow;
  events: Record<string, unknown>;
  jobs: { id: string; steps: { uses?: string; run?: string }[] }[];
}

/** Parses and converts with GitHub's parser; any error fails the test with the parser's messages. */
async function parseWorkflowFile(rel: string): Promise<ParsedWorkflow> {
  const content = read(rel);
  const result = parser.parseWorkflow({ name: rel, content }, new parser.NoOperationTraceWriter());
  expect(
    result.context.errors.getErrors().map((e) => e.message),
    rel,
  ).toEqual([]);
  expect(result.value, rel).toBeDefined();
  const template = await parser.convertWorkflowTemplate(result.context, result.value!);
  expect(
    result.context.errors.getErrors().map((e) => e.message),
    rel,
  ).toEqual([]);
  expect(template.errors ?? [], rel).toEqual([]);
  // The template holds tokens; their JSON form is plain strings for literals ({type, expr} for expressions).
  const plain = JSON.parse(JSON.stringify(template)) as {
    events: Record<string, unknown>;
    jobs: { id: string; steps?: { uses?: unknown; run?: unknown }[] }[];
  };
  const text = (x: unknown) => (typeof x === 'string' ? x : undefined);
  const jobs = plain.jobs.map((j) => ({
    id: j.id,
    steps: (j.steps ?? []).map((s) => ({ uses: text(s.uses), run: text(s.run) })),
  }));
  return { raw: parseYaml(content) as RawWorkflow, events: plain.events, jobs };
}

const actionYml = () =>
  parseYaml(read('action.yml')) as {
    inputs: Record<string, { description?: string; default?: unknown }>;
    outputs: Record<string, { description?: string }>;
    runs: { using: string; main: string };
  };

const ISSUE_OUTPUTS = [
  'verdict',
  'peak-tps',
  'optimal-workers',
  'optimal-connections',
  'results-json',
  'report-markdown',
  'baseline-run-id',
  'comment-url',
];

describe('action.yml', () => {
  it('passes the action schema', () => {
    const result = actionParser.parseAction(
      { name: 'action.yml', content: read('action.yml') },
      new parser.NoOperationTraceWriter(),
    );
    expect(result.context.errors.getErrors().map((e) => e.message)).toEqual([]);
    const action = actionParser.convertActionTemplate(result.context, result.value!);
    expect(result.context.errors.getErrors().map((e) => e.message)).toEqual([]);
    expect(action.runs).toMatchObject({ using: 'node24', main: 'dist/index.js' });
    expect(action.inputs?.map((i) => i.id).sort()).toEqual(Object.keys(INPUT_DEFAULTS).sort());
  });

  it('runs dist/index.js on node24', () => {
    expect(actionYml().runs).toEqual({ using: 'node24', main: 'dist/index.js' });
  });

  it('every input has a description and a default, and the defaults are the ones the code applies', () => {
    const { inputs } = actionYml();
    for (const [name, spec] of Object.entries(inputs)) {
      expect(spec.description?.trim().length ?? 0, `${name}.description`).toBeGreaterThan(10);
      expect(spec, name).toHaveProperty('default');
      expect(typeof spec.default, `${name}.default is a string`).toBe('string');
    }
    const defaults = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, v.default]));
    expect(defaults).toEqual({ ...INPUT_DEFAULTS });
  });

  it('declares the outputs of issue 4, each described', () => {
    const { outputs } = actionYml();
    expect(Object.keys(outputs).sort()).toEqual([...ISSUE_OUTPUTS].sort());
    for (const [name, spec] of Object.entries(outputs))
      expect(spec.description?.trim().length ?? 0, name).toBeGreaterThan(10);
  });
});

const workflowFiles = (dir: string) =>
  readdirSync(path.join(REPO_ROOT, dir))
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => `${dir}/${f}`);

/** Checks every use of this action in a workflow: declared inputs only, valid enum values, declared outputs. */
function checkActionUses(rel: string, wf: RawWorkflow, isThisAction: (uses: string) => boolean): number {
  const { inputs, outputs } = actionYml();
  const enums: Record<string, string[]> = {
    mode: ['run', 'baseline', 'compare', 'ab'],
    comment: ['always', 'on-regression', 'never'],
    'fail-on': ['regression', 'inconclusive', 'never'],
    setup: ['true', 'false'],
    confirm: ['true', 'false'],
  };
  let uses = 0;
  const ids = new Set<string>();
  for (const [jobId, job] of Object.entries(wf.jobs)) {
    for (const step of job.steps) {
      if (!step.uses || !isThisAction(step.uses)) continue;
      uses++;
      if (step.id) ids.add(step.id);
      for (const [key, value] of Object.entries(step.with ?? {})) {
        expect(Object.keys(inputs), `${rel} ${jobId}: with.${key} is an input of action.yml`).toContain(key);
        if (enums[key]) expect(enums[key], `${rel} ${jobId}: with.${key}`).toContain(String(value));
      }
    }
  }
  // steps.<id>.outputs.<name> references name declared outputs.
  const text = read(rel);
  for (const id of ids) {
    for (const m of text.matchAll(new RegExp(`steps\\.${id}\\.outputs\\.([A-Za-z0-9_-]+)`, 'g'))) {
      expect(Object.keys(outputs), `${rel}: steps.${id}.outputs.${m[1]}`).toContain(m[1]);
    }
  }
  return uses;
}

describe('.github/workflows', () => {
  const files = workflowFiles('.github/workflows');

  it('has ci.yml and check-dist.yml', () => {
    expect(files).toEqual(expect.arrayContaining(['.github/workflows/ci.yml', '.github/workflows/check-dist.yml']));
  });

  for (const rel of files) {
    it(`${rel} parses without errors`, async () => {
      const wf = await parseWorkflowFile(rel);
      expect(wf.jobs.length).toBeGreaterThan(0);
    });
  }

  it('ci.yml runs the tests against a postgres service and self-tests the action with uses: ./', async () => {
    const wf = await parseWorkflowFile('.github/workflows/ci.yml');
    expect(Object.keys(wf.events)).toEqual(expect.arrayContaining(['push', 'pull_request']));
    const test = wf.raw.jobs['test'];
    expect(test, 'job test').toBeDefined();
    expect(test!.services?.['postgres']?.image).toMatch(/^postgres:\d+/);
    expect(wf.jobs.find((j) => j.id === 'test')!.steps.some((s) => /\bnpm (run )?test\b/.test(s.run ?? ''))).toBe(true);

    const selfTests = Object.entries(wf.raw.jobs).filter(([, job]) => job.steps.some((s) => s.uses === './'));
    expect(selfTests.length).toBeGreaterThan(0);
    for (const [id, job] of selfTests) {
      expect(job.services?.['postgres']?.image, `${id} has a postgres service`).toMatch(/^postgres:\d+/);
      const step = job.steps.find((s) => s.uses === './')!;
      // The self-test benchmarks the service container, not an embedded server.
      expect(String(step.with?.['database-url'] ?? ''), `${id} database-url`).toMatch(
        /^postgres(ql)?:\/\/[^/]*@?(localhost|127\.0\.0\.1|postgres):5432\//,
      );
      // actions/checkout must come first, or ./ is not there.
      expect(job.steps.findIndex((s) => s.uses?.startsWith('actions/checkout@'))).toBeLessThan(job.steps.indexOf(step));
    }
    expect(checkActionUses('.github/workflows/ci.yml', wf.raw, (u) => u === './')).toBeGreaterThan(0);
  });

  it('check-dist.yml rebuilds dist/ and fails when it differs from the committed one', async () => {
    const wf = await parseWorkflowFile('.github/workflows/check-dist.yml');
    const runs = wf.jobs.flatMap((j) => j.steps.map((s) => s.run ?? ''));
    const build = runs.findIndex((r) => /\bnpm run (bundle|build)\b/.test(r));
    const diff = runs.findIndex((r) => /git (status --porcelain|diff --(exit-code|quiet))[^\n]*\bdist\b/.test(r));
    expect(build, 'a step builds dist/').toBeGreaterThanOrEqual(0);
    expect(diff, 'a later step diffs dist/').toBeGreaterThan(build);
    expect(runs[diff]).toMatch(/exit 1|--exit-code/);
  });
});

describe('docs/workflows (the README examples)', () => {
  const isPgscale = (u: string) => /^[\w.-]+\/pgscale@/.test(u);
  const permissions = (wf: RawWorkflow, job: string): Record<string, string> => {
    const p = wf.jobs[job]?.permissions ?? wf.permissions;
    expect(typeof p, `${job} declares explicit permissions`).toBe('object');
    return p as Record<string, string>;
  };
  const pgscaleStep = (wf: RawWorkflow): RawStep => {
    const steps = Object.values(wf.jobs).flatMap((j) => j.steps.filter((s) => s.uses && isPgscale(s.uses)));
    expect(steps).toHaveLength(1);
    return steps[0]!;
  };

  it('holds exactly the four examples (five files), each parsing without errors', async () => {
    const files = workflowFiles('docs/workflows');
    expect(files.map((f) => path.basename(f))).toEqual([
      'ab-check.yml',
      'baseline.yml',
      'fork-pr-bench.yml',
      'fork-pr-comment.yml',
      'pr-check.yml',
    ]);
    for (const rel of files) await parseWorkflowFile(rel);
  });

  it('pr-check.yml compares on pull_request with actions: read and pull-requests: write', async () => {
    const rel = 'docs/workflows/pr-check.yml';
    const wf = await parseWorkflowFile(rel);
    expect(Object.keys(wf.events)).toEqual(['pull_request']);
    const job = Object.keys(wf.raw.jobs)[0]!;
    expect(permissions(wf.raw, job)).toMatchObject({ actions: 'read', 'pull-requests': 'write' });
    expect(pgscaleStep(wf.raw).with).toMatchObject({ mode: 'compare' });
    expect(Object.values(wf.raw.jobs)[0]!.services?.['postgres']?.image).toMatch(/^postgres:/);
    expect(checkActionUses(rel, wf.raw, isPgscale)).toBe(1);
  });

  it('ab-check.yml runs mode ab on pull_request with the rounds the measured proof used', async () => {
    const rel = 'docs/workflows/ab-check.yml';
    const wf = await parseWorkflowFile(rel);
    expect(Object.keys(wf.events)).toEqual(['pull_request']);
    const job = Object.keys(wf.raw.jobs)[0]!;
    expect(permissions(wf.raw, job)).toMatchObject({ contents: 'read', 'pull-requests': 'write' });
    expect(pgscaleStep(wf.raw).with).toMatchObject({ mode: 'ab', 'ab-rounds': '3' });
    expect(Object.values(wf.raw.jobs)[0]!.services?.['postgres']?.image).toMatch(/^postgres:/);
    expect(checkActionUses(rel, wf.raw, isPgscale)).toBe(1);
  });

  it('baseline.yml records the baseline on pushes to main and nightly', async () => {
    const rel = 'docs/workflows/baseline.yml';
    const wf = await parseWorkflowFile(rel);
    expect(wf.events['push']).toMatchObject({ branches: ['main'] });
    const schedule = wf.events['schedule'] as { cron: string }[];
    expect(schedule).toHaveLength(1);
    expect(schedule[0]!.cron.split(' ')).toHaveLength(5);
    expect(pgscaleStep(wf.raw).with).toMatchObject({ mode: 'baseline' });
    expect(checkActionUses(rel, wf.raw, isPgscale)).toBe(1);
  });

  it('fork-pr-bench.yml runs the PR with a read-only token and uploads results and the PR number', async () => {
    const rel = 'docs/workflows/fork-pr-bench.yml';
    const wf = await parseWorkflowFile(rel);
    expect(Object.keys(wf.events)).toEqual(['pull_request']);
    const job = Object.keys(wf.raw.jobs)[0]!;
    const perms = permissions(wf.raw, job);
    expect(
      Object.values(perms).every((v) => v === 'read' || v === 'none'),
      JSON.stringify(perms),
    ).toBe(true);
    expect(pgscaleStep(wf.raw).with).toMatchObject({ mode: 'compare', comment: 'never' });
    const steps = wf.raw.jobs[job]!.steps;
    const upload = steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
    expect(upload?.with?.['name']).toBe('pgscale-fork-pr');
    expect(upload?.if ?? '').toContain('always()');
    expect(read(rel)).toContain('github.event.pull_request.number');
    expect(checkActionUses(rel, wf.raw, isPgscale)).toBe(1);
  });

  it('fork-pr-comment.yml comments from workflow_run without checking out or running PR code', async () => {
    const rel = 'docs/workflows/fork-pr-comment.yml';
    const wf = await parseWorkflowFile(rel);
    const bench = parseYaml(read('docs/workflows/fork-pr-bench.yml')) as RawWorkflow;
    expect(Object.keys(wf.events)).toEqual(['workflow_run']);
    expect(wf.events['workflow_run']).toMatchObject({ workflows: [bench.name], types: ['completed'] });
    const job = Object.keys(wf.raw.jobs)[0]!;
    expect(permissions(wf.raw, job)).toEqual({ actions: 'read', 'pull-requests': 'write' });
    expect(wf.raw.jobs[job]!.if).toContain("github.event.workflow_run.event == 'pull_request'");
    const uses = wf.jobs.flatMap((j) => j.steps.map((s) => s.uses ?? ''));
    expect(uses.some((u) => u.startsWith('actions/checkout@'))).toBe(false);
    expect(uses.some((u) => u === './' || isPgscale(u))).toBe(false);
    expect(wf.jobs.flatMap((j) => j.steps.filter((s) => s.run))).toEqual([]);
    const download = wf.raw.jobs[job]!.steps.find((s) => s.uses?.startsWith('actions/download-artifact@'));
    expect(download?.with).toMatchObject({ name: 'pgscale-fork-pr', 'run-id': '${{ github.event.workflow_run.id }}' });
    // Untrusted values reach the script through env, never spliced into its source.
    const script = String(
      wf.raw.jobs[job]!.steps.find((s) => s.uses?.startsWith('actions/github-script@'))?.with?.['script'] ?? '',
    );
    expect(script).not.toContain('${{');
    expect(script).toContain('pulls.get');
  });
});
