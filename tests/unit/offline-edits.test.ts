import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { addTeam, ROOTS, setTeamField } from '../../shared/doc.ts';
import { OfflineEdits, QUOTED_CHARS } from '../../client/lib/offline-edits.ts';

/** A page's doc with two teams, and what it records of the local transactions made after. */
function page() {
  const doc = new Y.Doc();
  addTeam(doc, 'p', { name: 'Payments', color: '#2563eb', stageCurrent: 1.5 });
  addTeam(doc, 'i', { name: 'Identity', color: '#dc2626' });
  const edits = new OfflineEdits();
  doc.on('afterTransaction', (tr: Y.Transaction) => edits.record(tr, doc));
  return { doc, edits, teams: doc.getMap<Y.Map<unknown>>(ROOTS.teams) };
}

describe('what a refusal says was lost offline', () => {
  it('names a typed note with its words, and a move, by team', () => {
    const { doc, edits } = page();
    setTeamField(doc, 'p', 'bottleneck', 'Slow reviews');
    setTeamField(doc, 'i', 'stageCurrent', 2);
    setTeamField(doc, 'i', 'stageTarget', 3);
    expect(edits.describe(doc)).toBe('your bottleneck note for Payments (“Slow reviews”) and where you placed Identity');
  });

  it('quotes a long note only so far', () => {
    const { doc, edits } = page();
    setTeamField(doc, 'p', 'commitment', 'x'.repeat(500));
    const said = edits.describe(doc);
    expect(said).toBe(`your commitment for Payments (“${'x'.repeat(QUOTED_CHARS - 1)}…”)`);
  });

  it('names a team added and one deleted, by the name it had', () => {
    const { doc, edits, teams } = page();
    addTeam(doc, 'n', { name: 'Mobile', color: '#16a34a' });
    teams.delete('i');
    expect(edits.describe(doc)).toBe('the team Mobile you added and deleting a team');
    edits.clear();
    setTeamField(doc, 'p', 'reliance', 'guardrails');
    teams.delete('p');
    expect(edits.describe(doc)).toBe('deleting Payments');
  });

  it('has nothing to say once cleared, and records nothing outside the teams', () => {
    const { doc, edits } = page();
    setTeamField(doc, 'p', 'name', 'Payments API');
    expect(edits.describe(doc)).toBe('the new name “Payments API”');
    edits.clear();
    doc.getMap(ROOTS.control).set('step', 2);
    expect(edits.empty).toBe(true);
  });
});
