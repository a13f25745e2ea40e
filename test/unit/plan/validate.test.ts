// The one validator of ranges and band counts; the config loader adds positions to these messages.
import { describe, expect, it } from 'vitest';
import { MAX_PLAN_BANDS, planProblem, type PlanRanges } from '../../../src/plan/index.js';

const ranges = (over: Partial<PlanRanges> = {}): PlanRanges => ({
  enabled: true,
  strategy: 'linear',
  workers: { min: 1, max: 8, step: 1 },
  connections: { min: 1, max: 8, step: 1 },
  ...over,
});

describe('planProblem', () => {
  it('accepts a plan of 8 × 8 = 64 linear bands', () => {
    expect(planProblem(ranges())).toBeNull();
  });

  it('names min_workers when it exceeds max_workers', () => {
    expect(planProblem(ranges({ workers: { min: 50, max: 10, step: 1 } }))).toEqual({
      key: 'min_workers',
      message: 'min_workers (50) must not exceed max_workers (10)',
    });
  });

  it('says which connection bound was defaulted, and points at the one that was given', () => {
    const problem = planProblem(
      ranges({
        connections: { min: 10, max: 5, step: 1 },
        defaulted: { min_connections: true, max_connections: false },
      }),
    );
    expect(problem).toEqual({
      key: 'max_connections',
      message: 'min_connections (10, defaulted from min_workers) must not exceed max_connections (5)',
    });
  });

  it('refuses non-integers and zero steps', () => {
    expect(planProblem(ranges({ workers: { min: 1, max: 8, step: 0 } }))?.message).toMatch(
      /step_workers \(0\) must be integers/,
    );
    expect(planProblem(ranges({ connections: { min: 1.5, max: 8, step: 1 } }))?.key).toBeNull();
  });

  it('counts linear bands as (1000 − 1)/1 + 1 = 1000 per axis, 1000 × 1000 = 1 000 000 in all: too many', () => {
    const problem = planProblem(
      ranges({ workers: { min: 1, max: 1000, step: 1 }, connections: { min: 1, max: 1000, step: 1 } }),
    );
    expect(problem?.key).toBeNull();
    expect(problem?.message).toMatch(
      new RegExp(`^the linear strategy would plan 1000000 bands .* expected at most ${MAX_PLAN_BANDS};`),
    );
    // A disabled block plans one band, whatever its ranges.
    expect(
      planProblem(
        ranges({
          enabled: false,
          workers: { min: 1, max: 1000, step: 1 },
          connections: { min: 1, max: 1000, step: 1 },
        }),
      ),
    ).toBeNull();
  });
});
