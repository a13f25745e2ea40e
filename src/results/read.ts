// The one door through which results documents come in: results files from users (JSON or a
// band-table CSV) and baseline artifacts. Anything malformed becomes one UserError line naming
// the field and its file:line:column.

import { readFileSync } from 'node:fs';
import { UserError } from '../errors.js';
import { parseBandCsv } from './import-csv.js';
import { formatJsonPath, JsonSyntaxError, positionOf, scanJson, type JsonPath } from './json-locate.js';
import { resultsDocumentSchema } from './schema.js';
import { SCHEMA_VERSION, type ResultsDocument } from './types.js';

/** The text is not JSON at all, as opposed to JSON that is no valid results document. */
export class JsonTextError extends UserError {}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = root;
  for (const part of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[part as string];
  }
  return current;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing (the field is missing)';
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

function locate(text: string, file: string, path: JsonPath): { file: string; line: number; column: number } {
  try {
    const offset = scanJson(text, path);
    if (offset !== null) return { file, ...positionOf(text, offset) };
    // A missing field: point at its parent object.
    if (path.length > 0) return locate(text, file, path.slice(0, -1));
  } catch {
    // The text parsed with JSON.parse, so the scanner should too; fall back to the start.
  }
  return { file, line: 1, column: 1 };
}

/** Validates the text of a results JSON document; `file` names it in error messages. */
export function parseResultsJson(text: string, file: string): ResultsDocument {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    try {
      scanJson(text);
    } catch (error) {
      if (error instanceof JsonSyntaxError) {
        const truncated = error.offset >= text.trimEnd().length;
        throw new JsonTextError(`invalid JSON: ${error.message}${truncated ? ' (is the file truncated?)' : ''}`, {
          file,
          ...positionOf(text, error.offset),
        });
      }
    }
    throw new JsonTextError('invalid JSON', { file, line: 1, column: 1 });
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new UserError('expected a results document (a JSON object with schema_version and bands)', {
      file,
      line: 1,
      column: 1,
    });
  }
  const version = (data as Record<string, unknown>).schema_version;
  if (version === undefined) {
    throw new UserError(
      `${file}: schema_version is missing (expected ${SCHEMA_VERSION}); is this a pgscale results file?`,
    );
  }
  if (version !== SCHEMA_VERSION) {
    throw new UserError(
      `${file}: schema_version ${JSON.stringify(version)} is not supported (expected ${SCHEMA_VERSION})`,
    );
  }
  const result = resultsDocumentSchema.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    const actual = valueAt(data, path);
    throw new UserError(
      `${formatJsonPath(path)}: ${issue.message}, got ${describeValue(actual)}`,
      locate(text, file, path),
    );
  }
  const doc = data as ResultsDocument;
  const seen = new Set<number>();
  doc.bands.forEach((b, index) => {
    if (seen.has(b.band_id)) {
      throw new UserError(
        `bands[${index}].band_id: duplicate band ${b.band_id}`,
        locate(text, file, ['bands', index, 'band_id']),
      );
    }
    seen.add(b.band_id);
  });
  return doc;
}

function looksLikeJson(text: string): boolean {
  return /^\s*[{[]/.test(text.replace(/^\uFEFF/, ''));
}

/**
 * Reads a results file: a pgscale JSON results document, or a band-table CSV (chosen by the
 * .json/.csv extension, otherwise by sniffing the first character).
 */
export function readResultsFile(path: string): ResultsDocument {
  let content: string;
  try {
    content = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'it is a directory'
          : code === 'EACCES'
            ? 'permission denied'
            : (code ?? 'unreadable');
    throw new UserError(`${path}: cannot read results file (${why})`);
  }
  const lower = path.toLowerCase();
  const isCsv = lower.endsWith('.csv') || (!lower.endsWith('.json') && !looksLikeJson(content));
  if (isCsv) return parseBandCsv(content, path);
  return parseResultsJson(content.replace(/^\uFEFF/, ''), path);
}
