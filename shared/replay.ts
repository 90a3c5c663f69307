import * as Y from 'yjs';
import {
  FALLBACK_TEAM_COLOR,
  INITIAL_CONTROL,
  readControl,
  readGroups,
  readMeta,
  readResults,
  readTeamField,
  ROOTS,
  TeamFields,
  type Control,
  type Group,
  type Meta,
  type Team,
  type TeamField,
} from './doc.ts';
import { Checkpoints } from './replay-checkpoints.ts';
import { DocEventTracker, FALLBACK_TEMPLATE, type TimelineEvent } from './timeline.ts';
import type { VoteResult } from './votes.ts';

/**
 * The replay engine, DOM-free so the browser, the server's export and the
 * benchmark run the same code. Nothing here has a provider: replay can never
 * write into the live workshop.
 *
 * Loading applies every log entry once, in order, to a private document and
 * records, after each entry, what changed as the validating readers see it:
 * each touched team, the control map, the meta map. A seek (`frameAt`) then
 * reads the last recorded state of each team at or before the target by
 * binary search and applies no updates at all. That matters because
 * restoring a Yjs state is linear in the session's history: every
 * overwritten value stays as a tombstone, and applying the checkpoint of a
 * 50,000-edit session takes ~60 ms before a single tail update.
 *
 * The exact document at any entry is still available (`docAt`): it starts
 * from the nearest checkpoint (Y.encodeStateAsUpdate every
 * `checkpointEvery` entries, see replay-checkpoints.ts) and applies at most
 * that many entries; the tests check that both paths agree.
 */
export interface ReplayEntry {
  seq: number;
  at: number;
  author: string;
  update: Uint8Array;
}

/** Where a team was after one entry; a field is missing while it was never set or invalid. */
export interface TrailPoint {
  index: number;
  at: number;
  stageCurrent?: number;
  stageTarget?: number;
  autonomy?: number;
  controls?: number;
}

export interface ReplayFrame {
  index: number;
  at: number;
  meta: Meta;
  control: Control;
  teams: Team[];
  /** Revealed rounds so far, oldest first; the same array from one reveal to the next, so views can skip work. */
  results: VoteResult[];
  /** Breakout groups, for naming a result's panels. */
  groups: Group[];
}

const NONE: never[] = [];

const TRAIL_FIELDS = ['stageCurrent', 'stageTarget', 'autonomy', 'controls'] as const;
const TEAM_FIELDS = Object.keys(TeamFields) as TeamField[];

/** One team as `readTeams` reads it, or null when it has no valid name (readers skip it). */
function readTeam(id: string, map: Y.Map<unknown>, stageMax: number): Team | null {
  const name = readTeamField(map, 'name', stageMax);
  if (name === undefined) return null;
  const team: Team = { id, name, color: readTeamField(map, 'color', stageMax) ?? FALLBACK_TEAM_COLOR };
  for (const key of TEAM_FIELDS) {
    if (key === 'name' || key === 'color') continue;
    const v = readTeamField(map, key, stageMax);
    if (v !== undefined) (team as Record<string, unknown>)[key] = v;
  }
  return team;
}

/** A team with only `keys` read again: one field validated per move, not thirteen. */
function rereadFields(prev: Team, map: Y.Map<unknown>, keys: ReadonlySet<string>, stageMax: number): Team {
  const team = { ...prev } as Record<string, unknown>;
  for (const key of keys) {
    if (!(key in TeamFields)) continue;
    const v = readTeamField(map, key as TeamField, stageMax);
    if (v === undefined) delete team[key];
    else team[key] = v;
  }
  return team as Team;
}

/** Same order as readTeams: creation time, then id. */
const byCreation = (a: Team, b: Team) => (a.createdAt ?? 0) - (b.createdAt ?? 0) || a.id.localeCompare(b.id);

interface Stamped<T> {
  index: number;
  value: T;
}

/** The last state recorded at or before `index`. */
function lastAt<T>(states: readonly Stamped<T>[], index: number): Stamped<T> | undefined {
  let lo = 0;
  let hi = states.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (states[mid]!.index <= index) lo = mid + 1;
    else hi = mid;
  }
  return states[lo - 1];
}

export class ReplayEngine {
  readonly entries: ReplayEntry[] = [];
  readonly trails = new Map<string, TrailPoint[]>();
  private readonly doc = new Y.Doc();
  private readonly tracker = new DocEventTracker(this.doc);
  private readonly checkpoints: Checkpoints;
  /** Teams changed by the entry being applied: the fields changed, or 'all' when the team itself was set or removed. */
  private readonly touched = new Map<string, Set<string> | 'all'>();
  private controlTouched = false;
  private metaTouched = false;
  private readonly teamStates = new Map<string, Stamped<Team | null>[]>();
  private readonly controlStates: Stamped<Control>[] = [];
  private readonly metaStates: Stamped<Meta>[] = [];
  private readonly resultStates: Stamped<VoteResult[]>[] = [];
  private readonly groupStates: Stamped<Group[]>[] = [];
  private resultsTouched = false;
  private groupsTouched = false;
  private stageMax = FALLBACK_TEMPLATE.stages.length;
  private readonly indexed: boolean;

  /** `frames: false` skips the per-entry states and trails (the export needs only the final document). */
  constructor(opts: { checkpointEvery?: number; frames?: boolean } = {}) {
    this.checkpoints = new Checkpoints(this.entries, opts.checkpointEvery);
    this.indexed = opts.frames !== false;
    if (this.indexed) {
      this.doc.getMap(ROOTS.teams).observeDeep((events) => {
        for (const e of events) {
          // path [] is the teams map itself (teams added or removed); [id, …] is inside one team.
          if (e.path.length === 0 && e instanceof Y.YMapEvent) {
            for (const key of e.keysChanged) this.touched.set(key, 'all');
          } else if (e.path.length === 1 && typeof e.path[0] === 'string' && e instanceof Y.YMapEvent) {
            const prev = this.touched.get(e.path[0]);
            if (prev === 'all') continue;
            const keys = prev ?? new Set<string>();
            for (const key of e.keysChanged) keys.add(key);
            this.touched.set(e.path[0], keys);
          } else if (typeof e.path[0] === 'string') this.touched.set(e.path[0], 'all');
        }
      });
      this.doc.getMap(ROOTS.control).observe(() => void (this.controlTouched = true));
      // Both change only at a reveal or a roster edit: read whole when they do.
      this.doc.getMap(ROOTS.results).observeDeep(() => void (this.resultsTouched = true));
      this.doc.getMap(ROOTS.groups).observeDeep(() => void (this.groupsTouched = true));
    }
    this.doc.getMap(ROOTS.meta).observe(() => {
      this.metaTouched = true;
      this.stageMax = this.tracker.template().stages.length;
    });
  }

  get checkpointEvery(): number {
    return this.checkpoints.every;
  }

  get length(): number {
    return this.entries.length;
  }

  get startAt(): number {
    return this.entries[0]?.at ?? 0;
  }

  get endAt(): number {
    return this.entries[this.entries.length - 1]?.at ?? 0;
  }

  /** Document-derived timeline events so far (agenda steps, teams, votes). */
  get events(): readonly TimelineEvent[] {
    return this.tracker.events;
  }

  /** The document after every entry loaded so far. Read it; never change it. */
  get finalDoc(): Y.Doc {
    return this.doc;
  }

  /** Adds entries in log order. Throws on an entry that is not a valid Yjs update. */
  append(batch: readonly ReplayEntry[]): void {
    for (const entry of batch) {
      const index = this.entries.length;
      this.entries.push(entry);
      Y.applyUpdate(this.doc, entry.update);
      this.tracker.after(entry);
      if (this.indexed) this.record(index, entry.at);
      this.checkpoints.after(index, this.doc);
    }
  }

  /** True when some entry referenced structs that never arrived: the log is incomplete. */
  get incomplete(): boolean {
    return this.doc.store.pendingStructs !== null || this.doc.store.pendingDs !== null;
  }

  private record(index: number, at: number): void {
    if (this.metaTouched) this.metaStates.push({ index, value: readMeta(this.doc, FALLBACK_TEMPLATE) });
    if (this.controlTouched) this.controlStates.push({ index, value: readControl(this.doc) });
    if (this.resultsTouched) this.resultStates.push({ index, value: readResults(this.doc) });
    if (this.groupsTouched) this.groupStates.push({ index, value: readGroups(this.doc) });
    this.metaTouched = this.controlTouched = this.resultsTouched = this.groupsTouched = false;
    if (this.touched.size === 0) return;
    const teams = this.doc.getMap<unknown>(ROOTS.teams);
    for (const [id, keys] of this.touched) {
      const map = teams.get(id);
      let states = this.teamStates.get(id);
      if (!states) this.teamStates.set(id, (states = []));
      const prev = states[states.length - 1]?.value;
      const team = !(map instanceof Y.Map)
        ? null
        : keys === 'all' || !prev || keys.has('name') || keys.has('color')
          ? readTeam(id, map as Y.Map<unknown>, this.stageMax)
          : rereadFields(prev, map as Y.Map<unknown>, keys, this.stageMax);
      states.push({ index, value: team });
      if (!team) continue;
      const point: TrailPoint = { index, at };
      for (const f of TRAIL_FIELDS) if (team[f] !== undefined) point[f] = team[f];
      let trail = this.trails.get(id);
      if (!trail) this.trails.set(id, (trail = []));
      const last = trail[trail.length - 1];
      if (!last || TRAIL_FIELDS.some((f) => last[f] !== point[f])) trail.push(point);
    }
    this.touched.clear();
  }

  /** The index of the last entry at or before time `t`, or -1 before the first. */
  indexAt(t: number): number {
    let lo = 0;
    let hi = this.entries.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.entries[mid]!.at <= t) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  /**
   * The document right after entry `index` (clamped to the loaded range). The
   * engine owns it and reuses it for the next seek: read it, don't keep it.
   */
  docAt(index: number): Y.Doc {
    return this.checkpoints.docAt(index);
  }

  /** What the maps show right after entry `index`: what the readers would read from `docAt(index)`. */
  frameAt(index: number): ReplayFrame {
    const teams: Team[] = [];
    for (const states of this.teamStates.values()) {
      const team = lastAt(states, index)?.value;
      if (team) teams.push(team);
    }
    return {
      index,
      at: this.entries[index]?.at ?? this.startAt,
      meta: lastAt(this.metaStates, index)?.value ?? { title: '', template: FALLBACK_TEMPLATE, createdAt: 0 },
      control: lastAt(this.controlStates, index)?.value ?? INITIAL_CONTROL,
      teams: teams.sort(byCreation),
      results: lastAt(this.resultStates, index)?.value ?? NONE,
      groups: lastAt(this.groupStates, index)?.value ?? NONE,
    };
  }

  /** The trail of one team up to entry `index`, thinned to at most `max` points (the newest kept). */
  trailUntil(teamId: string, index: number, max = 240): TrailPoint[] {
    const trail = this.trails.get(teamId) ?? [];
    let lo = 0;
    let hi = trail.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (trail[mid]!.index <= index) lo = mid + 1;
      else hi = mid;
    }
    const upto = trail.slice(0, lo);
    // Thinned evenly but always ending at the newest point, so the trail meets the marker.
    if (upto.length <= max) return upto;
    const step = upto.length / (max - 1);
    const out: TrailPoint[] = [];
    for (let i = 0; i < max - 1; i++) out.push(upto[Math.floor(i * step)]!);
    out.push(upto[upto.length - 1]!);
    return out;
  }

  destroy(): void {
    this.checkpoints.destroy();
    this.doc.destroy();
  }
}
