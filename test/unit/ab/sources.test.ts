import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { baseShaFromPayload, materializeBaseFiles, rebaseWorkload } from '../../../src/ab/index.js';

const repo = mkdtempSync(path.join(os.tmpdir(), 'pgscale-ab-git-'));
afterAll(() => rmSync(repo, { recursive: true, force: true }));
const git = (...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: repo, encoding: 'utf8' }).trim();

describe('base side files from a commit', () => {
  it('reads each referenced file at the base commit, laid out relative to the config directory', async () => {
    git('init', '-q');
    mkdirSync(path.join(repo, 'bench', 'sql'), { recursive: true });
    writeFileSync(path.join(repo, 'bench', 'sql', 'txn.sql'), 'SELECT 1;\n');
    writeFileSync(path.join(repo, 'bench', 'sql', 'schema.sql'), 'CREATE TABLE t (id int);\n');
    git('add', '.');
    git('commit', '-qm', 'base');
    const sha = git('rev-parse', 'HEAD');
    writeFileSync(path.join(repo, 'bench', 'sql', 'txn.sql'), 'SELECT 2;\n'); // the head's change, uncommitted
    const configDir = path.join(repo, 'bench');
    const files = [path.join(configDir, 'sql', 'txn.sql'), path.join(configDir, 'sql', 'schema.sql')];
    const dir = await materializeBaseFiles({ ref: sha, configDir, files });
    try {
      expect(readFileSync(path.join(dir, 'sql', 'txn.sql'), 'utf8')).toBe('SELECT 1;\n');
      expect(readFileSync(path.join(dir, 'sql', 'schema.sql'), 'utf8')).toBe('CREATE TABLE t (id int);\n');
      const moved = rebaseWorkload(
        { kind: 'scripts', name: 'w', scripts: [{ file: files[0]!, weight: 1 }], setup: [files[1]!] },
        configDir,
        dir,
      );
      expect(moved).toMatchObject({
        scripts: [{ file: path.join(dir, 'sql', 'txn.sql') }],
        setup: [path.join(dir, 'sql', 'schema.sql')],
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // A file the base commit lacks is a clear one-line error.
    writeFileSync(path.join(repo, 'bench', 'sql', 'new.sql'), 'SELECT 3;\n');
    await expect(
      materializeBaseFiles({ ref: sha, configDir, files: [path.join(configDir, 'sql', 'new.sql')] }),
    ).rejects.toThrow(/workload file bench\/sql\/new.sql does not exist at the base commit/);
    await expect(
      materializeBaseFiles({ ref: '0123456789abcdef0123456789abcdef01234567', configDir, files }),
    ).rejects.toThrow(/not in the checkout and could not be fetched/);
  });
  it('takes the base SHA from a pull_request payload', () => {
    expect(baseShaFromPayload({ pull_request: { base: { sha: 'a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2' } } })).toBe(
      'a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2',
    );
    expect(baseShaFromPayload({ push: {} })).toBeNull();
    expect(baseShaFromPayload({ pull_request: { base: { sha: '; rm -rf /' } } })).toBeNull();
  });
});
