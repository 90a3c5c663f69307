import * as Y from 'yjs';
import { DocEventTracker } from '../../shared/timeline.ts';

/** A fresh document, its tracker, and `step`: one log entry that makes `change` at `at`, by `author`. */
export function tracked(defaultAuthor: string) {
  const doc = new Y.Doc();
  const tracker = new DocEventTracker(doc);
  let seq = 0;
  const step = (at: number, change: () => void, author = defaultAuthor) => {
    change();
    tracker.after({ seq: ++seq, at, author });
  };
  return { doc, tracker, step, lastSeq: () => seq };
}
