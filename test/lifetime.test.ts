// Shared objects made here that never left this process are freed when garbage: their
// segments leave /dev/shm and the hub forgets them. Objects that travelled (a Process
// argument, a Condition's lock through its Condition) stay usable wherever they went.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Process, Lock, RLock, Semaphore, Event, Queue, Condition } from 'multiproc';
import * as t from './fixtures/lifetime-targets.ts';
import { contexts, within, sleep } from './helpers.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** The /dev/shm name of an object's own segment, if it has one. */
function segmentOf(x: { objectRef: [string, string, unknown] }): string | null {
  const spec = x.objectRef[2] as { shm?: unknown } | null;
  return spec && typeof spec.shm === 'string' ? spec.shm : null;
}

/** Collects garbage until `done()` or `ms` pass (finalizers run after the collection, later). */
async function collectUntil(done: () => boolean, ms = 10_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    gc();
    await sleep(20);
    if (done()) return true;
  }
  return done();
}

describe('lifetime of shared objects', () => {
  it('objects made here and dropped without leaving the process are freed: their segments leave /dev/shm', async () => {
    const names: string[] = [];
    await (async () => {
      for (let i = 0; i < 100; i++) {
        const lock = new Lock();
        const rlock = new RLock();
        const sem = new Semaphore(2);
        await lock.acquire();
        await lock.release();
        await sem.acquire();
        await sem.release();
        const q = new Queue<number>();
        await q.put(i);
        assert.equal(await q.get(), i);
        for (const x of [lock, rlock, sem]) {
          const n = segmentOf(x as never);
          if (n) names.push(n);
        }
        const ev = new Event();
        await ev.set();
      }
    })();
    if (names.length === 0) return; // no addon: nothing in /dev/shm to watch
    const freed = await collectUntil(() => names.every((n) => !existsSync(`/dev/shm/${n}`)));
    const left = names.filter((n) => existsSync(`/dev/shm/${n}`));
    assert.ok(freed, `${left.length} of ${names.length} segments left after collection`);
    // The hub goes on serving new objects after freeing the old ones.
    const q = new Queue<string>();
    await q.put('still works');
    assert.equal(await within(10_000, q.get()), 'still works');
  });

  for (const context of contexts) {
    it(`an object that travelled is not freed when the creator drops it (${context})`, async () => {
      const go = new Event();
      let lockSegment: string | null = null;
      const child = await (async () => {
        const lock = new Lock();
        const cond = new Condition(new RLock());
        lockSegment = segmentOf(lock as never);
        const p = new Process({ target: t.useLater, args: [lock, cond, go], context });
        p.start();
        return p;
      })();
      // The lock and the condition (and, through it, its RLock) are garbage here now.
      for (let i = 0; i < 10; i++) {
        gc();
        await sleep(20);
      }
      if (lockSegment) assert.ok(existsSync(`/dev/shm/${lockSegment}`), 'the segment of a lock a child holds was unlinked');
      await go.set();
      await within(30_000, child.join());
      assert.equal(child.exitCode, 0);
    });
  }
});
