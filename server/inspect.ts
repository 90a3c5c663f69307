import * as Y from 'yjs';
import { TeamFields } from '../shared/doc.ts';
import { TEXT } from '../shared/limits.ts';
import { UNREADABLE_KEY } from '../shared/schema.ts';

/**
 * What an incoming update would do to the server's copy of the document,
 * worked out before it is applied. The permission filter needs the top-level
 * types it writes (Yjs cannot undo an integrated change, so a refusal has to
 * happen first); the dependency check keeps updates that reference structs
 * the server lacks out of the document, where Yjs would hold them as pending
 * forever and hand them to every new joiner.
 */
export interface UpdateInspection {
  /** Top-level types the update inserts into or deletes from. */
  roots: Set<string>;
  /** It references structs the server does not have (a gap in a client's clock, a missing origin or parent). */
  missing: boolean;
  /** It carries something the server lacks: new structs, or deletions of live items. */
  fresh: boolean;
  /** An item sits directly under a map root without a key, which no map-shaped document does. */
  malformed: boolean;
  /**
   * In `teams`, something other than a map per team holding the schema's
   * fields, each value at most MAX_TEAM_VALUE_CHARS (see `teamItemMisfit`): a
   * change the board refuses, as it refuses one the role may not make.
   */
  misfit: boolean;
  /** What the first misfit is ("field "x" is not a team field"), for an answer that names it. */
  misfitDetail?: string;
  /** Teams the update adds (keys new to the `teams` map). */
  newTeams: number;
}

/** Where an item sits: its top-level type, how deep (1: a key of the root map), and its key in a map. */
interface Place {
  root: string;
  depth: number;
  key: string | null;
}

type Struct = Y.Item | Y.GC | Y.Skip;

const TEAMS_ROOT = 'teams';
/** Longest team id (a key of the `teams` map). */
export const MAX_TEAM_ID_CHARS = 64;
/**
 * Longest value of a team's field: a string of this many characters, or
 * anything else of this many as JSON. The longest field the schema allows is
 * a note of TEXT.note characters; readers ignore anything that does not
 * parse, but the log keeps whatever is admitted, so the size is bounded here.
 */
export const MAX_TEAM_VALUE_CHARS = TEXT.note * 2;
const TEAM_KEYS = new Set(Object.keys(TeamFields));

/** The place of an item already in the document. */
function placeOfStored(s: Y.Item): Place {
  let depth = 1;
  let t = s.parent as Y.AbstractType<unknown>;
  while (t._item !== null) {
    depth++;
    t = t._item.parent as Y.AbstractType<unknown>;
  }
  return { root: Y.findRootTypeKey(t), depth, key: s.parentSub };
}

/**
 * `teams` holds a map per team (keyed by a team id of at most
 * MAX_TEAM_ID_CHARS), and each holds the schema's fields (shared/doc.ts
 * TeamFields) as plain values of at most MAX_TEAM_VALUE_CHARS as JSON. Content
 * already deleted when the update was encoded carries no value and fits anywhere.
 * Values overwritten while offline can arrive as one item holding several of
 * them, deleted by the same update: where a client keeps them (an undo
 * history does), Yjs merges each run of a field's old values into one item.
 * Returns what does not fit, or null.
 */
function teamItemMisfit(item: Y.Item, place: Place, deletedHere: (item: Y.Item) => boolean): string | null {
  const c = item.content;
  if (c instanceof Y.ContentDeleted) return place.depth <= 2 ? null : 'something is nested inside a team field';
  if (place.depth === 1) {
    if (place.key === null) return 'a team has no id';
    if (place.key.length > MAX_TEAM_ID_CHARS) return `a team id is longer than ${MAX_TEAM_ID_CHARS} characters`;
    return c instanceof Y.ContentType && c.type instanceof Y.Map ? null : `team "${place.key}" is not a map`;
  }
  if (place.depth !== 2 || place.key === null) return 'something is nested inside a team field';
  if (!TEAM_KEYS.has(place.key)) return `"${place.key.slice(0, MAX_TEAM_ID_CHARS)}" is not a team field`;
  if (!(c instanceof Y.ContentAny) || (c.arr.length !== 1 && !deletedHere(item))) return `team field "${place.key}" is not a plain value`;
  for (const value of c.arr) {
    // A string by its own length: its JSON form doubles quotes and backslashes, and a note full of them is still a note.
    const size = typeof value === 'string' ? value.length : JSON.stringify(value)?.length;
    if (size === undefined) return `team field "${place.key}" is not a plain value`;
    if (size > MAX_TEAM_VALUE_CHARS) return `team field "${place.key}" is ${size} characters long`;
  }
  return null;
}

/** The top-level name of the type a struct lives in, or null when it lives in garbage-collected content. */
function rootOfType(type: Y.AbstractType<unknown>): string {
  let t = type;
  while (t._item !== null) t = t._item.parent as Y.AbstractType<unknown>;
  return Y.findRootTypeKey(t);
}

export function inspectUpdate(doc: Y.Doc, update: Uint8Array): UpdateInspection {
  const { structs, ds } = Y.decodeUpdate(update) as {
    structs: Struct[];
    ds: { clients: Map<number, { clock: number; len: number }[]> };
  };
  const store = doc.store;
  const result: UpdateInspection = { roots: new Set(), missing: false, fresh: false, malformed: false, misfit: false, newTeams: 0 };

  // How far each client's clock reaches once this update is integrated, and
  // the update's own items by client (clock order), for resolving references
  // between structs of the same update.
  const reach = new Map<number, number>();
  const own = new Map<number, Y.Item[]>();
  const known = (client: number) => reach.get(client) ?? Y.getState(store, client);
  const newItems: Y.Item[] = [];

  for (const s of structs) {
    if (s instanceof Y.Skip) continue;
    const { client, clock } = s.id;
    const r = known(client);
    if (clock > r) {
      result.missing = true;
      continue;
    }
    const end = clock + s.length;
    if (end <= r) continue;
    reach.set(client, end);
    result.fresh = true;
    if (s instanceof Y.Item) {
      newItems.push(s);
      let list = own.get(client);
      if (!list) own.set(client, (list = []));
      list.push(s);
    }
  }

  // A binary search: the items of one client arrive in clock order, and an import inspects
  // entries far larger than a socket's frame, so a scan per reference would be quadratic.
  // (Items of a crafted update out of order are not found: the update reads as "missing".)
  const findOwn = (id: Y.ID): Y.Item | undefined => {
    const list = own.get(id.client);
    if (!list) return undefined;
    let lo = 0;
    let hi = list.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const it = list[mid]!;
      if (id.clock < it.id.clock) hi = mid - 1;
      else if (id.clock >= it.id.clock + it.length) lo = mid + 1;
      else return it;
    }
    return undefined;
  };

  // Where each of the update's own items sits: null inside garbage-collected
  // content (where Yjs turns anything inserted into garbage too), undefined
  // when something it refers to is missing.
  const places = new Map<Y.Item, Place | null | undefined>();

  // A new item names its parent (a root, or the item holding a nested type), or
  // sits beside a neighbour and shares its parent (and, in a map, its key). An
  // offline client that set one key a hundred times sends a chain of a hundred
  // items, each beside the one before: followed in a loop, not by recursion,
  // and each item resolved once, so any chain costs its length.
  const placeOfItem = (start: Y.Item): Place | null | undefined => {
    const chain: Y.Item[] = [];
    const onChain = new Set<Y.Item>();
    let place: Place | null | undefined;
    for (let item = start; ;) {
      if (places.has(item)) {
        place = places.get(item);
        break;
      }
      if (onChain.has(item)) {
        place = undefined; // a cycle of references is no honest update
        break;
      }
      const parent = item.parent as unknown;
      if (typeof parent === 'string') {
        if (item.parentSub === null) result.malformed = true;
        place = { root: parent, depth: 1, key: item.parentSub };
        places.set(item, place);
        break;
      }
      chain.push(item);
      onChain.add(item);
      const next = parent instanceof Y.ID ? parent : (item.origin ?? item.rightOrigin);
      if (!next) {
        place = undefined;
        break;
      }
      if (next.clock < Y.getState(store, next.client)) {
        const s = Y.getItem(store, next) as Y.Item | Y.GC;
        place = !(s instanceof Y.Item) || s.parent === null ? null : placeOfStored(s);
        break;
      }
      const own = findOwn(next);
      if (!own) {
        place = undefined;
        break;
      }
      item = own;
    }
    // Back along the chain: beside a neighbour, the same place; inside a parent, one level deeper.
    for (let i = chain.length - 1; i >= 0; i--) {
      const item = chain[i]!;
      if (place && item.parent instanceof Y.ID) place = { root: place.root, depth: place.depth + 1, key: item.parentSub };
      places.set(item, place);
    }
    return place;
  };

  /**
   * Whether the update's own delete set covers the whole item. Asked only of an item holding several
   * values, and answered by a binary search in the client's ranges (sorted once, on first use): a
   * scan of every range per item would let one crafted update cost items × ranges.
   */
  const sortedDeletes = new Map<number, { clock: number; len: number }[]>();
  const deletedHere = (item: Y.Item): boolean => {
    let ranges = sortedDeletes.get(item.id.client);
    if (!ranges)
      sortedDeletes.set(item.id.client, (ranges = [...(ds.clients.get(item.id.client) ?? [])].sort((a, b) => a.clock - b.clock)));
    // The last range starting at or before the item, then on through the ranges that continue it.
    let lo = 0;
    let hi = ranges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (ranges[mid]!.clock <= item.id.clock) lo = mid + 1;
      else hi = mid - 1;
    }
    let reach = item.id.clock;
    for (let i = Math.max(0, hi); i < ranges.length && ranges[i]!.clock <= reach; i++) {
      reach = Math.max(reach, ranges[i]!.clock + ranges[i]!.len);
    }
    return reach >= item.id.clock + item.length;
  };

  const teams = doc.getMap(TEAMS_ROOT);
  const addedTeams = new Set<string>();
  for (const item of newItems) {
    for (const dep of [item.origin, item.rightOrigin]) {
      if (dep && dep.clock >= known(dep.client)) result.missing = true;
    }
    const place = placeOfItem(item);
    if (place === undefined) result.missing = true;
    else if (place !== null) {
      if (place.key === UNREADABLE_KEY) result.malformed = true;
      result.roots.add(place.root);
      if (place.root !== TEAMS_ROOT) continue;
      const misfit = teamItemMisfit(item, place, deletedHere);
      if (misfit !== null) {
        result.misfit = true;
        result.misfitDetail ??= misfit;
      } else if (place.depth === 1 && !(item.content instanceof Y.ContentDeleted) && !teams.has(place.key!)) addedTeams.add(place.key!);
    }
  }
  result.newTeams = addedTeams.size;

  for (const [client, ranges] of ds.clients) {
    const docState = Y.getState(store, client);
    const structsOf = store.clients.get(client);
    for (const { clock, len } of ranges) {
      if (clock + len > known(client)) {
        result.missing = true;
        continue;
      }
      // Deletions of the update's own new items were counted with their insertion.
      const end = Math.min(clock + len, docState);
      if (!structsOf || clock >= end) continue;
      for (let i = Y.findIndexSS(structsOf, clock); i < structsOf.length; i++) {
        const s = structsOf[i]!;
        if (s.id.clock >= end) break;
        if (!(s instanceof Y.Item) || s.deleted) continue;
        result.fresh = true;
        if (s.parent !== null) result.roots.add(rootOfType(s.parent as Y.AbstractType<unknown>));
      }
    }
  }
  return result;
}
