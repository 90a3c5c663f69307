import { describe, expect, it } from 'vitest';
import { nameLines, nameTip } from '../../client/lib/name-lines.ts';

/** Widths by a fixed glyph, as a test has no fonts: 10 px a letter at 17 px. */
const measure = (text: string, size: number) => (text.length * size * 10) / 17;
/** What a name's lines say, the hyphens of broken words left out. */
const letters = (lines: string[]) => lines.join('').replace(/[-\s]/g, '');

describe('nameLines', () => {
  it('keeps a name that fits as it is, and wraps words as the map always did', () => {
    expect(nameLines('Mobile', 20)).toEqual({ lines: ['Mobile'], whole: true });
    expect(nameLines('Customer Identity and Access', 20)).toEqual({ lines: ['Customer Identity', 'and Access'], whole: true });
  });

  it('breaks a word longer than a line near its middle, with a hyphen', () => {
    expect(nameLines('Zahlungsverkehrsplattformbetrieb', 20)).toEqual({ lines: ['Zahlungsverkehrs-', 'plattformbetrieb'], whole: true });
    const { lines, whole } = nameLines('Team 8 Platformengineeringgroupnumber8', 20);
    expect(whole).toBe(true);
    expect(letters(lines)).toBe('Team8Platformengineeringgroupnumber8');
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(20);
  });

  it('tells apart names that share a long first word', () => {
    const a = nameLines('Zahlungsverkehrsplattformbetrieb', 20).lines.join(' ');
    const b = nameLines('Zahlungsverkehrsplattformbetriebsteam', 20).lines.join(' ');
    expect(a).not.toBe(b);
    expect(b.endsWith('betriebsteam')).toBe(true);
  });

  it('cuts what does not fit in the middle of the last line, keeping the end', () => {
    const name = 'Zahlungsverkehrsplattformbetriebsteamkartenabwicklungnord';
    const { lines, whole } = nameLines(name, 16);
    expect(whole).toBe(false);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe('Zahlungsverkehr-');
    expect(lines[1]).toMatch(/…/);
    expect(lines[1]!.endsWith('nord')).toBe(true);
    expect(lines[1]!.length).toBeLessThanOrEqual(16);
    // Room for a flag after it.
    expect(nameLines(name, 16, 2, 13).lines[1]!.length).toBeLessThanOrEqual(13);
  });

  it('on one line cuts in the middle, and keeps the rest whole where nothing may be cut', () => {
    const one = nameLines('Infrastructureplatformengineeringservice', 20, 1);
    expect(one.whole).toBe(false);
    expect(one.lines).toHaveLength(1);
    expect(one.lines[0]).toMatch(/^Infrastruct\w*…\w*service$/);
    expect(one.lines[0]!.length).toBeLessThanOrEqual(20);
    const kept = nameLines('Zahlungsverkehrsplattformbetriebsteamkartenabwicklungnord', 16, 2, 16, false);
    expect(kept.whole).toBe(true);
    expect(letters(kept.lines)).toBe('Zahlungsverkehrsplattformbetriebsteamkartenabwicklungnord');
  });
});

describe('nameTip', () => {
  it('keeps a whole name inside the map, wrapping it where the map is narrow', () => {
    const name = 'Zahlungsverkehrsplattformbetriebsteamkartenabwicklungnord';
    const tip = nameTip({ name, size: 17, measure, x: 250, y: 100, bounds: { width: 320, height: 400 } });
    expect(tip.x).toBeGreaterThanOrEqual(0);
    expect(tip.x + tip.w).toBeLessThanOrEqual(320);
    expect(tip.lines.length).toBeGreaterThan(1);
    expect(letters(tip.lines)).toBe(name);
    // Above a marker at the top edge, it goes under it instead.
    const under = nameTip({ name: 'Mobile', size: 17, measure, x: 10, y: 5, above: { below: 40 }, bounds: { width: 320, height: 400 } });
    expect(under.y).toBe(40);
    // Anchored at its end, it ends there.
    const end = nameTip({ name: 'Mobile', size: 17, measure, x: 200, y: 100, anchor: 'end', bounds: { width: 320, height: 400 } });
    expect(end.x + end.w - end.pad).toBeCloseTo(200);
  });
});
