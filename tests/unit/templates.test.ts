import { describe, expect, it } from 'vitest';
import { parseTemplate, stageDomain } from '../../shared/template.ts';
import { BUILTIN_TEMPLATES, DEFAULT_TEMPLATE_ID, findTemplate } from '../../shared/templates/index.ts';

const base = () => structuredClone(findTemplate(DEFAULT_TEMPLATE_ID)!) as Record<string, any>;

describe('built-in templates', () => {
  it('ships the AI-SDLC stages, AWS AI-DLC and Notion AI Transformation Model, each valid', () => {
    expect(BUILTIN_TEMPLATES.map((t) => t.id)).toEqual(['ai-sdlc', 'aws-ai-dlc', 'notion-ai-transformation']);
    for (const t of BUILTIN_TEMPLATES) {
      expect(parseTemplate(structuredClone(t))).toEqual(t);
      expect(t.source.length).toBeGreaterThan(20);
    }
  });

  it('names AWS phases Inception, Construction and Operations', () => {
    expect(findTemplate('aws-ai-dlc')!.stages.map((s) => s.label)).toEqual(['Inception', 'Construction', 'Operations']);
  });

  it('runs Notion from "AI as a Thought Partner" to "AI as the System" on a 1..4 axis', () => {
    const notion = findTemplate('notion-ai-transformation')!;
    expect(notion.stages[0]!.label).toBe('AI as a Thought Partner');
    expect(notion.stages.at(-1)!.label).toBe('AI as the System');
    expect(stageDomain(notion)).toEqual([1, 4]);
  });

  it('gives every stage a bottleneck and every agenda step a known board', () => {
    for (const t of BUILTIN_TEMPLATES) {
      for (const s of t.stages) expect(s.bottleneck.trim()).not.toBe('');
      expect(t.diagonal.x.ticks.length).toBeGreaterThanOrEqual(2);
    }
  });
});

describe('a broken template', () => {
  const broken: [string, (t: Record<string, any>) => void, RegExp][] = [
    ['a single stage', (t) => (t.stages = t.stages.slice(0, 1)), /stages: a template needs at least two stages/],
    ['seven stages', (t) => (t.stages = Array(7).fill(t.stages[0])), /stages: a template has at most six stages/],
    ['an empty stage label', (t) => (t.stages[1].label = '  '), /stages\.1\.label/],
    ['an id with capitals', (t) => (t.id = 'My Template'), /id: id must be lowercase letters, digits and dashes/],
    ['a tolerance above one half', (t) => (t.diagonal.tolerance = 0.8), /diagonal\.tolerance/],
    ['one tick on an axis', (t) => (t.diagonal.x.ticks = ['Only']), /diagonal\.x\.ticks/],
    ['an unknown agenda board', (t) => (t.agenda[0].board = 'dance'), /agenda\.0\.board/],
    ['an unknown key', (t) => (t.colour = 'red'), /template: .*colour/],
    ['no bottleneck choices', (t) => (t.bottleneckChoices = []), /bottleneckChoices/],
    ['a stage count given as text', (t) => (t.stages = 'three'), /stages: /],
  ];
  for (const [what, breakIt, message] of broken) {
    it(`fails with a message naming the field: ${what}`, () => {
      const t = base();
      breakIt(t);
      expect(() => parseTemplate(t)).toThrow(message);
      expect(() => parseTemplate(t)).toThrow(/^invalid template: /);
    });
  }

  it('rejects what is not an object at all', () => {
    expect(() => parseTemplate(null)).toThrow(/invalid template: template:/);
    expect(() => parseTemplate('ai-sdlc')).toThrow(/invalid template/);
  });
});
