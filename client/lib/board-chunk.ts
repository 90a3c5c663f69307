/**
 * The board page and everything it pulls in (Yjs, the sync provider, d3, the
 * maps) as a chunk of its own. The home and join pages call `warmBoard` once
 * their form is up, so the chunk downloads while someone types and the board
 * opens from the cache.
 */
export const loadBoard = () => import('../components/BoardPage.svelte').then((m) => m.default);

export function warmBoard(): void {
  const start = () => void loadBoard().catch(() => {});
  if ('requestIdleCallback' in window) requestIdleCallback(start, { timeout: 2000 });
  else setTimeout(start, 200);
}
