/**
 * Keeps keyboard focus in a panel whose controls come and go with the state they act on: "Start
 * timer" becomes "Pause", "Open vote" becomes "Close vote", a removed participant's row goes. A
 * focused button that leaves the DOM leaves focus on the page itself, and the next Tab starts again
 * at the top of a long page. When that happens inside `node`, `target` (else the first control left
 * in it) takes the focus.
 *
 * Chromium fires no focusout for a focused element that is removed, so the last control focused in
 * the panel is remembered and checked after each change to the panel's subtree. Panels nest (the
 * whole board, the vote panel in it): the innermost one around the lost control restores it.
 * The page does not scroll to the control restored: it stays where the change left it.
 */
export function keepFocus(node: HTMLElement, target?: () => HTMLElement | null | undefined) {
  let last: Element | null = null;
  let pick = target;
  node.setAttribute('data-keep-focus', '');
  const onIn = (e: FocusEvent) => {
    const el = e.target as Element;
    last = el.closest('[data-keep-focus]') === node ? el : null;
  };
  // Focus moved on to somewhere else on purpose: nothing to restore.
  const onOut = (e: FocusEvent) => {
    if (e.relatedTarget && !node.contains(e.relatedTarget as Node)) last = null;
  };
  const lost = () => !document.activeElement || document.activeElement === document.body;
  const observer = new MutationObserver(() => {
    if (!last || last.isConnected || !lost()) return;
    last = null;
    const to =
      pick?.() ?? node.querySelector<HTMLElement>('button:not(:disabled), select:not(:disabled), input:not(:disabled), [tabindex="0"]');
    to?.focus({ preventScroll: true });
  });
  node.addEventListener('focusin', onIn);
  node.addEventListener('focusout', onOut);
  observer.observe(node, { childList: true, subtree: true });
  return {
    update(next?: () => HTMLElement | null | undefined) {
      pick = next;
    },
    destroy() {
      observer.disconnect();
      node.removeEventListener('focusin', onIn);
      node.removeEventListener('focusout', onOut);
    },
  };
}
