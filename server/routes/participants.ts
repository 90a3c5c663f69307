import { z } from 'zod';
import { ensureGroupMaps, Member, readGroupMode, readGroups, readMembers, smallestGroup } from '../../shared/doc.ts';
import { AppError, CLOSE } from '../../shared/errors.ts';
import { REQUEST_LIMITS, TEXT } from '../../shared/limits.ts';
import { text } from '../../shared/schema.ts';
import { readJson, sendJson } from '../http-util.ts';
import { ID, type ApiContext, type Route } from './context.ts';

const PID = `(?<pid>p_[\\w-]{1,${REQUEST_LIMITS.idChars}})`;
const PickBody = z.object({ group: z.string().max(REQUEST_LIMITS.idChars).nullable() }).strict();
/** The same rules as the name a participant gives when joining (JoinBody). */
const RenameBody = z.object({ name: text(TEXT.displayName) }).strict();

/**
 * Keeps the roster in the shared document (`groups.members`) in step with the
 * store: the server is the only writer of names, so a participant cannot
 * rename itself or anyone else.
 */
export async function writeMember(ctx: ApiContext, workshopId: string, participantId: string, name: string | null) {
  const room = await ctx.rooms.acquire(workshopId);
  await room.serverChange((doc) => {
    const { members } = ensureGroupMaps(doc);
    if (name === null) return void members.delete(participantId);
    const prev = Member.safeParse(members.get(participantId));
    // A late joiner goes to the smallest group when the facilitator chose "auto".
    const group = prev.success ? prev.data.group : readGroupMode(doc) === 'auto' ? smallestGroup(readGroups(doc), readMembers(doc)) : null;
    members.set(participantId, { name, group });
  });
}

export function participantRoutes(ctx: ApiContext): Route[] {
  return [
    {
      method: 'GET',
      pattern: new RegExp(`^/api/workshops/${ID}/participants$`),
      handle: async (req, res, { id }) => {
        const w = await ctx.requireWorkshop(id!);
        await ctx.requireFacilitator(req, w.id);
        const online = ctx.rooms.get(w.id)?.onlineParticipants() ?? new Set<string>();
        const list = await ctx.store.listParticipants(w.id);
        sendJson(res, 200, {
          participants: list
            .filter((p) => p.removedAt === null)
            .map((p) => ({ id: p.id, name: p.name, joinedAt: p.createdAt, online: online.has(p.id) })),
        });
      },
    },
    {
      method: 'PATCH',
      pattern: new RegExp(`^/api/workshops/${ID}/participants/${PID}$`),
      handle: async (req, res, { id, pid }) => {
        const w = await ctx.requireWorkshop(id!);
        await ctx.requireFacilitator(req, w.id);
        const body = await readJson(req, RenameBody, ctx.limits.maxJsonBodyBytes);
        if (!(await ctx.store.renameParticipant(w.id, pid!, body.name))) throw new AppError('not_found', 'no such participant');
        await writeMember(ctx, w.id, pid!, body.name);
        sendJson(res, 200, { id: pid, name: body.name });
      },
    },
    {
      method: 'DELETE',
      pattern: new RegExp(`^/api/workshops/${ID}/participants/${PID}$`),
      handle: async (req, res, { id, pid }) => {
        const w = await ctx.requireWorkshop(id!);
        await ctx.requireFacilitator(req, w.id);
        if (!(await ctx.store.removeParticipant(w.id, pid!, ctx.now()))) throw new AppError('not_found', 'no such participant');
        // The token no longer resolves; close what is open now, then drop them from the roster.
        ctx.rooms.get(w.id)?.disconnect((p) => p.participantId === pid, CLOSE.forbidden, 'removed by the facilitator');
        await writeMember(ctx, w.id, pid!, null);
        ctx.log('info', 'participant removed', { workshop: w.id, participant: pid });
        sendJson(res, 200, { id: pid, removed: true });
      },
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/api/workshops/${ID}/groups/pick$`),
      handle: async (req, res, { id }) => {
        const w = await ctx.requireWorkshop(id!);
        const { cred } = await ctx.requireCredential(req, w.id);
        if (cred.role !== 'participant') throw new AppError('forbidden', 'only participants pick a group');
        const body = await readJson(req, PickBody, ctx.limits.maxJsonBodyBytes);
        const room = await ctx.rooms.acquire(w.id);
        if (readGroupMode(room.doc) !== 'pick') throw new AppError('conflict', 'the facilitator has not opened group picking');
        if (body.group !== null && !readGroups(room.doc).some((g) => g.id === body.group)) {
          throw new AppError('bad_request', 'group: no such group');
        }
        await room.serverChange((doc) => {
          const { members } = ensureGroupMaps(doc);
          const prev = Member.safeParse(members.get(cred.participantId!));
          if (prev.success) members.set(cred.participantId!, { ...prev.data, group: body.group });
        });
        sendJson(res, 200, { group: body.group });
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/time$/,
      // Clients measure their clock's offset against this, so every screen shows the same countdown.
      handle: async (_req, res) => sendJson(res, 200, { now: ctx.now() }),
    },
  ];
}
