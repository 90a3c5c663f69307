import { createHash, randomBytes } from 'node:crypto';
import type * as Y from 'yjs';
import { readGroups, readMembers, readMeta, readResults, readTeams, ROOTS } from '../../shared/doc.ts';
import { computeInsights } from '../../shared/insights.ts';
import { AppError } from '../../shared/errors.ts';
import { REQUEST_LIMITS } from '../../shared/limits.ts';
import { mayVote, NO_GROUP, tally } from '../../shared/tally.ts';
import { findTemplate, DEFAULT_TEMPLATE_ID } from '../../shared/templates/index.ts';
import { BallotBody, ControlVote, OpenVoteBody, receiptInput, selfOf, type BallotValue, type VoteResult } from '../../shared/votes.ts';
import { ballotValue } from '../ballot-value.ts';
import { readJson, sendJson } from '../http-util.ts';
import { once, type KeyedRequest } from '../idempotency.ts';
import { secureShuffle } from '../shuffle.ts';
import type { VoteRecord } from '../store.ts';
import { newId } from '../tokens.ts';
import { ID, type ApiContext, type Route } from './context.ts';

const VOTE = `(?<vote>v_[\\w-]{1,${REQUEST_LIMITS.idChars}})`;
/** Ballots within this of each other make one change of the live counts in the document. */
const COUNT_DELAY_MS = 100;
const FALLBACK = findTemplate(DEFAULT_TEMPLATE_ID)!;

/** What a keyed opening remembers, and answers: the vote it opened. */
interface Opened {
  voteId: string;
}

export function voteRoutes(ctx: ApiContext): Route[] {
  const { store } = ctx;
  const { keyed } = ctx;
  /** Per workshop: a pending write of the live counts, so a burst of ballots makes one document change. */
  const pendingCounts = new Map<string, NodeJS.Timeout>();
  /**
   * Votes cancelled through this process. A publish that read its vote just before the cancel
   * deleted it would otherwise write it back into `control.vote` after the cancel cleared it.
   * Ids are random, so one cancelled id never matches a later vote; the set grows by one per cancel.
   */
  const cancelled = new Set<string>();

  async function liveVote(vote: VoteRecord): Promise<ControlVote> {
    const ballots = await store.listBallots(vote.id);
    const counts = new Map<string, number>();
    for (const b of ballots) counts.set(b.group ?? NO_GROUP, (counts.get(b.group ?? NO_GROUP) ?? 0) + 1);
    const countsByGroup = Object.fromEntries(counts);
    return {
      id: vote.id,
      question: vote.question,
      kind: vote.kind,
      teamId: vote.teamId,
      choices: vote.choices,
      groups: vote.groups,
      autoReveal: vote.autoReveal,
      state: vote.state,
      round: vote.round,
      count: ballots.length,
      countsByGroup,
    };
  }

  async function publish(workshopId: string, voteId: string, extra?: (doc: Y.Doc) => void): Promise<void> {
    const timer = pendingCounts.get(workshopId);
    if (timer) clearTimeout(timer);
    pendingCounts.delete(workshopId);
    const vote = await store.getVote(workshopId, voteId);
    if (!vote) return;
    const live = await liveVote(vote);
    const room = await ctx.rooms.acquire(workshopId);
    await room.serverChange((doc) => {
      if (cancelled.has(voteId)) return;
      doc.getMap(ROOTS.control).set('vote', live);
      extra?.(doc);
    });
  }

  function scheduleCounts(workshopId: string, voteId: string): void {
    if (pendingCounts.has(workshopId)) return;
    const t = setTimeout(() => {
      pendingCounts.delete(workshopId);
      publish(workshopId, voteId).catch((err) =>
        ctx.log('error', 'could not publish vote counts', { workshop: workshopId, error: String(err) }),
      );
    }, COUNT_DELAY_MS);
    t.unref();
    pendingCounts.set(workshopId, t);
  }

  /**
   * Closes (if open) and reveals: computes the aggregates and writes them with
   * every counted ballot, shuffled, into `results`. The open → closed → revealed
   * transitions are conditional updates, so a vote is revealed exactly once.
   */
  async function reveal(workshopId: string, vote: VoteRecord): Promise<VoteResult | null> {
    if (vote.state === 'open') await store.setVoteState(workshopId, vote.id, 'open', 'closed', ctx.now());
    if (!(await store.setVoteState(workshopId, vote.id, 'closed', 'revealed', ctx.now()))) return null;
    try {
      return await publishResult(workshopId, vote);
    } catch (err) {
      // The results never reached the board: the vote goes back to closed, so the facilitator can reveal it again.
      await Promise.resolve(store.setVoteState(workshopId, vote.id, 'revealed', 'closed', ctx.now())).catch(() => {});
      throw err;
    }
  }

  async function publishResult(workshopId: string, vote: VoteRecord): Promise<VoteResult> {
    const ballots = (await store.listBallots(vote.id)).map((b) => ({ ...b, parsed: JSON.parse(b.value) as BallotValue }));
    const { overall, byGroup } = tally(
      vote.kind,
      ballots.map((b) => ({ group: b.group, value: b.parsed })),
      vote.choices,
      secureShuffle,
    );
    const result: VoteResult = {
      voteId: vote.id,
      question: vote.question,
      kind: vote.kind,
      teamId: vote.teamId,
      choices: vote.choices,
      round: vote.round,
      revealedAt: ctx.now(),
      groups: vote.groups,
      overall,
      byGroup,
      self: vote.self,
      ballots: secureShuffle(ballots.map((b) => ({ receipt: b.receipt, salt: b.salt, value: b.parsed }))),
    };
    // Keep the insights as they stand at this reveal, for the report and the export.
    const room = await ctx.rooms.acquire(workshopId);
    const { template } = readMeta(room.doc, FALLBACK);
    const groupNames = Object.fromEntries(readGroups(room.doc).map((g) => [g.id, g.name]));
    result.insights = computeInsights(
      readTeams(room.doc, template.stages.length),
      template,
      [...readResults(room.doc), result],
      groupNames,
    );
    await publish(workshopId, vote.id, (doc) => doc.getMap(ROOTS.results).set(vote.id, result));
    ctx.log('info', 'vote revealed', { workshop: workshopId, vote: vote.id, ballots: ballots.length });
    return result;
  }

  /** With auto-reveal, the ballot of the last eligible member reveals the vote. */
  async function maybeAutoReveal(workshopId: string, voteId: string): Promise<void> {
    const vote = await store.getVote(workshopId, voteId);
    if (!vote?.autoReveal || vote.state !== 'open') return;
    const room = await ctx.rooms.acquire(workshopId);
    const eligible = readMembers(room.doc).filter((m) => mayVote(m, vote.groups));
    const voted = new Set((await store.listBallots(vote.id)).map((b) => b.participantId));
    if (eligible.length > 0 && eligible.every((m) => voted.has(m.id))) await reveal(workshopId, vote);
  }

  async function requireVote(workshopId: string, voteId: string): Promise<VoteRecord> {
    const vote = await store.getVote(workshopId, voteId);
    if (!vote) throw new AppError('not_found', 'no such vote');
    return vote;
  }

  /** Opens a vote (the checks, the row, the document) and remembers it under `k`, if given. */
  async function openVote(workshopId: string, body: OpenVoteBody, k: KeyedRequest | undefined): Promise<Opened> {
    const room = await ctx.rooms.acquire(workshopId);
    const meta = readMeta(room.doc, FALLBACK);
    const team = body.teamId ? readTeams(room.doc, meta.template.stages.length).find((t) => t.id === body.teamId) : undefined;
    if (body.teamId && !team) throw new AppError('bad_request', 'teamId: no such team');
    const known = new Set(readGroups(room.doc).map((g) => g.id));
    const unknown = body.groups?.find((g) => !known.has(g));
    if (unknown) throw new AppError('bad_request', `groups: no such group ${JSON.stringify(unknown)}`);
    const votes = await store.listVotes(workshopId);
    if (votes.some((v) => v.state === 'open')) throw new AppError('conflict', 'a vote is already open; close it first');
    // One past the highest, not one past the count: a cancelled round is gone, and with an earlier
    // round cancelled under a later one, counting would give the next round the later one's number.
    const round =
      1 + Math.max(0, ...votes.filter((v) => v.question === body.question && v.teamId === (body.teamId ?? null)).map((v) => v.round));
    const vote: VoteRecord = {
      id: newId('v_'),
      workshopId,
      question: body.question,
      kind: body.kind,
      teamId: body.teamId ?? null,
      choices: body.kind === 'choice' ? body.choices! : null,
      groups: body.groups?.length ? body.groups : null,
      autoReveal: body.autoReveal ?? false,
      named: body.named ?? false,
      state: 'open',
      round,
      self: team ? selfOf(team) : null,
      openedAt: ctx.now(),
      closedAt: null,
      revealedAt: null,
    };
    await store.createVote(vote, keyed.remember(k, { voteId: vote.id } satisfies Opened));
    try {
      await publish(workshopId, vote.id);
    } catch (err) {
      // A vote nobody can see would block every later one ("a vote is already open"): take it back.
      const cancel = () => store.cancelVote(workshopId, vote.id);
      await ctx.takeBack(k, cancel, 'could not take back a vote that failed to open', workshopId);
      throw err;
    }
    return { voteId: vote.id };
  }

  return [
    {
      method: 'POST',
      pattern: new RegExp(`^/api/workshops/${ID}/votes$`),
      handle: async (req, res, { id }) => {
        const w = await ctx.requireWorkshop(id!);
        await ctx.requireFacilitator(req, w.id);
        const body = await readJson(req, OpenVoteBody, ctx.limits.maxJsonBodyBytes);
        // With an Idempotency-Key, the retry of an opening answered after its client gave up gets
        // the vote it opened (not "a vote is already open"); keys are this workshop's facilitator's.
        const k = keyed.of(req, `votes:${w.id}`, body);
        const opened = await once<Opened, Opened>(
          keyed,
          k,
          () => openVote(w.id, body, k),
          async (prior) => prior,
        );
        sendJson(res, 201, opened);
      },
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/api/workshops/${ID}/votes/${VOTE}/close$`),
      handle: async (req, res, { id, vote: voteId }) => {
        const w = await ctx.requireWorkshop(id!);
        await ctx.requireFacilitator(req, w.id);
        const vote = await requireVote(w.id, voteId!);
        if (!(await store.setVoteState(w.id, vote.id, 'open', 'closed', ctx.now()))) {
          throw new AppError('conflict', `the vote is ${vote.state}, not open`);
        }
        await publish(w.id, vote.id);
        sendJson(res, 200, { voteId: vote.id, state: 'closed', ballots: (await store.listBallots(vote.id)).length });
      },
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/api/workshops/${ID}/votes/${VOTE}/reveal$`),
      handle: async (req, res, { id, vote: voteId }) => {
        const w = await ctx.requireWorkshop(id!);
        await ctx.requireFacilitator(req, w.id);
        const vote = await requireVote(w.id, voteId!);
        if (vote.state === 'revealed') throw new AppError('conflict', 'the vote is already revealed');
        const result = await reveal(w.id, vote);
        if (!result) throw new AppError('conflict', 'the vote changed state; try again');
        sendJson(res, 200, { voteId: vote.id, result });
      },
    },
    {
      // A vote opened by mistake: gone from the store with its ballots and from the document, so it
      // leaves no result and no round. DELETE, as for a participant: nothing of it remains to act on.
      method: 'DELETE',
      pattern: new RegExp(`^/api/workshops/${ID}/votes/${VOTE}$`),
      handle: async (req, res, { id, vote: voteId }) => {
        const w = await ctx.requireWorkshop(id!);
        await ctx.requireFacilitator(req, w.id);
        const outcome = await store.cancelVote(w.id, voteId!);
        if (outcome === 'missing') throw new AppError('not_found', 'no such vote');
        if (outcome === 'revealed') throw new AppError('conflict', 'the vote is revealed: its result stays');
        cancelled.add(voteId!);
        const room = await ctx.rooms.acquire(w.id);
        await room.serverChange((doc) => {
          const control = doc.getMap<unknown>(ROOTS.control);
          // Only when it shows this vote: a closed vote may already have given its place to a newer one.
          if (ControlVote.safeParse(control.get('vote')).data?.id === voteId) control.set('vote', null);
        });
        ctx.log('info', 'vote cancelled', { workshop: w.id, vote: voteId });
        sendJson(res, 200, { voteId, cancelled: true });
      },
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/api/workshops/${ID}/votes/${VOTE}/ballots$`),
      handle: async (req, res, { id, vote: voteId }) => {
        const w = await ctx.requireWorkshop(id!);
        const { cred } = await ctx.requireCredential(req, w.id);
        if (cred.role !== 'participant') throw new AppError('forbidden', 'only participants vote');
        const vote = await requireVote(w.id, voteId!);
        const body = await readJson(req, BallotBody, ctx.limits.maxJsonBodyBytes);
        if (vote.state !== 'open') throw new AppError('conflict', 'the vote is closed');
        const room = await ctx.rooms.acquire(w.id);
        const group = readMembers(room.doc).find((m) => m.id === cred.participantId)?.group ?? null;
        if (!mayVote({ group }, vote.groups)) throw new AppError('forbidden', 'this vote is for other groups');
        const value = ballotValue(vote, body, readMeta(room.doc, FALLBACK).template.stages.length);
        const salt = randomBytes(16).toString('base64url');
        const receipt = createHash('sha256')
          .update(receiptInput(vote.id, salt, value))
          .digest('base64url');
        const status = await store.putBallot({
          voteId: vote.id,
          participantId: cred.participantId!,
          group,
          value: JSON.stringify(value),
          salt,
          receipt,
          seq: body.seq ?? 0,
          at: ctx.now(),
        });
        if (status === 'closed') throw new AppError('conflict', 'the vote is closed');
        // A stale or repeated request changed nothing: answer with the receipt of the ballot that stands
        // (a repeat gets the answer its first sending got).
        const standing = status === 'stored' ? receipt : (await store.getBallot(vote.id, cred.participantId!))!.receipt;
        scheduleCounts(w.id, vote.id);
        await maybeAutoReveal(w.id, vote.id);
        sendJson(res, 202, { voteId: vote.id, status: status === 'retry' ? 'stored' : status, receipt: standing });
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/api/workshops/${ID}/votes/${VOTE}/ballot$`),
      handle: async (req, res, { id, vote: voteId }) => {
        const w = await ctx.requireWorkshop(id!);
        const { cred } = await ctx.requireCredential(req, w.id);
        if (cred.role !== 'participant') throw new AppError('forbidden', 'only participants have ballots');
        const vote = await requireVote(w.id, voteId!);
        // A participant reads back its own ballot, and only its own.
        const ballot = await store.getBallot(vote.id, cred.participantId!);
        if (!ballot) throw new AppError('not_found', 'you have not voted in this vote');
        sendJson(res, 200, { voteId: vote.id, value: JSON.parse(ballot.value), receipt: ballot.receipt, seq: ballot.seq, at: ballot.at });
      },
    },
  ];
}
