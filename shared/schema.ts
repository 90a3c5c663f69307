import { z } from 'zod';
import { JOIN_CODE_LENGTH, REQUEST_LIMITS, TEXT } from './limits.ts';

/** Trimmed, non-empty text of at most `max` characters, with control characters refused: every name and title a person types. */
export const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), 'must not contain control characters');

export const CreateWorkshopBody = z
  .object({
    title: text(TEXT.title),
    template: z.string().max(REQUEST_LIMITS.idChars).optional(),
  })
  .strict();
export type CreateWorkshopBody = z.infer<typeof CreateWorkshopBody>;

export const JoinBody = z
  .object({
    code: z.string().max(REQUEST_LIMITS.joinCodeChars),
    name: text(TEXT.displayName),
  })
  .strict();
export type JoinBody = z.infer<typeof JoinBody>;

export const CreateWorkshopResponse = z.object({
  id: z.string(),
  joinCode: z.string().length(JOIN_CODE_LENGTH),
  facilitatorKey: z.string(),
  facilitatorUrl: z.string(),
  participantUrl: z.string(),
  observerUrl: z.string(),
});
export type CreateWorkshopResponse = z.infer<typeof CreateWorkshopResponse>;

export const JoinResponse = z.object({
  workshopId: z.string(),
  participantId: z.string(),
  token: z.string(),
});
export type JoinResponse = z.infer<typeof JoinResponse>;

export const ErrorResponse = z.object({ error: z.string(), code: z.string().optional() });

/** Who a credential belongs to. The server derives it; clients only read it. */
export const Role = z.enum(['facilitator', 'participant', 'observer']);
export type Role = z.infer<typeof Role>;

/** `GET /api/workshops/<id>/session`: what a credential may do, for the UI. */
export const SessionInfo = z.object({
  workshopId: z.string(),
  title: z.string(),
  role: Role,
  participantId: z.string().optional(),
  name: z.string().optional(),
  joinCode: z.string().optional(),
  participantUrl: z.string().optional(),
  observerUrl: z.string().optional(),
  templateId: z.string(),
});
export type SessionInfo = z.infer<typeof SessionInfo>;

/**
 * Awareness state each client publishes. The server bounds its size and
 * stamps who sent it (role, participant); every view parses it with this
 * schema and skips a state that does not parse, so a view can trust what it
 * renders.
 */
export const AwarenessState = z.object({
  user: z.object({
    name: z.string().max(TEXT.displayName),
    color: z.string().regex(/^#[0-9a-fA-F]{6}$/),
    role: Role,
    /** Set by the server from the connection's credential; clients cannot choose it. */
    participantId: z.string().nullable().optional(),
  }),
  cursor: z
    .object({ board: z.enum(['stage', 'risk']), x: z.number().finite(), y: z.number().finite() })
    .nullable()
    .optional(),
});
export type AwarenessState = z.infer<typeof AwarenessState>;
