import { ensureGroupMaps, readMembers } from '../shared/doc.ts';
import type { Room } from './room.ts';
import type { Store } from './store.ts';

/**
 * Brings the document's roster (`groups.members`) in line with the store. In
 * a cluster (issue 10) a join lands on any process, which stores the
 * participant and announces it; the process serving the workshop writes it
 * here, and again on load for joins nobody was serving. Writes only when
 * something differs, so an unchanged roster adds nothing to the log.
 */
export async function syncRoster(room: Room, store: Store): Promise<void> {
  const all = await store.listParticipants(room.id);
  const current = new Map(readMembers(room.doc).map((m) => [m.id, m]));
  const missing = all.filter((p) => p.removedAt === null && current.get(p.id)?.name !== p.name);
  const gone = all.filter((p) => p.removedAt !== null && current.has(p.id)).map((p) => p.id);
  if (missing.length === 0 && gone.length === 0) return;
  await room.serverChange((doc) => {
    const { members } = ensureGroupMaps(doc);
    for (const p of missing) members.set(p.id, { name: p.name, group: current.get(p.id)?.group ?? null });
    for (const id of gone) members.delete(id);
  });
}
