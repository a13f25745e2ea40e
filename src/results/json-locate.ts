// A small JSON scanner that knows where things are. JSON.parse's error messages differ
// between Node versions and often carry no position, and schema errors need the place of a
// value; this gives both as 1-based line:column, independent of the engine.

export type JsonPath = (string | number)[];

export interface JsonPosition {
  line: number;
  column: number;
}

export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

export function positionOf(text: string, offset: number): JsonPosition {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

function samePath(a: JsonPath, b: JsonPath): boolean {
  return a.length === b.length && a.every((part, i) => part === b[i]);
}

function describeChar(ch: string | undefined): string {
  if (ch === undefined) return 'end of input';
  return JSON.stringify(ch);
}

/**
 * Walks the text as JSON. Throws JsonSyntaxError at the first error; when `target` is given,
 * returns the offset where the value at that path starts (or null when it is absent).
 */
export function scanJson(text: string, target: JsonPath | null = null): number | null {
  let i = 0;
  let found: number | null = null;
  const path: JsonPath = [];

  const ws = () => {
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++;
      else break;
    }
  };
  const fail = (expected: string): never => {
    throw new JsonSyntaxError(`expected ${expected}, got ${describeChar(text[i])}`, i);
  };

  const string = (): string => {
    const start = i;
    i++; // opening quote
    let out = '';
    for (;;) {
      if (i >= text.length) throw new JsonSyntaxError('unterminated string', start);
      const ch = text[i]!;
      if (ch === '"') {
        i++;
        return out;
      }
      if (ch === '\\') {
        const esc = text[i + 1];
        if (esc === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6)))
            throw new JsonSyntaxError('invalid \\u escape in string', i);
          out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
          i += 6;
          continue;
        }
        const map: Record<string, string> = {
          '"': '"',
          '\\': '\\',
          '/': '/',
          b: '\b',
          f: '\f',
          n: '\n',
          r: '\r',
          t: '\t',
        };
        if (esc === undefined || !(esc in map)) throw new JsonSyntaxError('invalid escape in string', i);
        out += map[esc];
        i += 2;
        continue;
      }
      if (ch.charCodeAt(0) < 0x20) throw new JsonSyntaxError('control character in string', i);
      out += ch;
      i++;
    }
  };

  /** From an opening bracket to its `close`: the members, comma-separated, each read by `member`. */
  const members = (close: '}' | ']', what: string, member: (index: number) => void): void => {
    i++;
    ws();
    if (text[i] === close) {
      i++;
      return;
    }
    for (let index = 0; ; index++) {
      member(index);
      ws();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === close) {
        i++;
        return;
      }
      fail(`',' or '${close}' after ${what}`);
    }
  };

  const value = (): void => {
    ws();
    if (target && found === null && samePath(path, target)) found = i;
    const ch = text[i];
    if (ch === '{') {
      members('}', 'a property value', () => {
        ws();
        if (text[i] !== '"') fail('a double-quoted property name');
        const key = string();
        ws();
        if (text[i] !== ':') fail("':' after a property name");
        i++;
        path.push(key);
        value();
        path.pop();
      });
      return;
    }
    if (ch === '[') {
      members(']', 'an array element', (index) => {
        path.push(index);
        value();
        path.pop();
      });
      return;
    }
    if (ch === '"') {
      string();
      return;
    }
    const literal = /^(true|false|null)/.exec(text.slice(i, i + 5));
    if (literal) {
      i += literal[0].length;
      return;
    }
    const number = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (number && number[0].length > 0) {
      i += number[0].length;
      return;
    }
    fail('a JSON value');
  };

  value();
  ws();
  if (i < text.length) fail('end of input after the document');
  return found;
}

/** Path as people write it: bands[2].latency.p95_ms */
export function formatJsonPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out || '(document)';
}
