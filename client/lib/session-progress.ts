import type { ExportFile } from '../../shared/export-format.ts';

/**
 * Whether a report is of a session still running, so it can say "so far"
 * rather than read like a finished one. Nothing in the document says a
 * session ended, so this is a judgement from three signs: the agenda is not
 * at its last step (a facilitator who reached the wrap-up is done, even with
 * people still connected), and either something happened recently or someone
 * is still connected and the session has not been quiet for hours (a long
 * discussion writes nothing to the board; a socket left open in a forgotten
 * tab or one whose leave a crash never recorded should not keep it "live" for days).
 */
export const RECENT_MS = 30 * 60_000;
export const CONNECTED_QUIET_MS = 4 * 3_600_000;

export interface SessionProgress {
  live: boolean;
  /** The agenda step the session is at (0-based) and how many there are. */
  step: number;
  steps: number;
  stepTitle: string;
  /** When the export was made: what "so far" runs up to. */
  asOf: number;
}

export function sessionProgress(exp: ExportFile): SessionProgress {
  const steps = exp.template.agenda.length;
  const step = exp.state.control?.step ?? 0;
  const lastLog = exp.log.at(-1)?.at ?? exp.workshop.createdAt;
  // A loop, not Math.max(...spread): a long day's timeline (100,000+ connects) overflows the call stack.
  let last = lastLog;
  for (const e of exp.timeline) if (e.at > last) last = e.at;
  const quiet = exp.exportedAt - last;
  const online = new Map<string, number>();
  for (const e of exp.timeline) {
    if (!e.actor || (e.kind !== 'connect' && e.kind !== 'disconnect')) continue;
    online.set(e.actor, (online.get(e.actor) ?? 0) + (e.kind === 'connect' ? 1 : -1));
  }
  const connected = [...online.values()].some((n) => n > 0);
  const live = step < steps - 1 && (quiet <= RECENT_MS || (connected && quiet <= CONNECTED_QUIET_MS));
  return { live, step, steps, stepTitle: exp.template.agenda[step]?.title ?? '', asOf: exp.exportedAt };
}
