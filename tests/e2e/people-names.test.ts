import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { createWorkshop, join } from '../helpers/api.ts';
import { openPage, useBrowser } from '../helpers/browser.ts';
import { useServer } from '../helpers/server.ts';
import { connect, synced, type Client } from '../helpers/yclient.ts';

/** Names on the facilitator's board (the people strip, cursors) are the roster's, which only the server writes. */
const srv = useServer();
const browser = useBrowser();

let facilitator: Page;
let w: Awaited<ReturnType<typeof createWorkshop>>;
const clients: Client[] = [];

beforeAll(async () => {
  w = await createWorkshop(srv.url, 'Who is who');
  facilitator = await openPage(browser, { width: 1280, height: 800 });
  await facilitator.goto(w.facilitatorUrl);
  await facilitator.getByTestId('join-code').waitFor();
});

afterAll(async () => {
  for (const c of clients) c.destroy();
  await facilitator.context().close();
});

describe('a participant on the facilitator’s board', () => {
  it('is named as the roster names it, whatever its page calls itself, and renamed with it', async () => {
    const [alice, mallory] = await Promise.all(['Alice', 'Mallory'].map((n) => join(srv.url, w.joinCode, n)));
    const state = (name: string, x: number) => ({
      user: { name, color: '#2563eb', role: 'participant' },
      cursor: { board: 'stage', x, y: 0.5 },
    });
    const a = connect(srv.wsUrl, w.id, alice!.token);
    const m = connect(srv.wsUrl, w.id, mallory!.token);
    clients.push(a, m);
    await Promise.all([a, m].map(synced));
    a.provider.awareness.setLocalState(state('Alice', 0.3));
    // A page of Mallory's that calls itself Alice, cursor and all.
    m.provider.awareness.setLocalState(state('Alice', 0.7));
    const here = facilitator.locator('header [role="group"]');
    const cursors = () => facilitator.locator('.cursor-name').allTextContents();
    // Broke: the strip and the cursors read "Alice" twice, and Mallory nowhere.
    await expect.poll(() => here.getAttribute('aria-label')).toBe('3 here: you, Alice, Mallory');
    await expect.poll(async () => (await cursors()).sort()).toEqual(['Alice', 'Mallory']);

    const res = await fetch(`${srv.url}/api/workshops/${w.id}/participants/${mallory!.participantId}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${w.facilitatorKey}` },
      body: JSON.stringify({ name: 'Mal' }),
    });
    expect(res.status).toBe(200);
    await expect.poll(() => here.getAttribute('aria-label')).toBe('3 here: you, Alice, Mal');
    await expect.poll(async () => (await cursors()).sort()).toEqual(['Alice', 'Mal']);
  });
});
