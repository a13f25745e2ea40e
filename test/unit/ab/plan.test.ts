import { describe, expect, it } from 'vitest';
import { abSchedule, blocksPerRound, blockTurns, flattenSchedule } from '../../../src/ab/plan.js';

describe('ABBA schedule', () => {
  it('one band: A B B A A B … across rounds', () => {
    const seq = flattenSchedule(abSchedule([0], 4))
      .map((s) => (s.side === 'base' ? 'A' : 'B'))
      .join('');
    expect(seq).toBe('ABBAABBA');
  });
  it('rounds outer, bands inner; each band alternates its first side from round to round', () => {
    const slots = abSchedule([0, 1], 3);
    expect(slots.map((s) => `${s.round}:${s.band_index}:${s.order[0][0]}`)).toEqual([
      '0:0:b',
      '0:1:h',
      '1:0:h',
      '1:1:b',
      '2:0:b',
      '2:1:h',
    ]);
    for (const band of [0, 1]) {
      const firsts = slots.filter((s) => s.band_index === band).map((s) => s.order[0]);
      for (let i = 1; i < firsts.length; i++) expect(firsts[i]).not.toBe(firsts[i - 1]);
    }
  });
  it('balanced: with an even number of rounds every band runs base first exactly half the time', () => {
    const slots = abSchedule([0, 1, 2], 6);
    for (const band of [0, 1, 2])
      expect(slots.filter((s) => s.band_index === band && s.order[0] === 'base')).toHaveLength(3);
    expect(flattenSchedule(slots)).toHaveLength(36);
  });
  it('confirmation rounds continue the round count and the alternation', () => {
    const slots = abSchedule([1], 2, 5);
    expect(slots.map((s) => [s.round, s.order[0]])).toEqual([
      [5, 'head'],
      [6, 'base'],
    ]);
    expect(() => abSchedule([0], 0)).toThrow(RangeError);
  });
});

import { INPUT_DEFAULTS, readAbInputs } from '../../../src/github/inputs.js';
import { parseRounds } from '../../../src/commands/ab.js';

describe('ab inputs and flags', () => {
  const reader = (values: Record<string, string>) => (name: string) => values[name] ?? '';
  it('defaults: 7 rounds, no confirmation, base from the event', () => {
    expect(readAbInputs(reader({}))).toEqual({ rounds: 3, confirm: false, base_ref: null });
    expect(INPUT_DEFAULTS['ab-rounds']).toBe('3');
    expect(parseRounds(undefined)).toBe(3);
  });
  it('reads and checks each input with a one-line error', () => {
    expect(readAbInputs(reader({ 'ab-rounds': '8', confirm: 'true', 'base-ref': 'abc1234' }))).toEqual({
      rounds: 8,
      confirm: true,
      base_ref: 'abc1234',
    });
    expect(() => readAbInputs(reader({ 'ab-rounds': '2' }))).toThrow(
      /^input ab-rounds: expected a whole number from 3 to 50, got "2"$/,
    );
    expect(() => readAbInputs(reader({ confirm: 'maybe' }))).toThrow(/^input confirm: expected true or false/);
    expect(() => readAbInputs(reader({ 'base-ref': '--upload-pack=x' }))).toThrow(/^input base-ref: /);
    expect(() => parseRounds('x')).toThrow(/^--rounds: expected a whole number from 3 to 50/);
  });
});

describe('ABBA blocks of turns inside a round', () => {
  it('one block per second of interleaving, at least one', () => {
    expect(blocksPerRound(15)).toBe(15);
    expect(blocksPerRound(1)).toBe(1);
    expect(blocksPerRound(0.3)).toBe(1);
    expect(blocksPerRound(2.4)).toBe(2);
  });
  it('blocks alternate A B B A | B A A B, so each side opens half of them and has two turns in each', () => {
    const turns = blockTurns(['head', 'base'], 4);
    expect(turns).toEqual([
      ['head', 'base', 'base', 'head'],
      ['base', 'head', 'head', 'base'],
      ['head', 'base', 'base', 'head'],
      ['base', 'head', 'head', 'base'],
    ]);
    // Turn k's position, averaged over a side's turns, is the same for both sides: a linear drift cancels.
    const mean = (side: string) => {
      const at = turns.flat().flatMap((s, i) => (s === side ? [i] : []));
      return at.reduce((a, b) => a + b, 0) / at.length;
    };
    expect(mean('base')).toBe(mean('head'));
  });
});
