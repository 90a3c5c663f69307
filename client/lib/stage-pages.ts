/**
 * Pages of lanes, on a fitted map that cannot show every lane even at the least height (MIN_READ_LANE):
 * thirty teams on a 1024×768 or 800×600 projector, or beside a stage vote at 1366×768, ran the page
 * 130 to 330 px past the screen. As few pages as give each lane PAGE_LANE (names in 14 px type or more,
 * whole or cut in the middle), evenly filled; they take turns like the commitments table's, and the
 * corner over the names says which teams are shown. Larger screens show every lane as before.
 */
import { evenPageSize } from './projector.ts';
import { MIN_READ_LANE } from './stage-fit.ts';

/** A paged lane's height. */
export const PAGE_LANE = 34;

/**
 * Teams a page, or null for every team at once. `laneHeight` is each lane's with every team on the
 * screen, `perColumn` of them in each of `columns` columns. `least` is the least lane shown whole
 * (MIN_READ_LANE unless told; more where long names need two lines, stage-geometry): a page's lanes
 * are at least as tall.
 */
export function stagePageSize(opts: {
  count: number;
  columns: number;
  perColumn: number;
  laneHeight: number;
  least?: number;
}): number | null {
  const { count, columns, perColumn, laneHeight, least = MIN_READ_LANE } = opts;
  if (count < 2 || laneHeight >= least) return null;
  const perPage = Math.max(1, Math.floor((laneHeight * perColumn) / Math.max(PAGE_LANE, least))) * columns;
  return perPage < count ? evenPageSize(count, perPage) : null;
}

/**
 * The page shown: the spotlit team's while there is one (`lit`, its index; the room is talking about
 * it), else the one in turn, counted round.
 */
export function pageShown(opts: { count: number; size: number; lit: number; turn: number }): number {
  const { count, size, lit, turn } = opts;
  return lit >= 0 ? Math.floor(lit / size) : turn % Math.ceil(count / size);
}

/** What the corner over the names says: "Teams 11–20", then "of 30, page 2 of 3". */
export function pageLabel(opts: { first: number; shown: number; count: number; page: number; pages: number }) {
  const { first, shown, count, page, pages } = opts;
  return { teams: `Teams ${first + 1}–${first + shown}`, rest: `of ${count}, page ${page + 1} of ${pages}` };
}
