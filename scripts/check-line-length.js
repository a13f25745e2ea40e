#!/usr/bin/env node
// Fails when a source line is longer than the formatter's print width. Prettier keeps code within
// it but leaves long strings and comments alone; this catches those.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const MAX = 120;
const root = new URL('..', import.meta.url).pathname;

function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (entry.name.endsWith('.ts')) yield path;
  }
}

const long = [];
for (const file of files(join(root, 'src'))) {
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if ([...line].length > MAX) long.push(`${file.slice(root.length)}:${i + 1}: ${[...line].length} characters`);
    });
}
for (const line of long) console.error(line);
if (long.length > 0) {
  console.error(`${long.length} source line(s) over ${MAX} characters`);
  process.exit(1);
}
console.log(`no source line over ${MAX} characters`);
