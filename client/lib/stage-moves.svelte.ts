import type { Team, TeamField } from '../../shared/doc.ts';
import { throttle } from './drag.ts';
import { clampStage, STAGE_BIG_STEP, STAGE_STEP } from './layout.ts';

export type StageField = Extract<TeamField, 'stageCurrent' | 'stageTarget'>;

/**
 * Where an arrow key (a big step with Shift), Home or End moves a marker standing at `current` on a map
 * of `n` stages; null for any other key. Steps land on hundredths so repeated presses give tidy values.
 */
export function keyStep(key: string, shift: boolean, current: number, n: number): number | null {
  const step = shift ? STAGE_BIG_STEP : STAGE_STEP;
  let next: number | null = null;
  if (key === 'ArrowRight' || key === 'ArrowUp') next = current + step;
  else if (key === 'ArrowLeft' || key === 'ArrowDown') next = current - step;
  else if (key === 'Home') next = 1;
  else if (key === 'End') next = n;
  return next === null ? null : clampStage(Math.round(next * 100) / 100, n);
}

interface Map {
  /** How many stages. */
  n: number;
  /** The stage at a point on the map's axis. */
  stageAt: (px: number) => number;
  onChange: (teamId: string, field: TeamField, value: number) => void;
  onGestureEnd?: () => void;
}

/**
 * The stage map's markers moved by drag or key. While a marker is dragged, it follows the pointer
 * locally; the doc gets throttled writes.
 */
export class StageMoves {
  #dragging = $state<{ teamId: string; field: StageField; value: number } | null>(null);
  readonly #write = throttle((teamId: string, field: TeamField, value: number) => this.map().onChange(teamId, field, value), 50);

  constructor(private readonly map: () => Map) {}

  /** Where a marker is shown: where it is dragged, else where the doc has it. */
  valueOf(team: Team, field: StageField): number {
    const d = this.#dragging;
    if (d && d.teamId === team.id && d.field === field) return d.value;
    if (field === 'stageTarget') return team.stageTarget ?? team.stageCurrent ?? 1;
    return team.stageCurrent ?? 1;
  }

  moveTo(team: Team, field: StageField, px: number): void {
    const { n, stageAt } = this.map();
    const value = clampStage(stageAt(px), n);
    this.#dragging = { teamId: team.id, field, value };
    this.#write(team.id, field, value);
  }

  endDrag(): void {
    this.#write.flush();
    this.#dragging = null;
    this.map().onGestureEnd?.();
  }

  /** Arrow keys, Home and End move a marker (MapMarker has already handled Enter and read-only). */
  onKey(event: KeyboardEvent, team: Team, field: StageField): void {
    const { n, onChange } = this.map();
    const next = keyStep(event.key, event.shiftKey, this.valueOf(team, field), n);
    if (next === null) return;
    event.preventDefault();
    onChange(team.id, field, next);
  }
}
