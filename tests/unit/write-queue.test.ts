import { describe, expect, it } from 'vitest';
import { WriteQueue } from '../../server/write-queue.ts';

describe('a room’s write queue', () => {
  it('hands a task’s failure, thrown or rejected, to onError with what it was enqueued on, and runs on', async () => {
    const failed: [string, string | undefined][] = [];
    const ran: string[] = [];
    const q = new WriteQueue<string>((err, on) => failed.push([(err as Error).message, on]));
    q.enqueue(() => {
      throw new Error('thrown at once');
    }, 'peer A');
    // An asynchronous write holds the next task back; its rejection reaches its own peer.
    q.enqueue(() => Promise.reject(new Error('rejected')), 'peer B');
    q.enqueue(() => {
      ran.push('after');
      throw new Error('thrown in turn');
    }, 'peer C');
    q.enqueue(() => void ran.push('a server task'));
    q.enqueue(() => {
      throw new Error('no peer');
    });
    await q.flush();
    expect(failed).toEqual([
      ['thrown at once', 'peer A'],
      ['rejected', 'peer B'],
      ['thrown in turn', 'peer C'],
      ['no peer', undefined],
    ]);
    expect(ran).toEqual(['after', 'a server task']);
  });
});
