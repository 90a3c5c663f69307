import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/*
 * What a process pays to be woken, read from the scheduler (Linux's /proc/<pid>/task/<tid>/schedstat:
 * nanoseconds on a CPU, and how many times it was put on one). On a virtual machine a wake-up after a
 * longer sleep costs more (caches and the host's page tables gone cold), so a process that serves less
 * work, woken less often, pays more per update for the same code; these figures let a reader see that
 * apart from anything the code does.
 */

export interface Sched {
  /** Nanoseconds on a CPU, every thread of the process. */
  runNs: number;
  /** Times any thread was put on a CPU: woken, or resumed after another thread preempted it. */
  slices: number;
}

export const schedstatAvailable = () => existsSync('/proc/self/task');

/** The scheduler's totals over every thread of `pid` (zero for a process gone). */
export function sched(pid: number): Sched {
  let runNs = 0;
  let slices = 0;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const [run, , count] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ');
      runNs += Number(run);
      slices += Number(count);
    }
  } catch {
    // The process (or a thread) ended between the listing and the read.
  }
  return { runNs, slices };
}

export const sumSched = (pids: number[]): Sched =>
  pids.map(sched).reduce((a, b) => ({ runNs: a.runNs + b.runNs, slices: a.slices + b.slices }), { runNs: 0, slices: 0 });

/**
 * CPU per wake-up of a Node process that does nothing but wake every `intervalMs` (an empty
 * `setInterval`), in microseconds: the floor any Node process woken that often pays on this machine.
 */
export async function emptyTimerWakeUs(intervalMs: number, seconds = 3): Promise<number> {
  const child = spawn(process.execPath, ['-e', `setInterval(() => {}, ${intervalMs})`], { stdio: 'ignore' });
  try {
    await sleep(1000);
    const a = sched(child.pid!);
    await sleep(seconds * 1000);
    const b = sched(child.pid!);
    return (b.runNs - a.runNs) / Math.max(1, b.slices - a.slices) / 1000;
  } finally {
    child.kill('SIGKILL');
  }
}
