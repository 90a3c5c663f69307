import type * as Y from 'yjs';
import { ROOTS, Timer, type Control } from '../../shared/doc.ts';
import { timeIsUp } from '../../shared/timer.ts';

/** Facilitator writes to `control`; the server refuses them from anyone else. */
export function setControl<K extends keyof Control>(doc: Y.Doc, key: K, value: Control[K]): void {
  doc.getMap<unknown>(ROOTS.control).set(key, value);
}

/**
 * Moves the session to another agenda step. A timer that has run out was
 * for the step being left: it goes in the same transaction, so no screen
 * shows the new step with the old "time is up". On its own step it stays
 * at zero, so the room sees that time is up. A running or paused timer
 * carries on.
 */
export function goToStep(doc: Y.Doc, step: number, serverNow: number): void {
  const control = doc.getMap<unknown>(ROOTS.control);
  if (control.get('step') === step) return;
  doc.transact(() => {
    control.set('step', step);
    const timer = Timer.safeParse(control.get('timer'));
    if (timer.success && timeIsUp(timer.data, serverNow)) control.set('timer', null);
  });
}
