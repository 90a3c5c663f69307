import { createHmac } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as Y from 'yjs';
import { initWorkshopDoc } from '../shared/doc.ts';
import { AppError } from '../shared/errors.ts';
import { isJoinCode, normalizeJoinCode } from '../shared/joincode.ts';
import type { Limits } from '../shared/limits.ts';
import {
  CreateWorkshopBody,
  JoinBody,
  type CreateWorkshopResponse,
  type JoinResponse,
  type SessionInfo,
} from '../shared/schema.ts';
import { BUILTIN_TEMPLATES, DEFAULT_TEMPLATE_ID, findTemplate } from '../shared/templates/index.ts';
import { bearer, clientAddress, readJson, sendJson } from './http-util.ts';
import type { Logger } from './log.ts';
import { FailureLimiter } from './ratelimit.ts';
import type { Rooms } from './rooms.ts';
import type { Credential, Store, WorkshopRecord } from './store.ts';
import { hashSecret, newId, newJoinCode, newSecret } from './tokens.ts';

export interface ApiOptions {
  store: Store;
  rooms: Rooms;
  limits: Limits;
  log: Logger;
  now: () => number;
  /** Base of the links handed out; when unset, taken from the request's Host. */
  publicUrl?: string;
  trustProxy: boolean;
}

type Params = Record<string, string>;
type Route = {
  method: string;
  pattern: RegExp;
  handle: (req: IncomingMessage, res: ServerResponse, params: Params) => Promise<void>;
};

/**
 * The observer token is derived from the facilitator key, so a facilitator who
 * reconnects (or a second one sharing the key) can always show the observer
 * link, while the server stores only hashes of both.
 */
export function observerToken(facilitatorKey: string, workshopId: string, version: number): string {
  return createHmac('sha256', facilitatorKey).update(`observer:${workshopId}:${version}`).digest('base64url');
}

export function createApi(opts: ApiOptions) {
  const { store, limits } = opts;
  const joinFailures = new FailureLimiter(limits.joinFailuresPerWindow, limits.joinFailureWindowMs, opts.now);

  const baseUrl = (req: IncomingMessage): string => {
    if (opts.publicUrl) return opts.publicUrl.replace(/\/+$/, '');
    const proto = opts.trustProxy && req.headers['x-forwarded-proto'] === 'https' ? 'https' : 'http';
    return `${proto}://${req.headers.host ?? 'localhost'}`;
  };
  const links = (req: IncomingMessage, w: WorkshopRecord, key: string) => {
    const base = baseUrl(req);
    return {
      facilitatorUrl: `${base}/w/${w.id}#key=${key}`,
      participantUrl: `${base}/join/${w.joinCode}`,
      observerUrl: `${base}/w/${w.id}#token=${observerToken(key, w.id, 1)}`,
    };
  };

  async function requireWorkshop(id: string): Promise<WorkshopRecord> {
    const w = await store.getWorkshop(id);
    if (!w) throw new AppError('not_found', 'no such workshop');
    return w;
  }

  async function requireCredential(req: IncomingMessage, workshopId: string): Promise<{ token: string; cred: Credential }> {
    const token = bearer(req);
    if (!token) throw new AppError('unauthorized', 'send the key or token as "Authorization: Bearer <token>"');
    const cred = await store.resolveCredential(workshopId, hashSecret(token));
    if (!cred) throw new AppError('unauthorized', 'that key or token is not valid for this workshop');
    return { token, cred };
  }

  const routes: Route[] = [
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
        const createdAt = opts.now();
        const doc = new Y.Doc();
        initWorkshopDoc(doc, { title: body.title, template, createdAt });
        const initial = Y.encodeStateAsUpdate(doc);
        doc.destroy();
        for (let attempt = 0; ; attempt++) {
          const record = { id, title: body.title, templateId: template.id, joinCode: newJoinCode(), createdAt };
          try {
            await store.createWorkshop(
              {
                ...record,
                facilitatorKeyHash: hashSecret(key),
                observerTokenHash: hashSecret(observerToken(key, id, 1)),
              },
              initial,
            );
          } catch (err) {
            // A join-code collision is the one expected failure; try another code.
            if (attempt < 5 && /UNIQUE|unique/.test(String(err))) continue;
            throw err;
          }
          const answer: CreateWorkshopResponse = { id, joinCode: record.joinCode, facilitatorKey: key, ...links(req, record, key) };
          opts.log('info', 'workshop created', { workshop: id, template: template.id });
          return sendJson(res, 201, answer);
        }
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/join$/,
      handle: async (req, res) => {
        const address = clientAddress(req, opts.trustProxy);
        if (joinFailures.blocked(address)) {
          throw new AppError('too_many_requests', 'too many wrong codes from this address; wait a minute and try again');
        }
        const body = await readJson(req, JoinBody, limits.maxJsonBodyBytes);
        const code = normalizeJoinCode(body.code);
        const workshop = isJoinCode(code) ? await store.findWorkshopByJoinCode(code) : undefined;
        if (!workshop) {
          joinFailures.fail(address);
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
          createdAt: opts.now(),
          removedAt: null,
        });
        const answer: JoinResponse = { workshopId: workshop.id, participantId, token };
        return sendJson(res, 200, answer);
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/workshops\/(?<id>[\w-]{1,64})\/session$/,
      handle: async (req, res, { id }) => {
        const workshop = await requireWorkshop(id!);
        const { token, cred } = await requireCredential(req, workshop.id);
        const info: SessionInfo = {
          workshopId: workshop.id,
          title: workshop.title,
          role: cred.role,
          templateId: workshop.templateId,
          participantId: cred.participantId,
          name: cred.name,
          ...(cred.role === 'facilitator' ? { joinCode: workshop.joinCode, ...links(req, workshop, token) } : {}),
        };
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
      handle: async (_req, res) => sendJson(res, 200, { ok: true, rooms: opts.rooms.size }),
    },
  ];

  /** Answers an /api request; returns false when no route matches the path. */
  return async function handleApi(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
    const candidates = routes.filter((r) => r.pattern.test(path));
    if (candidates.length === 0) return false;
    const route = candidates.find((r) => r.method === req.method);
    if (!route) throw new AppError('method_not_allowed', `use ${candidates.map((r) => r.method).join(' or ')}`);
    const params = (route.pattern.exec(path)!.groups ?? {}) as Params;
    await route.handle(req, res, params);
    return true;
  };
}
