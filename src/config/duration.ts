// Go-style durations ("30s", "1m30s", "500ms", "1.5h"), plus a bare number meaning seconds,
// because that is what the spec's configs use and what Go users already type.
import { UserError } from '../errors.js';

const UNIT_SECONDS: Record<string, number> = {
  ns: 1e-9,
  us: 1e-6,
  µs: 1e-6, // U+00B5 micro sign, as Go accepts
  μs: 1e-6, // U+03BC Greek mu, as Go accepts
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
};

const NUMBER = String.raw`(?:\d+(?:\.\d*)?|\.\d+)`;
const UNIT = 'ns|us|µs|μs|ms|s|m|h';

/** The accepted text forms, also published as the JSON Schema `pattern` of duration strings. */
export const DURATION_PATTERN = `^(?:${NUMBER}|(?:${NUMBER}(?:${UNIT}))+)$`;
const DURATION_RE = new RegExp(DURATION_PATTERN);
const PART_RE = new RegExp(`(${NUMBER})(${UNIT})`, 'g');

export const DURATION_EXPECTED = 'expected a duration such as "30s", "1m30s" or "500ms", or a number of seconds';

function describe(text: unknown): string {
  const s = String(text);
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);
}

/**
 * Parses a duration into seconds. Negative, empty or unit-less garbage is a UserError naming
 * `field` (e.g. "progressive.band_duration") and the forms that are accepted.
 */
export function parseDuration(text: string, field = 'duration'): number {
  const trimmed = typeof text === 'string' ? text.trim() : '';
  if (!DURATION_RE.test(trimmed)) {
    throw new UserError(`${field}: ${DURATION_EXPECTED}, got ${describe(text)}`);
  }
  let seconds: number;
  if (/^[\d.]+$/.test(trimmed)) {
    seconds = Number(trimmed);
  } else {
    seconds = 0;
    for (const match of trimmed.matchAll(PART_RE)) {
      seconds += Number(match[1]) * (UNIT_SECONDS[match[2] as string] as number);
    }
  }
  if (!Number.isFinite(seconds)) {
    throw new UserError(`${field}: ${DURATION_EXPECTED}, got ${describe(text)} (too large)`);
  }
  // Sums of binary fractions such as 1m0.1s drift in the last bits; keep nanosecond precision.
  return Math.round(seconds * 1e9) / 1e9;
}

/** Formats seconds back into the shortest Go-style text, for messages and the dry-run plan. */
export function formatDuration(seconds: number): string {
  if (seconds === 0) return '0s';
  if (seconds < 1) return `${Math.round(seconds * 1e6) / 1e3}ms`;
  let rest = Math.round(seconds * 1000) / 1000;
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  rest = Math.round((rest - m * 60) * 1000) / 1000;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${rest ? `${rest}s` : ''}`;
}
