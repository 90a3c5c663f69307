import type * as Y from 'yjs';
import { ROOTS } from '../shared/doc.ts';
import { CLOSE } from '../shared/errors.ts';
import type { Limits } from '../shared/limits.ts';
import { inspectUpdate, MAX_TEAM_VALUE_CHARS, type UpdateInspection } from './inspect.ts';
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
  const misfit = decision.ok ? shapeRefusal(room.doc, inspection, limits) : null;
  if (misfit !== null) decision = { ok: false, reason: misfit };
  if (!decision.ok) {
    peer.send(encodePermissionDenied(decision.reason));
    peer.close(CLOSE.refused, decision.reason);
    return false;
  }
  peer.unresolved = 0;
  return true;
}

/**
 * Why an update does not fit the document whoever sends it, or null when it
 * fits: `teams` must stay a map of teams holding only the schema's fields,
 * each of bounded size, and hold at most `maxTeams`. A socket's change that
 * breaks this is refused (4409); an imported log holding one is refused whole.
 */
export function shapeRefusal(doc: Y.Doc, inspection: UpdateInspection, limits: Pick<Limits, 'maxTeams'>): string | null {
  if (inspection.misfit) return `a team holds only its own fields, each at most ${MAX_TEAM_VALUE_CHARS} characters`;
  if (inspection.newTeams > 0 && doc.getMap(ROOTS.teams).size + inspection.newTeams > limits.maxTeams) {
    return `this workshop has as many teams as it may (${limits.maxTeams})`;
  }
  return null;
}

/**
 * Why a logged update could not have come through `admitUpdate`, whoever its
 * author, or null: what an imported log is held to, entry by entry, against the
 * document the entries before it make. The log keeps whatever it is given, so
 * a file must not carry what no socket could have stored. Roles are not
 * checked: the authors in a file are only its own say-so.
 */
export function logEntryRefusal(doc: Y.Doc, update: Uint8Array, limits: Pick<Limits, 'maxTeams'>): string | null {
  let inspection;
  try {
    inspection = inspectUpdate(doc, update);
  } catch {
    return 'not a valid Yjs update';
  }
  if (inspection.malformed) return 'does not fit the document schema';
  // What Yjs would hold back here arrives with a later entry, past that entry's inspection.
  if (inspection.missing) return 'depends on changes no earlier entry holds';
  const reason = shapeRefusal(doc, inspection, limits);
  return reason && inspection.misfitDetail ? `${reason} (${inspection.misfitDetail})` : reason;
}
