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
    agenda: z.array(z.object({ title: label, board: z.enum(BOARDS), prompt: prose.optional() })).min(1).max(20),
    prompts: z.array(z.object({ id: z.string().regex(/^[a-z0-9-]+$/), title: label, text: prose })).max(12),
  })
  .strict();
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
