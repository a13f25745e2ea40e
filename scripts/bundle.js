#!/usr/bin/env node
// Bundles the action (dist/index.js), the CLI (dist/cli.js) and the client thread both start
// (dist/band-thread.js, found next to them at run time) with ncc.
// Both are committed, as every JavaScript action's dist is; CI rebuilds and diffs them.
import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const ncc = join(root, 'node_modules', '.bin', 'ncc');
const tmp = join(root, '.tmp', 'bundle');

function build(entry, outName) {
  const out = join(tmp, outName);
  rmSync(out, { recursive: true, force: true });
  execFileSync(ncc, ['build', entry, '-o', out, '--license', 'licenses.txt', '--quiet'], {
    cwd: root,
    stdio: 'inherit',
  });
  return out;
}

rmSync(join(root, 'dist'), { recursive: true, force: true });
mkdirSync(join(root, 'dist'), { recursive: true });
const action = build('src/index.ts', 'action');
const cli = build('src/cli.ts', 'cli');
const thread = build('src/run/band-thread.ts', 'thread');
renameSync(join(action, 'index.js'), join(root, 'dist', 'index.js'));
renameSync(join(action, 'licenses.txt'), join(root, 'dist', 'licenses.txt'));
renameSync(join(cli, 'index.js'), join(root, 'dist', 'cli.js'));
renameSync(join(thread, 'index.js'), join(root, 'dist', 'band-thread.js'));
writeFileSync(join(root, 'dist', 'package.json'), '{"type":"module"}\n');
rmSync(tmp, { recursive: true, force: true });
console.log('bundled dist/index.js, dist/cli.js and dist/band-thread.js');
