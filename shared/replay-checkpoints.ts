import * as Y from 'yjs';

/**
 * The exact document at any entry of a replayed log. A snapshot
 * (Y.encodeStateAsUpdate) of the fully loaded document is kept every
 * `every` entries; `docAt` starts from the nearest one and applies at most
 * that many entries. A seek just ahead of the last one continues from it.
 */
export class Checkpoints {
  readonly every: number;
  /** states[k] holds the state right after entry (k + 1) * every - 1. */
  private readonly states: Uint8Array[] = [];
  private cursor: { doc: Y.Doc; index: number } | null = null;

  /** `entries` is the engine's own log, read as it grows. */
  constructor(
    private readonly entries: readonly { update: Uint8Array }[],
    every = 500,
  ) {
    this.every = Math.max(1, every);
  }

  /** Call after entry `index` has been applied to `doc`, the fully loaded document. */
  after(index: number, doc: Y.Doc): void {
    if ((index + 1) % this.every === 0) this.states.push(Y.encodeStateAsUpdate(doc));
  }

  /**
   * The document right after entry `index` (clamped to the loaded range). It
   * is owned here and reused for the next seek: read it, don't keep it.
   */
  docAt(index: number): Y.Doc {
    const target = Math.min(Math.max(index, -1), this.entries.length - 1);
    const c = this.cursor;
    if (c && target >= c.index && target - c.index <= this.every) {
      this.applyRange(c.doc, c.index + 1, target);
      c.index = target;
      return c.doc;
    }
    const k = Math.floor((target + 1) / this.every) - 1;
    const doc = new Y.Doc();
    let from = 0;
    if (k >= 0 && this.states[k]) {
      Y.applyUpdate(doc, this.states[k]!);
      from = (k + 1) * this.every;
    } else if (k >= 0) {
      // Still loading past this point: start from the nearest checkpoint made so far.
      const last = this.states.length - 1;
      if (last >= 0) {
        Y.applyUpdate(doc, this.states[last]!);
        from = (last + 1) * this.every;
      }
    }
    this.applyRange(doc, from, target);
    c?.doc.destroy();
    this.cursor = { doc, index: target };
    return doc;
  }

  private applyRange(doc: Y.Doc, from: number, to: number): void {
    if (from > to) return;
    // One transaction: observers and cleanup run once for the whole range.
    doc.transact(() => {
      for (let i = from; i <= to; i++) Y.applyUpdate(doc, this.entries[i]!.update);
    });
  }

  destroy(): void {
    this.cursor?.doc.destroy();
    this.cursor = null;
  }
}
