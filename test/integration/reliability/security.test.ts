// Secrets and injection, cross-cutting, through the built CLI and action against the shared
// server (trust auth accepts any password, so a URL can carry one and still connect). Every file
// written and every line printed is searched for the password; text from the config reaches
// Markdown escaped.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultsDocument } from '../../../src/results/types.js';
import {
  cleanEnv,
  createDatabase,
  runAction,
  runCli,
  scratchDir,
  stackLines,
} from '../../support/reliability-helpers.js';

const scratch = scratchDir();
let db: Awaited<ReturnType<typeof createDatabase>>;
/** Distinct, searchable, and with characters that need percent-encoding in a URL. */
const FLAG_SECRET = 'FlagPw-7Qx!z';
const CONFIG_SECRET = 'CfgPw-R2d2#c3po';
const ENV_SECRET = 'EnvPw-Kq9$w';

function url(password: string, database = db.name): string {
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:5432/${database}`;
}

/** Every regular file under dir, with its text. */
function allFiles(dir: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...allFiles(path));
    else out.push([path, readFileSync(path, 'utf8')]);
  }
  return out;
}

function expectNoSecret(haystacks: Array<[string, string]>, secrets: string[]): void {
  for (const [where, text] of haystacks) {
    for (const secret of secrets) {
      expect(text.includes(secret), `${secret} found in ${where}`).toBe(false);
      expect(text.includes(encodeURIComponent(secret)), `encoded ${secret} found in ${where}`).toBe(false);
    }
  }
}

beforeAll(async () => {
  db = await createDatabase('security');
});

afterAll(async () => {
  await db?.drop();
  scratch.remove();
});

const INJECTION = '<img src=x onerror=alert(1)> **bold** [click](https://evil.example) @octocat | x';

describe('passwords never reach logs, exports or summaries', () => {
  it('CLI: flag URL, config URL and PGPASSWORD, with debug logging, in a successful run', async () => {
    const out = join(scratch.dir, 'cli-out');
    scratch.write('cli/q.sql', 'SELECT 1;\n');
    const config = scratch.write(
      'cli/config.yaml',
      `progressive:\n  min_workers: 1\n  max_workers: 2\n  band_duration: 1s\n  warmup_time: 0s\n  cooldown_time: 0s\n` +
        `  collect_pg_stats: true\n  export_format: both\n  export_path: ${out}\n` +
        `database:\n  url: ${url(CONFIG_SECRET)}\n` +
        `workload:\n  name: "${INJECTION.replace(/"/g, '\\"')}"\n  scripts:\n    - file: q.sql\n`,
    );
    const env = cleanEnv({ PGSCALE_LOG_LEVEL: 'debug', PGPASSWORD: ENV_SECRET });
    // The flag wins over the config; the config URL must still be masked where the config is stored.
    const result = await runCli(['--config', config, '--database-url', url(FLAG_SECRET)], { env });
    expect(result.code, result.stderr).toBe(0);
    // The Database line names where each parameter came from; the password only by its source.
    expect(result.stdout).toContain(
      `database ${db.name} (--database-url), user postgres (--database-url), password from --database-url`,
    );
    const files = allFiles(out);
    expect(files.map(([p]) => p.slice(out.length + 1)).sort()).toEqual(['report.md', 'results.csv', 'results.json']);
    expectNoSecret(
      [['stdout', result.stdout], ['stderr', result.stderr], ...files],
      [FLAG_SECRET, CONFIG_SECRET, ENV_SECRET],
    );
    const doc = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as ResultsDocument;
    expect((doc.config as { database: { url: string } }).database.url).toBe(
      `postgres://postgres:***@127.0.0.1:5432/${db.name}`,
    );
    // The JSON export of the summary (--json) goes through the same masking.
    const json = await runCli(['--config', config, '--database-url', url(FLAG_SECRET), '--json'], { env });
    expect(json.code, json.stderr).toBe(0);
    expectNoSecret(
      [
        ['--json stdout', json.stdout],
        ['--json stderr', json.stderr],
      ],
      [FLAG_SECRET, CONFIG_SECRET, ENV_SECRET],
    );
  }, 60_000);

  it('CLI: connection failures (unknown database, refused port, bad password field) never show the password', async () => {
    const config = scratch.write(
      'fail/config.yaml',
      `progressive:\n  min_workers: 1\n  max_workers: 1\n  band_duration: 1s\n  warmup_time: 0s\n  cooldown_time: 0s\n  export_path: ${join(scratch.dir, 'fail-out')}\nworkload: select-only\n`,
    );
    const env = cleanEnv({ PGSCALE_LOG_LEVEL: 'debug' });
    const cases = [
      url(FLAG_SECRET, 'pgscale_no_such_db'),
      `postgres://postgres:${encodeURIComponent(FLAG_SECRET)}@127.0.0.1:1/x`,
      `postgres://postgres:${FLAG_SECRET}@127.0.0.1:5432/${db.name}?sslmode=require`,
    ];
    for (const target of cases) {
      // Debug logging prints stacks of internal errors: those must be masked too.
      const debug = await runCli(['--config', config, '--database-url', target], { env });
      expect(debug.code, `${target}\n${debug.stderr}`).not.toBe(0);
      expectNoSecret(
        [
          [`stdout (${target})`, debug.stdout],
          [`stderr (${target})`, debug.stderr],
        ],
        [FLAG_SECRET],
      );
      // Without it: one line of ours, no stack.
      const plain = await runCli(['--config', config, '--database-url', target]);
      expect(plain.code, `${target}\n${plain.stderr}`).not.toBe(0);
      expect(plain.stderr, target).toMatch(/^pgscale: /m);
      expect(stackLines(plain.stderr), target).toEqual([]);
      expectNoSecret(
        [
          [`stdout (${target})`, plain.stdout],
          [`stderr (${target})`, plain.stderr],
        ],
        [FLAG_SECRET],
      );
    }
  }, 60_000);

  it('action: logs, step summary, outputs and exports carry neither the password nor raw HTML from the config', async () => {
    const out = join(scratch.dir, 'action-out');
    scratch.write('action/q.sql', 'SELECT 1;\n');
    const config = scratch.write(
      'action/pgscale.yml',
      `progressive:\n  min_workers: 1\n  max_workers: 2\n  band_duration: 1s\n  warmup_time: 0s\n  cooldown_time: 0s\n  export_format: both\n  export_path: ${out}\n` +
        `workload:\n  name: "${INJECTION.replace(/"/g, '\\"')}"\n  scripts:\n    - file: q.sql\n`,
    );
    const summary = scratch.write('action/summary.md', '');
    const outputs = scratch.write('action/outputs.txt', '');
    const result = await runAction(
      { config, 'database-url': url(FLAG_SECRET), mode: 'run' },
      {
        cwd: scratch.dir,
        env: { GITHUB_STEP_SUMMARY: summary, GITHUB_OUTPUT: outputs, RUNNER_DEBUG: '1', PGPASSWORD: ENV_SECRET },
      },
    );
    const context = `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
    expect(result.code, context).toBe(0);
    expect(stackLines(result.stdout + result.stderr)).toEqual([]);
    // The runner learns the secret from ::add-mask:: (it never shows those lines).
    const addMask = result.stdout.split('\n').filter((l) => l.startsWith('::add-mask::'));
    expect(addMask.some((l) => l.includes(FLAG_SECRET))).toBe(true);
    const shown = result.stdout
      .split('\n')
      .filter((l) => !l.startsWith('::add-mask::'))
      .join('\n');
    const summaryText = readFileSync(summary, 'utf8');
    expect(summaryText).toMatch(/pgscale/);
    expectNoSecret(
      [
        ['stdout', shown],
        ['stderr', result.stderr],
        ['summary', summaryText],
        ['outputs', readFileSync(outputs, 'utf8')],
        ...allFiles(out),
      ],
      [FLAG_SECRET, ENV_SECRET],
    );
    // The workload name from the config reaches the summary and report.md escaped.
    for (const [where, text] of [
      ['summary', summaryText],
      ['report.md', readFileSync(join(out, 'report.md'), 'utf8')],
    ] as const) {
      expect(text, where).not.toContain('<img');
      expect(text, where).not.toContain('](https://evil');
      expect(text, where).not.toMatch(/(^|[^\\])\*\*bold/);
      expect(text, where).toContain('&lt;img src\\=x onerror\\=alert\\(1\\)&gt;');
      // @mentions are broken so nobody is notified.
      expect(text, where).not.toMatch(/@octocat/);
    }
  }, 90_000);
});
