import * as Y from 'yjs';
import { ROOTS, type TeamField } from '../../shared/doc.ts';

/**
 * How much of a note typed offline a refusal quotes back (characters): enough to recognise it and
 * type it again, short enough for a notice on a phone. A note may hold 500 (TEXT.note).
 */
export const QUOTED_CHARS = 120;

/** One team's changes made while offline. */
interface TeamEdit {
  /** Its name as this page last knew it: a deleted team's is gone from the doc. */
  name: string | null;
  fields: Set<string>;
  added: boolean;
  removed: boolean;
}

/** Where a team stands on the maps: any of these changed is "where you placed it". */
const PLACEMENT = new Set<string>(['stageCurrent', 'stageTarget', 'autonomy', 'controls', 'autonomyTarget', 'controlsTarget']);
/** Text the user typed, quoted back so it can be typed again. */
const TYPED: Partial<Record<TeamField, string>> = { bottleneck: 'bottleneck note', commitment: 'commitment', owner: 'owner' };

/**
 * What this user changed in the teams while the page was offline, kept until the server has taken it:
 * when the facilitator locked the board meanwhile, the server refuses it all on reconnect, and the
 * user is told what was lost ("your bottleneck note for Payments"), not only that something was.
 */
export class OfflineEdits {
  private readonly teams = new Map<string, TeamEdit>();

  get empty(): boolean {
    return this.teams.size === 0;
  }

  /** Notes the teams and fields a local transaction changed. */
  record(tr: Y.Transaction, doc: Y.Doc): void {
    const root = doc.getMap<unknown>(ROOTS.teams);
    for (const [type, keys] of tr.changed) {
      if ((type as unknown) === root) {
        for (const id of keys) if (id !== null) this.team(root, id)[root.has(id) ? 'added' : 'removed'] = true;
      } else if (type.parent === root && type._item?.parentSub) {
        const edit = this.team(root, type._item.parentSub);
        for (const field of keys) if (field !== null) edit.fields.add(field);
      }
    }
  }

  clear(): void {
    this.teams.clear();
  }

  /**
   * The changes as a reader would name them, read from `doc` (the page's own copy, which still
   * holds them): "your bottleneck note for Payments (“Slow reviews”) and where you placed Identity".
   */
  describe(doc: Y.Doc): string {
    const root = doc.getMap<unknown>(ROOTS.teams);
    const parts: string[] = [];
    for (const [id, edit] of this.teams) {
      const map = root.get(id);
      const team = map instanceof Y.Map ? map : null;
      const name = nameOf(team) ?? edit.name ?? 'a team';
      if (edit.removed && !team) {
        if (!edit.added) parts.push(`deleting ${name}`);
        continue;
      }
      if (edit.added) {
        parts.push(`the team ${name} you added`);
        continue;
      }
      const typed = [...edit.fields].filter((f): f is TeamField => f in TYPED);
      for (const field of typed) {
        const text = team?.get(field);
        parts.push(`your ${TYPED[field]} for ${name}${typeof text === 'string' && text.trim() ? ` (${quote(text)})` : ''}`);
      }
      if ([...edit.fields].some((f) => PLACEMENT.has(f))) parts.push(`where you placed ${name}`);
      if (edit.fields.has('name')) parts.push(`the new name “${name}”`);
      if (edit.fields.has('reliance')) parts.push(`what ${name} relies on`);
      if (edit.fields.has('color')) parts.push(`the colour of ${name}`);
    }
    return list(parts);
  }

  private team(root: Y.Map<unknown>, id: string): TeamEdit {
    let edit = this.teams.get(id);
    if (!edit) this.teams.set(id, (edit = { name: null, fields: new Set(), added: false, removed: false }));
    const map = root.get(id);
    edit.name = nameOf(map instanceof Y.Map ? map : null) ?? edit.name;
    return edit;
  }
}

function nameOf(team: Y.Map<unknown> | null): string | null {
  const name = team?.get('name');
  return typeof name === 'string' && name.trim() ? name.trim() : null;
}

function quote(text: string): string {
  const t = text.trim();
  return `“${t.length > QUOTED_CHARS ? `${t.slice(0, QUOTED_CHARS - 1).trimEnd()}…` : t}”`;
}

/** "a", "a and b", "a, b and c". */
function list(parts: string[]): string {
  if (parts.length < 2) return parts[0] ?? '';
  return `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}
