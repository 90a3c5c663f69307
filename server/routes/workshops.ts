import * as Y from 'yjs';
import { initWorkshopDoc, readControl } from '../../shared/doc.ts';
import { AppError } from '../../shared/errors.ts';
import { CreateWorkshopBody, type CreateWorkshopResponse, type SessionInfo } from '../../shared/schema.ts';
import { BUILTIN_TEMPLATES, DEFAULT_TEMPLATE_ID, findTemplate } from '../../shared/templates/index.ts';
import { readJson, sendJson } from '../http-util.ts';
import { hashSecret, newId, newJoinCode, newSecret } from '../tokens.ts';
import { ID, observerToken, type ApiContext, type Route } from './context.ts';

export function workshopRoutes(ctx: ApiContext): Route[] {
  const { store, limits } = ctx;
  return [
    {
      method: 'POST',
      pattern: /^\/api\/workshops$/,
      handle: async (req, res) => {
        const body = await readJson(req, CreateWorkshopBody, limits.maxJsonBodyBytes);
        const template = findTemplate(body.template ?? DEFAULT_TEMPLATE_ID);
        if (!template) {
          throw new AppError('bad_request', `unknown template; choose one of ${BUILTIN_TEMPLATES.map((t) => t.id).join(', ')}`);
        }
        const id = newId();
        const key = newSecret();
        const createdAt = ctx.now();
        const doc = new Y.Doc();
        initWorkshopDoc(doc, { title: body.title, template, createdAt });
        const initial = Y.encodeStateAsUpdate(doc);
        doc.destroy();
        for (let attempt = 0; ; attempt++) {
          const record = { id, title: body.title, templateId: template.id, joinCode: newJoinCode(), createdAt };
          try {
            await store.createWorkshop(
              { ...record, facilitatorKeyHash: hashSecret(key), observerTokenHash: hashSecret(observerToken(key, id, 1)) },
              initial,
            );
          } catch (err) {
            // A join-code collision is the one expected failure; try another code.
            if (attempt < 5 && /UNIQUE|unique/.test(String(err))) continue;
            throw err;
          }
          const answer: CreateWorkshopResponse = { id, joinCode: record.joinCode, facilitatorKey: key, ...ctx.links(req, record, key) };
          ctx.log('info', 'workshop created', { workshop: id, template: template.id });
          return sendJson(res, 201, answer);
        }
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/api/workshops/${ID}/session$`),
      handle: async (req, res, { id }) => {
        const workshop = await ctx.requireWorkshop(id!);
        const { token, cred } = await ctx.requireCredential(req, workshop.id);
        const info: SessionInfo = {
          workshopId: workshop.id,
          title: workshop.title,
          role: cred.role,
          templateId: workshop.templateId,
          participantId: cred.participantId,
          name: cred.name,
          ...(cred.role === 'facilitator' ? { joinCode: workshop.joinCode, ...ctx.links(req, workshop, token) } : {}),
        };
        // The projector shows the room how to join, while the facilitator lets it (control.showJoin).
        if (cred.role === 'observer' && readControl((await ctx.rooms.acquire(workshop.id)).doc).showJoin) {
          Object.assign(info, { joinCode: workshop.joinCode, participantUrl: ctx.links(req, workshop, '').participantUrl });
        }
        return sendJson(res, 200, info);
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/templates$/,
      handle: async (_req, res) => sendJson(res, 200, { templates: BUILTIN_TEMPLATES }),
    },
    {
      method: 'GET',
      pattern: /^\/api\/health$/,
      handle: async (_req, res) => sendJson(res, 200, { ok: true, rooms: ctx.rooms.size }),
    },
  ];
}
