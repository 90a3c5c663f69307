import * as Y from 'yjs';
import {
  ensureGroupMaps,
  Group,
  Member,
  ROOTS,
  smallestGroup,
  type Group as GroupT,
  type GroupMode,
  type Member as MemberT,
} from '../../shared/doc.ts';
import { randomId } from './ids.ts';

/**
 * Breakout groups, written by the facilitator's browser straight into the
 * document's `groups` map (the server lets only the facilitator write it).
 * The mode (`groups.mode`, shared/doc.ts) says how people get into groups.
 */
export { readGroupMode, smallestGroup, type GroupMode } from '../../shared/doc.ts';

export function setGroupMode(doc: Y.Doc, mode: GroupMode): void {
  doc.getMap<unknown>(ROOTS.groups).set('mode', mode);
}

/** Fisher–Yates; `random` is injectable so tests can fix the order. */
export function shuffled<T>(xs: readonly T[], random: () => number = Math.random): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/** Deals ids at random into `n` groups whose sizes differ by at most one. */
export function dealEvenly(ids: readonly string[], n: number, random?: () => number): string[][] {
  const out: string[][] = Array.from({ length: Math.max(1, n) }, () => []);
  shuffled(ids, random).forEach((id, i) => out[i % out.length]!.push(id));
  return out;
}

/** Moves one participant; a no-op if the server has not written its member entry yet. */
export function moveMember(doc: Y.Doc, memberId: string, group: string | null): void {
  const { members } = ensureGroupMaps(doc);
  const prev = Member.safeParse(members.get(memberId));
  if (prev.success && prev.data.group !== group) members.set(memberId, { ...prev.data, group });
}

export function addGroup(doc: Y.Doc, name: string): string {
  const id = randomId();
  ensureGroupMaps(doc).list.set(id, { name, teamIds: [] });
  return id;
}

/** Deletes a group; its members become ungrouped. */
export function removeGroup(doc: Y.Doc, groupId: string, members: readonly MemberT[]): void {
  doc.transact(() => {
    for (const m of members) if (m.group === groupId) moveMember(doc, m.id, null);
    ensureGroupMaps(doc).list.delete(groupId);
  });
}

export function renameGroup(doc: Y.Doc, groupId: string, name: string): void {
  const { list } = ensureGroupMaps(doc);
  const prev = Group.safeParse(list.get(groupId));
  const trimmed = name.trim();
  if (prev.success && trimmed && trimmed !== prev.data.name) list.set(groupId, { ...prev.data, name: trimmed });
}

export function setGroupTeams(doc: Y.Doc, groupId: string, teamIds: string[]): void {
  const { list } = ensureGroupMaps(doc);
  const prev = Group.safeParse(list.get(groupId));
  if (prev.success) list.set(groupId, { ...prev.data, teamIds });
}

/**
 * Splits everyone into `n` groups at random. Existing groups are kept (with
 * their names and teams) up to `n`, more are added as "Group k", and groups
 * beyond `n` are deleted. One transaction: every screen sees one change.
 */
export function splitIntoGroups(
  doc: Y.Doc,
  n: number,
  groups: readonly GroupT[],
  members: readonly MemberT[],
  random?: () => number,
): void {
  doc.transact(() => {
    const ids = groups.slice(0, n).map((g) => g.id);
    for (let k = ids.length; k < n; k++) ids.push(addGroup(doc, `Group ${k + 1}`));
    const { list } = ensureGroupMaps(doc);
    for (const g of groups.slice(n)) list.delete(g.id);
    dealEvenly(
      members.map((m) => m.id),
      n,
      random,
    ).forEach((memberIds, i) => {
      for (const id of memberIds) moveMember(doc, id, ids[i]!);
    });
  });
}

/** Places every ungrouped participant into the currently smallest group. */
export function placeLateJoiners(doc: Y.Doc, groups: readonly GroupT[], members: readonly MemberT[]): void {
  if (groups.length === 0) return;
  const current = members.map((m) => ({ ...m }));
  const waiting = current.filter((m) => m.group === null);
  if (waiting.length === 0) return;
  doc.transact(() => {
    for (const m of waiting) {
      const g = smallestGroup(groups, current)!;
      m.group = g;
      moveMember(doc, m.id, g);
    }
  });
}
