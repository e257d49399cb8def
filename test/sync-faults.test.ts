// Synchronization objects when a process or thread dies holding or waiting on them, in both
// contexts: a dead holder's lock is released to the next waiter; a dead waiter takes nothing
// with it; a Barrier that loses a waiter breaks for the others.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Process, Pool, Queue, Lock, RLock, BoundedSemaphore, Condition, Event, Barrier, Empty } from 'multiproc';
import * as s from './fixtures/sync-targets.ts';
import { contexts, within, rejection, sleep } from './helpers.ts';

async function untilWaiting(b: Barrier, n: number, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while ((await b.nWaiting()) !== n) {
    if (Date.now() > end) throw new Error(`${n} waiters did not arrive within ${ms} ms`);
    await sleep(20);
  }
}

for (const context of contexts) {
  describe(`dead processes and synchronization (${context})`, () => {
    let pool: Pool;
    before(() => {
      pool = new Pool({ processes: 3, context });
    });
    after(() => pool.terminate());

    /** Ends `p` abruptly: SIGKILL for a process, a forced stop for a thread. */
    async function killHard(p: Process): Promise<void> {
      if (context === 'process') process.kill(p.pid!, 'SIGKILL');
      else p.terminate();
      await within(20_000, p.join());
      assert.equal(p.exitCode, context === 'process' ? -9 : -15);
    }

    for (const [kind, make, times] of [
      ['Lock', () => new Lock(), 1],
      ['RLock held three times', () => new RLock(), 3],
      ['BoundedSemaphore', () => new BoundedSemaphore(1), 1],
    ] as const) {
      it(`a ${kind} whose holder dies is released and handed to the next waiter`, async () => {
        const lock = make();
        const ready = new Event();
        const log = new Queue<string>();
        const holder = new Process({ target: s.holdForever, args: [lock, ready, times], context });
        holder.start();
        try {
          assert.equal(await within(20_000, ready.wait(20_000)), true);
          const waiter = pool.apply(s.queueFor, [lock, log, 'next']);
          assert.equal(await within(20_000, log.get()), 'next:queued');
          assert.ok((await rejection(log.get({ timeout: 200 }))) instanceof Empty, 'the waiter got a held lock');
          await killHard(holder);
          assert.equal(await within(10_000, log.get()), 'next:got');
          await within(20_000, waiter);
          assert.equal(await within(10_000, lock.acquire({ timeout: 5000 })), true);
          await lock.release();
        } finally {
          if (holder.isAlive()) holder.kill();
        }
      });
    }

    it('a waiter that dies in the queue of a Lock does not take the grant with it', async () => {
      const lock = new Lock();
      const log = new Queue<string>();
      await within(10_000, lock.acquire());
      const doomed = new Process({ target: s.queueFor, args: [lock, log, 'doomed', 60_000], context });
      doomed.start();
      assert.equal(await within(20_000, log.get()), 'doomed:queued');
      const next = pool.apply(s.queueFor, [lock, log, 'next']);
      assert.equal(await within(20_000, log.get()), 'next:queued');
      await killHard(doomed);
      await lock.release();
      assert.equal(await within(10_000, log.get()), 'next:got');
      await within(20_000, next);
    });

    it('a Condition waiter that dies is not notified in place of a live one', async () => {
      const cond = new Condition();
      const log = new Queue<string>();
      const doomed = new Process({ target: s.condWaiter, args: [cond, log, 'doomed', 60_000], context });
      doomed.start();
      try {
        assert.equal(await within(20_000, log.get()), 'doomed:waiting');
        const live = pool.apply(s.condWaiter, [cond, log, 'live', 60_000]);
        assert.equal(await within(20_000, log.get()), 'live:waiting');
        await killHard(doomed);
        {
          await using _h = await within(10_000, cond.enter());
          await cond.notify(1);
        }
        assert.equal(await within(10_000, log.get()), 'live:notified');
        await within(20_000, live);
      } finally {
        if (doomed.isAlive()) doomed.kill();
      }
    });

    it("a process that dies holding a Condition's lock frees it", async () => {
      const cond = new Condition(new Lock());
      const ready = new Event();
      const holder = new Process({ target: s.holdForever, args: [cond, ready], context });
      holder.start();
      try {
        assert.equal(await within(20_000, ready.wait(20_000)), true);
        assert.equal(await cond.acquire({ block: false }), false);
        await killHard(holder);
        assert.equal(await within(10_000, cond.acquire({ timeout: 5000 })), true);
        assert.equal(await within(10_000, cond.wait(50)), false);
        await cond.release();
      } finally {
        if (holder.isAlive()) holder.kill();
      }
    });

    it('a Barrier waiter that dies breaks the barrier: the others get BrokenBarrierError', async () => {
      const b = new Barrier(3);
      const log = new Queue<string | number>();
      const doomed = new Process({ target: s.barrierWaitThenHang, args: [b, log], context });
      doomed.start();
      try {
        assert.equal(await within(20_000, log.get()), 'waiting');
        const live = pool.apply(s.barrierParty, [b, log]);
        await untilWaiting(b, 2);
        await killHard(doomed);
        assert.equal(await within(10_000, log.get()), 'BrokenBarrierError');
        await within(20_000, live);
        assert.equal(await b.broken(), true);
      } finally {
        if (doomed.isAlive()) doomed.kill();
      }
    });

    it('a party that passed the Barrier and then died does not break it', async () => {
      const b = new Barrier(2);
      const log = new Queue<string | number>();
      const gone = new Process({ target: s.barrierWaitThenHang, args: [b, log], context });
      gone.start();
      try {
        assert.equal(await within(20_000, log.get()), 'waiting');
        assert.ok([0, 1].includes(await within(20_000, b.wait())));
        await killHard(gone);
        assert.equal(await b.broken(), false);
        const t = pool.apply(s.barrierParty, [b, log]);
        const mine = await within(20_000, b.wait());
        assert.deepEqual([mine, await within(20_000, log.get())].sort(), [0, 1]);
        await within(20_000, t);
      } finally {
        if (gone.isAlive()) gone.kill();
      }
    });

    it('an Event waiter that dies does not stop set() from waking the others', async () => {
      const ev = new Event();
      const log = new Queue<string>();
      const doomed = new Process({ target: s.eventWaiter, args: [ev, log, 'doomed', 60_000], context });
      doomed.start();
      try {
        assert.equal(await within(20_000, log.get()), 'doomed:waiting');
        const live = pool.apply(s.eventWaiter, [ev, log, 'live', 60_000]);
        assert.equal(await within(20_000, log.get()), 'live:waiting');
        await killHard(doomed);
        await ev.set();
        assert.equal(await within(10_000, log.get()), 'live:set');
        await within(20_000, live);
      } finally {
        if (doomed.isAlive()) doomed.kill();
      }
    });
  });
}
