// Number formatting shared by every report view, so the terminal, Markdown and comments
// quote the same figures the same way. Locale-independent on purpose: CI logs and baselines
// must read identically on every machine.

/** Shown wherever a figure is unavailable; never "null", "NaN" or "undefined". */
export const MISSING = '—';

function isNumber(value: number | null | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** Inserts thousands separators into the integer part of a fixed-point string. */
function groupThousands(fixed: string): string {
  const negative = fixed.startsWith('-');
  const unsigned = negative ? fixed.slice(1) : fixed;
  const [intPart = '', fraction] = unsigned.split('.');
  const grouped = intPart.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return (negative ? '-' : '') + grouped + (fraction !== undefined ? `.${fraction}` : '');
}

/** Fixed decimals with thousands separators: formatNumber(1234.5, 1) = "1,234.5". */
export function formatNumber(value: number | null | undefined, decimals = 0): string {
  if (!isNumber(value)) return MISSING;
  const fixed = value.toFixed(decimals);
  // toFixed can yield "-0" / "-0.0" for tiny negatives; that sign carries no information.
  const cleaned = /^-0(\.0+)?$/.test(fixed) ? fixed.slice(1) : fixed;
  return groupThousands(cleaned);
}

/** Integer with separators: 1234.4 → "1,234". */
export function formatInteger(value: number | null | undefined): string {
  return formatNumber(value, 0);
}

/**
 * Throughput: whole numbers from 100 up (the noise is larger than a decimal there),
 * one decimal from 10, two below: 1,234 · 56.7 · 3.25.
 */
export function formatTps(value: number | null | undefined): string {
  if (!isNumber(value)) return MISSING;
  const magnitude = Math.abs(value);
  return formatNumber(value, magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : 2);
}

/** Milliseconds with 1–3 decimals by size: 0.123 · 4.56 · 12.3 · 1,234.5. */
export function formatMs(value: number | null | undefined): string {
  if (!isNumber(value)) return MISSING;
  const magnitude = Math.abs(value);
  return formatNumber(value, magnitude === 0 ? 1 : magnitude < 1 ? 3 : magnitude < 10 ? 2 : 1);
}

/** A fraction as a percentage: 0.0234 → "2.3%"; tiny non-zero fractions keep two decimals. */
export function formatPercent(fraction: number | null | undefined, decimals?: number): string {
  if (!isNumber(fraction)) return MISSING;
  const percent = fraction * 100;
  const magnitude = Math.abs(percent);
  // Tiny non-zero rates keep two significant digits, so 3 failures in 100k do not read as 0.00%.
  const digits =
    decimals ??
    (magnitude === 0
      ? 1
      : magnitude < 0.01
        ? Math.min(8, Math.ceil(-Math.log10(magnitude)) + 1)
        : magnitude < 1
          ? 2
          : 1);
  return `${formatNumber(percent, digits)}%`;
}

/** A signed percentage for gains: 0.12 → "+12.0%". */
export function formatSignedPercent(fraction: number | null | undefined, decimals = 1): string {
  if (!isNumber(fraction)) return MISSING;
  const text = formatPercent(fraction, decimals);
  return fraction > 0 ? `+${text}` : text;
}

/** Model coefficients and goodness of fit: significant digits, scientific when tiny. */
export function formatSig(value: number | null | undefined, significant = 4): string {
  if (!isNumber(value)) return MISSING;
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude < 1e-3 || magnitude >= 1e7) return value.toExponential(significant - 1);
  const decimals = Math.max(0, significant - 1 - Math.floor(Math.log10(magnitude)));
  return formatNumber(value, Math.min(decimals, 8));
}

/** A numeric interval: "1,200–1,300" with the given formatter; MISSING when absent. */
export function formatRange(
  interval: { low: number; high: number } | null | undefined,
  format: (value: number) => string = (v) => formatSig(v),
): string {
  if (!interval || !isNumber(interval.low) || !isNumber(interval.high)) return MISSING;
  return `${format(interval.low)}–${format(interval.high)}`;
}

/** Seconds as a short duration: 90 → "1m30s", 0.5 → "500ms". */
export function formatDuration(seconds: number | null | undefined): string {
  if (!isNumber(seconds)) return MISSING;
  if (seconds < 1) return `${Math.round(seconds * 1000)}ms`;
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s || (!h && !m) ? `${s}s` : ''}`;
}

/**
 * At most `decimals` decimals, trailing zeros dropped (en-US grouping): 1234.5 → "1,234.5", 12 → "12"; "n/a" when
 * missing.
 */
export function formatUpTo(value: number | null | undefined, decimals = 1): string {
  return isNumber(value) ? value.toLocaleString('en-US', { maximumFractionDigits: decimals }) : 'n/a';
}

/** A compared figure: large ones (TPS, ms) with one decimal, small ones (σ, κ) with four significant digits. */
export function formatFigure(value: number | null): string {
  if (!isNumber(value)) return 'n/a';
  return Math.abs(value) >= 100 || value === 0 || Number.isInteger(value)
    ? formatUpTo(value, 1)
    : value.toLocaleString('en-US', { maximumSignificantDigits: 4 });
}

/** A change in percent, signed: 12.34 → "+12.3%", −5 → "−5.0%"; "n/a" when missing. */
export function formatChange(changePct: number | null): string {
  if (changePct === null) return 'n/a';
  return `${changePct >= 0 ? '+' : '−'}${Math.abs(changePct).toFixed(1)}%`;
}

/** An interval of a ratio as changes: { low: 0.95, high: 1.02 } → "−5.0% … +2.0%"; "n/a" when missing. */
export function formatRatioInterval(interval: { low: number; high: number } | null): string {
  if (!interval) return 'n/a';
  const change = (r: number) => `${r >= 1 ? '+' : '−'}${Math.abs((r - 1) * 100).toFixed(1)}%`;
  return `${change(interval.low)} … ${change(interval.high)}`;
}

/** A figure's status, a failure in bold: "**FAIL**", "pass (improved)". */
export function formatStatus(status: string, improved: boolean): string {
  return `${status === 'fail' ? '**FAIL**' : status}${improved ? ' (improved)' : ''}`;
}

/** A verdict as the reports print it. */
export const VERDICT_TEXT = {
  pass: 'PASS',
  fail: 'FAIL',
  inconclusive: 'INCONCLUSIVE',
  'no-baseline': 'NO BASELINE',
} as const;

/** The GitHub alert a verdict's heading is shown in. */
export const VERDICT_ALERT = {
  pass: 'NOTE',
  fail: 'CAUTION',
  inconclusive: 'WARNING',
  'no-baseline': 'WARNING',
} as const;
