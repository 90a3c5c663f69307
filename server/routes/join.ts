import { AppError } from '../../shared/errors.ts';
import { isJoinCode, normalizeJoinCode } from '../../shared/joincode.ts';
import { JOIN_CODE_LENGTH } from '../../shared/limits.ts';
import { JoinBody, type JoinResponse } from '../../shared/schema.ts';
import { clientAddress, readJson, sendJson } from '../http-util.ts';
import { once, type KeyedRequest } from '../idempotency.ts';
import { joinLimiter } from '../join-limit.ts';
import type { WorkshopRecord } from '../store.ts';
import { hashSecret, newId, newSecret } from '../tokens.ts';
import type { ApiContext, Route } from './context.ts';
import { writeMember } from './participants.ts';

const tooManyTries = (waitMs: number) =>
  new AppError('too_many_requests', 'too many wrong codes from this address; wait a minute and try again', waitMs);

/** What a keyed join remembers: the seat it took. */
type Seat = Pick<JoinResponse, 'workshopId' | 'participantId'>;

export function joinRoutes(ctx: ApiContext): Route[] {
  const { store, limits } = ctx;
  const failures = joinLimiter(store, limits, ctx.now);
  const { keyed } = ctx;

  async function seat(workshop: WorkshopRecord, name: string, k: KeyedRequest | undefined): Promise<JoinResponse> {
    const token = newSecret();
    const participantId = newId('p_');
    const seated = await store.addParticipant(
      { id: participantId, workshopId: workshop.id, name, tokenHash: hashSecret(token), createdAt: ctx.now(), removedAt: null },
      limits.maxParticipantsPerWorkshop,
      keyed.remember(k, { workshopId: workshop.id, participantId } satisfies Seat),
    );
    if (!seated) throw new AppError('conflict', `this workshop is full (${limits.maxParticipantsPerWorkshop} participants)`);
    try {
      // In a cluster the workshop may be served by another process: it writes the roster.
      if (ctx.rooms.servesHere(workshop.id)) await writeMember(ctx, workshop.id, participantId, name);
      else await ctx.rooms.announceRoster(workshop.id);
    } catch (err) {
      // Nobody holds this token: a join answered with an error must not keep a seat, nor its key
      // the memory of one (its retry seats anew).
      const free = () => store.removeParticipant(workshop.id, participantId, ctx.now());
      await ctx.takeBack(k, free, 'could not free the seat of a failed join', workshop.id);
      throw err;
    }
    return { workshopId: workshop.id, participantId, token };
  }

  return [
    {
      method: 'POST',
      pattern: /^\/api\/join$/,
      handle: async (req, res) => {
        const address = clientAddress(req, ctx.trustProxy);
        // A blocked address is turned away before its body is read; the decision itself comes after the lookup.
        const early = await failures.blockedFor(address);
        if (early > 0) throw tooManyTries(early);
        const body = await readJson(req, JoinBody, limits.maxJsonBodyBytes);
        const code = normalizeJoinCode(body.code);
        // A malformed Idempotency-Key is refused before the code is looked up: it is no guess.
        const k = keyed.of(req, 'join', { code, name: body.name });
        const wellFormed = isJoinCode(code);
        const workshop = wellFormed ? await store.findWorkshopByJoinCode(code) : undefined;
        // Concurrent guesses all passed the check above before any of them had failed, so the
        // answer is decided here: a wrong code is 404 only if its failure could still be counted,
        // and a right one is refused while the address is blocked (or a burst would tell right
        // codes by their 200 among the 429s).
        // A code no join code could be (a letter short, an O for a 0) is a typo, not a guess: someone
        // guessing sends well-formed codes, so counting typos would only lock out a venue behind one
        // address while its room types the code in.
        const wait = workshop || !wellFormed ? await failures.blockedFor(address) : await failures.fail(address);
        if (wait > 0) throw tooManyTries(wait);
        if (!wellFormed) throw new AppError('not_found', `no workshop has that code: a code has ${JOIN_CODE_LENGTH} letters and digits`);
        if (!workshop) throw new AppError('not_found', 'no workshop has that code');
        // With an Idempotency-Key, the retry of a join answered after its client gave up finds the
        // seat that join took (even in a full workshop) and gets a fresh token for it: the store keeps
        // token hashes only, so the first token cannot be sent again, and it stops working.
        const answer = await once<Seat, JoinResponse>(
          keyed,
          k,
          () => seat(workshop, body.name, k),
          async (prior) => {
            const token = newSecret();
            // A seat removed since is not given back: the key is forgotten and this join seats anew.
            if (!(await store.reissueParticipantToken(prior.workshopId, prior.participantId, hashSecret(token)))) return undefined;
            ctx.log('info', 'join repeated', { workshop: prior.workshopId });
            return { ...prior, token };
          },
        );
        return sendJson(res, 200, answer);
      },
    },
  ];
}
