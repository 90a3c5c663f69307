/**
 * From this screen width the projector gives a running vote and the insights a column beside both
 * maps. Narrower, two maps and a column would each be too small to read: the insights take the place
 * of the map the step is not about, and so does a stage or risk vote; a multiple-choice vote, about
 * neither map, takes the maps' place with its question and options (ProjectorStage).
 */
export const BOTH_MAPS_FROM = 1600;

/**
 * Narrower than this (a 4:3 venue projector, 1024×768 or 800×600) even the two maps alone are too
 * small side by side: the step's map takes the screen. At 1024 the risk chart beside the stage map
 * had 9 px axis labels and its legend wrapped word by word; at 800 the stage map's names ran over its
 * lanes and the page scrolled.
 */
export const ONE_MAP_BELOW = 1200;

/** Whether a running vote gets a column beside the map(s); otherwise (a choice vote, narrower) it takes their place. */
export const voteColumn = (vote: { kind: string }, width: number): boolean => width >= BOTH_MAPS_FROM || vote.kind !== 'choice';
