import { summarize } from './stats.ts';
import type { Aggregate, BallotValue, VoteKind } from './votes.ts';

export interface CountedBallot {
  group: string | null;
  value: BallotValue;
}

/** The key under which ballots of participants in no group are counted. */
export const NO_GROUP = '_none';

/**
 * Aggregates of one vote, overall and per group: median and quartiles of the
 * stage (or of autonomy and controls), a count per choice, and every value.
 * `shuffle` decides the order of the anonymous values (random in production,
 * identity in tests), so the order never reveals who voted what.
 */
export function tally(
  kind: VoteKind,
  ballots: readonly CountedBallot[],
  choices: readonly string[] | null,
  shuffle: <T>(xs: T[]) => T[] = (xs) => xs,
): { overall: Aggregate; byGroup: Record<string, Aggregate> } {
  const groups = new Map<string, BallotValue[]>();
  for (const b of ballots) {
    const key = b.group ?? NO_GROUP;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(b.value);
  }
  const byGroup: Record<string, Aggregate> = {};
  for (const [g, values] of groups) byGroup[g] = aggregate(kind, values, choices, shuffle);
  return {
    overall: aggregate(
      kind,
      ballots.map((b) => b.value),
      choices,
      shuffle,
    ),
    byGroup,
  };
}

function aggregate(kind: VoteKind, values: BallotValue[], choices: readonly string[] | null, shuffle: <T>(xs: T[]) => T[]): Aggregate {
  const n = values.length;
  if (kind === 'stage') {
    const xs = values.map((v) => (v as { stage: number }).stage);
    return { n, ...(n ? { stage: summarize(xs) } : {}), values: shuffle(xs) };
  }
  if (kind === 'risk') {
    const pts = values.map((v) => v as { autonomy: number; controls: number });
    return {
      n,
      ...(n ? { autonomy: summarize(pts.map((p) => p.autonomy)), controls: summarize(pts.map((p) => p.controls)) } : {}),
      values: shuffle(pts.map((p) => [p.autonomy, p.controls] as [number, number])),
    };
  }
  const counts: Record<string, number> = {};
  for (const c of choices ?? []) counts[c] = 0;
  for (const v of values) {
    const c = (v as { choice: string }).choice;
    counts[c] = (counts[c] ?? 0) + 1;
  }
  return { n, choices: counts, values: shuffle(values.map((v) => (v as { choice: string }).choice)) };
}
