import { z } from 'zod';
import { REQUEST_LIMITS, VOTE_LIMITS } from './limits.ts';
import type { Team } from './doc.ts';
import { INSIGHT_RULES } from './template.ts';
import { text, UNREADABLE_KEY } from './schema.ts';

/**
 * Votes: wire schemas for the vote endpoints (PRODUCT.md "Votes") and the
 * shapes the server writes into the document. Ballot values never appear in
 * the document before the reveal; `control.vote` carries only counts.
 */
export const VOTE_KINDS = ['stage', 'risk', 'choice'] as const;
export type VoteKind = (typeof VOTE_KINDS)[number];

export const OpenVoteBody = z
  .object({
    question: text(VOTE_LIMITS.questionChars),
    kind: z.enum(VOTE_KINDS),
    teamId: z.string().max(REQUEST_LIMITS.idChars).optional(),
    choices: z.array(text(VOTE_LIMITS.choiceChars)).min(VOTE_LIMITS.minChoices).max(VOTE_LIMITS.maxChoices).optional(),
    groups: z.array(z.string().max(REQUEST_LIMITS.idChars)).max(VOTE_LIMITS.maxGroups).optional(),
    /** Reveal on its own once every member of the voting groups has voted. */
    autoReveal: z.boolean().optional(),
    /** Keep who voted what in the facilitator's export (anonymous otherwise). */
    named: z.boolean().optional(),
  })
  .strict()
  .refine((b) => b.kind !== 'choice' || (b.choices && new Set(b.choices).size === b.choices.length), {
    message: 'a choice vote needs at least two distinct choices',
    path: ['choices'],
  })
  .refine((b) => !b.choices?.includes(UNREADABLE_KEY), {
    // Results are objects keyed by choice.
    message: `"${UNREADABLE_KEY}" cannot be a choice`,
    path: ['choices'],
  })
  .refine((b) => b.kind === 'choice' || b.choices === undefined, {
    message: 'only a choice vote takes choices',
    path: ['choices'],
  });
export type OpenVoteBody = z.infer<typeof OpenVoteBody>;

export const BallotBody = z
  .object({
    stage: z.number().finite().optional(),
    autonomy: z.number().min(0).max(1).optional(),
    controls: z.number().min(0).max(1).optional(),
    choice: z.string().max(VOTE_LIMITS.choiceChars).optional(),
    /** Client's own counter: a retried older ballot never overwrites a newer one. */
    seq: z.number().int().min(0).optional(),
  })
  .strict();
export type BallotBody = z.infer<typeof BallotBody>;

/** A ballot's value, by kind. */
export type BallotValue = { stage: number } | { autonomy: number; controls: number } | { choice: string };

export type VoteState = 'open' | 'closed' | 'revealed';

/** What `control.vote` shows everyone while a vote runs: never a ballot value. */
export const ControlVote = z.object({
  id: z.string(),
  question: z.string(),
  kind: z.enum(VOTE_KINDS),
  teamId: z.string().nullable(),
  choices: z.array(z.string()).nullable(),
  groups: z.array(z.string()).nullable(),
  state: z.enum(['open', 'closed', 'revealed']),
  round: z.number().int().min(1),
  autoReveal: z.boolean().optional(),
  count: z.number().int().min(0),
  countsByGroup: z.record(z.string(), z.number().int().min(0)),
});
export type ControlVote = z.infer<typeof ControlVote>;

/** Summary of numbers: quartiles by linear interpolation (R type 7, as d3.quantile). */
export const Summary = z.object({ n: z.number(), median: z.number(), q1: z.number(), q3: z.number(), min: z.number(), max: z.number() });
export type Summary = z.infer<typeof Summary>;

export const Aggregate = z.object({
  n: z.number().int(),
  stage: Summary.optional(),
  autonomy: Summary.optional(),
  controls: Summary.optional(),
  choices: z.record(z.string(), z.number().int()).optional(),
  /** Every counted value, anonymous and shuffled: dots for the beeswarm or scatter. */
  values: z.array(z.union([z.number(), z.tuple([z.number(), z.number()]), z.string()])),
});
export type Aggregate = z.infer<typeof Aggregate>;

/**
 * A ballot anyone can check: the receipt is sha256 over the vote id, a
 * per-ballot random salt and the value (see `receiptInput`), base64url.
 * The voter keeps its receipt; the reveal publishes every counted ballot with
 * its salt, so each voter finds its own and anyone can recompute the tally.
 */
export const RevealedBallot = z.object({
  receipt: z.string(),
  salt: z.string(),
  value: z.union([
    z.object({ stage: z.number() }),
    z.object({ autonomy: z.number(), controls: z.number() }),
    z.object({ choice: z.string() }),
  ]),
});
export type RevealedBallot = z.infer<typeof RevealedBallot>;

/** The exact bytes hashed into a receipt. Values are canonical JSON (keys in a fixed order). */
export function receiptInput(voteId: string, salt: string, value: BallotValue): string {
  const canonical =
    'stage' in value
      ? { stage: value.stage }
      : 'choice' in value
        ? { choice: value.choice }
        : { autonomy: value.autonomy, controls: value.controls };
  return `stageboard-ballot\n${voteId}\n${salt}\n${JSON.stringify(canonical)}`;
}

/** One revealed round, as stored under `results.<voteId>`. */
export const VoteResult = z.object({
  voteId: z.string(),
  question: z.string(),
  kind: z.enum(VOTE_KINDS),
  teamId: z.string().nullable(),
  choices: z.array(z.string()).nullable(),
  round: z.number().int(),
  revealedAt: z.number(),
  /** The groups the vote was for; null or absent (results stored before this field): everyone. */
  groups: z.array(z.string()).nullable().optional(),
  overall: Aggregate,
  byGroup: z.record(z.string(), Aggregate),
  /** Where the team had placed itself when the vote opened. */
  self: z.object({ stage: z.number().nullable(), autonomy: z.number().nullable(), controls: z.number().nullable() }).nullable(),
  /** Every counted ballot with its receipt and salt, shuffled. */
  ballots: z.array(RevealedBallot).optional(),
  /** The facilitator's insights as they stood at this reveal (shared/insights.ts). */
  insights: z
    .array(
      z.object({
        key: z.string(),
        rule: z.enum(INSIGHT_RULES),
        teamId: z.string(),
        teamName: z.string(),
        message: z.string(),
        prompt: z.object({ id: z.string(), title: z.string() }),
        voteId: z.string().optional(),
      }),
    )
    .optional(),
});
export type VoteResult = z.infer<typeof VoteResult>;

/** Where a team has placed itself, as a vote records it (`self`): what a vote's result is held against. */
export const selfOf = (team: Team): NonNullable<VoteResult['self']> => ({
  stage: team.stageCurrent ?? null,
  autonomy: team.autonomy ?? null,
  controls: team.controls ?? null,
});
