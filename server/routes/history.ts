import { toBase64 } from 'lib0/buffer';
import { AppError } from '../../shared/errors.ts';
import { REQUEST_LIMITS } from '../../shared/limits.ts';
import { sendJson } from '../http-util.ts';
import { ID, type ApiContext, type Route } from './context.ts';

/** The shape PRODUCT.md documents for `GET /api/workshops/<id>/history`. */
export interface HistoryPage {
  entries: { seq: number; at: number; author: string; update: string }[];
  /** Pass as `since` for the next page; absent on the last page. */
  next?: number;
}

/** `since` is the last seq already held (exclusive); absent means from the first entry. */
function parseSince(url: string | undefined): number {
  const raw = new URL(url ?? '/', 'http://x').searchParams.get('since');
  if (raw === null) return 0;
  if (!/^\d+$/.test(raw) || raw.length > REQUEST_LIMITS.sinceDigits) {
    throw new AppError('bad_request', `since must be a non-negative integer (a seq) of at most ${REQUEST_LIMITS.sinceDigits} digits`);
  }
  // Past any seq there is: an empty last page.
  return Math.min(Number(raw), Number.MAX_SAFE_INTEGER);
}

export function historyRoutes(ctx: ApiContext): Route[] {
  return [
    {
      method: 'GET',
      pattern: new RegExp(`^/api/workshops/${ID}/history$`),
      handle: async (req, res, { id }) => {
        const since = parseSince(req.url);
        const w = await ctx.requireWorkshop(id!);
        await ctx.requireFacilitator(req, w.id);
        const size = ctx.limits.historyPageSize;
        // One extra row tells whether another page follows, so the last page never points at an empty one.
        const rows = await ctx.store.history(w.id, since, size + 1);
        // A page also ends before it passes historyPageBytes of updates (it holds one entry at least).
        let end = 0;
        for (let bytes = 0; end < Math.min(rows.length, size); end++) {
          bytes += rows[end]!.data.length;
          if (end > 0 && bytes > ctx.limits.historyPageBytes) break;
        }
        const page = rows.slice(0, end);
        const answer: HistoryPage = {
          entries: page.map((e) => ({ seq: e.seq, at: e.at, author: e.author, update: toBase64(e.data) })),
        };
        if (rows.length > page.length) answer.next = page[page.length - 1]!.seq;
        sendJson(res, 200, answer);
      },
    },
  ];
}
