import { randomInt } from 'node:crypto';

/**
 * Fisher–Yates with a CSPRNG. Anonymous ballots are listed in this order, so
 * their order never follows time, id or anything that could name a voter.
 */
export function secureShuffle<T>(xs: readonly T[]): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}
