import { z } from 'zod';

/**
 * A workshop template: the framework as data. Stages, bottlenecks, the axes of
 * the risk diagonal, the agenda and the discussion prompts all come from here,
 * so a facilitator can run another framework without a code change. The
 * template is copied into the workshop when it is created, so an old session
 * replays with the labels it had.
 */
const label = z.string().trim().min(1).max(80);
const prose = z.string().trim().max(600);

export const BOARDS = ['welcome', 'stage', 'target', 'risk', 'vote', 'reveal', 'commitments', 'wrapup'] as const;

/** The facilitator's insight rules (shared/insights.ts), each with its wording in a template. */
export const INSIGHT_RULES = [
  'redZone',
  'guardrails',
  'skipAhead',
  'noCommitment',
  'disagreement',
  'outlier',
  'notOnDiagonal',
  'notOnStageMap',
] as const;
export type InsightRule = (typeof INSIGHT_RULES)[number];

export const Template = z
  .object({
    id: z.string().regex(/^[a-z0-9-]{1,64}$/, 'id must be lowercase letters, digits and dashes'),
    name: label,
    source: prose,
    stageNoun: label,
    stages: z
      .array(
        z.object({
          label,
          description: prose,
          practice: prose,
          bottleneck: label,
        }),
      )
      .min(2, 'a template needs at least two stages')
      .max(6, 'a template has at most six stages'),
    bottleneckChoices: z.array(label).min(1).max(12),
    diagonal: z.object({
      x: z.object({ label, ticks: z.array(label).min(2).max(6) }),
      y: z.object({ label, ticks: z.array(label).min(2).max(6) }),
      /** How far below the diagonal (controls − autonomy) a team may sit before it is in the red zone. */
      tolerance: z.number().min(0).max(0.5),
      /** How far above the diagonal a team sits before its controls count as friction; see shared/risk.ts. */
      friction: z.number().min(0).max(1).optional(),
    }),
    agenda: z
      .array(z.object({ title: label, board: z.enum(BOARDS), prompt: prose.optional() }))
      .min(1)
      .max(20),
    prompts: z.array(z.object({ id: z.string().regex(/^[a-z0-9-]+$/), title: label, text: prose })).max(12),
    /** Thresholds and wording of the facilitator's insights (shared/insights.ts); each rule links a prompt. */
    insights: z.object({
      /** Autonomy above which only guarantees hold: guardrails alone are flagged. */
      guaranteesAbove: z.number().min(0).max(1),
      /** A target more than this many stages past the current position is skipping ahead. */
      skipAheadStages: z.number().min(0).max(5),
      /** Self-placement this far (stage units) from a group's median stage disagrees with the vote. */
      stageDisagreement: z.number().min(0).max(5),
      /** Self-placement this far (distance on the unit square) from a group's median point disagrees. */
      riskDisagreement: z.number().min(0).max(1.5),
      /** A ballot this far (stage units) from the median of its vote is an outlier. */
      stageOutlier: z.number().min(0).max(5),
      /** A risk ballot this far (unit square) from the median point is an outlier. */
      riskOutlier: z.number().min(0).max(1.5),
      rules: z.object(
        Object.fromEntries(INSIGHT_RULES.map((k) => [k, z.object({ prompt: z.string(), message: prose })])) as Record<
          InsightRule,
          z.ZodObject<{ prompt: z.ZodString; message: typeof prose }>
        >,
      ),
    }),
  })
  .strict()
  .superRefine((t, ctx) => {
    const ids = new Set(t.prompts.map((p) => p.id));
    for (const [rule, { prompt }] of Object.entries(t.insights.rules)) {
      if (!ids.has(prompt))
        ctx.addIssue({ code: 'custom', path: ['insights', 'rules', rule, 'prompt'], message: `no prompt with id "${prompt}"` });
    }
  });
export type Template = z.infer<typeof Template>;

/** Parse a template, or throw an Error whose message names the first bad field. */
export function parseTemplate(input: unknown): Template {
  const parsed = Template.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const where = issue.path.length ? issue.path.join('.') : 'template';
  throw new Error(`invalid template: ${where}: ${issue.message}`);
}

/** The continuous stage axis runs from 1 to the number of stages. */
export const stageDomain = (t: Pick<Template, 'stages'>): [number, number] => [1, t.stages.length];
