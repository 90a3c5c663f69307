import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addTeam, INITIAL_CONTROL, initWorkshopDoc, readControl, readMeta, readTeams, ROOTS } from '../../shared/doc.ts';
import { TEXT } from '../../shared/limits.ts';
import { CreateWorkshopBody, JoinBody } from '../../shared/schema.ts';
import { parseTemplate } from '../../shared/template.ts';
import { BUILTIN_TEMPLATES, findTemplate } from '../../shared/templates/index.ts';

describe('request bodies', () => {
  it('trims a workshop title and accepts it at the length limit', () => {
    expect(CreateWorkshopBody.parse({ title: '  Offsite  ' }).title).toBe('Offsite');
    expect(CreateWorkshopBody.safeParse({ title: 'x'.repeat(TEXT.title) }).success).toBe(true);
    expect(CreateWorkshopBody.safeParse({ title: 'x'.repeat(TEXT.title + 1) }).success).toBe(false);
  });

  it('refuses empty titles, control characters and unknown fields', () => {
    expect(CreateWorkshopBody.safeParse({ title: '   ' }).success).toBe(false);
    expect(CreateWorkshopBody.safeParse({ title: 'a\u0000b' }).success).toBe(false);
    expect(CreateWorkshopBody.safeParse({ title: 'ok', admin: true }).success).toBe(false);
  });

  it('refuses C1 controls, half characters and names that show nothing, and takes what people type', () => {
    const name = (n: string) => JoinBody.safeParse({ code: 'ABCDEF', name: n });
    for (const bad of ['a\u0085b', 'A\u009b[2J', 'ab\ud800cd', '\udc00', '\u200b', '\u00ad\u2063', ' \u200b\u3000 ']) {
      expect(name(bad).success, JSON.stringify(bad)).toBe(false);
    }
    expect(name('\u200b').error?.issues[0]?.message).toBe('must not be empty (it has only invisible characters)');
    expect(name('ab\ud800cd').error?.issues[0]?.message).toBe('must not contain half of a character (a lone UTF-16 surrogate)');
    // Accents, scripts, emoji (a surrogate pair), a zero-width joiner inside a family emoji, a non-breaking space.
    for (const good of ['Zoë', 'Jürgen Müller', '李雷', 'محمد', 'Ana 🚀', '👩\u200d💻 Dev', 'Mary\u00a0Ann']) {
      expect(name(good).success, good).toBe(true);
    }
  });

  it('needs a display name of at most the documented length to join', () => {
    expect(JoinBody.safeParse({ code: 'ABCDEF', name: 'x'.repeat(TEXT.displayName) }).success).toBe(true);
    expect(JoinBody.safeParse({ code: 'ABCDEF', name: 'x'.repeat(TEXT.displayName + 1) }).success).toBe(false);
    expect(JoinBody.safeParse({ code: 'ABCDEF' }).success).toBe(false);
  });
});

describe('reading the shared document', () => {
  const template = findTemplate('ai-sdlc')!;

  it('ignores stage values out of range or of the wrong type, and keeps full precision', () => {
    const doc = new Y.Doc();
    addTeam(doc, 'a', { name: 'A', color: '#112233', stageCurrent: 1.23456789, stageTarget: 3.5 });
    const teams = doc.getMap(ROOTS.teams);
    (teams.get('a') as Y.Map<unknown>).set('autonomy', 'high');
    (teams.get('a') as Y.Map<unknown>).set('controls', 1.0000001);
    const [team] = readTeams(doc, 3);
    expect(team!.stageCurrent).toBe(1.23456789);
    expect(team!.stageTarget).toBeUndefined();
    expect(team!.autonomy).toBeUndefined();
    expect(team!.controls).toBeUndefined();
  });

  it('skips teams without a valid name and entries that are not maps', () => {
    const doc = new Y.Doc();
    addTeam(doc, 'ok', { name: 'Kept', color: '#112233' });
    addTeam(doc, 'noname', { name: '', color: '#112233' });
    doc.getMap(ROOTS.teams).set('junk', 42);
    expect(readTeams(doc, 3).map((t) => t.name)).toEqual(['Kept']);
  });

  it('falls back to a neutral colour when the colour is not #rrggbb', () => {
    const doc = new Y.Doc();
    addTeam(doc, 'a', { name: 'A', color: 'red' });
    expect(readTeams(doc, 3)[0]!.color).toBe('#6b7280');
  });

  it('starts a new workshop unlocked, at step 0, with follow-me off', () => {
    const doc = new Y.Doc();
    initWorkshopDoc(doc, { title: 'T', template, createdAt: 5 });
    expect(readControl(doc)).toEqual(INITIAL_CONTROL);
    expect(readMeta(doc, template)).toEqual({ title: 'T', template, createdAt: 5 });
  });

  it('reads the defaults for control values of the wrong type', () => {
    const doc = new Y.Doc();
    const c = doc.getMap(ROOTS.control);
    c.set('step', -1);
    c.set('locked', 'yes');
    c.set('followMe', true);
    expect(readControl(doc)).toEqual({ ...INITIAL_CONTROL, followMe: true });
  });
});

describe('templates', () => {
  it('ships valid built-ins', () => {
    expect(BUILTIN_TEMPLATES.length).toBeGreaterThanOrEqual(1);
    for (const t of BUILTIN_TEMPLATES) expect(parseTemplate(t)).toEqual(t);
  });

  it('names the first bad field of a broken template', () => {
    const broken = structuredClone(template());
    broken.stages = broken.stages.slice(0, 1);
    expect(() => parseTemplate(broken)).toThrow(/invalid template: stages: a template needs at least two stages/);
    const badTick = structuredClone(template());
    (badTick.diagonal.x.ticks as unknown[])[0] = 7;
    expect(() => parseTemplate(badTick)).toThrow(/invalid template: diagonal\.x\.ticks\.0/);
  });

  function template() {
    return findTemplate('ai-sdlc')!;
  }
});
