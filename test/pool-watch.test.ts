// Watching a pool: onProgress sequences (monotonic, one exact final call, failures counted,
// unknown totals), stats() after success, failure, loss and retry, and the events
// (workerStart, workerExit, drain), with throwing callbacks and listeners reported, not fatal.
// Both contexts, real workers.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Pool, WorkerLostError, type Progress, type PoolStats } from 'multiproc';
import * as w from './fixtures/watch-tasks.ts';
import * as f from './fixtures/faults.mjs';
import { contexts, within, rejection, sleep } from './helpers.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'mp-watch-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = (name: string) => path.join(dir, `${name}-${++n}`);

/** Waits until `check()` is true (polling), failing after `ms`. */
async function until(ms: number, check: () => boolean, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(20);
  }
}

/** The calls a sequence must satisfy whatever the timing: done never goes back, exactly one final call, last. */
function checkSequence(calls: Progress[], total: number, failed: number): void {
  assert.ok(calls.length >= 1, 'at least the final call');
  for (let i = 1; i < calls.length; i++) {
    assert.ok(calls[i]!.done >= calls[i - 1]!.done, `done is monotonic: ${calls[i - 1]!.done} then ${calls[i]!.done}`);
    assert.ok(calls[i]!.elapsedMs >= calls[i - 1]!.elapsedMs, 'elapsedMs is monotonic');
  }
  const finals = calls.filter((c) => c.total !== undefined && c.done === c.total);
  assert.equal(finals.length, 1, 'exactly one call with done === total');
  const last = calls.at(-1)!;
  assert.equal(last, finals[0], 'the final call is the last one');
  assert.equal(last.total, total);
  assert.equal(last.failed, failed);
  assert.equal(last.etaMs, 0);
  for (const c of calls) assert.ok(c.failed <= c.done);
}

function warningsDuring(): { warnings: string[]; stop: () => void } {
  const warnings: string[] = [];
  const on = (w: Error & { code?: string }) => {
    if (w.code === 'MULTIPROC_CALLBACK_ERROR') warnings.push(w.message);
  };
  process.on('warning', on);
  return { warnings, stop: () => process.off('warning', on) };
}

for (const context of contexts) {
  describe(`Pool progress (${context})`, () => {
    const pool = new Pool({ processes: 2, context });
    after(() => pool.terminate());

    it('map: items, not chunks; monotonic; one final call with done === total; at most ~10 calls a second', async () => {
      const calls: Progress[] = [];
      const xs = Array.from({ length: 120 }, (_, i) => i);
      const started = Date.now();
      const r = await within(
        60_000,
        pool.map(
          w.busyMs,
          xs.map(() => 5),
          { chunksize: 3, onProgress: (p) => calls.push(p) },
        ),
      );
      const elapsed = Date.now() - started;
      assert.equal(r.length, 120);
      checkSequence(calls, 120, 0);
      for (const c of calls) assert.equal(c.done % 3, 0, 'a chunk of 3 counts 3 items');
      // Throttled: one call per 100 ms, plus the first and the final one.
      assert.ok(calls.length <= elapsed / 100 + 3, `${calls.length} calls in ${elapsed} ms`);
      assert.ok(calls.length >= 2, 'items were reported before the end');
      assert.ok(
        calls.some((c) => c.etaMs !== undefined && c.etaMs > 0),
        'an ETA while running',
      );
    });

    it('failed items count; the final call comes even though map rejected early', async () => {
      const calls: Progress[] = [];
      const xs = Array.from({ length: 20 }, (_, i) => i);
      const e = await rejection(pool.map(w.oddFails, xs, { chunksize: 1, onProgress: (p) => calls.push(p) }), 30_000);
      assert.ok(e instanceof RangeError);
      await within(
        30_000,
        (async () => {
          while (!calls.some((c) => c.done === 20)) await sleep(20);
        })(),
        'the final progress call',
      );
      checkSequence(calls, 20, 10);
      // A chunk whose items partly fail counts only those.
      const calls2: Progress[] = [];
      await rejection(pool.map(w.oddFails, xs, { chunksize: 4, onProgress: (p) => calls2.push(p) }), 30_000);
      await until(30_000, () => calls2.some((c) => c.done === 20), 'the final progress call');
      checkSequence(calls2, 20, 10);
    });

    it('starmap, mapAsync, empty input', async () => {
      const calls: Progress[] = [];
      assert.deepEqual(
        await within(
          30_000,
          pool.starmap(
            w.sleepThen,
            [
              [1, 'a'],
              [1, 'b'],
            ],
            { onProgress: (p) => calls.push(p) },
          ),
        ),
        ['a', 'b'],
      );
      checkSequence(calls, 2, 0);
      const calls2: Progress[] = [];
      assert.equal((await within(30_000, pool.mapAsync(w.busyMs, [1, 1, 1], { onProgress: (p) => calls2.push(p) }).get())).length, 3);
      checkSequence(calls2, 3, 0);
      const calls3: Progress[] = [];
      assert.deepEqual(await pool.map(w.busyMs, [], { onProgress: (p) => calls3.push(p) }), []);
      checkSequence(calls3, 0, 0);
    });

    it('imap over a generator: total undefined while its length is unknown, then exact at the end', async () => {
      const calls: Progress[] = [];
      function* gen() {
        for (let i = 0; i < 30; i++) yield 20;
      }
      const out: number[] = [];
      for await (const x of pool.imap(w.nap, gen(), { onProgress: (p) => calls.push(p) })) out.push(x);
      assert.equal(out.length, 30);
      await until(10_000, () => calls.some((c) => c.done === 30 && c.total === 30), 'the final call');
      checkSequence(calls, 30, 0);
      assert.equal(calls[0]!.total, undefined, 'the first call does not know the total');
      assert.equal(calls[0]!.etaMs, undefined);
      // An array's length is known from the start; imapUnordered counts failures too.
      const calls2: Progress[] = [];
      const it = pool.imapUnordered(w.oddFails, [1, 2, 3, 4, 5, 6], { onProgress: (p) => calls2.push(p) });
      let errors = 0;
      for (;;) {
        try {
          const r = await within(30_000, it.next());
          if (r.done) break;
        } catch {
          errors++;
        }
      }
      assert.equal(errors, 3);
      checkSequence(calls2, 6, 3);
      assert.ok(calls2.every((c) => c.total === 6));
    });

    it('a throwing onProgress is reported as a warning and the map still resolves', async () => {
      const { warnings, stop } = warningsDuring();
      try {
        const r = await within(
          30_000,
          pool.map(w.busyMs, [1, 1, 1, 1], {
            onProgress: () => {
              throw new Error('progress boom');
            },
          }),
        );
        assert.equal(r.length, 4);
        await until(5_000, () => warnings.length > 0, 'the warning');
        assert.match(warnings[0]!, /onProgress threw.*progress boom/s);
      } finally {
        stop();
      }
    });

    it('misuse throws at the call', () => {
      assert.throws(() => pool.map(w.busyMs, [1], { onProgress: 5 as never }), { code: 'ERR_INVALID_ARG_TYPE' });
      assert.throws(() => pool.map(w.busyMs, [1], { progress: 'yes' as never }), { code: 'ERR_INVALID_ARG_TYPE' });
      assert.throws(() => pool.imap(w.busyMs, [1], { progress: { stream: {} } as never }), { code: 'ERR_INVALID_ARG_TYPE' });
    });

    it('progress: true on a stream that is not a terminal draws nothing and costs no dependency', async () => {
      const written: string[] = [];
      const stream = {
        write: (s: string) => {
          written.push(s);
          return true;
        },
        isTTY: false,
      };
      assert.equal((await within(30_000, pool.map(w.busyMs, [1, 1, 1], { progress: { stream } }))).length, 3);
      assert.deepEqual(written, []);
    });
  });

  describe(`Pool stats (${context})`, () => {
    it('counts success, failure, loss and retry; wait and run times from histograms', async () => {
      const pool = new Pool({ processes: 2, context });
      try {
        const empty: PoolStats = pool.stats();
        assert.equal(empty.completed, 0);
        assert.deepEqual(empty.runTime, { mean: 0, p50: 0, p90: 0, p99: 0, max: 0 });
        await within(30_000, pool.map(w.nap, [50, 50, 50, 50], { chunksize: 1 }));
        await within(
          30_000,
          pool.starmap(
            w.sleepThen,
            [
              [50, 1],
              [50, 2],
              [50, 3],
              [50, 4],
            ],
            { chunksize: 1 },
          ),
        );
        let s = pool.stats();
        assert.equal(s.completed, 8);
        assert.equal(s.failed + s.lost + s.retried, 0);
        assert.ok(s.runTime.p50 >= 40, `runTime p50 ${s.runTime.p50} ms for 50 ms tasks`);
        const { mean, p50, p90, p99, max } = s.runTime;
        assert.ok(p50 <= p90 && p90 <= p99 && p99 <= max && mean <= max && mean > 0, JSON.stringify(s.runTime));
        assert.ok(s.waitTime.max >= 0 && s.waitTime.p50 <= s.waitTime.max);
        assert.ok(s.utilization > 0 && s.utilization <= 1, `utilization ${s.utilization}`);
        assert.equal(s.processes, 2);
        assert.equal(s.idle + s.busy, 2);
        assert.equal(s.queued, 0);
        assert.equal(s.running, 0);
        const before = s;
        await rejection(pool.apply(w.oddFails, [1]));
        await rejection(pool.apply(f.exitWith, [3]), 30_000);
        assert.equal(await within(30_000, pool.apply(f.dieOnce, [file('once'), 21], { retries: 1 })), 42);
        s = pool.stats();
        assert.equal(s.failed, before.failed + 1, 'the throwing task');
        assert.equal(s.lost, before.lost + 1, 'the exiting task');
        assert.equal(s.retried, before.retried + 1, 'the task that died once');
        assert.equal(s.completed, before.completed + 1, 'the retried task succeeded');
        // While tasks run: running, busy and queued say so.
        const slow = [pool.apply(w.sleepThen, [1500, 0]), pool.apply(w.sleepThen, [1500, 0]), pool.apply(w.sleepThen, [1500, 0])];
        await until(20_000, () => pool.stats().running === 2, 'two running');
        s = pool.stats();
        assert.equal(s.busy, 2);
        assert.equal(s.queued, 1);
        await within(30_000, Promise.all(slow));
      } finally {
        await pool.terminate();
      }
    });
  });

  describe(`Pool events (${context})`, () => {
    it('workerStart for each worker, workerExit with lostTasks, drain when all is done; throwing listeners only warn', async () => {
      const pool = new Pool({ processes: 2, context });
      const starts: { pid: number; threadId: number | undefined }[] = [];
      const exits: { pid: number; exitCode: number | null; signal: string | null; lostTasks: number }[] = [];
      let drains = 0;
      pool.on('workerStart', (i) => starts.push(i));
      pool.on('workerExit', (i) => exits.push(i));
      pool.on('drain', () => drains++);
      const { warnings, stop } = warningsDuring();
      pool.on('workerStart', () => {
        throw new Error('listener boom');
      });
      try {
        await until(5_000, () => starts.length === 2, 'two workerStart events');
        for (const s of starts) {
          assert.ok(s.pid > 0);
          if (context === 'thread') {
            assert.equal(s.pid, process.pid);
            assert.ok(typeof s.threadId === 'number');
          } else assert.equal(s.threadId, undefined);
        }
        await within(30_000, pool.map(w.nap, [10, 10, 10, 10], { chunksize: 1 }));
        await until(5_000, () => drains === 1, 'drain after the map');
        // A worker dies under a task: its exit reports the lost task; a replacement starts.
        const e = await rejection(pool.apply(f.exitWith, [5]), 30_000);
        assert.ok(e instanceof WorkerLostError);
        await until(10_000, () => exits.length === 1 && starts.length === 3, 'the exit and the replacement');
        assert.equal(exits[0]!.lostTasks, 1);
        assert.equal(exits[0]!.exitCode, 5);
        assert.equal(exits[0]!.signal, null);
        assert.ok(starts.slice(0, 2).some((s) => s.pid === exits[0]!.pid || context === 'thread'));
        await until(5_000, () => drains === 2, 'drain after the failure');
        assert.ok(
          warnings.some((m) => /'workerStart' listener threw.*listener boom/s.test(m)),
          'the throwing listener was reported',
        );
        // The pool went on despite the throwing listener.
        assert.equal(await within(30_000, pool.apply(w.sleepThen, [1, 'ok'])), 'ok');
        pool.close();
        await within(30_000, pool.join());
        assert.equal(exits.length, 3, 'every worker reported its exit');
        assert.ok(
          exits.slice(1).every((x) => x.lostTasks === 0 && x.exitCode === 0),
          JSON.stringify(exits),
        );
      } finally {
        stop();
        await pool.terminate();
      }
    });
  });
}
