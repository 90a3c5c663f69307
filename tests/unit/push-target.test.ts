import { afterEach, describe, expect, it } from 'vitest';
import { TargetPush } from '../../client/lib/push-target.ts';

let push: TargetPush;
afterEach(() => push.end());

describe('pushing a team’s target along the stage map', () => {
  it('pushes a target level with the dot, and lets it settle back after an overshoot', () => {
    push = new TargetPush();
    const team = { id: 't', stageCurrent: 1, stageTarget: 1 };
    expect(push.move(team, 2)).toEqual({ stageCurrent: 2, stageTarget: 2 });
    expect(push.move({ ...team, stageCurrent: 2, stageTarget: 2 }, 3.4)).toEqual({ stageCurrent: 3.4, stageTarget: 3.4 });
    // Back off to 3.0 within the same gesture: the target follows down, not below where it started.
    expect(push.move({ ...team, stageCurrent: 3.4, stageTarget: 3.4 }, 3)).toEqual({ stageCurrent: 3, stageTarget: 3 });
    expect(push.move({ ...team, stageCurrent: 3, stageTarget: 3 }, 0.5)).toEqual({ stageCurrent: 0.5, stageTarget: 1 });
  });

  it('leaves a target ahead of the dot until the dot passes it', () => {
    push = new TargetPush();
    const team = { id: 't', stageCurrent: 1, stageTarget: 2.5 };
    expect(push.move(team, 2)).toEqual({ stageCurrent: 2 });
    expect(push.move({ ...team, stageCurrent: 2 }, 2.8)).toEqual({ stageCurrent: 2.8, stageTarget: 2.8 });
  });

  it('never pushes a target put behind the dot on purpose, and pushes a missing one', () => {
    push = new TargetPush();
    expect(push.move({ id: 'back', stageCurrent: 2.5, stageTarget: 1.5 }, 3)).toEqual({ stageCurrent: 3 });
    expect(push.move({ id: 'none', stageCurrent: undefined, stageTarget: undefined }, 1.7)).toEqual({
      stageCurrent: 1.7,
      stageTarget: 1.7,
    });
  });

  it('starts a new gesture from the targets as they are once the last one ended', () => {
    push = new TargetPush();
    push.move({ id: 't', stageCurrent: 1, stageTarget: 1 }, 2);
    push.end();
    // The target the last gesture left (2) is now the floor: backing the dot off leaves it there.
    expect(push.move({ id: 't', stageCurrent: 2, stageTarget: 2 }, 1.5)).toEqual({ stageCurrent: 1.5 });
  });
});
