// Manager(): a server process (or thread) holding dicts, lists, Namespaces, queues, locks,
// events and values, used from this program, Process targets and Pool tasks, in both contexts.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { Manager, Process, Pool, ProcessError, type SyncManager } from 'multiproc';
import * as s from './fixtures/sync-targets.ts';
import { contexts, within, rejection, goneWithin, sleep } from './helpers.ts';

/** Pids of this process's children (Linux). */
function childPids(): Set<number> {
  const out = new Set<number>();
  for (const t of readdirSync('/proc/self/task')) {
    for (const p of readFileSync(`/proc/self/task/${t}/children`, 'utf8').split(' ').filter(Boolean)) out.add(Number(p));
  }
  return out;
}

for (const context of contexts) {
  describe(`Manager (${context})`, () => {
    let m: SyncManager;
    let pool: Pool;
    before(async () => {
      m = await within(30_000, Manager({ context }));
      pool = new Pool({ processes: 3, context });
    });
    after(async () => {
      await pool.terminate();
      await m.shutdown();
    });

    it('await using m = await Manager(): usable inside the block, its server gone after it', async () => {
      const before = childPids();
      let server: number | undefined;
      let d;
      {
        await using mm = await within(30_000, Manager({ context }));
        d = await mm.dict([['a', 1]]);
        assert.equal(await d.get('a'), 1);
        const fresh = [...childPids()].filter((p) => !before.has(p));
        if (context === 'process') {
          assert.equal(fresh.length, 1, `expected one new child, got ${fresh.join(' ')}`);
          server = fresh[0];
        }
      }
      if (server !== undefined) assert.ok(await goneWithin(server, 10_000), `manager server ${server} still alive`);
      const err = await rejection(d.get('a'));
      assert.ok(err instanceof ProcessError, err.message);
      assert.equal(err.code, 'ERR_HUB_CLOSED');
    });

    it('dict: keys keep their types; get fallback, has, delete, pop, size, toMap, update, setdefault', async () => {
      const d = await m.dict<number | string, unknown>();
      await d.set(0.25, 'quarter');
      await d.set('2', 'string two');
      await d.set(2, 'number two');
      await d.set('obj', { deep: [1, new Map([[1n, new Date(0)]])] });
      assert.equal(await d.size(), 4);
      assert.equal(await d.get(0.25), 'quarter');
      assert.equal(await d.get('0.25'), undefined);
      assert.equal(await d.get('2'), 'string two');
      assert.equal(await d.get(2), 'number two');
      assert.deepEqual(await d.get('obj'), { deep: [1, new Map([[1n, new Date(0)]])] });
      assert.equal(await d.get('missing', 'fallback'), 'fallback');
      assert.equal(await d.has(2), true);
      assert.equal(await d.has(3), false);
      assert.equal(await d.delete(2), true);
      assert.equal(await d.delete(2), false);
      assert.equal(await d.pop('2'), 'string two');
      assert.equal(await d.pop('2', 'gone'), 'gone');
      await d.update(
        new Map<number | string, unknown>([
          [1, 'one'],
          ['x', null],
        ]),
      );
      await d.update({ y: undefined });
      assert.equal(await d.setdefault(1, 'ignored'), 'one');
      assert.equal(await d.setdefault('z', 'new'), 'new');
      const map = await d.toMap();
      assert.deepEqual([...map.keys()].sort(), [0.25, 1, 'obj', 'x', 'y', 'z'].sort());
      assert.equal(map.get('x'), null);
      assert.equal(await d.get('x', 'fallback'), null, 'a stored null is a value, not a missing key');
      assert.equal(await d.get('y', 'fallback'), undefined, 'a stored undefined is a value, not a missing key');
      assert.ok(map.has('y') && map.get('y') === undefined);
      assert.equal(await d.size(), 6);
      await d.clear();
      assert.equal(await d.size(), 0);
      const init = await m.dict({ a: 1, b: [2] });
      assert.deepEqual(
        await init.toMap(),
        new Map<string, unknown>([
          ['a', 1],
          ['b', [2]],
        ]),
      );
      // Keys are primitives (an object has no identity across processes), as in a cluster Manager's dict.
      assert.throws(() => d.set({} as never, 1), { code: 'ERR_INVALID_ARG_TYPE' });
      assert.throws(() => m.dict(5 as never), { code: 'ERR_INVALID_ARG_TYPE' });
      assert.throws(() => m.dict([[{}, 1]] as never), { code: 'ERR_INVALID_ARG_TYPE' });
    });

    it('list: append, get, set, negative index, insert, pop, toArray; out of range is RangeError ERR_OUT_OF_RANGE', async () => {
      const l = await m.list<unknown>([1, 'two']);
      await l.append({ three: 3 });
      assert.equal(await l.length(), 3);
      assert.equal(await l.get(0), 1);
      assert.deepEqual(await l.get(-1), { three: 3 });
      assert.equal(await l.get(-3), 1);
      await l.set(-2, 2);
      await l.insert(0, 'zero');
      await l.insert(100, 'end');
      assert.deepEqual(await l.toArray(), ['zero', 1, 2, { three: 3 }, 'end']);
      assert.equal(await l.pop(), 'end');
      assert.equal(await l.pop(0), 'zero');
      for (const p of [l.get(3), l.get(-4), l.set(3, 'x'), l.pop(7)]) {
        const err = await rejection(p);
        assert.ok(err instanceof RangeError, `${err.name}: ${err.message}`);
        assert.equal(err.code, 'ERR_OUT_OF_RANGE');
      }
      assert.deepEqual(await l.toArray(), [1, 2, { three: 3 }]);
      const empty = await m.list();
      assert.equal((await rejection(empty.pop())).code, 'ERR_OUT_OF_RANGE');
    });

    it('Namespace: set, get, has, delete, toObject; a missing attribute is ERR_NO_ATTRIBUTE', async () => {
      const ns = await m.Namespace({ x: 1 });
      await ns.set('y', [2, 3]);
      assert.equal(await ns.get('x'), 1);
      assert.deepEqual(await ns.get('y'), [2, 3]);
      assert.deepEqual(await ns.toObject(), { x: 1, y: [2, 3] });
      const err = await rejection(ns.get('nope'));
      assert.equal(err.code, 'ERR_NO_ATTRIBUTE');
      assert.equal(await ns.has('x'), true);
      assert.equal(await ns.delete('x'), true);
      assert.equal((await rejection(ns.get('x'))).code, 'ERR_NO_ATTRIBUTE');
      assert.deepEqual(await ns.toObject(), { y: [2, 3] });
    });

    it('manager Queue, Lock, Value, SharedArray from Pool tasks and Process targets', async () => {
      const [lock, val, arr, q] = await Promise.all([m.Lock(), m.Value<number>('i', 0), m.SharedArray<number>('d', 6), m.Queue<number>()]);
      assert.equal(val.typecode, 'i');
      assert.equal(await arr.length(), 6);
      const ps = [4, 5].map((i) => new Process({ target: s.managerWork, args: [lock, val, arr, q, i], context }));
      for (const p of ps) p.start();
      const done = await within(
        30_000,
        pool.starmap(
          s.managerWork,
          [0, 1, 2, 3].map((i) => [lock, val, arr, q, i] as const),
        ),
      );
      assert.deepEqual(done, [0, 1, 2, 3]);
      await within(30_000, Promise.all(ps.map((p) => p.join())));
      assert.deepEqual(
        ps.map((p) => p.exitCode),
        [0, 0],
      );
      assert.equal(await val.get(), 6, 'increments under the manager lock were lost');
      assert.deepEqual(await arr.toArray(), [0, 10, 20, 30, 40, 50]);
      const got = [];
      for (let i = 0; i < 6; i++) got.push(await within(10_000, q.get()));
      assert.deepEqual(got.sort(), [0, 1, 2, 3, 4, 5]);
      assert.equal(await q.empty(), true);
    });

    it('manager RLock, Semaphore, BoundedSemaphore, Condition and Barrier across Pool tasks', async () => {
      const rlock = await m.RLock();
      await within(10_000, rlock.acquire());
      await within(10_000, rlock.acquire());
      assert.deepEqual(await within(20_000, pool.apply(s.tryAcquire, [rlock, 50])), [false, false]);
      assert.equal((await rejection(pool.apply(s.releaseIt, [rlock]))).code, 'ERR_NOT_OWNER');
      await rlock.release();
      await rlock.release();
      assert.equal((await rejection(rlock.release())).code, 'ERR_RELEASE_UNLOCKED');

      const sem = await m.Semaphore(2);
      assert.deepEqual(await within(20_000, pool.apply(s.tryAcquire, [sem, 50])), [true, true]);
      assert.equal(await sem.getValue(), 0);
      const bs = await m.BoundedSemaphore(1);
      assert.equal((await rejection(bs.release())).code, 'ERR_RELEASE_UNLOCKED');

      const cond = await m.Condition();
      const log = await m.Queue<string>();
      const waiter = pool.apply(s.condWaiter, [cond, log, 'w', 30_000]);
      assert.equal(await within(20_000, log.get()), 'w:waiting');
      assert.equal((await rejection(cond.notify())).code, 'ERR_NOT_OWNER');
      {
        await using _h = await within(10_000, cond.enter());
        await cond.notifyAll();
      }
      assert.equal(await within(20_000, log.get()), 'w:notified');
      await within(20_000, waiter);

      const b = await m.Barrier(3);
      assert.equal(b.parties, 3);
      const blog = await m.Queue<string | number>();
      const parties = pool.starmap(s.barrierParty, [
        [b, blog],
        [b, blog],
      ]);
      const mine = await within(20_000, b.wait());
      const theirs = [await within(20_000, blog.get()), await within(20_000, blog.get())];
      assert.deepEqual([mine, ...theirs].sort(), [0, 1, 2]);
      await within(20_000, parties);
    });

    it('manager list and dict written from Pool tasks', async () => {
      const l = await m.list<number>();
      const d = await m.dict<number, string>();
      await within(
        30_000,
        pool.starmap(
          s.touchContainers,
          [0, 1, 2, 3, 4].map((i) => [l, d, i] as const),
        ),
      );
      assert.deepEqual((await l.toArray()).sort(), [0, 1, 2, 3, 4]);
      assert.deepEqual(await d.toMap(), new Map([0, 1, 2, 3, 4].map((i) => [i, `from ${i}`])));
    });

    it('proxies inside values: a dict holding a Queue, a list holding an Event', async () => {
      const d = await m.dict<string, unknown>();
      const q = await m.Queue<string>();
      const ev = await m.Event();
      await d.set('box', { inner: { q } });
      const p = new Process({ target: s.viaDict, args: [d, ev, 'through the dict'], context });
      p.start();
      const l = await m.list<typeof ev>([ev]);
      await within(30_000, pool.apply(s.setEventFromList, [l]));
      assert.equal(await within(20_000, q.get()), 'through the dict');
      await within(20_000, p.join());
      assert.equal(p.exitCode, 0, String(p.error));
      const back = (await d.get('box')) as { inner: { q: typeof q } };
      await back.inner.q.put('same queue');
      assert.equal(await within(10_000, q.get()), 'same queue');
    });

    it('a client killed while blocked in a manager Queue.get() takes nothing with it', async () => {
      const q = await m.Queue<string>();
      const out = await m.Queue<string>();
      const p = new Process({ target: s.getAndReport, args: [q, out], context });
      p.start();
      try {
        assert.equal(await within(20_000, out.get()), 'getting');
        if (context === 'process') p.kill();
        else p.terminate();
        await within(20_000, p.join());
        await q.put('for the living');
        assert.equal(await within(10_000, q.get({ timeout: 5000 })), 'for the living');
        const d = await m.dict([[1, 'still serving']]);
        assert.equal(await d.get(1), 'still serving');
      } finally {
        if (p.isAlive()) p.kill();
      }
    });
  });

  describe(`Manager shutdown (${context})`, () => {
    it('shutdown under live proxies: pending and later calls reject with ProcessError ERR_HUB_CLOSED; twice is fine', async () => {
      const m = await within(30_000, Manager({ context }));
      const q = await m.Queue<number>();
      const lock = await m.Lock();
      await within(10_000, lock.acquire());
      const pendingGet = rejection(q.get(), 20_000);
      const pendingLock = rejection(lock.acquire(), 20_000);
      await sleep(50);
      await within(20_000, m.shutdown());
      for (const err of [await pendingGet, await pendingLock, await rejection(q.put(1).then(() => q.get({ timeout: 5000 }))), await rejection(lock.release())]) {
        assert.ok(err instanceof ProcessError, `${err.name}: ${err.message}`);
        assert.equal(err.code, 'ERR_HUB_CLOSED');
      }
      await within(20_000, m.shutdown());
      assert.equal((await rejection(m.dict())).code, 'ERR_MANAGER_NOT_RUNNING');
    });
  });
}
