import { z } from 'zod';
import { JOIN_CODE_LENGTH, REQUEST_LIMITS, TEXT } from './limits.ts';

/**
 * The one key no map or record of ours may have: every reader turns maps into objects (Y's toJSON,
 * lib0's readAny, a result's counts), where assigning this key replaces the object's prototype.
 */
export const UNREADABLE_KEY = '__proto__';

/** C0 and C1 control characters and DEL: a terminal's escapes, nothing a person types into a field. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** Half of a UTF-16 surrogate pair without the other half ("\ud800" in JSON): no character at all. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** Something that shows: not only spaces and invisible formatting (a zero-width space, a soft hyphen). */
const VISIBLE = /[^\p{Z}\p{Cf}\s]/u;

/**
 * Trimmed, non-empty text of at most `max` characters that shows something,
 * with control characters and broken characters refused: every name, title,
 * question and choice a person types.
 */
export const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !CONTROL.test(s), 'must not contain control characters')
    .refine((s) => !LONE_SURROGATE.test(s), 'must not contain half of a character (a lone UTF-16 surrogate)')
    .refine((s) => VISIBLE.test(s), 'must not be empty (it has only invisible characters)');

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
