/**
 * After a key moved a focused marker, keep it on screen. The browser scrolls to an element when it
 * takes focus, not when it then moves: a marker moved up the chart slid under the sticky top bar.
 * Scrolling to the nearest edge honours the page's scroll padding (the bar's height, app.css), and
 * does nothing while the marker is in view.
 */
export function keepInView(el: Element): void {
  // After the move is drawn: the marker's new place is known then.
  requestAnimationFrame(() => {
    if (document.activeElement === el) el.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  });
}
