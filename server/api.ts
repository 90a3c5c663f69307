import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError } from '../shared/errors.ts';
import { createContext, type ApiOptions, type Params, type Route } from './routes/context.ts';
import { exportRoutes } from './routes/export.ts';
import { historyRoutes } from './routes/history.ts';
import { joinRoutes } from './routes/join.ts';
import { participantRoutes } from './routes/participants.ts';
import { rotateRoutes } from './routes/rotate.ts';
import { voteRoutes } from './routes/votes.ts';
import { workshopRoutes } from './routes/workshops.ts';

export type { ApiOptions } from './routes/context.ts';

/** The HTTP API: one table of routes, gathered from one module per concern. */
export function createApi(opts: ApiOptions) {
  const ctx = createContext(opts);
  const routes: Route[] = [
    ...workshopRoutes(ctx),
    ...joinRoutes(ctx),
    ...participantRoutes(ctx),
    ...voteRoutes(ctx),
    ...rotateRoutes(ctx),
    ...historyRoutes(ctx),
    ...exportRoutes(ctx),
  ];

  /** Answers an /api request; returns false when no route matches the path. */
  return async function handleApi(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
    const candidates = routes.filter((r) => r.pattern.test(path));
    if (candidates.length === 0) return false;
    // HEAD is GET without the body (RFC 9110 §9.3.2; Node leaves the body out): what uptime probes send.
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    const route = candidates.find((r) => r.method === method);
    if (!route) {
      const methods = [...new Set(candidates.map((r) => r.method))];
      // RFC 9110 §15.5.6: a 405 names the methods the resource takes, for a script to read.
      res.setHeader('Allow', methods.flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m])).join(', '));
      throw new AppError('method_not_allowed', `use ${methods.join(' or ')}`);
    }
    const params = (route.pattern.exec(path)!.groups ?? {}) as Params;
    await route.handle(req, res, params);
    return true;
  };
}
