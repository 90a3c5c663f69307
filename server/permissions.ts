import { ROOTS, type RootName } from '../shared/doc.ts';
import { LOCKED_REFUSAL } from '../shared/errors.ts';
import type { Role } from '../shared/schema.ts';

/**
 * Who may write which top-level type (PRODUCT.md "The shared document").
 * `results` belongs to the server alone; `teams` to participants while the
 * board is unlocked.
 */
const WRITERS: Record<RootName, readonly Role[]> = {
  meta: ['facilitator'],
  control: ['facilitator'],
  teams: ['facilitator', 'participant'],
  groups: ['facilitator'],
  results: [],
};

export type WriteDecision = { ok: true } | { ok: false; reason: string };

export function checkWrite(role: Role, roots: Iterable<string>, locked: boolean): WriteDecision {
  if (role === 'observer') return { ok: false, reason: 'observers cannot change the board' };
  for (const root of roots) {
    // The name is the client's: quoted, and short enough for a close frame's reason.
    // Own keys only: `in` would also find `toString`, `__proto__` and the rest of Object.prototype.
    if (!Object.hasOwn(WRITERS, root)) return { ok: false, reason: `unknown part of the document: ${JSON.stringify(root.slice(0, 40))}` };
    if (!WRITERS[root as RootName].includes(role)) {
      // `results` has no writer among the clients: the server writes it at a reveal.
      const who = WRITERS[root as RootName].length === 0 ? 'the server' : 'the facilitator';
      return { ok: false, reason: `only ${who} can change ${root}` };
    }
    if (root === ROOTS.teams && locked && role !== 'facilitator') {
      return { ok: false, reason: LOCKED_REFUSAL };
    }
  }
  return { ok: true };
}
