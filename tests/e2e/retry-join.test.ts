import type { Page, Request } from 'playwright-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWorkshop } from '../helpers/api.ts';
import { openPhone, screenshot, useBrowser } from '../helpers/browser.ts';
import { useServer } from '../helpers/server.ts';

/*
 * A join the server answered while the phone's network dropped the answer: the participant sees
 * "Cannot reach the server" and presses Join again. Broke: that made a second seat, and the room
 * showed the person twice. The form sends the same Idempotency-Key on the retry, and a new one for
 * the next join.
 */
const srv = useServer();
const browser = useBrowser();

let w: Awaited<ReturnType<typeof createWorkshop>>;
let phone: Page;

beforeEach(async () => {
  w = await createWorkshop(srv.url, 'Lossy venue');
  phone = await openPhone(browser);
});

afterEach(async () => {
  await phone.context().close();
});

const seats = async () =>
  (
    (await (
      await fetch(`${srv.url}/api/workshops/${w.id}/participants`, { headers: { authorization: `Bearer ${w.facilitatorKey}` } })
    ).json()) as { participants: { name: string }[] }
  ).participants.map((p) => p.name);
const keyOf = (r: Request) => r.headers()['idempotency-key'];

describe('pressing Join again after the answer was lost', () => {
  it('takes one seat, with the same key on the retry, and a new key for the next join', async () => {
    const sent: Request[] = [];
    phone.on('request', (r) => {
      if (r.url().endsWith('/api/join')) sent.push(r);
    });
    // The first join reaches the server and is answered; the answer is lost on the way back.
    await phone.route(
      '**/api/join',
      async (route) => {
        await route.fetch();
        await route.abort('connectionreset');
      },
      { times: 1 },
    );
    await phone.goto(srv.url + '/');
    await phone.getByLabel('Code').fill(w.joinCode);
    await phone.getByLabel('Your name').fill('Ana');
    await phone.getByRole('button', { name: 'Join', exact: true }).click();
    await expect.poll(() => phone.getByTestId('join-error').innerText()).toMatch(/Cannot reach the server/);
    expect(await seats()).toEqual(['Ana']);
    await screenshot(phone, 'retry-join-lost-answer');

    await phone.getByRole('button', { name: 'Join', exact: true }).click();
    await phone.waitForURL(/\/w\/[\w-]+$/);
    // The board opened with the retry's token, and the room shows Ana once.
    await phone.getByRole('heading', { name: 'Lossy venue' }).first().waitFor();
    expect(await seats()).toEqual(['Ana']);
    expect(sent).toHaveLength(2);
    expect(keyOf(sent[0]!)).toMatch(/^"[\w-]{22}"$/);
    expect(keyOf(sent[1]!)).toBe(keyOf(sent[0]!));

    // A new join from this phone is a new action: a new key, a second seat.
    await phone.goto(srv.url + '/');
    await phone.getByLabel('Code').fill(w.joinCode);
    await phone.getByLabel('Your name').fill('Ana');
    await phone.getByRole('button', { name: 'Join', exact: true }).click();
    await phone.waitForURL(/\/w\/[\w-]+$/);
    expect(sent).toHaveLength(3);
    expect(keyOf(sent[2]!)).not.toBe(keyOf(sent[0]!));
    expect(await seats()).toEqual(['Ana', 'Ana']);
  });
});
