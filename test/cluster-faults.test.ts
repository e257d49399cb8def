// Faults of a cluster, with real processes and a private redis-server: a pool process killed
// on a worker machine (WorkerLostError), a whole machine SIGKILLed or SIGSTOPped with and
// without retries (WorkerLostError within stalledTimeout and at most once, or a rerun on the
// other machine), Redis SIGKILLed (within connectTimeout a running task rejects WorkerLostError
// caused by ERR_CLUSTER_UNAVAILABLE, a queued one ERR_CLUSTER_UNAVAILABLE) and restarted (work
// resumes), no worker yet (tasks wait, bounded by timeout).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { startRedis, redisUnavailable, type RedisHandle } from './support/redis-server.js';
import { makeMachine, startWorker, FIXTURES, type WorkerHandle } from './support/cluster-machines.js';
import { rejection, within, sleep } from './helpers.js';
import { getContext, WorkerLostError, TimeoutError, type ClusterContext } from '../dist/esm/index.js';
import { dieNow, markAndSleep, pid, sleepFor, square } from './fixtures/cluster/tasks.mjs';

const skip = redisUnavailable();
const KEY = 'faults-key';
const STALLED = 4000;

describe('cluster faults', { skip }, () => {
  let redis: RedisHandle;
  const machines: { dir: string; remove(): void }[] = [];
  const workers: WorkerHandle[] = [];
  const contexts: ClusterContext[] = [];
  const ctx = (name: string, extra: { connectTimeout?: number; redis?: string } = {}) => {
    const c = getContext('cluster', { redis: extra.redis ?? redis.url, name, authKey: KEY, root: FIXTURES, stalledTimeout: STALLED, connectTimeout: extra.connectTimeout ?? 4000 });
    contexts.push(c);
    return c;
  };
  const worker = async (name: string, m: number, label: string) => {
    const w = await startWorker({ redis: redis.url, name, dir: machines[m]!.dir, machine: label, key: KEY, stalledTimeout: STALLED });
    workers.push(w);
    return w;
  };
  const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : []);
  const untilLines = async (file: string, n: number) => {
    const end = Date.now() + 30_000;
    while (lines(file).length < n) {
      if (Date.now() > end) throw new Error(`${file} never got ${n} lines`);
      await sleep(100);
    }
  };

  before(async () => {
    redis = await startRedis();
    machines.push(makeMachine('fa'), makeMachine('fb'));
  });
  after(async () => {
    await Promise.all(contexts.map((c) => c.close()));
    await Promise.all(workers.map((w) => w.stop()));
    for (const m of machines) m.remove();
    await redis?.stop();
  });

  it('a pool process killed on a worker machine: WorkerLostError, and the machine goes on', async () => {
    await worker('procdeath', 0, 'fa');
    await using pool = new (ctx('procdeath').Pool)();
    const e = await rejection(pool.apply(dieNow, []), 30_000);
    assert.ok(e instanceof WorkerLostError, `got ${e?.name}: ${e?.message}`);
    assert.equal(typeof (await within(30_000, pool.apply(pid, []))), 'number');
  });

  for (const sig of ['SIGKILL', 'SIGSTOP'] as const) {
    for (const retries of [0, 1]) {
      it(`a whole machine ${sig}ed while it runs a task, retries ${retries}: ${retries ? 'the task reruns on the other machine' : 'WorkerLostError within stalledTimeout, run at most once'}`, async () => {
        const name = `machine-${sig}-${retries}`;
        const file = path.join(machines[0]!.dir, `${name}.txt`);
        rmSync(file, { force: true });
        const victim = await worker(name, 0, 'victim');
        await using pool = new (ctx(name).Pool)();
        const p = pool.apply(markAndSleep, [file, 3000], { retries });
        const settled = within(
          60_000,
          p.then(
            (v) => ({ v }),
            (e: unknown) => ({ e }),
          ),
        );
        await untilLines(file, 1);
        const survivor = await worker(name, 1, 'survivor');
        // The task must still be on the victim (it sleeps 3 s); freeze or kill its whole process group.
        victim.signalGroup(sig);
        const t0 = Date.now();
        const r = await settled;
        const took = Date.now() - t0;
        if (retries === 0) {
          const e = (r as { e?: unknown }).e;
          assert.ok(e instanceof WorkerLostError, `got ${JSON.stringify(r)}`);
          assert.ok(took < STALLED * 4, `took ${took} ms`);
          // The survivor serves on; the lost task never ran a second time.
          assert.equal(await within(30_000, pool.apply(square, [2])), 4);
          await sleep(500);
          assert.equal(lines(file).length, 1, lines(file).join('; '));
        } else {
          assert.equal((r as { v?: unknown }).v, 'survivor', `got ${JSON.stringify(r)}`);
          assert.deepEqual(
            lines(file).map((l) => l.split(' ')[0]),
            ['victim', 'survivor'],
          );
        }
        await victim.stop();
        await survivor.stop();
      });
    }
  }

  it('no worker yet: a task waits, bounded by its timeout, and runs once a worker comes', async () => {
    await using pool = new (ctx('late').Pool)();
    const e = await rejection(pool.apply(square, [3], { timeout: 1500 }), 20_000);
    assert.ok(e instanceof TimeoutError, `got ${e?.name}`);
    const waiting = pool.apply(square, [5]);
    await sleep(500);
    await worker('late', 1, 'fb');
    assert.equal(await within(30_000, waiting), 25);
  });

  it('Redis unreachable from the start: calls reject ERR_CLUSTER_UNAVAILABLE within connectTimeout', async () => {
    await using pool = new (ctx('nowhere', { redis: 'redis://127.0.0.1:1', connectTimeout: 1500 }).Pool)();
    const t0 = Date.now();
    const e = await rejection(pool.apply(square, [1]), 20_000);
    assert.equal(e.code, 'ERR_CLUSTER_UNAVAILABLE');
    assert.ok(Date.now() - t0 < 10_000);
  });

  it('Redis SIGKILLed: within connectTimeout a running task rejects WorkerLostError (cause ERR_CLUSTER_UNAVAILABLE), queued ones ERR_CLUSTER_UNAVAILABLE; work resumes when it is back; a quick restart that lost a running task settles it too', async (t) => {
    if (!redis.owned) {
      t.skip('MULTIPROC_TEST_REDIS is not ours to kill');
      return;
    }
    await worker('redisdeath', 1, 'fb');
    const c = ctx('redisdeath', { connectTimeout: 3000 });
    const pool = new c.Pool();
    t.after(() => pool.terminate());
    assert.equal(await within(30_000, pool.apply(square, [2])), 4);
    const running = pool.apply(markAndSleep, [path.join(machines[1]!.dir, 'redis.txt'), 20_000]);
    // The worker holds at most 2 x 2 long tasks at once: most of these wait in the queue.
    const others = Array.from({ length: 20 }, () => pool.apply(sleepFor, [20_000]));
    const settled = Promise.allSettled([running, ...others]);
    await untilLines(path.join(machines[1]!.dir, 'redis.txt'), 1);
    await sleep(300); // the `active` events of what the worker took reach this program
    await redis.kill();
    const t0 = Date.now();
    const [first, ...rest] = await within(30_000, settled);
    assert.ok(Date.now() - t0 < 15_000, `settled after ${Date.now() - t0} ms`);
    assert.equal(first!.status, 'rejected');
    const lost = (first as PromiseRejectedResult).reason;
    assert.ok(lost instanceof WorkerLostError, `the running task got ${lost?.name}: ${lost?.message}`);
    assert.equal(lost.code, 'ERR_WORKER_LOST');
    assert.equal((lost.cause as { code?: string } | undefined)?.code, 'ERR_CLUSTER_UNAVAILABLE');
    let queuedCount = 0;
    for (const r of rest) {
      assert.equal(r.status, 'rejected');
      const e = (r as PromiseRejectedResult).reason;
      if (e instanceof WorkerLostError) assert.equal((e.cause as { code?: string } | undefined)?.code, 'ERR_CLUSTER_UNAVAILABLE');
      else {
        assert.equal(e.code, 'ERR_CLUSTER_UNAVAILABLE', `got ${e?.name}: ${e?.message}`);
        queuedCount++;
      }
    }
    assert.ok(queuedCount >= 16, `only ${queuedCount} of 20 were still queued`);
    const whileDown = await rejection(pool.apply(square, [3]), 20_000);
    assert.equal(whileDown.code, 'ERR_CLUSTER_UNAVAILABLE');
    await redis.restart();
    // The worker and this program reconnect by themselves.
    const end = Date.now() + 60_000;
    let answer: unknown;
    while (Date.now() < end) {
      try {
        answer = await within(20_000, pool.apply(square, [9], { timeout: 10_000 }));
        break;
      } catch {
        await sleep(500);
      }
    }
    assert.equal(answer, 81);
    // A Redis that comes back at once, empty: the tasks it lost still settle.
    const lostTask = pool.apply(sleepFor, [30_000]);
    await sleep(1500);
    await redis.kill();
    await redis.restart();
    const e = await rejection(lostTask, 20_000);
    assert.ok(e instanceof WorkerLostError, `got ${e?.name}: ${e?.message}`);
    assert.equal((e.cause as { code?: string } | undefined)?.code, 'ERR_CLUSTER_UNAVAILABLE');
    pool.close();
    await within(40_000, pool.join());
  });
});
