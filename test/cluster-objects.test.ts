// The cluster shared objects against a private redis-server, used from two links in this
// process (two holders, as two machines would be: each link has its own holder id and
// connections). stalledTimeout is 20 s here, so a waiter's own re-check happens at most every
// 10 s: a wait that ends within a couple of seconds was woken by Redis, not by polling.
// Separate OS processes: cluster-objects-processes.test.ts; Redis dying: cluster-objects-faults.test.ts.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, redisUnavailable, type RedisHandle } from './support/redis-server.js';
import { rejection, sleep, within } from './helpers.js';
import { keysOf, side, uniqueName, type Side } from './support/cluster-objects.js';
import { decode, encode } from '../dist/esm/internal.js';
import { referenceOn, type ClusterObject } from '../dist/esm/internal.js';
import { Point } from './fixtures/cluster-point.js';
import { BrokenBarrierError, Empty, Full } from '../dist/esm/index.js';
import { Redis } from 'ioredis';

const skip = redisUnavailable();

describe('cluster shared objects', { skip }, () => {
  let redis: RedisHandle;
  const sides: Side[] = [];
  const pair = (tag: string, opts?: { stalledTimeout?: number }) => {
    const name = uniqueName(tag);
    const a = side(redis.url, name, opts),
      b = side(redis.url, name, opts);
    sides.push(a, b);
    return { name, a: a.o, b: b.o, la: a.link, lb: b.link };
  };
  /**
   * The same object as another holder sees it: a reference, encoded and decoded. The reviver
   * binds it to this thread's live link of the object's cluster name: the newest one made.
   */
  const across = <T>(obj: T): T => decode(encode(obj)) as T;
  /** A handle of `obj` on link `l`: another holder. */
  const reviveOn = <T extends ClusterObject>(obj: T, l: Side['link']): T => referenceOn(obj, l);
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    for (const s of sides) await s.link.close();
    await redis?.stop();
  });

  it('Queue: FIFO between holders, qsize/empty/full, Empty on timeout, nothing left when drained', async () => {
    const { name, a } = pair('q');
    const q = new a.Queue<unknown>();
    await q.put(1);
    await q.put('two');
    await q.put({ three: [3] });
    assert.equal(await q.qsize(), 3);
    assert.equal(await q.empty(), false);
    assert.equal(await q.full(), false);
    const other = across(q);
    assert.deepEqual([await other.get(), await other.get(), await other.get()], [1, 'two', { three: [3] }]);
    assert.equal(await q.empty(), true);
    const t0 = Date.now();
    const e = await rejection(q.get({ timeout: 300 }), 10_000);
    assert.ok(e instanceof Empty, String(e));
    assert.ok(Date.now() - t0 >= 250);
    assert.ok((await rejection(q.getNowait())) instanceof Empty);
    assert.deepEqual(await keysOf(redis.url, name), []);
  });

  it('Queue: a blocked get is handed the next put at once (BLPOP, not polling)', async () => {
    const { a } = pair('qb');
    const q = new a.Queue<number>();
    const qb = across(q);
    const got = qb.get();
    await sleep(300);
    const t0 = Date.now();
    await q.put(42);
    assert.equal(await within(3000, got, 'blocked get'), 42);
    assert.ok(Date.now() - t0 < 3000);
  });

  it('bounded Queue: Full with block:false and timeout; a waiting put goes in when a get makes room', async () => {
    const { a } = pair('qf');
    const q = new a.Queue<number>(2);
    assert.equal(q.maxsize, 2);
    await q.put(1);
    await q.put(2);
    assert.equal(await q.full(), true);
    assert.ok((await rejection(q.putNowait(3))) instanceof Full);
    const t0 = Date.now();
    assert.ok((await rejection(q.put(3, { timeout: 300 }), 10_000)) instanceof Full);
    assert.ok(Date.now() - t0 >= 250);
    const waiting = q.put(3);
    await sleep(300);
    assert.equal(await q.get(), 1);
    await within(3000, waiting, 'put waiting for room');
    assert.deepEqual([await q.get(), await q.get()], [2, 3]);
  });

  it('JoinableQueue: join waits for every taskDone; one too many: ERR_TASK_DONE_TOO_MANY', async () => {
    const { name, a } = pair('jq');
    const q = new a.JoinableQueue<string>();
    await q.put('x');
    await q.put('y');
    let joined = false;
    const join = q.join().then(() => {
      joined = true;
    });
    await q.get();
    await q.taskDone();
    await sleep(300);
    assert.equal(joined, false);
    await q.get();
    await q.taskDone();
    await within(3000, join, 'join');
    const e = await rejection(q.taskDone());
    assert.equal(e.code, 'ERR_TASK_DONE_TOO_MANY');
    await within(3000, q.join(), 'join of a finished queue');
    assert.deepEqual(await keysOf(redis.url, name), []);
  });

  it('SimpleQueue takes no arguments; a closed handle refuses (ERR_QUEUE_CLOSED)', async () => {
    const { a } = pair('sq');
    assert.throws(() => new (a.SimpleQueue as unknown as new (n: number) => unknown)(3), { code: 'ERR_INVALID_ARG_VALUE' });
    const q = new a.SimpleQueue<number>();
    await q.put(5);
    assert.equal(await q.get(), 5);
    q.close();
    assert.throws(() => q.put(1), { code: 'ERR_QUEUE_CLOSED' });
    assert.throws(() => q.get(), { code: 'ERR_QUEUE_CLOSED' });
  });

  it('Lock: exclusion between holders, handed to the waiter on release, timeouts, misuse errors, enter()', async () => {
    const { name, a } = pair('lk');
    const lock = new a.Lock();
    const onB = across(lock);
    assert.equal(await lock.acquire(), true);
    assert.equal(await onB.acquire({ block: false }), false);
    assert.equal(await onB.acquire({ timeout: 200 }), false);
    const waiting = onB.acquire();
    await sleep(300);
    const t0 = Date.now();
    await lock.release();
    assert.equal(await within(3000, waiting, 'waiting acquire'), true);
    assert.ok(Date.now() - t0 < 3000);
    assert.equal(await lock.acquire({ block: false }), false);
    // A Lock may be released by another holder, as locally.
    await lock.release();
    await assert.rejects(onB.release(), { code: 'ERR_RELEASE_UNLOCKED' });
    {
      await using _held = await lock.enter();
      assert.equal(await onB.acquire({ block: false }), false);
    }
    assert.equal(await onB.acquire({ block: false }), true);
    await onB.release();
    assert.throws(() => lock.tryAcquire(), { code: 'ERR_SHARED_MEMORY_UNAVAILABLE' });
    assert.throws(() => lock.releaseSync(), { code: 'ERR_SHARED_MEMORY_UNAVAILABLE' });
    assert.deepEqual(await keysOf(redis.url, name), []);
  });

  it('RLock: re-enters for its owner, others wait; only the owner releases (ERR_NOT_OWNER)', async () => {
    const { name, a, la, lb } = pair('rl');
    assert.notEqual(la.holderId, lb.holderId);
    const r = new a.RLock();
    const onB = across(r);
    assert.equal(await r.acquire(), true);
    assert.equal(await r.acquire({ block: false }), true);
    assert.equal(await onB.acquire({ block: false }), false);
    await assert.rejects(onB.release(), { code: 'ERR_NOT_OWNER' });
    await r.release();
    assert.equal(await onB.acquire({ block: false }), false, 'still held once');
    const waiting = onB.acquire();
    await sleep(200);
    await r.release();
    assert.equal(await within(3000, waiting, 'RLock waiter'), true);
    await onB.release();
    await assert.rejects(r.release(), { code: 'ERR_RELEASE_UNLOCKED' });
    assert.deepEqual(await keysOf(redis.url, name), []);
  });

  it('Semaphore and BoundedSemaphore: counting, waking a waiter, bound (ERR_RELEASE_UNLOCKED)', async () => {
    const { name, a } = pair('sem');
    const s = new a.Semaphore(2);
    assert.equal(await s.getValue(), 2);
    assert.equal(await s.acquire(), true);
    assert.equal(await s.acquire(), true);
    assert.equal(await s.getValue(), 0);
    assert.equal(await s.acquire({ timeout: 200 }), false);
    const waiting = s.acquire();
    await sleep(200);
    await s.release();
    assert.equal(await within(3000, waiting, 'semaphore waiter'), true);
    await s.release();
    await s.release();
    assert.equal(await s.getValue(), 2);
    await s.release();
    assert.equal(await s.getValue(), 3, 'a Semaphore may go above its initial value');
    const bs = new a.BoundedSemaphore(1);
    await assert.rejects(bs.release(), { code: 'ERR_RELEASE_UNLOCKED' });
    {
      await using _unit = await bs.enter();
      assert.equal(await bs.getValue(), 0);
    }
    assert.equal(await bs.getValue(), 1);
    assert.throws(() => new a.Semaphore(-1), { code: 'ERR_OUT_OF_RANGE' });
    await s.free();
    assert.deepEqual(await keysOf(redis.url, name), []);
  });

  it('Event: wait until set, timeout false, clear', async () => {
    const { name, a } = pair('ev');
    const ev = new a.Event();
    assert.equal(await ev.isSet(), false);
    assert.equal(await ev.wait(200), false);
    assert.equal(await ev.wait(0), false);
    const w1 = ev.wait(),
      w2 = across(ev).wait(30_000);
    await sleep(200);
    await ev.set();
    assert.deepEqual(await within(3000, Promise.all([w1, w2]), 'event waiters'), [true, true]);
    assert.equal(await ev.isSet(), true);
    assert.equal(await ev.wait(), true);
    await ev.clear();
    assert.equal(await ev.isSet(), false);
    assert.deepEqual(await keysOf(redis.url, name), []);
  });

  it('Condition: wait releases the lock, notify wakes one, notifyAll the rest, timeout, not owner', async () => {
    const { name, a, b, lb } = pair('cv');
    const cond = new a.Condition();
    await assert.rejects(cond.wait(10), { code: 'ERR_NOT_OWNER' });
    await assert.rejects(cond.notify(), { code: 'ERR_NOT_OWNER' });
    // Waiters on two holders (A, and a third link C); B notifies.
    const c = side(redis.url, name);
    sides.push(c);
    const onC = across(cond);
    const onB = new b.Condition();
    void onB;
    const waitOn = async (x: typeof cond) => {
      await x.acquire();
      const r = await x.wait(20_000);
      await x.release();
      return r;
    };
    let done = 0;
    const w1 = waitOn(cond).then((r) => {
      done++;
      return r;
    });
    const w2 = waitOn(onC).then((r) => {
      done++;
      return r;
    });
    await sleep(800);
    // The notifier is a holder of its own: a reference to the same condition on link B.
    const notifier = reviveOn(cond, lb);
    await notifier.acquire();
    await notifier.notify();
    await notifier.release();
    await within(5000, Promise.race([w1, w2]), 'notified waiter');
    await sleep(300);
    assert.equal(done, 1, 'notify() wakes one waiter');
    await notifier.acquire();
    await notifier.notifyAll();
    await notifier.release();
    assert.deepEqual(await within(5000, Promise.all([w1, w2]), 'both waiters'), [true, true]);
    await cond.acquire();
    const t0 = Date.now();
    assert.equal(await cond.wait(200), false);
    assert.ok(Date.now() - t0 >= 150);
    assert.equal(await cond.waitFor(() => 7), 7);
    await cond.release();
    await cond.free();
    await onB.free();
    assert.deepEqual(await keysOf(redis.url, name), []);
  });

  it('Barrier: parties meet with distinct indexes; action runs once; timeout breaks it (BrokenBarrierError); reset', async () => {
    const { name, a } = pair('br');
    let actions = 0;
    const bar = new a.Barrier(3, {
      action: () => {
        actions++;
      },
    });
    assert.equal(bar.parties, 3);
    const other = across(bar);
    // The last to arrive runs the action of its own handle: here the creator's.
    const early = [other.wait(), other.wait()];
    await sleep(300);
    assert.equal(await bar.nWaiting(), 2);
    const idx = await within(5000, Promise.all([...early, bar.wait()]), 'barrier pass');
    assert.deepEqual(idx, [idx[0], idx[1], 2]);
    assert.deepEqual([...idx].sort(), [0, 1, 2]);
    assert.equal(actions, 1);
    // A handle without the action (a reference) passes without running it; useAction() gives it one.
    let theirs = 0;
    other.useAction(() => {
      theirs++;
    });
    await within(
      5000,
      Promise.all([
        bar.wait(),
        bar.wait(),
        (async () => {
          await sleep(300);
          return other.wait();
        })(),
      ]),
      'second pass',
    );
    assert.deepEqual([actions, theirs], [1, 1]);
    assert.equal(await bar.nWaiting(), 0);
    const lone = bar.wait(20_000);
    await sleep(200);
    assert.equal(await bar.nWaiting(), 1);
    const late = rejection(other.wait(300), 10_000);
    const [e1, e2] = await Promise.all([rejection(lone, 10_000), late]);
    assert.ok(e1 instanceof BrokenBarrierError && e2 instanceof BrokenBarrierError, `${String(e1)} / ${String(e2)}`);
    assert.equal(await bar.broken(), true);
    assert.ok((await rejection(bar.wait())) instanceof BrokenBarrierError);
    await bar.reset();
    assert.equal(await bar.broken(), false);
    const failing = new a.Barrier(1, {
      action: () => {
        throw new Error('action failed');
      },
    });
    await assert.rejects(failing.wait(), /action failed/);
    assert.equal(await failing.broken(), true);
    await failing.free();
    await bar.abort();
    assert.equal(await bar.broken(), true);
    await bar.free();
    assert.deepEqual(await keysOf(redis.url, name), []);
  });

  it('Manager: dict keys keep their types, values their classes (Map, Date, a registered class); list; Namespace; shutdown deletes every key', async () => {
    const { name, a } = pair('mg');
    let keysDuring: string[];
    {
      await using m = await a.Manager();
      const d = await m.dict<string | number, unknown>([
        [2, 'int'],
        ['2', 'str'],
        [0.25, 'quarter'],
      ]);
      await d.set('when', new Date(Date.UTC(2024, 1, 3)));
      await d.set(
        'map',
        new Map<unknown, unknown>([
          [1, 'one'],
          ['k', { deep: [1n] }],
        ]),
      );
      await d.set('point', new Point(3, 4));
      assert.equal(await d.size(), 6);
      assert.equal(await d.get(2), 'int');
      assert.equal(await d.get('2'), 'str');
      assert.equal(await d.get(0.25), 'quarter');
      assert.equal(await d.get('missing', 'fallback'), 'fallback');
      const when = await d.get('when');
      assert.ok(when instanceof Date && when.getUTCFullYear() === 2024);
      const map = await d.get('map');
      assert.ok(map instanceof Map);
      assert.deepEqual(
        [...(map as Map<unknown, unknown>)],
        [
          [1, 'one'],
          ['k', { deep: [1n] }],
        ],
      );
      const p = await d.get('point');
      assert.ok(p instanceof Point);
      assert.equal(p.norm(), 5);
      const all = await d.toMap();
      assert.deepEqual(new Set(all.keys()), new Set([2, '2', 0.25, 'when', 'map', 'point']));
      assert.equal(await d.pop(2), 'int');
      assert.equal(await d.has(2), false);
      assert.equal(await d.setdefault('2', 'ignored'), 'str');
      assert.equal(await d.delete('2'), true);
      assert.throws(() => d.set({} as never, 1), { code: 'ERR_INVALID_ARG_TYPE' });
      assert.throws(() => d.set('f', () => 1), { code: 'ERR_NOT_TRANSFERABLE' });

      const l = await m.list<unknown>([1, 'b']);
      await l.append(new Point(1, 1));
      await l.extend([4, 5]);
      await l.insert(1, 'ins');
      await l.insert(-100, 'first');
      assert.deepEqual(
        (await l.toArray()).map((x) => (x instanceof Point ? 'P' : x)),
        ['first', 1, 'ins', 'b', 'P', 4, 5],
      );
      assert.equal(await l.get(-1), 5);
      await l.set(0, 'zero');
      assert.equal(await l.pop(), 5);
      assert.equal(await l.pop(1), 1);
      assert.equal(await l.length(), 5);
      await assert.rejects(l.get(99), { code: 'ERR_OUT_OF_RANGE' });
      await assert.rejects(l.set(99, 0), { code: 'ERR_OUT_OF_RANGE' });

      const ns = await m.Namespace({ x: 1 });
      await ns.set('y', new Map([['a', 1]]));
      assert.equal(await ns.get('x'), 1);
      assert.deepEqual(await ns.toObject(), { x: 1, y: new Map([['a', 1]]) });
      await assert.rejects(ns.get('nope'), { code: 'ERR_NO_ATTRIBUTE' });
      assert.equal(await ns.has('y'), true);

      const v = await m.Value('d', 1.5);
      assert.equal(v.typecode, 'd');
      assert.equal(await across(v).get(), 1.5);
      await v.set(2.5);
      assert.equal(await v.get(), 2.5);
      assert.equal(await (await m.Value('q')).get(), 0n);
      await assert.rejects(m.Value('zz'), { code: 'ERR_INVALID_TYPECODE' });
      const arr = await m.SharedArray('i', 3);
      await across(arr).set(-1, 7);
      assert.deepEqual(await arr.toArray(), [0, 0, 7]);
      assert.equal(await arr.get(2), 7);
      assert.equal(await arr.length(), 3);
      assert.throws(() => arr.get(3), { code: 'ERR_OUT_OF_RANGE' });

      // Objects a manager makes, and references to them revived elsewhere, are its own.
      const q = await m.Queue<number>();
      await across(q).put(1);
      const dAgain = across(d);
      assert.equal(await dAgain.get(0.25), 'quarter');
      keysDuring = await keysOf(redis.url, name);
      assert.ok(keysDuring.length >= 4, keysDuring.join(' '));
      assert.ok(
        keysDuring.every((k) => k.startsWith(`${m.prefix}`)),
        keysDuring.join(' '),
      );
    }
    assert.deepEqual(await keysOf(redis.url, name), []);
  });

  it('a reference round-trips through encode/decode and works on the same keys', async () => {
    const { name, a } = pair('rt');
    const q = new a.Queue<string>(5);
    const back = decode(encode({ q })) as { q: typeof q };
    assert.notEqual(back.q, q);
    assert.equal(back.q.id, q.id);
    assert.equal(back.q.maxsize, 5);
    await back.q.put('via reference');
    assert.equal(await q.get(), 'via reference');
    const refs = [
      new a.Lock(),
      new a.RLock(),
      new a.Semaphore(3),
      new a.BoundedSemaphore(2),
      new a.Event(),
      new a.Condition(),
      new a.Barrier(4),
      new a.JoinableQueue(),
      new a.SimpleQueue(),
    ];
    for (const o of refs) {
      const r = decode(encode(o)) as typeof o;
      assert.equal(r.constructor.name.replace(/^Cluster/, ''), o.constructor.name, `${o.constructor.name} revives as its kind`);
      assert.equal(r.id, o.id);
    }
    assert.deepEqual(await keysOf(redis.url, name), []);
  });

  it('a hostile reference is refused with ERR_INVALID_MESSAGE; one of an unknown cluster with ERR_CLUSTER_UNAVAILABLE', async () => {
    const { a } = pair('host');
    const q = new a.Queue();
    const bytes = Buffer.from(encode(q));
    const forged = Buffer.from(bytes.toString('latin1').replace(q.id, 'zz/../*'.padEnd(16, 'x')), 'latin1');
    assert.throws(() => decode(forged, { allowModules: false }), { code: 'ERR_INVALID_MESSAGE' });
    const name = (q as unknown as { base: string }).base.split(':')[0]!;
    const otherName = Buffer.from(bytes.toString('latin1').replace(name, 'u'.repeat(name.length)), 'latin1');
    assert.throws(() => decode(otherName), { code: 'ERR_CLUSTER_UNAVAILABLE' });
  });

  it('a holder that stops renewing loses its lease after stalledTimeout; the waiter then gets the lock and the unit', async () => {
    // In-process stand-in for a dead holder (the real SIGKILL is in cluster-objects-processes):
    // the holder's lease keeper stops, as it does when its process dies.
    const name = uniqueName('lapse');
    const holder = side(redis.url, name, { stalledTimeout: 1500 });
    const waiter = side(redis.url, name, { stalledTimeout: 1500 });
    sides.push(holder, waiter);
    const lock = new holder.o.Lock();
    const sem = new holder.o.Semaphore(1);
    assert.equal(await lock.acquire(), true);
    assert.equal(await sem.acquire(), true);
    const lockW = referenceOn(lock, waiter.link);
    const semW = referenceOn(sem, waiter.link);
    // While the holder renews, its lease outlives stalledTimeout.
    assert.equal(await lockW.acquire({ timeout: 2500 }), false);
    holder.link.leases.stop();
    const t0 = Date.now();
    const [gotLock, gotUnit] = await within(15_000, Promise.all([lockW.acquire(), semW.acquire()]), 'lock and unit after the lease lapsed');
    assert.deepEqual([gotLock, gotUnit], [true, true]);
    const took = Date.now() - t0;
    assert.ok(took < 1500 + 5000, `took ${took} ms`);
    await lockW.release();
    await semW.release();
    assert.equal(await semW.getValue(), 1);
  });

  it('a waiter dropped from its room as if dead (it was only slow) joins again and still sees the event', async () => {
    const name = uniqueName('slow');
    const s = side(redis.url, name, { stalledTimeout: 1000 });
    sides.push(s);
    const ev = new s.o.Event();
    const waiting = ev.wait(30_000);
    await sleep(300);
    // What room_join's pruning does to a waiter silent for 3 x stalledTimeout: out of the room.
    const raw = new Redis(redis.url);
    try {
      const room = `${(ev as unknown as { base: string }).base}:ev`;
      assert.equal(await raw.llen(`${room}:wq`), 1);
      await raw.del(`${room}:wq`, `${room}:wl`);
    } finally {
      raw.disconnect();
    }
    await ev.set();
    // Nobody was in the room to wake; the waiter's next refresh (every stalledTimeout/2) rejoins and re-checks.
    assert.equal(await within(5000, waiting, 'waiter dropped from its room'), true);
    await ev.free();
  });

  it('free() and closing a context delete the keys of what it made', async () => {
    const name = uniqueName('free');
    const s = side(redis.url, name);
    const q = new s.o.Queue<number>();
    await q.put(1);
    await q.put(2);
    const ev = new s.o.Event();
    await ev.set();
    const sem = new s.o.Semaphore(0);
    await sem.release();
    assert.equal((await keysOf(redis.url, name)).length, 3);
    await q.free();
    assert.equal((await keysOf(redis.url, name)).length, 2);
    await s.link.close();
    assert.deepEqual(await keysOf(redis.url, name), []);
  });
});
