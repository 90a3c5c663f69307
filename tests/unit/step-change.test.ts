import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { ROOTS } from '../../shared/doc.ts';
import { pauseTimer, startTimer } from '../../shared/timer.ts';
import { freeColor, TEAM_COLORS } from '../../client/lib/colors.ts';
import { goToStep } from '../../client/lib/control.ts';

function session(timer: unknown) {
  const doc = new Y.Doc();
  const control = doc.getMap<unknown>(ROOTS.control);
  control.set('step', 2);
  control.set('timer', timer);
  const updates: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => updates.push(u));
  return { control, updates, go: (step: number, now: number) => goToStep(doc, step, now) };
}

describe('moving to another agenda step', () => {
  it('clears a timer that has run out, in the same change as the step', () => {
    const s = session(startTimer(60_000, 0));
    s.go(3, 60_000);
    expect(s.control.get('step')).toBe(3);
    expect(s.control.get('timer')).toBeNull();
    expect(s.updates).toHaveLength(1);
  });

  it('keeps a timer that is still running or paused', () => {
    const running = session(startTimer(60_000, 0));
    running.go(3, 59_000);
    expect(running.control.get('timer')).toMatchObject({ durationMs: 60_000 });
    const paused = session(pauseTimer(startTimer(60_000, 0), 30_000));
    paused.go(3, 120_000);
    expect(paused.control.get('timer')).toMatchObject({ endsAt: null });
  });

  it('changes nothing when the step is the one shown, so an expired timer stays there at zero', () => {
    const s = session(startTimer(60_000, 0));
    s.go(2, 90_000);
    expect(s.control.get('timer')).not.toBeNull();
    expect(s.updates).toHaveLength(0);
  });
});

describe('a new team colour', () => {
  it('is one no team has, looking on from where this screen starts', () => {
    expect(freeColor([], 0)).toBe(TEAM_COLORS[0]);
    expect(freeColor([TEAM_COLORS[0]], 0)).toBe(TEAM_COLORS[1]);
    expect(freeColor([TEAM_COLORS[3]], 3)).toBe(TEAM_COLORS[4]);
    expect(freeColor([TEAM_COLORS[7]], 7)).toBe(TEAM_COLORS[0]);
  });

  it('is the least used one when every colour is taken', () => {
    const all = [...TEAM_COLORS, ...TEAM_COLORS.filter((c) => c !== TEAM_COLORS[5])];
    expect(freeColor(all, 0)).toBe(TEAM_COLORS[5]);
  });
});
