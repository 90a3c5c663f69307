import * as Y from 'yjs';
import { z } from 'zod';
import { TEXT } from './limits.ts';
import { Template } from './template.ts';
import { ControlVote, VoteResult } from './votes.ts';

/**
 * The shared document, defined once. Top-level types and who may write them
 * (PRODUCT.md "The shared document"); the server's permission filter and every
 * view read this table.
 */
export const ROOTS = {
  meta: 'meta',
  control: 'control',
  teams: 'teams',
  groups: 'groups',
  results: 'results',
} as const;
export type RootName = (typeof ROOTS)[keyof typeof ROOTS];
export const ROOT_NAMES: readonly RootName[] = Object.values(ROOTS);

export const RELIANCE = ['guardrails', 'guarantees', 'mixed'] as const;
export type Reliance = (typeof RELIANCE)[number];

/** Fields of one team, as stored in its Y.Map. Each is validated on read, one by one. */
export const TeamFields = {
  name: z.string().trim().min(1).max(TEXT.teamName),
  color: z.string().regex(/^#[0-9a-fA-F]{6}$/),
  createdAt: z.number().finite(),
  stageCurrent: z.number().finite(),
  stageTarget: z.number().finite(),
  autonomy: z.number().min(0).max(1),
  controls: z.number().min(0).max(1),
  autonomyTarget: z.number().min(0).max(1),
  controlsTarget: z.number().min(0).max(1),
  reliance: z.enum(RELIANCE),
  bottleneck: z.string().max(TEXT.note),
  commitment: z.string().max(TEXT.note),
  owner: z.string().max(TEXT.displayName),
} as const;

export type TeamField = keyof typeof TeamFields;
export type TeamValues = { [K in TeamField]?: z.infer<(typeof TeamFields)[K]> };
export type Team = TeamValues & { id: string; name: string; color: string };

/**
 * Reads one field, returning undefined for a value out of range or of the
 * wrong type: PRODUCT.md says such values are ignored by every reader.
 * Stage values are also checked against the template's stage count.
 */
export function readTeamField<K extends TeamField>(map: Y.Map<unknown>, key: K, stageMax: number): TeamValues[K] | undefined {
  const parsed = TeamFields[key].safeParse(map.get(key));
  if (!parsed.success) return undefined;
  const value = parsed.data as TeamValues[K];
  if ((key === 'stageCurrent' || key === 'stageTarget') && ((value as number) < 1 || (value as number) > stageMax)) {
    return undefined;
  }
  return value;
}

export const FALLBACK_TEAM_COLOR = '#6b7280';

/** Every team with a valid name, in creation order; invalid fields are dropped. */
export function readTeams(doc: Y.Doc, stageMax: number): Team[] {
  const teams: Team[] = [];
  doc.getMap<unknown>(ROOTS.teams).forEach((value, id) => {
    if (!(value instanceof Y.Map)) return;
    const map = value as Y.Map<unknown>;
    const name = readTeamField(map, 'name', stageMax);
    if (name === undefined) return;
    const team: Team = { id, name, color: readTeamField(map, 'color', stageMax) ?? FALLBACK_TEAM_COLOR };
    for (const key of Object.keys(TeamFields) as TeamField[]) {
      if (key === 'name' || key === 'color') continue;
      const v = readTeamField(map, key, stageMax);
      if (v !== undefined) (team as Record<string, unknown>)[key] = v;
    }
    teams.push(team);
  });
  return teams.sort((a, b) => (a.createdAt ?? 0) - (b.createdAt ?? 0) || a.id.localeCompare(b.id));
}

/** Adds a team in one transaction, so peers never see a nameless team. */
export function addTeam(doc: Y.Doc, id: string, values: TeamValues & { name: string; color: string }): void {
  doc.transact(() => {
    const map = new Y.Map<unknown>();
    doc.getMap<unknown>(ROOTS.teams).set(id, map);
    for (const [k, v] of Object.entries(values)) if (v !== undefined) map.set(k, v);
  });
}

export function setTeamField<K extends TeamField>(doc: Y.Doc, id: string, key: K, value: TeamValues[K]): void {
  const map = doc.getMap<unknown>(ROOTS.teams).get(id);
  if (map instanceof Y.Map) map.set(key, value);
}

export const Timer = z.object({
  endsAt: z.number().finite().nullable(),
  durationMs: z.number().finite().min(0),
  /** Remaining time while paused; null while running. */
  pausedRemainingMs: z.number().finite().min(0).nullable().optional(),
});
export type Timer = z.infer<typeof Timer>;

export const ControlFields = {
  step: z.number().int().min(0),
  followMe: z.boolean(),
  locked: z.boolean(),
  timer: Timer.nullable(),
  spotlight: z.string().nullable(),
  vote: ControlVote.nullable(),
  /** strict: every screen moves with the facilitator; gentle: one that looked away is asked first. */
  followMode: z.enum(['strict', 'gentle']),
  /** The facilitator put the Insights panel on every screen. */
  showInsights: z.boolean(),
  /** The projector shows the join code (and observers may read it); the facilitator can switch it off. */
  showJoin: z.boolean(),
} as const;

export interface Control {
  step: number;
  followMe: boolean;
  locked: boolean;
  timer: Timer | null;
  spotlight: string | null;
  vote: ControlVote | null;
  followMode: 'strict' | 'gentle';
  showInsights: boolean;
  showJoin: boolean;
}

/** A new workshop starts unlocked, at agenda step 0, with follow-me off. */
export const INITIAL_CONTROL: Control = {
  step: 0,
  followMe: false,
  locked: false,
  timer: null,
  spotlight: null,
  vote: null,
  followMode: 'strict',
  showInsights: false,
  showJoin: true,
};

export function readControl(doc: Y.Doc): Control {
  const map = doc.getMap<unknown>(ROOTS.control);
  const out = { ...INITIAL_CONTROL } as Record<string, unknown>;
  for (const [key, schema] of Object.entries(ControlFields)) {
    const parsed = schema.safeParse(map.get(key));
    if (parsed.success) out[key] = parsed.data;
  }
  return out as unknown as Control;
}

export interface Meta {
  title: string;
  template: Template;
  createdAt: number;
}

/** Reads the template stored with the workshop, falling back when it is missing or broken. */
export function readMeta(doc: Y.Doc, fallback: Template): Meta {
  const map = doc.getMap<unknown>(ROOTS.meta);
  const title = z.string().safeParse(map.get('title'));
  const template = Template.safeParse(map.get('template'));
  const createdAt = z.number().safeParse(map.get('createdAt'));
  return {
    title: title.success ? title.data : '',
    template: template.success ? template.data : fallback,
    createdAt: createdAt.success ? createdAt.data : 0,
  };
}

/** What the server writes into a new workshop's document. */
export function initWorkshopDoc(doc: Y.Doc, meta: Meta): void {
  doc.transact(() => {
    const m = doc.getMap<unknown>(ROOTS.meta);
    m.set('title', meta.title);
    m.set('template', meta.template);
    m.set('createdAt', meta.createdAt);
    const c = doc.getMap<unknown>(ROOTS.control);
    for (const [k, v] of Object.entries(INITIAL_CONTROL)) c.set(k, v);
  });
}

/**
 * The roster and breakout groups live in `groups`:
 * - `members`: participant id → { name, group } (the server writes joins,
 *   renames and removals; the facilitator moves people between groups);
 * - `list`: group id → { name, teamIds } (the facilitator forms groups).
 * Values are plain JSON objects, replaced whole on change.
 */
export const GROUP_KEYS = { members: 'members', list: 'list' } as const;

export const Member = z.object({
  name: z.string().min(1).max(TEXT.displayName),
  group: z.string().max(64).nullable(),
});
export type Member = z.infer<typeof Member> & { id: string };

export const Group = z.object({
  name: z.string().min(1).max(TEXT.teamName),
  teamIds: z.array(z.string().max(64)).max(50),
});
export type Group = z.infer<typeof Group> & { id: string };

function subMap(doc: Y.Doc, key: string): Y.Map<unknown> | undefined {
  const m = doc.getMap<unknown>(ROOTS.groups).get(key);
  return m instanceof Y.Map ? (m as Y.Map<unknown>) : undefined;
}

/** Creates the `members` and `list` maps if missing; the server calls it before its first roster write. */
export function ensureGroupMaps(doc: Y.Doc): { members: Y.Map<unknown>; list: Y.Map<unknown> } {
  const root = doc.getMap<unknown>(ROOTS.groups);
  let members = subMap(doc, GROUP_KEYS.members);
  if (!members) root.set(GROUP_KEYS.members, (members = new Y.Map()));
  let list = subMap(doc, GROUP_KEYS.list);
  if (!list) root.set(GROUP_KEYS.list, (list = new Y.Map()));
  return { members, list };
}

export function readMembers(doc: Y.Doc): Member[] {
  const out: Member[] = [];
  subMap(doc, GROUP_KEYS.members)?.forEach((v, id) => {
    const parsed = Member.safeParse(v);
    if (parsed.success) out.push({ id, ...parsed.data });
  });
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

export function readGroups(doc: Y.Doc): Group[] {
  const out: Group[] = [];
  subMap(doc, GROUP_KEYS.list)?.forEach((v, id) => {
    const parsed = Group.safeParse(v);
    if (parsed.success) out.push({ id, ...parsed.data });
  });
  return out.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
}

/** Revealed vote rounds, oldest first; entries that do not parse are skipped. */
export function readResults(doc: Y.Doc): VoteResult[] {
  const out: VoteResult[] = [];
  doc.getMap<unknown>(ROOTS.results).forEach((v) => {
    const parsed = VoteResult.safeParse(v);
    if (parsed.success) out.push(parsed.data);
  });
  return out.sort((a, b) => a.revealedAt - b.revealedAt);
}

/**
 * How people get into breakout groups (`groups.mode`): the facilitator places
 * them ("manual"), the server places each new joiner in the smallest group
 * ("auto"), or participants pick their own through the API ("pick").
 */
export const GROUP_MODES = ['manual', 'auto', 'pick'] as const;
export type GroupMode = (typeof GROUP_MODES)[number];

export function readGroupMode(doc: Y.Doc): GroupMode {
  const v = doc.getMap<unknown>(ROOTS.groups).get('mode');
  return (GROUP_MODES as readonly unknown[]).includes(v) ? (v as GroupMode) : 'manual';
}

/** The group with the fewest members (the first such in display order), or null when there are none. */
export function smallestGroup(groups: readonly Group[], members: readonly Member[]): string | null {
  let best: { id: string; n: number } | null = null;
  for (const g of groups) {
    const n = members.filter((m) => m.group === g.id).length;
    if (!best || n < best.n) best = { id: g.id, n };
  }
  return best?.id ?? null;
}
