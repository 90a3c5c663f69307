import { TEXT } from '../../shared/limits.ts';

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
