// Lock, RLock, Semaphore, BoundedSemaphore, Condition and Event shared by real child
// processes and threads, in both contexts: exclusion, timeouts, FIFO wake-up, ownership.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Process, Pool, Queue, Lock, RLock, Semaphore, BoundedSemaphore, Condition, Event, Empty, RawArray } from 'multiproc';
import * as s from './fixtures/sync-targets.ts';
import { contexts, within, rejection, sleep } from './helpers.ts';

/** The next `n` items of `q`, each bounded. */
async function take<T>(q: Queue<T>, n: number, ms = 20_000): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(await within(ms, q.get(), `item ${i + 1} of ${n}`));
  return out;
}

for (const context of contexts) {
  describe(`Lock, RLock, Semaphore (${context})`, () => {
    let pool: Pool;
    before(() => {
      pool = new Pool({ processes: 4, context });
    });
    after(() => pool.terminate());

    it('excludes: no two processes inside the critical section at once (Process targets and Pool tasks)', async () => {
      const lock = new Lock();
      const log = new Queue<string>();
      const gauge = RawArray('i', 2) as unknown as { view: Int32Array };
      const ps = ['p1', 'p2'].map((tag) => new Process({ target: s.critical, args: [lock, log, tag, 5, gauge], context }));
      for (const p of ps) p.start();
      const tasks = pool.starmap(s.critical, [
        [lock, log, 't1', 5, gauge],
        [lock, log, 't2', 5, gauge],
      ]);
      const entries = await take(log, 40);
      await within(20_000, tasks);
      await within(20_000, Promise.all(ps.map((p) => p.join())));
      assert.deepEqual(
        ps.map((p) => p.exitCode),
        [0, 0],
      );
      assert.equal(gauge.view[1], 1, 'two were inside at once');
      for (const tag of ['p1', 'p2', 't1', 't2']) assert.equal(entries.filter((e) => e === `${tag}:in`).length, 5);
    });

    it('await using held = await lock.enter() releases at the end of the block; block:false and timeout give false', async () => {
      const lock = new Lock();
      {
        await using held = await within(10_000, lock.enter());
        assert.equal(typeof held.release, 'function');
        assert.deepEqual(await within(20_000, pool.apply(s.tryAcquire, [lock, 200])), [false, false]);
        assert.equal(await lock.acquire({ block: false }), false);
        const t0 = performance.now();
        assert.equal(await within(10_000, lock.acquire({ timeout: 150 })), false);
        assert.ok(performance.now() - t0 >= 100, 'a timed acquire gave up early');
      }
      assert.equal(await lock.acquire({ block: false }), true, 'the block did not release the lock');
      await lock.release();
    });

    it('wakes waiters in arrival order (FIFO)', async () => {
      const lock = new Lock();
      const log = new Queue<string>();
      await within(10_000, lock.acquire());
      const runs = [];
      for (const tag of ['a', 'b', 'c']) {
        runs.push(pool.apply(s.queueFor, [lock, log, tag, 20]));
        assert.equal(await within(20_000, log.get()), `${tag}:queued`);
      }
      await lock.release();
      assert.deepEqual(await take(log, 3), ['a:got', 'b:got', 'c:got']);
      await within(20_000, Promise.all(runs));
      assert.equal(await lock.acquire({ block: false }), true);
    });

    it('ERR_RELEASE_UNLOCKED: an unlocked Lock, an over-released BoundedSemaphore (here and in a child)', async () => {
      const lock = new Lock();
      assert.equal((await rejection(lock.release())).code, 'ERR_RELEASE_UNLOCKED');
      assert.equal((await rejection(pool.apply(s.releaseIt, [lock]))).code, 'ERR_RELEASE_UNLOCKED');
      const bs = new BoundedSemaphore(2);
      assert.equal(await within(10_000, bs.acquire()), true);
      await bs.release();
      assert.equal((await rejection(bs.release())).code, 'ERR_RELEASE_UNLOCKED');
      assert.equal((await rejection(pool.apply(s.releaseIt, [bs]))).code, 'ERR_RELEASE_UNLOCKED');
      assert.equal(await bs.getValue(), 2);
      // A plain Semaphore may go above its initial value.
      const sem = new Semaphore(1);
      await sem.release();
      assert.equal(await sem.getValue(), 2);
    });

    it('RLock: re-entrant for its owner; another process cannot take or release it (ERR_NOT_OWNER)', async () => {
      const rlock = new RLock();
      for (let i = 0; i < 3; i++) assert.equal(await rlock.acquire({ block: false }), true);
      assert.deepEqual(await within(20_000, pool.apply(s.tryAcquire, [rlock, 100])), [false, false]);
      for (let i = 0; i < 2; i++) await rlock.release();
      // Still held once: a child may not release it.
      assert.equal((await rejection(pool.apply(s.releaseIt, [rlock]))).code, 'ERR_NOT_OWNER');
      await rlock.release();
      assert.equal((await rejection(rlock.release())).code, 'ERR_RELEASE_UNLOCKED');

      const log = new Queue<string>();
      const go = new Event();
      const p = new Process({ target: s.reenter, args: [rlock, log, go], context });
      p.start();
      assert.equal(await within(20_000, log.get()), 'holding once');
      const err = await rejection(rlock.release());
      assert.equal(err.code, 'ERR_NOT_OWNER');
      assert.equal(await rlock.acquire({ block: false }), false);
      await go.set();
      assert.equal(await within(20_000, log.get()), 'released');
      await within(20_000, p.join());
      assert.equal(p.exitCode, 0, String(p.error));
      assert.equal(await within(10_000, rlock.acquire({ timeout: 5000 })), true);
      await rlock.release();
    });

    it('Semaphore: getValue, at most value holders at once, block:false/timeout false at 0', async () => {
      const sem = new Semaphore(3);
      assert.equal(await sem.getValue(), 3);
      await within(10_000, sem.acquire());
      assert.equal(await sem.getValue(), 2);
      const log = new Queue<string>();
      const gauge = RawArray('i', 2) as unknown as { view: Int32Array };
      const work = pool.starmap(
        s.critical,
        ['w', 'x', 'y', 'z'].map((tag) => [sem, log, tag, 4, gauge] as const),
      );
      const entries = await take(log, 32);
      await within(20_000, work);
      assert.ok(gauge.view[1]! <= 2, `${gauge.view[1]} inside at once (2 units were free)`);
      for (const tag of ['w', 'x', 'y', 'z']) assert.equal(entries.filter((e) => e === `${tag}:in`).length, 4);
      assert.equal(await sem.getValue(), 2);
      await sem.release();
      assert.equal(await sem.getValue(), 3);
      const zero = new Semaphore(0);
      assert.deepEqual(await within(20_000, pool.apply(s.tryAcquire, [zero, 100])), [false, false]);
      await zero.release();
      assert.equal(await zero.getValue(), 1);
    });
  });

  describe(`Condition and Event (${context})`, () => {
    let pool: Pool;
    before(() => {
      pool = new Pool({ processes: 3, context });
    });
    after(() => pool.terminate());

    it('notify(n) wakes n waiters in arrival order, notifyAll the rest', async () => {
      const cond = new Condition();
      const log = new Queue<string>();
      const runs = [];
      for (const tag of ['a', 'b', 'c']) {
        runs.push(pool.apply(s.condWaiter, [cond, log, tag, 30_000]));
        assert.equal(await within(20_000, log.get()), `${tag}:waiting`);
      }
      {
        await using _h = await within(10_000, cond.enter());
        await cond.notify(2);
      }
      assert.deepEqual(await take(log, 2), ['a:notified', 'b:notified']);
      assert.ok((await rejection(log.get({ timeout: 300 }))) instanceof Empty, 'notify(2) woke a third waiter');
      {
        await using _h = await cond.enter();
        await cond.notifyAll();
      }
      assert.deepEqual(await take(log, 1), ['c:notified']);
      await within(20_000, Promise.all(runs));
    });

    it('notify(1) three times serves the waiters one by one, first come first served (Process targets, Condition over a Lock)', async () => {
      const cond = new Condition(new Lock());
      const log = new Queue<string>();
      const ps = [];
      for (const tag of ['a', 'b', 'c']) {
        const p = new Process({ target: s.condWaiter, args: [cond, log, tag, 30_000], context });
        p.start();
        ps.push(p);
        assert.equal(await within(20_000, log.get()), `${tag}:waiting`);
      }
      for (const tag of ['a', 'b', 'c']) {
        {
          await using _h = await within(10_000, cond.enter());
          await cond.notify();
        }
        assert.equal(await within(20_000, log.get()), `${tag}:notified`);
      }
      await within(20_000, Promise.all(ps.map((p) => p.join())));
      assert.deepEqual(
        ps.map((p) => p.exitCode),
        [0, 0, 0],
      );
    });

    it('wait(timeout) and waitFor(predicate, timeout) give up; waitFor sees a child set its state', async () => {
      const cond = new Condition();
      const flag = new Event();
      await using _h = await cond.enter();
      assert.equal(await within(10_000, cond.wait(100)), false);
      assert.equal(
        await within(
          10_000,
          cond.waitFor(() => flag.isSet(), 150),
        ),
        false,
      );
      // The lock is ours again after each wait.
      assert.deepEqual(await within(20_000, pool.apply(s.tryAcquire, [cond, 50])), [false, false]);
      const setter = pool.apply(s.condSetter, [cond, flag]);
      assert.equal(
        await within(
          20_000,
          cond.waitFor(() => flag.isSet(), 20_000),
        ),
        true,
      );
      await _h.release();
      await within(20_000, setter);
    });

    it('a wait that timed out returns only once it has the lock back', async () => {
      const cond = new Condition();
      const log = new Queue<string>();
      const waiter = pool.apply(s.condWaiter, [cond, log, 'w', 100]);
      assert.equal(await within(20_000, log.get()), 'w:waiting');
      {
        await using _h = await within(10_000, cond.enter());
        await sleep(300); // the waiter's 100 ms ran out while we hold the lock
        assert.ok((await rejection(log.get({ timeout: 200 }))) instanceof Empty, 'wait() returned without the lock');
      }
      assert.equal(await within(20_000, log.get()), 'w:timeout');
      await within(20_000, waiter);
    });

    it('wait and notify without holding the lock: ERR_NOT_OWNER, here and in a child', async () => {
      const cond = new Condition();
      assert.equal((await rejection(cond.wait(10))).code, 'ERR_NOT_OWNER');
      assert.equal((await rejection(cond.notify())).code, 'ERR_NOT_OWNER');
      assert.equal((await rejection(cond.notifyAll())).code, 'ERR_NOT_OWNER');
      // Held here: still not the child's.
      await within(10_000, cond.acquire());
      assert.deepEqual(await within(20_000, pool.apply(s.conditionMisuse, [cond])), ['ERR_NOT_OWNER', 'ERR_NOT_OWNER', 'ERR_NOT_OWNER']);
      await cond.release();
    });

    it('Event: set wakes every waiter, clear, isSet, wait(timeout) false', async () => {
      const ev = new Event();
      assert.equal(await ev.isSet(), false);
      assert.equal(await within(10_000, ev.wait(100)), false);
      assert.equal(await within(10_000, ev.wait(0)), false);
      const log = new Queue<string>();
      const p = new Process({ target: s.eventWaiter, args: [ev, log, 'p', 30_000], context });
      p.start();
      const t = pool.apply(s.eventWaiter, [ev, log, 't', 30_000]);
      const short = pool.apply(s.eventWaiter, [ev, log, 'short', 100]);
      const seen = await take(log, 4);
      assert.deepEqual(
        seen.filter((e) => e.startsWith('short')),
        ['short:waiting', 'short:timeout'],
      );
      assert.deepEqual(seen.filter((e) => !e.startsWith('short')).sort(), ['p:waiting', 't:waiting']);
      await ev.set();
      assert.deepEqual((await take(log, 2)).sort(), ['p:set', 't:set']);
      assert.equal(await ev.isSet(), true);
      assert.equal(await within(10_000, ev.wait(0)), true);
      await ev.clear();
      assert.equal(await ev.isSet(), false);
      assert.equal(await within(10_000, ev.wait(50)), false);
      await within(20_000, Promise.all([p.join(), t, short]));
      assert.equal(p.exitCode, 0);
    });
  });
}
