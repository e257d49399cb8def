// Barrier shared by real child processes and threads, in both contexts: indices, the action,
// timeouts, abort and reset.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Process, Pool, Queue, Barrier, BrokenBarrierError } from 'multiproc';
import * as s from './fixtures/sync-targets.ts';
import { contexts, within, rejection, sleep } from './helpers.ts';

async function take<T>(q: Queue<T>, n: number, ms = 20_000): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(await within(ms, q.get(), `item ${i + 1} of ${n}`));
  return out;
}

/** Polls until `n` parties wait at the barrier (bounded). */
async function untilWaiting(b: Barrier, n: number, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while ((await b.nWaiting()) !== n) {
    if (Date.now() > end) throw new Error(`${n} waiters did not arrive within ${ms} ms`);
    await sleep(20);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'multiproc-barrier-'));
/** A fresh file for barrierAction to count passes in (set before the workers start: they copy the env). */
function actionLog(name: string): () => number {
  const file = join(dir, name);
  writeFileSync(file, '');
  process.env['MP_BARRIER_LOG'] = file;
  return () => readFileSync(file, 'utf8').split('\n').filter(Boolean).length;
}

after(() => rmSync(dir, { recursive: true, force: true }));

for (const context of contexts) {
  describe(`Barrier (${context})`, () => {
    let pool: Pool;
    let passes: () => number;
    before(() => {
      passes = actionLog(`pool-${context}`);
      pool = new Pool({ processes: 3, context });
    });
    after(() => pool.terminate());

    it('parties pass together, exactly one gets index 0, the action runs once per pass (Process targets)', async () => {
      const count = actionLog(`process-${context}`);
      const b = new Barrier(3, { action: s.barrierAction });
      assert.equal(b.parties, 3);
      assert.equal(await b.nWaiting(), 0);
      const log = new Queue<string | number>();
      const ps = [0, 1].map(() => new Process({ target: s.barrierParty, args: [b, log, 2], context }));
      for (const p of ps) p.start();
      await untilWaiting(b, 2);
      const mine = await within(20_000, b.wait());
      const first = [mine, ...(await take(log, 2))];
      assert.deepEqual([...first].sort(), [0, 1, 2]);
      assert.equal(count(), 1);
      const second = [await within(20_000, b.wait()), ...(await take(log, 2))];
      assert.deepEqual([...second].sort(), [0, 1, 2]);
      assert.equal(count(), 2);
      await within(20_000, Promise.all(ps.map((p) => p.join())));
      assert.deepEqual(
        ps.map((p) => p.exitCode),
        [0, 0],
      );
      assert.equal(await b.broken(), false);
      assert.equal(await b.nWaiting(), 0);
    });

    it('Pool tasks meet at a barrier, its action running in whichever arrives last', async () => {
      const b = new Barrier(3, { action: s.barrierAction });
      const log = new Queue<string | number>();
      const before = passes();
      const runs = pool.starmap(s.barrierParty, [
        [b, log, 3],
        [b, log, 3],
        [b, log, 3],
      ]);
      const seen = await take(log, 9);
      await within(20_000, runs);
      assert.equal(seen.filter((i) => i === 0).length, 3, `one 0 per pass: ${seen.join(' ')}`);
      assert.deepEqual([...seen].sort(), [0, 0, 0, 1, 1, 1, 2, 2, 2]);
      assert.equal(passes() - before, 3);
    });

    it('a party that arrives while the action runs waits for the next pass (as CPython), it is not refused', async () => {
      const b = new Barrier(2, { action: s.slowBarrierAction });
      const log = new Queue<string | number>();
      const before = passes();
      const firstPass = pool.starmap(s.barrierParty, [
        [b, log],
        [b, log],
      ]);
      const end = Date.now() + 20_000;
      while (passes() === before) {
        assert.ok(Date.now() < end, 'the action never started');
        await sleep(5);
      }
      // The first pass's action is running now (it lasts 600 ms).
      const mine = within(20_000, b.wait(15_000));
      const partner = pool.apply(s.barrierParty, [b, log]);
      const index = await mine.catch((e: Error & { code?: string }) => assert.fail(`refused while the action ran: ${e.code ?? e.name}: ${e.message}`));
      const seen = await take(log, 3);
      assert.deepEqual([...seen, index].sort(), [0, 0, 1, 1], `indices: ${seen.join(' ')} and mine ${index}`);
      await within(20_000, Promise.all([firstPass, partner]));
    });

    // The timed-out waiters run in children, so that if one is never answered only that child hangs.
    it('a wait that times out breaks the barrier: every waiter, the timed-out one too, gets BrokenBarrierError', async () => {
      const b = new Barrier(3);
      const log = new Queue<string | number>();
      const p = new Process({ target: s.barrierParty, args: [b, log, 1, 200], context });
      p.start();
      try {
        const mine = await rejection(b.wait(), 20_000);
        assert.ok(mine instanceof BrokenBarrierError, mine.message);
        assert.deepEqual(await take(log, 1, 5000), ['BrokenBarrierError'], 'the waiter whose timeout broke the barrier was never answered');
        assert.equal(await b.broken(), true);
        assert.ok((await rejection(b.wait(1000))) instanceof BrokenBarrierError, 'a broken barrier lets a waiter in');
        await within(20_000, p.join());
      } finally {
        if (p.isAlive()) p.kill();
        await log.put('unblocks a get of ours still pending');
      }
    });

    it('the default timeout of Barrier(parties, { timeout }) applies to wait()', async () => {
      const b = new Barrier(2, { timeout: 150 });
      const log = new Queue<string | number>();
      const p = new Process({ target: s.barrierParty, args: [b, log], context });
      p.start();
      try {
        assert.deepEqual(await take(log, 1, 10_000), ['BrokenBarrierError'], 'a lone waiter with the default timeout was never answered');
        assert.equal(await b.broken(), true);
        await within(20_000, p.join());
      } finally {
        if (p.isAlive()) p.kill();
        await log.put('unblocks a get of ours still pending');
      }
    });

    it('abort() breaks it for the waiters; reset() makes it usable again and breaks current waiters', async () => {
      const b = new Barrier(2);
      const log = new Queue<string | number>();
      const p1 = new Process({ target: s.barrierParty, args: [b, log], context });
      p1.start();
      await untilWaiting(b, 1);
      await b.abort();
      assert.deepEqual(await take(log, 1), ['BrokenBarrierError']);
      assert.equal(await b.broken(), true);
      assert.ok((await rejection(b.wait(1000))) instanceof BrokenBarrierError);
      await b.reset();
      assert.equal(await b.broken(), false);
      assert.equal(await b.nWaiting(), 0);

      // A waiter caught by reset() is broken out; the barrier itself stays usable.
      const t = pool.apply(s.barrierParty, [b, log]);
      await untilWaiting(b, 1);
      await b.reset();
      assert.deepEqual(await take(log, 1), ['BrokenBarrierError']);
      assert.equal(await b.broken(), false);
      await within(20_000, t);

      const t2 = pool.apply(s.barrierParty, [b, log]);
      const mine = await within(20_000, b.wait());
      const theirs = (await take(log, 1))[0];
      assert.deepEqual([mine, theirs].sort(), [0, 1]);
      await within(20_000, Promise.all([p1.join(), t2]));
    });
  });
}
