import { fromBase64 } from 'lib0/buffer';
import * as Y from 'yjs';
import { z } from 'zod';
import { readResults, ROOTS } from '../shared/doc.ts';
import { AppError } from '../shared/errors.ts';
import { ImportFile } from '../shared/export-format.ts';
import { IMPORT_LIMITS, type Limits } from '../shared/limits.ts';
import { ReplayEngine } from '../shared/replay.ts';
import { Template } from '../shared/template.ts';
import { importedVotes } from './import-votes.ts';
import { observerToken } from './routes/context.ts';
import type { LogEntry, Store } from './store.ts';
import { mapSliced, TimeSlice } from './time-slice.ts';
import { hashSecret, newId, newJoinCode, newSecret } from './tokens.ts';
import { logEntryRefusal } from './write-filter.ts';

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

/**
 * The import's time slice, which also stops it at its next pause once it is abandoned: nobody is
 * left to be told the new key, so the rest of the parse and the replay (seconds of CPU for a long
 * file) would only take the time a shutdown or the other workshops need. Every sliced loop of the
 * import (parse, replay, votes) pauses through here.
 */
class AbandonableSlice extends TimeSlice {
  constructor(private readonly abandoned: AbortSignal | undefined) {
    super();
  }
  override async pause(): Promise<void> {
    await super.pause();
    this.abandoned?.throwIfAborted();
  }
}

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
 * the store writes it all or nothing, and nothing finds the workshop before it is whole
 * (server/sqlite-import.ts writes in batches, PostgreSQL in one transaction). Once `abandoned` is
 * aborted (nobody is left to be told the new key) the import stops at its next pause, in the parse,
 * the replay or the store, keeps nothing and rejects with the signal's reason.
 */
export async function importExport(store: Store, raw: unknown, limits: Pick<Limits, 'maxTeams'>, abandoned?: AbortSignal) {
  const slice = new AbandonableSlice(abandoned);
  const file = await parseImportFile(raw, slice);
  abandoned?.throwIfAborted();
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
    abandoned?.throwIfAborted();
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
      abandoned?.throwIfAborted();
      const record = {
        id,
        title: file.workshop.title,
        templateId: template.data.id,
        joinCode: newJoinCode(),
        createdAt: file.workshop.createdAt,
      };
      try {
        await store.importWorkshop(
          {
            workshop: { ...record, facilitatorKeyHash: hashSecret(key), observerTokenHash: hashSecret(observerToken(key, id, 1)) },
            entries,
            snapshot,
            participants: participants.map((p) => ({ ...p, workshopId: id })),
            events,
            votes,
            ballots,
          },
          abandoned,
        );
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
