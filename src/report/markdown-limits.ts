// The run report's size limits (the steps it shrinks through to fit) and the clipped, escaped text
// that every untrusted string in it goes through.

import { escapeMarkdown } from './escape.js';
import { MISSING } from './format.js';

export interface Limits {
  bandRows: number;
  listRows: number;
  textChars: number;
}

export const LIMIT_STEPS: Limits[] = [
  { bandRows: 200, listRows: 50, textChars: 600 },
  { bandRows: 60, listRows: 20, textChars: 300 },
  { bandRows: 20, listRows: 8, textChars: 160 },
  { bandRows: 8, listRows: 4, textChars: 80 },
];

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Untrusted text, escaped and shortened. */
export function safe(text: string | null | undefined, limits: Limits): string {
  if (text === null || text === undefined || text === '') return MISSING;
  return escapeMarkdown(clip(text, limits.textChars));
}
