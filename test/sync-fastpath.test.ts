// The shared-memory fast path of Lock, RLock, Semaphore and BoundedSemaphore (and a Value's
// lock): synchronous tryAcquire()/releaseSync(), FIFO respected when someone waits at the hub,
// a Semaphore's units coming back from a holder that died or a thread that ended, and the
// hub-only objects (a manager's) refusing the synchronous calls with a code.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Process, Pool, Queue, Lock, RLock, Semaphore, BoundedSemaphore, Condition, Event, Value, Manager } from 'multiproc';
import * as s from './fixtures/sync-targets.ts';
import { contexts, within, rejection, sleep } from './helpers.ts';

for (const context of contexts) {
  describe(`synchronous lock fast path (${context})`, () => {
    let pool: Pool;
    before(() => {
      pool = new Pool({ processes: 2, context });
    });
    after(() => pool.terminate());

    it('tryAcquire/releaseSync on Lock, RLock, Semaphore, BoundedSemaphore and a Value lock, here and in workers', async () => {
      const objects = { Lock: new Lock(), RLock: new RLock(), Semaphore: new Semaphore(2), BoundedSemaphore: new BoundedSemaphore(1), Value: Value('i', 0).getLock() };
      for (const [name, lock] of Object.entries(objects)) {
        assert.equal(s.syncPairs(lock, 1000), 1000, name);
        // One worker at a time: uncontended, every try succeeds.
        assert.equal(await within(20_000, pool.apply(s.syncPairs, [lock, 500])), 500, name);
        assert.equal(await within(20_000, pool.apply(s.syncPairs, [lock, 500])), 500, name);
      }
      // Held here: a worker's tryAcquire says false at once (an RLock's owner is this thread).
      for (const name of ['Lock', 'RLock', 'BoundedSemaphore', 'Value'] as const) {
        const lock = objects[name];
        assert.equal(lock.tryAcquire(), true);
        assert.deepEqual(await within(20_000, pool.apply(s.tryTwice, [lock])), [false, false], name);
        lock.releaseSync();
      }
      assert.deepEqual(s.tryTwice(objects.Semaphore), [true, true]);
      assert.equal(objects.Semaphore.tryAcquire(), false);
      objects.Semaphore.releaseSync();
      objects.Semaphore.releaseSync();
      assert.equal(await objects.Semaphore.getValue(), 2);
    });

    it('errors are thrown at once: an unlocked Lock, an over-released BoundedSemaphore, an RLock of another owner', async () => {
      const lock = new Lock();
      assert.equal(lock.tryAcquire(), true);
      lock.releaseSync();
      assert.throws(() => lock.releaseSync(), { code: 'ERR_RELEASE_UNLOCKED' });
      const bs = new BoundedSemaphore(1);
      assert.throws(() => bs.releaseSync(), { code: 'ERR_RELEASE_UNLOCKED' });
      assert.equal((await rejection(bs.release())).code, 'ERR_RELEASE_UNLOCKED');
      const rl = new RLock();
      await within(20_000, pool.apply(s.tryTwice, [rl]));
      assert.throws(() => rl.releaseSync(), { code: 'ERR_NOT_OWNER' });
      assert.throws(() => new Semaphore(2 ** 31), { code: 'ERR_OUT_OF_RANGE' });
    });

    it('a waiter queued at the hub goes first: tryAcquire says false while someone waits', async () => {
      const lock = new Lock();
      const log = new Queue<string>();
      assert.equal(lock.tryAcquire(), true);
      const waiter = pool.apply(s.queueFor, [lock, log, 'w', 300]);
      assert.equal(await within(20_000, log.get()), 'w:queued');
      lock.releaseSync();
      // The lock goes to the waiter, not to whoever tries first after the release.
      assert.equal(lock.tryAcquire(), false);
      assert.equal(await within(20_000, log.get()), 'w:got');
      await within(20_000, waiter);
      assert.equal(lock.tryAcquire(), true);
      lock.releaseSync();
    });

    it('a Semaphore released by a process that never acquired it (producer/consumer) counts right', async () => {
      const sem = new Semaphore(0);
      await within(20_000, pool.apply(s.produce, [sem, 3]));
      assert.equal(await sem.getValue(), 3);
      assert.equal(s.syncPairs(sem, 10), 10);
      assert.deepEqual(s.tryTwice(sem), [true, true]);
      assert.equal(await sem.getValue(), 1);
    });

    it('Condition: a notify nobody waits for is free, and every real waiter is still woken (also after a timed-out one)', async () => {
      const lock = new Lock();
      const cond = new Condition(lock);
      const other = new Condition(lock);
      const log = new Queue<string>();
      {
        await using _h = await cond.enter();
        for (let i = 0; i < 1000; i++) await cond.notify();
        await cond.notifyAll();
      }
      assert.equal((await rejection(cond.notify())).code, 'ERR_NOT_OWNER');
      const early = pool.apply(s.condWaiter, [cond, log, 'early', 150]);
      assert.equal(await within(20_000, log.get()), 'early:waiting');
      assert.equal(await within(20_000, log.get()), 'early:timeout');
      await within(20_000, early);
      // A waiter at another Condition over the same lock: this one's notify still finds its own.
      const elsewhere = pool.apply(s.condWaiter, [other, log, 'other', 400]);
      assert.equal(await within(20_000, log.get()), 'other:waiting');
      const late = new Process({ target: s.condWaiter, args: [cond, log, 'late', 60_000], context });
      late.start();
      // 'other' times out after 400 ms, before or after 'late' starts waiting: on a loaded
      // machine a child may take longer than that to start, so the order is not asserted.
      const seen = [await within(20_000, log.get())];
      if (seen[0] !== 'late:waiting') seen.push(await within(20_000, log.get()));
      assert.ok(seen.includes('late:waiting'), seen.join());
      {
        await using _h = await cond.enter();
        await cond.notify();
      }
      while (seen.length < 3) seen.push(await within(20_000, log.get()));
      assert.deepEqual(seen.sort(), ['late:notified', 'late:waiting', 'other:timeout']);
      await within(20_000, late.join());
      await within(20_000, elsewhere);
      await using _h = await cond.enter();
      await cond.notify();
    });

    it("a plain Semaphore's units taken by a consumer that ends stay taken (signals, as in CPython)", async () => {
      const sem = new Semaphore(0);
      await sem.release();
      const consumer = new Process({ target: s.takeOne, args: [sem], context });
      consumer.start();
      await within(20_000, consumer.join());
      assert.equal(consumer.exitCode, 0);
      await sleep(400); // longer than the hub's watch for dead holders
      assert.equal(await within(10_000, sem.acquire({ timeout: 300 })), false, 'a unit came back from a consumer that took it for good');
      assert.equal(await sem.getValue(), 0);
    });

    it('units a dead holder held come back to a waiting BoundedSemaphore', async () => {
      const sem = new BoundedSemaphore(3);
      const ready = new Event();
      const holder = new Process({ target: s.holdForever, args: [sem, ready, 2], context });
      holder.start();
      try {
        assert.equal(await within(20_000, ready.wait(20_000)), true);
        assert.equal(await sem.getValue(), 1);
        assert.equal(sem.tryAcquire(), true);
        const got = sem.acquire({ timeout: 20_000 });
        if (context === 'process') process.kill(holder.pid!, 'SIGKILL');
        else await holder.terminate();
        await within(20_000, holder.join());
        assert.equal(await within(20_000, got), true);
        // 3 units: two came back from the holder, this process holds two now.
        assert.equal(await sem.getValue(), 1);
        sem.releaseSync();
        sem.releaseSync();
        assert.equal(await sem.getValue(), 3);
      } finally {
        if (holder.isAlive()) holder.kill();
      }
    });
  });
}

describe('hub-only locks refuse the synchronous calls', () => {
  it("a manager's Lock and Semaphore: ERR_SHARED_MEMORY_UNAVAILABLE, saying what to use", async () => {
    await using m = await Manager();
    const lock = await m.Lock();
    const sem = await m.Semaphore(1);
    for (const x of [lock, sem]) {
      assert.throws(() => x.tryAcquire(), { code: 'ERR_SHARED_MEMORY_UNAVAILABLE', message: /acquire\(\{ block: false \}\)/ });
      assert.throws(() => x.releaseSync(), { code: 'ERR_SHARED_MEMORY_UNAVAILABLE' });
      assert.equal(await x.acquire({ block: false }), true);
      await x.release();
    }
  });
});
