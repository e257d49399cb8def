// Sizing a pool: minProcesses with workers started on demand up to processes and idle ones
// leaving after idleTimeout; maxQueue refusing at the call and making room again; and
// tasksPerWorker: async tasks side by side on one worker, a death rejecting each running task
// (or retrying it), timeouts and aborts stopping only their task when it cooperates, else the
// worker. Both contexts, real workers.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Pool, TimeoutError, WorkerLostError } from 'multiproc';
import * as w from './fixtures/watch-tasks.ts';
import { initSlow } from './fixtures/tasks.ts';

const kWorkers = Symbol.for('multiproc.pool.workers');
type Listed = { pid: number; ready: boolean; kill(): void }[];
import { contexts, within, rejection, sleep } from './helpers.ts';

async function until(ms: number, check: () => boolean, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(20);
  }
}

for (const context of contexts) {
  describe(`Pool sizing (${context})`, () => {
    it('minProcesses: 0 starts nothing, grows on demand up to processes, and idle workers exit', async () => {
      const pool = new Pool({ processes: 3, minProcesses: 0, idleTimeout: 300, context });
      let starts = 0;
      let exits = 0;
      pool.on('workerStart', () => starts++);
      pool.on('workerExit', () => exits++);
      try {
        await sleep(100);
        assert.equal(pool.stats().processes, 0);
        assert.equal(starts, 0);
        // Three slow tasks at once: three workers, and no more.
        const r = await within(30_000, Promise.all([0, 1, 2, 3, 4].map((i) => pool.apply(w.sleepThen, [400, i]))));
        assert.deepEqual(r, [0, 1, 2, 3, 4]);
        assert.equal(starts, 3);
        await until(15_000, () => pool.stats().processes === 0, 'back to zero workers');
        await until(5_000, () => exits === 3, 'three exits');
        // Work again after that: workers start again.
        assert.equal(await within(30_000, pool.apply(w.sleepThen, [1, 'again'])), 'again');
        assert.equal(starts, 4);
      } finally {
        await pool.terminate();
      }
    });

    it('minProcesses: 1 keeps one worker; a lost worker below it is replaced', async () => {
      const pool = new Pool({ processes: 2, minProcesses: 1, idleTimeout: 200, context });
      try {
        assert.equal(pool.stats().processes, 1);
        const both = Promise.all([pool.apply(w.sleepThen, [1500, 1]), pool.apply(w.sleepThen, [1500, 2])]);
        await until(20_000, () => pool.stats().running === 2, 'both running');
        assert.equal(pool.stats().processes, 2, 'a second worker started on demand');
        await within(30_000, both);
        await until(15_000, () => pool.stats().processes === 1, 'down to minProcesses');
        await sleep(600);
        assert.equal(pool.stats().processes, 1, 'never below minProcesses');
        await rejection(pool.apply(w.exitAfter, [0, 3]), 30_000);
        await until(15_000, () => pool.stats().processes === 1, 'replaced');
      } finally {
        await pool.terminate();
      }
    });

    it('sizing options are checked at the call', () => {
      assert.throws(() => new Pool({ processes: 2, minProcesses: 3, context }), { code: 'ERR_OUT_OF_RANGE' });
      assert.throws(() => new Pool({ processes: 2, minProcesses: -1, context }), { code: 'ERR_OUT_OF_RANGE' });
      assert.throws(() => new Pool({ processes: 2, idleTimeout: -5, context }), { code: 'ERR_OUT_OF_RANGE' });
      assert.throws(() => new Pool({ processes: 2, maxQueue: 1.5, context }), { code: 'ERR_OUT_OF_RANGE' });
      assert.throws(() => new Pool({ processes: 2, tasksPerWorker: 0, context }), { code: 'ERR_OUT_OF_RANGE' });
    });
  });

  describe(`Pool maxQueue (${context})`, () => {
    it('a submission that would queue more than maxQueue throws ERR_POOL_QUEUE_FULL at the call; room comes back', async () => {
      const pool = new Pool({ processes: 1, maxQueue: 2, context });
      try {
        const first = pool.apply(w.sleepThen, [800, 'first']);
        await until(20_000, () => pool.stats().running === 1, 'the first task on the worker');
        const queued = [pool.apply(w.sleepThen, [10, 'a']), pool.apply(w.sleepThen, [10, 'b'])];
        assert.equal(pool.stats().queued, 2);
        assert.throws(() => pool.apply(w.sleepThen, [10, 'c']), { code: 'ERR_POOL_QUEUE_FULL', message: /maxQueue 2/ });
        assert.throws(() => pool.map(w.nap, [1, 2], { chunksize: 1 }), { code: 'ERR_POOL_QUEUE_FULL' }, 'a map counts its chunks');
        assert.throws(() => pool.imap(w.nap, [1]), { code: 'ERR_POOL_QUEUE_FULL' });
        assert.equal(await within(30_000, first), 'first');
        assert.deepEqual(await within(30_000, Promise.all(queued)), ['a', 'b']);
        // Room came back: a map of two chunks fits now.
        assert.deepEqual(await within(30_000, pool.map(w.nap, [1, 2], { chunksize: 1 })), [1, 2]);
        // One idle worker takes at most 32 at once (its pipeline), so 40 one-item chunks never fit.
        assert.throws(() => pool.map(w.nap, Array(40).fill(1), { chunksize: 1 }), { code: 'ERR_POOL_QUEUE_FULL' }, 'forty chunks never fit');
        assert.deepEqual(await within(30_000, pool.map(w.nap, [1, 2, 3, 4], { chunksize: 2 })), [1, 2, 3, 4]);
      } finally {
        await pool.terminate();
      }
    });

    it('queued tasks that were aborted no longer count: stats().queued drops and their room comes back at once', async () => {
      const pool = new Pool({ processes: 1, maxQueue: 2, context });
      try {
        const first = pool.apply(w.sleepThen, [3000, 'first']);
        await until(20_000, () => pool.stats().running === 1, 'the first task on the worker');
        const ac = new AbortController();
        const queued = [pool.apply(w.sleepThen, [10, 'a'], { signal: ac.signal }), pool.apply(w.sleepThen, [10, 'b'], { signal: ac.signal })];
        assert.equal(pool.stats().queued, 2);
        ac.abort(new Error('not needed'));
        for (const p of queued) assert.equal((await rejection(p)).message, 'not needed');
        assert.equal(pool.stats().running, 1, 'the first task still runs');
        assert.equal(pool.stats().queued, 0);
        const next = [pool.apply(w.sleepThen, [10, 'c']), pool.apply(w.sleepThen, [10, 'd'])];
        assert.equal(pool.stats().queued, 2);
        assert.throws(() => pool.apply(w.sleepThen, [10, 'e']), { code: 'ERR_POOL_QUEUE_FULL' });
        assert.equal(await within(30_000, first), 'first');
        assert.deepEqual(await within(30_000, Promise.all(next)), ['c', 'd']);
        assert.equal(pool.stats().queued, 0);
      } finally {
        await pool.terminate();
      }
    });

    it('a map on idle workers counts only the chunks that would wait (maxQueue 4, 20 items, default chunks)', async () => {
      const pool = new Pool({ processes: 2, maxQueue: 4, context });
      try {
        await until(20_000, () => (pool as unknown as Record<symbol, () => Listed>)[kWorkers]!().filter((x) => x.ready).length === 2, 'two ready workers');
        const items = Array.from({ length: 20 }, (_, i) => i + 1);
        assert.deepEqual(await within(30_000, pool.map(w.nap, items)), items);
        // Both workers busy: nothing is taken at once, so more than four chunks are refused.
        const busy = [pool.apply(w.sleepThen, [1500, 'x']), pool.apply(w.sleepThen, [1500, 'y'])];
        await until(20_000, () => pool.stats().running === 2, 'both workers busy');
        assert.throws(() => pool.map(w.nap, [1, 2, 3, 4, 5], { chunksize: 1 }), { code: 'ERR_POOL_QUEUE_FULL' }, 'a map counts the chunks that would wait');
        assert.deepEqual(await within(30_000, pool.map(w.nap, items)), items, 'the default chunks fit the room that is left');
        assert.deepEqual(await within(30_000, Promise.all(busy)), ['x', 'y']);
      } finally {
        await pool.terminate();
      }
    });
  });

  describe(`Pool tasksPerWorker (${context})`, () => {
    it('8 x 200 ms async tasks on 1 worker with 4 at once finish well under 1 s', async () => {
      const pool = new Pool({ processes: 1, tasksPerWorker: 4, context });
      try {
        assert.equal(await within(30_000, pool.apply(w.hasSignal)), true, 'warm, and the task sees its signal');
        const started = performance.now();
        const r = await within(30_000, pool.map(w.nap, Array(8).fill(200), { chunksize: 1 }));
        const elapsed = performance.now() - started;
        assert.deepEqual(r, Array(8).fill(200));
        assert.ok(elapsed < 1000, `8 x 200 ms took ${Math.round(elapsed)} ms (one at a time: 1600 ms)`);
        assert.ok(pool.stats().utilization > 0);
      } finally {
        await pool.terminate();
      }
      // The default chunksize counts task slots: 32 items on 16 slots go one per chunk
      // (400 ms), not in 4 chunks of 8 run one item after another (1600 ms).
      const wide = new Pool({ processes: 1, tasksPerWorker: 16, context });
      try {
        await within(30_000, wide.apply(w.nap, [1]));
        const t1 = performance.now();
        assert.deepEqual(await within(30_000, wide.map(w.nap, Array(32).fill(200))), Array(32).fill(200));
        assert.ok(performance.now() - t1 < 1200, `default chunksize: ${Math.round(performance.now() - t1)} ms`);
      } finally {
        await wide.terminate();
      }
      const single = new Pool({ processes: 1, context });
      try {
        assert.equal(await within(30_000, single.apply(w.hasSignal)), false, 'one task per worker: no signal');
      } finally {
        await single.terminate();
      }
    });

    it('a task sent to a worker that died before starting it gets a fresh timeout on the replacement', async () => {
      const pool = new Pool({ processes: 1, tasksPerWorker: 2, context });
      try {
        await within(30_000, pool.apply(w.nap, [1]));
        // The first task blocks its worker's event loop and then ends it: the second, sent
        // meanwhile (its clock starting then), never starts there and goes back to the queue.
        const killer = pool.apply(w.busyThenExit, [3000, 9]);
        await sleep(300);
        const second = pool.apply(w.nap, [3000], { timeout: 5000, retries: 1 });
        assert.ok((await rejection(killer, 30_000)) instanceof WorkerLostError);
        // Its old clock (5 s from the send, 0.3 s in) would stop it about 2 s into its 3 s run
        // on the replacement (ready after the first worker's 3 s).
        assert.equal(await within(60_000, second), 3000);
      } finally {
        await pool.terminate();
      }
    });

    it('a worker that dies rejects each task it was running with WorkerLostError, or runs it again under retries', async () => {
      const pool = new Pool({ processes: 1, tasksPerWorker: 4, context });
      const exits: number[] = [];
      pool.on('workerExit', (i) => exits.push(i.lostTasks));
      try {
        await within(30_000, pool.apply(w.nap, [1]));
        // Four tasks running when one of them exits: all four are lost (exact: each had started); the one with retries runs again.
        const a = pool.apply(w.sleepThen, [2000, 'a']);
        const b = pool.apply(w.sleepThen, [2000, 'b'], { retries: 1 });
        const c = pool.apply(w.sleepThen, [2000, 'c']);
        await until(20_000, () => pool.stats().running === 3, 'three running');
        const d = pool.apply(w.exitAfter, [200, 9]);
        const [ea, ec, ed] = await Promise.all([rejection(a, 30_000), rejection(c, 30_000), rejection(d, 30_000)]);
        for (const x of [ea, ec, ed]) assert.ok(x instanceof WorkerLostError, String(x));
        assert.equal(await within(30_000, b), 'b', 'run again on the replacement');
        await until(10_000, () => exits.length === 1, 'the exit');
        assert.deepEqual(exits, [4], 'the death took the four running tasks');
        const s = pool.stats();
        assert.equal(s.lost, 3, 'a, c and the exiting task; b ran again');
        assert.equal(s.retried, 1);
      } finally {
        await pool.terminate();
      }
    });

    it('a worker killed before it started its tasks (still initializing): they run on the replacement, none is lost', async () => {
      const pool = new Pool({ processes: 1, tasksPerWorker: 2, initializer: initSlow, initArgs: [1500], context });
      try {
        const tasks = [pool.apply(w.sleepThen, [10, 'x']), pool.apply(w.sleepThen, [10, 'y'])];
        await sleep(300);
        const listed = (pool as unknown as Record<symbol, () => Listed>)[kWorkers]!();
        assert.equal(listed.length, 1);
        assert.equal(listed[0]!.ready, false, 'still in its initializer');
        listed[0]!.kill();
        assert.deepEqual(await within(30_000, Promise.all(tasks)), ['x', 'y']);
        assert.equal(pool.stats().lost, 0);
      } finally {
        await pool.terminate();
      }
    });

    it('a timeout or abort of a cooperative async task stops only that task; the worker and its other tasks go on', async () => {
      const pool = new Pool({ processes: 1, tasksPerWorker: 2, context });
      let exits = 0;
      pool.on('workerExit', () => exits++);
      try {
        const pid = await within(30_000, pool.apply(w.pid));
        const other = pool.apply(w.sleepThen, [1500, 'other']);
        const e = await rejection(pool.apply(w.cooperativeWait, [20_000], { timeout: 300 }), 30_000);
        assert.ok(e instanceof TimeoutError);
        const ac = new AbortController();
        const aborted = pool.apply(w.cooperativeWait, [20_000], { signal: ac.signal });
        await sleep(200);
        ac.abort(new Error('stop it'));
        assert.equal((await rejection(aborted, 30_000)).message, 'stop it');
        assert.equal(await within(30_000, other), 'other');
        await sleep(1500); // past the grace time: the worker was not stopped
        assert.equal(await within(30_000, pool.apply(w.pid)), pid, 'same worker');
        assert.equal(exits, 0);
      } finally {
        await pool.terminate();
      }
    });

    it('a task that ignores its signal: after the grace time its worker is stopped, as with one task per worker', async () => {
      const pool = new Pool({ processes: 1, tasksPerWorker: 2, context });
      const exits: number[] = [];
      pool.on('workerExit', (i) => exits.push(i.lostTasks));
      try {
        await within(30_000, pool.apply(w.nap, [1]));
        const other = pool.apply(w.sleepThen, [5000, 'other']);
        const started = Date.now();
        const e = await rejection(pool.apply(w.stubbornWait, [20_000], { timeout: 300 }), 30_000);
        assert.ok(e instanceof TimeoutError);
        assert.ok(Date.now() - started < 3000, 'the timed-out task settles at its timeout');
        const lost = await rejection(other, 30_000);
        assert.ok(lost instanceof WorkerLostError, String(lost));
        await until(10_000, () => exits.length === 1, 'the exit');
        assert.deepEqual(exits, [1]);
        assert.equal(await within(30_000, pool.apply(w.sleepThen, [1, 'healed'])), 'healed');
      } finally {
        await pool.terminate();
      }
    });
  });
}
