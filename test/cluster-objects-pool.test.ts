// Cluster objects passed BY REFERENCE into real cluster Pool tasks, run by a real
// `multiproc worker` (its own OS process with a local pool of processes or threads), against
// a private redis-server: queues, locks, semaphores, events, conditions, barriers and manager
// dicts/lists work on the same Redis keys in the tasks as in this program; a task that dies
// holding a lock loses it after stalledTimeout; nothing is left under the objects' prefix.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRedis, redisUnavailable, type RedisHandle } from './support/redis-server.js';
import { within } from './helpers.js';
import { keysOf, uniqueName } from './support/cluster-objects.js';
import { getContext } from '../dist/esm/index.js';
import type { ClusterContext } from '../dist/esm/cluster/context.js';
import * as tasks from './fixtures/cluster-objects/tasks.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.join(here, 'fixtures', 'cluster-objects');
const BIN = path.join(here, '..', 'dist', 'bin', 'multiproc.js');
const STALLED = 3000;
const skip = redisUnavailable();

function startWorker(url: string, name: string, context: 'process' | 'thread'): Promise<ChildProcess> {
  const w = spawn(
    process.execPath,
    [
      BIN,
      'worker',
      '--redis',
      url,
      '--name',
      name,
      '--processes',
      '2',
      '--context',
      context,
      '--root',
      ROOT,
      '--insecure',
      '--stalled-timeout',
      String(STALLED),
      '--connect-timeout',
      '5000',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => reject(new Error(`worker not ready within 60 s: ${out}`)), 60_000);
    w.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready')) {
        clearTimeout(t);
        resolve(w);
      }
    });
    w.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`worker exited with ${code}: ${out}`));
    });
  });
}

async function stopWorker(w: ChildProcess | undefined): Promise<void> {
  if (!w || w.exitCode !== null || w.signalCode !== null) return;
  const gone = new Promise((r) => w.once('exit', r));
  w.kill('SIGKILL');
  await gone;
}

for (const context of ['process', 'thread'] as const) {
  describe(`cluster objects in cluster Pool tasks (worker --context ${context})`, { skip }, () => {
    let redis: RedisHandle;
    let worker: ChildProcess | undefined;
    const name = uniqueName(`pool${context[0]}`);
    let cluster: ClusterContext;
    before(async () => {
      redis = await startRedis();
      worker = await startWorker(redis.url, name, context);
      cluster = getContext('cluster', { redis: redis.url, name, root: ROOT, stalledTimeout: STALLED, connectTimeout: 5000 });
    });
    after(async () => {
      await cluster?.close();
      await stopWorker(worker);
      await redis?.stop();
    });
    const objectKeys = async () => (await keysOf(redis.url, name)).filter((k) => k.startsWith(`${name}:obj:`));

    it('Queue: tasks fill a bounded queue this program drains, and drain what it fills', async () => {
      await using pool = new cluster.Pool();
      const q = new cluster.Queue<number>(5);
      const filling = pool.starmap(tasks.putSquares, [
        [q, 0, 10],
        [q, 10, 20],
      ]);
      const got: number[] = [];
      for (let i = 0; i < 20; i++) got.push(await within(60_000, q.get(), 'item from a task'));
      await within(60_000, filling, 'filling tasks');
      assert.deepEqual(
        got.sort((a, b) => a - b),
        Array.from({ length: 20 }, (_, i) => i * i).sort((a, b) => a - b),
      );
      const back = new cluster.Queue<string>();
      const draining = pool.apply(tasks.drain, [back, 3]);
      for (const x of ['a', 'b', 'c']) await back.put(x);
      assert.deepEqual(await within(60_000, draining, 'drain task'), ['a', 'b', 'c']);
      assert.deepEqual(await objectKeys(), []);
    });

    it('Lock and Namespace: tasks on both pool workers increment under the lock without losing an update', async () => {
      await using pool = new cluster.Pool();
      await using m = await cluster.Manager();
      const ns = await m.Namespace({ count: 0 });
      const lock = new cluster.Lock();
      await within(
        90_000,
        pool.starmap(tasks.countUnderLock, [
          [lock, ns, 10],
          [lock, ns, 10],
          [lock, ns, 10],
        ]),
        'counting tasks',
      );
      assert.equal(await ns.get('count'), 30);
    });

    it('Semaphore(2): never more than two tasks inside at once', async () => {
      await using pool = new cluster.Pool();
      await using m = await cluster.Manager();
      const ns = await m.Namespace({ inside: 0, max: 0 });
      const sem = new cluster.Semaphore(2);
      const lock = new cluster.Lock();
      await within(
        90_000,
        pool.starmap(
          tasks.throughSemaphore,
          Array.from({ length: 6 }, () => [sem, ns, lock]),
        ),
        'semaphore tasks',
      );
      assert.ok((await ns.get<number>('max')) <= 2);
      assert.equal(await ns.get('inside'), 0);
      assert.equal(await sem.getValue(), 2);
    });

    it('Event, Condition and Barrier between this program and tasks', async () => {
      await using pool = new cluster.Pool();
      const ev = new cluster.Event();
      const waiting = pool.apply(tasks.waitEvent, [ev, 60_000]);
      await ev.set();
      assert.equal(await within(60_000, waiting, 'event task'), true);
      assert.equal(await within(60_000, pool.apply(tasks.waitEvent, [new cluster.Event(), 200]), 'event timeout task'), false);

      const cond = new cluster.Condition();
      const ready = new cluster.Event();
      const condTask = pool.apply(tasks.condWait, [cond, ready]);
      await within(60_000, ready.wait(), 'task waiting on the condition');
      await cond.acquire();
      await cond.notify();
      await cond.release();
      assert.equal(await within(60_000, condTask, 'condition task'), true);

      const bar = new cluster.Barrier(3);
      const parties = pool.starmap(tasks.barrierWait, [[bar], [bar]]);
      const mine = await within(60_000, bar.wait(), 'barrier with tasks');
      const theirs = await within(60_000, parties, 'barrier tasks');
      assert.deepEqual([mine, ...theirs].sort(), [0, 1, 2]);
      // Set events keep their flag key until freed.
      await ev.free();
      await ready.free();
      assert.deepEqual(await objectKeys(), []);
    });

    it('Manager dict and list: tasks write class instances this program reads as their class; JoinableQueue joins', async () => {
      await using pool = new cluster.Pool();
      const m = await cluster.Manager();
      const d = await m.dict<string, unknown>();
      const l = await m.list<number>([0]);
      assert.deepEqual(
        await within(
          60_000,
          pool.starmap(tasks.writeReadings, [
            [d, 's1', 3],
            [d, 's2', 2],
          ]),
          'dict tasks',
        ),
        [0, 0],
      );
      const r = await d.get('s1:2');
      assert.ok(r instanceof tasks.Reading, String(r));
      assert.equal(r.scaled(2), 4);
      assert.equal(await d.size(), 5);
      assert.equal(await within(60_000, pool.apply(tasks.appendAll, [l, [1, 2, 3]]), 'list task'), 4);
      assert.deepEqual(await l.toArray(), [0, 1, 2, 3]);
      const jq = new cluster.JoinableQueue<number | null>();
      const consumer = pool.apply(tasks.joinableWorker, [jq]);
      for (const x of [1, 2, 3, null]) await jq.put(x);
      await within(60_000, jq.join(), 'join');
      assert.equal(await consumer, 3);
      assert.ok((await objectKeys()).length > 0);
      await m.shutdown();
      assert.deepEqual(await objectKeys(), []);
    });

    if (context === 'process') {
      it('a task process that dies holding a lock: the lock passes on after stalledTimeout', async () => {
        await using pool = new cluster.Pool();
        const lock = new cluster.Lock();
        const held = new cluster.Event();
        const dying = pool.apply(tasks.holdAndDie, [lock, held]);
        dying.catch(() => {});
        await within(60_000, held.wait(), 'task holding the lock');
        assert.equal(await lock.acquire({ block: false }), false);
        const t0 = Date.now();
        assert.equal(await within(STALLED + 20_000, lock.acquire(), 'lock after its holder died'), true);
        const took = Date.now() - t0;
        assert.ok(took < STALLED + 8000, `took ${took} ms`);
        const e = await within(
          60_000,
          dying.then(
            () => null,
            (err: unknown) => err as Error,
          ),
          'dying task',
        );
        assert.ok(e && e.name === 'WorkerLostError', String(e));
        await lock.release();
        await held.free();
        assert.deepEqual(await objectKeys(), []);
      });
    }
  });
}
