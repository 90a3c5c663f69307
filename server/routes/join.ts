import { AppError } from '../../shared/errors.ts';
import { isJoinCode, normalizeJoinCode } from '../../shared/joincode.ts';
import { JoinBody, type JoinResponse } from '../../shared/schema.ts';
import { clientAddress, readJson, sendJson } from '../http-util.ts';
import { joinLimiter } from '../join-limit.ts';
import { hashSecret, newId, newSecret } from '../tokens.ts';
import type { ApiContext, Route } from './context.ts';
import { writeMember } from './participants.ts';

export function joinRoutes(ctx: ApiContext): Route[] {
  const { store, limits } = ctx;
  const failures = joinLimiter(store, limits, ctx.now);
  return [
    {
      method: 'POST',
      pattern: /^\/api\/join$/,
      handle: async (req, res) => {
        const address = clientAddress(req, ctx.trustProxy);
        if (await failures.blocked(address)) {
          throw new AppError('too_many_requests', 'too many wrong codes from this address; wait a minute and try again');
        }
        const body = await readJson(req, JoinBody, limits.maxJsonBodyBytes);
        const code = normalizeJoinCode(body.code);
        const workshop = isJoinCode(code) ? await store.findWorkshopByJoinCode(code) : undefined;
        if (!workshop) {
          await failures.fail(address);
          throw new AppError('not_found', 'no workshop has that code');
        }
        if ((await store.countParticipants(workshop.id)) >= limits.maxParticipantsPerWorkshop) {
          throw new AppError('conflict', `this workshop is full (${limits.maxParticipantsPerWorkshop} participants)`);
        }
        const token = newSecret();
        const participantId = newId('p_');
        await store.addParticipant({
          id: participantId,
          workshopId: workshop.id,
          name: body.name,
          tokenHash: hashSecret(token),
          createdAt: ctx.now(),
          removedAt: null,
        });
        // In a cluster the workshop may be served by another process: it writes the roster.
        if (ctx.rooms.servesHere(workshop.id)) await writeMember(ctx, workshop.id, participantId, body.name);
        else await ctx.rooms.announceRoster(workshop.id);
        const answer: JoinResponse = { workshopId: workshop.id, participantId, token };
        return sendJson(res, 200, answer);
      },
    },
  ];
}
