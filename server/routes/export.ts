import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import { AppError } from '../../shared/errors.ts';
import { IMPORT_LIMITS } from '../../shared/limits.ts';
import { buildExport, exportJson, teamsCsv, votesCsv } from '../export.ts';
import { importExport } from '../import.ts';
import { clientAddress, readJson, SECURITY_HEADERS, sendJson } from '../http-util.ts';
import { ID, type ApiContext, type Route } from './context.ts';

function sendFile(res: ServerResponse, type: string, filename: string, body: string): void {
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(body),
    // The name is built from a server-made id only, so it needs no quoting rules.
    'Content-Disposition': `attachment; filename="${filename}"`,
    'Cache-Control': 'no-store',
  });
  res.end(body);
}

/** Exports (facilitator only), the presence list replay needs, and import. */
export function exportRoutes(ctx: ApiContext): Route[] {
  const { store } = ctx;
  /** Imports between their headers and their answer, in this process, and from each address. */
  let importing = 0;
  const importsFrom = new Map<string, number>();
  const exportOf = async (req: Parameters<Route['handle']>[0], id: string) => {
    const w = await ctx.requireWorkshop(id);
    await ctx.requireFacilitator(req, w.id);
    return buildExport(store, w, ctx.now());
  };
  return [
    {
      method: 'GET',
      pattern: new RegExp(`^/api/workshops/${ID}/export$`),
      handle: async (req, res, { id }) => {
        const exp = await exportOf(req, id!);
        sendFile(res, 'application/json; charset=utf-8', `stageboard-${exp.workshop.id}.json`, await exportJson(exp));
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/api/workshops/${ID}/export/(?<which>teams|votes)\\.csv$`),
      handle: async (req, res, { id, which }) => {
        const exp = await exportOf(req, id!);
        const body = which === 'teams' ? teamsCsv(exp) : votesCsv(exp);
        sendFile(res, 'text/csv; charset=utf-8', `stageboard-${exp.workshop.id}-${which}.csv`, body);
      },
    },
    {
      // Replay reads the log through /history; joins and connects/leaves are not in it.
      method: 'GET',
      pattern: new RegExp(`^/api/workshops/${ID}/presence$`),
      handle: async (req, res, { id }) => {
        const w = await ctx.requireWorkshop(id!);
        await ctx.requireFacilitator(req, w.id);
        const participants = (await store.listParticipants(w.id)).map((p) => ({
          id: p.id,
          name: p.name,
          joinedAt: p.createdAt,
          removedAt: p.removedAt,
        }));
        const events = (await store.listEvents(w.id)).map((e) => ({ at: e.at, kind: e.kind, actor: e.actor }));
        sendJson(res, 200, { participants, events });
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/workshops\/import$/,
      handle: async (req, res) => {
        // Counted from the headers, not from a whole body: the bodies being read are what fills
        // memory (each file is held several times over), and each replay takes a share of the
        // event loop. A slow upload holds its place until importTimeoutMs at most.
        if (importing >= ctx.limits.maxConcurrentImports) {
          throw new AppError('too_many_requests', 'the server is busy with other imports; try again shortly', IMPORT_LIMITS.busyRetryMs);
        }
        const address = clientAddress(req, ctx.trustProxy);
        const mine = importsFrom.get(address) ?? 0;
        if (mine >= IMPORT_LIMITS.perAddress) {
          throw new AppError(
            'too_many_requests',
            'an import from this address is still in progress; try again once it is done',
            IMPORT_LIMITS.busyRetryMs,
          );
        }
        importing++;
        importsFrom.set(address, mine + 1);
        ctx.log('debug', 'import started', { importing });
        try {
          // A file of maxImportBytes needs more than requestTimeoutMs on most uplinks.
          ctx.timeouts.extend(req, res, ctx.limits.importTimeoutMs);
          // Only the 201 below tells anyone the new key. A response closed before it (the client
          // hung up, a shutdown answered 503) would leave a workshop nobody can open, or one the
          // client was told failed and makes again: the store discards it instead. Listened for
          // before the body is read, so a close while it arrives is not missed.
          const abandoned = new AbortController();
          const abandon = () => abandoned.abort(new Error('the import was abandoned: its request was answered or closed'));
          res.once('finish', abandon).once('close', abandon);
          const raw = await readJson(req, z.unknown(), ctx.limits.maxImportBytes);
          if (res.destroyed || res.writableEnded) abandon();
          const { record, key } = await importExport(store, raw, ctx.limits, abandoned.signal);
          ctx.log('info', 'workshop imported', { workshop: record.id });
          sendJson(res, 201, { id: record.id, joinCode: record.joinCode, facilitatorKey: key, ...ctx.links(req, record, key) });
        } finally {
          importing--;
          const left = (importsFrom.get(address) ?? 1) - 1;
          if (left > 0) importsFrom.set(address, left);
          else importsFrom.delete(address);
        }
      },
    },
  ];
}
