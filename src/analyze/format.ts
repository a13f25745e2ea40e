// Number formatting for explanation sentences. Locale-free, so the text is identical on every machine.

/** 2341.5 → "2,341.5" with the given decimals (trailing zeros kept); −0 prints as 0. */
export function fmt(value: number, decimals = 0): string {
  if (!Number.isFinite(value)) return 'n/a';
  const fixed = Math.abs(value).toFixed(decimals);
  const [whole, frac] = fixed.split('.') as [string, string | undefined];
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const negative = value < 0 && Number(fixed) !== 0;
  return `${negative ? '−' : ''}${grouped}${frac !== undefined ? `.${frac}` : ''}`;
}

/** Significant-figure formatting for small quantities (latencies, gains): 12 → "12", 0.0734 → "0.073", 30.0 → "30". */
export function fmtSig(value: number, digits = 2): string {
  if (!Number.isFinite(value)) return 'n/a';
  if (value === 0) return '0';
  const magnitude = Math.floor(Math.log10(Math.abs(value)));
  const decimals = Math.max(0, digits - 1 - magnitude);
  const text = fmt(value, Math.min(decimals, 6));
  // Significant figures, not padding: 30.0 reads better as 30.
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

/** 0.9712 → "97%"; 0.0123 → "1.2%". */
export function pct(fraction: number): string {
  if (!Number.isFinite(fraction)) return 'n/a';
  const p = fraction * 100;
  if (Math.abs(p) < 10) return `${fmtSig(p, 2)}%`;
  // 99.6% must not print as 100%: keep one decimal when rounding would reach a round hundred.
  const whole = fmt(p, 0);
  return Math.round(Math.abs(p)) % 100 === 0 && Math.abs(p) % 100 !== 0 ? `${fmt(p, 1)}%` : `${whole}%`;
}
