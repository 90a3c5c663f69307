import type { IncomingMessage } from 'node:http';
import * as Y from 'yjs';
import { initWorkshopDoc, readControl } from '../../shared/doc.ts';
import { AppError } from '../../shared/errors.ts';
import { CreateWorkshopBody, type CreateWorkshopResponse, type SessionInfo } from '../../shared/schema.ts';
import { BUILTIN_TEMPLATES, DEFAULT_TEMPLATE_ID, findTemplate } from '../../shared/templates/index.ts';
import type { Template } from '../../shared/template.ts';
import { readJson, sendJson } from '../http-util.ts';
import { once, type KeyedRequest } from '../idempotency.ts';
import { RequestKeyTaken } from '../store.ts';
import { hashSecret, newId, newJoinCode, newSecret } from '../tokens.ts';
import { ID, observerToken, type ApiContext, type Route } from './context.ts';

/** What a keyed create remembers: the workshop it made. */
interface Made {
  workshopId: string;
}

export function workshopRoutes(ctx: ApiContext): Route[] {
  const { store, limits } = ctx;
  const { keyed } = ctx;

  async function create(req: IncomingMessage, title: string, template: Template, k: KeyedRequest | undefined) {
    const id = newId();
    const key = newSecret();
    const createdAt = ctx.now();
    const doc = new Y.Doc();
    initWorkshopDoc(doc, { title, template, createdAt });
    const initial = Y.encodeStateAsUpdate(doc);
    doc.destroy();
    for (let attempt = 0; ; attempt++) {
      const record = { id, title, templateId: template.id, joinCode: newJoinCode(), createdAt };
      try {
        await store.createWorkshop(
          { ...record, facilitatorKeyHash: hashSecret(key), observerTokenHash: hashSecret(observerToken(key, id, 1)) },
          initial,
          keyed.remember(k, { workshopId: id } satisfies Made),
        );
      } catch (err) {
        // A join-code collision is the one expected failure; try another code.
        if (!(err instanceof RequestKeyTaken) && attempt < 5 && /UNIQUE|unique/.test(String(err))) continue;
        throw err;
      }
      ctx.log('info', 'workshop created', { workshop: id, template: template.id });
      return { id, joinCode: record.joinCode, facilitatorKey: key, ...ctx.links(req, record, key) } satisfies CreateWorkshopResponse;
    }
  }

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
        // With an Idempotency-Key, the retry of a create answered after its client gave up finds the
        // workshop it made, with a fresh facilitator key (only hashes are stored; the first key, and
        // the observer link made from it, stop working).
        const k = keyed.of(req, 'create', { title: body.title, template: template.id });
        const answer = await once<Made, CreateWorkshopResponse>(
          keyed,
          k,
          () => create(req, body.title, template, k),
          async ({ workshopId }) => {
            const w = await store.getWorkshop(workshopId);
            if (!w) return undefined;
            const key = newSecret();
            const observerHash = hashSecret(observerToken(key, w.id, w.observerVersion ?? 1));
            if (!(await store.reissueFacilitatorKey(w.id, hashSecret(key), observerHash))) return undefined;
            ctx.log('info', 'workshop creation repeated', { workshop: w.id });
            return { id: w.id, joinCode: w.joinCode, facilitatorKey: key, ...ctx.links(req, w, key) };
          },
        );
        return sendJson(res, 201, answer);
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
