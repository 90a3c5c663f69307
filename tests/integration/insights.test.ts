import { describe, expect, it } from 'vitest';
import { addTeam, readResults, setTeamField } from '../../shared/doc.ts';
import { createWorkshop, join, post } from '../helpers/api.ts';
import { useServer } from '../helpers/server.ts';
import { connect, synced, until } from '../helpers/yclient.ts';

const srv = useServer();
const auth = (token: string) => ({ authorization: `Bearer ${token}` });

describe('insights in the record', () => {
  it('are kept as they stood at each reveal and at the end, in the results and the export', async () => {
    const w = await createWorkshop(srv.url);
    const f = connect(srv.wsUrl, w.id, w.facilitatorKey);
    await synced(f);
    addTeam(f.doc, 'pay', { name: 'Payments', color: '#2563eb', stageCurrent: 1.2, stageTarget: 1.5, autonomy: 0.9, controls: 0.2 });
    const voters = await Promise.all(['A', 'B', 'C'].map((n) => join(srv.url, w.joinCode, n)));
    const { json } = await post(
      `${srv.url}/api/workshops/${w.id}/votes`,
      { question: 'Where is Payments?', kind: 'stage', teamId: 'pay' },
      auth(w.facilitatorKey),
    );
    for (const v of voters) await post(`${srv.url}/api/workshops/${w.id}/votes/${json.voteId}/ballots`, { stage: 2.5 }, auth(v.token));
    await post(`${srv.url}/api/workshops/${w.id}/votes/${json.voteId}/reveal`, {}, auth(w.facilitatorKey));
    await until(f.doc, () => readResults(f.doc).length === 1);
    const atReveal = readResults(f.doc)[0]!
      .insights!.map((i) => i.rule)
      .sort();
    expect(atReveal).toEqual(['disagreement', 'redZone']);

    // The team fixes its controls after the reveal: the end state differs from the reveal.
    setTeamField(f.doc, 'pay', 'controls', 0.9);
    const exp = async () =>
      (await (await fetch(`${srv.url}/api/workshops/${w.id}/export`, { headers: auth(w.facilitatorKey) })).json()) as any;
    await expect.poll(async () => (await exp()).insights.final.map((i: { rule: string }) => i.rule)).toEqual(['disagreement']);
    const file = await exp();
    expect(file.insights.atReveals).toHaveLength(1);
    expect(file.insights.atReveals[0].insights.map((i: { rule: string }) => i.rule).sort()).toEqual(['disagreement', 'redZone']);
    f.destroy();
  });
});
