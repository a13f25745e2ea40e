// The order of an A/B run. Rounds are the outer loop and bands the inner one, so each band's rounds
// are spread over the whole run and slow drifts (page cache, thermal, neighbours) hit both sides
// alike. Inside a round both sides of a band take turns on the server in ABBA blocks (blockTurns);
// which side opens a round alternates from band to band and, for each band, from round to round.

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

/**
 * Width of one turn (ms): inside a round, the two sides take turns on the server, both pools open,
 * so that a pair is measured within a second and the machine's slow drift cancels out of it.
 */
export const TURN_MS = 250;

/** ABBA blocks (4 turns, one paired observation each) in `bandDurationS` of interleaving; at least 1. */
export function blocksPerRound(bandDurationS: number): number {
  return Math.max(1, Math.round((bandDurationS * 1000) / (4 * TURN_MS)));
}

/**
 * The turns of a round's blocks: block k runs first, second, second, first, with `order` for k = 0
 * and the sides swapped from block to block (A B B A | B A A B | …), so each side goes first equally
 * often and a linear drift cancels inside every block.
 * @example blockTurns(['base', 'head'], 2) // [['base','head','head','base'], ['head','base','base','head']]
 */
export function blockTurns(order: readonly [Side, Side], blocks: number): Side[][] {
  return Array.from({ length: blocks }, (_, k) => {
    const [a, b] = k % 2 === 0 ? order : [order[1], order[0]];
    return [a, b, b, a];
  });
}
