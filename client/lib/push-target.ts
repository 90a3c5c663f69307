import type { Team } from '../../shared/doc.ts';

/**
 * On the stage map, moving where a team is today past where it should be
 * pushes the target along: a new team's ring sits on its dot, and dragging
 * the dot to stage 2 must not draw an arrow back to stage 1. Within one
 * gesture the target never ends below where it started, nor above the
 * furthest the dot has gone, and backing off lets it settle back: overshoot
 * to 3.4 and settle at 3.0, and the target is 3.0. A target set behind the
 * current stage on purpose is never pushed.
 */
export class TargetPush {
  /** Each team's target as the gesture found it (undefined: none yet). */
  private readonly startedAt = new Map<string, number | undefined>();
  private idle: ReturnType<typeof setTimeout> | undefined;

  /** @param idleMs A keyboard gesture ends this long after its last press (a drag ends on release). */
  constructor(private readonly idleMs = 1000) {}

  /** The fields to write when the dot of `team` moves to `value`. */
  move(team: Pick<Team, 'id' | 'stageCurrent' | 'stageTarget'>, value: number): { stageCurrent: number; stageTarget?: number } {
    this.touch();
    if (!this.startedAt.has(team.id)) {
      const target = team.stageTarget;
      // Only a target level with or ahead of the dot is pushed; one behind it was put there on purpose.
      if (target !== undefined && target < (team.stageCurrent ?? 1)) return { stageCurrent: value };
      this.startedAt.set(team.id, target);
    }
    const target = Math.max(this.startedAt.get(team.id) ?? -Infinity, value);
    return target === team.stageTarget ? { stageCurrent: value } : { stageCurrent: value, stageTarget: target };
  }

  /** The gesture is over (a drag was released): the next move starts from the targets as they are. */
  end(): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = undefined;
    this.startedAt.clear();
  }

  private touch(): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = setTimeout(() => this.end(), this.idleMs);
  }
}
