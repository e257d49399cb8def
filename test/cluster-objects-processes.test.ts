// Cluster objects across REAL separate OS processes: each child (test/fixtures/cluster-objects-
// child.ts) receives objects BY REFERENCE (encoded bytes on its command line) and revives them
// on currentLink() from MULTIPROC_CLUSTER_URL/_NAME, as a task of a `multiproc worker` does.
// Also: a lock holder killed with SIGKILL loses its lease after stalledTimeout.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, redisUnavailable, type RedisHandle } from './support/redis-server.js';
import { within } from './helpers.js';
import { child, finished, keysOf, side, threadChild, uniqueName, type Side } from './support/cluster-objects.js';
import { Point } from './fixtures/cluster-point.js';

const skip = redisUnavailable();

describe('cluster shared objects across OS processes', { skip }, () => {
  let redis: RedisHandle;
  const sides: Side[] = [];
  const open = (tag: string, stalledTimeout = 20_000) => {
    const name = uniqueName(tag);
    const s = side(redis.url, name, { stalledTimeout });
    sides.push(s);
    return { name, o: s.o, link: s.link };
  };
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    for (const s of sides) await s.link.close();
    await redis?.stop();
  });

  it('Queue: children take what this process puts and answer through another queue', async () => {
    const { name, o } = open('pq');
    const inq = new o.Queue<number>(4);
    const outq = new o.Queue<number>();
    const kids = [child(redis.url, name, 'queue-echo', [inq, outq, 10]), child(redis.url, name, 'queue-echo', [inq, outq, 10])];
    for (let i = 0; i < 20; i++) await within(30_000, inq.put(i), 'put into a bounded queue read by children');
    const got: number[] = [];
    for (let i = 0; i < 20; i++) got.push(await within(30_000, outq.get(), 'answer'));
    assert.deepEqual(
      got.sort((x, y) => x - y),
      Array.from({ length: 20 }, (_, i) => i * 2),
    );
    for (const k of kids) await finished(k);
    assert.deepEqual(await keysOf(redis.url, name), []);
  });

  it('JoinableQueue: join() returns once a child marked every item done', async () => {
    const { name, o } = open('pj');
    const q = new o.JoinableQueue<string>();
    const k = child(redis.url, name, 'joinable-worker', [q]);
    for (const x of ['a', 'b', 'c', 'stop']) await q.put(x);
    await within(30_000, q.join(), 'join');
    await finished(k);
    assert.deepEqual(await keysOf(redis.url, name), []);
  });

  it('Lock: three processes increment a shared counter under the lock without losing an update', async () => {
    const { name, o } = open('pl');
    const lock = new o.Lock();
    await using m = await o.Manager();
    const ns = await m.Namespace({ count: 0 });
    const kids = [0, 1, 2].map(() => child(redis.url, name, 'lock-count', [lock, ns, 15]));
    for (const k of kids) await finished(k, 90_000);
    assert.equal(await ns.get('count'), 45);
  });

  it('a lock holder killed with SIGKILL: the waiter gets the lock within stalledTimeout + margin', async () => {
    const stalled = 2000;
    const { name, o } = open('pk', stalled);
    const lock = new o.Lock();
    const holder = child(redis.url, name, 'hold', [lock], { MULTIPROC_CLUSTER_STALLED_TIMEOUT: String(stalled) });
    await holder.line('held', 60_000);
    // Alive, it keeps renewing: the lock stays taken past stalledTimeout.
    assert.equal(await lock.acquire({ timeout: stalled + 1000 }), false);
    const waiting = lock.acquire();
    holder.proc.kill('SIGKILL');
    const killedAt = Date.now();
    await holder.exited;
    assert.equal(await within(stalled + 8000, waiting, 'acquire after the holder died'), true);
    const took = Date.now() - killedAt;
    assert.ok(took < stalled + 6000, `took ${took} ms`);
    await lock.release();
    assert.deepEqual(await keysOf(redis.url, name), []);
  });

  it('a Semaphore unit held by a killed process comes back after stalledTimeout', async () => {
    const stalled = 2000;
    const { name, o } = open('ps', stalled);
    const sem = new o.BoundedSemaphore(1);
    const holder = child(redis.url, name, 'hold', [sem], { MULTIPROC_CLUSTER_STALLED_TIMEOUT: String(stalled) });
    await holder.line('held', 60_000);
    assert.equal(await sem.getValue(), 0);
    holder.proc.kill('SIGKILL');
    await holder.exited;
    assert.equal(await within(stalled + 8000, sem.acquire(), 'unit after the holder died'), true);
    await sem.release();
    assert.equal(await sem.getValue(), 1);
    assert.deepEqual(await keysOf(redis.url, name), []);
  });

  it('Event: waiting children wake when this process sets it; a child times out while it is clear', async () => {
    const { name, o } = open('pe');
    const ev = new o.Event();
    const timesOut = child(redis.url, name, 'event-wait', [ev, 300]);
    assert.deepEqual((await finished(timesOut)).slice(-2), [false, 'done']);
    const kids = [child(redis.url, name, 'event-wait', [ev, 60_000]), child(redis.url, name, 'event-wait', [ev, 60_000])];
    for (const k of kids) await k.line('waiting');
    await ev.set();
    for (const k of kids) assert.deepEqual((await finished(k)).slice(-2), [true, 'done']);
    await ev.clear();
    assert.deepEqual(await keysOf(redis.url, name), []);
  });

  it('Condition: a child waiting on it is woken by notify() from this process', async () => {
    const { name, o } = open('pc');
    const cond = new o.Condition();
    const k = child(redis.url, name, 'cond-wait', [cond, 60_000]);
    await k.line('waiting');
    // The child's wait() joined the room and freed the lock in one step: the notify cannot miss it.
    await within(30_000, cond.acquire(), 'lock free while the child waits');
    await cond.notify();
    await cond.release();
    assert.deepEqual((await finished(k)).slice(-2), [true, 'done']);
    assert.deepEqual(await keysOf(redis.url, name), []);
  });

  it('Barrier: this process and two children pass together; a short timeout in a child breaks it for the rest', async () => {
    const { name, o } = open('pb');
    const bar = new o.Barrier(3);
    const kids = [child(redis.url, name, 'barrier-wait', [bar, undefined]), child(redis.url, name, 'barrier-wait', [bar, undefined])];
    const mine = await within(60_000, bar.wait(), 'barrier pass');
    const theirs = [];
    for (const k of kids) theirs.push((await finished(k)).at(-2));
    assert.deepEqual([mine, ...theirs].sort(), [0, 1, 2]);
    const breaker = child(redis.url, name, 'barrier-wait', [bar, 500]);
    assert.deepEqual((await finished(breaker)).slice(-2), ['BrokenBarrierError', 'done']);
    assert.equal(await bar.broken(), true);
    await bar.reset();
    assert.deepEqual(await keysOf(redis.url, name), []);
  });

  it('Manager dict: a child reads keys with their types and values with their classes, and writes back', async () => {
    const { name, o } = open('pm');
    const m = await o.Manager();
    const d = await m.dict<string | number, unknown>();
    await d.set('point', new Point(6, 8));
    await d.set(2, new Date(Date.UTC(2030, 0, 1)));
    await d.set('2', new Map([['k', 1]]));
    await finished(child(redis.url, name, 'manager-read', [d]));
    assert.deepEqual(await d.get('reply'), {
      isPoint: true,
      norm: 10,
      isDate: true,
      year: 2030,
      isMap: true,
      inner: [['k', 1]],
      keyTypes: ['string', 'number', 'string'],
    });
    const p = await d.get(0.25);
    assert.ok(p instanceof Point && p.norm() === 5);
    assert.ok((await keysOf(redis.url, name)).length > 0);
    await m.shutdown();
    assert.deepEqual(await keysOf(redis.url, name), []);
  });

  it('threads: worker threads revive references on their own link (their own holder) and share the lock with processes', async () => {
    const { name, o } = open('pt');
    const lock = new o.Lock();
    await using m = await o.Manager();
    const ns = await m.Namespace({ count: 0 });
    const threads = [threadChild(redis.url, name, 'lock-count', [lock, ns, 10]), threadChild(redis.url, name, 'lock-count', [lock, ns, 10])];
    const proc = child(redis.url, name, 'lock-count', [lock, ns, 10]);
    for (const t of threads) await t.line('done', 90_000);
    await finished(proc, 90_000);
    assert.equal(await ns.get('count'), 30);
    const q = new o.Queue<number>();
    const out = new o.Queue<number>();
    const echo = threadChild(redis.url, name, 'queue-echo', [q, out, 3]);
    for (const x of [1, 2, 3]) await q.put(x);
    assert.deepEqual([await out.get(), await out.get(), await out.get()], [2, 4, 6]);
    await echo.line('done');
    for (const t of [...threads, echo]) await t.exited;
  });

  it('a lock held by a worker thread that is terminated lapses after stalledTimeout', async () => {
    const stalled = 2000;
    const { name, o } = open('ptk', stalled);
    const lock = new o.Lock();
    const t = threadChild(redis.url, name, 'hold', [lock], { MULTIPROC_CLUSTER_STALLED_TIMEOUT: String(stalled) });
    await t.line('held', 60_000);
    await t.worker.terminate();
    const t0 = Date.now();
    assert.equal(await within(stalled + 8000, lock.acquire(), 'acquire after the thread ended'), true);
    assert.ok(Date.now() - t0 < stalled + 6000, `took ${Date.now() - t0} ms`);
    await lock.release();
  });
});
