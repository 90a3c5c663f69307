import type { Logger } from './log.ts';
import type { Store } from './store.ts';

export type PresenceKind = 'connect' | 'disconnect';

/**
 * Stores a socket arriving or leaving, for the replay timeline. Presence is
 * not in the update log (awareness is never stored), so it has its own table.
 * A failure here must never cost the connection, so it is logged, not thrown.
 */
export function recordPresence(
  opts: { store: Store; log: Logger; now: () => number },
  workshopId: string,
  peer: { author: string; role: string },
  kind: PresenceKind,
): void {
  const fail = (err: unknown) => opts.log('warn', 'could not record presence', { workshop: workshopId, kind, error: String(err) });
  try {
    const r = opts.store.appendEvent(workshopId, { at: opts.now(), kind, actor: peer.author, data: { role: peer.role } });
    if (r instanceof Promise) r.catch(fail);
  } catch (err) {
    fail(err);
  }
}
