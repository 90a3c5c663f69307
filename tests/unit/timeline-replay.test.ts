import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addTeam, initWorkshopDoc, readControl, readTeams, ROOTS } from '../../shared/doc.ts';
import { ReplayEngine } from '../../shared/replay.ts';
import { FALLBACK_TEMPLATE } from '../../shared/timeline.ts';

/** One edit a client might send, valid or not: readers must ignore the invalid ones the same way in both paths. */
const op = fc.oneof(
  // Mostly moves, as in a real session, so teams live long enough for values to be overwritten and dropped.
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('set' as const),
      team: fc.integer({ min: 0, max: 3 }),
      field: fc.constantFrom('stageCurrent', 'stageTarget', 'autonomy', 'controls', 'name', 'color', 'bottleneck'),
      value: fc.constantFrom<unknown>(0, 0.25, 0.5, 1, 1.5, 2.5, 3, 3.5, -0.5, '', 'Ops', '#aabbcc', 'x', null),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('delete-field' as const),
      team: fc.integer({ min: 0, max: 3 }),
      field: fc.constantFrom('stageCurrent', 'autonomy', 'name'),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('add' as const), team: fc.integer({ min: 0, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove' as const), team: fc.integer({ min: 0, max: 3 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('step' as const), value: fc.oneof(fc.integer({ min: -1, max: 9 }), fc.constant('2')) }),
  },
);

describe('replay seek', () => {
  it('shows at every entry exactly what the readers read from the replayed document', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 80 }), fc.integer({ min: 1, max: 7 }), (ops, every) => {
        const doc = new Y.Doc();
        const updates: Uint8Array[] = [];
        doc.on('update', (u: Uint8Array) => updates.push(u));
        initWorkshopDoc(doc, { title: 'Prop', template: FALLBACK_TEMPLATE, createdAt: 0 });
        const teams = doc.getMap<Y.Map<unknown>>(ROOTS.teams);
        for (const o of ops) {
          const id = `t${'team' in o ? o.team : 0}`;
          if (o.kind === 'add') addTeam(doc, id, { name: `Team ${id}`, color: '#123456', createdAt: o.team });
          else if (o.kind === 'remove') teams.delete(id);
          else if (o.kind === 'set') teams.get(id)?.set(o.field, o.value);
          else if (o.kind === 'delete-field') teams.get(id)?.delete(o.field);
          else doc.getMap(ROOTS.control).set('step', o.value);
        }
        const engine = new ReplayEngine({ checkpointEvery: every });
        engine.append(updates.map((update, i) => ({ seq: i + 1, at: i, author: 'p', update })));
        for (let i = -1; i < updates.length; i++) {
          const frame = engine.frameAt(i);
          const exact = engine.docAt(i);
          expect(frame.teams).toEqual(readTeams(exact, 3));
          expect(frame.control).toEqual(readControl(exact));
        }
        engine.destroy();
      }),
      {
        numRuns: 300,
        // A field that was valid and is then removed must vanish from the seek too.
        examples: [
          [
            [
              { kind: 'add', team: 0 },
              { kind: 'set', team: 0, field: 'stageCurrent', value: 1 },
              { kind: 'delete-field', team: 0, field: 'stageCurrent' },
            ],
            1,
          ],
        ],
      },
    );
  });
});
