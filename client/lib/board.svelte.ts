import type * as Y from 'yjs';
import {
  INITIAL_CONTROL,
  readControl,
  readGroups,
  readMembers,
  readMeta,
  readResults,
  readTeams,
  ROOT_NAMES,
  type RootName,
  type Control,
  type Group,
  type Member,
  type Meta,
  type Team,
} from '../../shared/doc.ts';
import { AwarenessState } from '../../shared/schema.ts';
import type { ControlVote, VoteResult } from '../../shared/votes.ts';
import { findTemplate, DEFAULT_TEMPLATE_ID } from '../../shared/templates/index.ts';
import { FrameBatch } from './frame-batch.ts';
import { readGroupMode, type GroupMode } from './groups.ts';
import type { Sync } from './sync.svelte.ts';

export interface Peer {
  clientId: number;
  state: AwarenessState;
}

const FALLBACK_TEMPLATE = findTemplate(DEFAULT_TEMPLATE_ID)!;

/**
 * The board as runes, copied from the Y.Doc by one observer. Views read
 * these; they write through the doc helpers in shared/doc.ts.
 *
 * Other people's changes (and their awareness) are copied at most once per animation frame
 * (FrameBatch): in a busy room they arrive hundreds of times a second, and the screen shows one
 * state a frame. This user's own changes are copied at once, so a dragged marker follows the hand.
 */
export class Board {
  teams = $state.raw<Team[]>([]);
  control = $state.raw<Control>(INITIAL_CONTROL);
  meta = $state.raw<Meta>({ title: '', template: FALLBACK_TEMPLATE, createdAt: 0 });
  /** Everyone else's awareness, cursors included: replaced at every cursor move. */
  peers = $state.raw<Peer[]>([]);
  /**
   * The same people without their cursors, replaced only when someone comes, goes or changes name,
   * colour or role: the people strip and the roster do not re-render 20 times a second per mover.
   */
  present = $state.raw<Peer[]>([]);
  /** Participant ids with a live connection, as the server stamped them into awareness. */
  online = $state.raw<Set<string>>(new Set());
  members = $state.raw<Member[]>([]);
  groups = $state.raw<Group[]>([]);
  groupMode = $state<GroupMode>('manual');
  /** Revealed vote rounds, oldest first. */
  results = $state.raw<VoteResult[]>([]);
  /** True once the first state from the server has arrived. */
  loaded = $state(false);

  /**
   * The newest reveal this page saw happen, and the agenda step it happened on: the vote had been
   * running (open or closed) on this page before. Results already there when the page opened were
   * never seen running, so an old result does not take the screen from what the step is about.
   */
  lastReveal = $state.raw<{ voteId: string; step: number } | null>(null);
  /** The vote this page last saw running, across reconnects (a fresh copy of the document starts with none). */
  private runningVoteId: string | null = null;
  /** Vote rounds (`id:round`) this page has seen, and those among them it saw open after its first sync (see openedWhileOpen). */
  private readonly seenRounds = new Set<string>();
  private readonly openedLive = new Set<string>();
  private detach: (() => void) | null = null;
  private readonly unsubscribe: () => void;

  constructor(private readonly sync: Sync) {
    this.unsubscribe = sync.onDoc((doc) => this.attach(doc));
  }

  /**
   * True once for a vote round that opened while this page was open (not one
   * already open when it loaded): a voter's page then brings the ballot into
   * view, wherever following the facilitator had taken it.
   */
  openedWhileOpen(voteId: string, round: number): boolean {
    return this.openedLive.delete(`${voteId}:${round}`);
  }

  get stageCount(): number {
    return this.meta.template.stages.length;
  }

  private attach(doc: Y.Doc): void {
    this.detach?.();
    this.loaded = false;
    // One reader per top-level type, run only when a transaction touched that type:
    // a marker drag re-reads the teams, not the template, roster and results, and
    // views that depend on the others keep their values (and do not re-render).
    /** The vote this doc showed running (open or closed, not revealed), to notice it being cancelled. */
    let running: ControlVote | null = null;
    /** The note a cancel put up, taken down when the next vote comes. */
    let cancelNote: string | null = null;
    /** Participant id → name, from the roster (see refreshPeers). */
    let roster = new Map<string, string>();
    const readers: Record<RootName, () => void> = {
      meta: () => {
        this.meta = readMeta(doc, FALLBACK_TEMPLATE);
        this.loaded = this.meta.createdAt > 0;
        this.teams = readTeams(doc, this.stageCount); // the stage range comes from the template
      },
      teams: () => (this.teams = keepUnchanged(this.teams, readTeams(doc, this.stageCount))),
      control: () => {
        this.control = readControl(doc);
        const vote = this.control.vote;
        // A reveal keeps the vote (as revealed) and a new vote takes its place: only a cancel leaves none.
        if (running && !vote) this.sync.note((cancelNote = `The facilitator cancelled the vote “${running.question}”.`));
        else if (vote && cancelNote) {
          // The next vote is the news now: the note would otherwise stay on the projector all session.
          this.sync.unnote(cancelNote);
          cancelNote = null;
        }
        running = vote && vote.state !== 'revealed' ? vote : null;
        if (vote && vote.state !== 'revealed') this.runningVoteId = vote.id;
        else if (vote && vote.id === this.runningVoteId) {
          this.runningVoteId = null;
          this.lastReveal = { voteId: vote.id, step: this.control.step };
        }
        const round = vote && `${vote.id}:${vote.round}`;
        if (round && !this.seenRounds.has(round)) {
          this.seenRounds.add(round);
          // The first sync brings what was there before the page opened (it is not synced until that is applied);
          // a later resync, after a dropped connection, brings what opened meanwhile.
          if ((this.sync.provider.synced || this.sync.hasSynced) && vote.state === 'open') this.openedLive.add(round);
        }
      },
      groups: () => {
        this.members = readMembers(doc);
        roster = new Map(this.members.map((m) => [m.id, m.name]));
        // A participant's name on a cursor or in the people strip is the roster's: renamed, it changes there too.
        peersDirty = true;
        this.groups = readGroups(doc);
        this.groupMode = readGroupMode(doc);
      },
      results: () => (this.results = readResults(doc)),
    };
    /** What changed since the board was last copied: read together, once, by the batch. */
    const dirty = new Set<RootName>();
    let peersDirty = false;
    const batch = new FrameBatch(() => {
      // In ROOT_NAMES order: the template (meta) before the teams, whose stage range it sets; meta re-reads the teams itself.
      for (const name of ROOT_NAMES) if (dirty.has(name) && !(name === 'teams' && dirty.has('meta'))) readers[name]();
      dirty.clear();
      if (peersDirty) refreshPeers();
    });
    const observers = ROOT_NAMES.map((name) => {
      const type = doc.getMap<unknown>(name);
      const observer = (_events: unknown, tr: Y.Transaction) => {
        dirty.add(name);
        // A change of this user's shows at once (with anything still pending, in order). So does the
        // first state from the server: a vote already open in it must be read before the provider
        // says it is synced, or it would count as opened while the page was open (openedWhileOpen).
        if (tr.local || !this.sync.hasSynced) batch.runNow();
        else batch.schedule();
      };
      type.observeDeep(observer);
      readers[name]();
      return () => type.unobserveDeep(observer);
    });
    const awareness = this.sync.provider.awareness;
    // Awareness keeps the state object of a client that did not change: its parse (and its Peer, so a
    // keyed view does not update it) is kept too. 200 people were re-validated at every cursor batch.
    let known = new Map<number, { raw: unknown; name: string | undefined; peer: Peer | null }>();
    // The server writes each state's real participant id, and the roster's names are the server's alone:
    // a participant's name is read there (`roster`), whatever its page says (one could call itself someone else).
    const refreshPeers = () => {
      peersDirty = false;
      const peers: Peer[] = [];
      const next = new Map<number, { raw: unknown; name: string | undefined; peer: Peer | null }>();
      awareness.getStates().forEach((raw, clientId) => {
        if (clientId === awareness.clientID) return;
        let seen = known.get(clientId);
        const pid = (raw as { user?: { participantId?: unknown } } | null)?.user?.participantId;
        const name = typeof pid === 'string' ? roster.get(pid) : undefined;
        if (seen?.raw !== raw || seen.name !== name) {
          const parsed = AwarenessState.safeParse(raw);
          const state = parsed.success && name !== undefined ? { ...parsed.data, user: { ...parsed.data.user, name } } : parsed.data;
          seen = { raw, name, peer: parsed.success ? { clientId, state: state! } : null };
        }
        next.set(clientId, seen);
        if (seen.peer) peers.push(seen.peer);
      });
      known = next;
      this.peers = peers;
      if (!samePeople(this.present, peers)) {
        this.present = peers;
        const ids = new Set<string>();
        for (const p of peers) if (p.state.user.participantId) ids.add(p.state.user.participantId);
        if (ids.size !== this.online.size || [...ids].some((id) => !this.online.has(id))) this.online = ids;
      }
    };
    // Cursors move 20 times a second per mover: their awareness is copied with the frame's batch too.
    const awarenessChanged = () => {
      peersDirty = true;
      batch.schedule();
    };
    awareness.on('change', awarenessChanged);
    refreshPeers();
    this.detach = () => {
      batch.cancel();
      for (const off of observers) off();
      awareness.off('change', awarenessChanged);
    };
  }

  destroy(): void {
    this.detach?.();
    this.unsubscribe();
  }
}

/**
 * `next`, with each team that reads the same as before kept as the object it was: a marker drag
 * changes one team, and views keyed on the others (their lanes, rows, points) then see no change.
 */
export function keepUnchanged(prev: readonly Team[], next: Team[]): Team[] {
  if (!prev.length) return next;
  const byId = new Map(prev.map((t) => [t.id, t]));
  let same = prev.length === next.length;
  const out = next.map((team, i) => {
    const old = byId.get(team.id);
    const kept = old && sameTeam(old, team) ? old : team;
    if (kept !== prev[i]) same = false;
    return kept;
  });
  return same ? (prev as Team[]) : out;
}

function sameTeam(a: Team, b: Team): boolean {
  const ka = Object.keys(a) as (keyof Team)[];
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => a[k] === b[k]);
}

/** Whether two awareness lists show the same people (cursors aside), in the same order. */
function samePeople(a: readonly Peer[], b: readonly Peer[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((p, i) => {
    const q = b[i]!;
    if (p === q) return true;
    const u = p.state.user;
    const v = q.state.user;
    return (
      p.clientId === q.clientId && u.name === v.name && u.color === v.color && u.role === v.role && u.participantId === v.participantId
    );
  });
}
