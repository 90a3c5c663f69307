import type { Template } from './template.ts';

/**
 * Placement on the risk diagonal, as pure maths: the client draws with it, and
 * the server and the insights view can classify teams the same way. Both axes
 * run from 0 to 1; the goal is controls rising with autonomy (the diagonal).
 */
export interface RiskPoint {
  autonomy: number;
  controls: number;
}

export type RiskZone = 'red' | 'balanced' | 'friction';

/** Above the diagonal by more than this, controls hold a team back, unless the template says otherwise. */
export const DEFAULT_FRICTION = 0.35;

/**
 * Positions are stored at full precision, so 0.4 − 0.3 is 0.10000000000000003:
 * without a little slack a team placed exactly at the tolerance by the
 * keyboard would flicker into the red zone.
 */
const EPSILON = 1e-9;

/** Keyboard steps on both axes. */
export const RISK_STEP = 0.02;
export const RISK_BIG_STEP = 0.1;

/** Keeps a value on [0, 1]; anything that is not a finite number becomes 0. */
export function clamp01(value: number): number {
  if (!Number.isFinite(value)) return 0;
  return Math.min(1, Math.max(0, value));
}

export function clampPoint(p: RiskPoint): RiskPoint {
  return { autonomy: clamp01(p.autonomy), controls: clamp01(p.controls) };
}

/** How far controls lag behind autonomy: positive below the diagonal. */
export const riskGap = (p: RiskPoint): number => p.autonomy - p.controls;

/** In the red zone when controls lag autonomy by more than the tolerance; the boundary itself is still on the band. */
export function inRedZone(p: RiskPoint, tolerance: number): boolean {
  return riskGap(p) > tolerance + EPSILON;
}

export function riskZone(p: RiskPoint, diagonal: Pick<Template['diagonal'], 'tolerance' | 'friction'>): RiskZone {
  if (inRedZone(p, diagonal.tolerance)) return 'red';
  const friction = Math.max(diagonal.friction ?? DEFAULT_FRICTION, diagonal.tolerance);
  return -riskGap(p) > friction + EPSILON ? 'friction' : 'balanced';
}

/** A team is placed once both coordinates are valid; until then it sits in the tray beside the chart. */
export function placedPoint(team: { autonomy?: number; controls?: number }): RiskPoint | null {
  return team.autonomy === undefined || team.controls === undefined ? null : { autonomy: team.autonomy, controls: team.controls };
}

export function plannedPoint(team: { autonomyTarget?: number; controlsTarget?: number }): RiskPoint | null {
  return team.autonomyTarget === undefined || team.controlsTarget === undefined
    ? null
    : { autonomy: team.autonomyTarget, controls: team.controlsTarget };
}

/** The point an arrow key moves to; values land on hundredths so repeated presses stay tidy. */
export function stepPoint(p: RiskPoint, key: string, big: boolean): RiskPoint | null {
  const step = big ? RISK_BIG_STEP : RISK_STEP;
  const tidy = (v: number) => clamp01(Math.round(v * 100) / 100);
  switch (key) {
    case 'ArrowRight':
      return { autonomy: tidy(p.autonomy + step), controls: p.controls };
    case 'ArrowLeft':
      return { autonomy: tidy(p.autonomy - step), controls: p.controls };
    case 'ArrowUp':
      return { autonomy: p.autonomy, controls: tidy(p.controls + step) };
    case 'ArrowDown':
      return { autonomy: p.autonomy, controls: tidy(p.controls - step) };
    default:
      return null;
  }
}

/** The tick label nearest a value, for screen readers: "Writes to repositories". */
export function nearestTick(value: number, ticks: readonly string[]): string {
  if (ticks.length === 0) return '';
  const i = Math.round(clamp01(value) * (ticks.length - 1));
  return ticks[i] ?? '';
}
