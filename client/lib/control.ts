import type * as Y from 'yjs';
import { ROOTS, type Control } from '../../shared/doc.ts';

/** Facilitator writes to `control`; the server refuses them from anyone else. */
export function setControl<K extends keyof Control>(doc: Y.Doc, key: K, value: Control[K]): void {
  doc.getMap<unknown>(ROOTS.control).set(key, value);
}
