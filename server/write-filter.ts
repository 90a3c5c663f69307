import type * as Y from 'yjs';
import { ROOTS } from '../shared/doc.ts';
import { CLOSE } from '../shared/errors.ts';
import type { Limits } from '../shared/limits.ts';
import { inspectUpdate, MAX_TEAM_VALUE_CHARS } from './inspect.ts';
import { checkWrite } from './permissions.ts';
import { encodePermissionDenied, encodeSyncStep1 } from './protocol.ts';
import type { Peer } from './room.ts';

/**
 * Whether a peer's update may be written to the room's log. It must decode,
 * fit the document schema, have every dependency in the server's document,
 * carry something the server lacks, and touch only what the peer's role may
 * write. Anything else is dealt with here (a resync request, a refusal, a
 * close) and is never stored, applied or sent.
 */
export function admitUpdate(
  room: { readonly doc: Y.Doc; readonly locked: boolean },
  peer: Peer,
  update: Uint8Array,
  limits: Pick<Limits, 'maxUnresolvedUpdates' | 'maxTeams'>,
): boolean {
  let inspection;
  try {
    inspection = inspectUpdate(room.doc, update);
  } catch {
    peer.close(CLOSE.invalidData, 'malformed update');
    return false;
  }
  if (inspection.malformed) {
    peer.close(CLOSE.invalidData, 'update does not fit the document schema');
    return false;
  }
  if (inspection.missing) {
    // Ask the peer for everything we lack; an honest client answers with the
    // missing structs. One that keeps sending unresolvable updates is cut off
    // rather than left to pile them up.
    if (++peer.unresolved > limits.maxUnresolvedUpdates) {
      peer.close(CLOSE.policyViolation, 'too many updates with missing dependencies');
    } else {
      peer.send(encodeSyncStep1(room.doc));
    }
    return false;
  }
  if (!inspection.fresh) return false;
  let decision = checkWrite(peer.role, inspection.roots, room.locked);
  if (decision.ok && inspection.misfit) {
    decision = { ok: false, reason: `a team holds only its own fields, each at most ${MAX_TEAM_VALUE_CHARS} characters` };
  }
  if (decision.ok && inspection.newTeams > 0 && room.doc.getMap(ROOTS.teams).size + inspection.newTeams > limits.maxTeams) {
    decision = { ok: false, reason: `this workshop has as many teams as it may (${limits.maxTeams})` };
  }
  if (!decision.ok) {
    peer.send(encodePermissionDenied(decision.reason));
    peer.close(CLOSE.refused, decision.reason);
    return false;
  }
  peer.unresolved = 0;
  return true;
}
