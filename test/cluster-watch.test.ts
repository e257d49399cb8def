// Watching a cluster Pool, against a private redis-server and real `multiproc worker`
// machines (temp folders with a copy of test/fixtures/cluster, see support/cluster-machines.ts):
// onProgress sequences (monotonic, exact end, failures counted, unknown total of an
// iterable), stats() after success and failure with run times measured on the machines,
// the drain event, and workerStart / workerExit as a machine registers and is SIGKILLed
// (with the task it held counted as lost, or as retried when it reruns). A throwing listener
// does not stop the pool.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { redisUnavailable, type RedisHandle } from './support/redis-server.js';
import { makeMachine, startWorker, useCluster, type WorkerHandle } from './support/cluster-machines.js';
import { rejection, within } from './helpers.js';
import type { ClusterContext, Progress } from '../dist/esm/index.js';
import { add, failOdd, sleepFor, square } from './fixtures/cluster/tasks.mjs';

const skip = redisUnavailable();
if (skip) console.log(`# cluster-watch tests skipped: ${skip}`);
const KEY = 'cluster-watch-test-key';
const OPTS = { stalledTimeout: 4000, connectTimeout: 4000 } as const;

/** onProgress calls, and a promise of the final one (done === total). */
function recorder(): { calls: Progress[]; onProgress: (p: Progress) => void; final: Promise<Progress> } {
  const calls: Progress[] = [];
  let resolve!: (p: Progress) => void;
  const final = new Promise<Progress>((r) => {
    resolve = r;
  });
  return {
    calls,
    final,
    onProgress: (p) => {
      calls.push(p);
      if (p.total !== undefined && p.done === p.total) resolve(p);
    },
  };
}

function assertMonotonic(calls: Progress[]): void {
  for (let i = 1; i < calls.length; i++) {
    assert.ok(calls[i]!.done >= calls[i - 1]!.done, `done went back: ${JSON.stringify(calls.map((c) => c.done))}`);
    assert.ok(calls[i]!.failed >= calls[i - 1]!.failed, 'failed went back');
    assert.ok(calls[i]!.elapsedMs >= calls[i - 1]!.elapsedMs, 'elapsedMs went back');
  }
}

describe('cluster Pool: progress, stats and events', { skip }, () => {
  const setup = useCluster({ name: 'watchtest', key: KEY, machines: [{ label: 'w1' }], ...OPTS });
  let redis: RedisHandle;
  let cluster: ClusterContext;
  let workers: WorkerHandle[];
  let machines: { remove(): void }[];
  before(() => {
    ({ redis, cluster, workers, machines } = setup);
  });

  it('onProgress on map and starmap: monotonic, ends exactly at done === total, failed items counted', async () => {
    await using pool = new cluster.Pool();
    const ok = recorder();
    const xs = Array.from({ length: 100 }, (_, i) => i);
    assert.deepEqual(
      await within(60_000, pool.map(square, xs, { chunksize: 5, onProgress: ok.onProgress })),
      xs.map((x) => x * x),
    );
    const last = await within(10_000, ok.final);
    assert.deepEqual([last.done, last.total, last.failed, last.etaMs], [100, 100, 0, 0]);
    assertMonotonic(ok.calls);
    assert.equal(ok.calls.filter((c) => c.done === c.total).length, 1, 'exactly one final call');

    // 50 items, 25 of them throw: the map rejects at the first, progress still counts every item.
    const bad = recorder();
    const err = await rejection(pool.mapAsync(failOdd, xs.slice(0, 50), { chunksize: 10, onProgress: bad.onProgress }).get(), 60_000);
    assert.equal((err as { code?: string }).code, 'E_ODD');
    const end = await within(30_000, bad.final);
    assert.deepEqual([end.done, end.total, end.failed], [50, 50, 25]);
    assertMonotonic(bad.calls);

    const star = recorder();
    assert.deepEqual(
      await within(
        30_000,
        pool
          .starmapAsync(
            add,
            [
              [1, 2],
              [4, 3],
              [5, 5],
            ],
            { chunksize: 1, onProgress: star.onProgress },
          )
          .get(),
      ),
      [3, 7, 10],
    );
    const starLast = await within(10_000, star.final);
    assert.deepEqual([starLast.done, starLast.total, starLast.failed], [3, 3, 0]);
  });

  it('onProgress on imap and imapUnordered of an iterable: total unknown until the input ends, then exact', async () => {
    await using pool = new cluster.Pool();
    function* gen(n: number) {
      for (let i = 0; i < n; i++) yield i;
    }
    const r = recorder();
    const got: number[] = [];
    for await (const v of pool.imap(square, gen(40), { onProgress: r.onProgress })) got.push(v);
    assert.deepEqual(
      got,
      Array.from({ length: 40 }, (_, i) => i * i),
    );
    const last = await within(10_000, r.final);
    assert.deepEqual([last.done, last.total, last.failed], [40, 40, 0]);
    assert.ok(
      r.calls.some((c) => c.total === undefined),
      `some call before the input ended has total undefined: ${JSON.stringify(r.calls.map((c) => c.total))}`,
    );
    assertMonotonic(r.calls);

    const u = recorder();
    const seen: number[] = [];
    for await (const v of pool.imapUnordered(square, [1, 2, 3, 4, 5, 6], { onProgress: u.onProgress })) seen.push(v);
    assert.deepEqual(
      seen.sort((a, b) => a - b),
      [1, 4, 9, 16, 25, 36],
    );
    const uLast = await within(10_000, u.final);
    assert.deepEqual([uLast.done, uLast.total], [6, 6]);
    assert.ok(
      u.calls.every((c) => c.total === 6),
      'an array gives its total from the start',
    );

    assert.throws(() => pool.map(square, [1], { onProgress: 5 as never }), { code: 'ERR_INVALID_ARG_TYPE' });
  });

  it('stats() after success and failure: counts, run times measured on the machine, nothing queued or running', async () => {
    await using pool = new cluster.Pool();
    const empty = pool.stats();
    assert.deepEqual([empty.completed, empty.failed, empty.queued, empty.running], [0, 0, 0, 0]);
    await within(60_000, pool.map(sleepFor, [300, 300, 300, 300], { chunksize: 1 }));
    const s = pool.stats();
    assert.deepEqual([s.completed, s.failed, s.lost, s.retried, s.queued, s.running], [4, 0, 0, 0, 0, 0]);
    assert.ok(s.runTime.p50 >= 250 && s.runTime.max < 30_000, `runTime from the machine: ${JSON.stringify(s.runTime)}`);
    assert.ok(s.waitTime.max >= 0 && s.waitTime.max < 30_000, `waitTime: ${JSON.stringify(s.waitTime)}`);
    assert.ok(s.processes >= 2, `processes of the live machine: ${s.processes}`);
    assert.equal(s.idle + s.busy, s.processes);
    assert.ok(s.utilization > 0 && s.utilization <= 1, `utilization ${s.utilization}`);

    await rejection(pool.map(failOdd, [1, 3], { chunksize: 1 }), 60_000);
    await within(
      10_000,
      (async () => {
        while (pool.stats().failed < 2) await new Promise((r) => setTimeout(r, 50));
      })(),
    );
    const f = pool.stats();
    assert.deepEqual([f.completed, f.failed, f.lost], [4, 2, 0]);
  });

  it("'drain' once nothing of the pool is queued or running; a throwing or rejecting listener does not stop it", async () => {
    await using pool = new cluster.Pool();
    const warnings: string[] = [];
    const onWarning = (w: Error & { code?: string }) => {
      if (w.code === 'MULTIPROC_CALLBACK_ERROR') warnings.push(w.message);
    };
    process.on('warning', onWarning);
    try {
      pool.on('drain', () => {
        throw new Error('listener bug');
      });
      pool.on('drain', async () => {
        throw new Error('async listener bug');
      });
      let drains = 0;
      let running = 0;
      const drained = new Promise<void>((resolve) =>
        pool.on('drain', () => {
          drains++;
          running = pool.stats().running;
          resolve();
        }),
      );
      const results = await within(60_000, Promise.all([pool.apply(sleepFor, [200]), pool.map(square, [1, 2, 3])]));
      assert.deepEqual(results, [200, [1, 4, 9]]);
      await within(10_000, drained);
      assert.ok(drains >= 1);
      assert.equal(running, 0);
      assert.equal(await within(30_000, pool.apply(square, [9])), 81, 'the pool still works after the throwing listeners');
      await within(
        10_000,
        (async () => {
          while (warnings.length < 2) await new Promise((r) => setTimeout(r, 50));
        })(),
      );
      assert.ok(warnings.some((w) => w.includes('listener bug')) && warnings.some((w) => w.includes('async listener bug')), warnings.join('\n'));
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('workerStart when a machine registers, workerExit with its lost task when it is SIGKILLed', async () => {
    await using pool = new cluster.Pool();
    const starts: { pid: number; threadId: number | undefined }[] = [];
    const exits: { pid: number; threadId: number | undefined; exitCode: number | null; signal: string | null; lostTasks: number }[] = [];
    pool.on('workerStart', (i) => {
      starts.push(i);
    });
    pool.on('workerExit', (i) => {
      exits.push(i);
    });
    await within(
      30_000,
      (async () => {
        while (!starts.some((s) => s.pid === workers[0]!.pid)) await new Promise((r) => setTimeout(r, 50));
      })(),
    );

    // Only w2 takes tasks from here on: w1 is stopped (and announced as gone) first, so the long task lands on w2.
    const w1 = workers[0]!;
    await w1.stop();
    await within(
      60_000,
      (async () => {
        while (!exits.some((e) => e.pid === w1.pid)) await new Promise((r) => setTimeout(r, 50));
      })(),
    );
    assert.deepEqual(
      exits.find((e) => e.pid === w1.pid),
      { pid: w1.pid, threadId: undefined, exitCode: null, signal: null, lostTasks: 0 },
    );
    const m2 = makeMachine('w2');
    machines.push(m2);
    const w2 = await startWorker({ redis: redis.url, name: 'watchtest', dir: m2.dir, machine: 'w2', key: KEY, processes: 1, ...OPTS });
    workers.push(w2);
    await within(
      60_000,
      (async () => {
        while (!starts.some((s) => s.pid === w2.pid)) await new Promise((r) => setTimeout(r, 50));
      })(),
    );
    const started = starts.find((s) => s.pid === w2.pid)!;
    assert.equal(started.threadId, undefined);

    const doomed = pool.apply(sleepFor, [120_000]);
    doomed.catch(() => {});
    await new Promise((r) => setTimeout(r, 1500)); // w2 takes it
    w2.signalGroup('SIGKILL');
    const err = await rejection(doomed, 60_000);
    assert.equal((err as { name?: string }).name, 'WorkerLostError');
    await within(
      60_000,
      (async () => {
        while (!exits.some((e) => e.pid === w2.pid)) await new Promise((r) => setTimeout(r, 50));
      })(),
    );
    const exit = exits.find((e) => e.pid === w2.pid)!;
    assert.equal(exit.lostTasks, 1, JSON.stringify(exits));
    assert.equal(pool.stats().lost, 1);
  });

  it('stats() counts a task rerun after its machine is SIGKILLed as retried; workerExit counts it with the machine', async () => {
    await using pool = new cluster.Pool();
    const exits: { pid: number; lostTasks: number }[] = [];
    pool.on('workerExit', (i) => {
      exits.push(i);
    });
    const m3 = makeMachine('w3');
    const m4 = makeMachine('w4');
    machines.push(m3, m4);
    const w3 = await startWorker({ redis: redis.url, name: 'watchtest', dir: m3.dir, machine: 'w3', key: KEY, processes: 1, ...OPTS });
    workers.push(w3);
    const rerun = pool.apply(sleepFor, [2000], { retries: 1 });
    rerun.catch(() => {});
    await new Promise((r) => setTimeout(r, 1500)); // w3 takes it
    w3.signalGroup('SIGKILL');
    const w4 = await startWorker({ redis: redis.url, name: 'watchtest', dir: m4.dir, machine: 'w4', key: KEY, processes: 1, ...OPTS });
    workers.push(w4);
    assert.equal(await within(90_000, rerun), 2000);
    const s = pool.stats();
    assert.deepEqual([s.completed, s.lost, s.retried], [1, 0, 1]);
    await within(
      60_000,
      (async () => {
        while (!exits.some((e) => e.pid === w3.pid)) await new Promise((r) => setTimeout(r, 50));
      })(),
    );
    assert.equal(exits.find((e) => e.pid === w3.pid)!.lostTasks, 1, JSON.stringify(exits));
  });
});
