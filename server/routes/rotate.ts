import { CLOSE } from '../../shared/errors.ts';
import { sendJson } from '../http-util.ts';
import { hashSecret, newJoinCode } from '../tokens.ts';
import { ID, observerToken, type ApiContext, type Route } from './context.ts';

/** Join codes and observer links that the facilitator can revoke and reissue. */
export function rotateRoutes(ctx: ApiContext): Route[] {
  return [
    {
      method: 'POST',
      pattern: new RegExp(`^/api/workshops/${ID}/rotate-code$`),
      handle: async (req, res, { id }) => {
        const w = await ctx.requireWorkshop(id!);
        await ctx.requireFacilitator(req, w.id);
        // People already in keep their tokens; only the code that lets new people in changes.
        for (let attempt = 0; ; attempt++) {
          const joinCode = newJoinCode();
          try {
            await ctx.store.setJoinCode(w.id, joinCode);
          } catch (err) {
            if (attempt < 5 && /UNIQUE|unique/.test(String(err))) continue;
            throw err;
          }
          ctx.log('info', 'join code rotated', { workshop: w.id });
          return sendJson(res, 200, { joinCode, participantUrl: ctx.links(req, { ...w, joinCode }, '').participantUrl });
        }
      },
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/api/workshops/${ID}/rotate-observer$`),
      handle: async (req, res, { id }) => {
        const w = await ctx.requireWorkshop(id!);
        const { token: key } = await ctx.requireFacilitator(req, w.id);
        const version = (w.observerVersion ?? 1) + 1;
        await ctx.store.rotateObserver(w.id, hashSecret(observerToken(key, w.id, version)), version);
        // Every observer socket holds the old token: close them now.
        ctx.rooms.get(w.id)?.disconnect((p) => p.role === 'observer', CLOSE.badToken, 'the observer link was revoked');
        ctx.log('info', 'observer link rotated', { workshop: w.id });
        sendJson(res, 200, { observerUrl: ctx.links(req, { ...w, observerVersion: version }, key).observerUrl });
      },
    },
  ];
}
