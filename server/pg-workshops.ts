import type { PgDb } from './pg-db.ts';
import { bytes } from './pg-db.ts';
import { INSERT_UPDATE } from './pg-log.ts';
import { rememberPg } from './pg-requests.ts';
import type { Credential, NewWorkshop, ParticipantRecord, Store } from './store.ts';
import { toParticipant, toWorkshop, type ParticipantRow, type WorkshopRow } from './store-rows.ts';

/* The PostgreSQL store's workshops, their tokens and their participants. */

export const INSERT_WORKSHOP = `INSERT INTO workshops (id, title, template_id, join_code, facilitator_key_hash, observer_token_hash, created_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7)`;
export const workshopParams = (w: NewWorkshop) => [
  w.id,
  w.title,
  w.templateId,
  w.joinCode,
  w.facilitatorKeyHash,
  w.observerTokenHash,
  w.createdAt,
];
const SEAT_PARTICIPANT = `INSERT INTO participants (id, workshop_id, name, token_hash, created_at, removed_at)
  SELECT $1::text, $2::text, $3::text, $4::text, $5::bigint, NULL
  WHERE (SELECT count(*) FROM participants WHERE workshop_id = $2 AND removed_at IS NULL AND NOT imported) < $6::bigint`;
export const participantParams = (p: ParticipantRecord & { tokenHash: string }) => [p.id, p.workshopId, p.name, p.tokenHash, p.createdAt];

type WorkshopCalls =
  | 'createWorkshop'
  | 'getWorkshop'
  | 'findWorkshopByJoinCode'
  | 'setJoinCode'
  | 'rotateObserver'
  | 'resolveCredential'
  | 'addParticipant'
  | 'countParticipants'
  | 'listParticipants'
  | 'renameParticipant'
  | 'removeParticipant'
  | 'reissueParticipantToken'
  | 'reissueFacilitatorKey';

export function pgWorkshops({ pool, one, rows, changed, tx }: PgDb): Pick<Store, WorkshopCalls> {
  return {
    createWorkshop: (w, initialUpdate, remember) =>
      tx(async (c) => {
        await c.query(INSERT_WORKSHOP, workshopParams(w));
        await c.query(INSERT_UPDATE, [w.id, 1, w.createdAt, 'server', bytes(initialUpdate)]);
        await rememberPg(c, remember);
      }),
    getWorkshop: async (id) => {
      const r = await one<WorkshopRow>('SELECT * FROM workshops WHERE id = $1', [id]);
      return r && toWorkshop(r);
    },
    findWorkshopByJoinCode: async (code) => {
      const r = await one<WorkshopRow>('SELECT * FROM workshops WHERE join_code = $1', [code]);
      return r && toWorkshop(r);
    },
    setJoinCode: async (id, code) => void (await pool.query('UPDATE workshops SET join_code = $1 WHERE id = $2', [code, id])),
    rotateObserver: async (id, hash, version) =>
      void (await pool.query('UPDATE workshops SET observer_token_hash = $1, observer_version = $2 WHERE id = $3', [hash, version, id])),
    resolveCredential: async (workshopId, tokenHash): Promise<Credential | undefined> => {
      const f = await one(
        `SELECT CASE WHEN facilitator_key_hash = $2 THEN 'facilitator' ELSE 'observer' END AS role
         FROM workshops WHERE id = $1 AND (facilitator_key_hash = $2 OR observer_token_hash = $2)`,
        [workshopId, tokenHash],
      );
      if (f?.role === 'facilitator') return { role: 'facilitator', author: 'facilitator' };
      if (f?.role === 'observer') return { role: 'observer', author: 'observer' };
      const p = await one(
        'SELECT id, name FROM participants WHERE workshop_id = $1 AND token_hash = $2 AND removed_at IS NULL AND NOT imported',
        [workshopId, tokenHash],
      );
      if (!p) return undefined;
      const pid = p.id as string;
      return { role: 'participant', author: pid, participantId: pid, name: p.name as string };
    },
    // Under READ COMMITTED two joins could each count the other's seat as free; locking the
    // workshop's row first makes them take turns, and the INSERT's own snapshot, taken after the
    // lock, sees every seat committed before it. NO KEY UPDATE leaves foreign-key checks unblocked.
    // Only a join that took a seat is remembered: a full workshop's answer may change.
    addParticipant: (p, maxSeats, remember) =>
      tx(async (c) => {
        await c.query('SELECT 1 FROM workshops WHERE id = $1 FOR NO KEY UPDATE', [p.workshopId]);
        const seated = ((await c.query(SEAT_PARTICIPANT, [...participantParams(p), maxSeats])).rowCount ?? 0) > 0;
        if (seated) await rememberPg(c, remember);
        return seated;
      }),
    countParticipants: async (id) =>
      Number(
        (await one('SELECT count(*) AS n FROM participants WHERE workshop_id = $1 AND removed_at IS NULL AND NOT imported', [id]))?.n ?? 0,
      ),
    listParticipants: async (id) =>
      (await rows<ParticipantRow>('SELECT * FROM participants WHERE workshop_id = $1 ORDER BY created_at, id', [id])).map(toParticipant),
    renameParticipant: (id, pid, name) =>
      changed('UPDATE participants SET name = $1 WHERE workshop_id = $2 AND id = $3 AND removed_at IS NULL', [name, id, pid]),
    removeParticipant: (id, pid, at) =>
      changed('UPDATE participants SET removed_at = $1 WHERE workshop_id = $2 AND id = $3 AND removed_at IS NULL', [at, id, pid]),
    reissueParticipantToken: (id, pid, hash) =>
      changed('UPDATE participants SET token_hash = $1 WHERE workshop_id = $2 AND id = $3 AND removed_at IS NULL AND NOT imported', [
        hash,
        id,
        pid,
      ]),
    reissueFacilitatorKey: (id, keyHash, observerHash) =>
      changed('UPDATE workshops SET facilitator_key_hash = $1, observer_token_hash = $2 WHERE id = $3', [keyHash, observerHash, id]),
  };
}
