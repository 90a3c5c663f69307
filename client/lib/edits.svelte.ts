import * as Y from 'yjs';
import { addTeam, ROOTS, setTeamField, TeamFields, type TeamField, type TeamValues } from '../../shared/doc.ts';
import type { Sync } from './sync.svelte.ts';

/**
 * This user's writes to the teams, and undo for exactly those writes. Every
 * local change is made in a transaction tagged with `origin`, and the
 * UndoManager tracks only that origin, so Undo never reverts what another
 * participant did. Sync replaces the Y.Doc when the server refuses a change,
 * and an UndoManager is bound to one doc, so a new one is made for each doc
 * (the old history refers to structs the new doc does not have).
 */
export class TeamEdits {
  canUndo = $state(false);
  canRedo = $state(false);

  private readonly origin = { user: 'local' };
  private doc: Y.Doc | null = null;
  private undo: Y.UndoManager | null = null;
  private readonly unsubscribe: () => void;

  constructor(sync: Sync) {
    this.unsubscribe = sync.onDoc((doc) => this.attach(doc));
  }

  private attach(doc: Y.Doc): void {
    this.undo?.destroy();
    this.doc = doc;
    const um = new Y.UndoManager(doc.getMap(ROOTS.teams), { trackedOrigins: new Set([this.origin]), captureTimeout: 600 });
    const refresh = () => {
      this.canUndo = um.canUndo();
      this.canRedo = um.canRedo();
    };
    um.on('stack-item-added', refresh);
    um.on('stack-item-popped', refresh);
    um.on('stack-cleared', refresh);
    this.undo = um;
    refresh();
  }

  private transact(fn: (doc: Y.Doc) => void): void {
    const doc = this.doc;
    if (doc) doc.transact(() => fn(doc), this.origin);
  }

  /** Writes one field if it passes the schema; a value readers would ignore is never written. */
  set<K extends TeamField>(teamId: string, field: K, value: TeamValues[K]): void {
    if (!TeamFields[field].safeParse(value).success) return;
    this.transact((doc) => setTeamField(doc, teamId, field, value));
  }

  /** Several fields in one transaction, so peers and Undo see one change. */
  setMany(teamId: string, values: TeamValues): void {
    this.transact((doc) => {
      for (const [k, v] of Object.entries(values) as [TeamField, TeamValues[TeamField]][]) {
        if (v !== undefined && TeamFields[k].safeParse(v).success) setTeamField(doc, teamId, k, v);
      }
    });
  }

  /** Removes a field, e.g. the planned point when a team drops its plan. */
  clear(teamId: string, field: TeamField): void {
    this.transact((doc) => {
      const map = doc.getMap<unknown>(ROOTS.teams).get(teamId);
      if (map instanceof Y.Map) map.delete(field);
    });
  }

  add(id: string, values: TeamValues & { name: string; color: string }): void {
    this.undo?.stopCapturing();
    this.transact((doc) => addTeam(doc, id, values));
    this.undo?.stopCapturing();
  }

  /** Deletes a team as one undo step of its own, so Undo brings back exactly that team. */
  remove(teamId: string): void {
    this.undo?.stopCapturing();
    this.transact((doc) => doc.getMap<unknown>(ROOTS.teams).delete(teamId));
    this.undo?.stopCapturing();
  }

  /** Marks the end of a gesture (a drag, a typed field) so the next change is a separate undo step. */
  endGesture(): void {
    this.undo?.stopCapturing();
  }

  undoLast(): void {
    this.undo?.undo();
  }

  redoLast(): void {
    this.undo?.redo();
  }

  destroy(): void {
    this.unsubscribe();
    this.undo?.destroy();
  }
}
