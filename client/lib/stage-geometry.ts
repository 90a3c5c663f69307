/**
 * The stage map's geometry from its fit (stage-fit): the name column, the stage bands and their type,
 * whether its lanes are paged (stage-pages), and the lanes' layout and type scale.
 */
import { stageLayout, type StageLayout } from './layout.ts';
import type { Measure } from './riskLabels.ts';
import { bottleneckLines, MIN_READ_LANE, stageFonts, stageLabelLines, type StageFit, type StageFonts } from './stage-fit.ts';
import { fitWholeNames, labelColumn, laneScale, NAME_FLOOR, NAME_LINES, wholeSize } from './stage-names.ts';
import { PAGE_LANE, stagePageSize } from './stage-pages.ts';

export interface StageGeometry {
  /** The name column's width, and each stage band's. */
  nameColumn: number;
  bandWidth: number;
  font: StageFonts;
  stageLines: string[][];
  barLines: string[][];
  /** Teams a page, or null for every team at once. */
  pageSize: number | null;
  L: StageLayout;
  /** Type scale of the lanes. */
  lk: number;
  /** Names whole on two lines in a widened column (fullNames), else null. */
  wholeNames: ReturnType<typeof fitWholeNames> | null;
}

export interface GeometryInput {
  fit: StageFit;
  fitHeight?: number;
  canEdit: boolean;
  fullNames: boolean;
  stages: readonly { label: string; bottleneck: string }[];
  /** Every team's name, and whether it carries a red-zone flag. */
  names: readonly { id: string; name: string; red: boolean }[];
  measure: Measure;
}

export function stageGeometry(input: GeometryInput): StageGeometry {
  const { fit, fitHeight, canEdit, fullNames, stages, names, measure } = input;
  const { columns, width, allPerColumn, fitted, compact, k } = fit;
  const n = stages.length;
  const wholeNames = fullNames && !compact ? fitWholeNames(names, k, width) : null;
  /** The read-only projector, whose names are drawn as large as shows them whole (StageMap). */
  const projector = fitted && !compact && !wholeNames;
  const squeezed = !!fitHeight && !compact;

  const lay = (nameColumn: number, paged?: number | null): StageGeometry => {
    const bandWidth = (width - 20 - nameColumn) / n;
    const font = stageFonts({ compact, k, fitHeight, bandWidth, stages });
    const stageLines = stageLabelLines(stages, bandWidth, font);
    const barLines = bottleneckLines(stages, bandWidth, font);
    const shape = { stageCount: n, width, compact, k, fitHeight, headerLines: Math.max(1, ...stageLines.map((l) => l.length)) };
    let pageSize = paged ?? null;
    if (paged === undefined && fitted) {
      // With every team on the screen: whether to page them.
      const all = stageLayout({ ...shape, teamCount: allPerColumn, minLane: 0, labelWidth: nameColumn });
      pageSize = stagePageSize({
        count: names.length,
        columns,
        perColumn: allPerColumn,
        laneHeight: all.laneHeight,
        least: projector && columns === 1 ? wholeLane(all) : MIN_READ_LANE,
      });
    }
    const rows = pageSize ? Math.ceil(pageSize / columns) : allPerColumn;
    const L = stageLayout({
      ...shape,
      teamCount: rows,
      minLane: canEdit ? 44 : MIN_READ_LANE,
      labelWidth: compact ? undefined : nameColumn,
    });
    const lk = laneScale({ paged: !!pageSize, squeezed, k, laneHeight: L.laneHeight });
    return { nameColumn, bandWidth, font, stageLines, barLines, pageSize, L, lk, wholeNames };
  };

  /**
   * The least lane that shows every name whole: MIN_READ_LANE where lanes as tall as `all`'s do (a
   * name on one line, or two, in 13 px type or more), else a page's lane (two lines of 13 px), where
   * that does. Five long names beside a vote at 800×600 had 26 px lanes, one line each, and no size
   * down to 13 px showed them whole ("Payments Reconc…Settlement"); a page of three holds them on two.
   * A map in two columns (a wide screen) keeps every lane on it, as before.
   */
  function wholeLane(all: StageLayout): number {
    const whole = (laneHeight: number, paged: boolean) => {
      const lk = laneScale({ paged, squeezed, k, laneHeight });
      const plotLeft = labelColumn(names, k, width, 17 * Math.max(k, lk));
      const m = Math.max(0.4, Math.min(k, laneHeight / 68));
      const L = { laneHeight, plotLeft, plotRight: width - 20 };
      return wholeSize(names, { paged, compact, fullNames, L, nameSize: 17 * lk, k, lk, m, measure }) !== null;
    };
    const page = Math.max(PAGE_LANE, NAME_LINES * NAME_FLOOR);
    if (whole(all.laneHeight, false) || !whole(Math.max(page, all.laneHeight), true)) return MIN_READ_LANE;
    // Lanes already a page's height may still cut a name a page shows whole (its ⚠ after it): fewer a page, then.
    return Math.max(page, all.laneHeight + 0.01);
  }

  if (compact) return lay(16);
  if (wholeNames) return lay(wholeNames.column);
  const first = lay(labelColumn(names, k, width));
  if (!projector) return first;
  // The column fits the names in the type the lanes draw: a paged map's lanes (up to a laptop's) or a
  // squeezed one's 13 px floor are larger than the map's own type where a crowd shrank it (TIGHT).
  // Its pages stay as they were; a wider column only shortens the lanes, and their type with them.
  const column = labelColumn(names, k, width, 17 * Math.max(k, first.lk));
  return column > first.nameColumn + 0.5 ? lay(column, first.pageSize) : first;
}
