import type { PgDb } from './pg-db.ts';
import { rememberPg } from './pg-requests.ts';
import { ballotOrder, type BallotOutcome, type BallotRecord, type CancelOutcome, type Store, type VoteRecord } from './store.ts';
import { toBallot, toVote, type BallotRow, type VoteRow } from './store-rows.ts';

/* The PostgreSQL store's votes and their secret ballots. */

export const INSERT_VOTE = `INSERT INTO votes (id, workshop_id, question, kind, team_id, choices, groups_json, auto_reveal, state, round, self_json, opened_at, closed_at, revealed_at, named, doc_id)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`;
export const voteParams = (v: VoteRecord) => [
  v.id,
  v.workshopId,
  v.question,
  v.kind,
  v.teamId,
  v.choices && JSON.stringify(v.choices),
  v.groups && JSON.stringify(v.groups),
  v.autoReveal,
  v.state,
  v.round,
  v.self && JSON.stringify(v.self),
  v.openedAt,
  v.closedAt,
  v.revealedAt,
  v.named ?? false,
  v.docId ?? null,
];
export const INSERT_BALLOT = `INSERT INTO ballots (vote_id, participant_id, group_id, value, salt, receipt, seq, at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`;
export const ballotParams = (b: BallotRecord, seq = b.seq) => [b.voteId, b.participantId, b.group, b.value, b.salt, b.receipt, seq, b.at];

type VoteCalls = 'createVote' | 'getVote' | 'listVotes' | 'setVoteState' | 'putBallot' | 'cancelVote' | 'getBallot' | 'listBallots';

export function pgVotes({ pool, one, rows, changed, tx }: PgDb): Pick<Store, VoteCalls> {
  return {
    createVote: async (v, remember) => {
      if (!remember) return void (await pool.query(INSERT_VOTE, voteParams(v)));
      await tx(async (c) => {
        await c.query(INSERT_VOTE, voteParams(v));
        await rememberPg(c, remember);
      });
    },
    getVote: async (id, voteId) => {
      const r = await one<VoteRow>('SELECT * FROM votes WHERE workshop_id = $1 AND id = $2', [id, voteId]);
      return r && toVote(r);
    },
    listVotes: async (id) => (await rows<VoteRow>('SELECT * FROM votes WHERE workshop_id = $1 ORDER BY opened_at, id', [id])).map(toVote),
    setVoteState: (id, voteId, from, to, at) =>
      changed(
        `UPDATE votes SET state = $1::text,
           closed_at = CASE WHEN $1::text = 'closed' AND $5::text = 'open' THEN $2::bigint ELSE closed_at END,
           revealed_at = CASE WHEN $1::text = 'revealed' THEN $2::bigint WHEN $5::text = 'revealed' THEN NULL ELSE revealed_at END
         WHERE workshop_id = $3 AND id = $4 AND state = $5`,
        [to, at, id, voteId, from],
      ),
    // The vote row is read FOR SHARE: a close (an UPDATE of that row) waits for
    // this transaction, so a ballot can never land after the close.
    putBallot: (b) =>
      tx(async (c): Promise<BallotOutcome> => {
        const vote = (await c.query('SELECT state FROM votes WHERE id = $1 FOR SHARE', [b.voteId])).rows[0];
        if (vote?.state !== 'open') return 'closed';
        const prev = (
          await c.query('SELECT seq, value FROM ballots WHERE vote_id = $1 AND participant_id = $2 FOR UPDATE', [b.voteId, b.participantId])
        ).rows[0];
        const order = ballotOrder(prev as { seq: number; value: string } | undefined, b);
        if (order !== 'stored') return order;
        await c.query(
          `${INSERT_BALLOT}
           ON CONFLICT (vote_id, participant_id) DO UPDATE SET group_id = excluded.group_id, value = excluded.value,
             salt = excluded.salt, receipt = excluded.receipt, seq = excluded.seq, at = excluded.at`,
          ballotParams(b, Math.max(b.seq, (prev?.seq as number | undefined) ?? 0)),
        );
        return 'stored';
      }),
    // The vote row is locked FOR UPDATE first: a ballot (FOR SHARE) or a close or reveal (an UPDATE)
    // waits, then finds no vote; one that came first is seen here (a reveal) or deleted with the rest.
    cancelVote: (id, voteId) =>
      tx(async (c): Promise<CancelOutcome> => {
        const vote = (await c.query('SELECT state FROM votes WHERE workshop_id = $1 AND id = $2 FOR UPDATE', [id, voteId])).rows[0];
        if (!vote) return 'missing';
        if (vote.state === 'revealed') return 'revealed';
        await c.query('DELETE FROM ballots WHERE vote_id = $1', [voteId]);
        await c.query('DELETE FROM votes WHERE workshop_id = $1 AND id = $2', [id, voteId]);
        return 'cancelled';
      }),
    getBallot: async (voteId, pid) => {
      const r = await one<BallotRow>('SELECT * FROM ballots WHERE vote_id = $1 AND participant_id = $2', [voteId, pid]);
      return r && toBallot(r);
    },
    listBallots: async (voteId) =>
      (await rows<BallotRow>('SELECT * FROM ballots WHERE vote_id = $1 ORDER BY at, participant_id', [voteId])).map(toBallot),
  };
}
