// "Did you mean …?" for unknown keys and enum values.

export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      );
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/**
 * The nearest candidate, when it is near enough to be a typo: within 2 edits for short words,
 * 3 for longer ones, or a prefix of at least 3 characters ("user" → "username").
 */
export function didYouMean(input: string, candidates: readonly string[]): string | null {
  const needle = input.toLowerCase();
  const limit = needle.length <= 5 ? 2 : 3;
  let best: { candidate: string; distance: number } | null = null;
  for (const candidate of candidates) {
    const distance = levenshtein(needle, candidate.toLowerCase());
    if (distance <= limit && (!best || distance < best.distance)) best = { candidate, distance };
  }
  if (best) return best.candidate;
  if (needle.length >= 3) {
    const prefixed = candidates.find((c) => c.toLowerCase().startsWith(needle) || needle.startsWith(c.toLowerCase()));
    if (prefixed) return prefixed;
  }
  return null;
}
