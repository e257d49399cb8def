// Every promise settles when Redis dies: waits pending in every cluster object reject with
// ProcessError ERR_CLUSTER_UNAVAILABLE within connectTimeout of the kill, calls made while it
// is down give up after connectTimeout, and once Redis is back the same objects work again
// (their connections reconnect by themselves).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, redisUnavailable, type RedisHandle } from './support/redis-server.js';
import { sleep, within } from './helpers.js';
import { side, uniqueName, type Side } from './support/cluster-objects.js';
import { ProcessError } from '../dist/esm/index.js';

const skip = redisUnavailable() ?? (process.env.MULTIPROC_TEST_REDIS ? 'MULTIPROC_TEST_REDIS is set: these tests kill Redis, so they need a private one' : undefined);
const CONNECT_TIMEOUT = 2500;

/** How a promise settled, and when (ms after `since`). */
async function settled(p: Promise<unknown>, since: number): Promise<{ code?: string; isProcessError: boolean; at: number; value?: unknown }> {
  try {
    const value = await p;
    return { value, isProcessError: false, at: Date.now() - since };
  } catch (e) {
    return { code: (e as { code?: string }).code, isProcessError: e instanceof ProcessError, at: Date.now() - since };
  }
}

describe('cluster shared objects when Redis dies', { skip }, () => {
  let redis: RedisHandle;
  let s: Side;
  before(async () => {
    redis = await startRedis();
    s = side(redis.url, uniqueName('fault'), { connectTimeout: CONNECT_TIMEOUT, stalledTimeout: 20_000 });
  });
  after(async () => {
    await s?.link.close();
    await redis?.stop();
  });

  it('pending waits of every object reject ERR_CLUSTER_UNAVAILABLE within connectTimeout; calls work again after a restart', async () => {
    const o = s.o;
    const q = new o.Queue<number>();
    const bounded = new o.Queue<number>(1);
    await bounded.put(0);
    const jq = new o.JoinableQueue<number>();
    await jq.put(1);
    const lock = new o.Lock();
    await lock.acquire();
    const holderSide = side(redis.url, s.link.name, { connectTimeout: CONNECT_TIMEOUT });
    const sem = new o.Semaphore(0);
    const ev = new o.Event();
    const cond = new o.Condition();
    const bar = new o.Barrier(2);
    await cond.acquire();
    const waits: Record<string, Promise<unknown>> = {
      'Queue.get': q.get(),
      'bounded Queue.put': bounded.put(1),
      'JoinableQueue.join': jq.join(),
      'Lock.acquire': (await import('../dist/esm/internal.js')).referenceOn(lock, holderSide.link).acquire(),
      'Semaphore.acquire': sem.acquire(),
      'Event.wait': ev.wait(),
      'Condition.wait': cond.wait(),
      'Barrier.wait': bar.wait(),
    };
    for (const p of Object.values(waits)) p.catch(() => {});
    await sleep(500);
    const killedAt = Date.now();
    await redis.kill();
    const results = await within(CONNECT_TIMEOUT + 10_000, Promise.all(Object.entries(waits).map(async ([k, p]) => [k, await settled(p, killedAt)] as const)), 'pending waits');
    for (const [what, r] of results) {
      assert.equal(r.code, 'ERR_CLUSTER_UNAVAILABLE', `${what}: ${JSON.stringify(r)}`);
      assert.ok(r.isProcessError, what);
      assert.ok(r.at < CONNECT_TIMEOUT + 3000, `${what} settled ${r.at} ms after the kill`);
    }
    // While it is down, a call gives up after connectTimeout (never hangs).
    const t0 = Date.now();
    const down = await settled(q.put(1), t0);
    assert.equal(down.code, 'ERR_CLUSTER_UNAVAILABLE');
    assert.ok(down.at < CONNECT_TIMEOUT + 3000, `put settled after ${down.at} ms`);
    const downGet = await settled(q.get({ timeout: 60_000 }), Date.now());
    assert.equal(downGet.code, 'ERR_CLUSTER_UNAVAILABLE');

    await redis.restart();
    // The same objects work again once the connections are back (the data went with the old server).
    await within(
      20_000,
      (async () => {
        for (;;) {
          try {
            await q.put(7);
            return;
          } catch {
            await sleep(200);
          }
        }
      })(),
      'first call after the restart',
    );
    assert.equal(await q.get({ timeout: 5000 }), 7);
    assert.equal(await lock.acquire({ timeout: 5000 }), true);
    await lock.release();
    await ev.set();
    assert.equal(await ev.wait(1000), true);
    await holderSide.link.close();
  });

  it('a frozen Redis (SIGSTOP): calls and waits still settle with ERR_CLUSTER_UNAVAILABLE; after SIGCONT they work', async () => {
    const stalled = 4000;
    const f = side(redis.url, uniqueName('frozen'), { connectTimeout: CONNECT_TIMEOUT, stalledTimeout: stalled });
    try {
      const q = new f.o.Queue<number>();
      const ev = new f.o.Event();
      await q.put(1);
      assert.equal(await q.get(), 1);
      const getting = q.get();
      const waiting = ev.wait();
      getting.catch(() => {});
      waiting.catch(() => {});
      await sleep(300);
      const pid = redis.pid!;
      process.kill(pid, 'SIGSTOP');
      const stoppedAt = Date.now();
      try {
        const quick = await settled(q.qsize(), stoppedAt);
        assert.equal(quick.code, 'ERR_CLUSTER_UNAVAILABLE');
        assert.ok(quick.at < CONNECT_TIMEOUT + 3000, `qsize settled after ${quick.at} ms`);
        // Waits notice at their next bounded BLPOP: within stalledTimeout + connectTimeout.
        const [g, w] = await within(stalled + CONNECT_TIMEOUT + 10_000, Promise.all([settled(getting, stoppedAt), settled(waiting, stoppedAt)]), 'waits on a frozen Redis');
        assert.equal(g.code, 'ERR_CLUSTER_UNAVAILABLE');
        assert.equal(w.code, 'ERR_CLUSTER_UNAVAILABLE');
        assert.ok(g.at < stalled + CONNECT_TIMEOUT + 4000, `get settled after ${g.at} ms`);
        assert.ok(w.at < stalled / 2 + CONNECT_TIMEOUT + 4000, `Event.wait settled after ${w.at} ms`);
      } finally {
        process.kill(pid, 'SIGCONT');
      }
      // A fresh queue: the get() given up on the frozen server is still blocked inside it until
      // it reads the dropped connection, and may be handed one item of the old queue meanwhile
      // (docs/cluster-objects.md: a reply lost with its connection is lost).
      const q2 = new f.o.Queue<number>();
      await within(
        20_000,
        (async () => {
          for (;;) {
            try {
              await q2.put(2);
              return;
            } catch {
              await sleep(200);
            }
          }
        })(),
        'first call after SIGCONT',
      );
      assert.equal(await q2.get({ timeout: 5000 }), 2);
    } finally {
      await f.link.close();
    }
  });
});
