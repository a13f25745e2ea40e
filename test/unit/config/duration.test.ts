import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../../src/config/index.js';
import { UserError } from '../../../src/errors.js';

describe('parseDuration', () => {
  it.each([
    ['30s', 30],
    ['1m30s', 90],
    ['2m', 120],
    ['500ms', 0.5],
    ['1h', 3600],
    ['1.5s', 1.5],
    ['1h2m3s', 3723],
    ['250us', 0.00025],
    ['250µs', 0.00025],
    ['10ns', 1e-8],
    ['.5s', 0.5],
    ['0s', 0],
    ['0', 0],
    ['45', 45],
    ['2.25', 2.25],
    ['1m0.1s', 60.1],
  ])('%s is %d seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each(['', ' ', '-5s', '30 seconds', 's', '1x', '1.2.3s', '1m-3s', 'abc', '30S', '5d', '1e3s', 'NaN', 'Infinity'])(
    'rejects %j as a UserError naming the field',
    (text) => {
      let error: unknown;
      try {
        parseDuration(text, 'progressive.band_duration');
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(UserError);
      expect((error as UserError).message).toBe(
        `progressive.band_duration: expected a duration such as "30s", "1m30s" or "500ms", or a number of seconds, got ${JSON.stringify(text)}`,
      );
    },
  );

  it('rejects a duration too large to represent', () => {
    expect(() => parseDuration(`${'9'.repeat(400)}h`)).toThrow(/too large/);
  });

  it('formats seconds back to Go-style text', () => {
    expect([30, 90, 3723, 0.5, 0, 120].map(formatDuration)).toEqual(['30s', '1m30s', '1h2m3s', '500ms', '0s', '2m']);
  });
});
