import type { Insight } from './insights.ts';
import { z } from 'zod';
import type { Control, Team } from './doc.ts';
import { IMPORT_LIMITS, REQUEST_LIMITS, TEXT, VOTE_LIMITS } from './limits.ts';
import type { Template } from './template.ts';
import { TimelineEvent } from './timeline.ts';

/**
 * The JSON export (`GET /api/workshops/<id>/export`), documented in README
 * "Export format". Everything but `log` is a convenience view of the final
 * state; `log` is the truth, and an import replays only `log`, `participants`
 * and the connect/leave events of `timeline`, re-deriving the rest.
 */
export const EXPORT_FORMAT = 'stageboard-export';
export const EXPORT_VERSION = 1;

export interface ExportParticipant {
  id: string;
  name: string;
  joinedAt: number;
  removedAt: number | null;
}

/** One revealed vote; filled in by the voting module (see server/export.ts `collectVotes`). */
export interface ExportVote {
  id: string;
  question: string;
  kind: string;
  teamId?: string;
  /** "named" only when the facilitator chose named votes; otherwise ballots carry no participant id. */
  visibility: 'anonymous' | 'named';
  openedAt?: number;
  revealedAt?: number;
  /**
   * Which round of its question (and team) this vote was: 1, 2…; round 1 and round 2 otherwise
   * differ only by id. Absent in files exported before it was added.
   */
  round?: number;
  /** The breakout group ids the vote was for; null for everyone. Absent in files exported before it was added. */
  groups?: string[] | null;
}

export interface ExportBallot {
  voteId: string;
  /** A participant id for named votes; "voter 1", "voter 2"… otherwise. */
  voter: string;
  group?: string;
  stage?: number;
  autonomy?: number;
  controls?: number;
  choice?: string;
  at?: number;
}

export interface ExportFile {
  format: typeof EXPORT_FORMAT;
  version: typeof EXPORT_VERSION;
  exportedAt: number;
  workshop: { id: string; title: string; templateId: string; createdAt: number };
  template: Template;
  /** The final document, read through the validating readers (invalid values dropped). */
  state: { control: Control; groups: unknown; results: unknown };
  teams: Team[];
  participants: ExportParticipant[];
  votes: ExportVote[];
  ballots: ExportBallot[];
  /** Revealed aggregates, as the `results` map holds them. */
  results: unknown;
  timeline: TimelineEvent[];
  /** The facilitator's insights at the end of the session, and as they stood at each reveal. */
  insights: { final: Insight[]; atReveals: { voteId: string; question: string; round: number; revealedAt: number; insights: Insight[] }[] };
  log: { seq: number; at: number; author: string; update: string }[];
}

const base64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** What an import trusts. Views (teams, state, results) are ignored and rebuilt from the log. */
export const ImportFile = z.object({
  format: z.literal(EXPORT_FORMAT),
  version: z.literal(EXPORT_VERSION),
  workshop: z.object({
    title: z.string().trim().min(1).max(TEXT.title),
    createdAt: z.number().finite(),
  }),
  template: z.unknown(),
  participants: z
    .array(
      z.object({
        id: z.string().min(1).max(REQUEST_LIMITS.idChars),
        name: z.string().trim().min(1).max(TEXT.displayName),
        joinedAt: z.number().finite(),
        removedAt: z.number().finite().nullable(),
      }),
    )
    .max(IMPORT_LIMITS.maxParticipants),
  timeline: z.array(TimelineEvent).max(IMPORT_LIMITS.maxTimelineEvents),
  /**
   * Revealed votes and their ballots. The log holds each vote's result (question, round,
   * tally, salted ballots) but not the ballots' groups or voters, so these come from the file;
   * absent in files that had no votes.
   */
  votes: z
    .array(
      z.object({
        id: z.string().min(1).max(REQUEST_LIMITS.idChars),
        visibility: z.enum(['anonymous', 'named']),
        openedAt: z.number().finite().optional(),
        revealedAt: z.number().finite().optional(),
      }),
    )
    .max(IMPORT_LIMITS.maxVotes)
    .default([]),
  ballots: z
    .array(
      z.object({
        voteId: z.string().min(1).max(REQUEST_LIMITS.idChars),
        voter: z.string().min(1).max(IMPORT_LIMITS.authorChars),
        group: z.string().max(REQUEST_LIMITS.idChars).optional(),
        stage: z.number().finite().optional(),
        autonomy: z.number().finite().optional(),
        controls: z.number().finite().optional(),
        choice: z.string().max(VOTE_LIMITS.choiceChars).optional(),
        at: z.number().finite().optional(),
      }),
    )
    .max(IMPORT_LIMITS.maxBallots)
    .default([]),
  log: z
    .array(
      z.object({
        seq: z.number().int().min(1),
        at: z.number().finite(),
        author: z.string().min(1).max(IMPORT_LIMITS.authorChars),
        update: z.string().max(IMPORT_LIMITS.maxUpdateBase64Chars).regex(base64, 'update must be base64'),
      }),
    )
    .min(1, 'the log is empty'),
});
export type ImportFile = z.infer<typeof ImportFile>;

/** Columns of the CSV exports, in order; README "Export format" lists them. New columns go at the end. */
export const TEAM_CSV_COLUMNS = [
  'team_id',
  'team',
  'current_stage',
  'target_stage',
  'autonomy',
  'controls',
  'reliance',
  'bottleneck',
  'commitment',
  'owner',
  'red_zone',
] as const;

export const VOTE_CSV_COLUMNS = [
  'vote_id',
  'question',
  'kind',
  'team_id',
  'group',
  'voter',
  'stage',
  'autonomy',
  'controls',
  'choice',
  'at',
  'group_name',
  'team_name',
  'round',
  'vote_groups',
] as const;
