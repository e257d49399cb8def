// Queue, JoinableQueue, SimpleQueue across processes and threads: the hub that holds them,
// proxies passed to Process targets and Pool tasks, limits, errors, and faults.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Process, Pool, Queue, JoinableQueue, SimpleQueue, Empty, Full } from 'multiproc';
import * as f from './fixtures/shared.ts';
import { contexts, within, rejection, sleep } from './helpers.ts';

for (const context of contexts) {
  describe(`Queue (${context})`, () => {
    it('carries values both ways between parent and child, in order', async () => {
      const inq = new Queue<unknown>(),
        outq = new Queue<unknown>();
      const p = new Process({ target: f.echoQueue, args: [inq, outq], context });
      p.start();
      const values = [0, -0, 'x', [1, [2]], new Map([[0.25, '2']]), new Set([1n]), new Date(0), Buffer.from('b'), null, undefined, { a: { b: [true] } }];
      for (const v of values) await inq.put(v);
      for (const v of values) assert.deepEqual(await within(20_000, outq.get()), v);
      await inq.put('stop');
      await within(20_000, p.join());
      assert.equal(p.exitCode, 0);
    });

    it('several producers and consumers: every item exactly once, FIFO per producer', async () => {
      const q = new Queue<[string, number] | null>(),
        out = new Queue<unknown>();
      const n = 3000;
      const producers = ['a', 'b'].map((tag) => new Process({ target: f.produceTagged, args: [q, tag, n], context }));
      const consumers = [0, 1].map(() => new Process({ target: f.drainTo, args: [q, out], context }));
      for (const p of [...producers, ...consumers]) p.start();
      for (const p of producers) await within(30_000, p.join());
      await q.put(null);
      await q.put(null);
      const seen: Record<string, number[]> = { a: [], b: [] };
      const perConsumerLast: Record<string, number> = {};
      let ends = 0;
      while (ends < 2) {
        const x = (await within(30_000, out.get())) as [string, number] | null;
        if (x === null) {
          ends++;
          continue;
        }
        seen[x[0]]!.push(x[1]);
        perConsumerLast[x[0]] = x[1];
      }
      for (const tag of ['a', 'b'])
        assert.deepEqual(
          [...seen[tag]!].sort((x, y) => x - y),
          Array.from({ length: n }, (_, i) => i),
        );
      for (const p of consumers) await within(20_000, p.join());
    });

    it('a class instance travels through the queue and is called in the consumer (seed 002 Task)', async () => {
      const tasks = new JoinableQueue<f.Task | null>(),
        results = new Queue<string>();
      const p = new Process({ target: f.runTasks, args: [tasks, results], context });
      p.start();
      for (let i = 0; i < 5; i++) await tasks.put(new f.Task(i, i + 1));
      await tasks.put(null);
      const got = [];
      for (let i = 0; i < 5; i++) got.push(await within(20_000, results.get()));
      assert.deepEqual(got, ['0 * 1 = 0', '1 * 2 = 2', '2 * 3 = 6', '3 * 4 = 12', '4 * 5 = 20']);
      await within(20_000, p.join());
    });

    it('is accepted as a Pool task argument (CPython refuses a plain Queue there)', async () => {
      await using pool = new Pool({ processes: 2, context });
      const q = new Queue<number>();
      for (let i = 1; i <= 100; i++) await q.put(i);
      const sums = await within(
        30_000,
        pool.starmap(f.sumInPool, [
          [q, 50],
          [q, 50],
        ]),
      );
      assert.equal(sums[0]! + sums[1]!, 5050);
    });

    it('JoinableQueue: join waits for taskDone of every item', async () => {
      const jq = new JoinableQueue<number>(),
        out = new Queue<number>();
      const p = new Process({ target: f.joinableWorker, args: [jq, out], context, daemon: true });
      p.start();
      for (let i = 0; i < 20; i++) await jq.put(i);
      await within(20_000, jq.join());
      assert.equal(await out.qsize(), 20);
      p.terminate();
      await within(20_000, p.join());
    });

    it('keeps serving children while the main thread is busy in synchronous code', async () => {
      const inq = new Queue<number | null>(),
        out = new Queue<number>();
      const prod = new Process({ target: f.produce, args: [inq, 2000], context });
      const relay = new Process({ target: f.timestampAfterRelay, args: [inq, out], context });
      prod.start();
      relay.start();
      await within(20_000, prod.join());
      await inq.put(null);
      await sleep(50); // the sentinel leaves this thread before it goes busy
      const busyEnd = Date.now() + 2500;
      f.busyFor(2500);
      assert.equal(await within(20_000, out.get()), (1999 * 2000) / 2);
      const doneAt = await within(20_000, out.get());
      assert.ok(doneAt < busyEnd, `the relay finished ${doneAt - busyEnd} ms after the busy period; the hub did not serve during it`);
      await within(20_000, relay.join());
    });

    it('a consumer killed while holding items it read ahead: they go back to the queue, none lost or repeated', async () => {
      const q = new Queue<number>(),
        out = new Queue<number>();
      const n = 2000;
      for (let i = 0; i < n; i++) await q.put(i);
      const first = new Process({ target: f.takeSomeThenHang, args: [q, out, 50], context });
      first.start();
      const got: number[] = [];
      for (let i = 0; i < 50; i++) got.push(await within(20_000, out.get()));
      await sleep(100); // its report of what it handed out reaches the hub
      first.kill();
      await within(20_000, first.join());
      const second = new Process({ target: f.drainTo, args: [q, out], context });
      second.start();
      await q.put(null as unknown as number);
      for (;;) {
        const x = await within(20_000, out.get());
        if (x === null) break;
        got.push(x);
      }
      await within(20_000, second.join());
      assert.deepEqual(
        [...got].sort((a, b) => a - b),
        Array.from({ length: n }, (_, i) => i),
      );
    });

    it('a child killed while waiting in get() does not take a later item', async () => {
      const q = new Queue<number>(),
        out = new Queue<unknown>();
      const waiter = new Process({ target: f.getThenReport, args: [q, out], context });
      waiter.start();
      await sleep(300);
      waiter.kill();
      await within(20_000, waiter.join());
      await q.put(7);
      assert.equal(await within(20_000, q.get()), 7);
    });
  });
}

describe('Queue (in this program)', () => {
  it('maxsize: put waits for room, Full when none in time; Empty when nothing arrives', async () => {
    const q = new Queue<number>(2);
    assert.equal(q.maxsize, 2);
    await q.put(1);
    await q.putNowait(2);
    assert.equal(await q.full(), true);
    assert.ok((await rejection(q.putNowait(3))) instanceof Full);
    const t0 = Date.now();
    assert.ok((await rejection(q.put(3, { timeout: 100 }))) instanceof Full);
    assert.ok(Date.now() - t0 >= 90);
    const blocked = q.put(3);
    assert.equal(await q.get(), 1);
    await within(5000, blocked);
    assert.equal(await q.qsize(), 2);
    assert.equal(await q.get(), 2);
    assert.equal(await q.get(), 3);
    assert.equal(await q.empty(), true);
    assert.ok((await rejection(q.getNowait())) instanceof Empty);
    const e = await rejection(q.get({ timeout: 50 }));
    assert.ok(e instanceof Empty);
  });

  it('a value that cannot be sent throws at put() and nothing is queued', async () => {
    const q = new Queue<unknown>();
    assert.throws(
      () => q.put({ f: () => 1 }),
      (e: Error & { code?: string }) => e.code === 'ERR_NOT_TRANSFERABLE' && /item\.f/.test(e.message),
    );
    assert.throws(() => q.put(Symbol('s')), { code: 'ERR_NOT_TRANSFERABLE' });
    assert.equal(await q.qsize(), 0);
  });

  it('close() ends this handle only: its put/get throw ERR_QUEUE_CLOSED', async () => {
    const q = new Queue<number>();
    await q.put(1);
    q.close();
    assert.throws(() => q.put(2), { code: 'ERR_QUEUE_CLOSED' });
    assert.throws(() => q.get(), { code: 'ERR_QUEUE_CLOSED' });
    q.close();
  });

  it('taskDone() too many times: ERR_TASK_DONE_TOO_MANY', async () => {
    const jq = new JoinableQueue<number>();
    await jq.put(1);
    await jq.get();
    await jq.taskDone();
    await within(5000, jq.join());
    assert.equal((await rejection(jq.taskDone())).code, 'ERR_TASK_DONE_TOO_MANY');
  });

  it('SimpleQueue and async iteration with a sentinel', async () => {
    const q = new SimpleQueue<string | null>();
    for (const s of ['a', 'b', 'c', null]) await q.put(s);
    const got = [];
    for await (const s of q.iter({ sentinel: null })) got.push(s);
    assert.deepEqual(got, ['a', 'b', 'c']);
    assert.throws(() => new (SimpleQueue as unknown as new (n: number) => SimpleQueue)(3), { code: 'ERR_INVALID_ARG_VALUE' });
  });

  it('bad arguments throw at once with a code', () => {
    assert.throws(() => new Queue(1.5), { code: 'ERR_INVALID_ARG_TYPE' });
    const q = new Queue();
    assert.throws(() => q.get({ timeout: 'x' as unknown as number }), { code: 'ERR_INVALID_ARG_TYPE' });
    assert.throws(() => q.get(5 as unknown as object), { code: 'ERR_INVALID_ARG_TYPE' });
  });

  it('200,000 items through one queue arrive exactly, in order', async () => {
    const q = new Queue<number>();
    const p = new Process({ target: f.produce, args: [q, 200_000] });
    p.start();
    for (let i = 0; i < 200_000; i++) {
      const x = await within(30_000, q.get());
      if (x !== i) assert.fail(`item ${i} was ${x}`);
    }
    await within(20_000, p.join());
  });
});
