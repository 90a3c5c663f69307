import { createHmac } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError } from '../../shared/errors.ts';
import { REQUEST_LIMITS, type Limits } from '../../shared/limits.ts';
import { bearer } from '../http-util.ts';
import { keyedRequests, type KeyedRequest } from '../idempotency.ts';
import type { Logger } from '../log.ts';
import type { RequestTimeouts } from '../request-timeouts.ts';
import type { Rooms } from '../rooms.ts';
import type { Credential, Store, WorkshopRecord } from '../store.ts';
import { hashSecret } from '../tokens.ts';

export interface ApiOptions {
  store: Store;
  rooms: Rooms;
  limits: Limits;
  log: Logger;
  now: () => number;
  /** Base of the links handed out; when unset, taken from the request's Host. */
  publicUrl?: string;
  trustProxy: boolean;
  /** Lets a route give its request longer than requestTimeoutMs to arrive (the import). */
  timeouts: RequestTimeouts;
}

export type Params = Record<string, string>;

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Matched against the path; named groups become params. */
  pattern: RegExp;
  handle: (req: IncomingMessage, res: ServerResponse, params: Params) => Promise<void>;
}

/** Workshop ids in paths: what `newId()` makes, bounded. */
export const ID = `(?<id>[\\w-]{1,${REQUEST_LIMITS.idChars}})`;

/**
 * The observer token is derived from the facilitator key, so a facilitator who
 * reconnects (or a second one sharing the key) can always show the observer
 * link, while the server stores only hashes of both.
 */
export function observerToken(facilitatorKey: string, workshopId: string, version: number): string {
  return createHmac('sha256', facilitatorKey).update(`observer:${workshopId}:${version}`).digest('base64url');
}

/** What every route module gets: the options plus the checks they all need. */
export function createContext(opts: ApiOptions) {
  const baseUrl = (req: IncomingMessage): string => {
    if (opts.publicUrl) return opts.publicUrl.replace(/\/+$/, '');
    const proto = opts.trustProxy && req.headers['x-forwarded-proto'] === 'https' ? 'https' : 'http';
    return `${proto}://${req.headers.host ?? 'localhost'}`;
  };
  const keyed = keyedRequests(opts.store, opts.now, opts.log);

  return {
    ...opts,
    /** Requests sent with an Idempotency-Key (create, join, open a vote): one memory for all routes. */
    keyed,
    /**
     * Takes back what a request wrote before it failed (a join's seat, a vote nobody could see):
     * `undo`, then the memory of its Idempotency-Key, so its retry acts anew. If `undo` fails the
     * key stays, and a retry finds what is still there. Never throws (a database that failed once
     * may fail this too): the caller rethrows its first error, which stays the answer.
     */
    async takeBack(k: KeyedRequest | undefined, undo: () => unknown, failed: string, workshopId: string): Promise<void> {
      try {
        await undo();
        await keyed.forget(k);
      } catch (err) {
        opts.log('error', failed, { workshop: workshopId, error: String(err) });
      }
    },
    links(req: IncomingMessage, w: WorkshopRecord, facilitatorKey: string) {
      const base = baseUrl(req);
      return {
        facilitatorUrl: `${base}/w/${w.id}#key=${facilitatorKey}`,
        participantUrl: `${base}/join/${w.joinCode}`,
        observerUrl: `${base}/w/${w.id}#token=${observerToken(facilitatorKey, w.id, w.observerVersion ?? 1)}`,
      };
    },
    async requireWorkshop(id: string): Promise<WorkshopRecord> {
      const w = await opts.store.getWorkshop(id);
      if (!w) throw new AppError('not_found', 'no such workshop');
      return w;
    },
    /** The bearer credential for this workshop, or 401. */
    async requireCredential(req: IncomingMessage, workshopId: string): Promise<{ token: string; cred: Credential }> {
      const token = bearer(req);
      if (!token) throw new AppError('unauthorized', 'send the key or token as "Authorization: Bearer <token>"');
      const cred = await opts.store.resolveCredential(workshopId, hashSecret(token));
      if (!cred) throw new AppError('unauthorized', 'that key or token is not valid for this workshop');
      return { token, cred };
    },
    /** The facilitator key for this workshop: 401 without a valid credential, 403 with another role's. */
    async requireFacilitator(req: IncomingMessage, workshopId: string): Promise<{ token: string; cred: Credential }> {
      const found = await this.requireCredential(req, workshopId);
      if (found.cred.role !== 'facilitator') throw new AppError('forbidden', 'only the facilitator can do this');
      return found;
    },
  };
}

export type ApiContext = ReturnType<typeof createContext>;
