import { TEXT } from '../../shared/limits.ts';
import type { Template } from '../../shared/template.ts';

/**
 * The teams table's columns, in order. `label` is the heading (and the
 * field's caption on a phone); a screen reader hears "<team>: <label>" for
 * each control.
 */
export const NUMBERS = [
  { field: 'stageCurrent', label: 'Current stage', range: 'stage' },
  { field: 'stageTarget', label: 'Target stage', range: 'stage' },
  { field: 'autonomy', label: 'Autonomy %', range: 'share' },
  { field: 'controls', label: 'Controls %', range: 'share' },
] as const;

export const TEXTS = [
  { field: 'bottleneck', label: 'Bottleneck at target', max: TEXT.note },
  { field: 'commitment', label: 'Commitment', max: TEXT.note },
  { field: 'owner', label: 'Owner', max: TEXT.displayName },
] as const;

const label = (c: { label: string }) => c.label;

/** The body's order: the stages beside the name, then the text, then the risk numbers. */
export const HEADINGS = ['Team', ...NUMBERS.slice(0, 2).map(label), ...TEXTS.map(label), ...NUMBERS.slice(2).map(label), 'Relies on'];

/**
 * The framework's bottleneck at the team's target stage (its current stage when it has no target):
 * the hint in an empty bottleneck box, and what the projector shows until the team names its own.
 */
export function expectedBottleneck(team: { stageTarget?: number; stageCurrent?: number }, template: Pick<Template, 'stages'>): string {
  const at = team.stageTarget ?? team.stageCurrent;
  return at === undefined ? '' : (template.stages[Math.round(at) - 1]?.bottleneck ?? '');
}
