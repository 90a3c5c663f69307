import * as Y from 'yjs';

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
}

type Struct = Y.Item | Y.GC | Y.Skip;

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
  const result: UpdateInspection = { roots: new Set(), missing: false, fresh: false, malformed: false };

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

  const findOwn = (id: Y.ID): Y.Item | undefined => {
    const list = own.get(id.client);
    if (!list) return undefined;
    for (const it of list) if (id.clock >= it.id.clock && id.clock < it.id.clock + it.length) return it;
    return undefined;
  };

  // Root of the struct with this id: null for garbage-collected content (where
  // Yjs turns anything inserted into garbage too), undefined when missing.
  const rootOfId = (id: Y.ID, depth: number): string | null | undefined => {
    if (id.clock < Y.getState(store, id.client)) {
      const s = Y.getItem(store, id) as Y.Item | Y.GC;
      if (!(s instanceof Y.Item) || s.parent === null) return null;
      return rootOfType(s.parent as Y.AbstractType<unknown>);
    }
    const item = findOwn(id);
    return item ? rootOfItem(item, depth + 1) : undefined;
  };

  const rootOfItem = (item: Y.Item, depth: number): string | null | undefined => {
    if (depth > 64) return undefined; // a cycle of references is no honest update
    const parent = item.parent as unknown;
    if (typeof parent === 'string') {
      if (item.parentSub === null) result.malformed = true;
      return parent;
    }
    if (parent instanceof Y.ID) return rootOfId(parent, depth);
    const neighbour = item.origin ?? item.rightOrigin;
    return neighbour ? rootOfId(neighbour, depth) : undefined;
  };

  for (const item of newItems) {
    for (const dep of [item.origin, item.rightOrigin]) {
      if (dep && dep.clock >= known(dep.client)) result.missing = true;
    }
    const root = rootOfItem(item, 0);
    if (root === undefined) result.missing = true;
    else if (root !== null) result.roots.add(root);
  }

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
