import { describe, expect, it } from 'vitest';
import { findTemplate } from '../../shared/templates/index.ts';
import { cutMiddle } from '../../client/lib/layout.ts';
import { riskZones, shortTags, teamLabels, type TeamLabel } from '../../client/lib/riskLabels.ts';
import { riskLayout } from '../../client/lib/riskLayout.ts';
import { GLYPH } from '../../client/lib/text.ts';

const L = riskLayout({ width: 420, diagonal: findTemplate('ai-sdlc')!.diagonal });
const measure = (text: string, size: number) => text.length * size * GLYPH * 1.12;
const boxOf = (p: TeamLabel) => {
  const w = measure(p.text, L.font.name) + 4;
  const h = L.font.name * 1.2;
  const x0 = p.anchor === 'start' ? p.x : p.anchor === 'end' ? p.x - w : p.x - w / 2;
  const y0 = p.anchor === 'middle' ? p.y + h * 0.2 - h : p.y - h * 0.32 - h / 2;
  return { x0, y0, x1: x0 + w, y1: y0 + h };
};

describe('team labels on a crowded risk diagonal', () => {
  // Thirty teams in a small chart: the pile of names the audit found on a phone.
  let seed = 3;
  const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const teams = Array.from({ length: 30 }, (_, i) => ({
    id: `t${i}`,
    x: L.x(rnd()),
    y: L.y(rnd()),
    text: `Customer Identity and Access #${i + 1}`,
    tag: `CIA${i + 1}`,
  }));
  const placed = teamLabels(L, teams, { markerRadius: 13, zones: riskZones(L), measure });

  it('writes no label over another, and none outside the plot', () => {
    const boxes = [...placed.values()].map(boxOf);
    for (const b of boxes) {
      expect(b.x0).toBeGreaterThanOrEqual(L.left - 0.01);
      expect(b.x1).toBeLessThanOrEqual(L.left + L.plot + 0.01);
    }
    for (let i = 0; i < boxes.length; i++)
      for (let j = i + 1; j < boxes.length; j++) {
        const [a, b] = [boxes[i]!, boxes[j]!];
        expect(a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1, `${i} and ${j}`).toBe(false);
      }
  });

  it('falls back to the short tag where a whole name has no room', () => {
    expect([...placed.values()].some((p) => p.short)).toBe(true);
  });

  it('names every team when asked to (the report), room or not', () => {
    const all = teamLabels(L, teams, { markerRadius: 13, zones: riskZones(L), measure, always: true });
    expect(all.size).toBe(30);
  });
});

describe('short names', () => {
  it('tags a team by its initials and its number, each tag its own', () => {
    expect(shortTags(['Customer Identity and Access Management', 'Customer Identity and Access Manag #16', 'Payments'])).toEqual([
      'CIAM',
      'CIAM16',
      'Pay',
    ]);
    const twins = shortTags(['Mobile apps', 'Mobile apps']);
    expect(new Set(twins).size).toBe(2);
    // Numbering two "AB"s must not hand out the "AB1" a third team already has.
    const tags = shortTags(['Alpha Beta', 'Apple Banana', 'Alpha Bravo 1']);
    expect(tags[2]).toBe('AB1');
    expect(new Set(tags).size).toBe(3);
  });

  it('cuts a long name in the middle, keeping the end that tells teams apart', () => {
    const a = cutMiddle('Customer Identity and Access Manag #6', 22);
    const b = cutMiddle('Customer Identity and Access Manag #11', 22);
    expect(a.length).toBeLessThanOrEqual(22);
    expect(a).not.toBe(b);
    expect(a.endsWith('#6')).toBe(true);
    expect(cutMiddle('Payments', 22)).toBe('Payments');
  });
});
