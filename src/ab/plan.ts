// The order of an A/B run. Rounds are the outer loop and bands the inner one, so each band's rounds
// are spread over the whole run and slow drifts (page cache, thermal, neighbours) hit both sides of
// a round alike. Inside a round the two sides of a band run back to back, and which side goes first
// alternates from pair to pair (A B | B A | A B …, the ABBA pattern) and, for each band, from round
// to round, so every band sees base-first and head-first rounds alternately and a linear drift
// cancels out of its pairs.

import type { Side } from '../results/ab-types.js';

export interface AbSlot {
  /** 0-based index into the band plan. */
  band_index: number;
  /** 0-based round, counted across the main rounds and any confirmation rounds. */
  round: number;
  /** Which side runs first in this (band, round) pair. */
  order: [Side, Side];
}

/**
 * The (band, round) pairs in execution order, for rounds [firstRound, firstRound + rounds).
 * The pair of the j-th listed band in round r runs base first when r + j is even, so within a round
 * consecutive pairs alternate (A B | B A | …) and each band alternates from round to round.
 * `bandIndices` restricts the schedule to some bands (confirmation re-runs only failing ones).
 */
export function abSchedule(bandIndices: readonly number[], rounds: number, firstRound = 0): AbSlot[] {
  if (!(Number.isInteger(rounds) && rounds >= 1))
    throw new RangeError(`abSchedule: rounds must be a positive integer, got ${rounds}`);
  const slots: AbSlot[] = [];
  for (let r = firstRound; r < firstRound + rounds; r++) {
    bandIndices.forEach((band_index, j) => {
      const order: [Side, Side] = (r + j) % 2 === 0 ? ['base', 'head'] : ['head', 'base'];
      slots.push({ band_index, round: r, order });
    });
  }
  return slots;
}

/** The sides in execution order, flattened: what the runner measures one after the other. */
export function flattenSchedule(slots: readonly AbSlot[]): { band_index: number; round: number; side: Side }[] {
  return slots.flatMap((s) => s.order.map((side) => ({ band_index: s.band_index, round: s.round, side })));
}
