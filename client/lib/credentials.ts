/**
 * Where a browser keeps the secret that lets it back into a workshop: the URL
 * fragment first (it never reaches the server's logs), then localStorage, so
 * a reload or a closed tab does not lose the seat.
 */
const KEY = (workshopId: string) => `stageboard:credential:${workshopId}`;

/** The event a page hears when this browser's seat in a workshop is taken away (see markRemoved). */
export const REMOVED_EVENT = 'stageboard:removed';

export interface StoredCredential {
  token: string;
  /** How it was handed over: a facilitator key, or a participant/observer token. */
  kind: 'key' | 'token';
  /** A participant's own id, name and the code it joined with: to tell its own other tabs, and to offer joining again. */
  participantId?: string;
  name?: string;
  code?: string;
  /** When this browser last kept it (ms): the start page lists the newest first. */
  savedAt?: number;
}

/** What is kept once the facilitator removed this browser's participant: enough to offer joining again. */
export interface Removal {
  workshopId: string;
  name?: string;
  code?: string;
}

export function credentialFromFragment(hash: string): StoredCredential | null {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const key = params.get('key');
  if (key) return { token: key, kind: 'key' };
  const token = params.get('token');
  if (token) return { token, kind: 'token' };
  return null;
}

/**
 * A link may carry its secret in the query (`?key=…`, `?token=…`; PRODUCT.md allows it, a mail
 * client or a script may only keep the query). It moves into the fragment before anything reads
 * the URL, so one place holds it, and the query is gone from the address bar, the history and any
 * later request's Referer. Returns the URL to show instead, or null when there is nothing to move.
 */
export function secretMovedToFragment(href: string): string | null {
  const url = new URL(href);
  const fragment = new URLSearchParams(url.hash.replace(/^#/, ''));
  let moved = false;
  for (const name of ['key', 'token']) {
    const value = url.searchParams.get(name);
    if (value === null) continue;
    url.searchParams.delete(name);
    // A secret already in the fragment is the one the link meant "better"; keep it.
    if (!fragment.has(name)) fragment.set(name, value);
    moved = true;
  }
  if (!moved) return null;
  url.hash = fragment.toString();
  return url.toString();
}

function readStored(workshopId: string): Record<string, unknown> | null {
  try {
    const raw = localStorage.getItem(KEY(workshopId));
    const v: unknown = raw ? JSON.parse(raw) : null;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function writeStored(workshopId: string, value: object): void {
  try {
    localStorage.setItem(KEY(workshopId), JSON.stringify(value));
  } catch {
    // Private browsing can refuse storage; the fragment still works for this tab.
  }
}

const optionalText = (v: unknown) => (typeof v === 'string' ? v : undefined);

/**
 * Keeps `cred` for the next visit. A token from a link (the projector's, opened from the
 * facilitator's screen in the same browser) does not replace a facilitator key kept here: the
 * facilitator's replay and report pages, opened without a fragment, would come up read-only.
 * Joining on purpose (`replace`) always takes the seat.
 */
export function saveCredential(workshopId: string, cred: StoredCredential, opts: { replace?: boolean } = {}): void {
  if (!opts.replace && cred.kind === 'token' && loadCredential(workshopId)?.kind === 'key') return;
  writeStored(workshopId, { ...cred, savedAt: Date.now() });
}

export function loadCredential(workshopId: string): StoredCredential | null {
  const v = readStored(workshopId);
  if (!v || typeof v.token !== 'string' || (v.kind !== 'key' && v.kind !== 'token')) return null;
  return {
    token: v.token,
    kind: v.kind,
    participantId: optionalText(v.participantId),
    name: optionalText(v.name),
    code: optionalText(v.code),
    savedAt: typeof v.savedAt === 'number' ? v.savedAt : undefined,
  };
}

export function forgetCredential(workshopId: string): void {
  try {
    localStorage.removeItem(KEY(workshopId));
  } catch {
    /* nothing stored */
  }
}

/** The credential this page should use: the link's fragment first, then what this browser kept. */
export function currentCredential(workshopId: string): StoredCredential | null {
  return credentialFromFragment(location.hash) ?? loadCredential(workshopId);
}

/**
 * The facilitator removed the participant holding `token`: its seat is gone for good. What this
 * browser kept for it becomes a note of the removal (its name and code, to join again), so a
 * reload says what happened instead of "not valid"; the page hears REMOVED_EVENT and says it now.
 */
export function markRemoved(workshopId: string, token: string): void {
  const kept = loadCredential(workshopId);
  const removal: Removal = { workshopId, name: kept?.name, code: kept?.code };
  // Only the seat that was removed: a fragment's token must not wipe a key this browser also holds.
  if (kept?.token === token) writeStored(workshopId, { removed: true, name: removal.name, code: removal.code });
  window.dispatchEvent(new CustomEvent<Removal>(REMOVED_EVENT, { detail: removal }));
}

/** The removal noted for this workshop, if this browser's seat there was removed and not taken again. */
export function removalOf(workshopId: string): Removal | null {
  const v = readStored(workshopId);
  if (v?.removed !== true) return null;
  return { workshopId, name: optionalText(v.name), code: optionalText(v.code) };
}

/** Every workshop this browser holds a seat in (a facilitator key or a participant token), newest first, for the start page. */
export function savedWorkshops(): { workshopId: string; cred: StoredCredential }[] {
  const out: { workshopId: string; cred: StoredCredential }[] = [];
  const prefix = KEY('');
  try {
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i);
      if (!key?.startsWith(prefix)) continue;
      const workshopId = key.slice(prefix.length);
      const cred = loadCredential(workshopId);
      if (cred) out.push({ workshopId, cred });
    }
  } catch {
    // Storage refused (private browsing): nothing was kept either.
  }
  return out.sort((a, b) => (b.cred.savedAt ?? 0) - (a.cred.savedAt ?? 0));
}
