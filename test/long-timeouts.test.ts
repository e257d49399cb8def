// Timeouts longer than Node's timer limit (2^31-1 ms): Node fires such a timer after 1 ms, so
// every wait that takes a user timeout arms it through util/long-timer.ts. Each kind of
// wait is given 2 ** 31 + 1000 ms and must still be waiting seconds later.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Condition, Event, Lock, Pipe, Pool, Process, Queue, Semaphore } from 'multiproc';
import { BIG, longWaits } from './fixtures/long-timeouts.ts';
import { pidOf, readThreadId, sleepMs } from './fixtures/tasks.ts';
import { contexts, sleep, within } from './helpers.ts';
import { longTimeout } from '../src/util/long-timer.ts';

const HOLD_MS = 2000;

describe('long timer', () => {
  it('chains past 2^31-1 ms: a 2 ** 31 + 1000 ms timer has not fired after a second; clear() stops it', async () => {
    let fired = false;
    const t = longTimeout(() => {
      fired = true;
    }, BIG);
    await sleep(1000);
    assert.equal(fired, false);
    t.clear();
    let soon = false;
    longTimeout(() => {
      soon = true;
    }, 10);
    await within(
      5000,
      (async () => {
        while (!soon) await sleep(10);
      })(),
      'a 10 ms long timer',
    );
  });
});

for (const context of contexts) {
  describe(`timeouts of 2 ** 31 + 1000 ms (${context})`, () => {
    it('Queue.get, Lock/Semaphore acquire, Condition.wait, Event.wait and poll in a child keep waiting until satisfied', async () => {
      const q = new Queue<string>(),
        report = new Queue<[string, unknown, number] | 'waiting'>();
      const lock = new Lock(),
        sem = new Semaphore(0),
        cond = new Condition(),
        ev = new Event();
      const [mine, theirs] = Pipe();
      await lock.acquire();
      const p = new Process({ target: longWaits, args: [q, lock, sem, cond, ev, theirs, report], context });
      p.start();
      assert.equal(await within(30_000, report.get()), 'waiting');
      await sleep(HOLD_MS);
      // Nothing may have settled early (before the fix each one did within ~1 ms).
      assert.equal(await report.qsize(), 0, 'a wait with a 2 ** 31 + 1000 ms timeout settled early');
      await q.put('item');
      await lock.release();
      await sem.release();
      await cond.acquire();
      await cond.notifyAll();
      await cond.release();
      await ev.set();
      await mine.send('data');
      const results = new Map<string, [unknown, number]>();
      for (let i = 0; i < 6; i++) {
        const r = (await within(30_000, report.get())) as [string, unknown, number];
        results.set(r[0], [r[1], r[2]]);
      }
      const expected: Record<string, unknown> = {
        'Queue.get': 'item',
        'Lock.acquire': true,
        'Semaphore.acquire': true,
        'Condition.wait': true,
        'Event.wait': true,
        'Connection.poll': true,
      };
      for (const [kind, value] of Object.entries(expected)) {
        const got = results.get(kind);
        assert.ok(got, `${kind} did not report`);
        assert.deepEqual(got[0], value, `${kind} settled with ${String(got[0])}`);
        assert.ok(got[1] >= HOLD_MS - 200, `${kind} settled after ${got[1]} ms`);
      }
      await within(30_000, p.join());
      assert.equal(p.exitCode, 0);
      mine.close();
    });

    it('Process.join(2 ** 31 + 1000) returns only when the child has ended', async () => {
      const p = new Process({ target: sleepMs, args: [HOLD_MS], context });
      p.start();
      const t0 = performance.now();
      await within(60_000, p.join(BIG));
      assert.equal(p.exitCode, 0, `join returned after ${Math.round(performance.now() - t0)} ms while the child ran`);
    });

    it('pool.apply({ timeout }) and AsyncResult.get(timeout) with 2 ** 31 + 1000 ms: the task finishes, its worker is not killed', async () => {
      const pool = new Pool({ processes: 1, context });
      try {
        const ident = (context === 'thread' ? readThreadId : pidOf) as () => number | Promise<number>;
        const worker = await within(60_000, pool.apply(ident, []));
        assert.equal(await within(60_000, pool.apply(sleepMs, [HOLD_MS], { timeout: BIG })), undefined);
        const r = pool.applyAsync(sleepMs, [HOLD_MS]);
        assert.equal(await within(60_000, r.get(BIG)), undefined);
        await within(60_000, r.wait(BIG));
        const it = pool.imap(sleepMs, [HOLD_MS]);
        assert.deepEqual(await within(60_000, it.next(BIG)), { value: undefined, done: false });
        // The same worker served every task: none was stopped by a timeout.
        assert.equal(await within(60_000, pool.apply(ident, [])), worker);
        assert.equal(await within(60_000, pool.apply(sleepMs, [10], { timeout: Infinity })), undefined, 'timeout: Infinity means no limit');
      } finally {
        await pool.terminate();
      }
    });
  });
}
