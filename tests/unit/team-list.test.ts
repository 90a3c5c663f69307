import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import TeamList from '../../client/components/TeamList.svelte';
import type { Team } from '../../shared/doc.ts';
import { BUILTIN_TEMPLATES } from '../../shared/templates/index.ts';

const template = BUILTIN_TEMPLATES[0]!;
/** The text a reader sees: tags and comments out, entities decoded, runs of whitespace as one space. */
const text = (html: string) =>
  html
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<[^>]+>/g, '')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();

describe('the team list', () => {
  const team: Team = {
    id: 'pay',
    name: 'Payments',
    color: '#dc2626',
    stageCurrent: 1.1,
    stageTarget: 1.6,
    reliance: 'mixed',
    commitment: 'Pair reviewers with test evidence',
    owner: 'Jonas',
  };

  it('keeps a space between a name and its red-zone flag, and between a commitment and its owner', () => {
    const { body } = render(TeamList, { props: { teams: [team], template, redZone: new Set(['pay']) } });
    const shown = text(body);
    expect(shown).toContain('Payments · ⚠ Red zone');
    expect(shown).toContain('Pair reviewers with test evidence — owner: Jonas');
  });

  it('says what a team relies on in words, and that an owner has no commitment yet', () => {
    const { body } = render(TeamList, { props: { teams: [{ ...team, commitment: '' }], template, redZone: new Set<string>() } });
    const shown = text(body);
    expect(shown).toContain('1.1 → 1.6 · relies on a mix of guardrails and guarantees');
    expect(shown).toContain('No commitment yet — owner: Jonas');
    expect(shown).not.toContain('Red zone');
  });
});
