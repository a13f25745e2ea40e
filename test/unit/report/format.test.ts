import { describe, expect, it } from 'vitest';
import {
  formatDuration,
  formatMs,
  formatNumber,
  formatPercent,
  formatSig,
  formatTps,
  MISSING,
} from '../../../src/report/index.js';

describe('number formatting', () => {
  it('formats throughput with separators and size-dependent decimals', () => {
    expect(formatTps(1234.49)).toBe('1,234');
    expect(formatTps(2_341_000.4)).toBe('2,341,000');
    expect(formatTps(56.74)).toBe('56.7');
    expect(formatTps(3.254)).toBe('3.25');
    expect(formatTps(null)).toBe(MISSING);
    expect(formatTps(Number.NaN)).toBe(MISSING);
  });

  it('formats milliseconds with 1–3 decimals', () => {
    expect(formatMs(0.1234)).toBe('0.123');
    expect(formatMs(4.567)).toBe('4.57');
    expect(formatMs(45.25)).toBe('45.3');
    expect(formatMs(1234.5)).toBe('1,234.5');
    expect(formatMs(0)).toBe('0.0');
    expect(formatMs(undefined)).toBe(MISSING);
  });

  it('formats fractions as percentages, keeping tiny rates visible', () => {
    expect(formatPercent(0.0234)).toBe('2.3%');
    expect(formatPercent(0.97, 0)).toBe('97%');
    expect(formatPercent(0.005)).toBe('0.50%');
    expect(formatPercent(0.0000095)).toBe('0.00095%');
    expect(formatPercent(0)).toBe('0.0%');
  });

  it('formats coefficients by significant digits and durations compactly', () => {
    expect(formatSig(0.03, 3)).toBe('0.0300');
    expect(formatSig(0.0008, 3)).toBe('8.00e-4');
    expect(formatSig(48.2, 4)).toBe('48.20');
    expect(formatNumber(-0.0001, 2)).toBe('0.00');
    expect(formatDuration(90)).toBe('1m30s');
    expect(formatDuration(3600)).toBe('1h');
    expect(formatDuration(0.5)).toBe('500ms');
  });
});
