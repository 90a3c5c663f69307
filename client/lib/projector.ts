/**
 * From this screen width the projector gives a running vote and the insights a column beside both
 * maps. Narrower, two maps and a column would each be too small to read: the vote sits beside the
 * step's title (StepRow) and the insights take the place of the map the step is not about (ProjectorStage).
 */
export const BOTH_MAPS_FROM = 1600;
