import { receiptInput, type BallotValue, type RevealedBallot, type VoteResult } from '../shared/votes.ts';
import type { ImportFile } from '../shared/export-format.ts';
import type { TimeSlice } from './time-slice.ts';
import type { BallotRecord, VoteRecord } from './store.ts';
import { newId } from './tokens.ts';

type FileBallot = ImportFile['ballots'][number];

/** A file ballot's value in the shape its vote's kind takes, or null when it has none. */
function valueOf(kind: VoteResult['kind'], b: FileBallot): BallotValue | null {
  if (kind === 'stage') return b.stage === undefined ? null : { stage: b.stage };
  if (kind === 'choice') return b.choice === undefined ? null : { choice: b.choice };
  return b.autonomy === undefined || b.controls === undefined ? null : { autonomy: b.autonomy, controls: b.controls };
}

/** Canonical text of a value: two ballots with the same value match whatever their key order. */
const canonical = (voteId: string, v: BallotValue) => receiptInput(voteId, '', v);

/**
 * The vote rows and ballots of an imported workshop. A vote is imported only if
 * the replayed log revealed it (`results.<id>`), and its question, kind, team,
 * choices, groups, round and self-placement are read from that result, so rounds
 * continue where the original stopped. Each file ballot must match one of the
 * result's published ballots by value (the log is the truth), and takes that
 * ballot's salt and receipt. Rows get fresh ids (the same file may be imported
 * twice into one server) and keep the log's id as `docId`. Named voters follow
 * the participants' new ids; anonymous ones ("voter 3") become synthetic ids with
 * a space in them, which no participant id has, so no token ever resolves to them.
 * It works in the import's slices (`slice`): a file may hold a million ballots.
 */
export async function importedVotes(opts: {
  file: ImportFile;
  results: VoteResult[];
  workshopId: string;
  participantIds: ReadonlyMap<string, string>;
  slice: TimeSlice;
}): Promise<{ votes: VoteRecord[]; ballots: BallotRecord[] }> {
  const { slice } = opts;
  const results = new Map(opts.results.map((r) => [r.voteId, r]));
  // The file's ballots by vote, in one pass: an import is open to anyone, so nothing here may grow
  // with votes × ballots (a 64 MiB file holds hundreds of thousands of ballots).
  const fileBallots = new Map<string, FileBallot[]>();
  for (const fb of opts.file.ballots) {
    const list = fileBallots.get(fb.voteId);
    if (list) list.push(fb);
    else fileBallots.set(fb.voteId, [fb]);
    if (slice.due) await slice.pause();
  }
  const done = new Set<string>();
  const votes: VoteRecord[] = [];
  const ballots: BallotRecord[] = [];
  for (const fv of opts.file.votes) {
    if (slice.due) await slice.pause();
    const r = results.get(fv.id);
    if (!r || done.has(fv.id)) continue;
    done.add(fv.id);
    const revealedAt = fv.revealedAt ?? r.revealedAt;
    const named = fv.visibility === 'named';
    const vote: VoteRecord = {
      id: newId('v_'),
      docId: r.voteId,
      workshopId: opts.workshopId,
      question: r.question,
      kind: r.kind,
      teamId: r.teamId,
      choices: r.choices,
      groups: r.groups ?? null,
      autoReveal: false,
      named,
      state: 'revealed',
      round: r.round,
      self: r.self,
      openedAt: fv.openedAt ?? revealedAt,
      closedAt: revealedAt,
      revealedAt,
    };
    votes.push(vote);

    // Published ballots by value, each usable once.
    const published = new Map<string, RevealedBallot[]>();
    for (const p of r.ballots ?? []) {
      const k = canonical(r.voteId, p.value);
      const same = published.get(k);
      if (same) same.push(p);
      else published.set(k, [p]);
      if (slice.due) await slice.pause();
    }
    const voters = new Set<string>();
    for (const fb of fileBallots.get(fv.id) ?? []) {
      if (slice.due) await slice.pause();
      const value = valueOf(r.kind, fb);
      if (!value) continue;
      const participantId = (named && opts.participantIds.get(fb.voter)) || `imported ${fb.voter}`;
      if (voters.has(participantId)) continue;
      // Results stored before ballots were published carry none to check against.
      const match = r.ballots ? published.get(canonical(r.voteId, value))?.pop() : undefined;
      if (r.ballots && !match) continue;
      voters.add(participantId);
      ballots.push({
        voteId: vote.id,
        participantId,
        group: fb.group ?? null,
        value: JSON.stringify(value),
        salt: match?.salt ?? '',
        receipt: match?.receipt ?? '',
        seq: 0,
        at: named && fb.at !== undefined ? fb.at : revealedAt,
      });
    }
  }
  return { votes, ballots };
}
