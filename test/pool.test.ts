// Pool behaviour, the same suite in both contexts, with .ts task modules under tsx.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { Pool, AsyncResult, TimeoutError, WorkerLostError, ProcessError } from 'multiproc';
import * as t from './fixtures/tasks.ts';
import { contexts, within, rejection, sleep } from './helpers.ts';

for (const context of contexts) {
  describe(`Pool (${context})`, () => {
    const pool = new Pool({ processes: 2, context });
    after(() => pool.terminate());

    it('apply runs an exported function and types flow from fn', async () => {
      const r: number = await within(20_000, pool.apply(t.square, [7]));
      assert.equal(r, 49);
      assert.equal(await pool.apply(t.add, [2, 3]), 5);
      assert.equal(await pool.apply(t.slowSquare, [3, 1]), 9);
    });

    it('applies a self-contained inline function sent as source', async () => {
      assert.equal(
        await within(
          10_000,
          pool.apply((x: number) => x * 2, [21]),
        ),
        42,
      );
    });

    it('map keeps input order for any chunksize, and empty input gives []', async () => {
      const xs = Array.from({ length: 101 }, (_, i) => i);
      assert.deepEqual(
        await within(20_000, pool.map(t.square, xs)),
        xs.map((x) => x * x),
      );
      assert.deepEqual(
        await pool.map(t.square, xs, { chunksize: 1 }),
        xs.map((x) => x * x),
      );
      assert.deepEqual(
        await pool.map(t.square, xs, { chunksize: 1000 }),
        xs.map((x) => x * x),
      );
      assert.deepEqual(await pool.map(t.square, []), []);
    });

    it('map takes any iterable and async iterables', async () => {
      assert.deepEqual(await pool.map(t.square, new Set([1, 2, 3])), [1, 4, 9]);
      async function* gen() {
        for (let i = 1; i <= 4; i++) {
          await sleep(1);
          yield i;
        }
      }
      assert.deepEqual(await within(10_000, pool.map(t.square, gen())), [1, 4, 9, 16]);
    });

    it('starmap spreads argument tuples', async () => {
      assert.deepEqual(
        await pool.starmap(t.add, [
          [1, 2],
          [3, 4],
        ]),
        [3, 7],
      );
      const r = pool.starmapAsync(t.add, [[5, 5]]);
      assert.deepEqual(await r.get(10_000), [10]);
    });

    it('errors keep their class, code, fields and remote stack', async () => {
      const e = await rejection(pool.apply(t.throwCoded));
      assert.ok(e instanceof t.CodedError);
      assert.equal(e.code, 'E_CODED');
      assert.equal(e.detail, 7);
      assert.match(String(e.stack), /throwCoded/);
      const r = await rejection(pool.map(t.failOdd, [2, 3, 4]));
      assert.ok(r instanceof RangeError);
      assert.equal(r.message, 'odd 3');
    });

    it('classes travel with their methods both ways', async () => {
      const p = await pool.apply(t.makePoint, [3, 4]);
      assert.ok(p instanceof t.Point);
      assert.equal(p.norm(), 5);
      assert.equal(await pool.apply(t.normOf, [new t.Point(6, 8)]), 10);
    });

    it('refuses what cannot be sent, at the call, naming the path', () => {
      const local = 3;
      assert.throws(() => pool.apply((x: number) => x * local, [1]), { code: 'ERR_NOT_TRANSFERABLE', message: /local/ });
      assert.throws(() => pool.apply(t.square, [{ handler: () => 1 }] as never), { code: 'ERR_NOT_TRANSFERABLE', message: /args\[0\]\.handler/ });
      assert.throws(() => pool.map(t.square, [1, 2, Symbol('x')] as never), { code: 'ERR_NOT_TRANSFERABLE', message: /iterable\[2\]/ });
      assert.throws(() => pool.map(t.square, [1], { chunksize: 0 }), { name: 'RangeError' });
    });

    it('an unsendable result rejects with ERR_NOT_TRANSFERABLE', async () => {
      const e = await rejection(pool.apply(t.returnsFunction));
      assert.equal(e.code, 'ERR_NOT_TRANSFERABLE');
    });

    it('applyAsync gives an AsyncResult with get/wait/ready/successful and callbacks', async () => {
      const seen: number[] = [];
      const r = pool.applyAsync(t.slowSquare, [4, 50], { callback: (v) => seen.push(v) });
      assert.ok(r instanceof AsyncResult);
      assert.throws(() => r.successful(), { code: 'ERR_RESULT_NOT_READY' });
      assert.equal(r.ready(), false);
      const early = await rejection(r.get(1));
      assert.ok(early instanceof TimeoutError);
      assert.equal(early.name, 'TimeoutError');
      await within(10_000, r.wait());
      assert.equal(r.ready(), true);
      assert.equal(r.successful(), true);
      assert.equal(await r, 16);
      assert.deepEqual(seen, [16]);
      const errs: unknown[] = [];
      const bad = pool.applyAsync(t.fail, ['nope'], { errorCallback: (e) => errs.push(e) });
      await bad.wait(10_000);
      assert.equal(bad.successful(), false);
      assert.ok(errs[0] instanceof RangeError);
      const m = pool.mapAsync(t.square, [1, 2]);
      assert.deepEqual(await m.get(), [1, 4]);
    });

    it('a throwing callback only warns and later results still arrive', async () => {
      const warnings: Error[] = [];
      const onWarn = (w: Error) => warnings.push(w);
      process.on('warning', onWarn);
      try {
        pool.applyAsync(t.square, [2], {
          callback: () => {
            throw new Error('callback broke');
          },
        });
        assert.equal(await within(10_000, pool.apply(t.square, [3])), 9);
        await sleep(50);
        assert.ok(warnings.some((w) => /callback broke/.test(w.message)));
      } finally {
        process.off('warning', onWarn);
      }
    });

    it('imap is ordered and lazy; imapUnordered yields everything', async () => {
      let read = 0;
      function* source() {
        for (let i = 0; i < 1000; i++) {
          read++;
          yield i;
        }
      }
      const it = pool.imap(t.square, source());
      const first = await within(10_000, it.next());
      assert.deepEqual(first, { value: 0, done: false });
      await sleep(100);
      assert.ok(read < 50, `imap read ${read} items ahead; the read-ahead must be bounded`);
      const rest: number[] = [];
      for await (const v of it) rest.push(v);
      assert.equal(rest.length, 999);
      assert.equal(rest[998], 999 * 999);
      const un: number[] = [];
      for await (const v of pool.imapUnordered(t.square, [1, 2, 3, 4], { chunksize: 2 })) un.push(v);
      assert.deepEqual(
        un.sort((a, b) => a - b),
        [1, 4, 9, 16],
      );
    });

    it('imap: a failing item rejects at its position and iteration continues', async () => {
      for (const chunksize of [1, 3]) {
        const it = pool.imap(t.failOdd, [0, 1, 2, 3, 4], { chunksize });
        const out: unknown[] = [];
        for (let i = 0; i < 5; i++) {
          try {
            out.push((await it.next()).value);
          } catch (e) {
            out.push((e as Error).message);
          }
        }
        assert.deepEqual(out, [0, 'odd 1', 2, 'odd 3', 4]);
        assert.equal((await it.next()).done, true);
      }
    });

    it('imap: a result that cannot be sent fails at its own position inside a chunk', async () => {
      const it = pool.imap(t.fnForOdd, [0, 1, 2, 3], { chunksize: 4 });
      const out: unknown[] = [];
      for (let i = 0; i < 4; i++) {
        try {
          out.push((await it.next()).value);
        } catch (e) {
          out.push((e as { code?: string }).code);
        }
      }
      assert.deepEqual(out, [0, 'ERR_NOT_TRANSFERABLE', 2, 'ERR_NOT_TRANSFERABLE']);
    });

    it('imap next(timeout) rejects with TimeoutError and iteration can continue', async () => {
      const it = pool.imap(
        t.slowSquare,
        [[5, 300]].map(([x]) => x!),
        {},
      );
      const slow = pool.imap(t.slowSquare as (x: number) => Promise<number>, [5]);
      void it.return();
      const e = await rejection(slow.next(1));
      assert.ok(e instanceof TimeoutError);
      assert.deepEqual(await within(10_000, slow.next()), { value: 25, done: false });
    });

    it('fast tasks around a stuck one: all settle exactly once, in order, none is lost', async () => {
      const solo = new Pool({ processes: 1, context });
      try {
        const before = Array.from({ length: 300 }, (_, i) => solo.apply(t.square, [i]));
        const stuck = solo.apply(t.spinForever, [], { timeout: 500 });
        const after = Array.from({ length: 300 }, (_, i) => solo.apply(t.square, [i]));
        assert.deepEqual(
          await within(30_000, Promise.all(before)),
          before.map((_, i) => i * i),
        );
        assert.ok((await rejection(stuck)) instanceof TimeoutError);
        assert.deepEqual(
          await within(30_000, Promise.all(after)),
          after.map((_, i) => i * i),
        );
      } finally {
        await solo.terminate();
      }
    });

    it('a known-quick function that suddenly hangs still times out (results batched before it arrive)', async () => {
      const solo = new Pool({ processes: 1, context });
      try {
        await within(20_000, Promise.all(Array.from({ length: 500 }, () => solo.apply(t.spinN, [0]))));
        const quick = Array.from({ length: 50 }, () => solo.apply(t.spinN, [0]));
        const stuck = rejection(solo.apply(t.spinN, [-1], { timeout: 500 }), 20_000);
        assert.equal((await within(20_000, Promise.all(quick))).length, 50);
        assert.ok((await stuck) instanceof TimeoutError);
      } finally {
        await solo.terminate();
      }
    });

    it('process.exit inside a batch of quick tasks: finished ones resolve, only the exiting one is lost', async () => {
      const solo = new Pool({ processes: 1, context });
      try {
        await within(20_000, Promise.all(Array.from({ length: 500 }, (_, i) => solo.apply(t.quickOrExit, [i]))));
        const quick = Array.from({ length: 20 }, (_, i) => solo.apply(t.quickOrExit, [i]));
        const dies = rejection(solo.apply(t.quickOrExit, [999_999]));
        const after = Array.from({ length: 5 }, (_, i) => solo.apply(t.quickOrExit, [i]));
        assert.deepEqual(
          await within(20_000, Promise.all(quick)),
          quick.map((_, i) => i + 1),
        );
        const e = await dies;
        assert.ok(e instanceof WorkerLostError);
        assert.equal(e.exitCode, 5);
        assert.deepEqual(await within(20_000, Promise.all(after)), [1, 2, 3, 4, 5]);
      } finally {
        await solo.terminate();
      }
    });

    it('the timeout clock starts when the task starts, not while the worker boots or initializes', async () => {
      const slow = new Pool({ processes: 1, context, initializer: t.initSlow, initArgs: [800] });
      try {
        assert.equal(await within(20_000, slow.apply(t.square, [4], { timeout: 300 })), 16);
      } finally {
        await slow.terminate();
      }
    });

    it('validates timeout and signal at the call; one abort listener serves a whole map', async () => {
      assert.throws(() => pool.apply(t.square, [1], { timeout: -5 }), { code: 'ERR_OUT_OF_RANGE' });
      assert.throws(() => pool.apply(t.square, [1], { timeout: '1s' as never }), { code: 'ERR_OUT_OF_RANGE' });
      assert.throws(() => pool.map(t.square, [1], { signal: {} as never }), { code: 'ERR_INVALID_ARG_TYPE' });
      assert.deepEqual(await pool.map(t.square, '' as never), []);
      const warnings: Error[] = [];
      const onWarn = (w: Error) => warnings.push(w);
      process.on('warning', onWarn);
      try {
        const ac = new AbortController();
        assert.equal(
          (
            await within(
              20_000,
              pool.map(
                t.square,
                Array.from({ length: 50 }, (_, i) => i),
                { chunksize: 1, signal: ac.signal },
              ),
            )
          ).length,
          50,
        );
        await sleep(20);
        assert.deepEqual(
          warnings.filter((w) => w.name === 'MaxListenersExceededWarning'),
          [],
        );
      } finally {
        process.off('warning', onWarn);
      }
    });

    it('a task timeout stops synchronous work; the pool heals', async () => {
      const e = await rejection(pool.apply(t.spinForever, [], { timeout: 300 }));
      assert.ok(e instanceof TimeoutError);
      assert.equal(await within(20_000, pool.apply(t.square, [6])), 36);
    });

    it('an AbortSignal rejects with its reason and stops the running work', async () => {
      const ac = new AbortController();
      const p = pool.apply(t.spinForever, [], { signal: ac.signal });
      setTimeout(() => ac.abort(new Error('stop now')), 200);
      const e = await rejection(p);
      assert.equal(e.message, 'stop now');
      const pre = AbortSignal.abort(new Error('already'));
      assert.equal((await rejection(pool.apply(t.square, [1], { signal: pre }))).message, 'already');
      assert.equal(await within(20_000, pool.apply(t.square, [5])), 25);
    });

    it('a worker that calls process.exit mid-task gives WorkerLostError; others go on', async () => {
      const lost = pool.apply(t.exitWith, [3]);
      const ok = pool.map(t.square, [1, 2, 3], { chunksize: 1 });
      const e = await rejection(lost);
      assert.ok(e instanceof WorkerLostError);
      assert.ok(e instanceof ProcessError);
      assert.equal(e.exitCode, 3);
      assert.deepEqual(await within(20_000, ok), [1, 4, 9]);
    });
  });

  describe(`Pool lifecycle (${context})`, () => {
    it('close then join lets queued work finish; later submissions throw', async () => {
      const pool = new Pool({ processes: 2, context });
      const r = pool.map(t.slowSquare, [1, 2, 3, 4]);
      assert.throws(() => pool.join(), { code: 'ERR_POOL_RUNNING' });
      pool.close();
      assert.throws(() => pool.apply(t.square, [1]), { code: 'ERR_POOL_NOT_RUNNING' });
      assert.deepEqual(await within(20_000, r), [1, 4, 9, 16]);
      await within(20_000, pool.join());
      pool.close();
    });

    it('terminate while a map is still reading an async iterable rejects it', async () => {
      const pool = new Pool({ processes: 1, context });
      async function* slowSource() {
        for (let i = 0; i < 5; i++) {
          await sleep(100);
          yield i;
        }
      }
      const mapped = rejection(pool.map(t.square, slowSource()));
      await sleep(150);
      await within(10_000, pool.terminate());
      assert.equal((await mapped).code, 'ERR_POOL_TERMINATED');
    });

    it('terminate rejects unfinished tasks and join resolves', async () => {
      const pool = new Pool({ processes: 1, context });
      const stuck = rejection(pool.apply(t.spinForever, []));
      const queued = rejection(pool.apply(t.square, [2]));
      await sleep(200);
      await within(10_000, pool.terminate());
      assert.equal((await stuck).code, 'ERR_POOL_TERMINATED');
      assert.equal((await queued).code, 'ERR_POOL_TERMINATED');
      await within(10_000, pool.join());
      assert.throws(() => pool.map(t.square, [1]), { code: 'ERR_POOL_NOT_RUNNING' });
    });

    it('close() then join() with a lazy imap still unread: its input is drained and every result kept', async () => {
      const pool = new Pool({ processes: 2, context });
      async function* source() {
        for (let i = 0; i < 50; i++) yield i;
      }
      const it = pool.imap(t.square, source(), { chunksize: 2 });
      pool.close();
      await within(20_000, pool.join());
      const out: number[] = [];
      for await (const v of it) out.push(v);
      assert.deepEqual(
        out,
        Array.from({ length: 50 }, (_, i) => i * i),
      );
    });

    it('terminate() under a waiting imap rejects it with ERR_POOL_TERMINATED, then it ends', async () => {
      const pool = new Pool({ processes: 1, context });
      const it = pool.imap(t.slowSquare as (x: number) => Promise<number>, [1, 2, 3]);
      const waiting = rejection(it.next(), 20_000);
      await within(10_000, pool.terminate());
      assert.equal((await waiting).code, 'ERR_POOL_TERMINATED');
      assert.equal((await it.next()).done, true);
    });

    it('await using closes and joins, finishing queued work', async () => {
      let result: Promise<number[]>;
      {
        await using pool = new Pool({ processes: 2, context });
        result = pool.map(t.slowSquare, [1, 2, 3]);
      }
      assert.deepEqual(await within(1000, result), [1, 4, 9]);
    });

    it('initializer runs once per worker with initArgs', async () => {
      await using pool = new Pool({ processes: 2, context, initializer: t.init, initArgs: ['tag'] });
      const seen = await within(20_000, pool.map(t.readInit, [1, 2, 3, 4], { chunksize: 1 }));
      for (const s of seen) assert.match(String(s), /^tag:\d+$/);
    });

    it('a failing initializer fails the pool once with ERR_POOL_INITIALIZER', async () => {
      const pool = new Pool({ processes: 2, context, initializer: t.initFails });
      const e = await rejection(pool.apply(t.square, [2]));
      assert.equal(e.code, 'ERR_POOL_INITIALIZER');
      assert.ok(e.cause instanceof TypeError);
      const later = await rejection(pool.apply(t.square, [3]));
      assert.equal(later.code, 'ERR_POOL_INITIALIZER');
      await within(10_000, pool.terminate());
    });

    it('maxTasksPerChild replaces workers', async () => {
      await using pool = new Pool({ processes: 1, context, maxTasksPerChild: 2 });
      const ids: number[] = [];
      for (let i = 0; i < 6; i++) ids.push(await within(20_000, pool.apply((context === 'thread' ? t.readThreadId : t.pidOf) as () => number | Promise<number>, [])));
      assert.equal(new Set(ids).size, 3, `expected 3 distinct workers, got ${ids}`);
      assert.throws(() => new Pool({ processes: 1, context, maxTasksPerChild: 0 }), { name: 'RangeError' });
    });

    it('processes < 1 throws RangeError', () => {
      assert.throws(() => new Pool({ processes: 0, context }), { name: 'RangeError' });
    });
  });
}

describe('Pool worker killed by a signal (process)', () => {
  it('SIGKILL mid-task gives WorkerLostError with the signal, and the pool heals', async () => {
    await using pool = new Pool({ processes: 2, context: 'process' });
    const pid = await within(20_000, pool.apply(t.pidOf, []));
    const stuck = pool.apply(t.spin, [3000]);
    const busy = pool.apply(t.spin, [3000]);
    await sleep(300);
    process.kill(pid, 'SIGKILL');
    const results = await Promise.allSettled([stuck, busy]);
    const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
    assert.ok(lost, 'one task must reject');
    assert.ok(lost.reason instanceof WorkerLostError);
    assert.equal(lost.reason.signal, 'SIGKILL');
    assert.equal(lost.reason.exitCode, -9);
    assert.deepEqual(await within(20_000, pool.map(t.square, [1, 2, 3])), [1, 4, 9]);
  });

  it('SIGKILL during a stream of quick tasks: every task settles, none runs twice, results are exact', async () => {
    const { mkdtempSync, readFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'mp-once-')), 'runs.txt');
    await using pool = new Pool({ processes: 2, context: 'process' });
    const pids = new Set(await within(20_000, pool.map(t.pidAfter, [50, 50, 50, 50], { chunksize: 1 })));
    assert.equal(pids.size, 2);
    const n = 3000;
    const all = Array.from({ length: n }, (_, i) => pool.apply(t.recordRun, [file, i]));
    await sleep(30);
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    const settled = await within(60_000, Promise.allSettled(all));
    const runs = readFileSync(file, 'utf8').trim().split('\n').map(Number);
    const counts = new Map<number, number>();
    for (const id of runs) counts.set(id, (counts.get(id) ?? 0) + 1);
    for (const [id, c] of counts) assert.equal(c, 1, `task ${id} ran ${c} times`);
    settled.forEach((r, i) => {
      if (r.status === 'fulfilled') assert.equal(r.value, i);
      else assert.ok(r.reason instanceof WorkerLostError, String(r.reason));
    });
    const lost = settled.filter((r) => r.status === 'rejected').length;
    assert.ok(lost < n / 2, 'most tasks survive on the replacements');
  });

  it('pool workers are daemons: starting a Pool inside one is refused, as in CPython', async () => {
    await using pool = new Pool({ processes: 1, context: 'process' });
    const e = await rejection(pool.apply(t.nestedPool, [[1, 2, 3]]));
    assert.equal(e.code, 'ERR_DAEMON_CHILDREN');
  });
});
