// Reads the YAML config with positions, validates it and turns every problem into one
// UserError line: `file:LINE:COL: path.to.key: what was expected, got what`.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { UserError, isUserError } from '../errors.js';
import type { PgscaleConfig } from './types.js';
import { ConfigIssue, formatPath, normalizeConfig, type ConfigPath } from './normalize.js';
import { configFileSchema } from './schema.js';
import { didYouMean } from './suggest.js';

type ZodIssue = z.core.$ZodIssue;

interface LocatedProblem {
  offset: number;
  message: string;
  /** A missing key is often the echo of a misspelt one: report other problems first. */
  missing?: boolean;
}

/** Values under these keys are never echoed back: they may be credentials. */
const SECRET_KEYS = new Set(['password', 'url']);
/** scheme://user:password@host anywhere in a value. */
const CREDENTIAL_URL = /\/\/[^/\s]*@/;

function mayHoldSecret(path: ConfigPath, value: unknown): boolean {
  return (
    (path.length === 1 && path[0] === 'database') ||
    SECRET_KEYS.has(String(path[path.length - 1])) ||
    (typeof value === 'string' && CREDENTIAL_URL.test(value))
  );
}

function firstLine(text: string): string {
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Uint8Array) return 'binary data';
  if (typeof value === 'object') return 'a mapping';
  return typeof value;
}

function valueAt(root: unknown, path: ConfigPath): { present: boolean; value: unknown } {
  let node: unknown = root;
  for (const part of path) {
    if (node === null || typeof node !== 'object' || !Object.prototype.hasOwnProperty.call(node, part)) {
      return { present: false, value: undefined };
    }
    node = (node as Record<string | number, unknown>)[part];
  }
  return { present: true, value: node };
}

/** Offset of the node at `path`, or of its nearest existing ancestor when the key is missing. */
function offsetOf(doc: Document, path: ConfigPath, atKey: boolean): number {
  let node: unknown = doc.contents;
  let offset = (doc.contents as Node | null)?.range?.[0] ?? 0;
  for (let i = 0; i < path.length; i++) {
    const part = path[i];
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(part));
      if (!pair) return offset;
      const keyOffset = (pair.key as Node).range?.[0] ?? offset;
      const value = pair.value as Node | null;
      const emptyValue = !value || (isScalar(value) && value.range && value.range[0] === value.range[1]);
      if ((last && atKey) || emptyValue) return keyOffset;
      node = value;
    } else if (isSeq(node) && typeof part === 'number' && node.items[part]) {
      node = node.items[part];
    } else {
      return offset;
    }
    // An alias stands for its anchor elsewhere; the alias itself is what the user wrote here.
    if (isAlias(node)) return node.range?.[0] ?? offset;
    offset = (node as Node).range?.[0] ?? offset;
  }
  return offset;
}

type AnySchema = { _zod: { def: Record<string, unknown> & { type: string } } };

/** The keys the schema knows at `path`, for "did you mean" and "expected one of". */
function knownKeysAt(path: ConfigPath): string[] {
  let schemas: AnySchema[] = [configFileSchema as unknown as AnySchema];
  const unwrap = (list: AnySchema[]): AnySchema[] =>
    list.flatMap((s) => {
      const def = s._zod.def;
      if (['default', 'optional', 'nullable', 'prefault'].includes(def.type))
        return unwrap([def.innerType as AnySchema]);
      if (def.type === 'union') return unwrap(def.options as AnySchema[]);
      if (def.type === 'pipe') return unwrap([def.in as AnySchema]);
      return [s];
    });
  for (const part of path) {
    schemas = unwrap(schemas).flatMap((s) => {
      const def = s._zod.def;
      if (def.type === 'object' && typeof part === 'string') {
        const child = (def.shape as Record<string, AnySchema>)[part];
        return child ? [child] : [];
      }
      if (def.type === 'array' && typeof part === 'number') return [def.element as AnySchema];
      return [];
    });
  }
  return unwrap(schemas).flatMap((s) => (s._zod.def.type === 'object' ? Object.keys(s._zod.def.shape as object) : []));
}

interface FlatIssue {
  path: ConfigPath;
  issue: ZodIssue;
}

/** Replaces a failed union by the one branch the input was evidently meant for, if any. */
function flatten(issue: ZodIssue, prefix: ConfigPath): FlatIssue[] {
  const path = [...prefix, ...(issue.path as ConfigPath)];
  if (issue.code === 'invalid_union' && issue.errors.length) {
    const meant = issue.errors.filter(
      (branch) =>
        !branch.some(
          (i) =>
            i.path.length === 0 &&
            (i.code === 'invalid_type' || i.code === 'invalid_value' || i.code === 'invalid_union'),
        ),
    );
    if (meant.length === 1) return (meant[0] as ZodIssue[]).flatMap((i) => flatten(i, path));
  }
  return [{ path, issue }];
}

function unionValues(issue: ZodIssue): string[] {
  if (issue.code !== 'invalid_union') return [];
  return issue.errors
    .flat()
    .flatMap((i) => (i.code === 'invalid_value' && i.path.length === 0 ? i.values.map(String) : []));
}

function describeIssue(flat: FlatIssue, raw: unknown, doc: Document): LocatedProblem[] {
  const { issue, path } = flat;
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(path);
    return issue.keys.map((key) => {
      const suggestion = didYouMean(key, known);
      const hint = suggestion ? `did you mean \`${suggestion}\`?` : `expected one of ${known.join(', ')}`;
      return {
        offset: offsetOf(doc, [...path, key], true),
        message: `${formatPath([...path, key])}: unknown key, ${hint}`,
      };
    });
  }
  const offset = offsetOf(doc, path, false);
  const where = formatPath(path) || 'config';
  const { present, value } = valueAt(raw, path);
  if (!present) return [{ offset, message: `${where}: missing, ${issue.message}`, missing: true }];
  if (mayHoldSecret(path, value)) return [{ offset, message: `${where}: ${issue.message}` }];
  let message = `${where}: ${issue.message}, got ${describeValue(value)}`;
  const values = issue.code === 'invalid_value' ? issue.values.map(String) : unionValues(issue);
  if (typeof value === 'string' && values.length) {
    const suggestion = didYouMean(value, values);
    if (suggestion) message += `; did you mean \`${suggestion}\`?`;
  }
  return [{ offset, message }];
}

function yamlMessage(code: string, message: string, text: string, offset: number): string {
  if (code === 'TAB_AS_INDENT') return 'invalid YAML: tabs are not allowed as indentation, indent with spaces';
  if (code === 'DUPLICATE_KEY') {
    const key = (/^[^:\n]*/.exec(text.slice(offset))?.[0] ?? '').trim();
    return `duplicate key ${JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key)}`;
  }
  return `invalid YAML: ${firstLine(message)}`;
}

function kindOf(node: unknown): string {
  if (isSeq(node)) return 'a list';
  if (isMap(node)) return 'a mapping';
  if (isAlias(node)) return 'an alias';
  return 'a scalar';
}

/**
 * Structural problems yaml would otherwise throw or warn about: keys must be plain scalars (a
 * list or mapping as a key has no meaning here) and every alias must name an earlier anchor.
 */
function findStructuralProblem(doc: Document): { node: Node; message: string } | null {
  const stack: unknown[] = [doc.contents];
  while (stack.length) {
    const node = stack.pop();
    if (isMap(node)) {
      for (const pair of node.items) {
        if (pair.key !== null && !isScalar(pair.key))
          return { node: pair.key as Node, message: `keys must be plain names, got ${kindOf(pair.key)}` };
        // A tagged key such as !!binary becomes a byte array, which yaml stringifies with a process warning.
        if (
          isScalar(pair.key) &&
          pair.key.value !== null &&
          !['string', 'number', 'boolean'].includes(typeof pair.key.value)
        ) {
          return { node: pair.key as Node, message: 'keys must be plain names, got a tagged value' };
        }
        stack.push(pair.value);
      }
    } else if (isSeq(node)) {
      stack.push(...node.items);
    } else if (isAlias(node) && !node.resolve(doc)) {
      return { node, message: `invalid YAML: alias *${node.source} has no anchor &${node.source} before it` };
    }
  }
  return null;
}

function parse(text: string, file: string, dir: string): PgscaleConfig {
  const lineCounter = new LineCounter();
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const doc = parseDocument(source, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const fail = (offset: number, message: string): never => {
    const { line, col } = lineCounter.linePos(offset);
    // Keys and values quoted from the file may hold control characters: the message stays one line.
    const oneLine = message.replace(
      /[\u0000-\u001f\u007f\u2028\u2029]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
    throw new UserError(oneLine, { file, line, column: col });
  };

  const syntax = [...doc.errors].sort((a, b) => a.pos[0] - b.pos[0])[0];
  if (syntax) fail(syntax.pos[0], yamlMessage(syntax.code, syntax.message, source, syntax.pos[0]));
  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) {
    fail(0, 'the config is empty, expected a mapping with a progressive: block');
  }
  if (!isMap(root))
    fail(
      (root as Node).range?.[0] ?? 0,
      `expected a mapping with a progressive: block at the top level, got ${kindOf(root)}`,
    );
  const structural = findStructuralProblem(doc);
  if (structural) fail(structural.node.range?.[0] ?? 0, structural.message);

  const raw: unknown = doc.toJS({ maxAliasCount: 100 });
  const result = configFileSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues
      .flatMap((issue) => flatten(issue, []))
      .flatMap((flat) => describeIssue(flat, raw, doc));
    // Report the problem that comes first in the file: the one the user reads first.
    const before = (a: LocatedProblem, b: LocatedProblem) =>
      Boolean(a.missing) !== Boolean(b.missing) ? !a.missing : a.offset < b.offset;
    const first = problems.reduce((best, p) => (before(p, best) ? p : best));
    return fail(first.offset, first.message);
  }
  try {
    return normalizeConfig(result.data, { file: resolve(file), dir });
  } catch (error) {
    if (error instanceof ConfigIssue) {
      return fail(offsetOf(doc, error.path, error.atKey), `${formatPath(error.path)}: ${error.message}`);
    }
    throw error;
  }
}

/**
 * Parses config text. `file` names it in messages (as given) and `dir` resolves relative script
 * paths (default: the file's directory). Every failure is a one-line UserError.
 */
export function parseConfigText(text: string, file: string, dir?: string): PgscaleConfig {
  const baseDir = resolve(dir ?? dirname(resolve(file)));
  try {
    return parse(String(text), file, baseDir);
  } catch (error) {
    if (isUserError(error)) throw error;
    // yaml throws for unresolved aliases and alias bombs; a deep nesting can exhaust the stack.
    const reason = error instanceof Error ? firstLine(error.message) : String(error);
    throw new UserError(`${file}: could not read the config: ${reason}`);
  }
}

export function loadConfigFile(path: string): PgscaleConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'file not found'
        : code === 'EISDIR'
          ? 'is a directory, expected a YAML file'
          : `cannot be read (${code ?? 'error'})`;
    throw new UserError(`${path}: config ${reason}`);
  }
  return parseConfigText(text, path);
}
