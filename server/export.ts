import { stringify } from 'csv-stringify/sync';
import { toBase64 } from 'lib0/buffer';
import { z } from 'zod';
import { Group, readControl, readGroups, readMeta, readResults, readTeams, ROOTS } from '../shared/doc.ts';
import { computeInsights, selfFromBoard } from '../shared/insights.ts';
import { VOTE_LIMITS } from '../shared/limits.ts';
import {
  EXPORT_FORMAT,
  EXPORT_VERSION,
  TEAM_CSV_COLUMNS,
  VOTE_CSV_COLUMNS,
  type ExportBallot,
  type ExportFile,
  type ExportVote,
} from '../shared/export-format.ts';
import { ReplayEngine } from '../shared/replay.ts';
import { inRedZone } from '../shared/risk.ts';
import { findTemplate } from '../shared/templates/index.ts';
import { FALLBACK_TEMPLATE, mergeTimeline } from '../shared/timeline.ts';
import { secureShuffle } from './shuffle.ts';
import type { LogEntry, Store, WorkshopRecord } from './store.ts';
import { mapSliced, TimeSlice } from './time-slice.ts';

/** Reading the log for an export: big pages, since this is one request reading it all. */
const EXPORT_PAGE = 5000;

/** Replays a workshop's whole stored log. */
async function replayStored(store: Store, workshopId: string, slice: TimeSlice) {
  const engine = new ReplayEngine({ checkpointEvery: Number.MAX_SAFE_INTEGER, frames: false });
  const log: LogEntry[] = [];
  try {
    for (let since = 0; ;) {
      const page = await store.history(workshopId, since, EXPORT_PAGE);
      for (const e of page) {
        engine.append([{ seq: e.seq, at: e.at, author: e.author, update: e.data }]);
        log.push(e);
        if (slice.due) await slice.pause();
      }
      if (page.length < EXPORT_PAGE) break;
      since = page[page.length - 1]!.seq;
    }
  } catch (err) {
    engine.destroy();
    throw err;
  }
  return { engine, log };
}

const BallotValue = z.object({
  stage: z.number().finite().optional(),
  autonomy: z.number().finite().optional(),
  controls: z.number().finite().optional(),
  choice: z.string().max(VOTE_LIMITS.choiceChars).optional(),
});

/**
 * Revealed votes and their ballots. Ballots of a vote not yet revealed never
 * leave the server. Anonymous votes (the default: PRODUCT.md has no named
 * option yet) relabel voters "voter 1", "voter 2"… per vote, in random
 * order, without times (the order and times of ballots could be matched
 * against who connected when); a vote marked `named` keeps participant ids and times.
 */
export async function collectVotes(
  store: Store,
  workshopId: string,
  slice = new TimeSlice(),
): Promise<{ votes: ExportVote[]; ballots: ExportBallot[] }> {
  const votes: ExportVote[] = [];
  const ballots: ExportBallot[] = [];
  for (const v of await store.listVotes(workshopId)) {
    if (v.state !== 'revealed') continue;
    const named = v.named === true;
    // An imported vote's row has a fresh id; the log, its results and the file know it by docId.
    const voteId = v.docId ?? v.id;
    votes.push({
      id: voteId,
      question: v.question,
      kind: v.kind,
      ...(v.teamId ? { teamId: v.teamId } : {}),
      visibility: named ? 'named' : 'anonymous',
      openedAt: v.openedAt,
      ...(v.revealedAt ? { revealedAt: v.revealedAt } : {}),
      round: v.round,
      groups: v.groups?.length ? v.groups : null,
    });
    const stored = await store.listBallots(v.id);
    for (const [i, b] of (named ? stored : secureShuffle(stored)).entries()) {
      if (slice.due) await slice.pause();
      let raw: unknown;
      try {
        raw = JSON.parse(b.value);
      } catch {
        continue;
      }
      const value = BallotValue.safeParse(raw);
      if (!value.success) continue;
      ballots.push({
        voteId,
        voter: named ? b.participantId : `voter ${i + 1}`,
        ...(b.group ? { group: b.group } : {}),
        ...value.data,
        ...(named ? { at: b.at } : {}),
      });
    }
  }
  return { votes, ballots };
}

/** The JSON export of a workshop, built in slices of SLICE_MS (`log` last: see `exportJson`). */
export async function buildExport(store: Store, w: WorkshopRecord, now: number): Promise<ExportFile> {
  const slice = new TimeSlice();
  const { engine, log } = await replayStored(store, w.id, slice);
  try {
    const doc = engine.finalDoc;
    const meta = readMeta(doc, findTemplate(w.templateId) ?? FALLBACK_TEMPLATE);
    const participants = (await store.listParticipants(w.id)).map((p) => ({
      id: p.id,
      name: p.name,
      joinedAt: p.createdAt,
      removedAt: p.removedAt,
    }));
    const presence = await store.listEvents(w.id);
    const { votes, ballots } = await collectVotes(store, w.id, slice);
    const results = doc.getMap(ROOTS.results).toJSON();
    const teams = readTeams(doc, meta.template.stages.length);
    const revealed = readResults(doc);
    const groupNames = Object.fromEntries(readGroups(doc).map((g) => [g.id, g.name]));
    return {
      format: EXPORT_FORMAT,
      version: EXPORT_VERSION,
      exportedAt: now,
      workshop: { id: w.id, title: meta.title || w.title, templateId: meta.template.id, createdAt: w.createdAt },
      template: meta.template,
      state: { control: readControl(doc), groups: doc.getMap(ROOTS.groups).toJSON(), results },
      teams,
      participants,
      votes,
      ballots,
      results,
      // A timer that ran out after the last log entry has no entry to be seen from: the end state says it.
      timeline: mergeTimeline({ docEvents: engine.events, participants, presence, final: { timer: readControl(doc).timer, now } }),
      insights: {
        // Against where each team stands at the end, not where it stood when a vote opened.
        final: computeInsights(teams, meta.template, selfFromBoard(revealed, teams), groupNames),
        atReveals: revealed.map((r) => ({
          voteId: r.voteId,
          question: r.question,
          round: r.round,
          revealedAt: r.revealedAt,
          insights: r.insights ?? [],
        })),
      },
      log: await mapSliced(log, slice, (e) => ({ seq: e.seq, at: e.at, author: e.author, update: toBase64(e.data) })),
    };
  } finally {
    engine.destroy();
  }
}

/**
 * `JSON.stringify(exp)`, the same text, with the log (nearly all of a long workshop's export)
 * written in slices. `log` is the last key `buildExport` sets, so it can follow the rest.
 */
export async function exportJson(exp: ExportFile): Promise<string> {
  const slice = new TimeSlice();
  const { log, ...rest } = exp;
  const parts = [JSON.stringify(rest).slice(0, -1), ',"log":['];
  for (let i = 0; i < log.length; i++) {
    parts.push((i ? ',' : '') + JSON.stringify(log[i]));
    if (slice.due) await slice.pause();
  }
  parts.push(']}');
  return parts.join('');
}

/**
 * A cell a spreadsheet would run as a formula (= + - @, or a tab or CR that
 * some programs strip before looking) gets a leading quote: OWASP's advice
 * for CSV injection. Numbers stay numbers, so negative values are untouched.
 */
export function safeCell(value: unknown): string | number {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number') return value;
  const s = String(value);
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
}

/**
 * A position as a spreadsheet should show it: stages to 2 decimals, shares (autonomy, controls)
 * to 3, finer than any screen shows them (one decimal, whole percents) and no float noise
 * ("0.6981132075471698" from a drag).
 */
const rounded = (v: number | undefined, digits: number): number | undefined => (v === undefined ? undefined : Number(v.toFixed(digits)));
const STAGE_DIGITS = 2;
const SHARE_DIGITS = 3;

function csv(columns: readonly string[], rows: Record<string, unknown>[]): string {
  return stringify(
    rows.map((r) => columns.map((c) => safeCell(r[c]))),
    { header: true, columns: [...columns], record_delimiter: '\r\n' },
  );
}

export function teamsCsv(exp: ExportFile): string {
  const tolerance = exp.template.diagonal.tolerance;
  return csv(
    TEAM_CSV_COLUMNS,
    exp.teams.map((t) => ({
      team_id: t.id,
      team: t.name,
      current_stage: rounded(t.stageCurrent, STAGE_DIGITS),
      target_stage: rounded(t.stageTarget, STAGE_DIGITS),
      autonomy: rounded(t.autonomy, SHARE_DIGITS),
      controls: rounded(t.controls, SHARE_DIGITS),
      reliance: t.reliance,
      bottleneck: t.bottleneck,
      commitment: t.commitment,
      owner: t.owner,
      red_zone:
        t.autonomy === undefined || t.controls === undefined
          ? ''
          : inRedZone({ autonomy: t.autonomy, controls: t.controls }, tolerance)
            ? 'yes'
            : 'no',
    })),
  );
}

/** Group names as the final document has them; a group deleted since leaves its ballots' name empty. */
function groupNames(exp: ExportFile): Map<string, string> {
  const list = (exp.state.groups as { list?: Record<string, unknown> } | null)?.list ?? {};
  const out = new Map<string, string>();
  for (const [id, g] of Object.entries(list)) {
    const parsed = Group.safeParse(g);
    if (parsed.success) out.set(id, parsed.data.name);
  }
  return out;
}

/**
 * One row per ballot of a revealed vote. `at` is empty for anonymous votes:
 * the export withholds their ballot times (see `collectVotes`).
 */
export function votesCsv(exp: ExportFile): string {
  const votes = new Map(exp.votes.map((v) => [v.id, v]));
  const groups = groupNames(exp);
  const teams = new Map(exp.teams.map((t) => [t.id, t.name]));
  return csv(
    VOTE_CSV_COLUMNS,
    exp.ballots.map((b) => {
      const v = votes.get(b.voteId);
      return {
        vote_id: b.voteId,
        question: v?.question,
        kind: v?.kind,
        team_id: v?.teamId,
        group: b.group,
        voter: b.voter,
        stage: rounded(b.stage, STAGE_DIGITS),
        autonomy: rounded(b.autonomy, SHARE_DIGITS),
        controls: rounded(b.controls, SHARE_DIGITS),
        choice: b.choice,
        at: b.at,
        group_name: b.group && groups.get(b.group),
        team_name: v?.teamId ? teams.get(v.teamId) : undefined,
        round: v?.round,
        // Ids, not names: a group's name may hold a space or be renamed; empty means everyone.
        vote_groups: v?.groups?.join(' '),
      };
    }),
  );
}
