import { describe, expect, it } from 'vitest';
import { stageFit, stageFonts } from '../../client/lib/stage-fit.ts';

const projector = { fitHeight: 900, canEdit: false, stageCount: 3, scale: 1.4 };

describe('stageFit', () => {
  it('splits thirty teams on a wide projector into two columns of fifteen', () => {
    const fit = stageFit({ ...projector, width: 1900, teamCount: 30 });
    expect(fit).toMatchObject({ columns: 2, width: 938, allPerColumn: 15, compact: false });
  });

  it('keeps six teams, and a map that can be edited, in one column', () => {
    expect(stageFit({ ...projector, width: 1900, teamCount: 6 }).columns).toBe(1);
    expect(stageFit({ ...projector, width: 1900, teamCount: 30, canEdit: true }).columns).toBe(1);
  });

  it('gives up header type (scale 0.7) when one column of lanes is squeezed below 16 px', () => {
    expect(stageFit({ ...projector, fitHeight: 560, width: 1000, teamCount: 30 }).k).toBe(0.7);
  });

  it("lays a narrow editable map out as a phone's", () => {
    expect(stageFit({ width: 390, canEdit: true, stageCount: 3, teamCount: 4 }).compact).toBe(true);
    // A projector keeps its names beside the lanes, however narrow.
    expect(stageFit({ ...projector, width: 390, teamCount: 4 }).compact).toBe(false);
  });
});

describe('stageFonts', () => {
  const stages = [
    { label: 'AI-assisted', bottleneck: 'Code creation' },
    { label: 'Agent-orchestrated', bottleneck: 'Review and evaluation' },
    { label: 'Autonomous workflows', bottleneck: 'Trust, security and validation' },
  ];

  it("keeps a squeezed projector's stage numbers at 14 px and headers at 15 px or more", () => {
    const font = stageFonts({ compact: false, k: 0.7, fitHeight: 560, bandWidth: 240, stages });
    expect(font.number).toBe(14);
    expect(font.stage).toBeGreaterThanOrEqual(15);
  });

  it('shrinks a header until its longest word fits its band, but not below 9 px', () => {
    const wide = stageFonts({ compact: false, k: 1, bandWidth: 240, stages });
    const narrow = stageFonts({ compact: false, k: 1, bandWidth: 90, stages });
    expect(wide.stage).toBe(20);
    expect(narrow.stage).toBeLessThan(20);
    expect(stageFonts({ compact: false, k: 1, bandWidth: 10, stages }).stage).toBe(9);
  });
});
