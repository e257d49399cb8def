// Retries: a task whose worker died runs again on another worker, up to `retries` times;
// a task that threw, timed out or was aborted never does. Both contexts, real exits.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Pool, Pipe, TimeoutError, WorkerLostError } from 'multiproc';
import * as f from './fixtures/faults.mjs';
import { contexts, within, rejection, sleep } from './helpers.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'mp-retries-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = (name: string) => path.join(dir, `${name}-${++n}`);

for (const context of contexts) {
  describe(`Pool retries (${context})`, () => {
    const pool = new Pool({ processes: 2, context });
    after(() => pool.terminate());

    it('a task that kills its worker once succeeds with retries: 1', async () => {
      const marker = file('once');
      assert.equal(await within(30_000, pool.apply(f.dieOnce, [marker, 21], { retries: 1 })), 42);
      assert.equal(f.attempts(marker), 1, 'the first attempt died');
    });

    it('the same task rejects with WorkerLostError with retries: 0 (the default)', async () => {
      const e = await rejection(pool.apply(f.dieOnce, [file('once'), 21]), 30_000);
      assert.ok(e instanceof WorkerLostError, String(e));
      assert.equal(e.code, 'ERR_WORKER_LOST');
      assert.equal(e.exitCode, 7);
      assert.match(e.message, /retries/);
      const e0 = await rejection(pool.apply(f.dieOnce, [file('once'), 21], { retries: 0 }), 30_000);
      assert.ok(e0 instanceof WorkerLostError);
    });

    it('a task that always kills its worker runs retries + 1 times, then rejects', async () => {
      for (const retries of [0, 2]) {
        const log = file('always');
        const e = await rejection(pool.apply(f.alwaysDie, [log], { retries }), 60_000);
        assert.ok(e instanceof WorkerLostError, String(e));
        assert.equal(e.exitCode, 9);
        assert.equal(f.attempts(log), retries + 1, `retries: ${retries}`);
      }
    });

    it('a throwing task runs exactly once with retries: 3', async () => {
      const log = file('throws');
      const e = await rejection(pool.apply(f.recordThenThrow, [log], { retries: 3 }), 30_000);
      assert.ok(e instanceof RangeError);
      assert.equal(e.message, 'thrown on purpose');
      assert.equal(f.attempts(log), 1);
    });

    it('a task that timed out or was aborted is not retried', async () => {
      const log = file('spin');
      // Bounds that hold on a loaded machine: the timeout leaves seconds for the task to reach
      // a worker and start, and the abort comes once the task has started (its record).
      const t = await rejection(pool.apply(f.recordThenSpin, [log], { retries: 3, timeout: 5_000 }), 60_000);
      assert.ok(t instanceof TimeoutError);
      assert.equal(f.attempts(log), 1, 'the timed-out task ran once');
      const ac = new AbortController();
      const aborted = pool.apply(f.recordThenSpin, [log], { retries: 3, signal: ac.signal });
      const deadline = Date.now() + 60_000;
      while (f.attempts(log) < 2 && Date.now() < deadline) await sleep(20);
      ac.abort(new Error('stop'));
      assert.equal((await rejection(aborted, 60_000)).message, 'stop');
      assert.equal(f.attempts(log), 2, 'one run each');
    });

    it('a task carrying a pipe end is not retried (the end died with the worker)', async () => {
      const log = file('conn');
      const [mine, theirs] = Pipe();
      const e = await rejection(pool.apply(f.dieWithConn, [theirs, log], { retries: 2 }), 30_000);
      assert.ok(e instanceof WorkerLostError, String(e));
      assert.equal(e.exitCode, 4);
      assert.equal(f.attempts(log), 1);
      mine.close();
    });

    it('map chunks and imap items are retried too; other work goes on', async () => {
      const marker = file('map');
      const xs = [1, 2, 3, 4, 5, 6];
      const out = await within(
        30_000,
        pool.starmap(
          f.dieOnce,
          xs.map((x) => [marker, x]),
          { chunksize: 2, retries: 1 },
        ),
      );
      assert.deepEqual(
        out,
        xs.map((x) => x * 2),
      );
      const marker2 = file('imap');
      const got: number[] = [];
      for await (const v of pool.imap(
        f.dieOnceFor,
        xs.map((x) => [marker2, x]),
        { retries: 1 },
      ))
        got.push(v as number);
      assert.deepEqual(
        got,
        xs.map((x) => x * 2),
      );
      const ok = await within(30_000, pool.applyAsync(f.dieOnce, [file('async'), 5], { retries: 2 }).get());
      assert.equal(ok, 10);
    });

    it('validates retries at the call: an integer >= 0', () => {
      for (const bad of [-1, 1.5, NaN, Infinity, '2']) {
        assert.throws(() => pool.apply(f.tiny, [1], { retries: bad as never }), { code: 'ERR_OUT_OF_RANGE', name: 'RangeError' });
        assert.throws(() => pool.map(f.tiny, [1], { retries: bad as never }), { code: 'ERR_OUT_OF_RANGE' });
        assert.throws(() => pool.imap(f.tiny, [1], { retries: bad as never }), { code: 'ERR_OUT_OF_RANGE' });
      }
    });
  });
}
