// The run's health in words, for the closing lines of the terminal and the action log and for the
// Markdown report (markdown.ts), so that a run whose transactions failed says so wherever it is read.

import type { DegradedBand, FailureSummary, RunHealth } from '../analyze/health.js';
import { formatInteger } from './format.js';

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** "band 3 (8 workers, 4 connections): 12.5% of transactions failed". */
export function degradedBandText(b: DegradedBand): string {
  return `band ${b.band_id} (${plural(b.workers, 'worker')}, ${plural(b.connections, 'connection')}): ${b.reason}`;
}

/** "42883 ×1,204 at bench.sql:3: function f(integer) does not exist". */
export function failureText(f: FailureSummary): string {
  const where = f.statement ? ` at ${f.statement}` : '';
  return `${f.code} ×${formatInteger(f.count)}${where}: ${f.message ?? 'no message'}`;
}

/**
 * What to try for failures a script's own text usually causes. pgscale sends every :variable as a
 * bind parameter (like pgbench -M prepared), so the server must infer each one's type.
 */
export function failureHint(f: FailureSummary): string | null {
  const untyped = f.code === '42P18' || (f.code === '42883' && /\(.*unknown.*\)/.test(f.message ?? ''));
  if (!untyped) return null;
  return ':variables are sent as bind parameters, so the server cannot always infer their type; cast them (:x::int)';
}

/** The headline: why the run failed, or which bands degraded; null for a healthy run. */
export function healthHeadline(health: RunHealth): string | null {
  if (health.status === 'failed') return `The run failed: ${health.reason}.`;
  if (health.status === 'degraded') {
    return `${plural(health.degraded.length, 'band')} degraded: ${health.degraded.map(degradedBandText).join('; ')}.`;
  }
  return null;
}

/** Closing lines for a terminal or a log: the headline, the degraded bands, one line per failing code. */
export function healthLines(health: RunHealth): string[] {
  const lines: string[] = [];
  if (health.status === 'failed') {
    lines.push(`❌ ${healthHeadline(health)}`);
    for (const band of health.degraded) lines.push(`   degraded ${degradedBandText(band)}`);
  } else if (health.status === 'degraded') {
    lines.push(`⚠️  ${healthHeadline(health)}`);
  }
  if (health.failures.length > 0) {
    lines.push(`   Failed transactions by ${health.failures.length === 1 ? 'code' : 'code, most frequent first'}:`);
    for (const failure of health.failures) {
      lines.push(`   ${failureText(failure)}`);
      const hint = failureHint(failure);
      if (hint) lines.push(`     hint: ${hint}`);
    }
  }
  return lines;
}

/** One line for a failed run (the action's ::error::), with its most frequent failure; null unless failed. */
export function healthFailure(health: RunHealth, side?: string): string | null {
  if (health.status !== 'failed') return null;
  const top = health.failures[0];
  const who = side ? `The ${side} run` : 'The run';
  return `${who} failed: ${health.reason}.${top ? ` Most frequent failure: ${failureText(top)}` : ''}`;
}
