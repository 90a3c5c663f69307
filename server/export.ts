import { stringify } from 'csv-stringify/sync';
import { fromBase64, toBase64 } from 'lib0/buffer';
import { performance } from 'node:perf_hooks';
import * as Y from 'yjs';
import { z } from 'zod';
import { Group, readControl, readGroups, readMeta, readResults, readTeams, ROOTS } from '../shared/doc.ts';
import { computeInsights, selfFromBoard } from '../shared/insights.ts';
import { AppError } from '../shared/errors.ts';
import { IMPORT_LIMITS, VOTE_LIMITS, type Limits } from '../shared/limits.ts';
import {
  EXPORT_FORMAT,
  EXPORT_VERSION,
  ImportFile,
  TEAM_CSV_COLUMNS,
  VOTE_CSV_COLUMNS,
  type ExportBallot,
  type ExportFile,
  type ExportVote,
} from '../shared/export-format.ts';
import { ReplayEngine } from '../shared/replay.ts';
import { inRedZone } from '../shared/risk.ts';
import { Template } from '../shared/template.ts';
import { findTemplate } from '../shared/templates/index.ts';
import { FALLBACK_TEMPLATE, mergeTimeline } from '../shared/timeline.ts';
import { importedVotes } from './import-votes.ts';
import { observerToken } from './routes/context.ts';
import { secureShuffle } from './shuffle.ts';
import type { LogEntry, Store, WorkshopRecord } from './store.ts';
import { hashSecret, newId, newJoinCode, newSecret } from './tokens.ts';
import { logEntryRefusal } from './write-filter.ts';

/** Reading the log for an export: big pages, since this is one request reading it all. */
const EXPORT_PAGE = 5000;

/**
 * The longest an import or an export works before it lets other requests and sockets in. A long
 * log replayed in one go held the event loop for seconds (400,000 entries: 15 s), and with it
 * every other workshop on the server.
 */
export const SLICE_MS = 10;

/** The clock of a long loop: `if (slice.due) await slice.pause()` between steps. */
export class TimeSlice {
  private start = performance.now();
  constructor(private readonly ms = SLICE_MS) {}
  /** This slice has run its time. */
  get due(): boolean {
    return performance.now() - this.start >= this.ms;
  }
  /** Lets whatever is waiting run (I/O, timers, other slices), then starts a new slice. */
  async pause(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.start = performance.now();
  }
}

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
      timeline: mergeTimeline({ docEvents: engine.events, participants, presence }),
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

async function mapSliced<T, U>(items: readonly T[], slice: TimeSlice, fn: (item: T, index: number) => U): Promise<U[]> {
  const out: U[] = [];
  for (let i = 0; i < items.length; i++) {
    out.push(fn(items[i]!, i));
    if (slice.due) await slice.pause();
  }
  return out;
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
      current_stage: t.stageCurrent,
      target_stage: t.stageTarget,
      autonomy: t.autonomy,
      controls: t.controls,
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
        stage: b.stage,
        autonomy: b.autonomy,
        controls: b.controls,
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

/** Authors that are roles, not participant ids; an import keeps them as they are. */
const ROLE_AUTHORS = new Set(['facilitator', 'server', 'observer']);

/**
 * ImportFile with its lists' items left unchecked: those are checked one by one, in slices (a file
 * of maxImportBytes holds a million of them). The lists keep ImportFile's own bounds and defaults.
 */
const ImportHead = ImportFile.extend({
  participants: z.array(z.unknown()).max(IMPORT_LIMITS.maxParticipants),
  timeline: z.array(z.unknown()).max(IMPORT_LIMITS.maxTimelineEvents),
  votes: z.array(z.unknown()).max(IMPORT_LIMITS.maxVotes).default([]),
  ballots: z.array(z.unknown()).max(IMPORT_LIMITS.maxBallots).default([]),
  log: z.array(z.unknown()).min(1, 'the log is empty'),
});
const KEY_ORDER = Object.keys(ImportFile.shape);
const ITEMS: Record<string, z.ZodType> = {
  participants: ImportFile.shape.participants.element,
  timeline: ImportFile.shape.timeline.element,
  votes: ImportFile.shape.votes.unwrap().element,
  ballots: ImportFile.shape.ballots.unwrap().element,
  log: ImportFile.shape.log.element,
};

const notAnExport = (issue: { path: PropertyKey[]; message: string }) =>
  new AppError('bad_request', `not a Stageboard export: ${issue.path.join('.') || 'file'}: ${issue.message}`);

/**
 * `ImportFile.parse`, in slices, naming the same first problem: a list's bad item is named before
 * a problem with a later field, as zod would.
 */
async function parseImportFile(raw: unknown, slice: TimeSlice): Promise<ImportFile> {
  const head = ImportHead.safeParse(raw);
  const headIssue = head.success ? undefined : head.error.issues[0]!;
  const headAt = headIssue ? KEY_ORDER.indexOf(String(headIssue.path[0])) : Infinity;
  const fields = (head.success ? head.data : raw) as Record<string, unknown>;
  for (const [key, item] of Object.entries(ITEMS)) {
    if (KEY_ORDER.indexOf(key) >= headAt) break;
    const list = fields[key];
    if (!Array.isArray(list)) continue;
    for (let i = 0; i < list.length; i++) {
      const parsed = item.safeParse(list[i]);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw notAnExport({ path: [key, i, ...issue.path], message: issue.message });
      }
      // Parsed values, not the file's: names are trimmed.
      if (head.success) list[i] = parsed.data;
      if (slice.due) await slice.pause();
    }
  }
  if (headIssue) throw notAnExport(headIssue);
  return head.data as ImportFile;
}

/**
 * Turns an export into a new workshop: a fresh id, join code and facilitator
 * key. The log is replayed first, so a file whose updates do not form a
 * complete document, or that holds a change the board would refuse from a
 * socket (a team of the wrong shape, one team past `maxTeams`), is refused
 * before anything is stored. Participants get
 * new ids (the file may come from this same server) and tokens nobody holds;
 * the log's authors follow the new ids. Revealed votes and their ballots come
 * back too (server/import-votes.ts), so a re-export matches and rounds continue.
 * The work runs in slices of SLICE_MS, so a long file never stalls the other workshops;
 * what is stored is still stored in one step, at the end.
 */
export async function importExport(store: Store, raw: unknown, limits: Pick<Limits, 'maxTeams'>) {
  const slice = new TimeSlice();
  const file = await parseImportFile(raw, slice);
  const template = Template.safeParse(file.template);
  if (!template.success) throw new AppError('bad_request', 'not a Stageboard export: template is invalid');

  const ids = new Map(file.participants.map((p) => [p.id, newId('p_')]));
  if (ids.size !== file.participants.length) {
    const seen = new Set<string>();
    const at = file.participants.findIndex((p) => {
      if (seen.has(p.id)) return true;
      seen.add(p.id);
      return false;
    });
    throw new AppError(
      'bad_request',
      `not a Stageboard export: participants.${at}: the id ${JSON.stringify(file.participants[at]!.id)} appears twice`,
    );
  }
  const author = (a: string) => (ROLE_AUTHORS.has(a) ? a : (ids.get(a) ?? a));
  const engine = new ReplayEngine({ checkpointEvery: Number.MAX_SAFE_INTEGER, frames: false });
  try {
    const entries = await mapSliced(file.log, slice, (e, i): LogEntry => {
      if (e.seq !== i + 1) throw new AppError('bad_request', `log entry ${i + 1} has seq ${e.seq}; the log must run 1, 2, 3…`);
      return { seq: e.seq, at: e.at, author: author(e.author), data: fromBase64(e.update) };
    });
    // Each entry is held to the rules a socket's change is (server/write-filter.ts) before it is
    // applied: an import needs no credential, so without them a file could carry any number of
    // teams of any shape and size. Inspecting an entry costs about what applying it does.
    for (const e of entries) {
      const refusal = logEntryRefusal(engine.finalDoc, e.data, limits);
      if (refusal) throw new AppError('bad_request', `log entry ${e.seq}: ${refusal}`);
      try {
        engine.append([{ seq: e.seq, at: e.at, author: e.author, update: e.data }]);
      } catch {
        throw new AppError('bad_request', `log entry ${e.seq}: not a valid Yjs update`);
      }
      if (slice.due) await slice.pause();
    }
    const meta = engine.finalDoc.getMap<unknown>(ROOTS.meta);
    if (engine.incomplete || !Template.safeParse(meta.get('template')).success || typeof meta.get('title') !== 'string') {
      throw new AppError('bad_request', 'the log does not replay to a complete workshop');
    }
    const snapshot = Y.encodeStateAsUpdate(engine.finalDoc);
    const participants = await mapSliced(file.participants, slice, (p) => ({
      id: ids.get(p.id)!,
      name: p.name,
      createdAt: p.joinedAt,
      removedAt: p.removedAt,
      // Nobody holds this token: imported participants are history, not seats.
      tokenHash: hashSecret(newSecret()),
    }));
    const presence = file.timeline.filter((e) => e.kind === 'connect' || e.kind === 'disconnect');
    const events = await mapSliced(presence, slice, (e) => ({ at: e.at, kind: e.kind, actor: author(e.actor ?? 'observer'), data: {} }));

    const id = newId();
    const key = newSecret();
    const { votes, ballots } = await importedVotes({
      file,
      results: readResults(engine.finalDoc),
      workshopId: id,
      participantIds: ids,
      slice,
    });
    for (let attempt = 0; ; attempt++) {
      const record = {
        id,
        title: file.workshop.title,
        templateId: template.data.id,
        joinCode: newJoinCode(),
        createdAt: file.workshop.createdAt,
      };
      try {
        await store.importWorkshop({
          workshop: { ...record, facilitatorKeyHash: hashSecret(key), observerTokenHash: hashSecret(observerToken(key, id, 1)) },
          entries,
          snapshot,
          participants: participants.map((p) => ({ ...p, workshopId: id })),
          events,
          votes,
          ballots,
        });
        return { record, key };
      } catch (err) {
        // Only a join code another workshop took meanwhile is worth another try; other conflicts are the file's.
        if (attempt < 5 && /join_code/.test(String(err))) continue;
        throw err;
      }
    }
  } finally {
    engine.destroy();
  }
}
