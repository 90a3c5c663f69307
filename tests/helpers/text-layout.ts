import type { Locator } from 'playwright-core';

/** How far the element's text runs past its own box, in px (0 when it stays inside). */
export const overrun = (l: Locator): Promise<number> =>
  l.evaluate((el) => {
    const r = document.createRange();
    r.selectNodeContents(el);
    const box = el.getBoundingClientRect();
    return Math.max(0, ...[...r.getClientRects()].map((x) => x.right - box.right), el.scrollWidth - el.clientWidth);
  });

/** Whether a team's colour swatch (`.swatch`) sits on the first line of the name beside it, not alone on a line above. */
export const swatchOnFirstLine = (l: Locator): Promise<boolean> =>
  l.evaluate((el) => {
    const swatch = el.querySelector('.swatch')!.getBoundingClientRect();
    const text = [...el.childNodes].find((n) => n.nodeType === Node.TEXT_NODE && n.textContent!.trim())!;
    const r = document.createRange();
    r.selectNodeContents(text);
    const first = r.getClientRects()[0]!;
    return Math.abs(swatch.top + swatch.height / 2 - (first.top + first.height / 2)) < 6;
  });
