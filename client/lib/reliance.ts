import { symbol, symbolCircle, symbolDiamond, symbolSquare, type SymbolType } from 'd3-shape';
import type { Reliance } from '../../shared/doc.ts';

/**
 * What a team's marker on the risk diagonal looks like, by the controls it
 * relies on. Shape carries the meaning (not colour, which is the team's), so
 * it reads on a projector and for colour-blind viewers: a circle with a
 * dashed ring for guardrails (the agent can reach round them), a square with
 * a solid ring for guarantees (enforced where the agent cannot reach), a
 * diamond for a mix, a plain circle when the team has not said.
 */
export interface RelianceLook {
  /** A name on its own: a legend entry, a menu option. */
  label: string;
  /** The same as a phrase inside a sentence: "relies on {phrase}". */
  phrase: string;
  explain: string;
  ring: 'dashed' | 'solid' | 'none';
  type: SymbolType;
}

export const RELIANCE_LOOK: Record<Reliance | 'unset', RelianceLook> = {
  guardrails: { label: 'Guardrails', phrase: 'guardrails', explain: 'the agent can reach them', ring: 'dashed', type: symbolCircle },
  guarantees: {
    label: 'Guarantees',
    phrase: 'guarantees',
    explain: 'enforced out of the agent’s reach',
    ring: 'solid',
    type: symbolSquare,
  },
  mixed: { label: 'A mix', phrase: 'a mix of guardrails and guarantees', explain: 'some of each', ring: 'none', type: symbolDiamond },
  unset: { label: 'Not said', phrase: 'controls not yet named', explain: '', ring: 'none', type: symbolCircle },
};

export const lookFor = (r: Reliance | undefined): RelianceLook => RELIANCE_LOOK[r ?? 'unset'];

/** The marker's path, centred on 0,0, about `r` in radius. */
export function shapePath(r: Reliance | undefined, radius: number): string {
  const look = lookFor(r);
  // d3 symbols are sized by area; a square or diamond of equal area looks bigger than a circle, so trim it.
  const area = Math.PI * radius * radius * (look.type === symbolCircle ? 1 : 0.85);
  return symbol(look.type, area)() ?? '';
}
