// Writes the export files of a run. Each file is written to a temporary name and renamed, so
// an interrupted run never leaves a half-written results.json behind for a later baseline.

import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ExportFormat } from '../config/types.js';
import type { ResultsDocument } from '../results/types.js';
import { toCsv } from './csv.js';
import { toJson } from '../results/write.js';
import { renderRunMarkdown } from './markdown.js';

/** File names inside export_path (documented in the README). */
export const EXPORT_FILES = { json: 'results.json', csv: 'results.csv', markdown: 'report.md' } as const;

async function writeAtomically(path: string, content: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, content, 'utf8');
  await rename(temporary, path);
}

/**
 * Writes results.json and/or results.csv (per `format`) and always report.md into `dir`,
 * creating it if needed. Returns the absolute paths written, in that order.
 */
export async function writeExports(doc: ResultsDocument, format: ExportFormat, dir: string): Promise<string[]> {
  const target = resolve(dir);
  // Render everything first: a rendering bug must not leave a half-written export set.
  const files: [string, string][] = [];
  if (format === 'json' || format === 'both') files.push([EXPORT_FILES.json, toJson(doc)]);
  if (format === 'csv' || format === 'both') files.push([EXPORT_FILES.csv, toCsv(doc)]);
  files.push([EXPORT_FILES.markdown, renderRunMarkdown(doc)]);
  await mkdir(target, { recursive: true });
  const written: string[] = [];
  for (const [name, content] of files) {
    const path = join(target, name);
    await writeAtomically(path, content);
    written.push(path);
  }
  return written;
}
