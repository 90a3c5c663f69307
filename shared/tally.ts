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
  // Built from entries, not by assignment: a key such as "__proto__" stays an own key.
  const byGroup: Record<string, Aggregate> = Object.fromEntries(
    [...groups].map(([g, values]) => [g, aggregate(kind, values, choices, shuffle)]),
  );
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
  const counts = new Map<string, number>((choices ?? []).map((c) => [c, 0]));
  for (const v of values) {
    const c = (v as { choice: string }).choice;
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  return { n, choices: Object.fromEntries(counts), values: shuffle(values.map((v) => (v as { choice: string }).choice)) };
}

/** A stage position as every view shows it, one decimal: the result card, the insights and the rounds say the same "2.5". */
export function formatStage(v: number): string {
  // Round first: toFixed alone rounds the binary value, so 1.45 would read "1.4" in one place and "1.5" in another.
  return (Math.round(v * 10) / 10).toFixed(1);
}

/** A stage as formatStage reads it, or a dash where the team has none. */
export function formatStageOrDash(v: number | undefined): string {
  return v === undefined ? '–' : formatStage(v);
}

/** A share from 0 to 1 (autonomy, controls) as a whole percent, as the risk diagonal shows it. */
export function formatShare(v: number): string {
  return `${Math.round(v * 100)}%`;
}

/**
 * The groups whose ballots make up a result when they are not the whole room,
 * in `groupIds` order; null for the room. `asked` is what the result records
 * (VoteResult.groups): the groups the vote was opened for, or null for the
 * whole room, which settles the question. Results revealed before that field
 * existed leave it undefined, and then this reads it from the ballots: all
 * from one group, or all from groups that still exist but not from every one.
 */
export function resultGroups(
  byGroup: Readonly<Record<string, unknown>>,
  groupIds: readonly string[],
  asked?: readonly string[] | null,
): string[] | null {
  if (asked === null) return null;
  const from = asked ?? Object.keys(byGroup);
  if (from.length === 0 || from.includes(NO_GROUP)) return null;
  if (!asked && from.length > 1 && (from.some((g) => !groupIds.includes(g)) || groupIds.every((g) => from.includes(g)))) return null;
  const rank = (g: string) => (groupIds.includes(g) ? groupIds.indexOf(g) : groupIds.length);
  return [...from].sort((a, b) => rank(a) - rank(b));
}

/** "Group A", "Group A and Group B", "Group A, Group B and Group C"; a group deleted since is a "former group". */
export function groupListName(ids: readonly string[], names: Readonly<Record<string, string>>): string {
  const named = ids.map((id, i) => names[id] ?? (i === 0 ? 'Former group' : 'a former group'));
  return named.length > 1 ? `${named.slice(0, -1).join(', ')} and ${named[named.length - 1]}` : (named[0] ?? '');
}

export interface ResultPanel<A = Aggregate> {
  /** 'overall', or the group id. */
  id: string;
  label: string;
  agg: A;
}

/**
 * One revealed round as the panels it is shown in, on the board and in the
 * report: first everyone who voted ("Everyone", or the groups the vote was
 * for), then each group that cast only part of the ballots, the viewer's own
 * group first. A group renamed away or deleted since still shows, under a
 * neutral name. `groups` is the current list, in its display order.
 */
export function resultPanels<A extends { n: number } = Aggregate>(
  r: { overall: A; byGroup: Readonly<Record<string, A>>; groups?: readonly string[] | null },
  groups: readonly { id: string; name: string }[],
  myGroup: string | null = null,
): ResultPanel<A>[] {
  const names = Object.fromEntries(groups.map((g) => [g.id, g.name]));
  const audience = resultGroups(
    r.byGroup,
    groups.map((g) => g.id),
    r.groups,
  );
  const yours = (id: string) => (id === myGroup ? ' (your group)' : '');
  const out = [
    {
      id: 'overall',
      label: audience ? `${groupListName(audience, names)}${audience.length === 1 ? yours(audience[0]!) : ''}` : 'Everyone',
      agg: r.overall,
    },
  ];
  // A group that cast every ballot would repeat the first panel.
  const split = Object.keys(r.byGroup).filter((id) => r.byGroup[id]!.n < r.overall.n);
  const named = groups.map((g) => g.id).filter((id) => split.includes(id));
  named.sort((a, b) => Number(b === myGroup) - Number(a === myGroup));
  for (const id of named) out.push({ id, label: `${names[id]}${yours(id)}`, agg: r.byGroup[id]! });
  for (const id of split) {
    if (named.includes(id)) continue;
    out.push({ id, label: id === NO_GROUP ? 'Not in a group' : 'Former group', agg: r.byGroup[id]! });
  }
  return out;
}

/** Whether a member may vote in a vote for `groups` (null: everyone). */
export const mayVote = (member: { group: string | null }, groups: readonly string[] | null): boolean =>
  !groups || (member.group !== null && groups.includes(member.group));

/**
 * Who may vote, overall and per group (participants in no group under
 * NO_GROUP): everyone on the roster, or only the members of the groups a vote
 * is for. The server's auto-reveal waits for the same people.
 */
export function eligibleVoters(
  members: readonly { group: string | null }[],
  groups: readonly string[] | null,
): { total: number; byGroup: Record<string, number> } {
  const byGroup: Record<string, number> = {};
  let total = 0;
  for (const m of members) {
    if (!mayVote(m, groups)) continue;
    const key = m.group ?? NO_GROUP;
    byGroup[key] = (byGroup[key] ?? 0) + 1;
    total++;
  }
  return { total, byGroup };
}

/**
 * A result in one line, as the projector's wrap-up lists it: the median stage, the median point, or
 * the most chosen option(s) with their count.
 */
export function headline(agg: Aggregate): string {
  if (agg.stage) return `median ${formatStage(agg.stage.median)}`;
  if (agg.autonomy && agg.controls)
    return `median ${formatShare(agg.autonomy.median)} autonomy, ${formatShare(agg.controls.median)} controls`;
  const counts = Object.entries(agg.choices ?? {});
  const most = Math.max(0, ...counts.map(([, n]) => n));
  if (most === 0) return 'no votes';
  const top = counts.filter(([, n]) => n === most).map(([c]) => c);
  return `${top.join(' / ')} (${most} of ${agg.n})`;
}
