import type * as Y from 'yjs';
import {
  INITIAL_CONTROL,
  readControl,
  readGroups,
  readMembers,
  readMeta,
  readResults,
  readTeams,
  type Control,
  type Group,
  type Member,
  type Meta,
  type Team,
} from '../../shared/doc.ts';
import { AwarenessState } from '../../shared/schema.ts';
import type { VoteResult } from '../../shared/votes.ts';
import { findTemplate, DEFAULT_TEMPLATE_ID } from '../../shared/templates/index.ts';
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
 */
export class Board {
  teams = $state.raw<Team[]>([]);
  control = $state.raw<Control>(INITIAL_CONTROL);
  meta = $state.raw<Meta>({ title: '', template: FALLBACK_TEMPLATE, createdAt: 0 });
  peers = $state.raw<Peer[]>([]);
  members = $state.raw<Member[]>([]);
  groups = $state.raw<Group[]>([]);
  groupMode = $state<GroupMode>('manual');
  /** Revealed vote rounds, oldest first. */
  results = $state.raw<VoteResult[]>([]);
  /** True once the first state from the server has arrived. */
  loaded = $state(false);

  private detach: (() => void) | null = null;
  private readonly unsubscribe: () => void;

  constructor(private readonly sync: Sync) {
    this.unsubscribe = sync.onDoc((doc) => this.attach(doc));
  }

  /** Participant ids with a live connection, as the server stamped them into awareness. */
  get online(): Set<string> {
    const ids = new Set<string>();
    for (const p of this.peers) if (p.state.user.participantId) ids.add(p.state.user.participantId);
    return ids;
  }

  get stageCount(): number {
    return this.meta.template.stages.length;
  }

  private attach(doc: Y.Doc): void {
    this.detach?.();
    this.loaded = false;
    const refresh = () => {
      this.meta = readMeta(doc, FALLBACK_TEMPLATE);
      this.teams = readTeams(doc, this.stageCount);
      this.control = readControl(doc);
      this.members = readMembers(doc);
      this.groups = readGroups(doc);
      this.results = readResults(doc);
      this.groupMode = readGroupMode(doc);
      if (this.meta.createdAt) this.loaded = true;
    };
    const awareness = this.sync.provider.awareness;
    const refreshPeers = () => {
      const peers: Peer[] = [];
      awareness.getStates().forEach((raw, clientId) => {
        if (clientId === awareness.clientID) return;
        const parsed = AwarenessState.safeParse(raw);
        if (parsed.success) peers.push({ clientId, state: parsed.data });
      });
      this.peers = peers;
    };
    doc.on('update', refresh);
    awareness.on('change', refreshPeers);
    refresh();
    refreshPeers();
    this.detach = () => {
      doc.off('update', refresh);
      awareness.off('change', refreshPeers);
    };
  }

  destroy(): void {
    this.detach?.();
    this.unsubscribe();
  }
}
