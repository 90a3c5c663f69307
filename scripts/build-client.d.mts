export function clientBuildIsStale(): boolean;
export function ensureClientBuilt(opts?: { quiet?: boolean }): Promise<boolean>;
