// The lexer of a \set expression: numbers, identifiers, :variables and operators, with the
// offset of each token in the script text for error positions.

import type { Fail } from './types.js';

export type Tok =
  | { k: 'int'; text: string; pos: number }
  | { k: 'double'; v: number; pos: number }
  | { k: 'ident'; text: string; pos: number }
  | { k: 'var'; text: string; pos: number }
  | { k: 'op'; text: string; pos: number }
  | { k: 'eof'; pos: number };

const OPS3 = ['<<', '>>', '<=', '>=', '<>', '!='];
const OPS1 = '+-*/%(),<>=&|#~';

function isDigit(ch: string): boolean {
  return ch >= '0' && ch <= '9';
}
function isAlpha(ch: string): boolean {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch === '_' || ch.charCodeAt(0) > 127;
}
function isAlnum(ch: string): boolean {
  return isAlpha(ch) || isDigit(ch);
}

export function lex(src: string, start: number, end: number, fail: Fail): Tok[] {
  const toks: Tok[] = [];
  let i = start;
  while (i < end) {
    const ch = src[i]!;
    if (ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n' || ch === '\f' || ch === '\v') {
      i++;
      continue;
    }
    const pos = i;
    if (isDigit(ch) || (ch === '.' && i + 1 < end && isDigit(src[i + 1]!))) {
      let j = i;
      while (j < end && isDigit(src[j]!)) j++;
      let isDouble = false;
      if (j < end && src[j] === '.') {
        isDouble = true;
        j++;
        while (j < end && isDigit(src[j]!)) j++;
      }
      if (j < end && (src[j] === 'e' || src[j] === 'E')) {
        let k = j + 1;
        if (k < end && (src[k] === '+' || src[k] === '-')) k++;
        if (k < end && isDigit(src[k]!)) {
          isDouble = true;
          while (k < end && isDigit(src[k]!)) k++;
          j = k;
        }
      }
      if (j < end && isAlpha(src[j]!)) fail(j, `syntax error in expression: unexpected "${src[j]}" after a number`);
      const text = src.slice(i, j);
      toks.push(isDouble ? { k: 'double', v: Number(text), pos } : { k: 'int', text, pos });
      i = j;
      continue;
    }
    if (isAlpha(ch)) {
      let j = i + 1;
      while (j < end && isAlnum(src[j]!)) j++;
      toks.push({ k: 'ident', text: src.slice(i, j).toLowerCase(), pos });
      i = j;
      continue;
    }
    if (ch === ':') {
      let j = i + 1;
      while (j < end && isAlnum(src[j]!)) j++;
      if (j === i + 1) fail(pos, 'syntax error in expression: ":" must be followed by a variable name');
      toks.push({ k: 'var', text: src.slice(i + 1, j), pos });
      i = j;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (i + 1 < end && OPS3.includes(two)) {
      toks.push({ k: 'op', text: two === '!=' ? '<>' : two, pos });
      i += 2;
      continue;
    }
    if (OPS1.includes(ch)) {
      toks.push({ k: 'op', text: ch, pos });
      i++;
      continue;
    }
    fail(pos, `syntax error in expression: unexpected character "${ch}"`);
  }
  toks.push({ k: 'eof', pos: end });
  return toks;
}
